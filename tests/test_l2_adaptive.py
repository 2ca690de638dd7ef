"""Prop. 2, its converse and the L2 decay per coordinate: the kernel derives the conditions from
the statements and refuses wrong variants; torch re-runs the claims' instances."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
import torch

from wdproof.derivations import kernel
from wdproof.derivations import l2_adaptive as la
from wdproof.derivations import l2_adaptive_scalar as scalar
from wdproof.derivations import l2_decay_per_coordinate as per_coordinate
from wdproof.derivations.kernel import Conditions, Proof, Statement
from wdproof.derivations.notation import alpha, eps
from wdproof.numerics.confirmation import confirm
from wdproof.numerics.confirmations import l2_adaptive as confirmation
from wdproof.numerics.confirmations import l2_adaptive_scalar as scalar_confirmation
from wdproof.numerics.confirmations.l2_decay_per_coordinate import measure_l2_shrink, spearman
from wdproof.numerics.optimizers.problems import DTYPE

DIAGONAL = la.ADAPTIVE_L2_NOT_WEIGHT_DECAY
OFF_DIAGONAL = la.ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL
SCALAR = scalar.SCALAR_PRECONDITIONER_CLAIM
M, j, d = la.precond, la.coord, la.offset
l2_coefficient, decay_rate = la.l2_coefficient_real, la.decay_rate_pos


# --- Prop. 2: conditions derived from the statement ------------------------------------------
def test_prop2_is_stated_as_non_existence_for_every_dimension():
    for claim in (DIAGONAL, OFF_DIAGONAL):
        s = claim.statement
        assert s.kind == "not-exists" and s.unknowns == (l2_coefficient,)
        # the L2 step minus the decay step is (lambda I - alpha lambda' M_t) theta_t
        difference = (decay_rate * sp.Identity(la.n) - alpha * l2_coefficient * M) * la.theta
        assert kernel.equal(s.lhs - s.rhs, difference)
        assert not kernel.equal(s.lhs - s.rhs, -difference)
        assert M.shape == (la.n, la.n) and la.n.is_Symbol
        assert isinstance(claim.proof.argument, Conditions)
        assert "Prop. 2" in claim.source and "main text" in claim.source


def test_the_stated_conditions_are_the_ones_the_kernel_derives():
    steps = DIAGONAL.verdict.steps
    derived = next(s for s in steps if "implies these necessary conditions" in s.text)
    assert derived.ok
    # change one listed equation (forget alpha) and the kernel refuses the proof
    wrong = Conditions(
        DIAGONAL.proof.argument.derivations,
        (
            decay_rate - l2_coefficient * la.m,
            decay_rate - alpha * l2_coefficient * (la.m + la.delta),
        ),
    )
    verdict = kernel.judge(DIAGONAL.statement, Proof(wrong))
    assert verdict.kind == "unproved" and "implies these necessary conditions" in verdict.reason


def test_equal_diagonal_entries_do_not_rule_out_l2():
    """With delta = 0 (two equal entries) the conditions have the common root lambda/(alpha m)."""
    equal_entries = Statement.not_exists(
        [l2_coefficient],
        la.adaptive_l2_step,
        la.adaptive_decay_step,
        hypotheses=(
            sp.Eq(M[j, j], la.m),
            sp.Eq(M[j + d, j + d], la.m),
            sp.Ne(la.m, 0, evaluate=False),
        ),
    )
    same = decay_rate - alpha * l2_coefficient * la.m
    proof = Proof(Conditions(la.entry_conditions((j, j), (j + d, j + d)), (same, same)))
    verdict = kernel.judge(equal_entries, proof)
    assert verdict.kind == "unproved" and "no solution" in verdict.reason
    solved = next(s for s in verdict.steps if "Solving" in s.text)
    assert r"\frac{\lambda}{\alpha m}" in solved.latex


def test_a_zero_off_diagonal_entry_does_not_rule_out_l2():
    zero = Statement.not_exists(
        [l2_coefficient],
        la.adaptive_l2_step,
        la.adaptive_decay_step,
        hypotheses=(sp.Eq(M[j, j + d], 0),),
    )
    condition = decay_rate - alpha * l2_coefficient * M[j, j]
    proof = Proof(Conditions(la.entry_conditions((j, j + d), (j, j)), (condition,)))
    assert kernel.judge(zero, proof).kind == "unproved"


def test_a_constant_shift_of_a_side_changes_the_derived_conditions():
    shifted = DIAGONAL.statement.mutated(lhs=la.adaptive_l2_step + la.grad)  # a g_t too many
    assert kernel.judge(shifted, DIAGONAL.proof).kind == "unproved"


def test_the_instance_satisfies_the_hypotheses_and_needs_two_coefficients():
    inst = DIAGONAL.instance
    m_, delta_ = sp.nsimplify(inst.m), sp.nsimplify(inst.delta)
    assert m_ != 0 and delta_ != 0  # the hypotheses m != 0, delta != 0
    values = {
        alpha: sp.nsimplify(inst.alpha),
        decay_rate: sp.nsimplify(inst.decay_rate),
        la.m: m_,
        la.delta: delta_,
    }
    needed = [
        sp.solve(eq.subs(values), l2_coefficient)[0] for eq in DIAGONAL.proof.argument.equations
    ]
    assert needed == [sp.Rational(1, 10), sp.Rational(1, 40)]
    recovered, _ = confirmation.required_l2_coefficients()
    assert recovered.tolist() == pytest.approx([float(x) for x in needed], rel=1e-12)


def test_scalar_preconditioner_has_exactly_one_coefficient_and_it_is_not_prop1s():
    wrong = SCALAR.statement.mutated(solutions=sp.FiniteSet(decay_rate / alpha))  # k forgotten
    assert kernel.judge(wrong, SCALAR.proof).kind == "unproved"
    assert SCALAR.verdict.kind == "proved"


def test_scalar_preconditioner_sufficiency_needs_the_hypothesis():
    no_hypothesis = Statement.solution_set(
        [l2_coefficient], la.adaptive_l2_step, la.adaptive_decay_step, SCALAR.statement.solutions
    )
    assert kernel.judge(no_hypothesis, SCALAR.proof).kind == "unproved"


# --- effective decay: sign of the derivative, ratio between coordinates ----------------------
WEAKER = per_coordinate.L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS
RATIO = per_coordinate.L2_DECAY_RATIO


def test_decay_statements_are_real_sign_claims():
    weaker = WEAKER.statement
    assert weaker.rhs == -1 and weaker.lhs.has(sp.Derivative)
    ratio = RATIO.statement
    assert ratio.rhs == 1 and ratio.lhs.has(per_coordinate.gap)


@pytest.mark.parametrize("claim", [WEAKER, RATIO], ids=lambda c: c.id)
def test_the_opposite_sign_is_refused(claim):
    flipped = claim.statement.mutated(rhs=-claim.statement.rhs)
    assert kernel.judge(flipped, claim.proof).kind == "unproved"


def test_a_wrong_derivative_lemma_is_refused():
    vhat, lemma = per_coordinate.vhat, per_coordinate.SLOPE
    wrong = (
        -alpha * per_coordinate.l2_coefficient_pos / (sp.sqrt(vhat) * (sp.sqrt(vhat) + eps) ** 2)
    )
    slope = dataclasses.replace(
        lemma,
        rhs=wrong,
        chain=dataclasses.replace(
            lemma.chain, links=(dataclasses.replace(lemma.chain.links[0], expr=wrong),)
        ),
    )
    proof = dataclasses.replace(WEAKER.proof, lemmas=(slope,))
    assert kernel.judge(WEAKER.statement, proof).kind == "unproved"


def test_ratio_needs_the_gap_positive():
    """With Delta < 0 the ordering reverses: the hypothesis Delta > 0 does not follow."""
    negative = sp.Symbol(r"\Delta", negative=True)
    s = RATIO.statement
    swapped = Statement.forall(
        s.lhs.subs(per_coordinate.gap, negative),
        s.rhs,
        hypotheses=(sp.Gt(negative, 0, evaluate=False),),
    )
    verdict = kernel.judge(swapped, RATIO.proof)
    assert verdict.kind == "unproved" and "does not follow" in verdict.reason


# --- torch ----------------------------------------------------------------------------------
def test_torch_instance_needs_lambda_over_alpha_m_per_coordinate():
    inst = DIAGONAL.instance
    needed, target = confirmation.required_l2_coefficients()
    for got, mj in zip(needed.tolist(), (inst.m, inst.m + inst.delta), strict=True):
        assert got == pytest.approx(inst.decay_rate / (inst.alpha * mj), rel=1e-12)
    per_coordinate = confirmation.preconditioned_sgd_step(tuple(needed.tolist()))
    assert float((per_coordinate - target).abs().max()) <= 1e-15
    for single in needed.tolist():  # one lambda' for both coordinates misses one of them
        assert float((confirmation.preconditioned_sgd_step(single) - target).abs().max()) > 1e-3


def test_scalar_instance_gives_no_spread():
    scalar_instance = dataclasses.replace(DIAGONAL.instance, m=4.0, delta=0.0)  # M = 4 I
    needed, _ = confirmation.required_l2_coefficients(scalar_instance)
    assert float(needed.max() - needed.min()) <= 1e-15


def test_off_diagonal_instance_residual_is_lambda_over_sqrt5():
    inst = OFF_DIAGONAL.instance
    e_1 = torch.tensor([1.0, 0.0], dtype=DTYPE)
    best, residual = confirmation.best_single_l2_coefficient(e_1, inst)
    assert best == pytest.approx(2 * inst.decay_rate / (5 * inst.alpha), rel=1e-12)
    assert residual == pytest.approx(inst.decay_rate / 5**0.5, rel=1e-12)
    # a diagonal M = kI instead has an exact coefficient: the residual vanishes
    scalar_instance = dataclasses.replace(inst, preconditioner=((2.0, 0.0), (0.0, 2.0)))
    assert confirmation.best_single_l2_coefficient(e_1, scalar_instance)[1] <= 1e-15


def test_scalar_confirmation_matches_and_prop1s_coefficient_misses():
    result = confirm(SCALAR)
    assert result.holds and result.value <= 1e-12
    runs = scalar_confirmation.scalar_runs()
    assert {run.problem for run in runs} == {"logistic-regression", "mlp-regression"}
    for run in runs:
        exact = run.reading == scalar_confirmation.EXACT
        assert run.deviation <= 1e-12 if exact else run.deviation > 1e-6, run


def test_effective_decay_anticorrelates_with_gradient_size():
    shrink = measure_l2_shrink(steps=30)
    assert spearman(shrink.grad_rms, shrink.shrink_rate) < -0.5


X = [0.1, 0.5, 2.0, 3.0, 10.0]


@pytest.mark.parametrize(
    "y, rho",
    [
        ([-v for v in X], -1.0),  # reversed order
        ([2**v for v in X], 1.0),  # monotone but far from linear: Pearson's r would be < 1
        ([0.5, 0.1, 3.0, 2.0, 10.0], 0.8),  # two swaps: 1 - 6 * 4 / (5 * 24)
        ([3.0, 10.0, 0.1, 2.0, 0.5], -0.6),  # ranks 4 5 1 3 2: sum d^2 = 32, 1 - 6 * 32 / 120
    ],
)
def test_spearman_is_the_rank_correlation(y, rho):
    assert spearman(torch.tensor(X, dtype=DTYPE), torch.tensor(y, dtype=DTYPE)) == pytest.approx(
        rho, abs=1e-12
    )


def test_measured_decay_part_is_lr_l2_theta_over_preconditioner_denominator():
    shrink = measure_l2_shrink(steps=20)
    assert float((shrink.measured - shrink.predicted).abs().max()) <= 1e-12
    assert bool((shrink.shrink_rate > 0).all())  # L2 shrinks every coordinate toward 0


def test_measured_ratios_follow_the_claimed_formula():
    shrink = measure_l2_shrink(steps=20)
    vhat, rate = shrink.vhat, shrink.shrink_rate
    lo, hi = int(torch.argmin(vhat)), int(torch.argmax(vhat))
    predicted = (vhat[hi].sqrt() + confirmation.EPS) / (vhat[lo].sqrt() + confirmation.EPS)
    assert float(rate[lo] / rate[hi]) == pytest.approx(float(predicted), rel=1e-9)
    assert float(predicted) > 1


def test_twin_without_the_shifted_second_moment_does_not_isolate_the_decay():
    shrink = measure_l2_shrink(steps=20, shift=False)
    assert float((shrink.measured - shrink.predicted).abs().max()) > 1e-9
