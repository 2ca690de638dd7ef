"""Lecture 002's AMSGrad slides: the running maximum, the per-period drifts in the beta = 0 limit
(proved), and Reddi's setting (torch evidence only)."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from wdproof.derivations import kernel
from wdproof.derivations import lecture_amsgrad as ams
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.kernel import Chain, Link, Proof, Statement
from wdproof.derivations.optimizer_conventions import v_t
from wdproof.numerics.confirmation import run_isolated
from wdproof.numerics.confirmations import lecture_amsgrad as numeric

EXPECTED = {
    "lecture-amsgrad-max-nondecreasing": "proved",
    "lecture-amsgrad-step-size-nonincreasing": "proved",
    "lecture-adam-drift-per-period": "proved",
    "lecture-amsgrad-drift-per-period": "proved",
    "lecture-amsgrad-drift-toward-optimum": "proved",
    "lecture-adam-amsgrad-torch-evidence": "unproved",
}


@pytest.mark.parametrize("claim", ams.CLAIMS, ids=lambda c: c.id)
def test_verdicts(claim):
    assert claim.question == "lecture-notes" and claim.id.startswith("lecture-")
    assert claim.verdict.kind == claim.expect == EXPECTED[claim.id], claim.verdict.reason


# --- the running maximum ----------------------------------------------------------------------
def test_a_certificate_with_the_wrong_max_is_refused():
    """max(a, b) - a is max(0, b - a), not max(0, a - b): the kernel checks the identity."""
    wrong = Proof(
        Chain(
            ams.vhat_prev,
            (
                Link(
                    sp.Max(ams.vhat_prev, v_t),
                    "wrong certificate",
                    relation="<=",
                    certificate=((sp.S.One, sp.Max(0, ams.vhat_prev - v_t)),),
                ),
            ),
        )
    )
    assert kernel.judge(ams.MAX_NONDECREASING.statement, wrong).kind == "unproved"


def test_the_max_bound_does_not_hold_the_other_way():
    s = Statement.at_most(sp.Max(ams.vhat_prev, v_t), ams.vhat_prev)
    flipped = Proof(
        Chain(
            s.lhs,
            (
                Link(
                    s.rhs,
                    "reversed",
                    relation="<=",
                    certificate=((sp.S.One, sp.Max(0, v_t - ams.vhat_prev)),),
                ),
            ),
        ),
    )
    assert kernel.judge(s, flipped).kind == "unproved"


# --- the drift in the beta = 0 limit ----------------------------------------------------------
def test_the_amsgrad_drift_needs_c_above_one():
    """Without C = kappa + 2 SymPy cannot settle max(C^2, 1): the proof must not go through."""
    s = ams.AMSGRAD_DRIFT.statement
    loose = Statement.forall(s.lhs, s.rhs, definitions=s.definitions)
    assert kernel.judge(loose, ams.AMSGRAD_DRIFT.proof).kind == "unproved"


@pytest.mark.parametrize("c", [sp.Rational(5, 2), sp.Integer(3), sp.Integer(10), sp.Integer(1000)])
def test_drift_closed_forms(c):
    assert ams.ADAM_DRIFT.statement.rhs == gamma
    drift = ams.AMSGRAD_DRIFT.statement.rhs.subs(ams.C, c)
    assert bool(drift < 0) and bool(drift > -gamma)
    assert sp.simplify(drift + gamma * (c - 2) / c) == 0
    assert sp.limit(ams.AMSGRAD_DRIFT.statement.rhs, ams.C, sp.oo) == -gamma


@pytest.mark.parametrize(
    "claim, wrong",
    [(ams.ADAM_DRIFT, -gamma), (ams.ADAM_DRIFT, 3 * gamma), (ams.AMSGRAD_DRIFT, -gamma)],
    ids=["adam-toward-optimum", "adam-three-steps-of-gamma", "amsgrad-full-step"],
)
def test_wrong_drifts_are_rejected(claim, wrong):
    s = claim.statement.mutated(rhs=wrong)
    chain = claim.proof.argument
    wrong_chain = Chain(chain.start, (*chain.links[:-1], Link(wrong, "wrong")))
    assert kernel.judge(s, dataclasses.replace(claim.proof, argument=wrong_chain)).kind == (
        "unproved"
    )


def test_amsgrad_does_not_move_down_by_a_full_gamma():
    s = ams.DRIFT_TOWARD_OPTIMUM.statement.mutated(rhs=ams.x_start - gamma)
    assert kernel.judge(s, ams.DRIFT_TOWARD_OPTIMUM.proof).kind == "unproved"


def test_evidence_is_labelled_and_never_proved():
    verdict = ams.TORCH_EVIDENCE.verdict
    assert verdict.form == "numerical evidence only" and not verdict.steps
    assert "numerical evidence only" in verdict.reason
    inst = ams.TORCH_EVIDENCE.instance
    assert inst.beta2 == pytest.approx(1 / (1 + inst.spike**2)) and inst.beta1 == 0


# --- torch ------------------------------------------------------------------------------------
def test_torch_running_maximum_never_falls_and_moves():
    c = run_isolated(numeric.max_nondecreasing)
    assert c.holds and c.extra["decrease"] <= 0.0 and c.extra["miss_max"] == 0.0
    assert c.extra["grew"] > 50  # the stream makes the maximum move, so the check has teeth


def test_torch_step_size_lecture_vs_torch():
    c = run_isolated(numeric.step_size_nonincreasing)
    assert c.holds and c.value == 0.0
    assert c.extra["torch_grew"] > 0 and c.extra["torch_ratio"] > 1.01


@pytest.mark.parametrize(
    "fn, amsgrad", [(numeric.adam_drift, False), (numeric.amsgrad_drift, True)]
)
def test_torch_drift_per_period(fn, amsgrad):
    c = run_isolated(fn)
    assert c.holds and c.value < 1e-12
    for record in c.records():
        spike = record["$C$"]
        expected = -numeric.DRIFT_LR * (spike - 2) / spike if amsgrad else numeric.DRIFT_LR
        assert record["drift, period 1"] == pytest.approx(expected, abs=1e-15)
        assert record["claim"] == pytest.approx(expected, abs=1e-15)


def test_torch_amsgrad_drift_is_negative():
    c = run_isolated(numeric.amsgrad_drift_sign)
    assert c.holds and c.value == pytest.approx(-numeric.DRIFT_LR * 0.5 / 2.5, abs=1e-15)


def test_torch_reddi_setting_separates_adam_from_amsgrad():
    c = run_isolated(numeric.reddi_setting)
    assert c.holds and c.relation == ">"
    spike = ams.TORCH_EVIDENCE.instance.spike
    assert c.extra["x_adam"] == 1.0 and c.extra["x_amsgrad"] < -0.95
    assert c.extra["regret_adam"] == pytest.approx(2 * (spike - 2) / 3, abs=0.02)
    assert c.extra["regret_amsgrad"] < 0.05
