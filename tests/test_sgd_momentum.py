"""The SGD family (Q1.a.i, Q1.a.ii) in the kernel: its verdicts and the wrong variants it refuses.

The torch side (the oracle and the confirmations) is ``tests/test_sgd_confirmations.py``."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from wdproof.derivations import kernel as k
from wdproof.derivations import sgd_momentum as sm
from wdproof.derivations import sgd_momentum_constant_decay as smc
from wdproof.derivations import sgd_momentum_history as smh
from wdproof.derivations import sgd_momentum_pytorch as smp
from wdproof.derivations import sgd_weight_decay as swd
from wdproof.derivations.notation import alpha, beta1, decay_rate, eta, l2_coefficient

CLAIMS = swd.CLAIMS + sm.CLAIMS + smc.CLAIMS + smh.CLAIMS + smp.CLAIMS
t, i, mu, g, theta = smh.t, smh.i, smh.mu, smh.g, smh.theta


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_judges_to_its_expectation(claim):
    verdict = claim.verdict
    assert verdict.kind == claim.expect, verdict.reason
    assert all(step.ok for step in verdict.steps)


def test_verdicts_and_forms():
    forms = {c.id: c.verdict.form for c in CLAIMS}
    assert (
        forms["sgd-momentum-l2-equals-constant-decay"] == "exact solution of necessary conditions"
    )
    assert forms["sgd-l2-momentum-closed-form"] == "induction, per coordinate"
    assert forms["pytorch-sgd-momentum-matches-alg1"] == "induction, per coordinate"
    # The conditional verdict names exactly the constant-schedule assumption, as SymPy.
    matches = smp.PYTORCH_SGD_MOMENTUM_MATCHES_ALG1
    assert matches.verdict.hypotheses == (smp.schedule_is_constant,)
    assert matches.hypotheses_latex() == [r"{\eta}_{t + 1} = {\eta}_{t}"]


# --- Definitions -------------------------------------------------------------------------------
def _definition_map(definition, step_label, buffer_label):
    eqs = dict(definition.equations)
    return eqs[step_label].rhs.subs(eqs[buffer_label].lhs, eqs[buffer_label].rhs)


def test_alg1_definition_is_the_map_the_claims_use():
    d = sm.SGDW_MOMENTUM_UPDATE
    with_l2 = _definition_map(d, "SGD + $L_2$, step (line 9)", "SGD + $L_2$, buffer (lines 6, 8)")
    w = _definition_map(d, "SGDW, step (line 9)", "SGDW, buffer (line 8)")
    assert k.equal(with_l2, sm.sgd_l2_momentum_step(sm.theta_prev, sm.m_prev, sm.grad)[0])
    assert k.equal(w, sm.sgdw_momentum_step(sm.theta_prev, sm.m_prev, sm.grad)[0])
    assert not k.equal(with_l2, w)


def test_lecture_forms_are_alg1_in_the_lecture_letters():
    """Slide 'Weight Decay V' with alpha -> beta_1, eta -> alpha, 1/C -> lambda', v -> -m: its
    regularized rule is SGD + L2 and its 'equivalent form' is SGDW with lambda = alpha lambda'."""
    d = sm.LECTURE_MOMENTUM_DECAY
    letters = [
        (sm.v_prev, -sm.m_prev),
        (sm.alpha_mom, beta1),
        (sm.eta_lr, alpha),
        (sm.C, 1 / l2_coefficient),
    ]
    regularized = _definition_map(d, "with regularization, step", "with regularization, velocity")
    decoupled = _definition_map(d, "``equivalent form'', step", "``equivalent form'', velocity")
    with_l2, _ = sm.sgd_l2_momentum_step(sm.theta_prev, sm.m_prev, sm.grad, eta=1)
    w, _ = sm.sgdw_momentum_step(sm.theta_prev, sm.m_prev, sm.grad, alpha * l2_coefficient, eta=1)
    assert k.equal(regularized, with_l2, letters)
    assert k.equal(decoupled, w, letters)


# --- sgdw-decay-independent-of-alpha -------------------------------------------------------------
L2_SCALAR = (
    sp.Eq(sm.theta_w_c, sm.theta_c - sm.m_w_c),
    sp.Eq(sm.m_w_c, sm.momentum_buffer(sm.m_c, sm.g_c + l2_coefficient * sm.theta_c)),
)


