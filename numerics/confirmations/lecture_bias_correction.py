"""Bias correction in expectation and its absence, re-run in torch.optim.Adam (float64).

:func:`adam_stream` feeds ``torch.optim.Adam`` a prescribed gradient stream (``p.grad`` set by
hand) and records, per step, the move and the state ``exp_avg``/``exp_avg_sq``.

* ``lecture-ema-weight-sum``: a gradient of 1 in every step; ``exp_avg``, ``exp_avg_sq`` against
  the claim's sum and closed form at ``beta_1`` and ``beta_2``.
* ``lecture-adam-{first,second}-moment[-corrected]-expectation``: (i) a constant gradient mu
  (every realisation is its own mean): the closed forms to 1e-12; (ii) a stationary stream,
  :data:`COORDINATES` independent coordinates with iid N(mu, sigma^2) gradients: the mean over
  coordinates against the claim, in standard errors.
* ``lecture-adam-uncorrected-*``: one run with ``eps = 0`` on a random stream; the uncorrected
  step ``lr m_t/sqrt(v_t)`` from torch's raw moments over torch's own step is ``r_t``.
"""

from __future__ import annotations

import math
from functools import cache

import sympy as sp
import torch

from wdproof.derivations import lecture_bias_correction as bias
from wdproof.derivations import lecture_missing_bias_correction as missing
from wdproof.derivations.notation import beta1, beta2, t
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.optimizers.problems import DTYPE
from wdproof.numerics.optimizers.rules import AdamRule

BETAS = (0.9, 0.999)
LR = 0.1


