"""Q2.a convention claims: the kernel accepts these proofs, rejects wrong ones, and the
confirmations run the numbers the claims state."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
import sympy as sp
import torch

from wdproof.derivations import adam_epsilon as epsilon
from wdproof.derivations import adam_epsilon_inside_sqrt as inside
from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations import optimizer_moments as moments
from wdproof.derivations.kernel import Chain, Link, Proof, Statement, equal, judge
from wdproof.derivations.notation import alpha, beta1, beta2, decay_rate, eps, eta, latex, t
from wdproof.numerics.confirmation import confirm
from wdproof.numerics.confirmations import adam_epsilon as eps_hat_confirmation
from wdproof.numerics.confirmations import adam_epsilon_inside_sqrt as inside_confirmation
from wdproof.numerics.confirmations.optimizer_moments import adam_trace
from wdproof.numerics.optimizers.problems import mlp_regression
from wdproof.numerics.optimizers.rules import adam
from wdproof.numerics.optimizers.trajectory import run_rule

CLAIMS = conventions.CLAIMS + moments.CLAIMS + epsilon.CLAIMS + inside.CLAIMS
BY_ID = {claim.id: claim for claim in CLAIMS}


# --- optimizer_conventions: the AdamW dictionary ------------------------------------------
def test_the_decay_conditions_are_the_coefficients_of_u_and_theta():
    difference = sp.expand(conventions.torch_step - conventions.paper_step)
    assert equal(difference.coeff(conventions.u), alpha * eta - conventions.lr)
    assert equal(
        difference.coeff(conventions.theta_prev),
        eta * decay_rate - conventions.lr * conventions.weight_decay,
    )


@pytest.mark.parametrize(
    "pair",
    [(alpha * eta, decay_rate), (alpha, decay_rate / alpha)],
    ids=["paper lambda copied into weight_decay", "schedule forgotten"],
)
def test_a_wrong_dictionary_is_rejected(pair):
    claim = conventions.DECAY_CONVENTIONS
    assert claim.verdict.kind == "proved"
    wrong = claim.statement.mutated(solutions=sp.FiniteSet(sp.Tuple(*pair)))
    assert judge(wrong, claim.proof).kind == "unproved"


def test_wrong_listed_conditions_are_rejected():
    claim = conventions.DECAY_CONVENTIONS
    arg = claim.proof.argument
    wrong = dataclasses.replace(
        arg, necessary=dataclasses.replace(arg.necessary, equations=(alpha * eta - conventions.lr,))
    )
    verdict = judge(claim.statement, dataclasses.replace(claim.proof, argument=wrong))
    assert verdict.kind == "unproved" and "necessary conditions" in verdict.reason


# --- optimizer_moments: a constant gradient -------------------------------------------------
def test_the_step_claims_assume_exactly_the_proved_closed_forms():
    proved = moments.MOMENTS.statement.rhs
    closed = {
        conventions.m_t: proved.subs({moments.beta: beta1, moments.c: moments.g}),
        conventions.v_t: proved.subs({moments.beta: beta2, moments.c: moments.g**2}),
    }
    expected = {sp.Eq(lhs, rhs.subs(moments.k, t)) for lhs, rhs in closed.items()}
    for claim in (moments.BIAS_CORRECTION, moments.UNCORRECTED, epsilon.CONSTANT_EPS_HAT):
        assert set(claim.statement.hypotheses) == expected, claim.id


def test_induction_rejects_a_wrong_closed_form_and_an_uncited_hypothesis():
    claim = moments.MOMENTS
    e, k, beta, c = moments.ema, moments.k, moments.beta, moments.c
    wrong = claim.statement.mutated(rhs=(1 - beta ** (k + 1)) * c)
    assert judge(wrong, claim.proof).kind == "unproved"
    step = claim.proof.argument.step
    uncited = dataclasses.replace(
        step, links=tuple(dataclasses.replace(link, cites=()) for link in step.links)
    )
    proof = dataclasses.replace(
        claim.proof, argument=dataclasses.replace(claim.proof.argument, step=uncited)
    )
    assert judge(claim.statement, proof).kind == "unproved"
    assert e[0] in {d.lhs for d in claim.statement.definitions}


def test_bias_correction_is_what_removes_the_factor():
    # Without the corrections the corrected claim's chain does not reach alpha g/(|g| + eps).
    hypotheses = moments.BIAS_CORRECTION.statement.hypotheses
    before, after = moments.uncorrected_step, moments.constant_step
    uncorrected = Statement.forall(before, after, hypotheses=hypotheses)
    proof = Proof(Chain(before, (Link(after, "cancel"),)))
    assert judge(uncorrected, proof).kind == "unproved"


# --- adam_epsilon: eps-hat ------------------------------------------------------------------
def test_eps_hat_only_the_step_dependent_value_is_in_the_set():
    claim = epsilon.EPS_HAT
    constant = claim.statement.mutated(solutions=sp.FiniteSet(eps))
    assert judge(constant, claim.proof).kind == "unproved"
    assert equal(
        epsilon.efficient_step.subs(epsilon.eps_hat, epsilon.eps_hat_value), epsilon.torch_step
    )
    assert not equal(epsilon.efficient_step.subs(epsilon.eps_hat, eps), epsilon.torch_step)


def test_constant_eps_hat_is_conditional_on_beta2_and_needs_it():
    claim = epsilon.CONSTANT_EPS_HAT
    assert claim.verdict.hypotheses == (epsilon.DEFAULT_BETA2,)
    without = judge(claim.statement, dataclasses.replace(claim.proof, assumptions=()))
    assert without.kind == "unproved"  # SymPy cannot decide sqrt(1-b) != sqrt(1-b^2) unaided


# --- adam_epsilon_inside_sqrt: eps inside the square root ----------------------------------
def test_the_required_eps_is_eps_squared_plus_two_eps_sigma():
    claim = inside.REQUIRED_EPS
    (stated,) = claim.statement.solutions.args
    assert equal(stated, eps**2 + 2 * eps * inside.sigma)
    wrong = claim.statement.mutated(solutions=sp.FiniteSet(eps**2))
    assert judge(wrong, claim.proof).kind == "unproved"


def test_eps_inside_conditions_come_from_the_checked_gradients():
    claim = inside.EPS_INSIDE_SQRT
    g1 = inside.gradient
    one_gradient = dataclasses.replace(
        claim.proof.argument,
        derivations=claim.proof.argument.derivations[:1],
        equations=claim.proof.argument.equations[:1],
    )
    # One gradient alone is matched by eps' = 3 eps^2: not a proof of non-existence.
    verdict = judge(claim.statement, dataclasses.replace(claim.proof, argument=one_gradient))
    assert verdict.kind == "unproved"
    fitted = inside.lecture_first.subs(epsilon.eps_inside, 3 * eps**2)
    assert equal(fitted.subs(g1, eps), inside.torch_first.subs(g1, eps))
    assert not equal(fitted.subs(g1, 2 * eps), inside.torch_first.subs(g1, 2 * eps))


def test_the_ratio_is_not_one():
    assert not equal(inside.step_ratio, 1)
    assert equal(inside.step_ratio.subs(inside.v_hat, 0), sp.sqrt(eps))


# --- confirmations ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "g_1, lr, eps_",
    [([1e-3, 1.0], 0.1, 1e-3), ([-0.5, 2e-2, 7.0], 0.01, 1e-8), ([3.0, -1e-4], 1.0, 1e-1)],
)
def test_required_inside_eps_is_the_claims_solution(g_1, lr, eps_):
    step, eps_inside = inside_confirmation.required_inside_eps(lr, eps_, g_1)
    g = torch.tensor(g_1, dtype=torch.float64)
    scale = g.abs() + eps_  # eps'_j is (|g_j| + eps)^2 - g_j^2: rounding ~ ulp of scale^2
    stated = inside_confirmation.required_eps_function()
    expected = torch.tensor([stated(eps_, abs(x)) for x in g_1], dtype=torch.float64)
    assert bool(((eps_inside - expected).abs() <= 1e-14 * scale**2 + 1e-9 * expected).all())
    # eps outside the root, recovered the same way, is eps itself for every coordinate
    outside = lr * step.m_hat.abs() / step.moved.abs() - step.v_hat.sqrt()
    assert bool(((outside - eps_).abs() <= 1e-14 * scale + 1e-9 * eps_).all())


def test_the_traced_torch_run_is_the_reference_adam_rule():
    """``adam_trace`` records step t's move and bias-corrected moments, t-major: the moves add up
    to the reference rule's trajectory, and each is ``lr mhat_t/(sqrt(vhat_t) + eps)``."""
    problem, lr, eps_, steps = mlp_regression(seed=1), 0.01, 1e-3, 5
    trace = adam_trace(problem, steps, lr=lr, eps=eps_)
    theta_final = run_rule(problem, adam(lr=lr, eps=eps_), steps)[-1]
    n = len(problem.initial_values)
    assert [step.t for step in trace] == [s for s in range(1, steps + 1) for _ in range(n)]
    for i, start in enumerate(problem.initial_values):
        moved = sum(step.moved for step in trace[i::n])
        assert torch.allclose(moved, (start - theta_final[i]).flatten(), rtol=0, atol=1e-13)
        for step in trace[i::n]:
            expected = lr * step.m_hat / (step.v_hat.sqrt() + eps_)
            assert torch.allclose(step.moved, expected, rtol=0, atol=1e-14)


