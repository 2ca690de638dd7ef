"""Extending Q1.b to Adam: the kernel's verdicts, wrong variants rejected, torch re-runs."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
import torch

from wdproof.derivations import kernel
from wdproof.derivations import momentum_adam_extension as ext
from wdproof.derivations.kernel import Chain, Conditions, Counterexample, Lemma, Link, Proof
from wdproof.derivations.notation import alpha, beta1, beta2, decay_rate, eps, l2_coefficient
from wdproof.numerics.confirmations import momentum_adam_extension as confirmation
from wdproof.numerics.confirmations.momentum_adam_extension import (
    first_step_shrink,
    scalar_preconditioner_pair,
    two_step_counterexample,
    two_step_difference,
    zero_loss_steps,
)
from wdproof.numerics.optimizers.problems import DTYPE

NOT_ADAMW = ext.ADAM_L2_NOT_ADAMW
MOMENTUM = ext.ADAM_MOMENTUM_KEEPS_EQUIVALENCE


def unfold(expr: sp.Basic, statement: kernel.Statement) -> sp.Basic:
    """``expr`` with the statement's definitions and hypotheses substituted, as the kernel does."""
    for old, new in statement.substitutions():
        expr = expr.subs(old, new)
    return expr


# --- adam-l2-not-adamw ------------------------------------------------------------------------
def test_statement_is_a_non_existence_over_the_l2_coefficient():
    # The old ledger typeset the disproved equation itself as the statement; now the
    # statement says "there is no lambda'" and the kernel proves it.
    assert NOT_ADAMW.statement.kind == "not-exists"
    assert NOT_ADAMW.statement.unknowns == (l2_coefficient,)
    assert NOT_ADAMW.statement_latex().startswith(r"\neg\exists\, \lambda'")
    assert NOT_ADAMW.verdict.kind == "proved"


def test_bias_correction_makes_step_one_the_rmsprop_step_for_every_beta():
    s = NOT_ADAMW.statement
    gtilde = ext.grad_1 + l2_coefficient * ext.theta0
    rules = [(old, new) for old, new in s.substitutions() if old != ext.grad_1]  # keep f general
    assert kernel.equal(ext.mhat_1, gtilde, rules)  # mhat_1 = gtilde_1 for symbolic beta_1
    assert kernel.equal(ext.vhat_1, gtilde**2, rules)  # vhat_1 = gtilde_1^2 for symbolic beta_2
    assert not kernel.equal(ext.mhat_1, (1 - beta1) * gtilde, rules)  # the uncorrected moment
    # With f = 0: Adam + L2 shrinks theta_0 by alpha lambda'/(lambda' theta_0 + eps).
    shrink = alpha * l2_coefficient / (l2_coefficient * ext.theta0 + eps)
    assert kernel.equal(unfold(s.lhs, s), ext.theta0 * (1 - shrink))
    assert kernel.equal(unfold(s.rhs, s), (1 - ext.positive_decay_rate) * ext.theta0)
    assert not unfold(s.lhs, s).has(beta1) and not unfold(s.lhs, s).has(beta2)


@pytest.mark.parametrize(
    "equations",
    [
        (ext.quadratic_coefficient,),  # one condition left out
        (
            ext.positive_decay_rate - alpha * l2_coefficient,
            ext.quadratic_coefficient,
        ),  # the SGD condition (Prop. 1)
        (
            ext.quadratic_coefficient,
            ext.linear_coefficient,
            ext.positive_decay_rate,
        ),  # an invented one
    ],
    ids=["missing", "sgd-like", "invented"],
)
def test_conditions_must_be_the_ones_the_statement_gives(equations):
    conditions = dataclasses.replace(NOT_ADAMW.proof.argument, equations=equations)
    verdict = kernel.judge(
        NOT_ADAMW.statement, dataclasses.replace(NOT_ADAMW.proof, argument=conditions)
    )
    assert verdict.kind == "unproved"


def test_the_existence_claim_is_refuted_by_the_same_conditions():
    s = NOT_ADAMW.statement
    exists = dataclasses.replace(s, kind="exists")
    assert kernel.judge(exists, NOT_ADAMW.proof).kind == "refuted"