def adam_stream(
    grads: torch.Tensor, lr: float, eps: float, betas: tuple[float, float] = BETAS
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``torch.optim.Adam`` fed ``grads[t - 1]`` at step ``t``: per step (rows) the move
    ``theta_{t-1} - theta_t`` and the state ``exp_avg`` (m_t), ``exp_avg_sq`` (v_t)."""
    theta = torch.zeros(grads.shape[1], dtype=DTYPE, requires_grad=True)
    optimizer = torch.optim.Adam([theta], lr=lr, betas=betas, eps=eps, foreach=False)
    moves, first, second = (torch.empty_like(grads) for _ in range(3))
    for row, gradient in enumerate(grads):
        before = theta.detach().clone()
        theta.grad = gradient.clone()
        optimizer.step()
        moves[row] = before - theta.detach()
        first[row] = optimizer.state[theta]["exp_avg"]
        second[row] = optimizer.state[theta]["exp_avg_sq"]
    return moves, first, second


# --- The weights' sum ---------------------------------------------------------------------------
@confirms("lecture-ema-weight-sum")
def weight_sum() -> Confirmation:
    steps = 100
    _, first, second = adam_stream(torch.ones(steps, 1, dtype=DTYPE), LR, 1e-8)
    summed = sp.lambdify((bias.beta, t), bias.WEIGHT_SUM.statement.lhs, modules="math")
    closed = sp.lambdify((bias.beta, t), bias.WEIGHT_SUM.statement.rhs, modules="math")
    worst, rows = 0.0, []
    for s in range(1, steps + 1):
        torch_values = (float(first[s - 1, 0]), float(second[s - 1, 0]))
        for factor, value in zip(BETAS, torch_values, strict=True):
            worst = max(worst, abs(value - summed(factor, s)), abs(value - closed(factor, s)))
        if s in (1, 2, 10, steps):
            rows.append(
                (s, torch_values[0], closed(BETAS[0], s), torch_values[1], closed(BETAS[1], s))
            )
    return Confirmation(
        quantity=(
            r"max of $|$torch moment $-$ the claim's sum$|$ and "
            r"$|$torch moment $- (1 - \beta^t)|$ over "
            f"{steps} steps"
        ),
        value=worst,
        tolerance=1e-12,
        columns=("$t$", "exp_avg", r"$1 - \beta_1^t$", "exp_avg_sq", r"$1 - \beta_2^t$"),
        rows=tuple(rows),
        note=(
            f"torch.optim.Adam(lr={LR}, betas={BETAS}) fed the gradient 1 at every "
            "step, so exp_avg and exp_avg_sq are the weights' sums; the claim's sum and closed "
            "form from its statement, evaluated numerically in float64."
        ),
    )


# --- E[m_t], E[v_t], E[mhat_t], E[vhat_t] -------------------------------------------------------
COORDINATES, STEPS, MEAN, SPREAD, SEED = 20_000, 50, 0.5, 1.0, 20260
#: (mu, nu) = (E[g], E[g^2]) of each stream.
MEANS = {"constant": (MEAN, MEAN**2), "random": (MEAN, MEAN**2 + SPREAD**2)}
Z_TOLERANCE = 5.0  # standard errors
SHOWN = (1, 2, 5, 10, 50)


@cache
def stationary_runs() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """(exp_avg, exp_avg_sq) per step for a constant gradient mu and for the random stream."""
    gen = torch.Generator().manual_seed(SEED)
    noise = torch.randn(STEPS, COORDINATES, generator=gen, dtype=DTYPE)
    streams = {
        "constant": torch.full((STEPS, 1), MEAN, dtype=DTYPE),
        "random": MEAN + SPREAD * noise,
    }
    return {name: adam_stream(grads, LR, 1e-8)[1:] for name, grads in streams.items()}


RULE = AdamRule(LR, BETAS, 1e-8)  # its bias corrections 1 - beta_i^t


def _expectation(claim, index: int, corrected: bool) -> Confirmation:
    """Moment ``index`` (0: m, 1: v) of both streams against the claim's right side,
    lambdified at each stream's (mu, nu)."""
    factor, mean = (beta1, bias.mu) if index == 0 else (beta2, bias.nu)
    symbols = (factor, mean) if corrected else (factor, mean, bias.t0)
    claimed = sp.lambdify(symbols, claim.statement.rhs, modules="math")
    runs = stationary_runs()
    worst_constant, worst_z, rows = 0.0, 0.0, []
    for s in range(1, STEPS + 1):
        scale = RULE.bias_corrections(s)[index] if corrected else 1.0  # lines 9-10, or none
        step_args = () if corrected else (s,)
        at = {name: claimed(BETAS[index], MEANS[name][index], *step_args) for name in MEANS}
        constant = float(runs["constant"][index][s - 1, 0]) / scale
        worst_constant = max(worst_constant, abs(constant / at["constant"] - 1))
        sample = runs["random"][index][s - 1] / scale
        mean, error = float(sample.mean()), float(sample.std()) / math.sqrt(COORDINATES)
        z = abs(mean - at["random"]) / error
        worst_z = max(worst_z, z)
        if s in SHOWN:
            rows.append((s, constant, at["constant"], mean, at["random"], error, z))
    require((worst_constant <= 1e-12, f"constant gradient off by {worst_constant:.3e}"))
    name = (r"\hat " if corrected else "") + ("m", "v")[index] + "_t"
    return Confirmation(
        quantity=(
            rf"max over $t \le {STEPS}$ of $|$mean of torch's ${name}$ $-$ claim$|$ in standard "
            "errors"
        ),
        value=worst_z,
        tolerance=Z_TOLERANCE,
        columns=(
            "$t$",
            "constant: torch",
            "constant: claim",
            "random: mean",
            "random: claim",
            "standard error",
            "$z$",
        ),
        rows=tuple(rows),
        note=(
            f"torch.optim.Adam(lr={LR}, betas={BETAS}) state after each step. Constant "
            rf"gradient {MEAN} ($\mu = {MEAN}$, $\nu = {MEAN**2}$): within $10^{{-12}}$ "
            f"relative (max ${tex_number(worst_constant, '.1e')}$). Random: {COORDINATES} "
            "coordinates of one parameter, gradients iid "
            rf"$\mathcal{{N}}({MEAN}, {SPREAD}^2)$ per step (torch.Generator seed {SEED}), so "
            rf"$\mu = {MEAN}$, $\nu = {MEANS['random'][1]}$; standard error = sample standard "
            rf"deviation$/\sqrt{{{COORDINATES}}}$; tolerance {Z_TOLERANCE} standard errors."
        ),
        extra={"constant_deviation": worst_constant},
    )


@confirms("lecture-adam-first-moment-expectation")
def first_moment() -> Confirmation:
    return _expectation(bias.FIRST, 0, corrected=False)


@confirms("lecture-adam-first-moment-corrected-expectation")
def first_moment_corrected() -> Confirmation:
    return _expectation(bias.FIRST_HAT, 0, corrected=True)


@confirms("lecture-adam-second-moment-expectation")
def second_moment() -> Confirmation:
    return _expectation(bias.SECOND, 1, corrected=False)


@confirms("lecture-adam-second-moment-corrected-expectation")
def second_moment_corrected() -> Confirmation:
    return _expectation(bias.SECOND_HAT, 1, corrected=True)


# --- Without bias correction (eps = 0) ----------------------------------------------------------
RATIO_STEPS, RATIO_COORDINATES = 1000, 8
RATIO_SHOWN = (1, 2, missing.PEAK_T, missing.TAIL_START, 100, RATIO_STEPS)
RUN = (
    f"torch.optim.Adam(lr={LR}, betas={BETAS}, eps=0) fed {RATIO_COORDINATES} "
    r"coordinates of iid $\mathcal{N}(1, 0.5^2)$ gradients for "
    f"{RATIO_STEPS} steps (seed {SEED + 1}); the uncorrected step "
    r"$\mathrm{lr}\,m_t/\sqrt{v_t}$ from torch's exp_avg and exp_avg_sq"
)


@cache
def uncorrected_run() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per step and coordinate: torch's step and the uncorrected step; per step, r_t as the
    claim writes it (lambdified)."""
    gen = torch.Generator().manual_seed(SEED + 1)
    grads = 1.0 + 0.5 * torch.randn(RATIO_STEPS, RATIO_COORDINATES, generator=gen, dtype=DTYPE)
    moves, first, second = adam_stream(grads, LR, 0.0)
    ratio = sp.lambdify((beta1, beta2, t), missing.ratio_in_betas, modules="math")
    r = torch.tensor([ratio(*BETAS, s) for s in range(1, RATIO_STEPS + 1)], dtype=DTYPE)
    return moves, LR * first / second.sqrt(), r


def _against_r(quantity: str, value: float, measured, r, note: str, **extra) -> Confirmation:
    """A confirmation whose table shows torch's ratio (coordinate 0) beside ``r``."""
    return Confirmation(
        quantity=quantity,
        value=value,
        tolerance=1e-12,
        columns=("$t$", "torch: uncorrected/corrected step", "claim's $r_t$"),
        rows=tuple((s, float(measured[s - 1, 0]), float(r[s - 1])) for s in RATIO_SHOWN),
        note=f"{RUN}. {note}",
        extra=extra,
    )


@confirms("lecture-adam-uncorrected-step-ratio")
def step_ratio() -> Confirmation:
    moves, uncorrected, r = uncorrected_run()
    predicted = r.unsqueeze(1) * moves
    return _against_r(
        r"max relative $|\mathrm{lr}\,m_t/\sqrt{v_t} - r_t\times(\text{torch step})|$ over "
        f"{RATIO_STEPS} steps",
        float(((uncorrected - predicted) / predicted).abs().max()),
        uncorrected / moves,
        r,
        "$r_t$ from the claim, evaluated numerically in float64; every coordinate, every step.",
    )


@confirms("lecture-adam-uncorrected-ratio-limit")
def ratio_limit() -> Confirmation:
    moves, uncorrected, _ = uncorrected_run()
    measured = uncorrected / moves
    # x = beta_2^t, kappa_1 = ln beta_1/ln beta_2, kappa_2 = 1: beta_i^t = x^kappa_i, no underflow
    inner = sp.lambdify(
        (missing.x, missing.kappa1, missing.kappa2), missing.LIMIT.statement.lhs.args[0]
    )
    kappa = math.log(BETAS[0]) / math.log(BETAS[1])
    steps = range(1, RATIO_STEPS + 1)
    r = torch.tensor([inner(BETAS[1] ** s, kappa, 1.0) for s in steps], dtype=DTYPE)
    last = float(measured[-1].max())
    return _against_r(
        r"max relative $|$torch's ratio $-$ the limit's expression at $x = \beta_2^t|$, "
        f"{RATIO_STEPS} values of $t$",
        float(((measured - r.unsqueeze(1)) / r.unsqueeze(1)).abs().max()),
        measured,
        r,
        r"The limit's expression at $x = \beta_2^t$, "
        rf"$\kappa_1 = \ln\beta_1/\ln\beta_2 = {kappa:.4f}$, $\kappa_2 = 1$. It approaches 1 "
        f"slowly: {last:.4f} at $t = {RATIO_STEPS}$.",
        last=last,
    )


@confirms("lecture-adam-uncorrected-ratio-peak")
def ratio_peak() -> Confirmation:
    moves, uncorrected, r = uncorrected_run()
    measured = uncorrected / moves
    peaks = {int(s) + 1 for s in measured.argmax(dim=0)}
    peak = float(measured.max())
    tail = float(measured[missing.TAIL_START - 1 :].max())
    require(
        (peaks == {missing.PEAK_T}, f"torch's ratio peaks at t in {peaks}, not {missing.PEAK_T}"),
        (tail <= missing.PEAK, f"torch's ratio reaches {tail} after t = {missing.TAIL_START}"),
    )
    return _against_r(
        rf"relative $|$torch's largest ratio $- r_{{{missing.PEAK_T}}}|$, the claim's peak",
        abs(peak - missing.PEAK) / missing.PEAK,
        measured,
        r,
        f"Every coordinate's ratio is largest at $t = {missing.PEAK_T}$: {peak:.6f} (exact "
        rf"{missing.PEAK:.6f}); for $t \ge {missing.TAIL_START}$ at most {tail:.6f}.",
        peak_t=min(peaks),
        peak=peak,
    )


@confirms("lecture-adam-uncorrected-ratio-above-one")
def ratio_above_one() -> Confirmation:
    moves, uncorrected, r = uncorrected_run()
    measured = uncorrected / moves
    smallest = float(measured.min())
    require((smallest >= 1, f"torch's ratio falls to {smallest} < 1"))
    return _against_r(
        rf"max relative $|$torch's ratio $- r_t|$ over {RATIO_STEPS} steps (all $\ge 1$)",
        float(((measured - r.unsqueeze(1)) / r.unsqueeze(1)).abs().max()),
        measured,
        r,
        f"Every uncorrected step is larger than torch's: the smallest ratio is {smallest:.6f}, "
        f"at $t = {int(measured.min(dim=1).values.argmin()) + 1}$.",
        smallest=smallest,
    )
