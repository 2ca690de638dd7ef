"""The claim: one statement from the sources, its proof, and the verdict the kernel computes.

A :class:`Claim` is the unit the whole toolkit passes around. Derivation modules build
claims; ``wdproof.numerics`` confirms them against ``torch.optim``; ``wdproof.report``
typesets them; the tests iterate over them and mutate them. Nothing here knows about the
other two layers.

A claim states *what its source says* (:class:`~wdproof.derivations.kernel.Statement`) and
carries a :class:`~wdproof.derivations.kernel.Proof`. Its verdict is computed by
:func:`wdproof.derivations.kernel.judge`; the author's ``expect`` is only a test expectation:
``wdproof verify`` fails a claim whose computed verdict differs from it.

A :class:`Definition` is an update rule as a source writes it (paper Alg. 1's SGDW step, say):
typeset beside the claims that use it, never judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from wdproof.derivations.kernel import Proof, Statement, Verdict, VerdictKind, judge
from wdproof.derivations.notation import latex


@dataclass(frozen=True)
class Claim:
    """One statement of the sources, proved or refuted by the kernel.

    Attributes:
        id: stable kebab-case identifier, used by the CLI, the tests and the report.
        title: one line a reader can quote.
        source: where the statement is made, exactly ("paper Prop. 1 (main text)", "lecture
            notes 004, slide 'Weight decay vs L2'", "problem set Q1.b").
        question: the problem-set question whose section of the report shows it ("Q1.a.i"), or
            ``"lecture-notes"`` for a claim the course's lecture notes make beyond the problem
            set (the key's appendix).
        statement: the source's statement as SymPy objects, with its quantifiers.
        statement_text: the same statement in words, as the source makes it.
        conventions: the update-rule conventions the statement assumes.
        proof: the proof object the kernel checks.
        expect: the verdict the author expects (a test expectation, never a verdict).
        explanation: what the verdict means, in words (a remark: it carries no weight).
        instance: the concrete numbers the torch confirmation runs (a counterexample's setting,
            a numeric instance of a refuted existence claim): a frozen dataclass whose field
            names are the glossary's (``alpha``, ``beta1``, ``l2_coefficient``, ...), or None.
    """

    id: str
    title: str
    source: str
    question: str
    statement: Statement
    statement_text: str
    conventions: str
    proof: Proof
    expect: VerdictKind
    explanation: str = ""
    instance: object | None = None

    @cached_property
    def verdict(self) -> Verdict:
        """The verdict the kernel computes from ``statement`` and ``proof`` (cached)."""
        return judge(self.statement, self.proof)

    def statement_latex(self) -> str:
        return self.statement.latex()

    def hypotheses_latex(self) -> list[str]:
        return [latex(h) for h in self.verdict.hypotheses]


@dataclass(frozen=True)
class Definition:
    """An update rule as a source writes it: equations to typeset, not a claim to judge."""

    id: str
    title: str
    source: str
    question: str
    text: str
    equations: tuple[tuple[str, sp.Basic], ...]

    def equations_latex(self) -> list[tuple[str, str]]:
        return [(name, latex(eq)) for name, eq in self.equations]