def test_the_eps_inside_instance_needs_two_different_eps_primes():
    """The torch instance sits where the kernel derived its conditions: its gradients need
    ``eps' = 3 eps^2`` and ``5 eps^2`` by the claim's own solution ``eps^2 + 2 eps |g_1|``."""
    instance = inside.EPS_INSIDE_SQRT.instance
    (required,) = inside.REQUIRED_EPS.statement.solutions.args
    needed = [float(required.subs({eps: instance.eps, inside.sigma: abs(g)})) for g in instance.g_1]
    assert needed == pytest.approx([3 * instance.eps**2, 5 * instance.eps**2], rel=1e-12)


def test_eps_inside_confirmation_separates_and_needs_distinct_gradients(monkeypatch):
    result = confirm(inside.EPS_INSIDE_SQRT)
    assert result.holds and result.extra["own_eps_max_miss"] <= 1e-12
    same = dataclasses.replace(inside.EPS_INSIDE_SQRT.instance, g_1=(1e-3, -1e-3))
    monkeypatch.setattr(inside, "EPS_INSIDE_SQRT", SimpleNamespace(instance=same))
    assert not inside_confirmation.eps_inside_sqrt_counterexample().holds  # one |g|: one eps'


def test_constant_eps_hat_confirmation_uses_the_claims_instance(monkeypatch):
    result = confirm(epsilon.CONSTANT_EPS_HAT)
    assert result.holds and result.relation == ">"
    # At beta_2 = 0 the constant eps_hat = eps fits every step: the separation vanishes.
    flat = dataclasses.replace(epsilon.CONSTANT_EPS_HAT.instance, betas=(0.9, 0.0))
    monkeypatch.setattr(epsilon, "CONSTANT_EPS_HAT", SimpleNamespace(instance=flat))
    assert not eps_hat_confirmation.constant_eps_hat_misses_step_two().holds