def test_without_decay_the_obstruction_disappears():
    # With lambda = 0 (AdamW is plain Adam) lambda' = 0 works: the conditions then have a
    # solution and the non-existence is no longer proved.
    s = NOT_ADAMW.statement
    rhs = s.rhs.subs(ext.positive_decay_rate, 0)
    no_decay = dataclasses.replace(s, rhs=rhs, hypotheses=(ext.ZERO_LOSS,))
    proof = Proof(Conditions(NOT_ADAMW.proof.argument.derivations, (alpha * l2_coefficient,)))
    assert kernel.judge(no_decay, proof).kind == "unproved"


def test_first_step_shrink_matches_the_symbolic_prediction():
    instance = NOT_ADAMW.instance
    s = NOT_ADAMW.statement
    shrink = 1 - unfold(s.lhs, s) / ext.theta0  # alpha lambda'/(lambda' theta_0 + eps)
    adam_l2_shrink, adamw_shrink = first_step_shrink()
    values = {alpha: instance.lr, l2_coefficient: instance.l2_coefficient, eps: instance.eps}
    for measured, start in zip(adam_l2_shrink, instance.theta_0, strict=True):
        predicted = float(shrink.subs({**values, ext.theta0: start}))
        assert measured == pytest.approx(predicted, rel=1e-12)
    # AdamW shrinks every coordinate alike; Adam + L2 does not, so no single lambda fits.
    assert adamw_shrink[0] == pytest.approx(adamw_shrink[1], rel=1e-12)
    assert abs(adam_l2_shrink[0] - adam_l2_shrink[1]) > 1e-2


# --- adam-momentum-keeps-equivalence ---------------------------------------------------------
def test_counterexample_is_exact_and_its_gap_is_the_lemma_at_those_values():
    verdict = MOMENTUM.verdict
    assert verdict.kind == "refuted", verdict.reason
    values = verdict.counterexample
    assert all(isinstance(v, sp.Rational) for v in values.values())
    s = MOMENTUM.statement
    gap = unfold(s.lhs - s.rhs, s).subs(values)
    assert gap == ext.TWO_STEP_GAP == sp.Rational(-9, 1900)
    residual = unfold(ext.step2_residual, s).subs(values)
    assert residual == ext.TWO_STEP_GAP


@pytest.mark.parametrize(
    "gap", [sp.Rational(9, 1900), sp.Rational(-9, 1000), sp.Integer(0)], ids=str
)
def test_a_wrong_stated_gap_is_rejected(gap):
    proof = dataclasses.replace(
        MOMENTUM.proof, argument=Counterexample(ext.TWO_STEP_COUNTEREXAMPLE, gap)
    )
    assert kernel.judge(MOMENTUM.statement, proof).kind == "unproved"


def test_without_momentum_the_equivalence_holds_and_the_counterexample_dies():
    # beta_1 = 0 and M = kI is SGD scaled by k: Prop. 1 holds, theta_2 agree (a kernel proof).
    s = MOMENTUM.statement
    no_momentum = dataclasses.replace(s, hypotheses=(*s.hypotheses, sp.Eq(beta1, 0)))
    proof = Proof(Chain(ext.l2_theta_2, (Link(ext.w_theta_2, "beta_1 = 0: Prop. 1 scaled by k"),)))
    assert kernel.judge(no_momentum, proof).kind == "proved"
    moved = {**ext.TWO_STEP_COUNTEREXAMPLE, beta1: sp.Integer(0)}
    proof = dataclasses.replace(MOMENTUM.proof, argument=Counterexample(moved, sp.Integer(0)))
    assert kernel.judge(s, proof).kind == "unproved"


def test_step2_residual_without_the_beta1_factor_is_rejected():
    wrong = alpha * ext.k * l2_coefficient / (1 + beta1) * (ext.l2_theta_1 - ext.theta_0)
    lemma = Lemma(
        "wrong residual",
        ext.l2_theta_2 - ext.w_theta_2,
        wrong,
        Chain(ext.l2_theta_2 - ext.w_theta_2, (Link(wrong, "no beta_1"),)),
    )
    proof = dataclasses.replace(MOMENTUM.proof, lemmas=(lemma,))
    assert kernel.judge(MOMENTUM.statement, proof).kind == "unproved"


