"""Schedules: the objects against torch's schedulers, their closed forms, and the claims."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, CosineAnnealingWarmRestarts

from wdproof.derivations import schedules as sym
from wdproof.derivations import schedules_decay as sched_decay
from wdproof.derivations import schedules_normalized_decay as sched_norm
from wdproof.derivations import schedules_torch as sched_torch
from wdproof.derivations.registry import get_claim
from wdproof.numerics.confirmation import confirm
from wdproof.numerics.optimizers.problems import DTYPE
from wdproof.numerics.optimizers.schedules import (
    Constant,
    Cosine,
    WarmRestarts,
    constant_schedule,
    cosine_schedule,
    default_first_period,
    make_schedule,
)

ALPHA = 0.03


def torch_lrs(make, steps: int) -> np.ndarray:
    """torch's lr for steps t = 1..steps, the scheduler stepped after each optimizer step."""
    p = torch.zeros(1, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.SGD([p], lr=ALPHA)
    scheduler = make(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.array(lrs, dtype=np.float64)


# --- the objects against torch's schedulers -------------------------------------------------
@pytest.mark.parametrize(("total", "eta_min"), [(1, 0.0), (7, 0.0), (50, 0.1), (333, 0.02)])
def test_cosine_matches_cosine_annealing_lr(total, eta_min):
    ours = Cosine(total, eta_min)
    lrs = torch_lrs(lambda o: CosineAnnealingLR(o, T_max=total, eta_min=ALPHA * eta_min), total + 1)
    # t = 1..T + 1: step T + 1 is where both reach eta_min
    assert np.max(np.abs(ALPHA * ours.multipliers(total + 1) - lrs)) <= 1e-12
    assert all(abs(ALPHA * ours(t) - lrs[t - 1]) <= 1e-12 for t in range(1, total + 2))


def test_cosine_annealing_lr_rises_after_t_max_while_cosine_holds_eta_min():
    total = 10
    lrs = torch_lrs(lambda o: CosineAnnealingLR(o, T_max=total), 2 * total + 1)
    ours = Cosine(total).multipliers(2 * total + 1)
    assert lrs[total] == pytest.approx(0.0, abs=1e-15)
    assert lrs[total + 1] > lrs[total] and lrs[2 * total] == pytest.approx(ALPHA, abs=1e-14)
    assert np.all(ours[total:] == 0.0)


@pytest.mark.parametrize(
    ("first", "factor", "eta_min"),
    [(1, 1, 0.0), (3, 1, 0.1), (5, 2, 0.0), (2, 3, 0.05), (10, 2, 0.2)],
)
def test_warm_restarts_match_cosine_annealing_warm_restarts(first, factor, eta_min):
    steps = 160
    ours = WarmRestarts(first, factor, eta_min)
    lrs = torch_lrs(
        lambda o: CosineAnnealingWarmRestarts(o, T_0=first, T_mult=factor, eta_min=ALPHA * eta_min),
        steps,
    )
    assert np.max(np.abs(ALPHA * ours.multipliers(steps) - lrs)) <= 1e-12
    assert all(abs(ALPHA * ours(t) - lrs[t - 1]) <= 1e-12 for t in (1, 2, first, first + 1, steps))


def test_restart_positions():
    assert WarmRestarts(10, 2).restarts(200) == [11, 31, 71, 151]
    assert WarmRestarts(10, 2).restarts(151) == [11, 31, 71, 151]
    assert WarmRestarts(10, 2).restarts(150) == [11, 31, 71]
    assert WarmRestarts(3, 1).restarts(10) == [4, 7, 10]
    assert WarmRestarts(1, 2).restarts(8) == [2, 4, 8]
    assert Cosine(50).restarts(100) == [] and Constant().restarts(100) == []
    m = WarmRestarts(10, 2, 0.1).multipliers(200)
    assert all(m[t - 1] == 1.0 for t in [1, 11, 31, 71, 151])


def test_multipliers_are_float64_arrays_of_the_requested_length():
    for s in (Constant(), Cosine(20, 0.1), WarmRestarts(4, 2, 0.1)):
        m = s.multipliers(37)
        assert m.dtype == np.float64 and m.shape == (37,)
        assert s.multipliers(0).shape == (0,)
        assert m[0] == 1.0 and np.all((m >= 0.1 - 1e-15) & (m <= 1.0))
    assert [s.name for s in (Constant(), Cosine(5), WarmRestarts(5))] == [
        "constant",
        "cosine",
        "warm-restarts",
    ]
    assert hash(Cosine(5, 0.1)) == hash(Cosine(5, 0.1))


def test_the_value_is_the_sympy_definition():
    """One definition: the number is COSINE evaluated exactly (to double precision)."""
    for total, eta_min, t in ((10, 0.1, 4), (7, 0.0, 7), (33, 0.25, 20)):
        exact = sym.COSINE.subs(
            {
                sym.T_cur: t - 1,
                sym.T_i: total,
                sym.eta_max: 1,
                sym.eta_min: sp.nsimplify(eta_min),
            }
        )
        assert Cosine(total, eta_min)(t) == pytest.approx(float(exact.evalf(30)), abs=1e-15)


def test_old_functional_api_still_works():
    assert constant_schedule(5) == 1.0
    old = cosine_schedule(20, eta_min=0.1)
    new = Cosine(20, 0.1)
    assert all(abs(old(t) - new(t)) <= 1e-15 for t in range(1, 21))
    # the closed form the old code typed in by hand
    assert old(5) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 4 / 20)), abs=1e-15)


