"""The statement of a claim: what its source says, with its quantifiers, as SymPy objects.

Kinds (``Statement.kind``)
    ``forall``      ``lhs = rhs`` for every value of every free symbol (within its SymPy
                    assumptions), under the statement's ``hypotheses``.
    ``exists``      some value of ``unknowns`` makes the ``forall`` body hold.
    ``not-exists``  no value of ``unknowns`` makes the ``forall`` body hold.
    ``solutions``   the values of ``unknowns`` that make the body hold are exactly ``solutions``.
    ``at-most``     ``lhs <= rhs`` for every value of every free symbol (an inequality).

Hypotheses are SymPy objects: an ``Eq(a, b)`` is applied as the substitution ``a -> b``; an
inequality must follow from the symbols' assumptions (the judge checks it), so it is typeset and
used. ``definitions`` (``Eq(v[t + 1], ...)``, ``Eq(v[0], 0)``) define the objects the statement
talks about, such as a recursively defined sequence; they are substituted like hypotheses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

from wdproof.derivations.notation import latex

StatementKind = Literal["forall", "exists", "not-exists", "solutions", "at-most"]


@dataclass(frozen=True)
class Statement:
    """What a source says, as SymPy objects (see the module docstring for the four kinds)."""

    kind: StatementKind
    lhs: sp.Basic
    rhs: sp.Basic
    unknowns: tuple[sp.Symbol, ...] = ()
    solutions: sp.Set | None = None
    hypotheses: tuple[sp.Basic, ...] = ()
    domain: sp.Set = sp.S.Reals
    definitions: tuple[sp.Eq, ...] = ()

    def __post_init__(self) -> None:
        if (self.kind in ("forall", "at-most")) == bool(self.unknowns):
            raise ValueError("only exists/not-exists/solutions statements bind unknowns")
        if (self.kind == "solutions") != (self.solutions is not None):
            raise ValueError("a solutions statement, and only it, states its solution set")

    @classmethod
    def forall(cls, lhs, rhs, hypotheses=(), definitions=()) -> Statement:
        return cls("forall", lhs, rhs, hypotheses=tuple(hypotheses), definitions=tuple(definitions))

    @classmethod
    def at_most(cls, lhs, rhs, hypotheses=(), definitions=()) -> Statement:
        """``lhs <= rhs`` for every value of the free symbols."""
        given, defined = tuple(hypotheses), tuple(definitions)
        return cls("at-most", lhs, rhs, hypotheses=given, definitions=defined)

    @classmethod
    def exists(cls, unknowns, lhs, rhs, hypotheses=(), domain=sp.S.Reals, definitions=()):
        return cls(
            "exists", lhs, rhs, tuple(unknowns), None, tuple(hypotheses), domain, tuple(definitions)
        )

    @classmethod
    def not_exists(cls, unknowns, lhs, rhs, hypotheses=(), domain=sp.S.Reals, definitions=()):
        return cls(
            "not-exists",
            lhs,
            rhs,
            tuple(unknowns),
            None,
            tuple(hypotheses),
            domain,
            tuple(definitions),
        )

    @classmethod
    def solution_set(
        cls, unknowns, lhs, rhs, solutions, hypotheses=(), domain=sp.S.Reals, definitions=()
    ):
        return cls(
            "solutions",
            lhs,
            rhs,
            tuple(unknowns),
            solutions,
            tuple(hypotheses),
            domain,
            tuple(definitions),
        )

    def substitutions(self) -> list[tuple[sp.Basic, sp.Basic]]:
        given = [*self.definitions, *self.hypotheses]
        return [(h.lhs, h.rhs) for h in given if isinstance(h, sp.Eq)]

    def body_latex(self) -> str:
        relation = r"\le" if self.kind == "at-most" else "="
        return f"{latex(self.lhs)} {relation} {latex(self.rhs)}"

    def latex(self) -> str:
        names = ", ".join(latex(u) for u in self.unknowns)
        body = self.body_latex()
        text = {
            "forall": body,
            "at-most": body,
            "exists": rf"\exists\, {names}:\ {body}",
            "not-exists": rf"\neg\exists\, {names}:\ {body}",
            "solutions": rf"\{{{names} : {body}\}} = {latex(self.solutions)}",
        }[self.kind]
        if self.hypotheses:
            text += r"\quad\text{given }" + r",\ ".join(latex(h) for h in self.hypotheses)
        return text

    def definitions_latex(self) -> list[str]:
        """The definitions, one equation each (typeset under the statement)."""
        return [latex(d) for d in self.definitions]

    def mutated(self, lhs=None, rhs=None, solutions=None) -> Statement:
        """A copy with one side (or the solution set) replaced: for the mutation suite."""
        return Statement(
            self.kind,
            self.lhs if lhs is None else lhs,
            self.rhs if rhs is None else rhs,
            self.unknowns,
            self.solutions if solutions is None else solutions,
            self.hypotheses,
            self.domain,
            self.definitions,
        )
