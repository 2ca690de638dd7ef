"""torch.optim.Adam(weight_decay) against torch.optim.AdamW with momentum (Q1.b, i.1-i.2).

* ``adam-l2-not-adamw``: default Adam betas (0.9, 0.999) on a 4-16-8-1 tanh MLP; L2 with
  ``lambda'`` against AdamW for a log grid of decays ``lambda = lr wd``: the smallest separation
  must stay above 1e-6. The first-step counterexample (``f = 0``, ``theta_0 = (1, 2)``) is re-run
  with torch: the per-coordinate shrink of Adam + L2 differs between the two coordinates.
* ``adam-momentum-breaks-equivalence``: a fixed scalar preconditioner ``M = k I`` is Adam with
  ``eps`` so large that ``sqrt(vhat_t) + eps == eps`` in float64, and ``lr = alpha k eps``
  (then ``lr mhat/(sqrt(vhat) + eps) = alpha k mhat`` up to one rounding). The headline is
  ``|measured - predicted|`` on the two-step counterexample, which must reproduce the
  derivation's ``-9/1900`` to 1e-12. Supporting rows: on the MLP, ``beta_1 = 0`` agrees with
  AdamW (Prop. 1 scaled by k) and ``beta_1 = 0.9`` separates.
"""

from __future__ import annotations

import torch

from wdproof.derivations.momentum_adam_extension import (
    FIRST_STEP_COUNTEREXAMPLE,
    TWO_STEP_COUNTEREXAMPLE,
)
from wdproof.numerics.confirmation import DTYPE, Confirmation, confirms
from wdproof.numerics.problems import Problem, max_deviation, mlp_regression, run_torch

STEPS = 30
LR, BETAS, EPS, L2 = 1e-2, (0.9, 0.999), 1e-8, 1e-1
DECAY_GRID = tuple(10.0**e for e in (-5, -3, -2.5, -2, -1.5, -1))
SEPARATION_TOLERANCE = 1e-6
MATCH_TOLERANCE = 1e-12
HUGE_EPS = 1e30  # sqrt(vhat) + HUGE_EPS == HUGE_EPS for |g| << 1e14: M_t = k I exactly


def zero_loss_steps(start, steps: int, make_optimizer) -> list[torch.Tensor]:
    """Iterates of an optimizer on ``f = 0`` (the gradient is zero; L2 adds its own term)."""
    theta = torch.tensor(start, dtype=DTYPE, requires_grad=True)
    optimizer = make_optimizer([theta])
    iterates = []
    for _ in range(steps):
        theta.grad = torch.zeros_like(theta)
        optimizer.step()
        iterates.append(theta.detach().clone())
    return iterates


def first_step_shrink() -> tuple[list[float], list[float]]:
    """Per-coordinate ``1 - theta_1/theta_0`` of Adam + L2 and of AdamW (decay = L2 * lr)."""
    ce = FIRST_STEP_COUNTEREXAMPLE
    start = list(ce["theta_0"])
    l2 = zero_loss_steps(
        start, 1, lambda ps: torch.optim.Adam(ps, lr=ce["lr"], weight_decay=ce["L2"])
    )
    wd = zero_loss_steps(
        start, 1, lambda ps: torch.optim.AdamW(ps, lr=ce["lr"], weight_decay=ce["L2"])
    )
    theta_0 = torch.tensor(start, dtype=DTYPE)
    return (1 - l2[0] / theta_0).tolist(), (1 - wd[0] / theta_0).tolist()