def test_same_alpha_claim_for_the_l2_step_is_rejected():
    """The decay-free derivative holds for SGDW only: with the L2 step as the definition the same
    statement and proof fail, and the true L2 derivative carries -eta lambda' theta_{t-1}."""
    claim = sm.SGDW_DECAY_INDEPENDENT_OF_ALPHA
    lhs, rhs = claim.statement.lhs, claim.statement.rhs
    l2_statement = k.Statement.forall(lhs, rhs, definitions=L2_SCALAR)
    assert k.judge(l2_statement, claim.proof).kind == "unproved"
    l2_rhs = -eta * (sm.g_c + l2_coefficient * sm.theta_c)
    l2_proof = k.Proof(
        k.Chain(lhs, (k.Link(l2_rhs, "substitute and differentiate"),)),
        per_coordinate=True,
    )
    true_l2 = k.Statement.forall(lhs, l2_rhs, definitions=L2_SCALAR)
    assert k.judge(true_l2, l2_proof).kind == "proved"


# --- sgdw-equals-l2-without-momentum -----------------------------------------------------------
def test_no_momentum_mapping_without_alpha_is_not_proved():
    claim = sm.SGDW_EQUALS_L2_WITHOUT_MOMENTUM
    false = claim.statement.mutated(solutions=sp.FiniteSet(l2_coefficient))
    assert k.judge(false, claim.proof).kind == "unproved"


def test_no_momentum_condition_is_the_derived_one():
    """The kernel derives eta_t (lambda - alpha lambda') = 0 itself. Dropping the factor
    eta_t > 0 states the same condition and is accepted; forgetting alpha is refused."""
    claim = sm.SGDW_EQUALS_L2_WITHOUT_MOMENTUM
    arg = claim.proof.argument

    def judged(equation):
        necessary = dataclasses.replace(arg.necessary, equations=(equation,))
        proof = dataclasses.replace(
            claim.proof, argument=dataclasses.replace(arg, necessary=necessary)
        )
        return k.judge(claim.statement, proof).kind

    assert judged(decay_rate - alpha * l2_coefficient) == "proved"
    assert judged(decay_rate - l2_coefficient) == "unproved"


# --- sgd-momentum-l2-equals-constant-decay -----------------------------------------------------
def test_step2_conditions_are_derived_from_the_alg1_maps():
    """The gap's coefficients, recomputed here from Alg. 1's maps in one coordinate (scalars),
    are the proof's conditions: g_2 cancels, g_1 and theta_0 give the two conditions."""
    claim = smc.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    th0, gr1, gr2 = sp.symbols("theta_0 g_1 g_2")
    l2c, b1 = smc.l2_coefficient_pos, smc.beta1_pos
    l2_1, l2_m1 = sm.sgd_l2_momentum_step(th0, 0, gr1, l2c, eta=1, beta1=b1)
    l2_2, _ = sm.sgd_l2_momentum_step(l2_1, l2_m1, gr2, l2c, eta=1, beta1=b1)
    w_1, w_m1 = sm.sgdw_momentum_step(th0, 0, gr1, eta=1, beta1=b1)
    w_2, _ = sm.sgdw_momentum_step(w_1, w_m1, gr2, eta=1, beta1=b1)
    gap = sp.Poly(sp.expand(l2_2 - w_2), th0, gr1, gr2)
    assert gap.coeff_monomial(gr2) == 0
    theta0_condition, g1_condition = claim.proof.argument.equations
    assert k.is_zero(gap.coeff_monomial(th0) - theta0_condition)
    assert k.is_zero(gap.coeff_monomial(gr1) - g1_condition)
    # At the Prop. 1 mapping only the momentum term is left.
    at_mapping = theta0_condition.subs(decay_rate, alpha * l2c)
    assert k.is_zero(at_mapping + b1 * alpha * l2c)


def test_without_momentum_the_same_statement_is_not_refuted_and_has_a_witness():
    """The refutation rests on beta_1 > 0: at beta_1 = 0 the conditions have the solution
    alpha lambda' (so the kernel does not refute), and a witness proves the existence."""
    claim = smc.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    # Alg. 1's two-step maps, which the claim's definitions unroll to, at beta_1 = 0
    lhs, rhs = (side.subs(smc.beta1_pos, 0) for side in (smc.l2_theta_2, smc.w_theta_2))
    statement = k.Statement.exists([decay_rate], lhs, rhs)
    conditions = k.Conditions(
        claim.proof.argument.derivations,
        (smc.step2_g1_coefficient, smc.step2_theta0_coefficient.subs(smc.beta1_pos, 0)),
    )
    assert k.judge(statement, k.Proof(conditions)).kind == "unproved"
    witness_rhs = rhs.subs(decay_rate, alpha * smc.l2_coefficient_pos)
    witness = k.Witness(
        {decay_rate: alpha * smc.l2_coefficient_pos},
        k.Chain(lhs, (k.Link(witness_rhs, "collect theta_0 and g_1"),)),
    )
    assert k.judge(statement, k.Proof(witness)).kind == "proved"