def test_bias_correction_at_t2_does_not_cancel_beta1():
    # mhat_1 = g_1 for every beta_1, but mhat_2 still weights the two gradients by beta_1.
    x_1, x_2 = sp.symbols("x_1 x_2", real=True)
    m_1 = (1 - beta1) * x_1
    mhat_2 = (beta1 * m_1 + (1 - beta1) * x_2) / (1 - beta1**2)
    assert kernel.equal(mhat_2, (beta1 * x_1 + x_2) / (1 + beta1))
    assert not kernel.equal(mhat_2, (x_1 + x_2) / 2)


def test_two_step_counterexample_comes_from_the_kernel_and_torch_reproduces_it():
    ce = two_step_counterexample()
    assert (ce.alpha, ce.k, ce.beta1, ce.l2_coefficient, ce.theta_0) == (0.1, 1, 0.9, 1, 1)
    assert ce.step2_difference == float(sp.Rational(-9, 1900))
    assert two_step_difference(ce) == pytest.approx(ce.step2_difference, abs=1e-12)
    # The same two steps with the lemma's other ingredient: theta_1 - theta_0 = -1/10.
    adam_l2, _ = scalar_preconditioner_pair(ce.alpha * ce.k, ce.beta1, ce.l2_coefficient)
    assert float(zero_loss_steps([1.0], 1, adam_l2)[0]) == pytest.approx(0.9, abs=1e-15)


def test_confirmation_reruns_the_counterexample_and_the_mlp():
    result = confirmation.momentum_separates_with_scalar_preconditioner()
    assert result.holds, result.note
    assert result.extra["predicted"] == two_step_counterexample().step2_difference
    assert result.extra["mlp_deviation_beta1_0"] <= 1e-12 < result.extra["mlp_deviation_beta1_0.9"]


@pytest.mark.parametrize(
    "factor, holds",
    [(1.0, True), (-1.0, False), (1.9, False), (0.0, False)],
    ids=["exact", "sign flipped", "times 1 + beta_1", "no gap"],
)
def test_confirmation_enforces_the_exact_predicted_gap(monkeypatch, factor, holds):
    ce = two_step_counterexample()
    changed = dataclasses.replace(ce, step2_difference=factor * ce.step2_difference)
    monkeypatch.setattr(confirmation, "two_step_counterexample", lambda: changed)
    monkeypatch.setattr(confirmation, "scalar_preconditioner_deviation", lambda *_: 0.0)
    result = confirmation.momentum_separates_with_scalar_preconditioner()
    assert result.holds is holds


def test_confirmation_refuses_a_claim_the_kernel_did_not_refute(monkeypatch):
    broken = dataclasses.replace(
        MOMENTUM, proof=Proof(Counterexample(ext.TWO_STEP_COUNTEREXAMPLE, 0))
    )
    assert broken.verdict.kind == "unproved"
    monkeypatch.setattr(ext, "ADAM_MOMENTUM_KEEPS_EQUIVALENCE", broken)
    with pytest.raises(ValueError, match="did not refute"):
        two_step_counterexample()


def test_huge_eps_emulates_a_scalar_preconditioner():
    # Step 1 of Adam + L2 with M = kI and f = 0 is theta_0 (1 - alpha k lambda') exactly.
    adam_l2, adamw = scalar_preconditioner_pair(0.1, 0.9, 1.0)
    expected = torch.tensor([0.9, -2.7], dtype=DTYPE)
    for make_optimizer in (adam_l2, adamw):
        first = zero_loss_steps([1.0, -3.0], 1, make_optimizer)[0]
        assert torch.allclose(first, expected, rtol=1e-15, atol=0)


def test_without_momentum_torch_agrees_too():
    adam_l2, adamw = scalar_preconditioner_pair(0.1, 0.0, 1.0)
    gap = zero_loss_steps([1.0], 2, adam_l2)[1] - zero_loss_steps([1.0], 2, adamw)[1]
    assert abs(float(gap)) <= 1e-15
    s = MOMENTUM.statement
    assert unfold(s.lhs - s.rhs, s).subs({**ext.TWO_STEP_COUNTEREXAMPLE, beta1: 0}) == 0
    assert (
        decay_rate not in unfold(s.lhs - s.rhs, s).free_symbols
    )  # lambda = alpha k lambda' applied
