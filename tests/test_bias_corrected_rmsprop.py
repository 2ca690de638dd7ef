"""M_t of bias-corrected RMSProp: the kernel proves the closed forms and refuses wrong ones;
torch's Adam(betas=(0, beta_2)) follows them."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
import torch
from sympy.matrices.expressions.matexpr import MatrixElement

from wdproof.derivations import bias_corrected_rmsprop as b
from wdproof.derivations import kernel
from wdproof.derivations.kernel import Chain, Counterexample, Induction, Proof, Statement
from wdproof.derivations.notation import beta2, eps, n
from wdproof.numerics.confirmations.bias_corrected_rmsprop import (
    closed_form_deviation,
    invert_diagonal,
    preconditioner_from_outer_products,
    second_moment_deviation,
)
from wdproof.numerics.optimizers.problems import DTYPE, logistic_regression
from wdproof.numerics.optimizers.rules import bias_corrected_rmsprop

t, i, j = b.steps, b.i, b.coord
SECOND = b.SECOND_MOMENT_CLOSED_FORM
PRECOND = b.RMSPROP_PRECONDITIONER


def test_second_moment_is_proved_by_induction_from_the_recurrence():
    assert isinstance(SECOND.proof.argument, Induction)
    assert SECOND.statement.definitions == (b.RECURRENCE, b.START)
    step = SECOND.proof.argument.step
    assert any("hypothesis" in link.cites for link in step.links)
    # without the induction hypothesis the step chain is not checked
    bare = dataclasses.replace(
        step, links=tuple(dataclasses.replace(k, cites=()) for k in step.links)
    )
    proof = dataclasses.replace(
        SECOND.proof, argument=dataclasses.replace(SECOND.proof.argument, step=bare)
    )
    assert kernel.judge(SECOND.statement, proof).kind == "unproved"


def judge_closed_form(closed) -> kernel.Verdict:
    """The claim's induction, run on a candidate closed form ``closed(t)``."""
    statement = Statement.forall(b.second[t, j], closed(t), definitions=(b.RECURRENCE, b.START))
    return kernel.judge(statement, Proof(b.second_moment_induction(closed), per_coordinate=True))


WRONG_CLOSED_FORMS = {
    "exponent off by one": lambda s: (
        (1 - beta2) * sp.Sum(beta2 ** (s - i + 1) * b.grad[i, j] ** 2, (i, 1, s))
    ),
    "missing (1 - beta_2)": lambda s: sp.Sum(beta2 ** (s - i) * b.grad[i, j] ** 2, (i, 1, s)),
    "weights reversed": lambda s: (
        (1 - beta2) * sp.Sum(beta2 ** (i - 1) * b.grad[i, j] ** 2, (i, 1, s))
    ),
    "one index too far": lambda s: (
        (1 - beta2) * sp.Sum(beta2 ** (s - i) * b.grad[i, j] ** 2, (i, 1, s + 1))
    ),
    "starts at i = 0": lambda s: (
        (1 - beta2) * sp.Sum(beta2 ** (s - i) * b.grad[i, j] ** 2, (i, 0, s))
    ),
}


def test_the_right_closed_form_passes_the_same_induction():
    assert judge_closed_form(b.second_moment_closed_form).kind == "proved"


@pytest.mark.parametrize("name", WRONG_CLOSED_FORMS)
def test_wrong_closed_forms_are_refused_with_a_reason(name):
    verdict = judge_closed_form(WRONG_CLOSED_FORMS[name])
    assert verdict.kind == "unproved"
    assert verdict.reason
    assert not all(step.ok for step in verdict.steps)


def test_summing_past_the_history_is_an_unproved_verdict_not_a_crash():
    """The issue: summing one index too far raised IndexError out of evaluate()."""
    history = sp.Matrix([[1], [2], [3], [4]])  # g_1..g_3 in rows 1..3 (row 0 unused)
    values = {
        b.runs: 4,
        n: 1,
        j: 0,
        t: 4,
        b.second[4, 0]: 1,
        beta2: sp.Rational(1, 2),
        b.grad: history,
    }  # the closed form at t = 4 reads row 4: past the history
    verdict = kernel.judge(SECOND.statement, Proof(Counterexample(values, 1)))
    assert verdict.kind == "unproved"
    assert "IndexError" in verdict.reason


def test_outer_product_entries_are_matrix_algebra():
    G = b.outer_product(i)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    assert G.shape == (n, n)
    assert kernel.equal(MatrixElement(G, j, j), b.grad[i, j] ** 2)
    assert kernel.equal(MatrixElement(G, j, k), b.grad[i, j] * b.grad[i, k])
    assert not kernel.equal(MatrixElement(G, j, k), 0)  # G_i is not diagonal: diag() matters
    assert kernel.latex(G) == "G_{i}"


