"""Prop. 3's constant: the printed normalization is refuted by a counterexample that torch
re-runs; the corrected one holds; wrong constants and wrong decays are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from wdproof.derivations import prop3_normalization as p3
from wdproof.derivations.claim import Identity, Solution
from wdproof.derivations.notation import alpha, lam, lam_l2
from wdproof.derivations.registry import get_claim
from wdproof.numerics.confirmation import confirm
from wdproof.numerics.confirmations import prop3_normalization as numeric


def _is_identity(relation: sp.Eq) -> bool:
    return Identity("statement", relation.lhs, relation.rhs).verify()


def test_printed_statement_is_false_and_corrected_statement_holds():
    assert not _is_identity(p3.PROP3_AS_PRINTED.statement)
    assert _is_identity(p3.PROP3_CORRECTED.statement)


@pytest.mark.parametrize(
    "constant, substitution",
    [
        (p3.lam_prime_over_2alpha, p3.LAMBDA_PRIME_IS_LAMBDA_OVER_ALPHA),  # as printed
        (lam_l2 / alpha, p3.LAMBDA_PRIME_IS_LAMBDA),  # no 1/2
        (lam_l2 / 2, p3.LAMBDA_PRIME_IS_LAMBDA),  # no 1/alpha
    ],
)
def test_wrong_constants_are_not_decay_lambda(constant, substitution):
    step = p3.scale_adjusted_step(constant)
    assert not Identity("wrong", step, p3.decay_step(lam), given=substitution).verify()


def test_decay_of_the_printed_constant_is_not_lambda_at_the_counterexample():
    wrong = Identity(
        "decay 1/100",
        p3.scale_adjusted_step(sp.Integer(2)),
        p3.decay_step(sp.Rational(1, 100)),
        given={alpha: sp.Rational(1, 20)},
    )
    assert not wrong.verify()


@pytest.mark.parametrize("root", [sp.Integer(2), sp.Rational(1, 2)])
def test_the_decays_agree_only_at_alpha_one(root):
    step = next(s for s in p3.PROP3_AS_PRINTED.steps if isinstance(s, Solution))
    wrong = Solution("wrong", step.equation, step.unknown, sp.FiniteSet(root), step.domain)
    assert not wrong.verify()


def test_counterexample_values_follow_from_alpha_and_lambda():
    ce = get_claim("prop3-printed-normalization").verdict.counterexample
    lam_prime = ce["lambda"] / ce["alpha"]
    assert ce["lambda_prime"] == pytest.approx(lam_prime, rel=1e-12)
    assert ce["regularizer_constant"] == pytest.approx(lam_prime / (2 * ce["alpha"]), rel=1e-12)
    assert ce["decay_per_step"] == pytest.approx(ce["lambda"] / ce["alpha"], rel=1e-12)
    assert ce["decay_per_step"] != pytest.approx(ce["lambda"], rel=1e-3)


def test_counterexample_rechecked_with_torch():
    ce = get_claim("prop3-printed-normalization").verdict.counterexample
    c = confirm(get_claim("prop3-printed-normalization"))
    assert c.relation == ">" and c.holds
    low, high = c.extra["decay_range"]
    assert low == pytest.approx(ce["decay_per_step"], abs=1e-12)
    assert high == pytest.approx(ce["decay_per_step"], abs=1e-12)
    assert abs(low - ce["lambda"]) > 0.1  # 0.2 per step, not 0.01
    assert c.extra["deviation_from_lambda_over_alpha"] <= 1e-12  # it is decay lambda/alpha


def test_measured_decay_tracks_the_constant():
    # c = lambda/(2 alpha) must measure as decay lambda; a doubled constant as 2 lambda.
    low, high = numeric.measured_decay(numeric.LR, numeric.DECAY / (2 * numeric.LR))
    assert low == pytest.approx(numeric.DECAY, abs=1e-12) and high == pytest.approx(
        numeric.DECAY, abs=1e-12
    )
    low, _ = numeric.measured_decay(numeric.LR, numeric.DECAY / numeric.LR)
    assert low == pytest.approx(2 * numeric.DECAY, abs=1e-12)


def test_only_the_corrected_constants_match_decay():
    c = confirm(get_claim("prop3-scale-adjusted-l2-normalization"))
    by_name = {row[0]: row[-1] for row in c.rows}
    assert set(numeric.CORRECTED) < set(by_name)
    for name, deviation in by_name.items():
        if name in numeric.CORRECTED:
            assert deviation <= 1e-12, name
        else:
            assert deviation > 1e-3, name
