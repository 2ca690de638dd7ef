"""The ledger evaluated: each claim with its checked steps and its numeric confirmation."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Verdict
from wdproof.derivations.notation import latex
from wdproof.derivations.registry import UnknownClaimError, all_claims, get_claim
from wdproof.numerics.confirmation import Confirmation, confirm


@dataclass(frozen=True)
class LedgerEntry:
    """A claim with the verdict the kernel computed and its torch confirmation."""

    claim: Claim
    verdict: Verdict
    confirmation: Confirmation

    @property
    def step_checks(self) -> tuple[bool, ...]:
        return tuple(step.ok for step in self.verdict.steps)

    @property
    def as_expected(self) -> bool:
        """The kernel computed the verdict the author expects (a test expectation)."""
        return self.verdict.kind == self.claim.expect

    @property
    def holds(self) -> bool:
        """The kernel's verdict is the expected one and the numbers agree with it."""
        return self.as_expected and self.confirmation.holds

    def failure(self) -> str:
        """Why the entry does not hold, in one line (empty when it holds)."""
        if not self.as_expected:
            why = f": {self.verdict.reason}" if self.verdict.reason else ""
            return f"kernel computed {self.verdict.kind}, expected {self.claim.expect}{why}"
        if not self.confirmation.holds:
            return f"numeric confirmation failed: {self.confirmation.note}"
        return ""

    def as_dict(self) -> dict:
        c, v = self.confirmation, self.verdict
        return {
            "id": self.claim.id,
            "title": self.claim.title,
            "source": self.claim.source,
            "question": self.claim.question,
            "statement": self.claim.statement_latex(),
            "statement_kind": self.claim.statement.kind,
            "definitions": self.claim.statement.definitions_latex(),
            "verdict": v.kind,
            "expected_verdict": self.claim.expect,
            "proof_form": v.form,
            "hypotheses": [latex(h) for h in v.hypotheses],
            "counterexample": _jsonable(v.counterexample),
            "reason": v.reason,
            "steps": len(v.steps),
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
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)  # SymPy numbers and symbols print exactly


def _failed_confirmation(why: str) -> Confirmation:
    return Confirmation(
        quantity="numeric confirmation", value=float("nan"), tolerance=0.0, note=why
    )


def evaluate(claim: Claim, verdict: Verdict | None = None) -> LedgerEntry:
    """Judge ``claim``'s proof with the kernel and run its torch confirmation.

    The kernel never raises (a raising step is that claim's ``unproved`` verdict, with the
    exception's message); a missing or crashing confirmation is recorded as a failed one (value
    NaN, the error in ``note``), so one broken claim never hides the results of the others.
    ``verdict``, when given, is the kernel's verdict computed in another process (see
    :func:`evaluate_stream`).
    """
    if verdict is not None:
        claim.__dict__.setdefault("verdict", verdict)  # the cached_property's slot
    try:
        confirmation = confirm(claim)
    except LookupError as err:
        confirmation = _failed_confirmation(str(err))
    except Exception as err:  # noqa: BLE001 - reported per claim, see docstring
        confirmation = _failed_confirmation(f"confirmation raised {type(err).__name__}: {err}")
    return LedgerEntry(claim, claim.verdict, confirmation)


def _judge(claim_id: str) -> Verdict:
    return get_claim(claim_id).verdict


def _registered(claim: Claim) -> bool:
    """``claim`` is the ledger's own claim of that id, so a worker can look it up by id.

    A claim rebuilt from one of the ledger (a mutant: same id, another statement or proof) is
    not, and is judged in this process: judging its namesake would give the wrong verdict.
    """
    try:
        return get_claim(claim.id) is claim
    except UnknownClaimError:
        return False


def evaluate_stream(claims: Iterable[Claim]) -> Iterator[LedgerEntry]:
    """Evaluate ``claims`` in order, the kernel and torch on two cores at once.

    The kernel (SymPy, single-threaded) judges every ledger claim in one forked worker process
    while this process runs the torch confirmations; each entry is yielded as soon as both halves
    of it are done. A claim that is not the ledger's own (see :func:`_registered`), one already
    judged, and every claim where ``fork`` is unavailable, is judged here.
    """
    claims = list(claims)
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        yield from (evaluate(claim) for claim in claims)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        futures = [
            pool.submit(_judge, claim.id)
            if "verdict" not in claim.__dict__ and _registered(claim)
            else None
            for claim in claims
        ]
        for claim, future in zip(claims, futures, strict=True):
            verdict = None
            if future is not None:
                try:
                    verdict = future.result()
                except Exception:  # noqa: BLE001 - a lost worker: judge here instead
                    verdict = None
            yield evaluate(claim, verdict)


def evaluate_many(ids: Iterable[str] | None = None) -> list[LedgerEntry]:
    claims = all_claims() if ids is None else [get_claim(i) for i in ids]
    return list(evaluate_stream(claims))
