"""What the kernel outputs: the checked steps and the verdict, which only the kernel can issue.

A :class:`Verdict` other than ``"unproved"`` needs the kernel's private token, which only
:func:`wdproof.derivations.kernel.judgement.judge` passes: an author can expect a verdict (a
claim's ``expect``), never declare one. A :class:`ProofError` is a rejected step or rule; the
judge turns it into an ``"unproved"`` verdict carrying its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

VerdictKind = Literal["proved", "refuted", "conditional", "unproved"]
_KERNEL = object()  # only the judge passes it: the kernel alone makes a verdict but "unproved"


class ProofError(Exception):
    """A proof the kernel rejects; the message says which rule failed and where."""


@dataclass(frozen=True)
class Step:
    """One checked item of a proof, as the report shows it."""

    text: str
    latex: str
    ok: bool


@dataclass(frozen=True)
class Verdict:
    """The kernel's verdict on one proof: its kind, the proof form, every checked step, the
    assumptions a ``conditional`` verdict rests on, a refutation's counterexample, and the reason
    of an ``unproved`` one."""

    kind: VerdictKind
    form: str
    steps: tuple[Step, ...]
    hypotheses: tuple[sp.Basic, ...] = ()
    counterexample: Mapping[sp.Basic, sp.Basic] | None = None
    reason: str = ""
    token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind != "unproved" and self.token is not _KERNEL:
            raise PermissionError("only the kernel computes a verdict")
