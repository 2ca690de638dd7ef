"""Adam and AMSGrad on the lecture's 3-periodic example, run with torch.optim.Adam (lecture 002).

The gradient of ``f_t(x) = C x`` or ``-x`` does not depend on ``x``, so every run sets
``x.grad`` to ``g_t`` directly (no autograd) and calls ``optimizer.step()``; a 1-element float64
tensor keeps a thousand steps fast. torch's AMSGrad (``amsgrad=True``) keeps
``max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)``, the running maximum of the *uncorrected*
``v_t`` (the lecture's ``vhat_t``), and steps ``lr/(1-beta1^t) * m_t / (sqrt(max/(1-beta2^t)) +
eps)``: the bias correction of ``v`` is applied to the maximum when the denominator is formed.

* ``lecture-amsgrad-max-nondecreasing`` / ``-step-size-nonincreasing``: a heavy-tailed random
  gradient stream (8 coordinates, 300 steps, betas (0.9, 0.99)): ``max_exp_avg_sq`` against the
  claim's ``Max(vhat_{t-1}, v_t)`` and its certificate ``vhat_{t-1} + max(0, v_t -
  vhat_{t-1})``, its decreases, and the increases of the lecture's ``gamma/sqrt(vhat_t)``;
  torch's own effective step is shown to increase.
* ``lecture-adam-drift-per-period`` / ``lecture-amsgrad-drift-per-period`` /
  ``-drift-toward-optimum``: betas (0, 0), eps 0, constant lr, one coordinate per ``C``.
* ``lecture-adam-amsgrad-torch-evidence``: Reddi's ``beta2 = 1/(1 + C^2)``, ``lr/sqrt(t)``,
  projection onto ``[-1, 1]`` after every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp
import torch

from wdproof.derivations import lecture_amsgrad as claims
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.optimizer_conventions import v_t
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.optimizers.problems import DTYPE

TOLERANCE = 1e-12


def period_gradients(spikes: torch.Tensor, t: int) -> torch.Tensor:
    """``g_t`` of the example: ``C`` when ``t mod 3 = 1``, else ``-1`` (one coordinate per C)."""
    return spikes.clone() if t % 3 == 1 else -torch.ones_like(spikes)


# --- The running maximum on a random stream ----------------------------------------------------
RANDOM_STEPS, RANDOM_BETAS, RANDOM_LR = 300, (0.9, 0.99), 1e-2


@dataclass(frozen=True)
class MaxTrace:
    """Per step ``t`` (rows) and coordinate: torch's ``exp_avg_sq`` (``v_t``) and
    ``max_exp_avg_sq`` before (``vhat_{t-1}``) and after (``vhat_t``) the step."""

    v: torch.Tensor
    before: torch.Tensor
    after: torch.Tensor


@cache
def random_max_trace() -> MaxTrace:
    gen = torch.Generator().manual_seed(13)
    # heavy-tailed gradients: rare large ones, as in the example, so the maximum moves often
    grads = torch.randn(RANDOM_STEPS, 8, generator=gen, dtype=DTYPE) * torch.exp(
        2 * torch.randn(RANDOM_STEPS, 8, generator=gen, dtype=DTYPE)
    )
    x = torch.zeros(8, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.Adam([x], lr=RANDOM_LR, betas=RANDOM_BETAS, amsgrad=True, foreach=False)
    v, before, after = [], [], []
    previous = torch.zeros(8, dtype=DTYPE)
    for t in range(RANDOM_STEPS):
        x.grad = grads[t].clone()
        opt.step()
        state = opt.state[x]
        before.append(previous)
        v.append(state["exp_avg_sq"].clone())
        previous = state["max_exp_avg_sq"].clone()
        after.append(previous)
    return MaxTrace(torch.stack(v), torch.stack(before), torch.stack(after))


@confirms("lecture-amsgrad-max-nondecreasing")
def max_nondecreasing() -> Confirmation:
    claim = claims.MAX_NONDECREASING
    running_max = sp.lambdify((claims.vhat_prev, v_t), claim.statement.rhs, modules="math")
    # the proof's certificate: vhat_t = vhat_{t-1} + max(0, v_t - vhat_{t-1})
    ((_, gap),) = claim.proof.argument.links[0].certificate
    increment = sp.lambdify((claims.vhat_prev, v_t), claims.vhat_prev + gap, modules="math")
    trace = random_max_trace()
    worst_decrease = float((trace.before - trace.after).max())
    miss_max = miss_identity = 0.0
    for a, b, torch_max in zip(
        trace.before.flatten().tolist(),
        trace.v.flatten().tolist(),
        trace.after.flatten().tolist(),
        strict=True,
    ):
        scale = max(abs(torch_max), 1.0)
        miss_max = max(miss_max, abs(torch_max - running_max(a, b)) / scale)
        miss_identity = max(miss_identity, abs(torch_max - increment(a, b)) / scale)
    grew = int((trace.after > trace.before).sum())
    rows = tuple(
        (t + 1, float(trace.v[t, 0]), float(trace.before[t, 0]), float(trace.after[t, 0]))
        for t in (0, 1, 2, 9, 99, RANDOM_STEPS - 1)
    )
    return Confirmation(
        quantity=(
            r"max over steps and coordinates of: $\hat v_{t-1} - \hat v_t$, and $|$torch "
            r"max_exp_avg_sq $- \max(\hat v_{t-1}, v_t)|$, "
            r"$|\dots - (\hat v_{t-1} + \max(0, v_t - \hat v_{t-1}))|$ (relative)"
        ),
        value=max(worst_decrease, miss_max, miss_identity),
        tolerance=TOLERANCE,
        columns=("$t$", "$v_t$ (coord 0)", r"$\hat v_{t-1}$", r"$\hat v_t$ = max_exp_avg_sq"),
        rows=rows,
        note=(
            f"torch.optim.Adam(lr={RANDOM_LR}, betas={RANDOM_BETAS}) with amsgrad on, on "
            f"{RANDOM_STEPS} heavy-tailed random gradients "
            r"($g = z e^{2z'}$, 8 coordinates, "
            f"seed 13); the maximum grew at {grew} of {trace.after.numel()} (step, coordinate) "
            "pairs and never fell."
        ),
        extra={
            "decrease": worst_decrease,
            "miss_max": miss_max,
            "miss_identity": miss_identity,
            "grew": grew,
        },
    )


@confirms("lecture-amsgrad-step-size-nonincreasing")
def step_size_nonincreasing() -> Confirmation:
    statement = claims.STEP_SIZE_NONINCREASING.statement
    lecture_step = sp.lambdify((gamma, claims.vhat_next), statement.lhs, modules="torch")
    trace = random_max_trace()
    seen = trace.before > 0  # vhat_{t-1} > 0, as the claim assumes
    now = lecture_step(RANDOM_LR, trace.after)
    earlier = lecture_step(RANDOM_LR, trace.before.clamp_min(1e-300))
    increase = float(torch.where(seen, now - earlier, torch.zeros_like(now)).max())
    # torch's own step size lr/(sqrt(max/(1 - beta2^t)) + eps), bias correction included
    t = torch.arange(1, RANDOM_STEPS + 1, dtype=DTYPE).unsqueeze(1)
    correction = 1 - RANDOM_BETAS[1] ** t
    torch_step = RANDOM_LR / ((trace.after / correction).sqrt() + 1e-8)
    torch_grew = int((torch_step[1:] > torch_step[:-1] * (1 + 1e-12)).sum())
    ratio = float((torch_step[1:] / torch_step[:-1]).max())
    rows = tuple(
        (k + 1, float(now[k, 0]), float(torch_step[k, 0]))
        for k in (0, 1, 2, 9, 99, RANDOM_STEPS - 1)
    )
    require((torch_grew > 0, "torch's bias-corrected step size was expected to grow somewhere"))
    return Confirmation(
        quantity=(
            r"max over steps and coordinates of "
            r"$\gamma/\sqrt{\hat v_t} - \gamma/\sqrt{\hat v_{t-1}}$"
        ),
        value=max(increase, 0.0),
        tolerance=0.0,
        columns=(
            "$t$",
            r"lecture $\gamma/\sqrt{\hat v_t}$ (coord 0)",
            r"torch $\mathrm{lr}/(\sqrt{\hat v_t/(1-\beta_2^t)}+\epsilon)$",
        ),
        rows=rows,
        note=(
            "The lecture's step size from torch's max_exp_avg_sq (same run as "
            "lecture-amsgrad-max-nondecreasing) never grows. torch's own step size divides the "
            r"maximum by $1 - \beta_2^t$, which grows with $t$: it increased at "
            f"{torch_grew} (step, "
            f"coordinate) pairs, by a factor up to {ratio:.4f}."
        ),
        extra={"increase": increase, "torch_grew": torch_grew, "torch_ratio": ratio},
    )


# --- The drift per period, beta_1 = beta_2 = eps = 0 -------------------------------------------
DRIFT_SPIKES, DRIFT_LR, DRIFT_PERIODS = (2.5, 3.0, 10.0), 1e-2, 30


@cache
def drift_per_period(amsgrad: bool) -> torch.Tensor:
    """``x_{3k} - x_{3k-3}`` for ``k = 1..DRIFT_PERIODS`` (rows), one coordinate per ``C``:
    torch.optim.Adam(betas=(0, 0), eps=0) from ``x_0 = 0``, no projection needed."""
    spikes = torch.tensor(DRIFT_SPIKES, dtype=DTYPE)
    x = torch.zeros(len(DRIFT_SPIKES), dtype=DTYPE, requires_grad=True)
    opt = torch.optim.Adam(
        [x], lr=DRIFT_LR, betas=(0.0, 0.0), eps=0.0, amsgrad=amsgrad, foreach=False
    )
    starts = [x.detach().clone()]
    for t in range(1, 3 * DRIFT_PERIODS + 1):
        x.grad = period_gradients(spikes, t)
        opt.step()
        if t % 3 == 0:
            starts.append(x.detach().clone())
    positions = torch.stack(starts)
    require((bool(positions.abs().max() < 1), "the drift runs must stay inside (-1, 1)"))
    return positions[1:] - positions[:-1]


def drift_confirmation(claim_rhs: sp.Expr, amsgrad: bool, name: str) -> Confirmation:
    predicted_fn = sp.lambdify((gamma, claims.C), claim_rhs, modules="math")
    predicted = torch.tensor([float(predicted_fn(DRIFT_LR, c)) for c in DRIFT_SPIKES], dtype=DTYPE)
    drift = drift_per_period(amsgrad)
    rows = tuple(
        (c, float(drift[0, j]), float(drift[-1, j]), float(predicted[j]))
        for j, c in enumerate(DRIFT_SPIKES)
    )
    return Confirmation(
        quantity=(
            f"max over {DRIFT_PERIODS} periods and $C$ of $|${name} drift $-$ claim's drift$|$"
        ),
        value=float((drift - predicted).abs().max()),
        tolerance=TOLERANCE,
        columns=("$C$", "drift, period 1", f"drift, period {DRIFT_PERIODS}", "claim"),
        rows=rows,
        note=(
            f"torch.optim.Adam(lr={DRIFT_LR}, betas=(0, 0), eps=0), amsgrad "
            f"{'on' if amsgrad else 'off'}, on "
            r"$g = (C, -1, -1)$ repeated, $C \in \{"
            + ", ".join(f"{c:g}" for c in DRIFT_SPIKES)
            + r"\}$ (one coordinate each), $x_0 = 0$. With $\beta_2 = 0$ torch's bias "
            r"corrections are 1, so its AMSGrad is the lecture's."
        ),
    )


@confirms("lecture-adam-drift-per-period")
def adam_drift() -> Confirmation:
    return drift_confirmation(claims.ADAM_DRIFT.statement.rhs, amsgrad=False, name="Adam")


@confirms("lecture-amsgrad-drift-per-period")
def amsgrad_drift() -> Confirmation:
    return drift_confirmation(claims.AMSGRAD_DRIFT.statement.rhs, amsgrad=True, name="AMSGrad")


@confirms("lecture-amsgrad-drift-toward-optimum")
def amsgrad_drift_sign() -> Confirmation:
    drift = drift_per_period(True)
    highest = drift.max(dim=0).values
    rows = tuple((c, float(highest[j])) for j, c in enumerate(DRIFT_SPIKES))
    return Confirmation(
        quantity=f"max over {DRIFT_PERIODS} periods and $C$ of $x_3 - x_0$ (AMSGrad)",
        value=float(highest.max()),
        tolerance=0.0,
        columns=("$C$", "largest $x_3 - x_0$"),
        rows=rows,
        note="The AMSGrad run of lecture-amsgrad-drift-per-period: every period moves $x$ down.",
    )


# --- Reddi's setting, projected: numerical evidence only ---------------------------------------
@dataclass(frozen=True)
class ProjectedRun:
    final: float
    average_regret: float
    trajectory: tuple[float, ...]  # x after steps 1, 10, 100, ..., T


def projected_runs() -> tuple[ProjectedRun, ProjectedRun]:
    """torch.optim.Adam on the example with Reddi's betas, ``lr/sqrt(t)``, clamp to [-1, 1]:
    Adam and AMSGrad as two parameter groups of one optimizer (``amsgrad`` is a group option),
    so one ``step()`` advances both."""
    inst = claims.TORCH_EVIDENCE.instance
    xs = [torch.full((1,), inst.x0, dtype=DTYPE, requires_grad=True) for _ in range(2)]
    opt = torch.optim.Adam(
        [{"params": [xs[0]], "amsgrad": False}, {"params": [xs[1]], "amsgrad": True}],
        lr=inst.lr,
        betas=(inst.beta1, inst.beta2),
        eps=inst.eps,
        foreach=False,
    )
    spike = torch.tensor([inst.spike], dtype=DTYPE)
    values = [x.detach() for x in xs]  # views of the parameters
    loss, shown, current = [0.0, 0.0], [[], []], [inst.x0, inst.x0]
    total_gradient = 0.0
    for t in range(1, inst.steps + 1):
        g = period_gradients(spike, t)
        g_value = float(g[0])
        total_gradient += g_value
        for k, x in enumerate(xs):
            loss[k] += g_value * current[k]  # f_t(x_t): the point played before g_t is seen
            x.grad = g
        for group in opt.param_groups:
            group["lr"] = inst.lr / math.sqrt(t)
        opt.step()
        with torch.no_grad():
            for x in xs:
                x.clamp_(-1.0, 1.0)  # projection onto F = [-1, 1]
        current = [v.item() for v in values]
        if t in (1, 10, 100) or t == inst.steps:
            for k in range(2):
                shown[k].append(current[k])
    # min over [-1, 1] of sum_t f_t(x) = (sum_t g_t) x is -|sum_t g_t|
    best = -abs(total_gradient)
    adam, amsgrad = (
        ProjectedRun(current[k], (loss[k] - best) / inst.steps, tuple(shown[k])) for k in range(2)
    )
    return adam, amsgrad


@confirms("lecture-adam-amsgrad-torch-evidence")
def reddi_setting() -> Confirmation:
    inst = claims.TORCH_EVIDENCE.instance
    adam, amsgrad = projected_runs()
    require(
        (adam.final > 0.9, f"Adam was expected near +1, ends at {adam.final}"),
        (amsgrad.final < -0.9, f"AMSGrad was expected near -1, ends at {amsgrad.final}"),
    )
    rows = (
        ("Adam", *adam.trajectory, adam.average_regret),
        ("AMSGrad", *amsgrad.trajectory, amsgrad.average_regret),
    )
    return Confirmation(
        quantity=f"$x_T$ of Adam $-$ $x_T$ of AMSGrad after $T = {inst.steps}$ projected steps",
        value=adam.final - amsgrad.final,
        tolerance=1.0,  # and each within 0.1 of its end of [-1, 1] (required above)
        relation=">",
        columns=("method", "$x_1$", "$x_{10}$", "$x_{100}$", f"$x_{{{inst.steps}}}$", "$R_T/T$"),
        rows=rows,
        note=(
            f"Numerical evidence only. torch.optim.Adam(betas=({inst.beta1}, "
            f"$1/(1+C^2) = {inst.beta2:.4f}$), eps=${tex_number(inst.eps)}$), amsgrad off and on, "
            rf"$C = {inst.spike:g}$, learning rate $\gamma_t = {inst.lr}/\sqrt{{t}}$, "
            f"$x_0 = {inst.x0:g}$, clamp to $[-1, 1]$ after every step; $R_T/T$ is the average "
            r"regret against the best fixed $x = -1$."
        ),
        extra={
            "x_adam": adam.final,
            "x_amsgrad": amsgrad.final,
            "regret_adam": adam.average_regret,
            "regret_amsgrad": amsgrad.average_regret,
        },
    )
