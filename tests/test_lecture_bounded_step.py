"""Lecture 002's bounded step (property III): refuted exactly, corrected, and re-run in torch."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from wdproof.derivations import kernel as k
from wdproof.derivations import lecture_bounded_step as bounded
from wdproof.derivations.notation import beta1, beta2, t
from wdproof.numerics.confirmation import confirm

DEFAULTS = {beta1: sp.Rational(9, 10), beta2: sp.Rational(999, 1000)}


@pytest.mark.parametrize(
    "claim, verdict",
    [
        (bounded.AS_STATED, "refuted"),
        (bounded.TIGHT_BOUND, "proved"),
        (bounded.ATTAINED, "proved"),
        (bounded.WEIGHT_SUM, "proved"),
        (bounded.EXCESS, "proved"),
    ],
    ids=lambda c: getattr(c, "id", c),
)
def test_the_kernel_computes_each_verdict(claim, verdict):
    assert claim.verdict.kind == verdict, claim.verdict.reason
    assert claim.source.startswith("lecture notes 002, slide 'Adam property III")


def test_the_slides_cauchy_schwarz_step_does_not_give_gamma():
    """The slide's argument, |mhat| <= sqrt(vhat), with the Cauchy-Schwarz certificate the
    kernel accepts for the corrected bound: the kernel refuses it."""
    m, v = bounded.weighted_m.rhs, bounded.weighted_v.rhs
    a, b = bounded.a_k, bounded.b_k
    wrong = k.Proof(
        k.Chain(
            m**2,
            (
                k.Link(
                    v,
                    "C-S",
                    relation="<=",
                    certificate=((1, k.CauchySchwarz(a, b, bounded.k, 1, t)),),
                ),
            ),
        )
    )
    assert k.judge(k.Statement.at_most(m**2, v), wrong).kind == "unproved"


def test_the_supremum_is_the_issue_formula_and_7_27_at_the_defaults():
    sup = sp.sqrt(bounded.weight_sum_limit)
    formula = (1 - beta1) / sp.sqrt((1 - beta2) * (1 - beta1**2 / beta2))
    assert sp.simplify((sup**2 - formula**2).subs(DEFAULTS)) == 0
    assert sp.simplify(bounded.weight_sum_limit.subs(DEFAULTS) - sp.Rational(9990, 189)) == 0
    assert float(sup.subs(DEFAULTS)) == pytest.approx(7.2703, abs=1e-4)


def test_the_closed_form_tends_to_the_limit_and_is_one_when_the_betas_coincide():
    closed = sp.lambdify(t, bounded.weight_sum_closed.subs(DEFAULTS), modules="math")
    at = {n: math.sqrt(closed(n)) for n in (1, 1000, 2000, 200000)}
    assert at[1] == pytest.approx(1.0, abs=1e-15)
    assert at[1000] == pytest.approx(5.78, abs=5e-3) and at[2000] == pytest.approx(6.76, abs=5e-3)
    assert at[200000] == pytest.approx(math.sqrt(9990 / 189))
    equal = bounded.adam_weight_sum.subs(beta1, beta2).subs({beta2: sp.Rational(9, 10), t: 7})
    assert sp.nsimplify(equal.doit()) == 1


def test_torch_reaches_the_bound_at_t_1000_and_2000():
    attained = confirm(bounded.ATTAINED)
    assert attained.holds
    assert attained.extra["ratio_1000"] == pytest.approx(5.78, abs=5e-3)
    assert attained.extra["ratio_2000"] == pytest.approx(6.76, abs=5e-3)
    limit = confirm(bounded.WEIGHT_SUM)
    assert limit.holds and limit.extra["supremum"] == pytest.approx(7.2703, abs=1e-4)


def test_torch_steps_above_gamma_at_the_exact_counterexample():
    run = confirm(bounded.AS_STATED)
    assert run.holds and run.relation == ">"
    over = r"over $\gamma$"
    assert run.records()[1][over] > 1 > run.records()[0][over] - 1e-12
    assert math.isclose(run.value, 0.00136, rel_tol=1e-2)


def test_no_stream_exceeds_the_corrected_bound_and_equal_betas_keep_gamma():
    assert confirm(bounded.TIGHT_BOUND).holds
    excess = confirm(bounded.EXCESS)
    assert excess.holds and excess.extra["largest_equal_betas"] <= 1 + 1e-12