@confirms("adam-l2-not-adamw")
def adam_l2_separates_from_adamw_with_momentum() -> Confirmation:
    problem = mlp_regression(seed=9)
    with_l2 = run_torch(
        problem,
        lambda ps: torch.optim.Adam(ps, lr=LR, betas=BETAS, eps=EPS, weight_decay=L2),
        STEPS,
    )
    rows = []
    for decay in DECAY_GRID:
        adamw = run_torch(
            problem,
            lambda ps, d=decay: torch.optim.AdamW(
                ps, lr=LR, betas=BETAS, eps=EPS, weight_decay=d / LR
            ),
            STEPS,
        )
        rows.append((decay, decay / LR, max_deviation(with_l2, adamw)))
    l2_shrink, wd_shrink = first_step_shrink()
    return Confirmation(
        quantity=f"min over lambda of max |theta_Adam+L2 - theta_AdamW(lambda)| over {STEPS} steps",
        value=min(row[-1] for row in rows),
        tolerance=SEPARATION_TOLERANCE,
        relation=">",
        columns=(
            r"decay $\lambda = \mathrm{lr}\cdot\mathrm{wd}$",
            "AdamW weight_decay",
            r"$\max_t \lVert\theta^{L_2}_t - \theta^{W}_t\rVert_\infty$",
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on a 4-16-8-1 tanh MLP; torch.optim.Adam(lr={LR}, "
            f"betas={BETAS}, weight_decay={L2}) vs torch.optim.AdamW(weight_decay=lambda/lr). "
            f"Counterexample f = 0, theta_0 = (1, 2), lr = lambda' = 0.1: Adam + L2 shrinks the "
            f"coordinates by {l2_shrink[0]:.6g} and {l2_shrink[1]:.6g} in step 1, AdamW by "
            f"{wd_shrink[0]:.6g} and {wd_shrink[1]:.6g}."
        ),
        extra={"first_step_shrink_l2": l2_shrink, "first_step_shrink_adamw": wd_shrink},
    )


def scalar_preconditioner_pair(alpha_k: float, beta1: float, l2: float):
    """Adam + L2 and AdamW with ``M = k I``: ``eps = HUGE_EPS``, ``lr = alpha k HUGE_EPS``.

    AdamW's decay is ``lr wd = alpha k lambda'`` (the step-1 match), so ``wd = l2 / HUGE_EPS``.
    """
    lr = alpha_k * HUGE_EPS
    common = {"lr": lr, "betas": (beta1, 0.999), "eps": HUGE_EPS}
    return (
        lambda ps: torch.optim.Adam(ps, weight_decay=l2, **common),
        lambda ps: torch.optim.AdamW(ps, weight_decay=alpha_k * l2 / lr, **common),
    )


def two_step_difference() -> float:
    """``theta_2(Adam + L2) - theta_2(AdamW)`` on the two-step counterexample, by torch."""
    ce = TWO_STEP_COUNTEREXAMPLE
    l2_opt, wd_opt = scalar_preconditioner_pair(ce["alpha"] * ce["k"], ce["beta_1"], ce["L2"])
    start = [ce["theta_0"]]
    return float(zero_loss_steps(start, 2, l2_opt)[1] - zero_loss_steps(start, 2, wd_opt)[1])


def scalar_preconditioner_deviation(problem: Problem, beta1: float) -> float:
    l2_opt, wd_opt = scalar_preconditioner_pair(0.05, beta1, L2)
    return max_deviation(run_torch(problem, l2_opt, STEPS), run_torch(problem, wd_opt, STEPS))


@confirms("adam-momentum-breaks-equivalence")
def momentum_separates_with_scalar_preconditioner() -> Confirmation:
    """Headline: ``|measured - (-9/1900)|`` for torch's step-2 gap on the counterexample."""
    measured = two_step_difference()
    predicted = TWO_STEP_COUNTEREXAMPLE["step2_difference"]
    problem = mlp_regression(seed=10)
    separations = {beta1: scalar_preconditioner_deviation(problem, beta1) for beta1 in (0.0, 0.9)}
    rows = [
        ("counterexample: f = 0, theta_0 = 1, step 2", 0.9, predicted, measured),
        *(
            (f"MLP, {STEPS} steps, alpha k = 0.05, lambda' = {L2}", beta1, None, gap)
            for beta1, gap in separations.items()
        ),
    ]
    return Confirmation(
        quantity="|measured - predicted| step-2 gap theta_2(Adam + L2) - theta_2(AdamW), M = kI",
        value=abs(measured - predicted),
        tolerance=MATCH_TOLERANCE,
        columns=(
            "setting",
            r"$\beta_1$",
            "predicted",
            r"measured $\theta^{L_2} - \theta^{W}$ (max)",
        ),
        rows=tuple(rows),
        note=(
            "float64; torch.optim.Adam/AdamW with eps = 1e30 and lr = alpha k eps, so the "
            "preconditioner is exactly k I; AdamW decay lr wd = alpha k lambda' matches step 1. "
            f"Predicted step-2 difference -9/1900 = {predicted:.6g}, measured {measured:.12g}. "
            f"MLP rows (max deviation over {STEPS} steps): beta_1 = 0 agrees to "
            f"{separations[0.0]:.1g}, beta_1 = 0.9 separates by {separations[0.9]:.3g}."
        ),
        extra={
            "predicted": predicted,
            "measured": measured,
            "separation": abs(measured),
            "mlp_deviation_beta1_0": separations[0.0],
            "mlp_deviation_beta1_0.9": separations[0.9],
        },
    )
