"""One SGD(W) step with momentum against torch.optim.SGD (paper Alg. 1; problem set Q1.a.ii).

The torch runs are :func:`~wdproof.numerics.confirmations.sgd_torch.torch_sgd`: Alg. 1's rule on
``torch.optim.SGD`` with the decoupled decay applied before each step. Confirmations here:

* ``sgdw-decay-independent-of-alpha``: the alpha-slope of one torch SGDW step from a frozen
  Alg. 1 state is ``-eta g_t`` (no ``theta_{t-1}`` part), the L2 step's is not;
* ``sgdw-equals-l2-without-momentum``: with ``beta_1 = 0`` and a cosine schedule, torch SGD + L2
  and torch SGDW with ``lambda = alpha lambda'`` coincide, with ``lambda = lambda'`` they do not.
"""

from __future__ import annotations

import dataclasses

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.confirmations.sgd_torch import (
    STEPS,
    TOLERANCE,
    RecordingGradients,
    constant_multiplier,
    problems,
    resumed,
    torch_sgd,
    torch_sgd_trajectory,
)
from wdproof.numerics.optimizers.problems import Params, Problem
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.schedules import cosine_schedule
from wdproof.numerics.optimizers.trajectory import max_deviation, run

SGDW_SETTINGS = (
    (0.1, 0.9, 1e-2, 1.0),
    (0.05, 0.5, 1e-1, 1.0),
    (0.2, 0.9, 5e-2, 0.5),
)  # alpha, beta1, lambda, eta
WARMUP = 10  # steps run before the state (theta_{t-1}, m_{t-1}) is frozen


def frozen_state(problem: Problem, rule: SGDW, eta: float) -> tuple[Params, Params]:
    """Alg. 1's ``(theta_{t-1}, m_{t-1})`` after ``WARMUP`` torch steps of ``rule`` at the
    constant multiplier ``eta`` (so ``t = WARMUP + 1``)."""
    stepper = torch_sgd(rule)
    theta = run(problem, stepper, WARMUP)[-1]
    optimizer = stepper.optimizer
    # Alg. 1's buffer is PyTorch's times the learning rate: m_{t-1} = alpha eta v_{t-1}
    buffers = [
        rule.alpha * eta * optimizer.state[p]["momentum_buffer"]
        for p in optimizer.param_groups[0]["params"]
    ]
    return theta, buffers


def step_from_state(
    problem: Problem, theta: Params, buffers: Params, rule: SGDW, eta: float
) -> tuple[Params, Params]:
    """``(theta_t, g_t)``: one torch step of ``rule`` from Alg. 1's state ``(theta_{t-1},
    m_{t-1})`` on ``f_t``, ``t = WARMUP + 1``, at the constant multiplier ``eta``."""
    # torch keeps the learning rate outside its buffer: v_{t-1} = m_{t-1} / (alpha eta)
    stepper = RecordingGradients(torch_sgd(rule, [m / (rule.alpha * eta) for m in buffers]))
    (theta_t,) = run(resumed(problem, theta, WARMUP), stepper, 1)
    return theta_t, stepper.gradients[0]


def slope_residual(
    problem: Problem, theta: Params, buffers: Params, rule: SGDW, eta: float
) -> float:
    """``max |d theta_t/d alpha + eta g_t|`` for one torch step of ``rule`` from the state.

    The step is affine in alpha, so ``(theta_t(2 alpha) - theta_t(alpha)) / alpha`` is its
    derivative exactly (up to rounding).
    """
    low, grads = step_from_state(problem, theta, buffers, rule, eta)
    doubled = dataclasses.replace(rule, alpha=2 * rule.alpha)
    high, _ = step_from_state(problem, theta, buffers, doubled, eta)
    # d theta_t / d alpha = (theta_t(2 alpha) - theta_t(alpha)) / alpha
    slopes = [(h - lo) / rule.alpha for h, lo in zip(high, low, strict=True)]
    return max(float((s + eta * g).abs().max()) for s, g in zip(slopes, grads, strict=True))


