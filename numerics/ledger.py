"""The ledger evaluated: each claim with its checked steps and its numeric confirmation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wdproof.derivations.claim import Claim
from wdproof.derivations.registry import all_claims, get_claim
from wdproof.numerics.confirmation import Confirmation, confirm


@dataclass(frozen=True)
class LedgerEntry:
    claim: Claim
    step_checks: tuple[bool, ...]
    confirmation: Confirmation

    @property
    def steps_verified(self) -> bool:
        return all(self.step_checks)

    @property
    def holds(self) -> bool:
        """The derivation checks and the numbers agree with the verdict."""
        return self.steps_verified and self.confirmation.holds

    def as_dict(self) -> dict:
        c = self.confirmation
        return {
            "id": self.claim.id,
            "title": self.claim.title,
            "source": self.claim.source,
            "question": self.claim.question,
            "verdict": self.claim.verdict.kind,
            "condition": self.claim.verdict.condition,
            "counterexample": _jsonable(self.claim.verdict.counterexample),
            "steps": len(self.step_checks),
            "steps_verified": sum(self.step_checks),
            "numeric": {
                "quantity": c.quantity,
                "value": c.value,
                "tolerance": c.tolerance,
                "relation": c.relation,
                "holds": c.holds,
            },
            "numeric_max_deviation": c.value,
            "holds": self.holds,
        }


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def _failed_confirmation(why: str) -> Confirmation:
    return Confirmation(quantity="numeric confirmation", value=float("nan"), tolerance=0.0, note=why)


def evaluate(claim: Claim) -> LedgerEntry:
    """Check ``claim``'s derivation with SymPy and run its torch confirmation.

    A missing or crashing confirmation is recorded as a failed one (value NaN, the error in
    ``note``) so that one broken claim never hides the results of the others.
    """
    steps = tuple(claim.verify_steps())
    try:
        confirmation = confirm(claim)
    except LookupError as err:
        confirmation = _failed_confirmation(str(err))
    except Exception as err:  # noqa: BLE001 - reported per claim, see docstring
        confirmation = _failed_confirmation(f"confirmation raised {type(err).__name__}: {err}")
    return LedgerEntry(claim, steps, confirmation)


def evaluate_many(ids: Iterable[str] | None = None) -> list[LedgerEntry]:
    claims = all_claims() if ids is None else [get_claim(i) for i in ids]
    return [evaluate(claim) for claim in claims]
