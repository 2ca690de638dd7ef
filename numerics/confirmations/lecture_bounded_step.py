"""Lecture 002's bounded step, re-run in torch.optim.Adam (float64).

Every run feeds ``torch.optim.Adam`` a prescribed gradient stream (``p.grad`` set by hand, so
the gradient is exactly the one the claim talks about) and records the move of each step.

* ``lecture-bounded-step-as-stated``: the exact counterexample (defaults, ``t = 2``,
  ``g = (100/111, 1)``): torch's second step exceeds ``gamma``, by the kernel's exact gap.
* ``lecture-bounded-step-tight-bound``: random streams (heavy-tailed, many coordinates) and the
  attaining stream never exceed ``gamma sqrt(S_t)``.
* ``lecture-bounded-step-attained``: ``g_k = (beta_2/beta_1)^k``, ``eps = 0``: every step is
  ``gamma sqrt(S_t)``, ``S_t`` summed from the weights.
* ``lecture-bounded-step-weight-sum``: the same run against the closed form of ``S_t``.
* ``lecture-bounded-step-excess``: ``(step/gamma)^2 - 1`` against ``sum (w_k - u_k)^2/u_k``, and
  no step above ``gamma`` when ``beta_1 = beta_2``.
"""

from __future__ import annotations

import math
from functools import cache

import sympy as sp
import torch

from wdproof.derivations import lecture_bounded_step as bounded
from wdproof.derivations.notation import beta1, beta2, t
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.optimizers.problems import DTYPE

BETAS = (0.9, 0.999)
STEPS = 2000
SHOWN = (1, 2, 10, 100, 1000, 2000)


def adam_moves(
    grads: torch.Tensor, lr: float, betas: tuple[float, float], eps: float
) -> torch.Tensor:
    """``|theta_{t-1} - theta_t|`` of ``torch.optim.Adam`` fed ``grads[t - 1]`` at step ``t``
    (rows: steps; columns: coordinates of one parameter)."""
    theta = torch.zeros(grads.shape[1], dtype=DTYPE, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr, betas=betas, eps=eps, foreach=False)
    moves = torch.empty_like(grads)
    for row, g in enumerate(grads):
        before = theta.detach().clone()
        theta.grad = g.clone()
        opt.step()
        moves[row] = (theta.detach() - before).abs()
    return moves