@confirms("sgdw-decay-independent-of-alpha")
def sgdw_alpha_slope_is_gradient_only() -> Confirmation:
    """Finite difference in alpha of one torch SGDW step from a frozen Alg. 1 state.

    SGDW predicts the slope ``-eta g_t``; SGD + L2 (``lambda' = lambda``) gives
    ``-eta (g_t + lambda theta_{t-1})``, whose theta part ``eta lambda |theta_{t-1}|`` is
    reported as the separation.
    """
    rows, deviations, separations = [], [], []
    for problem in problems():
        for alpha, beta1, decay_rate, eta in SGDW_SETTINGS:
            schedule = constant_multiplier(eta)
            sgdw = SGDW(alpha, beta1, decay_rate=decay_rate, schedule=schedule)
            sgd_l2 = SGDW(alpha, beta1, l2_coefficient=decay_rate, schedule=schedule)
            theta, buffers = frozen_state(problem, sgdw, eta)
            deviations.append(slope_residual(problem, theta, buffers, sgdw, eta))
            separations.append(slope_residual(problem, theta, buffers, sgd_l2, eta))
            rows.append(
                (problem.name, alpha, beta1, decay_rate, eta, deviations[-1], separations[-1])
            )
    return Confirmation(
        quantity=(
            r"$\max \lVert d\theta_t/d\alpha + \eta g_t\rVert_\infty$ for torch SGDW at a frozen "
            "state"
        ),
        value=max(deviations),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            r"$\alpha$",
            r"$\beta_1$",
            r"$\lambda$ ($= \lambda'$ for $L_2$)",
            r"$\eta$",
            r"SGDW: $\lVert d\theta_t/d\alpha + \eta g_t\rVert_\infty$",
            r"$L_2$: $\lVert d\theta_t/d\alpha + \eta g_t\rVert_\infty$",
        ),
        rows=tuple(rows),
        note=(
            rf"State $(\theta, m)$ after {WARMUP} torch SGDW steps, then one "
            r"torch.optim.SGD step (lr $= \alpha\eta$, momentum $= \beta_1$, buffer "
            r"$m/(\alpha\eta)$) at $\alpha$ and $2\alpha$ from that state; the slope is the "
            r"$\alpha$-derivative of the affine step. The $L_2$ column is its $\theta$ part, "
            r"$\eta\lambda'\lVert\theta_{t-1}\rVert_\infty$."
        ),
        extra={"l2_theta_part_min": min(separations)},
    )


@confirms("sgdw-equals-l2-without-momentum")
def no_momentum_mapping_survives_schedule() -> Confirmation:
    """``beta_1 = 0``, cosine multiplier: SGD + L2 against SGDW at ``lambda = alpha lambda'``
    (the claim) and at ``lambda = lambda'`` (the mapping without alpha, which must separate)."""
    rows, deviations, wrong = [], [], []
    schedule = cosine_schedule(STEPS)
    for problem in problems():
        for alpha, l2_coefficient in ((0.1, 1e-2), (0.5, 1e-1), (0.05, 1.0)):
            with_l2, mapped, unmapped = (
                torch_sgd_trajectory(problem, rule, STEPS)
                for rule in (
                    SGDW(alpha, l2_coefficient=l2_coefficient, schedule=schedule),
                    SGDW(alpha, decay_rate=alpha * l2_coefficient, schedule=schedule),
                    SGDW(alpha, decay_rate=l2_coefficient, schedule=schedule),
                )
            )
            deviations.append(max_deviation(with_l2, mapped))
            wrong.append(max_deviation(with_l2, unmapped))
            rows.append((problem.name, alpha, l2_coefficient, deviations[-1], wrong[-1]))
    return Confirmation(
        quantity=(
            r"$\max \lvert\theta_{L_2} - \theta_{\mathrm{SGDW}}\rvert$ at "
            rf"$\lambda = \alpha\lambda'$ over {STEPS} cosine-scheduled steps"
        ),
        value=max(deviations),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            r"$\alpha$",
            r"$\lambda'$",
            r"deviation, $\lambda = \alpha\lambda'$",
            r"deviation, $\lambda = \lambda'$ (wrong)",
        ),
        rows=tuple(rows),
        note=(
            r"$\beta_1 = 0$, cosine multiplier $\eta_t$; torch.optim.SGD(lr $= "
            r"\alpha\eta_t$, weight_decay $= \lambda'$) vs torch.optim.SGD(lr $= \alpha\eta_t$) "
            r"with $\theta \leftarrow (1 - \eta_t\lambda)\theta$ before each step."
        ),
        extra={"wrong_mapping_min_deviation": min(wrong)},
    )
