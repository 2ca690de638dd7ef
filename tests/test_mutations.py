"""The mutation suite: for every claim, every mutant must be refused by the kernel.

Prints the kill rate per claim and kind (run with ``-s`` to see it; ``wdproof verify --mutate``
prints the same table).
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from wdproof.derivations import kernel as k
from wdproof.derivations.mutations import KINDS, kill_report, mutants
from wdproof.derivations.notation import lam_l2
from wdproof.derivations.registry import all_claims, get_claim
from wdproof.derivations.sgd_weight_decay import theta

CLAIMS = all_claims()


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_every_mutant_is_killed(claim):
    report = kill_report(claim)
    rates = ", ".join(f"{kind} {report.killed[kind]}/{report.total[kind]}" for kind in KINDS)
    print(f"\n{claim.id}: {rates}")
    assert report.total["verdict"] == 2 and report.total["statement"] >= 6
    if not isinstance(claim.proof.argument, k.Counterexample):  # nothing to cut short in one
        assert report.total["truncation"] >= 1, "a proof with nothing to cut short"
    assert not report.survivors, f"{claim.id}: survivors {report.survivors}"


def test_mutants_change_what_they_claim_to():
    claim = get_claim("sgd-l2-equals-weight-decay")
    found = mutants(claim)
    statements = [m for m in found if m.kind == "statement"]
    assert all(m.statement != claim.statement for m in statements)
    truncated = [m for m in found if m.kind == "truncation"]
    assert all(m.proof != claim.proof for m in truncated)


def _with(claim, **changes):
    return dataclasses.replace(claim, **changes)


def test_flipped_verdicts_fail_verification():
    """The issue's first two reviews: a verdict typed in by hand no longer decides anything."""
    for claim_id in ("prop3-printed-normalization", "sgd-momentum-l2-equals-constant-decay"):
        claim = get_claim(claim_id)
        assert claim.verdict.kind == "refuted"
        flipped = _with(claim, expect="proved")
        assert flipped.verdict.kind != flipped.expect


def test_prop1_with_the_false_mapping_is_not_proved():
    """Statement replaced by the false lambda = lambda' version."""
    claim = get_claim("sgd-l2-equals-weight-decay")
    false = claim.statement.mutated(solutions=sp.FiniteSet(lam_l2))
    assert k.judge(false, claim.proof).kind == "unproved"


def test_prop1_with_a_trivial_derivation_is_not_proved():
    """Whole derivation replaced by the single step theta_t = theta_t."""
    claim = get_claim("sgd-l2-equals-weight-decay")
    trivial = k.Proof(k.Chain(theta, (k.Link(theta, r"$\theta_t = \theta_t$"),)))
    assert k.judge(claim.statement, trivial).kind == "unproved"
