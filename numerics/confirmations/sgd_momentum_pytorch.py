"""PyTorch's momentum convention against paper Alg. 1's, on torch.optim.SGD (Q1.a.ii).

The same Alg. 1 rule (:class:`~wdproof.numerics.optimizers.rules.SGDW`) runs twice: written out
(:func:`~wdproof.numerics.optimizers.trajectory.run_rule`) and on ``torch.optim.SGD``
(:func:`~wdproof.numerics.confirmations.sgd_torch.torch_sgd`).

* ``pytorch-sgd-momentum-matches-alg1``: equal under a constant multiplier, for L2 and SGDW;
* ``pytorch-sgd-momentum-schedule-gap``: when the multiplier moves, the step-2 difference is the
  predicted ``alpha beta_1 (eta_1 - eta_2) v_1``.
"""

from __future__ import annotations

import torch

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.confirmations.sgd_torch import (
    STEPS,
    TOLERANCE,
    constant_multiplier,
    problems,
    torch_sgd_trajectory,
)
from wdproof.numerics.optimizers.problems import DTYPE, linear_problem
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.schedules import cosine_schedule
from wdproof.numerics.optimizers.trajectory import max_deviation, run_rule

#: Constant multipliers only: the claim's assumption (a moving schedule is the gap claim's).
MATCH_CASES = (  # method, multiplier eta, beta_1, L2 lambda', SGDW decay lambda
    ("L2", 1.0, 0.9, 1e-2, 0.0),
    ("L2", 0.5, 0.9, 1e-1, 0.0),
    ("L2", 1.0, 0.0, 1e-1, 0.0),
    ("SGDW", 1.0, 0.9, 0.0, 1e-2),
    ("SGDW", 1.0, 0.5, 0.0, 1e-1),
    ("SGDW", 0.5, 0.9, 0.0, 5e-2),
)
#: How the table names each method.
METHOD_LABELS = {"L2": r"SGD + $L_2$", "SGDW": "SGDW"}


@confirms("pytorch-sgd-momentum-matches-alg1")
def pytorch_matches_alg1_under_constant_schedule() -> Confirmation:
    alpha = 0.1
    rows = []
    worst = {"L2": 0.0, "SGDW": 0.0}  # max deviation per method
    for problem in problems():
        for method, eta, beta1, l2_coefficient, decay_rate in MATCH_CASES:
            rule = SGDW(
                alpha,
                beta1,
                decay_rate=decay_rate,
                l2_coefficient=l2_coefficient,
                schedule=constant_multiplier(eta),
            )
            deviation = max_deviation(
                run_rule(problem, rule, STEPS), torch_sgd_trajectory(problem, rule, STEPS)
            )
            worst[method] = max(worst[method], deviation)
            rows.append(
                (
                    problem.name,
                    METHOD_LABELS[method],
                    eta,
                    beta1,
                    l2_coefficient,
                    decay_rate,
                    deviation,
                )
            )
    return Confirmation(
        quantity=(
            r"$\max \lvert\theta_{\mathrm{Alg.1}} - \theta_{\mathrm{torch}}\rvert$ over "
            f"{STEPS} steps, constant multiplier"
        ),
        value=max(worst.values()),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            "method",
            r"$\eta$ (constant)",
            r"$\beta_1 = \mu$",
            r"$\lambda'$",
            r"$\lambda$",
            "max deviation",
        ),
        rows=tuple(rows),
        note=(
            rf"Alg. 1 written out ($\alpha = {alpha}$, constant multiplier $\eta$) vs "
            r"torch.optim.SGD(lr $= \alpha\eta$, momentum $= \beta_1$, weight_decay $= \lambda'$), "
            r"SGDW with $\theta \leftarrow (1 - \eta\lambda)\theta$ before each step."
        ),
        extra={"l2_max_deviation": worst["L2"], "sgdw_max_deviation": worst["SGDW"]},
    )


#: Two steps on linear losses with the multiplier changing from eta_1 to eta_2.
GAP_SETTINGS = (  # alpha, beta_1, lambda', eta_1, eta_2
    (0.1, 0.9, 0.0, 1.0, 0.5),
    (0.1, 0.9, 0.5, 1.0, 0.25),
    (0.05, 0.5, 0.1, 0.3, 0.9),
    (0.1, 0.0, 0.5, 1.0, 0.5),
)
GAP_THETA_0 = [1.0, -2.0]
GAP_GRADIENTS = [[0.3, 0.1], [-0.2, 0.4]]