def test_latex_is_typeset_from_the_sympy_object():
    cos_tex = Cosine(100, 0.1).latex()
    assert cos_tex.startswith(r"\eta_t = \eta_{min} + ")
    assert r"\cos{\left(\frac{\pi T_{cur}}{100} \right)}" in cos_tex
    assert r"\eta_{min} = \frac{1}{10}" in cos_tex
    assert r"T_{cur} = t - 1" in cos_tex
    warm = WarmRestarts(10, 2).latex()
    assert r"\frac{\pi T_{cur}}{T_{i}}" in warm and r"T_i = 10 \cdot 2^i" in warm
    assert Constant().latex() == r"\eta_t = 1"


# --- the factory and argument checks -----------------------------------------------------------
def test_make_schedule_defaults():
    assert make_schedule("constant", 100) == Constant()
    assert make_schedule("cosine", 100) == Cosine(100, 0.0)
    assert make_schedule("cosine", 100, eta_min=0.1) == Cosine(100, 0.1)
    # three periods 1 + 2 + 4 = 7 units fill the run
    warm = make_schedule("warm-restarts", 700)
    assert warm == WarmRestarts(100, 2, 0.0)
    assert warm.restarts(700) == [101, 301]
    # 100 steps: T_0 = ceil(100/7) = 15, the third period is cut at 55 of 60 steps
    assert make_schedule("warm-restarts", 100) == WarmRestarts(15, 2)
    assert WarmRestarts(15, 2).restarts(100) == [16, 46]
    assert make_schedule("warm-restarts", 100, first_period=20, period_factor=1) == WarmRestarts(
        20, 1
    )
    assert default_first_period(130, period_factor=3) == 10  # 1 + 3 + 9 = 13
    assert default_first_period(3) == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: make_schedule("linear", 10), "unknown schedule 'linear'"),
        (lambda: make_schedule("cosine", 0), "steps must be an integer >= 1"),
        (lambda: Cosine(0), "total_steps must be an integer >= 1"),
        (lambda: Cosine(10.5), "total_steps must be an integer"),
        (lambda: Cosine(10, eta_min=1.5), r"eta_min must be a number in \[0, 1\]"),
        (lambda: Cosine(10, eta_min=-0.1), "eta_min must be"),
        (lambda: WarmRestarts(0), "first_period must be an integer >= 1"),
        (lambda: WarmRestarts(5, 0), "period_factor must be an integer >= 1"),
        (lambda: WarmRestarts(5, 1.5), "period_factor must be an integer"),
        (lambda: WarmRestarts(5, True), "period_factor must be an integer"),
        (lambda: Cosine(10)(0), "steps are counted from t = 1"),
        (lambda: WarmRestarts(3)(0), "steps are counted from t = 1"),
        (lambda: Cosine(10).multipliers(-1), "steps must be an integer >= 0"),
    ],
)
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- the claims: verdicts, closed forms, torch numbers ------------------------------------------
EXPECTED = {
    "schedule-decay-stays-decoupled": "proved",
    "schedule-torch-scheduler-scales-decay": "proved",
    "schedule-cosine-endpoints": "proved",
    "schedule-cosine-symmetry": "proved",
    "schedule-cosine-partial-sums": "proved",
    "schedule-cosine-period-sum": "proved",
    "schedule-warm-restart-positions": "proved",
    "schedule-warm-restarts-last-step": "proved",
    "schedule-torch-cosine-annealing-lr": "proved",
    "schedule-torch-cosine-annealing-lr-second-branch": "proved",
    "schedule-torch-cosine-annealing-lr-restarts": "refuted",
    "normalized-decay-first-order-total": "proved",
    "normalized-decay-budget-invariant": "refuted",
    "normalized-decay-second-order-invariant": "proved",
}


