"""Lecture 002/004 bias correction: the kernel's verdicts, the numbers the claims state, and
the torch runs that confirm them."""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction

import pytest
import sympy as sp

from wdproof.derivations import lecture_bias_correction as bias
from wdproof.derivations import lecture_missing_bias_correction as missing
from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations.kernel import Chain, Link, Proof, Statement, judge
from wdproof.derivations.notation import beta1, beta2, t
from wdproof.numerics.confirmation import confirm

EXPECTED = {
    "lecture-ema-weight-sum": "proved",
    "lecture-adam-first-moment-expectation": "conditional",
    "lecture-adam-first-moment-corrected-expectation": "conditional",
    "lecture-adam-second-moment-expectation": "conditional",
    "lecture-adam-second-moment-corrected-expectation": "conditional",
    "lecture-adam-uncorrected-step-ratio": "proved",
    "lecture-adam-uncorrected-ratio-limit": "proved",
    "lecture-adam-uncorrected-ratio-peak": "proved",
    "lecture-adam-uncorrected-ratio-above-one": "proved",
}
BY_ID = {claim.id: claim for claim in (*bias.CLAIMS, *missing.CLAIMS)}
# The defaults, retyped on purpose: the tests recompute r_t without the module's helpers.
B1, B2 = Fraction(9, 10), Fraction(999, 1000)


def r_squared(n: int) -> Fraction:
    return (1 - B1**n) ** 2 / (1 - B2**n)


def test_the_kernel_computes_each_expected_verdict():
    assert {c.id: c.verdict.kind for c in (*bias.CLAIMS, *missing.CLAIMS)} == EXPECTED
    for claim in (*bias.CLAIMS, *missing.CLAIMS):
        assert claim.id.startswith("lecture-") and claim.question == "lecture-notes"
        assert claim.verdict.kind == claim.expect, claim.verdict.reason


# --- The weights' sum and the expectations -----------------------------------------------------
def test_a_wrong_closed_form_of_the_weight_sum_is_rejected():
    """1 - beta^(t+1), with the proof's own steps re-aimed at it: the base case fails."""
    claim, beta = bias.WEIGHT_SUM, bias.beta
    wrong = claim.statement.mutated(rhs=1 - beta ** (t + 1))
    induction = claim.proof.argument
    base = Chain(induction.base.start, (Link(1 - beta**2, "wrong base"),))
    proof = Proof(dataclasses.replace(induction, base=base))
    verdict = judge(wrong, proof)
    assert verdict.kind == "unproved" and "step rejected" in verdict.reason


@pytest.mark.parametrize("claim", [bias.FIRST, bias.SECOND], ids=lambda c: c.id)
def test_the_expected_moment_is_conditional_on_stationarity_alone(claim):
    (assumption,) = claim.proof.assumptions
    assert claim.verdict.hypotheses == (assumption,)
    assert assumption.rhs in (bias.mu, bias.nu)
    assert r"\mathbb{E}[{g}_{t + 1}" in claim.hypotheses_latex()[0]
    # Without the assumption the stationarity link cites nothing the proof has: not proved.
    assert judge(claim.statement, dataclasses.replace(claim.proof, assumptions=())).kind == (
        "unproved"
    )


@pytest.mark.parametrize(
    "claim, rule",
    [(bias.FIRST, conventions.first_moment), (bias.SECOND, conventions.second_moment)],
)
def test_the_recurrence_is_the_update_rule_in_expectation(claim, rule):
    """The definition is Alg. 2 line 7 (8) with E applied to each term (linearity)."""
    recurrence = claim.statement.definitions[0]
    moment = recurrence.lhs.args[0].base
    plain = recurrence.rhs.replace(lambda e: isinstance(e, bias.Expectation), lambda e: e.args[0])
    update = rule.rhs.subs(
        {conventions.m_prev: moment[bias.t0], conventions.v_prev: moment[bias.t0]}
    ).subs(conventions.g_t, bias.g[bias.t0 + 1])
    assert sp.expand(plain - update) == 0


@pytest.mark.parametrize("claim", [bias.FIRST_HAT, bias.SECOND_HAT], ids=lambda c: c.id)
def test_the_corrected_expectation_rests_on_the_proved_closed_form(claim):
    raw = bias.FIRST if claim is bias.FIRST_HAT else bias.SECOND
    (closed,) = claim.statement.hypotheses
    assert closed.rhs == raw.statement.rhs.subs(bias.t0, t)
    assert claim.proof.assumptions == raw.proof.assumptions


# --- r_t: the identity, its limit, its peak, r_t >= 1 ------------------------------------------
def test_a_wrong_ratio_is_rejected():
    claim = missing.STEP_RATIO
    wrong_rhs = missing.correction1 / missing.correction2 * missing.corrected_step  # root forgotten
    first, _ = claim.proof.argument.links
    proof = Proof(Chain(claim.statement.lhs, (first, Link(wrong_rhs, "wrong"))))
    verdict = judge(claim.statement.mutated(rhs=wrong_rhs), proof)
    assert verdict.kind == "unproved" and "step rejected" in verdict.reason


