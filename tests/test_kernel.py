"""The proof kernel refuses what is not proved; otherwise "proved" means nothing."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from wdproof.derivations import kernel as k
from wdproof.derivations.notation import alpha, decay_rate, l2_coefficient, matrix, n, t, vector
from wdproof.derivations.registry import get_claim

theta, grad, M = vector("theta_t"), vector("g_t"), matrix("M_t")
#: Prop. 1: one SGD step with L2 (lambda') against one SGD step with decoupled decay (lambda).
PROP1 = get_claim("sgd-l2-equals-weight-decay")
sgd_l2_step, sgdw_step = PROP1.statement.lhs, PROP1.statement.rhs
x = sp.Symbol("x", real=True)


def _chain(start, *exprs):
    return k.Chain(start, tuple(k.Link(e, "step") for e in exprs))


def test_equal_rejects_wrong_algebra_and_noncommuting_matrices():
    # lambda = lambda' (forgetting the learning rate) is the classic mistake.
    assert not k.equal(sgd_l2_step, sgdw_step, [(decay_rate, l2_coefficient)])
    assert k.equal(sgd_l2_step, sgdw_step, [(decay_rate, alpha * l2_coefficient)])
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


def test_sums_whose_bounds_differ_by_an_integer_are_compared_term_by_term():
    i, m = sp.Symbol("i", integer=True), sp.Symbol("m", integer=True, positive=True)
    a = sp.IndexedBase("a")
    assert k.equal(sp.Sum(a[i], (i, 1, m + 1)), sp.Sum(a[i], (i, 1, m)) + a[m + 1])
    assert k.equal(sp.Sum(a[i], (i, 1, m - 1)), sp.Sum(a[i], (i, 1, m)) - a[m])
    assert not k.equal(sp.Sum(a[i], (i, 1, m + 1)), sp.Sum(a[i], (i, 1, m)) + a[m])


def test_a_link_that_repeats_its_expression_is_rejected():
    statement = k.Statement.forall(x, x)
    verdict = k.judge(statement, k.Proof(_chain(x, x)))
    assert verdict.kind == "unproved" and "repeats" in verdict.reason


def test_a_verdict_cannot_be_declared_outside_the_kernel():
    with pytest.raises(PermissionError):
        k.Verdict("proved", "equational chain", ())
    with pytest.raises(PermissionError):  # a token of one's own is not the kernel's
        k.Verdict("refuted", "exact counterexample", (), token=object())
    assert k.Verdict("unproved", "equational chain", ()).kind == "unproved"


def test_coefficients_of_a_vector_that_does_not_occur_are_refused():
    misspelled = vector("theta_T")
    statement = k.Statement.not_exists([decay_rate], sgd_l2_step, sgdw_step)
    conditions = (decay_rate - alpha * l2_coefficient,)
    proof = k.Proof(k.Conditions((k.Coefficients((misspelled, grad)),), conditions))
    verdict = k.judge(statement, proof)
    assert verdict.kind == "unproved" and "do not occur" in verdict.reason


def test_conditions_must_be_the_ones_derived_from_the_statement():
    statement = k.Statement.solution_set(
        [decay_rate], sgd_l2_step, sgdw_step, sp.FiniteSet(alpha * l2_coefficient)
    )
    proof = dataclasses.replace(
        PROP1.proof,
        argument=dataclasses.replace(
            PROP1.proof.argument,
            necessary=k.Conditions(
                (k.Coefficients((theta, grad)),), (decay_rate - l2_coefficient,)
            ),
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
    crashed = k.judge(k.Statement.not_exists([decay_rate], x, x), broken)
    assert crashed.kind == "unproved" and crashed.reason


def test_a_statement_binds_unknowns_exactly_when_its_kind_quantifies_them():
    with pytest.raises(ValueError, match="unknowns"):
        k.Statement("forall", x, x, unknowns=(x,))
    with pytest.raises(ValueError, match="unknowns"):
        k.Statement("exists", x, x)
    with pytest.raises(ValueError, match="solution set"):
        k.Statement("exists", x, x, unknowns=(x,), solutions=sp.FiniteSet(1))


def test_a_witness_proves_exists_and_refutes_not_exists():
    c = sp.Symbol("c", real=True)
    lhs, rhs = c * (x + 1) ** 2, 2 * x**2 + 4 * x + 2
    witness = k.Witness({c: sp.Integer(2)}, _chain(2 * (x + 1) ** 2, rhs))
    assert k.judge(k.Statement.exists([c], lhs, rhs), k.Proof(witness)).kind == "proved"
    assert k.judge(k.Statement.not_exists([c], lhs, rhs), k.Proof(witness)).kind == "refuted"
    wrong = k.Witness({c: sp.Integer(3)}, _chain(3 * (x + 1) ** 2, rhs))
    assert k.judge(k.Statement.exists([c], lhs, rhs), k.Proof(wrong)).kind == "unproved"
    unnamed = k.judge(k.Statement.exists([c], lhs, rhs), k.Proof(k.Witness({x: 2}, witness.chain)))
    assert unnamed.kind == "unproved" and "each unknown" in unnamed.reason


def test_a_link_cites_only_hypotheses_assumptions_and_lemmas_proved_before():
    square = (1 + x) ** 2, 1 + 2 * x + x**2
    statement = k.Statement.forall(*square)
    lemma = k.Lemma("square", *square, _chain(*square))

    def citing(*cites):
        return k.Chain(square[0], (k.Link(square[1], "cited", cites),))

    assert k.judge(statement, k.Proof(citing(lemma), lemmas=(lemma,))).kind == "proved"
    for cites, reason in (
        ((lemma,), "before it is proved"),
        ((sp.Eq(x, 0),), "neither a hypothesis nor an assumption"),
        (("hypothesis",), "not available here"),  # only an induction step has one
    ):
        verdict = k.judge(statement, k.Proof(citing(*cites)))
        assert verdict.kind == "unproved" and reason in verdict.reason


def test_each_proof_form_settles_only_its_kind_of_statement():
    c = sp.Symbol("c", real=True)
    forall, exists = k.Statement.forall(c * x, x), k.Statement.exists([c], c * x, x)
    witness = k.Witness({c: sp.Integer(1)}, _chain(c * x, x))
    for statement, argument, reason in (
        (exists, k.Counterexample({x: 1}, sp.S.Zero), "refutes only a for-all"),
        (exists, _chain(c * x, x), "proves only a for-all"),
        (forall, witness, "each unknown"),
        (forall, k.Conditions((k.Instance({}),), ()), "only exists/not-exists"),
        (exists, k.Characterization(k.Conditions((), ()), ()), "only a solutions statement"),
    ):
        verdict = k.judge(statement, k.Proof(argument))
        assert verdict.kind == "unproved" and reason in verdict.reason, reason
    prose = k.judge(forall, k.Proof("a chain, trust me"))
    assert prose.kind == "unproved" and "unknown proof form" in prose.reason


def test_a_characterization_needs_one_sufficiency_chain_per_solution():
    proof = PROP1.proof
    verdict = k.judge(
        PROP1.statement,
        dataclasses.replace(proof, argument=dataclasses.replace(proof.argument, sufficient=())),
    )
    assert verdict.kind == "unproved" and "one sufficiency chain" in verdict.reason


def test_latex_writes_a_sum_with_its_positive_term_first():
    """SymPy prints ``1 - x`` as ``- x + 1``; the documents show ``1 - x`` in a bracket, an
    exponent and a whole expression, and leave equations and all-negative sums as they are."""
    from wdproof.derivations.notation import latex

    g, rate, t, i, mu = sp.symbols("gamma lambda t i mu")
    assert latex(1 - g * rate) == r"1 - \gamma \lambda"
    assert latex(mu ** (t - i + 1)) == r"\mu^{t - i + 1}"
    assert latex(sp.Symbol("theta") * (1 - g * rate)) == r"\theta \left(1 - \gamma \lambda\right)"
    assert latex(-g * t - rate) == r"- \gamma t - \lambda"
    assert latex(mu ** (-i)) == r"\mu^{- i}"