def weights(steps: int, b1: float, b2: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Adam's weights ``w_k``, ``u_k`` (k = 1..steps) at ``t = steps``, lambdified from the
    claim module's expressions."""
    k = torch.arange(1, steps + 1, dtype=DTYPE)
    w = sp.lambdify((beta1, t, bounded.k), bounded.adam_w, modules="math")
    u = sp.lambdify((beta2, t, bounded.k), bounded.adam_u, modules="math")
    return (
        torch.tensor([w(b1, steps, int(j)) for j in k], dtype=DTYPE),
        torch.tensor([u(b2, steps, int(j)) for j in k], dtype=DTYPE),
    )


def closed_weight_sum(steps: int, betas=BETAS) -> torch.Tensor:
    """``S_t`` for ``t = 1..steps`` from the claim's closed form."""
    closed = sp.lambdify((beta1, beta2, t), bounded.weight_sum_closed, modules="math")
    return torch.tensor([closed(*betas, s) for s in range(1, steps + 1)], dtype=DTYPE)


def attaining_stream(steps: int, betas=BETAS) -> torch.Tensor:
    """``g_k = (beta_2/beta_1)^k``: proportional to ``w_k/u_k`` at every ``t`` at once."""
    ratio = betas[1] / betas[0]
    return torch.tensor([[ratio**k] for k in range(1, steps + 1)], dtype=DTYPE)


@cache
def attaining_run() -> torch.Tensor:
    """``|Delta theta_t|/gamma`` of torch Adam (lr 1, eps 0) on the attaining stream."""
    return adam_moves(attaining_stream(STEPS), 1.0, BETAS, 0.0)[:, 0].clone()


@confirms("lecture-bounded-step-as-stated")
def as_stated() -> Confirmation:
    values = {str(k): v for k, v in bounded.COUNTER.items()}
    lr, eps = float(values[r"\gamma"]), float(values[r"\epsilon"])
    grads = torch.tensor([[float(values["g[1]"])], [float(values["g[2]"])]], dtype=DTYPE)
    moves = adam_moves(grads, lr, BETAS, eps)[:, 0]
    excess = float(moves[1] - lr)
    exact = float(bounded.AS_STATED.proof.argument.gap)
    require((abs(excess - exact) <= 1e-15, f"torch's excess {excess} vs exact {exact}"))
    return Confirmation(
        quantity=r"$|\Delta\theta_2|/\gamma - 1$ of torch.optim.Adam at the counterexample",
        value=float(moves[1] / lr - 1),
        tolerance=1e-6,
        relation=">",
        columns=("$t$", "$g_t$", r"$|\Delta\theta_t|$", r"over $\gamma$"),
        rows=tuple(
            (s + 1, float(grads[s, 0]), float(moves[s]), float(moves[s] / lr)) for s in range(2)
        ),
        note=(
            f"torch.optim.Adam(lr={lr}, betas={BETAS}, eps=${tex_number(eps)}$) fed "
            r"$g_1 = 100/111$, $g_2 = 1$; the second step exceeds $\gamma$ by "
            f"${tex_number(excess, '.6e')}$, the kernel's exact gap "
            f"${tex_number(exact, '.6e')}$ " + r"(within $10^{-15}$)."
        ),
    )


@confirms("lecture-bounded-step-tight-bound")
def tight_bound() -> Confirmation:
    gen = torch.Generator().manual_seed(13)
    steps = 300
    # Heavy-tailed streams with changing scales, plus the attaining stream in one column.
    noise = torch.randn(steps, 400, generator=gen, dtype=DTYPE) ** 3
    scales = torch.exp(torch.linspace(-3, 3, steps, dtype=DTYPE)).unsqueeze(1)
    grads = torch.cat([noise * scales, attaining_stream(steps)], dim=1)
    bound = closed_weight_sum(steps).sqrt().unsqueeze(1)
    ratios = adam_moves(grads, 1.0, BETAS, 1e-8) / bound
    worst = ratios.max(dim=1).values
    return Confirmation(
        quantity=(
            f"max over {steps} steps and 401 streams of "
            r"$|\Delta\theta_t|/(\gamma\sqrt{S_t}) - 1$"
        ),
        value=float(worst.max() - 1),
        tolerance=1e-12,
        columns=(
            "$t$",
            r"$\sqrt{S_t}$",
            r"largest $|\Delta\theta_t|/\gamma$",
            r"over $\sqrt{S_t}$",
        ),
        rows=tuple(
            (s, float(bound[s - 1, 0]), float(worst[s - 1] * bound[s - 1, 0]), float(worst[s - 1]))
            for s in (1, 2, 10, 100, steps)
        ),
        note=(
            f"torch.optim.Adam(lr=1, betas={BETAS}, "
            r"eps=$10^{-8}$) fed 400 random streams (cubed Gaussians, scale growing from "
            r"$e^{-3}$ to $e^3$) and the attaining stream $(\beta_2/\beta_1)^k$; the last column "
            r"reaches 1 on the attaining stream only."
        ),
    )


@confirms("lecture-bounded-step-attained")
def attained() -> Confirmation:
    ratios = attaining_run()
    sums = []
    for s in SHOWN:
        w, u = weights(s, *BETAS)
        sums.append(float((w**2 / u).sum()))
    direct = torch.tensor(sums, dtype=DTYPE).sqrt()
    taken = torch.stack([ratios[s - 1] for s in SHOWN])
    return Confirmation(
        quantity=(
            r"max relative $|\text{torch step}/\gamma - \sqrt{\sum_k w_k^2/u_k}|$ at the shown $t$"
        ),
        value=float(((taken - direct) / direct).abs().max()),
        tolerance=1e-12,
        columns=("$t$", r"torch $|\Delta\theta_t|/\gamma$", r"$\sqrt{\sum_k w_k^2/u_k}$"),
        rows=tuple((s, float(a), float(b)) for s, a, b in zip(SHOWN, taken, direct, strict=True)),
        note=(
            f"torch.optim.Adam(lr=1, betas={BETAS}, eps=0) fed "
            r"$g_k = (\beta_2/\beta_1)^k$ for "
            f"{STEPS} steps; " + r"$S_t$ summed from the weights at each $t$."
        ),
        extra={"ratio_1000": float(ratios[999]), "ratio_2000": float(ratios[1999])},
    )


@confirms("lecture-bounded-step-weight-sum")
def weight_sum() -> Confirmation:
    ratios = attaining_run()
    closed = closed_weight_sum(STEPS)
    limit = sp.lambdify((beta1, beta2), bounded.weight_sum_limit, modules="math")(*BETAS)
    return Confirmation(
        quantity=(
            r"max relative $|(\text{torch step}/\gamma)^2 - S_t|$, $S_t$ in closed form, over "
            f"{STEPS} steps"
        ),
        value=float(((ratios**2 - closed) / closed).abs().max()),
        tolerance=1e-12,
        columns=(
            "$t$",
            r"$(\text{torch step}/\gamma)^2$",
            "closed-form $S_t$",
            r"$\sqrt{S_t}$",
        ),
        rows=tuple(
            (s, float(ratios[s - 1] ** 2), float(closed[s - 1]), math.sqrt(closed[s - 1]))
            for s in SHOWN
        ),
        note=(
            f"The attaining run (torch.optim.Adam, lr=1, betas={BETAS}, eps=0, "
            r"$g_k = (\beta_2/\beta_1)^k$); the limit of $S_t$ is "
            f"${tex_number(limit, '.4f')}$, a supremum of "
            f"${tex_number(math.sqrt(limit), '.4f')}" + r"\gamma$."
        ),
        extra={"limit": limit, "supremum": math.sqrt(limit)},
    )


@confirms("lecture-bounded-step-excess")
def excess() -> Confirmation:
    ratios = attaining_run()
    rows, worst = [], 0.0
    for s in SHOWN:
        w, u = weights(s, *BETAS)
        predicted = float(((w - u) ** 2 / u).sum())
        measured = float(ratios[s - 1] ** 2 - 1)
        worst = max(worst, abs(measured - predicted) / max(predicted, 1.0))
        rows.append((s, measured, predicted))
    gen = torch.Generator().manual_seed(14)
    equal_betas = (0.9, 0.9)
    grads = torch.cat(
        [torch.randn(200, 200, generator=gen, dtype=DTYPE), attaining_stream(200, equal_betas)],
        dim=1,
    )
    largest = float(adam_moves(grads, 1.0, equal_betas, 0.0).max())
    require((largest <= 1 + 1e-12, f"beta_1 = beta_2 gave a step of {largest} gamma"))
    return Confirmation(
        quantity=(
            r"max $|(\text{torch step}/\gamma)^2 - 1 - \sum_k (w_k - u_k)^2/u_k|$, relative where "
            r"the sum exceeds 1, at the shown $t$"
        ),
        value=worst,
        tolerance=1e-10,
        columns=(
            "$t$",
            r"$(\text{step}/\gamma)^2 - 1$ (torch)",
            r"$\sum_k (w_k-u_k)^2/u_k$",
        ),
        rows=tuple(rows),
        note=(
            f"The attaining run at betas {BETAS}; with betas {equal_betas} ($w = u$) "
            r"201 streams over 200 steps never step more than $\gamma$ "
            f"(the largest is ${tex_number(largest, '.15f')}" + r"\gamma$)."
        ),
        extra={"largest_equal_betas": largest},
    )