@pytest.mark.parametrize(
    "claim_id",
    [
        "adam-moments-constant-gradient",
        "adam-bias-correction-constant-gradient",
        "adam-uncorrected-step-constant-gradient",
        "adam-eps-inside-sqrt-required-eps",
        "adam-eps-inside-sqrt-step-ratio",
    ],
)
def test_fast_confirmations_hold(claim_id):
    assert confirm(BY_ID[claim_id]).holds


# --- definitions and the solution key's rules ---------------------------------------------
def test_definitions_are_typeset_update_rules():
    definitions = conventions.DEFINITIONS + epsilon.DEFINITIONS
    assert {d.id for d in definitions} == {
        "adamw-paper-alg2",
        "torch-optim-adam",
        "adam-lecture-002",
        "adam-efficient-form",
    }
    for definition in definitions:
        assert definition.question == "Q2.a"
        for name, equation in definition.equations:
            assert isinstance(equation, sp.Eq), (definition.id, name)
    lecture = dict(epsilon.LECTURE_ADAM.equations)["step 6"].rhs
    torch_adam = dict(conventions.TORCH_ADAM.equations)["Adam: step"].rhs
    # eps inside the root, as the lecture writes; outside, as PyTorch documents
    assert lecture.has(epsilon.v_hat + eps) and not lecture.has(sp.sqrt(epsilon.v_hat))
    assert torch_adam.has(sp.sqrt(conventions.v_hat) + eps)


