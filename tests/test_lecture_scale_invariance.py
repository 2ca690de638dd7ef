"""Lecture 002's scale invariance: the kernel accepts the exact statements, refuses the wrong
eps scalings and a wrong deviation, and torch.optim.Adam agrees."""

from __future__ import annotations

import dataclasses
import random

import pytest
import sympy as sp

from wdproof.derivations import lecture_scale_invariance as scale
from wdproof.derivations.kernel import Chain, judge
from wdproof.derivations.optimizer_conventions import m_hat, v_hat
from wdproof.numerics.confirmation import confirm

c, eps = scale.c, scale.eps


def test_every_claim_is_proved_per_coordinate():
    for claim in scale.CLAIMS:
        assert claim.id.startswith("lecture-") and claim.question == "lecture-notes"
        assert claim.verdict.kind == claim.expect == "proved", claim.verdict.reason
        assert claim.verdict.form == "equational chain, per coordinate"
        assert claim.proof.lemmas == scale.LEMMAS


@pytest.mark.parametrize(
    "claim, wrong_eps",
    [
        (scale.SCALED_EPS, c**2 * eps),  # outside the root eps scales by |c|, not c^2
        (scale.SCALED_EPS, eps),  # not scaled at all
        (scale.INSIDE_ROOT, sp.Abs(c) * eps),  # inside the root it scales by c^2
    ],
)
def test_the_wrong_eps_scaling_is_not_proved(claim, wrong_eps):
    """The claim's own steps, aimed at the wrong statement: a link fails, not just the ends."""
    step = scale.torch_step if claim is scale.SCALED_EPS else scale.slide_step
    wrong_lhs = step(scale.m_hat_scaled, scale.v_hat_scaled, wrong_eps)
    links = claim.proof.argument.links
    first = dataclasses.replace(links[0], expr=step(c * m_hat, c**2 * v_hat, wrong_eps))
    proof = dataclasses.replace(claim.proof, argument=Chain(wrong_lhs, (first, *links[1:])))
    verdict = judge(claim.statement.mutated(lhs=wrong_lhs), proof)
    assert verdict.kind == "unproved" and "step rejected" in verdict.reason


def test_a_wrong_lemma_is_rejected():
    lemma = dataclasses.replace(scale.FIRST_SCALES, rhs=c**2 * scale.first_moment(scale.g[scale.k]))
    proof = dataclasses.replace(scale.SCALED_EPS.proof, lemmas=(lemma, scale.SECOND_SCALES))
    assert judge(scale.SCALED_EPS.statement, proof).kind == "unproved"


def test_a_deviation_without_the_abs_is_rejected():
    claim = scale.DEVIATION
    wrong_rhs = eps * (c - 1) / (c * sp.sqrt(v_hat) + eps)
    links = claim.proof.argument.links
    last = dataclasses.replace(links[-1], expr=wrong_rhs)
    proof = dataclasses.replace(
        claim.proof, argument=Chain(claim.statement.lhs, (*links[:-1], last))
    )
    verdict = judge(claim.statement.mutated(rhs=wrong_rhs), proof)
    assert verdict.kind == "unproved" and "step rejected" in verdict.reason


def test_the_deviation_formula_at_random_points():
    """Independent of the kernel: the step ratio recomputed from its definition."""
    rng = random.Random(7)
    for _ in range(200):
        m, v, e = rng.uniform(-3, 3), rng.uniform(1e-6, 5), rng.uniform(0, 2)
        factor = rng.choice([-1, 1]) * 10 ** rng.uniform(-4, 4)
        sign = 1 if factor > 0 else -1
        scaled_step = factor * m / ((factor**2 * v) ** 0.5 + e)
        ratio = scaled_step / (sign * m / (v**0.5 + e)) - 1
        closed = float(scale.deviation_closed.subs({c: factor, eps: e, v_hat: v}))
        assert ratio == pytest.approx(closed, rel=1e-9, abs=1e-12)


def test_the_deviation_limits_in_the_explanation():
    closed = scale.deviation_closed
    # c -> 0: the step vanishes (deviation -1); |c| -> oo: eps/sqrt(vhat); |c| = 1: none.
    assert sp.limit(closed.subs(c, scale.k), scale.k, 0) == -1
    positive = sp.Symbol("C", positive=True)
    assert (
        sp.simplify(sp.limit(closed.subs(c, positive), positive, sp.oo) - eps / sp.sqrt(v_hat)) == 0
    )
    assert closed.subs(c, 1) == 0 and closed.subs(c, -1) == 0 and closed.subs(eps, 0) == 0
    assert "tends to $-1$" in scale.DEVIATION.explanation


def test_eps_zero_gives_the_slides_computation_exactly():
    claim = scale.SCALED_EPS
    lhs, rhs = (side.subs(eps, 0) for side in (claim.statement.lhs, claim.statement.rhs))
    at = {scale.m_hat_scaled: c * m_hat, scale.v_hat_scaled: c**2 * v_hat}
    assert sp.simplify(lhs.subs(at) - rhs) == 0


# --- torch ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("claim", scale.CLAIMS, ids=lambda c: c.id)
def test_the_torch_confirmation_holds(claim):
    result = confirm(claim)
    assert result.holds, (claim.id, result.value, result.tolerance)


def test_torch_runs_cover_negative_tiny_and_huge_factors():
    result = confirm(scale.SCALED_EPS)
    factors = [row["$c$"] for row in result.records()]
    assert min(factors) < 0 and 1e-3 in factors and 1e3 in factors and -1e3 in factors
    assert result.tolerance == 1e-12 and result.extra["moments"] <= 1e-12


def test_torch_shows_the_fixed_eps_deviation_and_the_lost_invariance():
    deviation = {row["$c$"]: row for row in confirm(scale.DEVIATION).records()}
    torch_deviation = "torch deviation, $t = 50$"
    assert deviation[-1.0][torch_deviation] == 0.0
    assert deviation[1e-3][torch_deviation] < -0.4  # eps comparable to |c| sqrt(vhat)
    assert 0 < deviation[1e3][torch_deviation] < 1e-2
    inside = {row["$c$"]: row for row in confirm(scale.INSIDE_ROOT).records()}
    assert inside[1e-3][r"with $\epsilon$ unscaled: change, $t = 50$"] < -0.9
    assert all(row["max relative miss"] <= 1e-12 for row in inside.values())