@confirms("pytorch-sgd-momentum-schedule-gap")
def schedule_gap_matches_prediction() -> Confirmation:
    """Step 2 on ``f_t = g_t . theta`` (common ``theta_1``, fixed gradients): torch minus Alg. 1
    is ``m_2 - alpha eta_2 v_2 = alpha beta_1 (eta_1 - eta_2) v_1`` with
    ``v_1 = g_1 + lambda' theta_0``.
    Cosine-annealed runs on the training problems show the gap accumulating (beta_1 > 0) or
    absent (beta_1 = 0)."""
    rows, errors = [], []
    theta_0 = torch.tensor(GAP_THETA_0, dtype=DTYPE)
    g_1 = torch.tensor(GAP_GRADIENTS[0], dtype=DTYPE)
    linear = linear_problem(GAP_THETA_0, GAP_GRADIENTS)
    for alpha, beta1, l2_coefficient, eta_1, eta_2 in GAP_SETTINGS:
        schedule = {1: eta_1, 2: eta_2}.__getitem__  # eta_t of steps t = 1, 2
        rule = SGDW(alpha, beta1, l2_coefficient=l2_coefficient, schedule=schedule)
        paper, pytorch = run_rule(linear, rule, 2), torch_sgd_trajectory(linear, rule, 2)
        (theta_2_paper,), (theta_2_torch,) = paper[1], pytorch[1]  # the one parameter tensor
        measured = theta_2_torch[0] - theta_2_paper[0]
        # alpha beta_1 (eta_1 - eta_2) v_1, v_1 = g_1 + lambda' theta_0
        predicted = alpha * beta1 * (eta_1 - eta_2) * (g_1 + l2_coefficient * theta_0)
        errors.append(float((measured - predicted).abs().max()))
        rows.append(
            (
                rf"linear, multiplier $\eta_1 = {eta_1}$ then $\eta_2 = {eta_2}$",
                alpha,
                beta1,
                l2_coefficient,
                float(measured.abs().max()),
                float(predicted.abs().max()),
                errors[-1],
            )
        )
    separated, unmoved = [], []
    for problem in problems():
        for beta1 in (0.9, 0.0):
            rule = SGDW(0.1, beta1, l2_coefficient=1e-2, schedule=cosine_schedule(STEPS))
            deviation = max_deviation(
                run_rule(problem, rule, STEPS), torch_sgd_trajectory(problem, rule, STEPS)
            )
            (separated if beta1 > 0 else unmoved).append(deviation)
            rows.append(
                (f"{problem.name}, cosine, {STEPS} steps", 0.1, beta1, 1e-2, deviation, "", "")
            )
    return Confirmation(
        quantity=(
            r"$\max \lvert\mathrm{measured} - \mathrm{predicted}\rvert$ for the step-2 gap "
            r"$\theta_{\mathrm{torch}} - \theta_{\mathrm{Alg.1}}$ under a moving multiplier"
        ),
        value=max(errors),
        tolerance=TOLERANCE,
        columns=(
            "setting",
            r"$\alpha$",
            r"$\beta_1 = \mu$",
            r"$\lambda'$",
            r"measured $\lVert\theta^{\mathrm{torch}} - \theta^{\mathrm{Alg.1}}\rVert_\infty$",
            r"predicted $\lVert\alpha\beta_1(\eta_1 - \eta_2)v_1\rVert_\infty$",
            "error",
        ),
        rows=tuple(rows),
        note=(
            r"Linear losses $f_t = g_t^\top\theta$ from $\theta_0 = "
            f"{tuple(GAP_THETA_0)}$"
            r" (so $\theta_1$ and $g_2$ are common), Alg. 1 written out vs torch.optim.SGD with "
            r"$\mathrm{lr}_t = \alpha\eta_t$; last rows: cosine multiplier on the training "
            f"problems, {STEPS} steps (the measured column is the max deviation over the run)."
        ),
        extra={
            "cosine_momentum_separation": min(separated),
            "cosine_no_momentum_deviation": max(unmoved),
        },
    )
