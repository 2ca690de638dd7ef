"""torch.optim.Adam(weight_decay) is not torch.optim.AdamW (paper Prop. 2, Q1.b).

* Prop. 2, diagonal case (``adaptive-l2-not-weight-decay``): the claim's instance
  ``alpha = 1/10``, ``lambda = 1/100``, ``M = diag(1, 4)`` (``m = 1``, ``delta = 3``) as
  ``torch.optim.SGD`` with one parameter group per coordinate, ``lr_j = alpha m_j``. Its L2 step
  (``weight_decay = lambda'``) is affine in ``lambda'``, so two torch steps (``lambda' = 0, 1``)
  give the ``lambda'_j`` with which coordinate ``j`` matches decoupled decay
  ``(1 - lambda) theta - alpha M g``; they differ (``lambda/(alpha m_j)`` = 0.1 and 0.025), so no
  single ``lambda'`` reproduces weight decay. Supporting rows: bias-corrected RMSProp
  (``betas = (0, beta2)``) on a 4-16-8-1 tanh MLP, Adam + L2 against AdamW for a grid of decays.
* Off-diagonal case: the instance ``M = [[2, 1], [1, 2]]``; the L2 gradient by autograd, the
  step ``theta - alpha M grad`` by a matrix product; the best ``lambda'`` (least squares) still
  leaves the residual ``lambda/sqrt(5)`` at ``theta = e_1``.

Every step, one or thirty, is taken by :func:`~wdproof.numerics.optimizers.trajectory.run`.
The converse (``M = kI``) is confirmed in ``l2_adaptive_scalar``, the per-coordinate shrink
rates in ``l2_decay_per_coordinate``.
"""

from __future__ import annotations

import torch

from wdproof.derivations.l2_adaptive import (
    ADAPTIVE_L2_NOT_WEIGHT_DECAY,
    ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL,
    DiagonalInstance,
    OffDiagonalInstance,
)
from wdproof.numerics.confirmation import Confirmation, confirms, require
from wdproof.numerics.optimizers.problems import DTYPE, Params, Problem, mlp_regression
from wdproof.numerics.optimizers.trajectory import max_deviation, run, run_torch

STEPS = 30
LR, BETA2, EPS = 1e-2, 0.999, 1e-8
L2_COEFFICIENT = 1e-1  # lambda'
#: Decoupled rates lambda = lr * weight_decay the MLP rows try against Adam + L2.
DECAY_RATE_GRID = tuple(10.0**e for e in (-6, -4, -3, -2.5, -2, -1.5, -1))
SEPARATION_TOLERANCE = 1e-6
MATCH_TOLERANCE = 1e-12
#: Start and gradient of the one-step instances (any theta with nonzero entries will do).
THETA_0, GRADIENT = (1.0, -2.0), (0.3, -0.7)
#: The instance of the diagonal case, as the claim states it.
INSTANCE: DiagonalInstance = ADAPTIVE_L2_NOT_WEIGHT_DECAY.instance


def l2_adam(params: Params) -> torch.optim.Optimizer:
    """Bias-corrected RMSProp + L2: ``torch.optim.Adam(betas=(0, beta2), weight_decay=lambda')``."""
    return torch.optim.Adam(params, lr=LR, betas=(0.0, BETA2), eps=EPS, weight_decay=L2_COEFFICIENT)


def decoupled_adam(decay_rate: float):
    """AdamW with PyTorch's convention ``theta <- theta (1 - lr weight_decay)``, so
    ``weight_decay = lambda / lr``."""
    return lambda params: torch.optim.AdamW(
        params, lr=LR, betas=(0.0, BETA2), eps=EPS, weight_decay=decay_rate / LR
    )