def test_the_limit_form_is_r_t_and_a_wrong_limit_is_rejected():
    inner = missing.LIMIT.statement.lhs.args[0]
    kappa = math.log(0.9) / math.log(0.999)
    for n in (1, 12, 500):
        at_x = float(inner.subs({missing.x: 0.999**n, missing.kappa1: kappa, missing.kappa2: 1}))
        assert at_x == pytest.approx(math.sqrt(r_squared(n)), rel=1e-12)
    wrong = missing.LIMIT.statement.mutated(rhs=sp.Integer(2))
    chain = Chain(wrong.lhs, (Link(sp.Integer(2), "wrong"),))
    assert judge(wrong, Proof(chain)).kind == "unproved"


def test_the_peak_and_its_value_are_what_the_claims_say():
    early = [r_squared(n) for n in range(1, missing.TAIL_START)]
    peak = max(early)
    assert early.index(peak) + 1 == missing.PEAK_T == 12
    assert early.count(peak) == 1  # a strict maximum
    assert math.sqrt(peak) == pytest.approx(missing.PEAK, rel=1e-15)
    assert round(missing.PEAK, 4) == 6.5685
    assert math.sqrt(r_squared(13)) < missing.PEAK  # the brief's "near 13": 12, by 0.008
    # The kernel's tail starts where 1/(1 - beta_2^t) falls below r_peak^2, not before.
    assert 1 / (1 - B2**missing.TAIL_START) <= peak < 1 / (1 - B2 ** (missing.TAIL_START - 1))
    assert missing.TAIL_START == 24


def test_the_tail_bound_holds_exactly_well_past_its_start():
    peak = r_squared(missing.PEAK_T)
    assert all(r_squared(n) <= peak for n in range(missing.TAIL_START, 400))


def test_r_decreases_after_the_peak_over_the_checked_range():
    """Checked, not proved: exact rationals to t = 400, floats to t = 20000."""
    exact = [r_squared(n) for n in range(missing.PEAK_T, 400)]
    assert all(a > b for a, b in itertools.pairwise(exact))
    floats = [(1 - 0.9**n) / math.sqrt(1 - 0.999**n) for n in range(missing.PEAK_T, 20_000)]
    assert all(a > b for a, b in itertools.pairwise(floats))
    assert floats[-1] > 1


def test_r_is_above_one_below_the_kernels_start_and_the_start_is_least():
    assert all(r_squared(n) > 1 for n in range(1, missing.ABOVE_ONE_START))
    assert missing.ABOVE_ONE_START == 7
    assert (B2 / B1) ** 7 >= 2 > (B2 / B1) ** 6
    # The same certificate from t = 6 on has a negative fact: the kernel refuses it.
    s, i = missing.s, bias.i
    growth = B2 / B1
    start = 6
    above = start + s
    statement = Statement.at_most(
        1 - beta2**above, (1 - beta1**above) ** 2, hypotheses=missing.DEFAULTS
    )
    certificate = (
        (sp.S.One, beta1 ** (2 * above)),
        (
            sp.Rational(9, 10) ** above * sp.Rational(growth**start * (growth - 1)),
            sp.Sum(sp.Rational(growth) ** i, (i, 0, s - 1)),
        ),
        (beta1**above, sp.Rational(growth**start - 2)),
    )
    link = Link((1 - beta1**above) ** 2, "from t = 6", relation="<=", certificate=certificate)
    assert judge(statement, Proof(Chain(1 - beta2**above, (link,)))).kind == "unproved"


def test_the_explanations_carry_the_computed_numbers():
    peak = BY_ID["lecture-adam-uncorrected-ratio-peak"]
    assert f"r_{{12}} = {missing.PEAK:.4f}" in peak.explanation
    assert f"t \\ge {missing.TAIL_START}" in peak.explanation
    assert "6.57" in BY_ID["lecture-adam-uncorrected-ratio-above-one"].explanation
    assert "r_{4000} = 1.0093" in missing.LIMIT.explanation
    assert missing.RATIO_AT[1] == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-15)


# --- torch ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("claim", (*bias.CLAIMS, *missing.CLAIMS), ids=lambda c: c.id)
def test_the_torch_confirmation_holds(claim):
    result = confirm(claim)
    assert result.holds, (claim.id, result.value, result.tolerance)


@pytest.mark.parametrize(
    "claim", [bias.FIRST, bias.FIRST_HAT, bias.SECOND, bias.SECOND_HAT], ids=lambda c: c.id
)
def test_the_stationary_stream_agrees_within_five_standard_errors(claim):
    result = confirm(claim)
    assert result.tolerance == 5.0 and result.value < 5.0
    assert result.extra["constant_deviation"] <= 1e-12
    for row in result.records():
        assert abs(row["random: mean"] - row["random: claim"]) <= 5 * row["standard error"]


def test_torch_shows_the_peak_and_never_a_smaller_uncorrected_step():
    peak = confirm(missing.PEAK_CLAIM)
    assert peak.extra["peak_t"] == 12
    assert peak.extra["peak"] == pytest.approx(6.568520252469, rel=1e-12)
    above = confirm(missing.ABOVE_ONE)
    assert above.extra["smallest"] > 1
    ratio = confirm(missing.STEP_RATIO)
    assert ratio.value <= 1e-12
    assert confirm(missing.LIMIT).extra["last"] == pytest.approx(math.sqrt(r_squared(1000)))
