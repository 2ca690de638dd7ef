"""Shared fixtures: the evaluated ledger (computed once per session)."""

from __future__ import annotations

import pytest

from wdproof.numerics.ledger import LedgerEntry, evaluate_many


@pytest.fixture(scope="session")
def ledger() -> dict[str, LedgerEntry]:
    return {entry.claim.id: entry for entry in evaluate_many()}
