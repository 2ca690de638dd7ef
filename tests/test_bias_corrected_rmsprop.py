"""M_t of bias-corrected RMSProp: wrong closed forms are rejected, symbolically and against torch."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from wdproof.derivations.bias_corrected_rmsprop import (
    grad,
    peel_last_term,
    second_moment,
    second_moment_closed_form,
    step,
    sums_cancel,
)
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import beta2, t
from wdproof.numerics.confirmation import DTYPE
from wdproof.numerics.confirmations.bias_corrected_rmsprop import (
    closed_form_deviation,
    invert_diagonal,
    preconditioner_from_outer_products,
)
from wdproof.numerics.problems import logistic_regression

j = sp.Symbol("j", integer=True, nonnegative=True)


def recurrence_step(closed_form) -> Identity:
    """The recurrence v_t = beta_2 v_{t-1} + (1-beta_2) g_t^2 checked on a candidate closed form."""
    return Identity(
        "candidate", closed_form(t), beta2 * closed_form(t - 1) + (1 - beta2) * grad[t, j] ** 2,
        check=sums_cancel,
    )


WRONG_CLOSED_FORMS = {
    "exponent off by one": lambda s: (1 - beta2) * sp.Sum(beta2 ** (s - step + 1) * grad[step, j] ** 2, (step, 1, s)),
    "missing (1 - beta_2)": lambda s: sp.Sum(beta2 ** (s - step) * grad[step, j] ** 2, (step, 1, s)),
    "weights reversed": lambda s: (1 - beta2) * sp.Sum(beta2 ** (step - 1) * grad[step, j] ** 2, (step, 1, s)),
}


def test_right_closed_form_satisfies_recurrence():
    assert recurrence_step(second_moment_closed_form).verify()


@pytest.mark.parametrize("name", WRONG_CLOSED_FORMS)
def test_wrong_closed_forms_are_rejected(name):
    assert not recurrence_step(WRONG_CLOSED_FORMS[name]).verify()


def test_peeling_is_exact_for_concrete_t():
    peeled = peel_last_term(second_moment, t)
    for steps in (1, 2, 5):
        assert sp.expand((peeled - second_moment).subs(t, steps).doit()) == 0


def test_closed_form_matches_recurrence_numerically():
    values = {grad[i, j]: sp.Rational(i * i - 3, 7) for i in range(1, 7)}
    b2 = sp.Rational(9, 10)
    v = 0
    for i in range(1, 7):
        v = b2 * v + (1 - b2) * values[grad[i, j]]**2
    closed = second_moment_closed_form(sp.Integer(6)).doit().subs(values).subs(beta2, b2)
    assert closed == v


def test_preconditioner_equals_adam_state():
    gen = torch.Generator().manual_seed(0)
    history = torch.randn(7, 5, generator=gen, dtype=DTYPE)
    b2, eps = 0.95, 1e-8
    outer = torch.stack([torch.outer(g, g) for g in history])
    v = torch.zeros(5, dtype=DTYPE)
    for g in history:
        v = b2 * v + (1 - b2) * g * g
    expected = 1 / ((v / (1 - b2 ** len(history))).sqrt() + eps)
    got = preconditioner_from_outer_products(outer, b2, eps)
    assert torch.allclose(torch.diagonal(got), expected, rtol=1e-14, atol=0)
    assert torch.count_nonzero(got - torch.diag(torch.diagonal(got))) == 0
    # Without bias correction the entries are wrong by sqrt(1 - b2^t).
    assert not torch.allclose(torch.diagonal(got), 1 / (v.sqrt() + eps), rtol=1e-6)


def test_invert_diagonal_refuses_full_matrix():
    with pytest.raises(ValueError):
        invert_diagonal(torch.ones(2, 2, dtype=DTYPE))


def test_closed_form_tracks_torch_and_a_wrong_beta2_does_not(monkeypatch):
    from wdproof.numerics.confirmations import bias_corrected_rmsprop as module

    problem = logistic_regression(seed=4)
    assert closed_form_deviation(problem, 1e-2, 0.99, 1e-8) <= 1e-12
    real = module.preconditioner_from_outer_products
    # M_t built with the wrong beta_2 must drift away from torch's iterates.
    monkeypatch.setattr(module, "preconditioner_from_outer_products", lambda op, b2, eps: real(op, 0.9, eps))
    assert closed_form_deviation(problem, 1e-2, 0.99, 1e-8) > 1e-6


def test_diagonal_of_outer_product_sum_rejects_wrong_range():
    from sympy.matrices.expressions.matexpr import MatrixElement

    from wdproof.derivations.bias_corrected_rmsprop import history, history_index

    entry = MatrixElement(history * history.T, j, j)
    right = sp.Sum(history[j, history_index] ** 2, (history_index, 0, t - 1))
    wrong = sp.Sum(history[j, history_index] ** 2, (history_index, 1, t - 1))
    assert Identity("right", entry, right, check=sums_cancel).verify()
    assert not Identity("drops h_0", entry, wrong, check=sums_cancel).verify()