c = conventions
STEP = {c.theta_prev, c.m_hat, c.v_hat, eps}  # what every update of theta reads
#: name -> (left-hand side, free symbols of the right-hand side): each rule is its own equation.
RULE_CASES = {
    "first moment": (c.m_t, {beta1, c.m_prev, c.g_t}),
    "second moment": (c.v_t, {beta2, c.v_prev, c.g_t}),
    "bias corrections": (sp.Tuple(c.m_hat, c.v_hat), {c.m_t, c.v_t, beta1, beta2, t}),
    "Adam (torch.optim.Adam, L2 weight_decay added to g_t)": (c.theta_next, STEP | {c.lr}),
    "AdamW, torch.optim.AdamW": (c.theta_next, STEP | {c.lr, c.weight_decay}),
    "AdamW, paper Alg. 2": (c.theta_next, STEP | {eta, alpha, decay_rate}),
}


def test_update_rules_are_the_expected_equations():
    rules = dict(conventions.UPDATE_RULES)
    assert set(rules) == set(RULE_CASES)
    for name, (lhs, rhs_symbols) in RULE_CASES.items():
        equation = rules[name]
        assert equation.lhs == lhs, name
        assert equation.rhs.free_symbols == rhs_symbols, name
        differences = zip(lhs, equation.rhs) if isinstance(lhs, sp.Tuple) else [(lhs, equation.rhs)]
        assert not any(equal(a, b) for a, b in differences), name  # an update, not a tautology


def test_update_rules_are_consistent_with_the_claimed_dictionary():
    rules = dict(conventions.UPDATE_RULES)
    torch_adam = rules["Adam (torch.optim.Adam, L2 weight_decay added to g_t)"].rhs
    torch_adamw = rules["AdamW, torch.optim.AdamW"].rhs
    paper_adamw = rules["AdamW, paper Alg. 2"].rhs
    lr, weight_decay = conventions.lr, conventions.weight_decay
    assert equal(torch_adamw.subs(weight_decay, 0), torch_adam)  # no decay: plain Adam
    ((lr_value, weight_decay_value),) = conventions.DECAY_CONVENTIONS.statement.solutions.args
    assert equal(torch_adamw.subs({lr: lr_value, weight_decay: weight_decay_value}), paper_adamw)
    copied = torch_adamw.subs({lr: lr_value, weight_decay: decay_rate})  # lambda into weight_decay
    assert not equal(copied, paper_adamw)


@pytest.mark.parametrize("name", RULE_CASES)
def test_each_rule_typesets_its_own_equation(name):
    equation = dict(conventions.UPDATE_RULES)[name]
    text = latex(equation)
    assert text.startswith(latex(equation.lhs) + " = "), text
    for symbol in equation.rhs.free_symbols:  # every symbol of this rule's right-hand side
        assert latex(symbol) in text, (name, latex(symbol), text)


def test_solution_key_renders_these_rules():
    from wdproof.report import grading_section

    rendered = grading_section.update_rules()
    assert [(r["name"], r["latex"]) for r in rendered] == [
        (name, latex(equation)) for name, equation in conventions.UPDATE_RULES
    ]
