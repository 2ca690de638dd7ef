"""SGD with momentum (Q1.a.ii): the kernel's verdicts, the wrong variants it refuses, and the
torch confirmations that re-run the claims' own numbers."""

from __future__ import annotations

import dataclasses
import functools

import pytest
import sympy as sp
import torch

from wdproof.derivations import kernel as k
from wdproof.derivations import sgd_momentum as sm
from wdproof.derivations import sgd_momentum_history as smh
from wdproof.derivations.notation import alpha, beta1, eta, lam, lam_l2, n
from wdproof.numerics.confirmation import run_isolated
from wdproof.numerics.confirmations import sgd_momentum as csm
from wdproof.numerics.confirmations import sgd_momentum_history as csmh
from wdproof.numerics.confirmations.sgd_momentum import SEPARATION, TOLERANCE
from wdproof.numerics.problems import linear_problem, run_torch

CLAIMS = sm.CLAIMS + smh.CLAIMS
t, i, mu, g, theta = smh.t, smh.i, smh.mu, smh.g, smh.theta


def judge(statement, proof):
    return k.judge(statement, proof)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_judges_to_its_expectation(claim):
    verdict = claim.verdict
    assert verdict.kind == claim.expect, verdict.reason
    assert all(step.ok for step in verdict.steps)


def test_verdicts_and_forms():
    kinds = {c.id: (c.verdict.kind, c.verdict.form) for c in CLAIMS}
    assert kinds["sgd-momentum-l2-equals-constant-decay"][1] == (
        "exact solution of necessary conditions"
    )
    assert kinds["sgd-l2-momentum-closed-form"][1] == "induction, per coordinate"
    assert kinds["pytorch-sgd-momentum-matches-alg1"][1] == "induction, per coordinate"
    # The conditional verdict names exactly the constant-schedule assumption, as SymPy.
    matches = smh.PYTORCH_SGD_MOMENTUM_MATCHES_ALG1.verdict
    assert matches.hypotheses == (smh.constant_schedule,)
    assert smh.PYTORCH_SGD_MOMENTUM_MATCHES_ALG1.hypotheses_latex() == [
        r"{\eta}_{t + 1} = {\eta}_{t}"
    ]


# --- Definitions -------------------------------------------------------------------------------
def _definition_map(definition, step_label, buffer_label):
    eqs = dict(definition.equations)
    return eqs[step_label].rhs.subs(eqs[buffer_label].lhs, eqs[buffer_label].rhs)


def test_alg1_definition_is_the_map_the_claims_use():
    d = sm.SGDW_MOMENTUM_UPDATE
    l2 = _definition_map(d, "SGD + $L_2$, step (line 9)", "SGD + $L_2$, buffer (lines 6, 8)")
    w = _definition_map(d, "SGDW, step (line 9)", "SGDW, buffer (line 8)")
    assert k.equal(l2, sm.sgd_l2_momentum_step(sm.theta_prev, sm.m_prev, sm.grad)[0])
    assert k.equal(w, sm.sgdw_momentum_step(sm.theta_prev, sm.m_prev, sm.grad)[0])
    assert not k.equal(l2, w)


def test_lecture_forms_are_alg1_in_the_lecture_letters():
    """Slide 'Weight Decay V' with alpha -> beta_1, eta -> alpha, 1/C -> lambda', v -> -m: its
    regularized rule is SGD + L2 and its 'equivalent form' is SGDW with lambda = alpha lambda'."""
    d = sm.LECTURE_MOMENTUM_DECAY
    letters = [
        (sm.v_prev, -sm.m_prev),
        (sm.alpha_mom, beta1),
        (sm.eta_lr, alpha),
        (sm.C, 1 / lam_l2),
    ]
    regularized = _definition_map(d, "with regularization, step", "with regularization, velocity")
    decoupled = _definition_map(d, "``equivalent form'', step", "``equivalent form'', velocity")
    l2, _ = sm.sgd_l2_momentum_step(sm.theta_prev, sm.m_prev, sm.grad, multiplier=1)
    w, _ = sm.sgdw_momentum_step(sm.theta_prev, sm.m_prev, sm.grad, alpha * lam_l2, multiplier=1)
    assert k.equal(regularized, l2, letters)
    assert k.equal(decoupled, w, letters)


# --- sgdw-decay-independent-of-alpha -------------------------------------------------------------
L2_SCALAR = (
    sp.Eq(sm.theta_w_c, sm.theta_c - sm.m_w_c),
    sp.Eq(sm.m_w_c, sm.momentum_buffer(sm.m_c, sm.g_c + lam_l2 * sm.theta_c)),
)


