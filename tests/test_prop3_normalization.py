"""Prop. 3's constant: the main text's normalization is refuted by an exact counterexample that
torch re-runs; the appendix's normalization is the exact solution set; wrong variants fail."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from wdproof.derivations import kernel
from wdproof.derivations import prop3_normalization as p3
from wdproof.derivations.kernel import Chain, Counterexample, Link, Proof, Statement
from wdproof.derivations.notation import alpha, decay_rate, l2_coefficient
from wdproof.numerics.confirmations import prop3_normalization as numeric

PRINTED = p3.PROP3_AS_PRINTED
CORRECTED = p3.PROP3_CORRECTED


# --- prop3-printed-normalization --------------------------------------------------------------
def test_printed_statement_is_the_main_text_and_is_called_a_misprint():
    s = PRINTED.statement
    assert s.kind == "forall" and s.hypotheses == (sp.Eq(l2_coefficient, decay_rate / alpha),)
    regularizer = next(iter(s.lhs.atoms(sp.Derivative)))
    assert kernel.equal(regularizer.expr, l2_coefficient / (2 * alpha) * p3.s_j * p3.theta_j**2)
    for text in (PRINTED.source, PRINTED.statement_text, PRINTED.explanation):
        assert "misprint" in text and "appendix" in text


def test_counterexample_is_exact_with_the_exact_gap():
    verdict = PRINTED.verdict
    values = verdict.counterexample
    assert values[alpha] == sp.Rational(1, 20) and values[decay_rate] == sp.Rational(1, 100)
    assert all(isinstance(v, sp.Rational) for v in values.values())
    gap = [s for s in verdict.steps if "exact nonzero amount" in s.text]
    assert gap and gap[0].ok and r"- \frac{19}{100}" in gap[0].latex


@pytest.mark.parametrize(
    "values, gap",
    [
        ({**p3.PRINTED_COUNTEREXAMPLE, alpha: sp.Integer(1)}, sp.Integer(0)),  # holds at alpha = 1
        (p3.PRINTED_COUNTEREXAMPLE, sp.Rational(19, 100)),  # sign flipped
        (p3.PRINTED_COUNTEREXAMPLE, sp.Rational(-1, 100)),  # decay 1/100 mistaken for the gap
        ({k: v for k, v in p3.PRINTED_COUNTEREXAMPLE.items() if k != p3.theta_j}, p3.PRINTED_GAP),
    ],
    ids=["alpha-one", "sign", "wrong-gap", "theta-left-free"],
)
def test_wrong_counterexamples_are_rejected(values, gap):
    proof = dataclasses.replace(PRINTED.proof, argument=Counterexample(values, gap))
    assert kernel.judge(PRINTED.statement, proof).kind == "unproved"


def test_printed_constant_is_decay_lambda_over_alpha_and_cannot_be_proved_lambda():
    lemma = PRINTED.proof.lemmas[0]
    assert kernel.equal(lemma.rhs, p3.decay_step(decay_rate / alpha))
    # A chain claiming the printed step is decay lambda is rejected link by link.
    s = PRINTED.statement
    wrong = Proof(Chain(s.lhs, (Link(s.rhs, "as printed"),)), per_coordinate=True)
    assert kernel.judge(s, wrong).kind == "unproved"


def test_the_appendix_normalization_is_consistent():
    # The appendix: lambda'/2 ||theta . sqrt(s)||^2 with lambda' = lambda/alpha is decay lambda.
    appendix = Statement.forall(
        p3.scale_adjusted_step(l2_coefficient / 2),
        p3.decay_step(decay_rate),
        hypotheses=(sp.Eq(l2_coefficient, decay_rate / alpha),),
    )
    proof = Proof(Chain(appendix.lhs, (Link(appendix.rhs, "diag(s)^-1 cancels s_j"),)))
    assert kernel.judge(appendix, proof).kind == "proved"
    # ... and it is the corrected claim's solution, c = lambda'/2 at lambda' = lambda/alpha.
    (point,) = CORRECTED.statement.solutions.args
    assert kernel.equal(point, l2_coefficient / 2, [(l2_coefficient, decay_rate / alpha)])


# --- prop3-scale-adjusted-l2-normalization ----------------------------------------------------
@pytest.mark.parametrize(
    "solutions",
    [
        sp.FiniteSet(decay_rate / alpha),  # no 1/2
        sp.FiniteSet(decay_rate / (2 * alpha**2)),  # the main text's two factors 1/alpha
        sp.FiniteSet(decay_rate / 2),  # no 1/alpha
        sp.FiniteSet(decay_rate / (2 * alpha), decay_rate / alpha),  # an extra point
    ],
    ids=str,
)
def test_wrong_solution_sets_are_rejected(solutions):
    wrong = CORRECTED.statement.mutated(solutions=solutions)
    assert kernel.judge(wrong, CORRECTED.proof).kind == "unproved"


def test_the_condition_is_derived_from_the_statement():
    # Stating the main text's condition c = lambda/(2 alpha^2) instead is rejected.
    necessary = CORRECTED.proof.argument.necessary
    wrong = dataclasses.replace(
        necessary, equations=(p3.s_j * (decay_rate - 2 * alpha**2 * p3.const),)
    )
    argument = dataclasses.replace(CORRECTED.proof.argument, necessary=wrong)
    proof = dataclasses.replace(CORRECTED.proof, argument=argument)
    assert kernel.judge(CORRECTED.statement, proof).kind == "unproved"


# --- torch ------------------------------------------------------------------------------------
def test_counterexample_values_come_from_the_kernel():
    ce = numeric.printed_counterexample()
    values = PRINTED.verdict.counterexample
    assert ce.alpha == float(values[alpha]) and ce.decay_rate == float(values[decay_rate])
    assert (ce.theta_j, ce.g_j, ce.s_j) == (1.0, 0.0, 4.0)
    assert ce.constant == pytest.approx(2.0, abs=0)  # lambda'/(2 alpha), lambda' = 1/5
    assert ce.gap == -0.19


def test_counterexample_rechecked_with_torch():
    ce = numeric.printed_counterexample()
    assert numeric.counterexample_gap(ce) == pytest.approx(ce.gap, abs=1e-12)
    # the corrected constant lambda/(2 alpha) leaves no gap at the same values
    corrected = dataclasses.replace(ce, constant=ce.decay_rate / (2 * ce.alpha))
    assert numeric.counterexample_gap(corrected) == pytest.approx(0.0, abs=1e-15)
    c = numeric.printed_constant_decays_by_lambda_over_alpha()
    assert c.holds, c.note
    runs = numeric.printed_constant_runs()
    low, high = runs.decay_range
    assert low == pytest.approx(ce.decay_rate / ce.alpha, abs=1e-12)  # decay 1/5 per step
    assert high == pytest.approx(ce.decay_rate / ce.alpha, abs=1e-12)
    assert runs.deviation_from_decay_rate > numeric.SEPARATION
    assert runs.deviation_from_decay_rate_over_alpha <= 1e-12  # it is decay lambda/alpha


def test_confirmation_detects_a_wrong_gap(monkeypatch):
    ce = numeric.printed_counterexample()
    flipped = dataclasses.replace(ce, gap=-ce.gap)
    monkeypatch.setattr(numeric, "printed_counterexample", lambda: flipped)
    assert not numeric.printed_constant_decays_by_lambda_over_alpha().holds


def test_measured_decay_tracks_the_constant():
    # c = lambda/(2 alpha) must measure as decay lambda; a doubled constant as 2 lambda.
    rate, lr = numeric.DECAY_RATE, numeric.LR
    low, high = numeric.measured_decay(lr, rate / (2 * lr))
    assert low == pytest.approx(rate, abs=1e-12)
    assert high == pytest.approx(rate, abs=1e-12)
    low, _ = numeric.measured_decay(lr, rate / lr)
    assert low == pytest.approx(2 * rate, abs=1e-12)


def test_only_the_corrected_constants_match_decay():
    c = numeric.corrected_constant_matches_decay()
    assert c.holds
    runs = numeric.reading_runs()
    assert sum(run.reading.corrected for run in runs) == 3 and len(runs) == 5
    for run in runs:
        if run.reading.corrected:
            assert run.deviation <= 1e-12, run.reading.name
            assert run.constant == pytest.approx(numeric.DECAY_RATE / (2 * numeric.LR))
        else:
            assert run.deviation > numeric.SEPARATION, run.reading.name
