"""The L2 momentum buffer's closed form, against torch.optim.SGD (problem set Q1.a.ii).

``sgd-l2-momentum-closed-form``: run ``torch.optim.SGD(lr, momentum=mu, weight_decay=lambda')``,
record its iterates and the gradients ``g_t = grad f_t(theta_{t-1})`` it used, and rebuild every
iterate from the closed form ``theta_t = theta_{t-1} - lr sum_{i<=t} mu^(t-i) (g_i + lambda'
theta_{i-1})`` (the claim's ``theta_{t-1}`` term and momentum tail, summed). The wrong variant,
L2 acting on ``theta_{t-1}`` only as SGDW's decay would, must miss.
"""

from __future__ import annotations

import functools

import torch

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.confirmations.sgd_torch import (
    STEPS,
    TOLERANCE,
    RecordingGradients,
    problems,
    torch_sgd,
)
from wdproof.numerics.optimizers.problems import Params, Problem
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.trajectory import max_deviation, run


def closed_form_iterates(
    problem: Problem,
    history: list[Params],
    grads: list[Params],
    lr: float,
    mu: float,
    l2_coefficient: float,
    *,
    decay_history: bool = True,
) -> list[Params]:
    """Every iterate rebuilt from the closed-form buffer
    ``v_t = sum_i mu^(t-i) (g_i + lambda' theta_{i-1})`` and the run's gradients ``grads``.

    ``decay_history=False`` is the wrong variant: the L2 term acts on ``theta_{t-1}`` only, as
    SGDW's decay would, ``v_t = sum_i mu^(t-i) g_i + lambda' theta_{t-1}``.
    """
    steps = len(history)
    index = torch.arange(steps)
    power = (index[:, None] - index[None, :]).clamp(min=0).to(torch.float64)
    # mu^(t-i) for i <= t, 0 above the diagonal
    weights = torch.where(index[:, None] >= index[None, :], mu**power, torch.zeros(()))
    predicted: list[list[torch.Tensor]] = [[] for _ in range(steps)]
    for k, start in enumerate(problem.initial_values):
        prev = torch.stack([start] + [h[k] for h in history[:-1]])  # theta_{t-1}
        grad = torch.stack([g[k] for g in grads])
        if decay_history:
            # v_t = sum_i mu^(t-i) (g_i + lambda' theta_{i-1})
            buffer = torch.tensordot(weights, grad + l2_coefficient * prev, dims=1)
        else:
            # v_t = sum_i mu^(t-i) g_i + lambda' theta_{t-1}
            buffer = torch.tensordot(weights, grad, dims=1) + l2_coefficient * prev
        # theta_t = theta_{t-1} - lr v_t
        for t, value in enumerate(prev - lr * buffer):
            predicted[t].append(value)
    return predicted


def history_share(problem: Problem, history: list[Params], mu: float) -> float:
    """At the last step: |sum_{i<t} mu^(t-i) theta_{i-1}| / |theta_{t-1}|, the decay SGDW never
    applies."""
    previous = [list(problem.initial_values)] + history[:-1]
    flat = [torch.cat([p.flatten() for p in params]) for params in previous]
    last = len(flat) - 1
    tail = sum(mu ** (last - j) * flat[j] for j in range(last))
    return float(torch.linalg.vector_norm(tail) / torch.linalg.vector_norm(flat[last]))


CLOSED_FORM_SETTINGS = ((0.1, 0.9, 1e-2), (0.05, 0.5, 1e-1), (0.1, 0.0, 1e-1))  # lr, mu, lambda'


@confirms("sgd-l2-momentum-closed-form")
def closed_form_rebuilds_torch_iterates() -> Confirmation:
    rows, deviations, wrong = [], [], []
    for problem in problems():
        for lr, mu, l2_coefficient in CLOSED_FORM_SETTINGS:
            # torch.optim.SGD(lr, momentum=mu, weight_decay=lambda'), its gradients recorded
            recorder = RecordingGradients(torch_sgd(SGDW(lr, mu, l2_coefficient=l2_coefficient)))
            history = run(problem, recorder, STEPS)
            rebuilt = functools.partial(
                closed_form_iterates, problem, history, recorder.gradients, lr, mu, l2_coefficient
            )
            deviations.append(max_deviation(history, rebuilt()))
            current_only = max_deviation(history, rebuilt(decay_history=False))
            if mu > 0:
                wrong.append(current_only)
            share = history_share(problem, history, mu)
            rows.append((problem.name, lr, mu, l2_coefficient, deviations[-1], current_only, share))
    return Confirmation(
        quantity=(
            r"$\max \lvert\theta_{\mathrm{torch}} - \theta_{\mathrm{closed\ form}}\rvert$ over "
            f"{STEPS} steps"
        ),
        value=max(deviations),
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
            r"torch.optim.SGD(lr, momentum $= \mu$, weight_decay $= \lambda'$) iterates "
            r"rebuilt one step at a time from the closed-form buffer and the recorded gradients; "
            r"the last column is $\lVert\sum_{i<t}\mu^{t-i}\theta_{i-1}\rVert / "
            r"\lVert\theta_{t-1}\rVert$ at the last step (about $\mu/(1-\mu)$ when $\theta$ moves "
            r"slowly)."
        ),
        extra={"current_only_min_deviation": min(wrong)},
    )
