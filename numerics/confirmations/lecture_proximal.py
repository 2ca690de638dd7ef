"""AdamW's proximal view against torch.optim.AdamW (lecture notes 002, slide 'ADAMW').

One torch.optim.AdamW step is taken from a state built by earlier steps; a twin optimizer with
the same state and ``weight_decay = 0`` takes the plain step. From torch's own state after the
step the per-coordinate ``mhat_t = exp_avg/(1 - beta1^t)`` and ``d = 1/(sqrt(vhat_t) + eps)``
are read (torch's ``D_t``: ``eps`` outside the root; the slide writes ``(vhat_t + eps)^{-1/2}``),
and the claims' objectives and minimisers, lambdified from their statements, are evaluated there.

Two settings: the counterexample's (``theta_t = 1``, a first step ``g = 1/2`` with ``eps = 0``,
so ``mhat = 1/2``, ``d = 2``; ``lr = 1/10``, ``weight_decay = 1``: values read from the
verdict), and a general one (6 coordinates, 5 steps, random gradients, default betas).

* ``...-as-printed`` / ``...-literal-norm`` (refuted): the objective at torch's AdamW step minus
  its value at the counterexample's ``theta``, which must exceed 0 (and equal the exact gap).
* ``...-printed-minimiser`` / ``...-corrected`` (proved): torch's plain (resp. AdamW) step equals
  the claim's minimiser to 1e-12, and no point of a grid around it has a lower objective.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

import sympy as sp
import torch

from wdproof.derivations import lecture_proximal as prox
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.notation import decay_rate
from wdproof.numerics.confirmation import Confirmation, confirms, require
from wdproof.numerics.optimizers.problems import DTYPE

TOLERANCE = 1e-12
BETAS = (0.9, 0.999)
STATE_SYMBOLS = (prox.theta_t, prox.m_hat, prox.d, gamma, decay_rate)


@dataclass(frozen=True)
class AdamWStep:
    """The last step of a torch.optim.AdamW run (flat tensors) and its twin at weight_decay 0."""

    theta_t: torch.Tensor
    adamw: torch.Tensor  # torch's theta_{t+1}
    plain: torch.Tensor  # the twin's theta_{t+1} (same state, weight_decay = 0)
    m_hat: torch.Tensor
    d: torch.Tensor
    lr: float
    weight_decay: float

    def state(self) -> tuple:
        """Values for :data:`STATE_SYMBOLS`."""
        return (self.theta_t, self.m_hat, self.d, self.lr, self.weight_decay)


def adamw_last_step(theta0, grads, lr: float, weight_decay: float, eps: float) -> AdamWStep:
    """AdamW on the gradients ``grads`` (one row per step, set directly) from ``theta0``."""
    grads = torch.tensor(grads, dtype=DTYPE)
    x = torch.tensor(theta0, dtype=DTYPE, requires_grad=True)
    settings = {"lr": lr, "betas": BETAS, "eps": eps, "foreach": False}
    opt = torch.optim.AdamW([x], weight_decay=weight_decay, **settings)
    for g in grads[:-1]:
        x.grad = g.clone()
        opt.step()
    twin = x.detach().clone().requires_grad_(True)
    twin_opt = torch.optim.AdamW([twin], weight_decay=0.0, **settings)
    twin_opt.load_state_dict(copy.deepcopy(opt.state_dict()))  # own copies of the moments
    twin_opt.param_groups[0]["weight_decay"] = 0.0
    theta_t = x.detach().clone()
    for p, o in ((x, opt), (twin, twin_opt)):
        p.grad = grads[-1].clone()
        o.step()
    state = opt.state[x]
    t = float(state["step"])
    m_hat = state["exp_avg"] / (1 - BETAS[0] ** t)
    v_hat = state["exp_avg_sq"] / (1 - BETAS[1] ** t)
    d = 1 / (v_hat.sqrt() + eps)
    return AdamWStep(theta_t, x.detach().clone(), twin.detach(), m_hat, d, lr, weight_decay)


@cache
def counterexample_step() -> AdamWStep:
    values = prox.AS_PRINTED.verdict.counterexample
    m_hat, d = float(values[prox.m_hat]), float(values[prox.d])
    require((d == 1 / abs(m_hat), "a first step with eps = 0 has d = 1/|mhat|"))
    return adamw_last_step(
        [float(values[prox.theta_t])],
        [[m_hat]],
        lr=float(values[gamma]),
        weight_decay=float(values[decay_rate]),
        eps=0.0,
    )


@cache
def general_step() -> AdamWStep:
    gen = torch.Generator().manual_seed(6)
    theta0 = torch.randn(6, generator=gen, dtype=DTYPE).tolist()
    grads = (torch.randn(5, 6, generator=gen, dtype=DTYPE) * torch.logspace(-2, 1, 6)).tolist()
    return adamw_last_step(theta0, grads, lr=0.05, weight_decay=0.2, eps=1e-8)


def objective(claim) -> callable:
    """``J(theta)``: the claim's right side, as a function of ``theta`` and the state."""
    return sp.lambdify((prox.theta, *STATE_SYMBOLS), claim.statement.rhs, modules="torch")