def test_same_alpha_claim_for_the_l2_step_is_rejected():
    """The decay-free derivative holds for SGDW only: with the L2 step as the definition the same
    statement and proof fail, and the true L2 derivative carries -eta lambda' theta_{t-1}."""
    claim = sm.SGDW_DECAY_INDEPENDENT_OF_ALPHA
    lhs, rhs = claim.statement.lhs, claim.statement.rhs
    l2_statement = k.Statement.forall(lhs, rhs, definitions=L2_SCALAR)
    assert judge(l2_statement, claim.proof).kind == "unproved"
    l2_rhs = -eta * (sm.g_c + lam_l2 * sm.theta_c)
    l2_proof = k.Proof(
        k.Chain(claim.statement.lhs, (k.Link(l2_rhs, "substitute and differentiate"),)),
        per_coordinate=True,
    )
    assert (
        judge(k.Statement.forall(claim.statement.lhs, l2_rhs, definitions=L2_SCALAR), l2_proof).kind
        == "proved"
    )


# --- sgdw-equals-l2-without-momentum -----------------------------------------------------------
def test_no_momentum_mapping_without_alpha_is_not_proved():
    claim = sm.SGDW_EQUALS_L2_WITHOUT_MOMENTUM
    false = claim.statement.mutated(solutions=sp.FiniteSet(lam_l2))
    assert judge(false, claim.proof).kind == "unproved"


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
        return judge(claim.statement, proof).kind

    assert judged(lam - alpha * lam_l2) == "proved"
    assert judged(lam - lam_l2) == "unproved"


# --- sgd-momentum-l2-equals-constant-decay -----------------------------------------------------
def test_step2_conditions_are_derived_from_the_alg1_maps():
    """The gap's coefficients, recomputed here from Alg. 1's maps in one coordinate (scalars),
    are the stated ones: g_2 cancels, g_1 and theta_0 give the two conditions."""
    claim = sm.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    th0, gr1, gr2 = sp.symbols("theta_0 g_1 g_2")
    steps = {"multiplier": 1, "momentum": sm.beta1_pos}
    l2_1, l2_m1 = sm.sgd_l2_momentum_step(th0, 0, gr1, l2=sm.lam_l2_pos, **steps)
    l2_2, _ = sm.sgd_l2_momentum_step(l2_1, l2_m1, gr2, l2=sm.lam_l2_pos, **steps)
    w_1, w_m1 = sm.sgdw_momentum_step(th0, 0, gr1, **steps)
    w_2, _ = sm.sgdw_momentum_step(w_1, w_m1, gr2, **steps)
    gap = sp.Poly(sp.expand(l2_2 - w_2), th0, gr1, gr2)
    assert gap.coeff_monomial(gr2) == 0
    assert k.is_zero(gap.coeff_monomial(gr1) - sm.step2_g1_coefficient)
    assert k.is_zero(gap.coeff_monomial(th0) - sm.step2_theta0_coefficient)
    # At the Prop. 1 mapping only the momentum term is left.
    at_mapping = sm.step2_theta0_coefficient.subs(lam, alpha * sm.lam_l2_pos)
    assert k.is_zero(at_mapping + sm.beta1_pos * alpha * sm.lam_l2_pos)
    assert claim.proof.argument.equations == (sm.step2_theta0_coefficient, sm.step2_g1_coefficient)


def test_without_momentum_the_same_statement_is_not_refuted_and_has_a_witness():
    """The refutation rests on beta_1 > 0: at beta_1 = 0 the conditions have the solution
    alpha lambda' (so the kernel does not refute), and a witness proves the existence."""
    claim = sm.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    # Alg. 1's two-step maps, which the claim's definitions unroll to, at beta_1 = 0
    lhs, rhs = (side.subs(sm.beta1_pos, 0) for side in (sm.l2_theta_2, sm.w_theta_2))
    statement = k.Statement.exists([lam], lhs, rhs)
    conditions = k.Conditions(
        claim.proof.argument.derivations,
        (sm.step2_g1_coefficient, sm.step2_theta0_coefficient.subs(sm.beta1_pos, 0)),
    )
    assert judge(statement, k.Proof(conditions)).kind == "unproved"
    witness_rhs = rhs.subs(lam, alpha * sm.lam_l2_pos)
    witness = k.Witness(
        {lam: alpha * sm.lam_l2_pos},
        k.Chain(lhs, (k.Link(witness_rhs, "collect theta_0 and g_1"),)),
    )
    assert judge(statement, k.Proof(witness)).kind == "proved"


