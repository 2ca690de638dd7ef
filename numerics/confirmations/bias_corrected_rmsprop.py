"""torch.optim.Adam(betas=(0, beta2)) against the closed forms of v_t and M_t (Q1.b).

One recorded run per problem and setting (:func:`rmsprop_run`): ``torch.optim.Adam`` with
``beta1 = 0`` (bias-corrected RMSProp) through
:func:`~wdproof.numerics.optimizers.trajectory.run`, keeping at every step ``t = 1, ..., T`` the
flattened gradient ``g_t`` of all parameter tensors, torch's ``exp_avg_sq`` after the step and
the iterate ``theta_t``.

``rmsprop-second-moment-closed-form``: after every step, torch's ``exp_avg_sq`` is compared
with ``(1 - beta2) sum_{i=1}^t beta2^{t-i} g_i^2`` computed from the stored gradients.

``rmsprop-preconditioner-closed-form``: at every step the confirmation rebuilds ``M_t``
literally from the gradient history -- the outer products ``G_i = g_i g_i^T`` of the flattened
gradient of all parameter tensors, weighted by ``beta2^{t-i}``, bias-corrected, diagonal kept,
``eps I`` added, inverted -- and compares ``theta_{t-1} - lr M_t g_t`` with the iterate
``torch.optim.Adam`` produced. The tolerance 1e-12 allows float64 rounding of a few hundred
operations per coordinate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.optimizers.problems import (
    DTYPE,
    Params,
    Problem,
    logistic_regression,
    mlp_regression,
)
from wdproof.numerics.optimizers.trajectory import TorchStepper, run

STEPS = 60
TOLERANCE = 1e-12
SETTINGS = ((1e-2, 0.999, 1e-8), (5e-2, 0.9, 1e-6))  # (lr alpha, beta2, eps)


def problems() -> tuple[Problem, ...]:
    """A 3-8-4-1 tanh MLP (6 tensors, 73 parameters) and logistic regression (2 tensors)."""
    return (mlp_regression(seed=3, dims=(3, 8, 4, 1)), logistic_regression(seed=4))


def flat(tensors: Iterable[torch.Tensor]) -> torch.Tensor:
    """All tensors as one flat vector (the coordinates ``j`` of ``M_t``)."""
    return torch.cat([x.detach().reshape(-1) for x in tensors])


def preconditioner_from_outer_products(
    outer_products: torch.Tensor, beta2: float, eps: float
) -> torch.Tensor:
    """``M_t = (diag(sqrt((1-b2)/(1-b2^t) sum_i b2^{t-i} G_i)) + eps I)^{-1}``, ``G_i`` stacked."""
    steps = outer_products.shape[0]
    weights = beta2 ** torch.arange(steps - 1, -1, -1, dtype=DTYPE)  # beta2^{t-i}, i = 1..t
    weighted_sum = torch.einsum("i,ijk->jk", weights, outer_products)
    scale = (1 - beta2) / (1 - beta2**steps)
    diagonal_part = torch.diag(torch.sqrt(scale * torch.diagonal(weighted_sum)))
    identity = torch.eye(weighted_sum.shape[0], dtype=DTYPE)
    return invert_diagonal(diagonal_part + eps * identity)


def invert_diagonal(matrix: torch.Tensor) -> torch.Tensor:
    """The inverse of a diagonal matrix, entry by entry (no LAPACK call: fast and exact)."""
    if torch.count_nonzero(matrix - torch.diag(torch.diagonal(matrix))):
        raise ValueError("matrix is not diagonal")
    return torch.diag(1 / torch.diagonal(matrix))


class RecordingStepper(TorchStepper):
    """A :class:`TorchStepper` that records ``g_t`` before and ``exp_avg_sq`` after step ``t``."""

    def __init__(self, make_optimizer: Callable[[Params], torch.optim.Optimizer]):
        super().__init__(make_optimizer)
        self.gradients: list[torch.Tensor] = []
        self.second_moments: list[torch.Tensor] = []

    def step(self, params: Params, t: int) -> None:
        self.gradients.append(flat(p.grad for p in params))
        super().step(params, t)
        state = self.optimizer.state
        self.second_moments.append(flat(state[p]["exp_avg_sq"] for p in params))


@dataclass(frozen=True)
class RMSPropRun:
    """A recorded run: ``thetas[t]`` is ``theta_t`` (``t = 0, ..., T``); ``gradients[t - 1]``
    is ``g_t`` and ``second_moments[t - 1]`` torch's ``v_t`` (``t = 1, ..., T``); all flat."""

    thetas: list[torch.Tensor]
    gradients: list[torch.Tensor]
    second_moments: list[torch.Tensor]


def rmsprop_run(problem: Problem, lr: float, beta2: float, eps: float) -> RMSPropRun:
    """``STEPS`` steps of ``torch.optim.Adam(lr, betas=(0, beta2), eps)`` on ``problem``."""
    stepper = RecordingStepper(
        lambda params: torch.optim.Adam(params, lr=lr, betas=(0.0, beta2), eps=eps)
    )
    history = run(problem, stepper, STEPS)
    thetas = [flat(problem.initial_values)] + [flat(theta) for theta in history]
    return RMSPropRun(thetas, stepper.gradients, stepper.second_moments)