def test_preconditioner_claim_relates_the_outer_products_to_the_rmsprop_step():
    s = PRECOND.statement
    assert s.lhs == b.rmsprop_step and s.rhs == b.preconditioned_step
    assert s.rhs.has(b.OuterProduct) and not s.lhs.has(b.OuterProduct)
    assert s.lhs.has(b.second[b.t, j]) and not s.rhs.has(b.second[b.t, j])
    # the hypothesis is exactly what the induction claim proves, at t >= 1
    assert s.hypotheses == (b.CLOSED_FORM,)
    assert kernel.equal(b.CLOSED_FORM.rhs, SECOND.statement.rhs.subs(t, b.t))


def test_preconditioner_chain_needs_the_closed_form():
    bare = Statement.forall(PRECOND.statement.lhs, PRECOND.statement.rhs)
    assert kernel.judge(bare, PRECOND.proof).kind == "unproved"


@pytest.mark.parametrize(
    "wrong",
    [
        b.preconditioned_step.subs(1 - beta2**b.t, 1 - beta2 ** (b.t + 1)),  # wrong bias power
        b.preconditioned_step.subs(eps, 0),  # epsilon dropped
    ],
    ids=["bias-power", "no-eps"],
)
def test_wrong_preconditioners_are_refused(wrong):
    chain = PRECOND.proof.argument
    links = chain.links[:-1] + (dataclasses.replace(chain.links[-1], expr=wrong),)
    statement = PRECOND.statement.mutated(rhs=wrong)
    proof = dataclasses.replace(PRECOND.proof, argument=Chain(chain.start, links))
    assert kernel.judge(statement, proof).kind == "unproved"


def test_closed_form_matches_recurrence_on_exact_numbers():
    values = {b.grad[k, j]: sp.Rational(k * k - 3, 7) for k in range(1, 7)}
    b2 = sp.Rational(9, 10)
    v = 0
    for k in range(1, 7):
        v = b2 * v + (1 - b2) * values[b.grad[k, j]] ** 2
    closed = b.second_moment_closed_form(sp.Integer(6)).doit().subs(values).subs(beta2, b2)
    assert closed == v


# --- torch ----------------------------------------------------------------------------------
def test_preconditioner_equals_the_reference_rules_denominator():
    gen = torch.Generator().manual_seed(0)
    history = torch.randn(7, 5, generator=gen, dtype=DTYPE)
    b2, e = 0.95, 1e-8
    outer = torch.stack([torch.outer(g, g) for g in history])
    rule = bias_corrected_rmsprop(lr=1e-2, beta2=b2, eps=e)
    theta, state = torch.zeros(5, dtype=DTYPE), rule.init(torch.zeros(5, dtype=DTYPE))
    for step, g in enumerate(history, start=1):
        theta, state = rule.update(theta, g, state, step)
    _, v, _ = state
    _, correction2 = rule.bias_corrections(len(history))
    expected = 1 / rule.denominator(v / correction2)  # (M_t)_jj = 1/(sqrt(vhat_t) + eps)
    got = preconditioner_from_outer_products(outer, b2, e)
    assert torch.allclose(torch.diagonal(got), expected, rtol=1e-14, atol=0)
    assert torch.count_nonzero(got - torch.diag(torch.diagonal(got))) == 0
    # Without bias correction the entries are wrong by sqrt(1 - b2^t).
    assert not torch.allclose(torch.diagonal(got), 1 / rule.denominator(v), rtol=1e-6)


def test_invert_diagonal_refuses_full_matrix():
    with pytest.raises(ValueError):
        invert_diagonal(torch.ones(2, 2, dtype=DTYPE))


def test_closed_form_tracks_torch_and_a_wrong_beta2_does_not(monkeypatch):
    from wdproof.numerics.confirmations import bias_corrected_rmsprop as module

    problem = logistic_regression(seed=4)
    assert closed_form_deviation(problem, 1e-2, 0.99, 1e-8) <= 1e-12
    real = module.preconditioner_from_outer_products
    # M_t built with the wrong beta_2 must drift away from torch's iterates.
    monkeypatch.setattr(
        module, "preconditioner_from_outer_products", lambda op, b2, e: real(op, 0.9, e)
    )
    assert closed_form_deviation(problem, 1e-2, 0.99, 1e-8) > 1e-6


def test_second_moment_tracks_torch_and_a_wrong_beta2_does_not(monkeypatch):
    from wdproof.numerics.confirmations import bias_corrected_rmsprop as module

    problem = logistic_regression(seed=4)
    assert second_moment_deviation(problem, 1e-2, 0.99, 1e-8) <= 1e-12
    real_adam = torch.optim.Adam
    # torch running another beta_2 than the closed form must be caught
    monkeypatch.setattr(
        module.torch.optim,
        "Adam",
        lambda params, **kw: real_adam(params, **{**kw, "betas": (0.0, 0.9)}),
    )
    assert second_moment_deviation(problem, 1e-2, 0.99, 1e-8) > 1e-3
