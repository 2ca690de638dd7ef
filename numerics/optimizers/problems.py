"""Small deterministic training problems in float64.

A :class:`Problem` is a stochastic objective ``f_t``, ``t = 1, 2, ...``: the loss on the
``t``-th minibatch of a fixed synthetic data set, as a function of a list of parameter tensors.
Step ``t`` of every run (:mod:`~wdproof.numerics.optimizers.trajectory`) differentiates ``f_t``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

#: Every numeric check runs in float64, torch.optim's oracle precision here.
DTYPE = torch.float64

Params = list[torch.Tensor]


@dataclass(frozen=True)
class Problem:
    """``loss(params, t)`` is ``f_t`` (``t >= 1``); ``initial()`` returns fresh leaf tensors."""

    name: str
    initial_values: tuple[torch.Tensor, ...]
    loss: Callable[[Sequence[torch.Tensor], int], torch.Tensor]

    def initial(self) -> Params:
        return [v.clone().requires_grad_(True) for v in self.initial_values]


def _minibatch(t: int, n_points: int, batch: int) -> slice:
    """Rows of the ``t``-th minibatch, ``t = 1, 2, ...``, cycling through ``n_points``."""
    start = ((t - 1) * batch) % n_points
    return slice(start, start + batch)


def logistic_regression(
    seed: int = 0, n_points: int = 256, dim: int = 8, batch: int = 32
) -> Problem:
    """Binary logistic regression on Gaussian data; ``f_t`` is the loss on the t-th minibatch."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_points, dim, generator=gen, dtype=DTYPE)
    true_w = torch.randn(dim, generator=gen, dtype=DTYPE)
    y = (x @ true_w + 0.5 * torch.randn(n_points, generator=gen, dtype=DTYPE) > 0).to(DTYPE)
    w0 = 0.5 * torch.randn(dim, generator=gen, dtype=DTYPE)
    b0 = torch.zeros(1, dtype=DTYPE)

    def loss(params: Sequence[torch.Tensor], t: int) -> torch.Tensor:
        w, b = params
        rows = _minibatch(t, n_points - batch, batch)
        logits = x[rows] @ w + b
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, y[rows])

    return Problem("logistic-regression", (w0, b0), loss)


def mlp_regression(
    seed: int = 0, n_points: int = 256, dims: Sequence[int] = (4, 16, 8, 1), batch: int = 32
) -> Problem:
    """A tanh MLP fit to a smooth target; parameters of several shapes, gradients of several
    scales."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_points, dims[0], generator=gen, dtype=DTYPE)
    y = torch.sin(x.sum(dim=1, keepdim=True)) + 0.1 * x[:, :1] ** 2
    values: list[torch.Tensor] = []
    for fan_in, fan_out in itertools.pairwise(dims):
        values.append(torch.randn(fan_out, fan_in, generator=gen, dtype=DTYPE) / fan_in**0.5)
        values.append(0.1 * torch.randn(fan_out, generator=gen, dtype=DTYPE))

    def loss(params: Sequence[torch.Tensor], t: int) -> torch.Tensor:
        rows = _minibatch(t, n_points - batch, batch)
        h = x[rows]
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = torch.tanh(h)
        return torch.mean((h - y[rows]) ** 2)

    return Problem("mlp-regression", tuple(values), loss)


def linear_problem(
    theta_0: Sequence[float], grads: Sequence[Sequence[float]], rows: int = 1
) -> Problem:
    """Linear losses ``f_t(theta) = g_t . theta``: the gradient is ``g_t`` whatever theta is.

    ``g_t = grads[t - 1]`` (step ``t = 1, 2, ...``) for ``t <= len(grads)``, the last of
    ``grads`` after that, so a one-element ``grads = [g]`` is a constant gradient. The one
    parameter is ``rows`` stacked copies of ``theta_0`` (shape ``(rows, len(theta_0))``; ``g_t``
    applies to every row), so one run can carry one candidate hyperparameter per row.
    """
    g = torch.tensor(grads, dtype=DTYPE)
    start = torch.tensor(theta_0, dtype=DTYPE).expand(rows, -1).clone()
    last = len(g) - 1
    return Problem("linear", (start,), lambda params, t: (params[0] * g[min(t - 1, last)]).sum())