def refuted_gap(claim, name: str, general: bool) -> Confirmation:
    """Re-run the counterexample: ``J(torch's AdamW step) - J(theta_cex)`` must be > 0 (and be
    the exact gap). ``general``: also the general setting against the twin's plain step, where
    the gap must be the claim's ``J(AdamW step) - J(theta)`` at ``theta`` = the plain step."""
    values = claim.verdict.counterexample
    exact = float(claim.proof.argument.gap)
    J = objective(claim)
    step = counterexample_step()
    other = torch.tensor([float(values[prox.theta])], dtype=DTYPE)
    measured = float(J(step.adamw, *step.state()) - J(other, *step.state()))
    require((abs(measured - exact) < TOLERANCE, f"gap {measured} is not the exact {exact}"))
    rows = [("counterexample", float(step.adamw[0]), float(other[0]), measured, exact)]
    extra = {"exact": exact}
    if general:
        gap = sp.lambdify(
            (prox.theta, *STATE_SYMBOLS), claim.statement.lhs - claim.statement.rhs, "torch"
        )
        run = general_step()
        gaps = J(run.adamw, *run.state()) - J(run.plain, *run.state())
        predicted = gap(run.plain, *run.state())
        miss = float((gaps - predicted).abs().max())
        require(
            (bool((gaps > 0).all()), "the plain step must have the lower objective"),
            (miss < TOLERANCE, f"general gaps miss the claim's by {miss}"),
        )
        rows += [
            (
                "general",
                float(run.adamw[j]),
                float(run.plain[j]),
                float(gaps[j]),
                float(predicted[j]),
            )
            for j in range(len(gaps))
        ]
        extra |= {"general_min_gap": float(gaps.min()), "general_miss": miss}
    return Confirmation(
        quantity=(
            rf"$J_{{\mathrm{{{name}}}}}$ at torch's AdamW step $-$ "
            rf"$J_{{\mathrm{{{name}}}}}$ at the counterexample's $\theta$, one step"
        ),
        value=measured,
        tolerance=TOLERANCE,
        relation=">",
        columns=(
            "setting",
            "AdamW step",
            r"$\theta$ compared",
            r"$J(\text{AdamW step}) - J(\theta)$",
            "claim",
        ),
        rows=tuple(rows),
        note=(
            r"torch.optim.AdamW(lr=1/10, weight_decay=1, eps=0) from $\theta = 1$ with "
            r"$g = 1/2$ (the kernel's counterexample)"
            + (
                r"; general rows: AdamW(lr=0.05, weight_decay=0.2, eps=$10^{-8}$), 6 coordinates "
                r"after 5 random steps, against the twin's plain step (weight_decay $= 0$)."
                if general
                else "."
            )
        ),
        extra=extra,
    )


@confirms("lecture-adamw-proximal-as-printed")
def as_printed() -> Confirmation:
    return refuted_gap(prox.AS_PRINTED, "printed", general=True)


@confirms("lecture-adamw-proximal-literal-norm")
def literal_norm() -> Confirmation:
    return refuted_gap(prox.LITERAL_NORM, "literal", general=False)


def minimiser_check(claim, minimiser: sp.Expr, torch_step: str) -> Confirmation:
    """torch's step (``"adamw"`` or ``"plain"``) against the claim's minimiser, and the claim's
    inequality ``J(minimiser) <= J(theta)`` on a grid of ``theta`` around it."""
    at_minimum = sp.lambdify(STATE_SYMBOLS, claim.statement.lhs, modules="torch")
    point = sp.lambdify(STATE_SYMBOLS, minimiser, modules="torch")
    J = objective(claim)
    offsets = torch.linspace(-1.0, 1.0, 41, dtype=DTYPE).unsqueeze(1)
    miss, worst_grid, rows = 0.0, float("-inf"), []
    for name, step in (("counterexample", counterexample_step()), ("general", general_step())):
        taken = getattr(step, torch_step)
        predicted = point(*step.state())
        miss = max(miss, float((taken - predicted).abs().max()))
        grid = J(taken + offsets, *step.state())  # rows: offsets, columns: coordinates
        above = float((at_minimum(*step.state()) - grid).max())
        worst_grid = max(worst_grid, above)
        rows.append((name, float(taken[0]), float(predicted[0]), above))
    return Confirmation(
        quantity=(
            f"the larger of max $|$torch {torch_step} step $-$ claim's minimiser$|$ and the "
            r"largest $J(\text{minimiser}) - J(\theta)$ over a grid of $\theta$"
        ),
        value=max(miss, worst_grid),
        tolerance=TOLERANCE,
        columns=(
            "setting",
            f"torch {torch_step} step (coord 0)",
            "minimiser (coord 0)",
            r"max $J(\text{minimiser}) - J(\theta)$ on the grid",
        ),
        rows=tuple(rows),
        note=(
            "The counterexample's and the general torch.optim.AdamW settings (see "
            "lecture-adamw-proximal-as-printed); grid: the step plus 41 offsets in $[-1, 1]$."
        ),
        extra={"miss": miss, "grid": worst_grid},
    )


@confirms("lecture-adamw-proximal-printed-minimiser")
def printed_minimiser() -> Confirmation:
    return minimiser_check(prox.PRINTED_MINIMISER, prox.plain_step, "plain")


@confirms("lecture-adamw-proximal-corrected")
def corrected() -> Confirmation:
    return minimiser_check(prox.CORRECTED, prox.adamw_step, "adamw")
