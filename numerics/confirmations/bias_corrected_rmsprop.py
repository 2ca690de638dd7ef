"""torch.optim.Adam(betas=(0, beta_2)) against the closed forms of v_t and M_t (Q1.b).

``rmsprop-second-moment-closed-form``: after every step, torch's ``exp_avg_sq`` is compared
with ``(1 - beta_2) sum_{i=1}^t beta_2^{t-i} g_i^2`` computed from the stored gradients.

``rmsprop-preconditioner-closed-form``: at every step the confirmation rebuilds ``M_t``
literally from the gradient history -- the outer products ``G_i = g_i g_i^T`` of the flattened
gradient of all parameter tensors, weighted
by ``beta_2^{t-i}``, bias-corrected, diagonal kept, ``eps I`` added, inverted -- and compares
``theta_{t-1} - lr M_t g_t`` with the iterate ``torch.optim.Adam`` produced. The tolerance 1e-12
allows float64 rounding of a few hundred operations per coordinate.
"""

from __future__ import annotations

import torch

from wdproof.numerics.confirmation import DTYPE, Confirmation, confirms
from wdproof.numerics.problems import Problem, gradients, logistic_regression, mlp_regression

STEPS = 60
TOLERANCE = 1e-12
SETTINGS = ((1e-2, 0.999, 1e-8), (5e-2, 0.9, 1e-6))  # (lr alpha, beta_2, eps)


def flat(tensors: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([x.detach().reshape(-1) for x in tensors])


def preconditioner_from_outer_products(
    outer_products: torch.Tensor, beta2: float, eps: float
) -> torch.Tensor:
    """``M_t = (diag(sqrt((1-b2)/(1-b2^t) sum_i b2^{t-i} G_i)) + eps I)^{-1}``, ``G_i`` stacked."""
    steps = outer_products.shape[0]
    weights = beta2 ** torch.arange(steps - 1, -1, -1, dtype=DTYPE)  # beta_2^{t-i}, i = 1..t
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


def closed_form_deviation(problem: Problem, lr: float, beta2: float, eps: float) -> float:
    """``max_t max_j |theta_t(torch) - (theta_{t-1} - lr M_t g_t)|`` over ``STEPS`` steps."""
    params = problem.initial()
    optimizer = torch.optim.Adam(params, lr=lr, betas=(0.0, beta2), eps=eps)
    size = sum(p.numel() for p in params)
    outer_products = torch.zeros(STEPS, size, size, dtype=DTYPE)
    worst = 0.0
    for t in range(STEPS):
        grad = gradients(problem, params, t)
        for p, g in zip(params, grad, strict=True):
            p.grad = g
        g_t = flat(grad)
        outer_products[t] = torch.outer(g_t, g_t)  # G_t = g_t g_t^T
        predicted = (
            flat(params)
            - lr * preconditioner_from_outer_products(outer_products[: t + 1], beta2, eps) @ g_t
        )
        optimizer.step()
        worst = max(worst, float((flat(params) - predicted).abs().max()))
    return worst


@confirms("rmsprop-preconditioner-closed-form")
def rmsprop_matches_closed_form_preconditioner() -> Confirmation:
    rows = []
    for problem in (mlp_regression(seed=3, dims=(3, 8, 4, 1)), logistic_regression(seed=4)):
        size = sum(v.numel() for v in problem.initial_values)
        for lr, beta2, eps in SETTINGS:
            rows.append(
                (
                    problem.name,
                    len(problem.initial_values),
                    size,
                    lr,
                    beta2,
                    eps,
                    closed_form_deviation(problem, lr, beta2, eps),
                )
            )
    return Confirmation(
        quantity=f"max |theta_torch - (theta - lr M_t g_t)| over {STEPS} steps",
        value=max(row[-1] for row in rows),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            "tensors",
            r"$n$",
            r"lr $\alpha$",
            r"$\beta_2$",
            r"$\epsilon$",
            r"$\max_t \lVert\theta^{torch}_t - (\theta_{t-1} - \alpha M_t g_t)\rVert_\infty$",
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps of torch.optim.Adam(betas=(0, beta_2)); M_t built "
            "each step from the stored outer products of the flattened gradients of all tensors "
            "(3-8-4-1 tanh MLP: 6 tensors, 73 parameters; logistic regression: 2 tensors) and "
            "inverted."
        ),
    )


def second_moment_deviation(problem: Problem, lr: float, beta2: float, eps: float) -> float:
    """``max_t max_j |v_t(torch) - (1-b2) sum_i b2^{t-i} g_{i,j}^2| / max_j v_t`` over ``STEPS``."""
    params = problem.initial()
    optimizer = torch.optim.Adam(params, lr=lr, betas=(0.0, beta2), eps=eps)
    history = []
    worst = 0.0
    for t in range(STEPS):
        grad = gradients(problem, params, t)
        for p, g in zip(params, grad, strict=True):
            p.grad = g
        history.append(flat(grad))
        optimizer.step()
        stored = torch.stack(history)  # row i - 1 holds g_i
        weights = beta2 ** torch.arange(t, -1, -1, dtype=DTYPE)  # beta_2^{t-i}, i = 1..t
        closed = (1 - beta2) * (weights[:, None] * stored**2).sum(dim=0)
        torch_v = flat([optimizer.state[p]["exp_avg_sq"] for p in params])
        worst = max(worst, float((torch_v - closed).abs().max() / closed.abs().max()))
    return worst


@confirms("rmsprop-second-moment-closed-form")
def rmsprop_second_moment_matches_closed_form() -> Confirmation:
    rows = []
    for problem in (mlp_regression(seed=3, dims=(3, 8, 4, 1)), logistic_regression(seed=4)):
        for lr, beta2, eps in SETTINGS:
            rows.append((problem.name, lr, beta2, second_moment_deviation(problem, lr, beta2, eps)))
    return Confirmation(
        quantity=f"max relative |v_torch - (1-beta_2) sum beta_2^(t-i) g_i^2| over {STEPS} steps",
        value=max(row[-1] for row in rows),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            r"lr $\alpha$",
            r"$\beta_2$",
            (
                r"$\max_t \lVert v^{torch}_t - (1-\beta_2)\sum_i \beta_2^{t-i} g_i^2"
                r"\rVert_\infty / \lVert v_t\rVert_\infty$"
            ),
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps of torch.optim.Adam(betas=(0, beta_2)); its "
            "exp_avg_sq after every step against the closed form summed over the stored "
            "flattened gradients of all tensors (3-8-4-1 tanh MLP; logistic regression)."
        ),
    )
