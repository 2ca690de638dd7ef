"""Lecture 002's proximal view of AdamW: refuted as printed (both readings of the norm), the
printed objective's true minimiser, and the corrected objective (proved, matched by torch)."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from wdproof.derivations import kernel
from wdproof.derivations import lecture_proximal as prox
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.kernel import Counterexample, Proof
from wdproof.derivations.notation import decay_rate
from wdproof.numerics.confirmation import run_isolated
from wdproof.numerics.confirmations import lecture_proximal as numeric

EXPECTED = {
    "lecture-adamw-proximal-as-printed": "refuted",
    "lecture-adamw-proximal-literal-norm": "refuted",
    "lecture-adamw-proximal-printed-minimiser": "proved",
    "lecture-adamw-proximal-corrected": "proved",
}


@pytest.mark.parametrize("claim", prox.CLAIMS, ids=lambda c: c.id)
def test_verdicts(claim):
    assert claim.question == "lecture-notes" and claim.id.startswith("lecture-")
    assert claim.verdict.kind == claim.expect == EXPECTED[claim.id], claim.verdict.reason


def test_counterexamples_are_exact_rationals():
    for claim, theta, gap in (
        (prox.AS_PRINTED, sp.Rational(9, 10), sp.Rational(1, 40)),
        (prox.LITERAL_NORM, sp.Rational(1, 2), sp.Rational(591, 8000)),
    ):
        values = claim.verdict.counterexample
        assert values[prox.theta] == theta and all(
            isinstance(v, sp.Rational) for v in values.values()
        )
        assert claim.proof.argument.gap == gap
    # the printed one compares with the plain step
    values = prox.AS_PRINTED.verdict.counterexample
    assert prox.plain_step.subs(values) == values[prox.theta]
    assert prox.adamw_step.subs(values) == sp.Rational(4, 5)


def test_the_printed_objective_misses_by_the_decay_squared():
    """J(AdamW step) - J(plain step) = gamma lambda^2 theta_t^2/(2 d): zero only without decay."""
    gap = prox.printed_objective(prox.adamw_step) - prox.printed_objective(prox.plain_step)
    assert sp.simplify(gap - gamma * decay_rate**2 * prox.theta_t**2 / (2 * prox.d)) == 0


@pytest.mark.parametrize(
    "change",
    [{decay_rate: sp.Integer(0)}, {prox.theta_t: sp.Integer(0)}, {prox.theta: sp.Rational(4, 5)}],
    ids=["no-decay", "theta-zero", "theta-at-adamw-step"],
)
def test_counterexamples_where_the_statement_holds_are_rejected(change):
    argument = prox.AS_PRINTED.proof.argument
    moved = Counterexample({**argument.values, **change}, argument.gap)
    proof = dataclasses.replace(prox.AS_PRINTED.proof, argument=moved)
    assert kernel.judge(prox.AS_PRINTED.statement, proof).kind == "unproved"


def test_the_minimality_chain_does_not_prove_the_printed_claim():
    chain = prox.minimality_chain(prox.printed_objective, prox.adamw_step, "as printed")
    proof = Proof(chain, per_coordinate=True)
    assert kernel.judge(prox.AS_PRINTED.statement, proof).kind == "unproved"


def test_first_order_conditions():
    """Printed: stationary at the plain step; corrected: at the AdamW step; literal: a cube."""
    for objective, point in (
        (prox.printed_objective, prox.plain_step),
        (prox.corrected_objective, prox.adamw_step),
    ):
        (root,) = sp.solve(sp.diff(objective(prox.theta), prox.theta), prox.theta)
        assert sp.simplify(root - point) == 0
    step = sp.Symbol("delta", real=True)
    slope = sp.diff(prox.literal_objective(prox.theta_t + step), step)
    assert sp.simplify(slope - (prox.m_hat + 2 * step**3 / (gamma * prox.d**2))) == 0


def test_the_corrected_decay_is_the_linearised_penalty():
    """d/dtheta of (lambda/2) theta^2/d at theta_t is lambda theta_t/d, the added slope."""
    penalty = decay_rate / 2 * prox.theta**2 / prox.d
    slope = sp.diff(penalty, prox.theta).subs(prox.theta, prox.theta_t)
    added = prox.corrected_objective(prox.theta) - (
        prox.printed_objective(prox.theta) + gamma * decay_rate * prox.theta_t
    )
    assert sp.simplify(added - slope * (prox.theta - prox.theta_t)) == 0


# --- torch ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn, exact", [(numeric.as_printed, 1 / 40), (numeric.literal_norm, 591 / 8000)]
)
def test_torch_reruns_the_counterexamples(fn, exact):
    c = run_isolated(fn)
    assert c.holds and c.relation == ">" and c.value == pytest.approx(exact, abs=1e-12)


def test_torch_general_setting_prefers_the_plain_step():
    c = run_isolated(numeric.as_printed)
    assert c.extra["general_min_gap"] > 0 and c.extra["general_miss"] < 1e-12


@pytest.mark.parametrize("fn", [numeric.printed_minimiser, numeric.corrected])
def test_torch_steps_are_the_minimisers(fn):
    c = run_isolated(fn)
    assert c.holds and c.extra["miss"] < 1e-12 and c.extra["grid"] < 1e-12


def test_torch_adamw_step_is_not_the_printed_minimiser():
    step = numeric.general_step()
    assert float((step.adamw - step.plain).abs().min()) > 1e-6
    assert step.d.min() > 0 and step.weight_decay > 0
