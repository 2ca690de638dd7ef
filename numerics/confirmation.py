"""A numeric confirmation: a measured torch.optim quantity, its tolerance and its table.

Numbers confirm a claim; they never prove it. A confirmation either measures a deviation that
must stay within ``tolerance`` (``relation="<="``: the claim says two methods agree), or a
separation that must exceed it (``relation=">"``: a counterexample shows they differ).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import torch

from wdproof.derivations.claim import Claim
from wdproof.derivations.registry import all_claims


@dataclass(frozen=True)
class Confirmation:
    """What one numeric run measured.

    Attributes:
        quantity: what ``value`` is, in words ("max |theta_L2 - theta_WD| over 200 steps").
        value: the measured number.
        tolerance: the bound it is compared with.
        relation: ``"<="`` when the claim predicts agreement, ``">"`` when it predicts separation.
        columns, rows: a small table for the report (one row per setting or step), every row
            one cell per column; the column names are distinct, so :meth:`records` can key a
            row by them.
        note: the set-up in one or two sentences (model, data, steps, seeds).
        extra: named numbers beyond the table, for the tests.
    """

    quantity: str
    value: float
    tolerance: float
    relation: Literal["<=", ">"] = "<="
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[object, ...], ...] = ()
    note: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"table columns must be distinct: {self.columns}")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row} has {len(row)} cells for {len(self.columns)} columns")

    def records(self) -> list[dict[str, object]]:
        """The table's rows, each keyed by column name (read a cell by name, not position)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def holds(self) -> bool:
        if self.value != self.value:  # NaN never confirms anything
            return False
        return (
            self.value <= self.tolerance if self.relation == "<=" else self.value > self.tolerance
        )


def require(*checks: tuple[bool, str]) -> None:
    """Fail the confirmation (the ledger records the message) unless every check holds."""
    failed = [why for ok, why in checks if not ok]
    if failed:
        raise RuntimeError("; ".join(failed))


ConfirmFn = Callable[[], Confirmation]
_REGISTRY: dict[str, ConfirmFn] = {}


def confirms(claim_id: str) -> Callable[[ConfirmFn], ConfirmFn]:
    """Register ``fn`` as the numeric confirmation of ``claim_id``."""

    def register(fn: ConfirmFn) -> ConfirmFn:
        if claim_id in _REGISTRY:
            raise ValueError(f"claim {claim_id!r} already has a confirmation")
        _REGISTRY[claim_id] = fn
        return fn

    return register


@cache
def confirmations() -> dict[str, ConfirmFn]:
    """Every registered confirmation, keyed by claim id (imports the confirmations package)."""
    from wdproof.numerics import confirmations as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return dict(_REGISTRY)


def confirm(claim: Claim) -> Confirmation:
    """Run the numeric confirmation of ``claim``."""
    try:
        fn = confirmations()[claim.id]
    except KeyError:
        raise LookupError(f"claim {claim.id!r} has no numeric confirmation") from None
    return run_isolated(fn)


def run_isolated(fn: Callable[[], Confirmation]) -> Confirmation:
    """Run one confirmation function on one thread, under ``torch.manual_seed(0)``.

    The confirmations run tiny tensors: torch's intra-op threads only add contention. The
    caller's thread count and random state are restored afterwards.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            return fn()
    finally:
        torch.set_num_threads(threads)


def unconfirmed_claims() -> list[str]:
    """Ids of ledger claims that no confirmation covers (should be empty)."""
    registered = confirmations()
    return [claim.id for claim in all_claims() if claim.id not in registered]


def tex_number(value: float, spec: str = ".3g") -> str:
    r"""``value`` formatted by ``spec`` as LaTeX math, without the dollars, for a note's
    ``$...$``: ``1.4\times 10^{-14}`` for ``1.4e-14``, ``10^{-8}`` for ``1e-08``, ``0.05``."""
    text = format(value, spec)
    if "e" not in text:
        return text
    if value == 0:
        return "0"
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if float(mantissa) == 1 else rf"{mantissa}\times {power}"
