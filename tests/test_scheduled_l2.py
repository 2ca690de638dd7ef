"""The iteration-dependent L2 schedule and Prop. 3's constant: wrong constants are rejected, and
the schedule's condition (M_t built from grad f_t only) is shown to matter numerically."""

from __future__ import annotations

import pytest

from wdproof.derivations import scheduled_l2
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import alpha, lam
from wdproof.derivations.registry import get_claim
from wdproof.numerics.confirmation import confirm


def test_schedule_gradient_needs_symmetry():
    s = scheduled_l2
    no_symmetry = Identity("x", s.schedule_regularizer.diff(s.theta), lam / alpha * s.precond.inverse() * s.theta)
    assert not no_symmetry.verify()


@pytest.mark.parametrize("constant", [lam / alpha, lam / 2, lam])
def test_schedule_with_wrong_constant_is_not_decay(constant):
    s = scheduled_l2
    step = s.theta - alpha * s.precond * (s.grad + 2 * constant * s.precond.inverse() * s.theta)
    assert not Identity("wrong constant", step, s.decoupled_step).verify()


def test_contaminated_preconditioner_is_not_decay():
    s = scheduled_l2
    assert not Identity("Mtilde", s.contaminated_step, s.decoupled_step).verify()


def test_schedule_condition_matters_numerically():
    c = confirm(get_claim("iteration-dependent-l2-schedule"))
    held = [row[-1] for row in c.rows if row[3]]
    violated = [row[-1] for row in c.rows if not row[3]]
    assert held and violated
    assert max(held) <= 1e-12
    assert min(violated) > 1e-4  # M_t from the regularized gradient: clearly not AdamW


def test_prop3_only_the_paper_constant_matches():
    c = confirm(get_claim("prop3-scale-adjusted-l2-normalization"))
    by_name = {row[0]: row[-1] for row in c.rows}
    assert by_name["lambda'/(2 alpha) (paper)"] <= 1e-12
    assert by_name["lambda'/alpha"] > 1e-3
    assert by_name["lambda'/2"] > 1e-3
