"""Q2.a convention claims: the kernel accepts these proofs, rejects wrong ones, and the
confirmations run the numbers the claims state."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
import sympy as sp
import torch

from wdproof.derivations import adam_epsilon as epsilon
from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations.claim import Definition
from wdproof.derivations.kernel import (
    Chain,
    Link,
    Proof,
    Statement,
    equal,
    judge,
)
from wdproof.derivations.notation import alpha, beta1, beta2, eps, eta, lam, latex, t
from wdproof.numerics.confirmation import confirm
from wdproof.numerics.confirmations import optimizer_conventions as confirmation

CLAIMS = conventions.CLAIMS + epsilon.CLAIMS
BY_ID = {claim.id: claim for claim in CLAIMS}


# --- claim 1: the AdamW dictionary --------------------------------------------------------
def test_the_decay_conditions_are_the_coefficients_of_u_and_theta():
    difference = sp.expand(conventions.torch_step - conventions.paper_step)
    assert equal(difference.coeff(conventions.u), alpha * eta - conventions.lr)
    assert equal(
        difference.coeff(conventions.theta_prev), eta * lam - conventions.lr * conventions.wd
    )


@pytest.mark.parametrize(
    "pair",
    [
        (alpha * eta, lam),  # the paper's lambda copied into weight_decay
        (alpha, lam / alpha),  # the schedule forgotten
    ],
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


# --- claims 2-4: a constant gradient ---------------------------------------------------------
def test_the_step_claims_assume_exactly_the_proved_closed_forms():
    moments = conventions.MOMENTS.statement
    closed = {
        conventions.m_t: moments.rhs.subs({conventions.beta: beta1, conventions.c: conventions.g}),
        conventions.v_t: moments.rhs.subs(
            {conventions.beta: beta2, conventions.c: conventions.g**2}
        ),
    }
    expected = {sp.Eq(lhs, rhs.subs(conventions.k, t)) for lhs, rhs in closed.items()}
    for claim in (conventions.BIAS_CORRECTION, conventions.UNCORRECTED, epsilon.CONSTANT_EPS_HAT):
        assert set(claim.statement.hypotheses) == expected, claim.id


def test_induction_rejects_a_wrong_closed_form_and_an_uncited_hypothesis():
    claim = conventions.MOMENTS
    e, k, beta, c = conventions.ema, conventions.k, conventions.beta, conventions.c
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
    claim = conventions.BIAS_CORRECTION
    uncorrected = Statement.forall(
        conventions.uncorrected_step,
        conventions.constant_step,
        hypotheses=claim.statement.hypotheses,
    )
    proof = Proof(Chain(conventions.uncorrected_step, (Link(conventions.constant_step, "cancel"),)))
    assert judge(uncorrected, proof).kind == "unproved"


# --- claims 5-6: eps-hat ----------------------------------------------------------------------
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


# --- claims 7-9: eps inside the square root ---------------------------------------------------
def test_the_required_eps_is_eps_squared_plus_two_eps_sigma():
    claim = epsilon.REQUIRED_EPS
    (stated,) = claim.statement.solutions.args
    assert equal(stated, eps**2 + 2 * eps * epsilon.sigma)
    wrong = claim.statement.mutated(solutions=sp.FiniteSet(eps**2))
    assert judge(wrong, claim.proof).kind == "unproved"


def test_eps_inside_conditions_come_from_the_checked_gradients():
    claim = epsilon.EPS_INSIDE_SQRT
    g1 = epsilon.gradient
    one_gradient = dataclasses.replace(
        claim.proof.argument,
        derivations=claim.proof.argument.derivations[:1],
        equations=claim.proof.argument.equations[:1],
    )
    # One gradient alone is matched by eps' = 3 eps^2: not a proof of non-existence.
    verdict = judge(claim.statement, dataclasses.replace(claim.proof, argument=one_gradient))
    assert verdict.kind == "unproved"
    fitted = epsilon.lecture_first.subs(epsilon.eps_in, 3 * eps**2)
    assert equal(fitted.subs(g1, eps), epsilon.torch_first.subs(g1, eps))
    assert not equal(fitted.subs(g1, 2 * eps), epsilon.torch_first.subs(g1, 2 * eps))


def test_the_ratio_is_not_one():
    assert not equal(epsilon.step_ratio, 1)
    assert equal(epsilon.step_ratio.subs(epsilon.v_hat, 0), sp.sqrt(eps))


# --- confirmations ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "gradient, lr, eps_",
    [([1e-3, 1.0], 0.1, 1e-3), ([-0.5, 2e-2, 7.0], 0.01, 1e-8), ([3.0, -1e-4], 1.0, 1e-1)],
)
def test_required_inside_eps_is_the_claims_solution(gradient, lr, eps_):
    run = confirmation.required_inside_eps(lr, eps_, gradient)
    g = torch.tensor(gradient, dtype=torch.float64)
    scale = g.abs() + eps_  # eps'_j is (|g_j| + eps)^2 - g_j^2: rounding ~ ulp of scale^2
    stated = confirmation._required_eps_function()
    expected = torch.tensor([stated(eps_, abs(x)) for x in gradient], dtype=torch.float64)
    assert bool(((run["eps_in"] - expected).abs() <= 1e-14 * scale**2 + 1e-9 * expected).all())
    # eps outside the root, recovered the same way, is eps itself for every coordinate
    outside = lr * run["mhat"].abs() / run["step"].abs() - run["vhat"].sqrt()
    assert bool(((outside - eps_).abs() <= 1e-14 * scale + 1e-9 * eps_).all())


def test_the_eps_inside_instance_is_the_kernels_checked_gradients():
    instance = epsilon.EPS_INSIDE_SQRT.instance
    values = [v[epsilon.gradient].subs(eps, instance["eps"]) for v in epsilon.GRADIENTS_CHECKED]
    assert instance["gradient"] == pytest.approx([float(v) for v in values])


def test_eps_inside_confirmation_separates_and_needs_distinct_gradients(monkeypatch):
    result = confirm(epsilon.EPS_INSIDE_SQRT)
    assert result.holds and result.extra["own_eps_max_miss"] <= 1e-12
    same = dict(epsilon.EPS_INSIDE_SQRT.instance, gradient=[1e-3, -1e-3])
    monkeypatch.setattr(epsilon, "EPS_INSIDE_SQRT", SimpleNamespace(instance=same))
    assert not confirmation.eps_inside_sqrt_counterexample().holds  # one |g|: one eps' fits


def test_constant_eps_hat_confirmation_uses_the_claims_instance(monkeypatch):
    result = confirm(epsilon.CONSTANT_EPS_HAT)
    assert result.holds and result.relation == ">"
    # At beta_2 = 0 the constant eps_hat = eps fits every step: the separation vanishes.
    flat = dict(epsilon.CONSTANT_EPS_HAT.instance, betas=(0.9, 0.0))
    monkeypatch.setattr(epsilon, "CONSTANT_EPS_HAT", SimpleNamespace(instance=flat))
    assert not confirmation.constant_eps_hat_misses_step_two().holds


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
        assert isinstance(definition, Definition) and definition.question == "Q2.a"
        for name, equation in definition.equations:
            assert isinstance(equation, sp.Eq), (definition.id, name)
    lecture = dict(epsilon.LECTURE_ADAM.equations)["step 6"].rhs
    torch_adam = dict(conventions.TORCH_ADAM.equations)["Adam: step"].rhs
    # eps inside the root, as the lecture writes; outside, as PyTorch documents
    assert lecture.has(epsilon.v_hat + eps) and not lecture.has(sp.sqrt(epsilon.v_hat))
    assert torch_adam.has(sp.sqrt(conventions.v_hat) + eps)


c = conventions
#: name -> (left-hand side, free symbols of the right-hand side): each rule is its own equation.
RULE_CASES = {
    "first moment": (c.m_t, {beta1, c.m_prev, c.g_t}),
    "second moment": (c.v_t, {beta2, c.v_prev, c.g_t}),
    "bias corrections": (sp.Tuple(c.m_hat, c.v_hat), {c.m_t, c.v_t, beta1, beta2, t}),
    "Adam (torch.optim.Adam, L2 weight_decay added to g_t)": (
        c.theta_next,
        {c.theta_prev, c.lr, c.m_hat, c.v_hat, eps},
    ),
    "AdamW, torch.optim.AdamW": (c.theta_next, {c.theta_prev, c.lr, c.wd, c.m_hat, c.v_hat, eps}),
    "AdamW, paper Alg. 2": (c.theta_next, {c.theta_prev, eta, alpha, lam, c.m_hat, c.v_hat, eps}),
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
    adam = rules["Adam (torch.optim.Adam, L2 weight_decay added to g_t)"].rhs
    torch_adamw = rules["AdamW, torch.optim.AdamW"].rhs
    paper_adamw = rules["AdamW, paper Alg. 2"].rhs
    assert equal(torch_adamw.subs(conventions.wd, 0), adam)  # no decay: plain Adam
    ((lr_value, wd_value),) = conventions.DECAY_CONVENTIONS.statement.solutions.args
    assert equal(
        torch_adamw.subs({conventions.lr: lr_value, conventions.wd: wd_value}), paper_adamw
    )
    assert not equal(torch_adamw.subs({conventions.lr: lr_value, conventions.wd: lam}), paper_adamw)


@pytest.mark.parametrize("name", RULE_CASES)
def test_each_rule_typesets_its_own_equation(name):
    equation = dict(conventions.UPDATE_RULES)[name]
    text = latex(equation)
    assert text.startswith(latex(equation.lhs) + " = "), text
    for symbol in equation.rhs.free_symbols:  # every symbol of this rule's right-hand side
        assert latex(symbol) in text, (name, latex(symbol), text)


def test_solution_key_renders_these_rules(monkeypatch):
    from wdproof.report import grading_section

    monkeypatch.setattr(grading_section, "reference_vs_torch", lambda: 0.0)  # skip the torch run
    rendered = grading_section.grading_context()["rules"]
    assert [(r["name"], r["latex"]) for r in rendered] == [
        (name, latex(equation)) for name, equation in conventions.UPDATE_RULES
    ]