def per_coordinate_problem() -> Problem:
    """``f(theta) = GRADIENT . theta`` from ``THETA_0``, one parameter tensor per coordinate
    (so that each coordinate can be its own torch parameter group)."""
    g = torch.tensor(GRADIENT, dtype=DTYPE)
    start = tuple(torch.tensor([x], dtype=DTYPE) for x in THETA_0)
    return Problem("linear, per coordinate", start, lambda params, _t: torch.cat(params) @ g)


def preconditioned_sgd_step(
    l2_coefficient: float | tuple[float, ...], instance: DiagonalInstance = INSTANCE
) -> torch.Tensor:
    """One ``torch.optim.SGD`` step with ``M = diag(m)``: coordinate ``j`` is its own group.

    Group ``j`` has ``lr = alpha m_j`` and ``weight_decay = lambda'`` (or ``lambda'[j]``), so
    torch steps ``theta_j - alpha m_j (g_j + lambda' theta_j)``: the L2 step of Prop. 2 with a
    fixed ``M``.
    """
    diagonal = instance.preconditioner_diagonal
    coefficients = (
        l2_coefficient if isinstance(l2_coefficient, tuple) else (l2_coefficient,) * len(diagonal)
    )

    def sgd(params: Params) -> torch.optim.Optimizer:
        groups = [
            {"params": [p], "lr": instance.alpha * mj, "weight_decay": c}
            for p, mj, c in zip(params, diagonal, coefficients, strict=True)
        ]
        return torch.optim.SGD(groups, lr=instance.alpha)

    (theta_1,) = run_torch(per_coordinate_problem(), sgd, steps=1)
    return torch.cat(theta_1)


