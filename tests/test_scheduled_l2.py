"""The iteration-dependent L2 schedule: wrong constants are rejected, and the schedule's
condition (M_t built from grad f_t only) is shown to matter, symbolically and numerically."""

from __future__ import annotations

import pytest
import sympy as sp

from wdproof.derivations import scheduled_l2
from wdproof.derivations.claim import Identity, Solution
from wdproof.derivations.notation import alpha, lam
from wdproof.derivations.registry import get_claim
from wdproof.numerics.confirmation import confirm


def test_schedule_gradient_needs_symmetry():
    s = scheduled_l2
    no_symmetry = Identity(
        "x", s.schedule_regularizer.diff(s.theta), lam / alpha * s.precond.inverse() * s.theta
    )
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


def test_residual_vanishes_only_for_the_same_preconditioner():
    s = scheduled_l2
    solution = next(step for step in s.ITERATION_DEPENDENT_L2.steps if isinstance(step, Solution))
    other = Solution("wrong root", solution.equation, solution.unknown, sp.FiniteSet(2 * s.m_j))
    assert solution.verify() and not other.verify()


@pytest.mark.parametrize("value", [0, sp.Rational(1, 200), sp.Rational(1, 20)])
def test_residual_instance_is_not_a_wrong_value(value):
    s = scheduled_l2
    assert not Identity("x", s.coordinate_residual, value, given=s.RESIDUAL_INSTANCE).verify()


def test_residual_instance_matches_the_matrix_residual():
    # The coordinate formula is the n = 1 case of the matrix residual, with the instance's numbers.
    s = scheduled_l2
    one = {s.n: 1}
    scalars = {
        s.precond.subs(one): sp.Matrix([[1]]),
        s.precond_used.subs(one): sp.Matrix([[sp.Rational(1, 2)]]),
        s.theta.subs(one): sp.Matrix([1]),
        s.grad.subs(one): sp.Matrix([1]),
    }
    residual = (s.contaminated_step - s.decoupled_step).subs(one).subs(scalars).doit()
    residual = sp.Matrix(residual).subs({lam: sp.Rational(1, 100), alpha: sp.Rational(1, 10)})
    assert residual == sp.Matrix([s.coordinate_residual.subs(s.RESIDUAL_INSTANCE)])
