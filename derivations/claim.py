"""The claim: one statement from the sources, its SymPy derivation and its verdict.

A :class:`Claim` is the unit the whole toolkit passes around. Derivation modules build
claims; ``wdproof.numerics`` confirms them against ``torch.optim``; ``wdproof.report``
typesets them; the tests iterate over them. Nothing here knows about the other two.

Every derivation step is an object SymPy *checks*, never a string that is only printed:

* :class:`Identity` -- ``lhs == rhs`` (optionally under substitutions ``given``), checked by
  reducing ``lhs - rhs`` to zero. Matrix expressions built from ``MatrixSymbol`` are checked
  in the non-commutative matrix algebra, so the step holds for every dimension ``n``.
* :class:`Solution` -- the solution set of ``equation`` in ``unknown`` is exactly ``solutions``
  (used for the "iff" directions and for "no coefficient exists" arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

from wdproof.derivations.notation import latex

VerdictKind = Literal["proved", "refuted", "conditional"]


def is_zero(expr: sp.Basic) -> bool:
    """True when SymPy can reduce ``expr`` (scalar, explicit matrix or matrix expression) to 0."""
    if isinstance(expr, sp.MatrixBase):
        return all(is_zero(entry) for entry in expr)
    if isinstance(expr, sp.MatrixExpr):
        reduced = sp.expand(expr.doit())
        if isinstance(reduced, sp.ZeroMatrix) or reduced == 0:
            return True
        if reduced.is_Matrix and not isinstance(reduced, sp.MatrixExpr):
            return is_zero(sp.Matrix(reduced))
        return False
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    for reduce in (sp.expand, sp.simplify, lambda e: sp.simplify(sp.expand(e.doit()))):
        if reduce(expr) == 0:
            return True
    return False


@dataclass(frozen=True)
class Identity:
    """A derivation step ``lhs = rhs``, with ``given`` substituted before checking.

    ``text`` is the sentence that justifies the step. ``given`` maps symbols to the values a
    hypothesis fixes (e.g. ``{lambda: alpha*lambda_prime}``); it is printed with the step.
    ``check`` optionally replaces the default reduction (for sums over a symbolic range, say);
    it receives ``lhs - rhs`` after substitution and returns whether that is zero.
    """

    text: str
    lhs: sp.Basic
    rhs: sp.Basic
    given: Mapping[sp.Basic, sp.Basic] = field(default_factory=dict)
    check: Callable[[sp.Basic], bool] | None = None

    def verify(self) -> bool:
        difference = self.lhs - self.rhs
        if self.given:
            difference = difference.subs(dict(self.given))
        return (self.check or is_zero)(difference)

    def equation_latex(self) -> str:
        return f"{latex(self.lhs)} = {latex(self.rhs)}"

    def given_latex(self) -> str:
        return ", ".join(f"{latex(k)} = {latex(v)}" for k, v in self.given.items())


def _leading_coefficient_nonzero(equation: sp.Eq, unknown: sp.Symbol) -> bool:
    """Whether a polynomial equation's leading coefficient in ``unknown`` is provably nonzero.

    ``solveset`` divides by symbolic coefficients as if they were nonzero: it solves
    ``b (x - 1) = 0`` as ``{1}`` even when ``b`` may be 0 (then every ``x`` solves it). A
    solution step is only sound when the symbols' assumptions rule that case out, so a step
    whose leading coefficient SymPy cannot prove nonzero is rejected.
    """
    expr = equation.lhs - equation.rhs if isinstance(equation, sp.Eq) else sp.sympify(equation)
    try:
        poly = sp.Poly(sp.expand(expr), unknown)
    except sp.PolynomialError:
        return True  # not polynomial in the unknown: solveset reports conditions itself
    if poly.degree() <= 0:
        return True
    coefficient = sp.simplify(poly.LC())
    return bool(coefficient.is_nonzero) or (coefficient.is_number and coefficient != 0)


@dataclass(frozen=True)
class Solution:
    """A derivation step: the solutions of ``equation`` for ``unknown`` are exactly ``solutions``.

    ``solutions`` is a SymPy set (``FiniteSet``, ``EmptySet`` ...). The check runs ``solveset``
    over ``domain`` and compares sets, so an empty expected set proves non-existence.
    """

    text: str
    equation: sp.Eq
    unknown: sp.Symbol
    solutions: sp.Set
    domain: sp.Set = sp.S.Complexes

    def verify(self) -> bool:
        if not _leading_coefficient_nonzero(self.equation, self.unknown):
            return False
        found = sp.solveset(self.equation, self.unknown, domain=self.domain)
        if isinstance(found, sp.FiniteSet) and isinstance(self.solutions, sp.FiniteSet):
            if len(found) != len(self.solutions):
                return False
            return all(
                any(is_zero(a - b) for b in self.solutions.args) for a in found.args
            )
        return found == self.solutions

    def equation_latex(self) -> str:
        return (
            f"{latex(self.equation)} \\iff {latex(self.unknown)} \\in {latex(self.solutions)}"
        )

    def given_latex(self) -> str:
        return ""


Step = Identity | Solution


@dataclass(frozen=True)
class Verdict:
    """``proved``; ``refuted`` with a concrete counterexample; or ``conditional`` on a condition.

    ``counterexample`` maps names to concrete values (numbers, lists) that the numeric
    confirmation re-checks with torch. ``condition`` is a sentence naming when the claim holds.
    """

    kind: VerdictKind
    condition: str | None = None
    counterexample: Mapping[str, object] | None = None
    explanation: str = ""

    def __post_init__(self) -> None:
        if self.kind == "refuted" and not self.counterexample:
            raise ValueError("a refuted verdict needs a concrete counterexample")
        if self.kind == "conditional" and not self.condition:
            raise ValueError("a conditional verdict needs its condition")

    @classmethod
    def proved(cls, explanation: str = "") -> Verdict:
        return cls("proved", explanation=explanation)

    @classmethod
    def refuted(cls, counterexample: Mapping[str, object], explanation: str = "") -> Verdict:
        return cls("refuted", counterexample=counterexample, explanation=explanation)

    @classmethod
    def conditional(cls, condition: str, explanation: str = "") -> Verdict:
        return cls("conditional", condition=condition, explanation=explanation)


@dataclass(frozen=True)
class Claim:
    """One statement of the sources, derived step by step and judged.

    Attributes:
        id: stable kebab-case identifier, used by the CLI, the tests and the report.
        title: one-line statement a reader can quote.
        source: the statement it verifies ("Loshchilov & Hutter 2019, Prop. 1; problem set Q1.a.i").
        question: the problem-set question whose section of the report shows it ("Q1.a.i").
        statement: the claim as a SymPy relation (typeset in the report).
        statement_text: the claim in words, with its quantifiers.
        conventions: the update-rule conventions the derivation assumes.
        steps: the derivation; every step is checked by SymPy.
        verdict: what the derivation establishes.
    """

    id: str
    title: str
    source: str
    question: str
    statement: sp.Basic
    statement_text: str
    conventions: str
    steps: tuple[Step, ...]
    verdict: Verdict

    def verify_steps(self) -> list[bool]:
        """Check every derivation step with SymPy; one boolean per step."""
        return [step.verify() for step in self.steps]

    def statement_latex(self) -> str:
        return latex(self.statement)
