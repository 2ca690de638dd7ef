"""The step checker must reject wrong steps; otherwise "verified" means nothing."""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, lam, lam_l2, matrix, vector
from wdproof.derivations.sgd_weight_decay import sgd_l2_step, sgd_weight_decay_step

theta, grad, M = vector("theta_t"), vector("g_t"), matrix("M_t")


def test_wrong_decay_mapping_is_rejected():
    # lambda = lambda' (forgetting the learning rate) is the classic mistake.
    wrong = Identity("wrong mapping", sgd_l2_step, sgd_weight_decay_step, given={lam: lam_l2})
    assert not wrong.verify()


def test_right_decay_mapping_is_accepted():
    right = Identity("Prop. 1", sgd_l2_step, sgd_weight_decay_step, given={lam: alpha * lam_l2})
    assert right.verify()


def test_wrong_matrix_step_is_rejected():
    # Matrices do not commute: M theta' is not theta'^T M in general, and M(a+b) != Ma + b.
    assert not Identity("drop M", M * (grad + theta), M * grad + theta).verify()
    assert Identity("distribute M", M * (grad + theta), M * grad + M * theta).verify()


def test_wrong_scalar_step_is_rejected():
    x = sp.Symbol("x")
    assert not Identity("bad algebra", (1 + x) ** 2, 1 + x**2).verify()


def test_wrong_solution_set_is_rejected():
    eq = sp.Eq(lam - alpha * lam_l2, 0)
    assert Solution("right", eq, lam, sp.FiniteSet(alpha * lam_l2)).verify()
    assert not Solution("wrong", eq, lam, sp.FiniteSet(lam_l2)).verify()
    assert not Solution("none claimed", eq, lam, sp.EmptySet).verify()


def test_refuted_verdict_requires_counterexample():
    import pytest

    with pytest.raises(ValueError):
        Verdict("refuted")
    with pytest.raises(ValueError):
        Verdict("conditional")


def test_solution_needs_a_provably_nonzero_coefficient():
    # solveset would answer {1} for b (x - 1) = 0, but with b = 0 every x solves it.
    x = sp.Symbol("x")
    maybe_zero = sp.Symbol("b", nonnegative=True)
    nonzero = sp.Symbol("b", positive=True)
    assert not Solution("b may be 0", sp.Eq(maybe_zero * (x - 1), 0), x, sp.FiniteSet(1)).verify()
    assert Solution("b > 0", sp.Eq(nonzero * (x - 1), 0), x, sp.FiniteSet(1)).verify()
