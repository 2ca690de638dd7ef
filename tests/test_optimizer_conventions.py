"""Q2.a convention claims: the wrong dictionaries are rejected, the update rules typeset."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sympy as sp
import torch

from wdproof.derivations import adam_epsilon as epsilon
from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import alpha, beta1, beta2, eps, eta, lam, latex, t
from wdproof.numerics.confirmations import optimizer_conventions as confirmation


@pytest.mark.parametrize(
    "mapping, holds",
    [
        ({conventions.lr: alpha * eta, conventions.wd: lam / alpha}, True),
        ({conventions.lr: alpha * eta, conventions.wd: lam}, False),  # paper's lambda copied
        ({conventions.lr: alpha, conventions.wd: lam / alpha}, False),  # schedule forgotten
    ],
)
def test_only_the_stated_decay_mapping_turns_torch_adamw_into_alg2(mapping, holds):
    step = Identity("", conventions.torch_step, conventions.paper_step, given=mapping)
    assert step.verify() is holds


@pytest.mark.parametrize(
    "eps_hat, holds",
    [(eps * sp.sqrt(epsilon.correction2), True), (eps, False)],
)
def test_eps_hat_maps_only_with_the_step_dependent_value(eps_hat, holds):
    step = Identity(
        "", epsilon.efficient_step, epsilon.torch_step, given={epsilon.eps_hat: eps_hat}
    )
    assert step.verify() is holds


def test_eps_inside_sqrt_matches_only_the_fitted_gradient():
    fitted = {epsilon.eps_in: epsilon.required}
    same = Identity(
        "", epsilon.inside_first, epsilon.torch_first, fitted, epsilon._factor_radicands
    )
    other = Identity(
        "",
        epsilon.inside_first.subs(epsilon.g1, 2 * epsilon.g1),
        epsilon.torch_first.subs(epsilon.g1, 2 * epsilon.g1),
        given=fitted,
        check=epsilon._factor_radicands,
    )
    assert same.verify() and not other.verify()


@pytest.mark.parametrize(
    "gradient, lr, eps_",
    [([1e-3, 1.0], 0.1, 1e-3), ([-0.5, 2e-2, 7.0], 0.01, 1e-8), ([3.0, -1e-4], 1.0, 1e-1)],
)
def test_required_inside_eps_is_eps_squared_plus_two_eps_abs_g(gradient, lr, eps_):
    run = confirmation.required_inside_eps(lr, eps_, gradient)
    g = torch.tensor(gradient, dtype=torch.float64)
    scale = g.abs() + eps_  # eps'_j is (|g_j| + eps)^2 - g_j^2: rounding ~ ulp of scale^2
    expected = eps_**2 + 2 * eps_ * g.abs()
    assert bool(((run["eps_in"] - expected).abs() <= 1e-14 * scale**2 + 1e-9 * expected).all())
    # eps outside the root, recovered the same way, is eps itself for every coordinate
    outside = lr * run["mhat"].abs() / run["step"].abs() - run["vhat"].sqrt()
    assert bool(((outside - eps_).abs() <= 1e-14 * scale + 1e-9 * eps_).all())


def test_equal_gradient_sizes_need_one_eps_so_the_spread_vanishes():
    run = confirmation.required_inside_eps(0.1, 1e-3, [0.5, -0.5, 0.5])
    assert float(run["eps_in"].max() - run["eps_in"].min()) < confirmation.EPS_SPREAD_TOLERANCE


def test_eps_inside_confirmation_separates_and_its_guard_can_fail(monkeypatch):
    result = confirmation.eps_inside_sqrt_counterexample()
    assert result.holds and result.extra["own_eps_max_miss"] <= 1e-12
    wrong = dict(epsilon.INSIDE_COUNTEREXAMPLE, eps_inside=1e-6)  # eps^2 only: forgot 2 eps g_0
    fake = SimpleNamespace(verdict=SimpleNamespace(counterexample=wrong))
    monkeypatch.setattr(confirmation, "EPS_INSIDE_SQRT", fake)
    with pytest.raises(RuntimeError, match="eps_inside"):
        confirmation.eps_inside_sqrt_counterexample()


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
        # an update, not a tautology: lhs - rhs is not identically zero
        differences = zip(lhs, equation.rhs) if isinstance(lhs, sp.Tuple) else [(lhs, equation.rhs)]
        assert all(sp.simplify(a - b) != 0 for a, b in differences), name


def test_update_rules_are_consistent_with_each_other():
    rules = dict(conventions.UPDATE_RULES)
    adam = rules["Adam (torch.optim.Adam, L2 weight_decay added to g_t)"].rhs
    torch_adamw = rules["AdamW, torch.optim.AdamW"].rhs
    paper_adamw = rules["AdamW, paper Alg. 2"].rhs
    assert sp.simplify(torch_adamw.subs(conventions.wd, 0) - adam) == 0  # no decay: plain Adam
    mapped = torch_adamw.subs({conventions.lr: alpha * eta, conventions.wd: lam / alpha})
    assert sp.simplify(mapped - paper_adamw) == 0  # Claim 1's mapping
    assert sp.simplify(torch_adamw.subs(conventions.lr, alpha * eta) - paper_adamw) != 0


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
