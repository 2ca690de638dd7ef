"""The proof kernel refuses what is not proved; otherwise "proved" means nothing."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from wdproof.derivations import kernel as k
from wdproof.derivations.notation import alpha, lam, lam_l2, matrix, n, t, vector
from wdproof.derivations.sgd_weight_decay import (
    SGD_L2_EQUALS_WEIGHT_DECAY,
    sgd_l2_step,
    sgd_weight_decay_step,
)

theta, grad, M = vector("theta_t"), vector("g_t"), matrix("M_t")
x = sp.Symbol("x", real=True)


def _chain(start, *exprs):
    return k.Chain(start, tuple(k.Link(e, "step") for e in exprs))


def test_equal_rejects_wrong_algebra_and_noncommuting_matrices():
    # lambda = lambda' (forgetting the learning rate) is the classic mistake.
    assert not k.equal(sgd_l2_step, sgd_weight_decay_step, [(lam, lam_l2)])
    assert k.equal(sgd_l2_step, sgd_weight_decay_step, [(lam, alpha * lam_l2)])
    assert not k.equal(M * (grad + theta), M * grad + theta)
    assert k.equal(M * (grad + theta), M * grad + M * theta)
    assert not k.equal((1 + x) ** 2, 1 + x**2)


def test_a_chain_proves_only_the_statement_its_ends_match():
    statement = k.Statement.forall((1 + x) ** 2, 1 + 2 * x + x**2)
    assert k.judge(statement, k.Proof(_chain((1 + x) ** 2, 1 + 2 * x + x**2))).kind == "proved"
    # the ends are the statement's sides as written: algebra belongs in checked links, so a
    # chain cut short (ending at an expression merely equal to the side) does not pass
    short = k.judge(statement, k.Proof(_chain((1 + x) ** 2, 1 + x * (2 + x))))
    assert short.kind == "unproved" and "two sides" in short.reason
    other = k.Statement.forall((1 + x) ** 2, 1 + x**2)
    verdict = k.judge(other, k.Proof(_chain((1 + x) ** 2, 1 + 2 * x + x**2)))
    assert verdict.kind == "unproved" and "two sides" in verdict.reason


def test_a_link_that_repeats_its_expression_is_rejected():
    statement = k.Statement.forall(x, x)
    verdict = k.judge(statement, k.Proof(_chain(x, x)))
    assert verdict.kind == "unproved" and "repeats" in verdict.reason


def test_a_verdict_cannot_be_declared_outside_the_kernel():
    with pytest.raises(PermissionError):
        k.Verdict("proved", "equational chain", ())
    assert k.Verdict("unproved", "equational chain", ()).kind == "unproved"


def test_coefficients_of_a_vector_that_does_not_occur_are_refused():
    misspelled = vector("theta_T")
    statement = k.Statement.not_exists([lam], sgd_l2_step, sgd_weight_decay_step)
    proof = k.Proof(k.Conditions((k.Coefficients((misspelled, grad)),), (lam - alpha * lam_l2,)))
    verdict = k.judge(statement, proof)
    assert verdict.kind == "unproved" and "do not occur" in verdict.reason


def test_conditions_must_be_the_ones_derived_from_the_statement():
    statement = k.Statement.solution_set(
        [lam], sgd_l2_step, sgd_weight_decay_step, sp.FiniteSet(alpha * lam_l2)
    )
    proof = dataclasses.replace(
        SGD_L2_EQUALS_WEIGHT_DECAY.proof,
        argument=dataclasses.replace(
            SGD_L2_EQUALS_WEIGHT_DECAY.proof.argument,
            necessary=k.Conditions((k.Coefficients((theta, grad)),), (lam - lam_l2,)),
        ),
    )
    assert k.judge(statement, proof).kind == "unproved"


def test_solving_refuses_to_divide_by_a_coefficient_that_may_vanish():
    b = sp.Symbol("b", nonnegative=True)  # b = 0 would make every y a solution
    y = sp.Symbol("y", real=True)
    statement = k.Statement.not_exists([y], b * (y - 1), b * (y - 1) + b)
    proof = k.Proof(k.Conditions((k.Instance({}),), (b,)))
    verdict = k.judge(statement, proof)
    assert verdict.kind == "unproved" and "decide" in verdict.reason
    positive = sp.Symbol("b", positive=True)
    statement = k.Statement.not_exists([y], positive * (y - 1), positive * (y - 1) + positive)
    assert (
        k.judge(statement, k.Proof(k.Conditions((k.Instance({}),), (positive,)))).kind == "proved"
    )


def test_a_counterexample_must_make_the_statement_false_by_the_stated_gap():
    a = sp.Symbol("a", positive=True)
    statement = k.Statement.forall(a * x, x)
    refuted = k.judge(statement, k.Proof(k.Counterexample({a: 2, x: 3}, sp.Integer(3))))
    assert refuted.kind == "refuted" and refuted.counterexample == {a: 2, x: 3}
    holds = k.judge(statement, k.Proof(k.Counterexample({a: 1, x: 3}, sp.Integer(0))))
    assert holds.kind == "unproved"
    wrong_gap = k.judge(statement, k.Proof(k.Counterexample({a: 2, x: 3}, sp.Integer(-3))))
    assert wrong_gap.kind == "unproved"
    symbolic = k.judge(statement, k.Proof(k.Counterexample({a: 2}, x)))
    assert symbolic.kind == "unproved"


def test_induction_needs_both_cases_and_the_hypothesis_as_cited():
    m, g, b = sp.IndexedBase("m"), sp.Symbol("g", real=True), sp.Symbol("b", real=True)
    statement = k.Statement.forall(
        m[t],
        (1 - b**t) * g,
        definitions=(sp.Eq(m[t + 1], b * m[t] + (1 - b) * g), sp.Eq(m[0], 0)),
    )
    base = _chain(m[0], sp.S.Zero)
    step = k.Chain(
        m[t + 1],
        (
            k.Link(b * m[t] + (1 - b) * g, "the recurrence"),
            k.Link(b * (1 - b**t) * g + (1 - b) * g, "the hypothesis", ("hypothesis",)),
            k.Link((1 - b ** (t + 1)) * g, "algebra"),
        ),
    )
    assert k.judge(statement, k.Proof(k.Induction(t, 0, base, step))).kind == "proved"
    uncited = k.Chain(
        step.start, (step.links[0], dataclasses.replace(step.links[1], cites=()), step.links[2])
    )
    assert k.judge(statement, k.Proof(k.Induction(t, 0, base, uncited))).kind == "unproved"
    late_start = k.judge(statement, k.Proof(k.Induction(t, 2, base, step)))
    assert late_start.kind == "unproved" and "does not cover" in late_start.reason
    assert k.judge(statement, k.Proof(k.Induction(t, 0, base, step.truncated()))).kind == "unproved"


def test_assumptions_make_a_proof_conditional_and_are_reported():
    c = sp.Symbol("c", real=True)
    statement = k.Statement.forall(c * x, x)
    assumption = sp.Eq(c, 1)
    verdict = k.judge(statement, k.Proof(_chain(c * x, x), assumptions=(assumption,)))
    assert verdict.kind == "conditional" and verdict.hypotheses == (assumption,)
    uncited = k.judge(statement, k.Proof(_chain(c * x, x)))
    assert uncited.kind == "unproved"


def test_an_inequality_hypothesis_must_follow_from_the_assumptions():
    free = sp.Symbol("f", real=True)
    statement = k.Statement.forall(x, x + 0 * free, hypotheses=(sp.Gt(free, 0, evaluate=False),))
    verdict = k.judge(statement, k.Proof(_chain(x, x + free * 0 + 0)))
    assert verdict.kind == "unproved" and "assumptions" in verdict.reason


def test_a_raising_step_is_a_failure_with_its_message_not_a_crash():
    history = sp.MatrixSymbol("H", n, t)
    j, col = sp.Symbol("j", integer=True, nonnegative=True), sp.Symbol("c", integer=True)
    entry = MatrixElement(history * history.T, j, j)
    one_too_far = sp.Sum(history[j, col] ** 2, (col, 0, t))  # column t does not exist
    statement = k.Statement.forall(entry, one_too_far)
    verdict = k.judge(statement, k.Proof(k.Chain(entry, (k.Link(one_too_far, "sum"),))))
    assert verdict.kind == "unproved" and verdict.reason
    broken = k.Proof(k.Conditions((k.Entries(theta, ((0, 0),), *sp.symbols("i k")),), ()))
    crashed = k.judge(k.Statement.not_exists([lam], x, x), broken)
    assert crashed.kind == "unproved" and crashed.reason