def test_dropping_the_theta0_condition_is_refused():
    claim = sm.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    shorter = k.Conditions(claim.proof.argument.derivations, (sm.step2_g1_coefficient,))
    assert judge(claim.statement, k.Proof(shorter)).kind == "unproved"


def _instance_runs(ce):
    """torch.optim.SGD + L2 and torch SGDW (lambda = alpha lambda') on the two linear losses."""
    problem = linear_problem(ce["theta_0"], [ce["g_1"], ce["g_2"]])
    l2 = run_torch(
        problem,
        lambda ps: torch.optim.SGD(
            ps, lr=ce["alpha"], momentum=ce["beta1"], weight_decay=ce["lambda_l2"]
        ),
        2,
    )
    decay = ce["alpha"] * ce["lambda_l2"]
    sgdw = run_torch(
        problem,
        lambda ps: torch.optim.SGD(ps, lr=ce["alpha"], momentum=ce["beta1"]),
        2,
        lambda params, _t: params[0].mul_(1 - decay),
    )
    return l2, sgdw


def test_claim_maps_match_torch_at_the_instance():
    """The claim's own symbolic two-step maps, evaluated at its instance, are torch's iterates."""
    claim = sm.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY
    ce = claim.instance
    l2, sgdw = _instance_runs(ce)
    scalars = {
        alpha: sp.Rational(str(ce["alpha"])),
        sm.beta1_pos: sp.Rational(str(ce["beta1"])),
        sm.lam_l2_pos: sp.Rational(str(ce["lambda_l2"])),
    }
    vectors = {
        getattr(sm, name): sp.Matrix([sp.Rational(str(x)) for x in ce[name]])
        for name in ("theta_0", "g_1", "g_2")
    }

    def evaluate(expr, decay=None):
        expr = expr.subs(n, len(ce["theta_0"])).subs(scalars)
        if decay is not None:
            expr = expr.subs(lam, decay)
        expr = expr.subs(
            {sp.MatrixSymbol(v.name, len(ce["theta_0"]), 1): m for v, m in vectors.items()}
        )
        return torch.tensor([float(x) for x in sp.Matrix(expr.doit())], dtype=torch.float64)

    decay = scalars[alpha] * scalars[sm.lam_l2_pos]
    pairs = (
        (sm.l2_theta_1, l2[0]),
        (sm.l2_theta_2, l2[1]),
        (sm.w_theta_1, sgdw[0]),
        (sm.w_theta_2, sgdw[1]),
    )
    for symbolic, measured in pairs:
        assert torch.allclose(measured[0][0], evaluate(symbolic, decay), atol=TOLERANCE, rtol=0)
    # The step-2 gap is -beta_1 alpha lambda' theta_0; step 1 agrees at lambda = alpha lambda'.
    gap = l2[1][0][0] - sgdw[1][0][0]
    predicted = (
        -ce["beta1"]
        * ce["alpha"]
        * ce["lambda_l2"]
        * torch.tensor(ce["theta_0"], dtype=torch.float64)
    )
    assert torch.allclose(gap, predicted, atol=TOLERANCE, rtol=0)
    assert gap.abs().max() > SEPARATION
    assert torch.allclose(l2[0][0][0], sgdw[0][0][0], atol=TOLERANCE, rtol=0)


# --- sgd-l2-momentum-closed-form ---------------------------------------------------------------
def _closed_form_proof_for(rhs_of):
    """The claim's proof shape, rebuilt for another candidate closed form ``rhs_of(T)``."""
    claim = smh.SGD_L2_MOMENTUM_CLOSED_FORM
    ind = claim.proof.argument
    base = k.Chain(rhs_of(1), (ind.base.links[0], k.Link(smh.v[1], "first buffer")))
    step_links = list(ind.step.links)
    step_links[1] = k.Link(
        mu * rhs_of(t) + g[t + 1] + lam_l2 * theta[t], "hypothesis", cites=("hypothesis",)
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
        lambda T: smh.gradient_history(T) + lam_l2 * theta[T - 1],
        # The tail over theta_i instead of theta_{i-1}.
        lambda T: (
            smh.gradient_history(T)
            + lam_l2 * theta[T - 1]
            + lam_l2 * sp.Sum(mu ** (T - i) * theta[i], (i, 1, T - 1))
        ),
    ],
    ids=["current-iterate-only", "theta_i"],
)
def test_wrong_closed_forms_are_refused(wrong):
    statement, proof = _closed_form_proof_for(wrong)
    assert judge(statement, proof).kind == "unproved"