@pytest.mark.parametrize("claim_id", list(EXPECTED))
def test_verdicts(claim_id):
    claim = get_claim(claim_id)
    assert claim.question == "schedules"
    assert claim.source.startswith(
        ("Loshchilov & Hutter 2019, Sec. 3", "Loshchilov & Hutter 2019, App. B")
    )
    assert claim.verdict.kind == EXPECTED[claim_id] == claim.expect, claim.verdict.reason


def test_the_modules_list_every_claim_once():
    modules = (sym, sched_decay, sched_norm, sched_torch)
    assert sorted(c.id for m in modules for c in m.CLAIMS) == sorted(EXPECTED)


def test_period_sum_and_last_step_closed_forms_against_the_objects():
    for period, eta_min in ((10, 0.1), (7, 0.0), (64, 0.3)):
        m = Cosine(period, eta_min).multipliers(period)
        assert math.fsum(m) == pytest.approx(
            period * (1 + eta_min) / 2 + (1 - eta_min) / 2, abs=1e-12
        )
        assert m[-1] == pytest.approx(
            eta_min + (1 - eta_min) * (1 - math.cos(math.pi / period)) / 2, abs=1e-15
        )
        assert m[-1] > eta_min
    # sum_{k=0}^{T-1} cos(pi k / T) = 1 exactly for small T (SymPy, exact arithmetic)
    k = sp.Symbol("k", integer=True)
    for period in (1, 2, 3, 4, 6):
        total = sp.Sum(sp.cos(sp.pi * k / period), (k, 0, period - 1)).doit()
        assert sp.nsimplify(sp.simplify(total)) == 1


def test_refuted_counterexamples_are_the_stated_numbers():
    restart = get_claim("schedule-torch-cosine-annealing-lr-restarts")
    assert restart.verdict.counterexample == {
        sym.T_i: 3,
        sched_torch.alpha: 1,
        sched_torch.lr_min: 0,
    }
    budget = get_claim("normalized-decay-budget-invariant")
    totals = [
        sched_norm.run_total(b, e).subs(budget.proof.argument.values)
        for b, e in (
            (sym.batch, sym.epochs),
            (sched_norm.batch_2, sched_norm.epochs_2),
        )
    ]
    assert totals == [2, 1]


def test_confirmation_numbers():
    scales = confirm(get_claim("schedule-torch-scheduler-scales-decay"))
    assert scales.holds and scales.value <= 1e-12
    assert all(row[r"control: weight_decay $= \lambda$"] > 1e-4 for row in scales.records())

    torch_cos = confirm(get_claim("schedule-torch-cosine-annealing-lr"))
    assert torch_cos.holds and torch_cos.value <= 1e-12

    restart = confirm(get_claim("schedule-torch-cosine-annealing-lr-restarts"))
    assert restart.relation == ">" and restart.holds
    assert restart.extra["gap"] == pytest.approx(-0.5, abs=1e-12)
    rows = restart.records()
    assert rows[4]["CosineAnnealingLR"] == pytest.approx(0.25, abs=1e-12)
    assert rows[4]["CosineAnnealingWarmRestarts (SGDR)"] == pytest.approx(0.75, abs=1e-12)

    budget = confirm(get_claim("normalized-decay-budget-invariant"))
    assert budget.holds and budget.extra["gap"] == pytest.approx(1.0, abs=2e-3)

    first = confirm(get_claim("normalized-decay-first-order-total"))
    assert first.holds and first.extra["exact product deviation"] <= 1e-12
    shrinks = [row[r"$-\ln$ shrink (torch)"] for row in first.records()]
    assert shrinks[1] / shrinks[0] == pytest.approx(2.0, rel=0.03)  # 4x the budget, ~2x decay

    second = confirm(get_claim("normalized-decay-second-order-invariant"))
    assert second.holds
    rests = [row[r"$-\ln$ shrink $-$ first order (torch)"] for row in second.records()]
    # eta^2 lambda_norm^2 / 2 = 0.125, plus eta^3 lambda_norm^3 / (3 sqrt N) + 0.5^4 / (4 N) + ...
    assert max(rests) - min(rests) < 5e-3
    for row, rest in zip(second.records(), rests, strict=True):
        n = row[r"$N = BT/b$"]
        assert rest == pytest.approx(
            0.125 + 0.125 / (3 * math.sqrt(n)) + 0.0625 / (4 * n), abs=2e-5
        )

    positions = confirm(get_claim("schedule-warm-restart-positions"))
    assert positions.value == 0.0 and positions.holds

    last = confirm(get_claim("schedule-warm-restarts-last-step"))
    assert last.holds and last.extra["lowest multiplier"] > 0.1