def test_dropping_the_theta0_condition_is_refused():
    claim = smc.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    shorter = k.Conditions(claim.proof.argument.derivations, (smc.step2_g1_coefficient,))
    assert k.judge(claim.statement, k.Proof(shorter)).kind == "unproved"


def test_the_named_iterates_unroll_to_alg1s_two_step_maps():
    """The statement's definitions, substituted in order, are Alg. 1 run twice from m_0 = 0."""
    statement = smc.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY.statement
    rules = statement.substitutions()
    assert k.equal(statement.lhs, smc.l2_theta_2, rules)
    assert k.equal(statement.rhs, smc.w_theta_2, rules)
    assert not k.equal(statement.lhs, smc.w_theta_2, rules)


# --- sgd-l2-momentum-closed-form ---------------------------------------------------------------
def _closed_form_proof_for(rhs_of):
    """The claim's proof shape, rebuilt for another candidate closed form ``rhs_of(T)``."""
    claim = smh.SGD_L2_MOMENTUM_CLOSED_FORM
    ind = claim.proof.argument
    base = k.Chain(rhs_of(1), (ind.base.links[0], k.Link(smh.v[1], "first buffer")))
    step_links = list(ind.step.links)
    step_links[1] = k.Link(
        mu * rhs_of(t) + g[t + 1] + l2_coefficient * theta[t], "hypothesis", cites=("hypothesis",)
    )
    step_links[2] = k.Link(rhs_of(t + 1), "sums")
    step = k.Chain(ind.step.start, tuple(step_links))
    statement = k.Statement.forall(smh.v[t], rhs_of(t), definitions=smh.PYTORCH_L2_BUFFER)
    return statement, dataclasses.replace(
        claim.proof, argument=dataclasses.replace(ind, base=base, step=step)
    )


@pytest.mark.parametrize(
    "wrong",
    [
        # The L2 term acting on theta_{t-1} only (what SGDW's decay would do).
        lambda T: smh.gradient_history(T) + l2_coefficient * theta[T - 1],
        # The tail over theta_i instead of theta_{i-1}.
        lambda T: (
            smh.gradient_history(T)
            + l2_coefficient * theta[T - 1]
            + l2_coefficient * sp.Sum(mu ** (T - i) * theta[i], (i, 1, T - 1))
        ),
    ],
    ids=["current-iterate-only", "theta_i"],
)
def test_wrong_closed_forms_are_refused(wrong):
    statement, proof = _closed_form_proof_for(wrong)
    assert k.judge(statement, proof).kind == "unproved"


def test_closed_form_proof_shape_accepts_the_right_form():
    statement, proof = _closed_form_proof_for(smh.buffer_closed_form)
    assert k.judge(statement, proof).kind == "proved"


def test_induction_step_without_the_hypothesis_is_refused():
    claim = smh.SGD_L2_MOMENTUM_CLOSED_FORM
    ind = claim.proof.argument
    links = list(ind.step.links)
    links[1] = dataclasses.replace(links[1], cites=())
    proof = dataclasses.replace(
        claim.proof, argument=dataclasses.replace(ind, step=k.Chain(ind.step.start, tuple(links)))
    )
    assert k.judge(claim.statement, proof).kind == "unproved"


# --- pytorch-sgd-momentum-matches-alg1 / schedule gap ------------------------------------------
def test_invariant_needs_the_constant_schedule():
    """Without the assumption the induction step fails: the kernel does not prove the invariant
    for an arbitrary schedule (the schedule-gap claim says by how much it fails)."""
    claim = smp.PYTORCH_SGD_MOMENTUM_MATCHES_ALG1
    proof = dataclasses.replace(claim.proof, assumptions=())
    verdict = k.judge(claim.statement, proof)
    assert verdict.kind == "unproved" and "constant schedule" in verdict.reason


def test_schedule_gap_with_the_wrong_sign_is_refused():
    claim = smp.PYTORCH_SGD_MOMENTUM_SCHEDULE_GAP
    flipped = claim.statement.mutated(rhs=-smp.schedule_gap)
    assert k.judge(flipped, claim.proof).kind == "unproved"
    # The gap vanishes at a constant multiplier, consistent with the conditional claim.
    assert k.is_zero(smp.schedule_gap.subs(smp.eta_prev_c, smp.eta_c))