def test_closed_form_proof_shape_accepts_the_right_form():
    statement, proof = _closed_form_proof_for(smh.buffer_closed_form)
    assert judge(statement, proof).kind == "proved"


def test_induction_step_without_the_hypothesis_is_refused():
    claim = smh.SGD_L2_MOMENTUM_CLOSED_FORM
    ind = claim.proof.argument
    links = list(ind.step.links)
    links[1] = dataclasses.replace(links[1], cites=())
    proof = dataclasses.replace(
        claim.proof, argument=dataclasses.replace(ind, step=k.Chain(ind.step.start, tuple(links)))
    )
    assert judge(claim.statement, proof).kind == "unproved"


# --- pytorch-sgd-momentum-matches-alg1 / schedule gap ------------------------------------------
def test_invariant_needs_the_constant_schedule():
    """Without the assumption the induction step fails: the kernel does not prove the invariant
    for an arbitrary schedule (the schedule-gap claim says by how much it fails)."""
    claim = smh.PYTORCH_SGD_MOMENTUM_MATCHES_ALG1
    proof = dataclasses.replace(claim.proof, assumptions=())
    verdict = judge(claim.statement, proof)
    assert verdict.kind == "unproved" and "constant schedule" in verdict.reason


def test_schedule_gap_with_the_wrong_sign_is_refused():
    claim = smh.PYTORCH_SGD_MOMENTUM_SCHEDULE_GAP
    flipped = claim.statement.mutated(rhs=-smh.schedule_gap)
    assert judge(flipped, claim.proof).kind == "unproved"
    # The gap vanishes at a constant multiplier, consistent with the conditional claim.
    assert k.is_zero(smh.schedule_gap.subs(smh.eta_prev_c, smh.eta_c))


# --- torch confirmations -----------------------------------------------------------------------
@functools.cache
def confirmation(fn):
    """Run a confirmation of this module as ``numerics.confirmation.confirm`` does (one thread,
    seed 0), without importing the other modules' confirmations."""
    return run_isolated(fn)


def test_sgdw_alpha_slope_has_no_theta_part_and_l2_has():
    c = confirmation(csm.sgdw_alpha_slope_is_gradient_only)
    assert c.holds, c.value
    assert c.extra["l2_theta_part_min"] > SEPARATION


def test_no_constant_decay_closes_the_instance_gap():
    c = confirmation(csm.no_constant_decay_reproduces_l2_momentum)
    assert c.relation == ">" and c.holds
    ce = sm.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY.instance
    assert c.extra["predicted_natural_gap"] == pytest.approx(
        ce["beta1"] * ce["alpha"] * ce["lambda_l2"] * max(abs(x) for x in ce["theta_0"])
    )
    assert c.extra["natural_gap"] == pytest.approx(c.extra["predicted_natural_gap"], abs=TOLERANCE)
    assert c.extra["best_gap"] < c.extra["natural_gap"]  # the scan improved, yet stays apart


@pytest.mark.parametrize(
    ("fn", "key"),
    [
        (csm.no_momentum_mapping_survives_schedule, "wrong_mapping_min_deviation"),
        (csmh.closed_form_rebuilds_torch_iterates, "current_only_min_deviation"),
        (csmh.schedule_gap_matches_prediction, "cosine_momentum_separation"),
    ],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_wrong_variant_separates_numerically(fn, key):
    c = confirmation(fn)
    assert c.holds, c.value  # the right variant agrees to TOLERANCE ...
    assert c.extra[key] > SEPARATION  # ... and the wrong one is measurably apart


def test_pytorch_matches_alg1_at_constant_multipliers():
    c = confirmation(csmh.pytorch_matches_alg1_under_constant_schedule)
    assert c.holds, c.value
    assert {row[1] for row in c.rows} == {"L2", "SGDW"}


def test_schedule_gap_is_zero_without_momentum():
    c = confirmation(csmh.schedule_gap_matches_prediction)
    assert c.extra["cosine_no_momentum_deviation"] <= TOLERANCE


def test_the_named_iterates_unroll_to_alg1s_two_step_maps():
    """The statement's definitions, substituted in order, are Alg. 1 run twice from m_0 = 0."""
    statement = sm.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY.statement
    rules = statement.substitutions()
    assert k.equal(statement.lhs, sm.l2_theta_2, rules)
    assert k.equal(statement.rhs, sm.w_theta_2, rules)
    assert not k.equal(statement.lhs, sm.w_theta_2, rules)