def closed_form_deviation(problem: Problem, lr: float, beta2: float, eps: float) -> float:
    """``max_t max_j |theta_t(torch) - (theta_{t-1} - lr M_t g_t)|`` over ``STEPS`` steps."""
    recorded = rmsprop_run(problem, lr, beta2, eps)
    # G_i = g_i g_i^T, i = 1..T
    outer_products = torch.stack([torch.outer(g, g) for g in recorded.gradients])
    worst = 0.0
    for t in range(1, STEPS + 1):
        g_t = recorded.gradients[t - 1]
        preconditioner = preconditioner_from_outer_products(outer_products[:t], beta2, eps)
        # theta_{t-1} - lr M_t g_t
        predicted = recorded.thetas[t - 1] - lr * preconditioner @ g_t
        worst = max(worst, float((recorded.thetas[t] - predicted).abs().max()))
    return worst


def second_moment_deviation(problem: Problem, lr: float, beta2: float, eps: float) -> float:
    """``max_t max_j |v_t(torch) - (1-b2) sum_i b2^{t-i} g_{i,j}^2| / max_j v_t`` over ``STEPS``."""
    recorded = rmsprop_run(problem, lr, beta2, eps)
    stored = torch.stack(recorded.gradients)  # row i - 1 holds g_i
    worst = 0.0
    for t in range(1, STEPS + 1):
        weights = beta2 ** torch.arange(t - 1, -1, -1, dtype=DTYPE)  # beta2^{t-i}, i = 1..t
        # (1 - beta2) sum_{i=1}^t beta2^{t-i} g_i^2
        closed = (1 - beta2) * (weights[:, None] * stored[:t] ** 2).sum(dim=0)
        torch_v = recorded.second_moments[t - 1]
        worst = max(worst, float((torch_v - closed).abs().max() / closed.abs().max()))
    return worst


def deviations(
    measure: Callable[[Problem, float, float, float], float],
) -> list[tuple[Problem, float, float, float, float]]:
    """``(problem, lr, beta2, eps, measure(problem, lr, beta2, eps))`` for every problem and
    setting."""
    return [
        (problem, lr, beta2, eps, measure(problem, lr, beta2, eps))
        for problem in problems()
        for lr, beta2, eps in SETTINGS
    ]


@confirms("rmsprop-preconditioner-closed-form")
def rmsprop_matches_closed_form_preconditioner() -> Confirmation:
    measured = deviations(closed_form_deviation)
    return Confirmation(
        quantity=(
            r"$\max \lvert\theta_{\mathrm{torch}} - (\theta - \mathrm{lr}\, M_t g_t)\rvert$ over "
            f"{STEPS} steps"
        ),
        value=max(deviation for *_, deviation in measured),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            "tensors",
            r"$n$",
            r"lr $\alpha$",
            r"$\beta_2$",
            r"$\epsilon$",
            (
                r"$\max_t \lVert\theta^{\mathrm{torch}}_t - (\theta_{t-1} - \alpha M_t g_t)"
                r"\rVert_\infty$"
            ),
        ),
        rows=tuple(
            (
                problem.name,
                len(problem.initial_values),
                sum(v.numel() for v in problem.initial_values),
                *setting,
            )
            for problem, *setting in measured
        ),
        note=(
            f"{STEPS} minibatch steps of torch.optim.Adam(betas "
            r"$= (0, \beta_2)$); $M_t$ built "
            "each step from the stored outer products of the flattened gradients of all tensors "
            "(3-8-4-1 tanh MLP: 6 tensors, 73 parameters; logistic regression: 2 tensors) and "
            "inverted."
        ),
    )


@confirms("rmsprop-second-moment-closed-form")
def rmsprop_second_moment_matches_closed_form() -> Confirmation:
    measured = deviations(second_moment_deviation)
    return Confirmation(
        quantity=(
            r"max relative $\lvert v_{\mathrm{torch}} - (1-\beta_2)\sum_i \beta_2^{t-i} "
            rf"g_i^2\rvert$ over {STEPS} steps"
        ),
        value=max(deviation for *_, deviation in measured),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            r"lr $\alpha$",
            r"$\beta_2$",
            (
                r"$\max_t \lVert v^{\mathrm{torch}}_t - (1-\beta_2)\sum_i \beta_2^{t-i} g_i^2"
                r"\rVert_\infty / \lVert v_t\rVert_\infty$"
            ),
        ),
        rows=tuple(
            (problem.name, lr, beta2, deviation) for problem, lr, beta2, _, deviation in measured
        ),
        note=(
            f"{STEPS} minibatch steps of torch.optim.Adam(betas "
            r"$= (0, \beta_2)$); its "
            "exp_avg_sq after every step against the closed form summed over the stored "
            "flattened gradients of all tensors (3-8-4-1 tanh MLP; logistic regression)."
        ),
    )
