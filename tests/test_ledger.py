"""Every claim in the ledger: its SymPy steps check and its torch confirmation agrees."""

from __future__ import annotations

import pytest
import sympy as sp

from wdproof.derivations.registry import all_claims
from wdproof.numerics.confirmation import unconfirmed_claims

CLAIMS = all_claims()


def test_ledger_is_not_empty():
    assert CLAIMS, "no claims were discovered"


def test_every_claim_has_a_numeric_confirmation():
    assert unconfirmed_claims() == []


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_every_derivation_step_verifies(claim):
    checks = claim.verify_steps()
    assert checks, f"{claim.id} has no derivation steps"
    failed = [claim.steps[i].text for i, ok in enumerate(checks) if not ok]
    assert not failed, f"steps that SymPy rejects: {failed}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_numeric_confirmation_agrees_with_verdict(claim, ledger):
    confirmation = ledger[claim.id].confirmation
    assert confirmation.holds, (
        f"{confirmation.quantity} = {confirmation.value} is not "
        f"{confirmation.relation} {confirmation.tolerance}"
    )


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_metadata_is_complete(claim):
    assert claim.title and claim.source and claim.statement_text and claim.conventions
    # A relation SymPy evaluated away (to True/False) would typeset as a bare word.
    assert not isinstance(claim.statement, sp.logic.boolalg.BooleanAtom), claim.statement
    if claim.verdict.kind == "refuted":
        assert claim.verdict.counterexample
    if claim.verdict.kind == "conditional":
        assert claim.verdict.condition
