"""The momentum buffer's closed form and PyTorch's vs Alg. 1's convention, against torch.optim.SGD.

``sgd-l2-momentum-closed-form``: run ``torch.optim.SGD(lr, momentum=mu, weight_decay=lambda')``,
record its iterates and the gradients ``g_t = grad f_t(theta_{t-1})``, and rebuild every iterate
from the closed form ``theta_t = theta_{t-1} - lr sum_{i<=t} mu^(t-i) (g_i + lambda' theta_{i-1})``.
``pytorch-sgd-momentum-matches-alg1``: torch.optim.SGD against Alg. 1 written out, equal under a
constant multiplier (or ``beta_1 = 0``), apart under cosine annealing with momentum.
"""

from __future__ import annotations

import torch

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.confirmations.sgd_momentum import (
    SEPARATION,
    STEPS,
    TOLERANCE,
    alg1_trajectory,
    constant,
    cosine,
    problems,
    torch_sgd_trajectory,
)
from wdproof.numerics.problems import Params, Problem, gradients, max_deviation


def gradients_along(problem: Problem, history: list[Params]) -> list[Params]:
    """``grad f_t(theta_{t-1})`` for ``t = 1..T``, at the iterates a run actually visited."""
    previous = [list(problem.initial_values)] + history[:-1]
    return [
        gradients(problem, [p.clone().requires_grad_(True) for p in params], t)
        for t, params in enumerate(previous)
    ]


def closed_form_iterates(
    problem: Problem,
    history: list[Params],
    lr: float,
    mu: float,
    l2: float,
    *,
    decay_history: bool = True,
) -> list[Params]:
    """Every iterate rebuilt from the closed-form buffer ``v_t = sum_i mu^(t-i) (g_i + lambda' theta_{i-1})``.

    ``decay_history=False`` is the wrong variant: the L2 term acts on ``theta_{t-1}`` only, as
    SGDW's decay would, ``v_t = sum_i mu^(t-i) g_i + lambda' theta_{t-1}``.
    """
    steps = len(history)
    grads = gradients_along(problem, history)
    index = torch.arange(steps)
    power = (index[:, None] - index[None, :]).clamp(min=0).to(torch.float64)
    weights = torch.where(
        index[:, None] >= index[None, :], mu**power, torch.zeros(())
    )  # mu^(t-i), i <= t
    predicted: list[list[torch.Tensor]] = [[] for _ in range(steps)]
    for k, start in enumerate(problem.initial_values):
        prev = torch.stack([start] + [h[k] for h in history[:-1]])  # theta_{t-1}
        grad = torch.stack([g[k] for g in grads])
        if decay_history:
            buffer = torch.tensordot(weights, grad + l2 * prev, dims=1)
        else:
            buffer = torch.tensordot(weights, grad, dims=1) + l2 * prev
        for t, value in enumerate(prev - lr * buffer):
            predicted[t].append(value)
    return predicted


def history_share(problem: Problem, history: list[Params], mu: float) -> float:
    """At the last step: |sum_{i<t} mu^(t-i) theta_{i-1}| / |theta_{t-1}|, the decay SGDW never applies."""
    previous = [list(problem.initial_values)] + history[:-1]
    flat = [torch.cat([p.flatten() for p in params]) for params in previous]
    last = len(flat) - 1
    tail = sum(mu ** (last - j) * flat[j] for j in range(last))
    return float(torch.linalg.vector_norm(tail) / torch.linalg.vector_norm(flat[last]))


CLOSED_FORM_SETTINGS = ((0.1, 0.9, 1e-2), (0.05, 0.5, 1e-1), (0.1, 0.0, 1e-1))  # lr, mu, lambda'


@confirms("sgd-l2-momentum-closed-form")
def closed_form_rebuilds_torch_iterates() -> Confirmation:
    rows, wrong = [], []
    for problem in problems():
        for lr, mu, l2 in CLOSED_FORM_SETTINGS:
            history = torch_sgd_trajectory(problem, STEPS, lr, mu, weight_decay=l2)
            exact = max_deviation(history, closed_form_iterates(problem, history, lr, mu, l2))
            current_only = max_deviation(
                history, closed_form_iterates(problem, history, lr, mu, l2, decay_history=False)
            )
            if mu > 0:
                wrong.append(current_only)
            rows.append(
                (problem.name, lr, mu, l2, exact, current_only, history_share(problem, history, mu))
            )
    return Confirmation(
        quantity=f"max |theta_torch - theta_closed_form| over {STEPS} steps",
        value=max(row[4] for row in rows),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            "lr",
            r"$\mu$",
            r"$\lambda'$",
            "closed form deviation",
            r"deviation if decay hit $\theta_{t-1}$ only",
            "history / current decay (last step)",
        ),
        rows=tuple(rows),
        note=(
            r"float64; torch.optim.SGD(lr, momentum $= \mu$, weight_decay $= \lambda'$) iterates "
            r"rebuilt one step at a time from the closed-form buffer and the recorded gradients; "
            r"the last column is $\lVert\sum_{i<t}\mu^{t-i}\theta_{i-1}\rVert / "
            r"\lVert\theta_{t-1}\rVert$ at the last step (about $\mu/(1-\mu)$ when $\theta$ moves slowly)."
        ),
        extra={"current_only_min_deviation": min(wrong)},
    )


@confirms("pytorch-sgd-momentum-matches-alg1")
def pytorch_matches_alg1_under_constant_schedule() -> Confirmation:
    cases = (  # schedule name, schedule, beta_1, lambda', whether the condition holds
        ("constant 1", constant(1.0), 0.9, 1e-2, True),
        ("constant 0.5", constant(0.5), 0.9, 1e-1, True),
        ("cosine", cosine(), 0.0, 1e-1, True),
        ("cosine", cosine(), 0.9, 1e-2, False),
        ("cosine", cosine(), 0.5, 0.0, False),
    )
    alpha = 0.1
    rows = []
    for problem in problems():
        for name, schedule, beta1, l2, condition in cases:
            paper = alg1_trajectory(problem, STEPS, alpha, beta1, l2=l2, schedule=schedule)
            pytorch = torch_sgd_trajectory(
                problem, STEPS, alpha, beta1, weight_decay=l2, schedule=schedule
            )
            rows.append((problem.name, name, beta1, l2, condition, max_deviation(paper, pytorch)))
    return Confirmation(
        quantity=f"max |theta_Alg1 - theta_torch| over {STEPS} steps where the condition holds",
        value=max(row[-1] for row in rows if row[4]),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            r"schedule $\eta_t$",
            r"$\beta_1 = \mu$",
            r"$\lambda'$",
            "condition holds",
            "max deviation",
        ),
        rows=tuple(rows),
        note=(
            rf"float64; Alg. 1 written out ($\alpha = {alpha}$, multiplier $\eta_t$) vs "
            r"torch.optim.SGD(lr $= \alpha\eta_t$, momentum $= \beta_1$, weight_decay $= \lambda'$); "
            f"rows where the condition fails must separate by more than {SEPARATION:g}."
        ),
        extra={"schedule_separation": min(row[-1] for row in rows if not row[4])},
    )