def required_l2_coefficients(
    instance: DiagonalInstance = INSTANCE,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per coordinate, the ``lambda'_j`` that makes torch's L2 step the decoupled step.

    The target is ``(1 - lambda) theta - alpha M g`` (torch's ``lambda' = 0`` step shrunk by
    ``lambda theta``). Torch's step is affine in ``lambda'``, so from its steps at 0 and 1,
    ``lambda'_j = (target_j - step0_j)/(step1_j - step0_j)`` (``= lambda/(alpha m_j)``).
    Returns ``(lambda'_j, target)``.
    """
    theta = torch.tensor(THETA_0, dtype=DTYPE)
    plain, unit = preconditioned_sgd_step(0.0, instance), preconditioned_sgd_step(1.0, instance)
    target = plain - instance.decay_rate * theta
    return (target - plain) / (unit - plain), target


@confirms("adaptive-l2-not-weight-decay")
def adam_l2_separates_from_adamw() -> Confirmation:
    """Headline: the spread of the ``lambda'_j`` the instance's coordinates need.

    Guards: ``lambda'_j = lambda/(alpha m_j)`` and the per-coordinate ``lambda'_j`` reproduce the
    decoupled step to 1e-12; on the MLP no decay of the grid comes within 1e-6 of Adam + L2.
    """
    alpha, decay_rate = INSTANCE.alpha, INSTANCE.decay_rate
    diagonal = INSTANCE.preconditioner_diagonal
    needed, target = required_l2_coefficients()
    per_coordinate = float((preconditioned_sgd_step(tuple(needed.tolist())) - target).abs().max())
    formula = torch.tensor([decay_rate / (alpha * mj) for mj in diagonal], dtype=DTYPE)
    shown = ", ".join(f"{x:.6g}" for x in needed.tolist())
    rows = [
        (
            rf"one step, $M = \mathrm{{diag}}{diagonal}$, $\lambda'_j$ per coordinate",
            decay_rate,
            shown,
            per_coordinate,
        )
    ]
    for j, value in enumerate(needed.tolist()):
        miss = float((preconditioned_sgd_step(value) - target).abs().max())
        rows.append(
            (
                rf"one step, $M = \mathrm{{diag}}{diagonal}$, single $\lambda' = \lambda'_{j + 1}$",
                decay_rate,
                value,
                miss,
            )
        )
    problem = mlp_regression(seed=5)
    with_l2 = run_torch(problem, l2_adam, STEPS)
    separations = []
    for grid_rate in DECAY_RATE_GRID:
        separations.append(
            max_deviation(with_l2, run_torch(problem, decoupled_adam(grid_rate), STEPS))
        )
        rows.append(
            (
                rf"MLP, {STEPS} steps, Adam + $L_2$ vs AdamW",
                grid_rate,
                L2_COEFFICIENT,
                separations[-1],
            )
        )
    require(
        (
            float(((needed - formula) / formula).abs().max()) <= MATCH_TOLERANCE,
            (
                f"recovered lambda'_j = {needed.tolist()} are not lambda/(alpha m_j) = "
                f"{formula.tolist()}"
            ),
        ),
        (
            per_coordinate <= MATCH_TOLERANCE,
            f"per-coordinate lambda'_j miss the decoupled step by {per_coordinate:.3g}",
        ),
        (
            min(separations) > SEPARATION_TOLERANCE,
            f"an AdamW decay comes within {min(separations):.3g} of Adam + L2",
        ),
    )
    return Confirmation(
        quantity=(
            rf"spread of the $L_2$ coefficients $\lambda'_j$ that $M = \mathrm{{diag}}{diagonal}$ "
            "needs per coordinate to match decay"
        ),
        value=float(needed.max() - needed.min()),
        tolerance=SEPARATION_TOLERANCE,
        relation=">",
        columns=(
            "setting",
            r"decay $\lambda$",
            r"$L_2$ coefficient $\lambda'$",
            r"$\max \lVert\theta^{L_2} - \theta^{W}\rVert_\infty$",
        ),
        rows=tuple(rows),
        note=(
            rf"The claim's instance $\alpha = {alpha}$, $\lambda = {decay_rate}$, "
            rf"$M = \mathrm{{diag}}{diagonal}$: torch.optim.SGD with per-coordinate groups "
            rf"lr $= \alpha m_j$, $\theta_0 = {THETA_0}$, $\nabla f = {GRADIENT}$; "
            rf"$\lambda'_j = ({shown}) = \lambda/(\alpha m_j)$. MLP rows: {STEPS} minibatch steps "
            f"on a 4-16-8-1 tanh MLP, torch.optim.Adam(lr $= {LR}$, betas $= (0, {BETA2})$, "
            f"weight_decay $= {L2_COEFFICIENT}$) vs "
            r"torch.optim.AdamW(weight_decay $= \lambda/\mathrm{lr}$)."
        ),
    )


def pmatrix(matrix: tuple[tuple[float, ...], ...]) -> str:
    """``matrix`` as LaTeX math (no ``$``): ``\\begin{pmatrix} 2 & 1 \\\\ 1 & 2 \\end{pmatrix}``."""
    body = r" \\ ".join(" & ".join(f"{x:g}" for x in row) for row in matrix)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


#: How the table names the starts of the off-diagonal fits.
START_LABELS = {"e_1": "$e_1$", "e_2": "$e_2$", "theta_0": r"$\theta_0$"}


class FullPreconditionerStep:
    """A stepper: ``theta <- theta - alpha M grad`` with a fixed ``M`` (a matrix product)."""

    def __init__(self, alpha: float, preconditioner: torch.Tensor):
        self.alpha, self.preconditioner = alpha, preconditioner

    def start(self, params: Params) -> None:
        pass

    def step(self, params: Params, t: int) -> None:
        for p in params:
            # theta_t = theta_{t-1} - alpha M grad f(theta_{t-1})
            p.sub_(self.alpha * self.preconditioner @ p.grad)


def full_preconditioner_step(
    l2_coefficient: float, theta_0: torch.Tensor, instance: OffDiagonalInstance
) -> torch.Tensor:
    """``theta - alpha M grad(g . theta + lambda'/2 ||theta||^2)``: gradient by autograd."""
    g = torch.tensor(GRADIENT, dtype=DTYPE)
    # f(theta) = g . theta + lambda'/2 ||theta||^2
    problem = Problem(
        "linear + L2",
        (theta_0,),
        lambda params, _t: g @ params[0] + l2_coefficient / 2 * (params[0] @ params[0]),
    )
    preconditioner = torch.tensor(instance.preconditioner, dtype=DTYPE)
    ((theta_1,),) = run(problem, FullPreconditionerStep(instance.alpha, preconditioner), steps=1)
    return theta_1


def best_single_l2_coefficient(
    theta_0: torch.Tensor, instance: OffDiagonalInstance
) -> tuple[float, float]:
    """The ``lambda'`` that brings the L2 step closest to decoupled decay, and the residual.

    The L2 step is affine in ``lambda'``: ``r(lambda') = r_0 + lambda' u`` from two torch steps;
    least squares gives the best ``lambda'`` and the smallest Euclidean residual.
    """
    preconditioner = torch.tensor(instance.preconditioner, dtype=DTYPE)
    gradient = torch.tensor(GRADIENT, dtype=DTYPE)
    # (1 - lambda) theta - alpha M g: the decoupled step
    target = (1 - instance.decay_rate) * theta_0 - instance.alpha * preconditioner @ gradient
    r0 = full_preconditioner_step(0.0, theta_0, instance) - target
    u = full_preconditioner_step(1.0, theta_0, instance) - target - r0
    best = float(torch.linalg.lstsq(u[:, None], -r0[:, None]).solution)
    residual = full_preconditioner_step(best, theta_0, instance) - target
    return best, float(residual.norm())


@confirms("adaptive-l2-not-weight-decay-off-diagonal")
def off_diagonal_preconditioner_has_no_l2_coefficient() -> Confirmation:
    """Headline: the smallest residual any ``lambda'`` leaves at ``theta = e_1`` (``> 0``).

    Guard: it is ``lambda/sqrt(5)`` for the instance ``M = [[2, 1], [1, 2]]`` (analytically:
    minimize ``(lambda - 2 alpha lambda')^2 + (alpha lambda')^2``).
    """
    instance: OffDiagonalInstance = ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL.instance
    fits = {
        name: best_single_l2_coefficient(torch.tensor(theta_0, dtype=DTYPE), instance)
        for name, theta_0 in (("e_1", (1.0, 0.0)), ("e_2", (0.0, 1.0)), ("theta_0", THETA_0))
    }
    _, at_e1 = fits["e_1"]
    expected = instance.decay_rate / 5**0.5
    require(
        (
            abs(at_e1 - expected) <= MATCH_TOLERANCE,
            f"best residual at e_1 is {at_e1:.6g}, not lambda/sqrt(5) = {expected:.6g}",
        ),
    )
    return Confirmation(
        quantity=(
            r"smallest distance $\lVert\theta^{L_2} - \theta^{W}\rVert_2$ of the $L_2$ step from "
            r"the decay step over $\lambda'$ at $\theta = e_1$, "
            f"$M = {pmatrix(instance.preconditioner)}$"
        ),
        value=at_e1,
        tolerance=SEPARATION_TOLERANCE,
        relation=">",
        columns=(
            r"$\theta_t$",
            r"best $\lambda'$",
            r"smallest $\lVert\theta^{L_2} - \theta^{W}\rVert_2$",
        ),
        rows=tuple((START_LABELS[name], best, residual) for name, (best, residual) in fits.items()),
        note=(
            rf"The claim's instance $\alpha = {instance.alpha}$, $\lambda = "
            rf"{instance.decay_rate}$, $M = {pmatrix(instance.preconditioner)}$; "
            rf"$\nabla f = {GRADIENT}$; the $L_2$ term's gradient by autograd, the step "
            r"$\theta - \alpha M \nabla f$ as a matrix product; the best $\lambda'$ by least "
            r"squares over the affine dependence of the step on $\lambda'$."
        ),
    )
