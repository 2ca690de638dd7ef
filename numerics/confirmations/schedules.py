"""Schedules and normalized decay, confirmed with torch.optim and torch.optim.lr_scheduler.

Every number checked is computed from the claim's own SymPy objects (lambdified sides of
:mod:`wdproof.derivations.schedules`); torch runs in float64 (``DTYPE``). A scheduler is stepped
once after every optimizer step, so step ``t`` runs at the lr torch holds after ``t - 1``
scheduler steps (:func:`scheduler_lrs`).

* decay and schedule: AdamW's decay part per step from a twin with ``weight_decay = 0``
  (three ``alpha``); AdamW + LambdaLR / CosineAnnealingLR against the reference paper rule.
* the cosine: CosineAnnealingLR / CosineAnnealingWarmRestarts traces against the endpoints,
  symmetry, partial and period sums, restart positions and last-step values.
* torch's CosineAnnealingLR: its recursion against the closed form for ``3 T_max`` steps, its
  second branch, and the refuted restart (re-run at ``T_max = 3``).
* normalized decay: AdamW with zero gradients (only the decay acts) over budgets of 100, 400
  and 1600 batch passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import sympy as sp
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, CosineAnnealingWarmRestarts, LambdaLR

from wdproof.derivations import schedules as sym
from wdproof.derivations import schedules_decay as sched_decay
from wdproof.derivations import schedules_normalized_decay as sched_norm
from wdproof.derivations import schedules_torch as sched_torch
from wdproof.derivations.notation import alpha, decay_rate, eta
from wdproof.numerics.confirmation import Confirmation, confirms, require
from wdproof.numerics.optimizers.conventions import DecayConvention
from wdproof.numerics.optimizers.problems import DTYPE, Params, mlp_regression
from wdproof.numerics.optimizers.rules import SGDW, AdamRule
from wdproof.numerics.optimizers.schedules import Cosine, WarmRestarts
from wdproof.numerics.optimizers.trajectory import max_deviation, run, run_rule

TOLERANCE = 1e-12
BASE_LR = 0.05  # alpha of the scheduler traces
LR_MIN = 0.005  # torch's absolute eta_min: the paper's eta_min = LR_MIN / BASE_LR = 0.1
PERIODS = (1, 2, 3, 7, 10, 25)  # T_i of the single-period checks


def _f(expr: sp.Basic, *symbols: sp.Symbol) -> Callable[..., float]:
    return sp.lambdify(symbols, expr, modules="math")


def scheduler_lrs(make: Callable[[torch.optim.Optimizer], object], steps: int) -> list[float]:
    """The lr of steps ``t = 1..steps``: the scheduler is stepped after each optimizer step."""
    p = torch.zeros(1, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.SGD([p], lr=BASE_LR)
    scheduler = make(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.step()  # no gradient: nothing moves, but the scheduler sees the step
        scheduler.step()
    return lrs


def cosine_lrs(period: int, steps: int) -> list[float]:
    return scheduler_lrs(lambda o: CosineAnnealingLR(o, T_max=period, eta_min=LR_MIN), steps)


def restart_lrs(first: int, factor: int, steps: int) -> list[float]:
    return scheduler_lrs(
        lambda o: CosineAnnealingWarmRestarts(o, T_0=first, T_mult=factor, eta_min=LR_MIN), steps
    )


#: The paper's multiplier of the traces: eta_max = 1, eta_min = LR_MIN / BASE_LR.
ETA_MIN = LR_MIN / BASE_LR


# --- decay and the schedule ---------------------------------------------------------------------
@confirms("schedule-decay-stays-decoupled")
def decay_part_is_eta_lambda_theta() -> Confirmation:
    decay_part = _f(
        sched_decay.DECAY_DECOUPLED.statement.rhs[2], eta, decay_rate, sched_decay.theta_prev
    )
    schedule, steps, rate = WarmRestarts(5, 2), 30, 1e-2
    g = torch.linspace(-1.0, 2.0, 4, dtype=DTYPE)
    rows, worst = [], 0.0
    for base in (1e-3, 1e-2, 1e-1):
        p = torch.linspace(0.5, 1.5, 4, dtype=DTYPE).requires_grad_(True)
        twin = p.detach().clone().requires_grad_(True)  # same state, weight_decay = 0
        opt = torch.optim.AdamW(
            [{"params": [p]}, {"params": [twin], "weight_decay": 0.0}],
            lr=base,
            weight_decay=rate / base,
            foreach=False,
        )
        scheduler = LambdaLR(opt, lambda k: schedule(k + 1))
        deviation = 0.0
        for t in range(1, steps + 1):
            with torch.no_grad():
                twin.copy_(p)
            p.grad, twin.grad = g.clone(), g.clone()
            if opt.state[p]:
                opt.state[twin] = {key: v.clone() for key, v in opt.state[p].items()}
            before = p.detach().clone()
            opt.step()
            scheduler.step()
            measured = (p - twin).detach()
            expected = torch.tensor(
                [decay_part(schedule(t), rate, float(x)) for x in before], dtype=DTYPE
            )
            deviation = max(deviation, float((measured - expected).abs().max()))
        # SGDW (paper Alg. 1, reference rule): the same decay part from the same state.
        theta, state = torch.ones(4, dtype=DTYPE), (torch.full((4,), 0.3, dtype=DTYPE),)
        with_decay = SGDW(base, 0.9, rate, schedule=schedule).update(theta, g, state, 3)[0]
        without = SGDW(base, 0.9, 0.0, schedule=schedule).update(theta, g, state, 3)[0]
        sgdw = float((with_decay - without - decay_part(schedule(3), rate, 1.0)).abs().max())
        worst = max(worst, deviation, sgdw)
        rows.append((base, rate / base, deviation, sgdw))
    return Confirmation(
        quantity=(
            r"max $|$torch AdamW's decay part $- (-\eta_t\lambda\theta_{t-1})|$ over steps and "
            r"$\alpha$"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            r"$\alpha$",
            r"weight_decay $= \lambda/\alpha$",
            "AdamW max deviation",
            "SGDW deviation",
        ),
        rows=tuple(rows),
        note=(
            f"{steps} AdamW steps, warm restarts "
            r"$T_0 = 5$, $T_{\mathrm{mult}} = 2$ by LambdaLR, "
            f"$\\lambda = {rate}$; "
            r"the decay part is $\theta_t$ minus a twin stepped from the same state with "
            r"weight_decay $= 0$. It is the same for every $\alpha$."
        ),
    )


class SchedulerStepper:
    """A torch optimizer with a torch lr scheduler, stepped once after each optimizer step."""

    def __init__(self, make_optimizer, make_scheduler):
        self.make_optimizer, self.make_scheduler = make_optimizer, make_scheduler

    def start(self, params: Params) -> None:
        self.optimizer = self.make_optimizer(params)
        self.scheduler = self.make_scheduler(self.optimizer)

    def step(self, params: Params, t: int) -> None:
        self.optimizer.step()
        self.scheduler.step()


@confirms("schedule-torch-scheduler-scales-decay")
def torch_scheduler_is_paper_schedule() -> Confirmation:
    weight_decay_of = _f(sched_decay.FIXED_WEIGHT_DECAY.rhs, alpha, decay_rate)
    steps, base, rate = 60, 0.02, 4e-3
    problem = mlp_regression(seed=5)
    cases = (
        (
            r"LambdaLR (warm restarts $T_0 = 8$, $T_{\mathrm{mult}} = 2$)",
            WarmRestarts(8, 2),
            lambda s: lambda o: LambdaLR(o, lambda k: s(k + 1)),
        ),
        (
            "CosineAnnealingLR",
            Cosine(steps, 0.1),
            lambda s: lambda o: CosineAnnealingLR(o, T_max=steps, eta_min=base * 0.1),
        ),
    )
    rows, deviations = [], []
    for label, schedule, scheduler in cases:
        paper = run_rule(
            problem,
            AdamRule(base, decay_rate=rate, convention=DecayConvention.PAPER, schedule=schedule),
            steps,
        )
        mapped, naive = (
            run(
                problem,
                SchedulerStepper(
                    lambda ps, w=w: torch.optim.AdamW(ps, lr=base, weight_decay=w, foreach=False),
                    scheduler(schedule),
                ),
                steps,
            )
            for w in (float(weight_decay_of(base, rate)), rate)
        )
        deviations.append(max_deviation(paper, mapped))
        rows.append((label, deviations[-1], max_deviation(paper, naive)))
    return Confirmation(
        quantity=(
            r"max $|\theta_{\mathrm{paper}} - \theta_{\mathrm{torch}}|$ (torch: AdamW with the "
            f"scheduler) over {steps} steps"
        ),
        value=max(deviations),
        tolerance=TOLERANCE,
        columns=("torch scheduler", "max deviation", r"control: weight_decay $= \lambda$"),
        rows=tuple(rows),
        note=(
            f"4-16-8-1 tanh MLP, $\\alpha = {base}$, $\\lambda = {rate}$; "
            r"paper side: the reference AdamW rule with decay $\eta_t\lambda$; torch: AdamW with "
            r"lr $= \alpha$, weight_decay $= \lambda/\alpha$ and the scheduler "
            r"(CosineAnnealingLR's minimum lr $0.1\alpha$)."
        ),
    )


# --- the cosine's closed forms ------------------------------------------------------------------
def _eta_values(expr: sp.Basic, *symbols: sp.Symbol) -> Callable[..., float]:
    """``expr`` with ``eta_max = 1`` and ``eta_min = ETA_MIN``, a function of ``symbols``."""
    return _f(expr.subs({sym.eta_max: 1, sym.eta_min: ETA_MIN}), *symbols)


@confirms("schedule-cosine-endpoints")
def cosine_endpoints() -> Confirmation:
    start, end = (_eta_values(e, sym.T_i) for e in sym.ENDPOINTS.statement.rhs)  # eta_max, eta_min
    rows, worst = [], 0.0
    for period in PERIODS:
        lrs = cosine_lrs(period, period + 1)
        first, last = lrs[0] / BASE_LR, lrs[period] / BASE_LR
        worst = max(worst, abs(first - start(period)), abs(last - end(period)))
        rows.append((period, first, last))
    return Confirmation(
        quantity=(
            r"max deviation of CosineAnnealingLR's lr$/\alpha$ from the claim at "
            r"$T_{\mathrm{cur}} = 0$ and $T_{\mathrm{cur}} = T_{\max}$"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            r"$T_{\max}$",
            r"$\eta$ at $T_{\mathrm{cur}} = 0$",
            r"$\eta$ at $T_{\mathrm{cur}} = T_{\max}$",
        ),
        rows=tuple(rows),
        note=(
            f"$\\alpha = {BASE_LR}$, torch's minimum lr {LR_MIN} "
            f"(the paper's $\\eta_{{\\min}} = {ETA_MIN:g}$)."
        ),
    )


@confirms("schedule-cosine-symmetry")
def cosine_symmetry() -> Confirmation:
    total = _eta_values(sym.SYMMETRY.statement.rhs)()
    rows, worst = [], 0.0
    for period in PERIODS:
        eta_k = [lr / BASE_LR for lr in cosine_lrs(period, period + 1)]
        gap = max(abs(eta_k[k] + eta_k[period - k] - total) for k in range(period + 1))
        worst = max(worst, gap)
        rows.append((period, gap))
    return Confirmation(
        quantity=(
            r"max $|\eta(T_{\mathrm{cur}}) + \eta(T_{\max} - T_{\mathrm{cur}}) - "
            r"(\eta_{\max} + \eta_{\min})|$ from torch"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(r"$T_{\max}$", "max deviation"),
        rows=tuple(rows),
        note=f"CosineAnnealingLR, $\\alpha = {BASE_LR}$, torch's minimum lr {LR_MIN}.",
    )


@confirms("schedule-cosine-partial-sums")
def cosine_partial_sums() -> Confirmation:
    closed = _eta_values(sym.PARTIAL_SUMS.statement.rhs, sym.n, sym.T_i)
    rows, worst = [], 0.0
    for period in PERIODS:
        eta_k = [lr / BASE_LR for lr in restart_lrs(period, 1, period)]
        running, gap = 0.0, 0.0
        for m, value in enumerate(eta_k):
            running += value
            gap = max(gap, abs(running - closed(m, period)))
        worst = max(worst, gap)
        rows.append((period, running, gap))
    return Confirmation(
        quantity=(
            r"max over $n$ of the deviation of torch's $\sum_{T_{\mathrm{cur}} \le n}\eta$ from "
            r"the closed form, within one period"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(r"$T_i$", "sum over the period", "max deviation"),
        rows=tuple(rows),
        note=r"CosineAnnealingWarmRestarts with $T_0 = T_i$, " f"$\\alpha = {BASE_LR}$.",
    )


@confirms("schedule-cosine-period-sum")
def cosine_period_sum() -> Confirmation:
    value = _eta_values(sym.PERIOD_SUM.statement.rhs, sym.T_i)
    first, factor, periods = 5, 2, 4
    steps = first * (factor**periods - 1) // (factor - 1)
    eta_t = [lr / BASE_LR for lr in restart_lrs(first, factor, steps)]
    ours = WarmRestarts(first, factor, ETA_MIN).multipliers(steps)
    rows, worst, start = [], 0.0, 0
    for i in range(periods):
        length = first * factor**i
        measured = math.fsum(eta_t[start : start + length])
        worst = max(worst, abs(measured - value(length)))
        rows.append((length, measured, value(length), float(ours[start : start + length].sum())))
        start += length
    return Confirmation(
        quantity="max deviation of the sum of torch's multipliers over a period from the claim",
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            r"$T_i$",
            "torch sum",
            r"$T_i(1 + \eta_{\min})/2 + (1 - \eta_{\min})/2$",
            "sum, paper's schedule in steps",
        ),
        rows=tuple(rows),
        note=(
            r"CosineAnnealingWarmRestarts with $T_0 = 5$, $T_{\mathrm{mult}} = 2$, "
            f"$\\eta_{{\\min}} = {ETA_MIN:g}$; the last column sums the cosine schedule with "
            "warm restarts (paper Sec. 3) as the key counts it, in steps."
        ),
    )


@confirms("schedule-warm-restart-positions")
def warm_restart_positions() -> Confirmation:
    # (T_mult - 1) S_i = T_0 (T_mult^i - 1): S_i = rhs / (T_mult - 1), or i T_0 for T_mult = 1
    scaled = _f(sym.RESTART_POSITIONS.statement.rhs, sym.T_0, sym.T_mult, sym.period)
    rows, mismatches = [], 0
    for first, factor in ((1, 2), (3, 1), (5, 2), (4, 3)):
        steps = 120
        lrs = restart_lrs(first, factor, steps)
        torch_restarts = [t for t in range(2, steps + 1) if lrs[t - 1] >= lrs[t - 2]]
        claimed = []
        for i in range(1, steps):
            start = first * i if factor == 1 else scaled(first, factor, i) // (factor - 1)
            if start + 1 > steps:
                break
            claimed.append(int(start) + 1)
        ours = WarmRestarts(first, factor).restarts(steps)
        mismatches += (torch_restarts != claimed) + (ours != claimed)
        shown = (", ".join(map(str, found[:6])) for found in (claimed, torch_restarts, ours))
        rows.append((first, factor, *shown))
    return Confirmation(
        quantity=(
            "settings whose restart steps differ between the claim, torch and the paper's "
            "schedule counted in steps"
        ),
        value=float(mismatches),
        tolerance=0.0,
        columns=(
            r"$T_0$",
            r"$T_{\mathrm{mult}}$",
            "claim",
            "CosineAnnealingWarmRestarts",
            "paper's schedule in steps",
        ),
        rows=tuple(rows),
        note=(
            "120 steps; a restart step is one whose lr is not below the previous step's. The last "
            "column: the cosine schedule with warm restarts (paper Sec. 3), counted in steps."
        ),
    )


@confirms("schedule-warm-restarts-last-step")
def warm_restarts_last_step() -> Confirmation:
    last = _eta_values(sym.LAST_STEP.statement.rhs, sym.T_i)
    first, factor, steps = 4, 2, 60
    eta_t = [lr / BASE_LR for lr in restart_lrs(first, factor, steps)]
    rows, worst, start = [], 0.0, 0
    while start + first * factor ** len(rows) <= steps:
        length = first * factor ** len(rows)
        measured = eta_t[start + length - 1]
        worst = max(worst, abs(measured - last(length)))
        rows.append((length, measured, last(length), measured - ETA_MIN))
        start += length
    require((min(eta_t) > ETA_MIN, "some step of torch's schedule used eta_min itself"))
    return Confirmation(
        quantity=(
            r"max deviation of torch's multiplier at $T_{\mathrm{cur}} = T_i - 1$ from the "
            r"claim's value"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(r"$T_i$", "torch, last step", "claim", r"above $\eta_{\min}$ by"),
        rows=tuple(rows),
        note=(
            r"CosineAnnealingWarmRestarts with $T_0 = 4$, $T_{\mathrm{mult}} = 2$, "
            f"$\\eta_{{\\min}} = {ETA_MIN:g}$."
        ),
        extra={"lowest multiplier": min(eta_t)},
    )


# --- torch's CosineAnnealingLR ------------------------------------------------------------------
def _torch_closed() -> Callable[[int, int], float]:
    return _f(
        sched_torch.TORCH_COSINE.statement.rhs.subs({alpha: BASE_LR, sched_torch.lr_min: LR_MIN}),
        sched_torch.k,
        sym.T_i,
    )


@confirms("schedule-torch-cosine-annealing-lr")
def cosine_annealing_lr_closed_form() -> Confirmation:
    closed = _torch_closed()
    rows, worst, ours_worst = [], 0.0, 0.0
    for period in PERIODS:
        lrs = cosine_lrs(period, 3 * period + 1)
        gap = max(abs(lr - closed(k, period)) for k, lr in enumerate(lrs))
        # wdproof's Cosine over the run and one step past it (where both give eta_min)
        ours = Cosine(period, ETA_MIN).multipliers(period + 1) * BASE_LR
        ours_gap = max(abs(float(x) - lr) for x, lr in zip(ours, lrs, strict=False))
        worst, ours_worst = max(worst, gap), max(ours_worst, ours_gap)
        rows.append((period, 3 * period + 1, gap, ours_gap))
    return Confirmation(
        quantity=(
            r"max deviation of CosineAnnealingLR's lr from $\alpha\eta(T_{\mathrm{cur}} = k)$ "
            r"over $k \le 3T_{\max}$"
        ),
        value=max(worst, ours_worst),
        tolerance=TOLERANCE,
        columns=(
            r"$T_{\max}$",
            "steps",
            "vs closed form",
            r"vs the paper's cosine ($t \le T_{\max} + 1$)",
        ),
        rows=tuple(rows),
        note=(
            f"$\\alpha = {BASE_LR}$, torch's minimum lr $\\ell_{{\\min}} = {LR_MIN}$; "
            r"the closed form is unwrapped ($T_{\mathrm{cur}} = k$ past $T_{\max}$ too): torch's "
            r"recursion follows it through three periods. The last column compares with the "
            r"cosine schedule of the paper (Sec. 3) with one period of $T_{\max}$ steps."
        ),
    )


@confirms("schedule-torch-cosine-annealing-lr-second-branch")
def cosine_annealing_lr_second_branch() -> Confirmation:
    value = _f(
        sched_torch.TORCH_SECOND_BRANCH.statement.rhs.subs(
            {alpha: BASE_LR, sched_torch.lr_min: LR_MIN}
        ),
        sym.T_i,
    )
    rows, worst = [], 0.0
    for period in PERIODS:
        lrs = cosine_lrs(period, period + 2)
        worst = max(worst, abs(lrs[period + 1] - value(period)))
        rows.append((period, lrs[period], lrs[period + 1], value(period)))
    return Confirmation(
        quantity=(
            r"max deviation of torch's lr after $T_{\max} + 1$ scheduler steps from "
            r"$\alpha\eta(T_{\mathrm{cur}} = T_{\max} + 1)$"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            r"$T_{\max}$",
            r"lr at $k = T_{\max}$",
            r"lr at $k = T_{\max} + 1$",
            "claim",
        ),
        rows=tuple(rows),
        note=(
            f"$\\alpha = {BASE_LR}$, $\\ell_{{\\min}} = {LR_MIN}$: "
            r"after $T_{\max}$ the lr rises again."
        ),
    )


@confirms("schedule-torch-cosine-annealing-lr-restarts")
def cosine_annealing_lr_is_not_sgdr() -> Confirmation:
    values = sched_torch.TORCH_NOT_RESTART.proof.argument.values
    period = int(values[sym.T_i])
    base, low = float(values[alpha]), float(values[sched_torch.lr_min])
    make = {
        "CosineAnnealingLR": lambda o: CosineAnnealingLR(o, T_max=period, eta_min=low),
        "CosineAnnealingWarmRestarts": lambda o: CosineAnnealingWarmRestarts(
            o, T_0=period, T_mult=1, eta_min=low
        ),
    }
    traces = {}
    for name, maker in make.items():
        p = torch.zeros(1, dtype=DTYPE, requires_grad=True)
        opt = torch.optim.SGD([p], lr=base)
        scheduler, trace = maker(opt), []
        for _ in range(2 * period + 1):
            trace.append(float(opt.param_groups[0]["lr"]))
            opt.step()
            scheduler.step()
        traces[name] = trace
    gap = (
        traces["CosineAnnealingLR"][period + 1] - traces["CosineAnnealingWarmRestarts"][period + 1]
    )
    require(
        (
            abs(gap - float(sched_torch.TORCH_NOT_RESTART.proof.argument.gap)) < TOLERANCE,
            "torch's gap is not the counterexample's",
        )
    )
    rows = tuple(
        (t, a, b)
        for t, (a, b) in enumerate(
            zip(traces["CosineAnnealingLR"], traces["CosineAnnealingWarmRestarts"], strict=True), 1
        )
    )
    return Confirmation(
        quantity=(
            r"absolute gap between CosineAnnealingLR and SGDR (CosineAnnealingWarmRestarts) at "
            r"step $T_{\max} + 2$"
        ),
        value=abs(gap),
        tolerance=0.25,
        relation=">",
        columns=(r"step $t$", "CosineAnnealingLR", "CosineAnnealingWarmRestarts (SGDR)"),
        rows=rows,
        note=(
            f"The counterexample: $T_{{\\max}} = T_0 = {period}$, $\\alpha = {base}$, "
            f"$\\ell_{{\\min}} = {low}$."
        ),
        extra={"gap": gap},
    )


# --- normalized weight decay --------------------------------------------------------------------
BUDGET_POINTS, BUDGET_BATCH, BUDGET_EPOCHS = 100, 1, (1, 4, 16)
NORM_ETA, NORM_DECAY, NORM_ALPHA = 1.0, 0.5, 1e-3


@cache
def log_shrink(steps: int, rate: float, multiplier: float = NORM_ETA) -> float:
    """``-ln(theta_N / theta_0)`` of torch.optim.AdamW run ``steps`` steps with zero gradients
    (only the decay acts), lr = alpha eta, weight_decay = lambda / alpha."""
    p = torch.ones(1, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=NORM_ALPHA * multiplier, weight_decay=rate / NORM_ALPHA)
    for _ in range(steps):
        p.grad = torch.zeros_like(p)
        opt.step()
    return -math.log(float(p.detach()))


def _budgets() -> list[tuple[int, float, float, float]]:
    """``(N, lambda, -ln shrink, first-order)`` of each budget, lambda from NORMALIZED."""
    rate_of = _f(
        sym.NORMALIZED.rhs,
        sym.decay_norm,
        sym.batch,
        sym.points,
        sym.epochs,
    )
    first_of = _f(
        sched_norm.FIRST_ORDER.statement.rhs,
        eta,
        sym.decay_norm,
        sym.batch,
        sym.points,
        sym.epochs,
    )
    rows = []
    for epochs in BUDGET_EPOCHS:
        steps = BUDGET_POINTS * epochs // BUDGET_BATCH
        rate = rate_of(NORM_DECAY, BUDGET_BATCH, BUDGET_POINTS, epochs)
        first = first_of(NORM_ETA, NORM_DECAY, BUDGET_BATCH, BUDGET_POINTS, epochs)
        rows.append((steps, rate, log_shrink(steps, rate), first))
    return rows


@confirms("normalized-decay-first-order-total")
def normalized_first_order_total() -> Confirmation:
    rows = _budgets()
    exact = max(
        abs(shrink + steps * math.log1p(-NORM_ETA * rate)) for steps, rate, shrink, _ in rows
    )
    require((exact < TOLERANCE, f"torch's shrink is not (1 - eta lambda)^N: {exact:.3g}"))
    relative = max(abs(shrink - first) / first for _, _, shrink, first in rows)
    epochs = ", ".join(map(str, BUDGET_EPOCHS))
    return Confirmation(
        quantity=(
            r"max relative gap between torch's $-\ln$ shrink and "
            r"$\eta\lambda_{\mathrm{norm}}\sqrt{BT/b}$"
        ),
        value=relative,
        tolerance=max(NORM_ETA * rate for _, rate, _, _ in rows),
        columns=(
            r"$N = BT/b$",
            r"$\lambda$",
            r"$-\ln$ shrink (torch)",
            r"first order $\eta\lambda_{\mathrm{norm}}\sqrt N$",
        ),
        rows=tuple(rows),
        note=(
            f"torch.optim.AdamW with zero gradients, $B = {BUDGET_POINTS}$, $b = {BUDGET_BATCH}$, "
            f"$T \\in \\{{{epochs}\\}}$, $\\eta = {NORM_ETA}$, "
            f"$\\lambda_{{\\mathrm{{norm}}}} = {NORM_DECAY}$: "
            r"the first order is within $\eta\lambda$ (relative) of the exact log-shrink, and "
            r"grows as $\sqrt N$."
        ),
        extra={"exact product deviation": exact},
    )


@confirms("normalized-decay-budget-invariant")
def normalized_total_is_not_invariant() -> Confirmation:
    values = sched_norm.BUDGET_INVARIANT.proof.argument.values
    b, b2, points = (int(values[s]) for s in (sym.batch, sched_norm.batch_2, sym.points))
    epochs, epochs_2 = int(values[sym.epochs]), int(values[sched_norm.epochs_2])
    multiplier, norm = float(values[eta]), float(values[sym.decay_norm])
    rate_of = _f(
        sym.NORMALIZED.rhs,
        sym.decay_norm,
        sym.batch,
        sym.points,
        sym.epochs,
    )
    runs = [
        (points * e // bb, rate_of(norm, bb, points, e)) for bb, e in ((b, epochs), (b2, epochs_2))
    ]
    shrinks = [log_shrink(steps, rate, multiplier) for steps, rate in runs]
    gap = shrinks[0] - shrinks[1]
    return Confirmation(
        quantity=(
            r"difference of torch's $-\ln$ shrink between the two budgets (same "
            r"$\lambda_{\mathrm{norm}}$)"
        ),
        value=gap,
        tolerance=0.5 * float(sched_norm.BUDGET_INVARIANT.proof.argument.gap),
        relation=">",
        columns=(r"$N = BT/b$", r"$\lambda$", r"$-\ln$ shrink (torch)"),
        rows=tuple((steps, rate, s) for (steps, rate), s in zip(runs, shrinks, strict=True)),
        note=(
            f"The counterexample re-run: $B = {points}$, $b = {b}$, $T = {epochs}$ vs "
            f"${epochs_2}$, $\\eta = {multiplier:g}$, $\\lambda_{{\\mathrm{{norm}}}} = {norm}$; "
            "torch.optim.AdamW with zero gradients."
        ),
        extra={"gap": gap},
    )


@confirms("normalized-decay-second-order-invariant")
def normalized_second_order_invariant() -> Confirmation:
    second = _f(sched_norm.SECOND_ORDER.statement.rhs, eta, sym.decay_norm)(NORM_ETA, NORM_DECAY)
    rows, worst, bound = [], 0.0, 0.0
    for steps, rate, shrink, first in _budgets():
        rest = shrink - first
        # the remainder sum_{j >= 3} N (eta lambda)^j / j is at most N x^3 / (3 (1 - x))
        x = NORM_ETA * rate
        bound = max(bound, steps * x**3 / (3 * (1 - x)))
        worst = max(worst, abs(rest - second))
        rows.append((steps, rate, rest, second))
    return Confirmation(
        quantity=(
            r"max deviation of ($-\ln$ shrink $-$ first order) from "
            r"$\eta^2\lambda_{\mathrm{norm}}^2/2$ over the budgets"
        ),
        value=worst,
        tolerance=bound,
        columns=(
            r"$N = BT/b$",
            r"$\lambda$",
            r"$-\ln$ shrink $-$ first order (torch)",
            r"$\eta^2\lambda_{\mathrm{norm}}^2/2$",
        ),
        rows=tuple(rows),
        note=(
            r"torch.optim.AdamW with zero gradients, budgets $N = 100$, $400$, $1600$, "
            f"$\\lambda_{{\\mathrm{{norm}}}} = {NORM_DECAY}$: "
            r"what is left after the first order is the same second-order term for every "
            r"budget, up to the third-order remainder (the tolerance)."
        ),
    )
