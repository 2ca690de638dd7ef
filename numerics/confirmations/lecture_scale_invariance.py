"""Lecture 002's scale invariance, re-run in torch.optim.Adam (float64).

One random gradient stream ``g`` and its rescalings ``c g`` (:data:`FACTORS`, negative, tiny and
huge included) are fed to ``torch.optim.Adam`` (:func:`~wdproof.numerics.confirmations.
lecture_bias_correction.adam_stream`); each rescaled stream runs twice, with ``eps`` scaled to
``|c| eps`` and with ``eps`` fixed. The claims' expressions are lambdified and evaluated at the
moments torch keeps (``exp_avg``/``exp_avg_sq`` over the bias corrections).

* ``lecture-adam-scale-invariance-scaled-eps``: torch's step on ``c g`` (``eps' = |c| eps``)
  against the claim's right side at the moments of ``g``; torch's moments scale by ``c``, ``c^2``.
* ``lecture-adam-scale-invariance-eps-inside-root``: the slide's step at torch's moments of
  ``c g`` (``eps`` scaled by ``c^2``) against the same at the moments of ``g``.
* ``lecture-adam-scale-deviation-fixed-eps``: torch's relative change of the step with ``eps``
  fixed against ``eps (|c| - 1)/(|c| sqrt(vhat) + eps)``.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
import torch

from wdproof.derivations import lecture_scale_invariance as scale
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.optimizer_conventions import m_hat, v_hat
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.confirmations.lecture_bias_correction import adam_stream
from wdproof.numerics.optimizers.problems import DTYPE
from wdproof.numerics.optimizers.rules import AdamRule

BETAS, LR, EPS, STEPS, COORDINATES, SEED = (0.9, 0.999), 0.1, 1e-3, 50, 16, 2002
FACTORS = (-1.0, 2.0, -3.5, 1e-3, -1e-3, 1e3, -1e3)
MODULES = [{"sign": torch.sign, "Abs": torch.abs, "sqrt": torch.sqrt}]


def corrected(first: torch.Tensor, second: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``mhat_t``, ``vhat_t`` from torch's per-step state (rows t = 1..STEPS)."""
    rule = AdamRule(LR, BETAS, EPS)
    steps = torch.arange(1, first.shape[0] + 1, dtype=DTYPE).unsqueeze(1)
    correction1, correction2 = rule.bias_corrections(steps)
    return first / correction1, second / correction2


@cache
def runs() -> dict:
    """``{"g": (moves, mhat, vhat), (c, "scaled"|"fixed"): ...}`` for every factor c."""
    gen = torch.Generator().manual_seed(SEED)
    g = 1.0 + 0.5 * torch.randn(STEPS, COORDINATES, generator=gen, dtype=DTYPE)

    def run(grads, eps):
        moves, first, second = adam_stream(grads, LR, eps, BETAS)
        return (moves, *corrected(first, second))

    found = {"g": run(g, EPS)}
    for c in FACTORS:
        found[c, "scaled"] = run(c * g, abs(c) * EPS)
        found[c, "fixed"] = run(c * g, EPS)
    return found


def _claimed(expr: sp.Basic, first: sp.Symbol, second: sp.Symbol):
    """``expr`` of a claim, lambdified: a function of ``(gamma, c, eps, first, second)``."""
    return sp.lambdify((gamma, scale.c, scale.eps, first, second), expr, modules=MODULES)


def _cell(value: float) -> float | int:
    """A table cell for ``c`` or ``c^2 eps``: a whole number as an int (typeset ``1000``, not
    ``1e+03``), anything else as is."""
    return int(value) if float(value).is_integer() else value


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a - b) / b).abs().max())


@confirms("lecture-adam-scale-invariance-scaled-eps")
def scaled_eps() -> Confirmation:
    found, claim = runs(), scale.SCALED_EPS
    _, m_g, v_g = found["g"]
    invariant = _claimed(claim.statement.rhs, m_hat, v_hat)
    worst, moments, rows = 0.0, 0.0, []
    for c in FACTORS:
        moves, m_c, v_c = found[c, "scaled"]
        predicted = invariant(LR, torch.tensor(c, dtype=DTYPE), EPS, m_g, v_g)
        miss = _relative(moves, predicted)
        worst = max(worst, miss)
        moments = max(moments, _relative(m_c, c * m_g), _relative(v_c, c**2 * v_g))
        rows.append((_cell(c), abs(c) * EPS, float(moves[-1, 0]), float(predicted[-1, 0]), miss))
    require((moments <= 1e-12, f"torch's moments scale by c, c^2 only to {moments:.2e}"))
    return Confirmation(
        quantity=(
            r"max relative $|$torch step on $cg$ ($\epsilon' = |c|\epsilon$) "
            r"$- \mathrm{sign}(c)\times{}$step on $g|$"
        ),
        value=worst,
        tolerance=1e-12,
        columns=(
            "$c$",
            r"$\epsilon'$",
            "torch step, $t = 50$",
            r"$\mathrm{sign}(c)\times{}$step on $g$",
            "max relative miss",
        ),
        rows=tuple(rows),
        note=(
            f"torch.optim.Adam(lr={LR}, betas={BETAS}) on $g$ ({COORDINATES} coordinates "
            r"of iid $\mathcal{N}(1, 0.5^2)$ gradients, "
            rf"{STEPS} steps, seed {SEED}) with $\epsilon = {EPS}$, and on $cg$ with "
            r"$\epsilon' = |c|\epsilon$; the claim's right side evaluated numerically in float64 "
            r"at the moments of $g$. torch's $\hat m'_t = c\hat m_t$, $\hat v'_t = c^2\hat v_t$ to "
            f"${tex_number(moments, '.1e')}$ relative."
        ),
        extra={"moments": moments},
    )


