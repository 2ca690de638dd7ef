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
from wdproof.derivations.notation import l2_coefficient, vector
from wdproof.derivations.registry import all_claims, get_claim
from wdproof.numerics.confirmation import Confirmation
from wdproof.numerics.ledger import LedgerEntry

CLAIMS = all_claims()


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_every_mutant_is_killed(claim):
    report = kill_report(claim)
    rates = ", ".join(f"{kind} {report.killed[kind]}/{report.total[kind]}" for kind in KINDS)
    print(f"\n{claim.id}: {rates}")
    assert report.total["verdict"] == 3
    assert not report.survivors, f"{claim.id}: survivors {report.survivors}"
    if isinstance(claim.proof.argument, k.Evidence):  # no proof: nothing to mutate but the verdict
        assert claim.expect == "unproved" and claim.verdict.form == "numerical evidence only"
        return
    assert report.total["statement"] >= 6
    if not isinstance(claim.proof.argument, k.Counterexample):  # nothing to cut short in one
        assert report.total["truncation"] >= 1, "a proof with nothing to cut short"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_each_mutant_changes_only_what_its_kind_says(claim):
    """A mutant killed for the wrong reason proves nothing: a verdict mutant changes only the
    expectation, a statement mutant only the statement, the others only the proof."""
    for m in mutants(claim):
        changed = {
            "expect": m.expect != claim.expect,
            "statement": m.statement != claim.statement,
            "proof": m.proof != claim.proof,
        }
        which = {"verdict": "expect", "statement": "statement"}.get(m.kind, "proof")
        assert changed == {name: name == which for name in changed}, m.description


def _with(claim, **changes):
    return dataclasses.replace(claim, **changes)


def test_a_verdict_typed_in_by_hand_fails_verification():
    """The issue's first two reviews: a verdict typed in by hand no longer decides anything;
    the ledger entry (what ``wdproof verify`` counts) fails even where the numbers agree."""
    agreeing = Confirmation("numbers agree", 0.0, 1.0)
    for claim_id in ("prop3-printed-normalization", "sgd-momentum-l2-equals-constant-decay"):
        flipped = _with(get_claim(claim_id), expect="proved")
        entry = LedgerEntry(flipped, flipped.verdict, agreeing)
        assert not entry.holds
        assert entry.failure() == "kernel computed refuted, expected proved"


def test_prop1_with_the_false_mapping_is_not_proved():
    """Statement replaced by the false lambda = lambda' version."""
    claim = get_claim("sgd-l2-equals-weight-decay")
    false = claim.statement.mutated(solutions=sp.FiniteSet(l2_coefficient))
    assert k.judge(false, claim.proof).kind == "unproved"


def test_prop1_with_a_trivial_derivation_is_not_proved():
    """Whole derivation replaced by the single step theta_t = theta_t."""
    claim = get_claim("sgd-l2-equals-weight-decay")
    theta = vector("theta_t")
    trivial = k.Proof(k.Chain(theta, (k.Link(theta, r"$\theta_t = \theta_t$"),)))
    assert k.judge(claim.statement, trivial).kind == "unproved"
