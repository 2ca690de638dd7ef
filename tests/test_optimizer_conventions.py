"""Q2.a convention claims: the wrong dictionaries are rejected, the update rules typeset."""

from __future__ import annotations

import pytest
import sympy as sp

from wdproof.derivations import adam_epsilon as epsilon
from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import alpha, eps, eta, lam, latex


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


def test_update_rules_typeset():
    assert len(conventions.UPDATE_RULES) == 6
    for name, equation in conventions.UPDATE_RULES:
        text = latex(equation)
        assert name and text and "hat" in latex(conventions.adam_direction)