@confirms("lecture-adam-scale-invariance-eps-inside-root")
def eps_inside_root() -> Confirmation:
    found, claim = runs(), scale.INSIDE_ROOT
    _, m_g, v_g = found["g"]
    slide = _claimed(claim.statement.lhs, scale.m_hat_scaled, scale.v_hat_scaled)
    invariant = _claimed(claim.statement.rhs, m_hat, v_hat)
    worst, rows = 0.0, []
    for c in FACTORS:
        _, m_c, v_c = found[c, "fixed"]  # the moments do not depend on eps
        factor = torch.tensor(c, dtype=DTYPE)
        taken, expected = slide(LR, factor, EPS, m_c, v_c), invariant(LR, factor, EPS, m_g, v_g)
        unscaled = slide(LR, factor, EPS / c**2, m_c, v_c)  # c^2 (eps/c^2) = eps: not scaled
        miss = _relative(taken, expected)
        worst = max(worst, miss)
        rows.append((_cell(c), _cell(c**2 * EPS), miss, float((unscaled / expected)[-1, 0] - 1)))
    return Confirmation(
        quantity=(
            r"max relative $|$slide's step on $cg$ (with $c^2\epsilon$) "
            r"$- \mathrm{sign}(c)\times{}$slide's step on $g|$"
        ),
        value=worst,
        tolerance=1e-12,
        columns=(
            "$c$",
            r"$c^2\epsilon$",
            "max relative miss",
            r"with $\epsilon$ unscaled: change, $t = 50$",
        ),
        rows=tuple(rows),
        note=(
            rf"The runs of lecture-adam-scale-invariance-scaled-eps ($\epsilon = {EPS}$); the "
            r"slide's step $\gamma\hat m_t/\sqrt{\hat v_t + \epsilon}$, from the claim, evaluated "
            r"numerically in float64 at torch's moments of $cg$ and of $g$. The last column keeps "
            r"$\epsilon$ unscaled: the invariance is lost."
        ),
    )


@confirms("lecture-adam-scale-deviation-fixed-eps")
def deviation_fixed_eps() -> Confirmation:
    found, claim = runs(), scale.DEVIATION
    moves_g, _, v_g = found["g"]
    closed = _claimed(claim.statement.rhs, m_hat, v_hat)
    worst, rows = 0.0, []
    for c in FACTORS:
        moves = found[c, "fixed"][0]
        factor = torch.tensor(c, dtype=DTYPE)
        measured = moves / (torch.sign(factor) * moves_g) - 1
        predicted = closed(LR, factor, EPS, None, v_g)
        miss = float((measured - predicted).abs().max())
        worst = max(worst, miss)
        rows.append((_cell(c), float(measured[-1, 0]), float(predicted[-1, 0]), miss))
    tiny = min(FACTORS, key=abs)
    smallest = next(row[1] for row in rows if row[0] == tiny)
    return Confirmation(
        quantity=(
            r"max $|s(cg)/(\mathrm{sign}(c)\,s(g)) - 1 - \delta|$, $s$ torch's step, $\delta$ "
            r"the claim's deviation"
        ),
        value=worst,
        tolerance=1e-10,
        columns=("$c$", "torch deviation, $t = 50$", "claim", "max $|$miss$|$"),
        rows=tuple(rows),
        note=(
            rf"The runs of lecture-adam-scale-invariance-scaled-eps with $\epsilon = {EPS}$ kept "
            r"for $cg$; $\hat v_t$ from the run on $g$; the claim's right side evaluated "
            r"numerically in float64. Where $|c|\sqrt{\hat v_t}$ is comparable to $\epsilon$ the "
            r"step shrinks: by "
            f"{-smallest:.0%} for $c = {tex_number(tiny, 'g')}$ at $t = {STEPS}$."
        ),
    )
