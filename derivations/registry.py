"""The claim ledger: every :class:`Claim` of every derivation module, in problem-set order.

A derivation module joins the ledger by defining a module-level ``CLAIMS`` tuple (and, for the
update rules its claims are about, a ``DEFINITIONS`` tuple); no list here needs editing.
Claims are ordered by the question they answer, then module, then as declared.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from wdproof import derivations
from wdproof.derivations.claim import Claim, Definition

#: The problem set's questions, in the order the report follows (seed 000).
QUESTIONS = ("Q1.a.i", "Q1.a.ii", "Q1.b", "Q2.a", "Q2.b", "Q2.c")
#: Where a claim's section of the solution key is: a question of the problem set, or one of the
#: key's appendices: ``lecture-notes`` (claims the course's lecture notes make, seeds 002-004)
#: and ``schedules`` (the paper's schedule multiplier and normalized weight decay, Sec. 3, App. B).
SECTIONS = (*QUESTIONS, "lecture-notes", "schedules")


class UnknownClaimError(KeyError):
    """A claim id that is not in the ledger."""


def _collect(attribute: str) -> list:
    found = []
    for info in pkgutil.iter_modules(derivations.__path__):
        module = importlib.import_module(f"{derivations.__name__}.{info.name}")
        for position, claim in enumerate(getattr(module, attribute, ())):
            if claim.question not in SECTIONS:
                raise ValueError(f"claim {claim.id!r} names unknown question {claim.question!r}")
            found.append((SECTIONS.index(claim.question), info.name, position, claim))
    return [entry[-1] for entry in sorted(found, key=lambda e: e[:3])]


@cache
def all_definitions() -> tuple[Definition, ...]:
    """Every update rule as its source writes it, in question order."""
    return tuple(_collect("DEFINITIONS"))


@cache
def all_claims() -> tuple[Claim, ...]:
    """Every claim, ordered by question, then module name, then declaration order."""
    claims = tuple(_collect("CLAIMS"))
    ids = [claim.id for claim in claims]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate claim ids: {sorted(duplicates)}")
    return claims


def claim_ids() -> list[str]:
    return [claim.id for claim in all_claims()]


def get_claim(claim_id: str) -> Claim:
    for claim in all_claims():
        if claim.id == claim_id:
            return claim
    raise UnknownClaimError(claim_id)
