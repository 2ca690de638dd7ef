"""Proof objects: the arguments an author hands the kernel (plain data, checked elsewhere).

Nothing here checks anything: :mod:`~wdproof.derivations.kernel.checker` and
:mod:`~wdproof.derivations.kernel.judgement` decide whether a proof object proves a statement.

Proof rules
    Chain (``calc``)  ``start = e_1 = ... = e_k``; every link is checked by ``equality.equal`` after
                    the substitutions it cites (hypotheses, the proof's assumptions, lemmas, an
                    induction hypothesis). A link that repeats the previous expression verbatim is
                    rejected. The chain proves a ``forall`` statement only if ``start`` and
                    ``e_k`` are the statement's two sides as written (structurally equal, so a
                    chain cut short never passes).
    Bound chain     ``start = e_1 <= e_2 = ... = e_k``: a chain with ``<=`` links, each carrying a
                    certificate ``e_{j+1} - e_j = sum_k w_k f_k`` of nonnegative weights and
                    facts (:mod:`~wdproof.derivations.kernel.order`). It proves an ``at-most``
                    statement only if ``start`` is its left side and ``e_k`` its right side,
                    and never proves an equality.
    Lemma           a named ``forall`` sub-result proved by its own chain or induction; later links
                    may cite it (it is applied only where cited).
    Induction       over an integer symbol ``n``: a base chain for ``n = n0`` and a step chain for
                    ``n + 1`` whose links may cite ``"hypothesis"`` (the statement at ``n``,
                    applied as the substitution lhs(n) -> rhs(n)); the statement's
                    ``definitions`` (a recurrence and its start) are available to every link.
    Witness         proves ``exists`` (or refutes ``not-exists``): the body with the unknowns
                    replaced by the witness, proved by a chain.
    Conditions      proves ``not-exists`` (or refutes ``exists``, or gives the ``solutions``
                    inclusion): the kernel *derives* necessary conditions from the statement's own
                    body (coefficients of universally quantified vectors or scalars; matrix
                    entries (i, k) obtained by differentiating entry i in theta_k; instances),
                    compares them with the conditions the author lists, and solves them exactly.
    Counterexample  refutes a ``forall`` statement: exact values for its free symbols, and the
                    exact gap ``lhs - rhs`` there, which must be nonzero (positive, for an
                    ``at-most`` statement) and equal to the stated gap.
    Evidence        numerical evidence only (a torch run): the kernel checks nothing and the
                    verdict is ``unproved``, with the evidence named, so that a claim established
                    only by running code is never shown as proved.
    Assumptions     extra hypotheses of the proof (not of the source): a proof that needs them
                    yields ``conditional`` with those hypotheses, never ``proved``.
    Per coordinate  an element-wise update is argued for one coordinate ``j``; the rule is
                    recorded and typeset, the statement itself is written per coordinate.
    Remarks         prose; they carry no weight and the kernel ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import sympy as sp

Relation = Literal["=", "<="]


@dataclass(frozen=True)
class Link:
    """``= expr`` (or ``<= expr``), justified in words by ``why`` and by the substitutions it
    ``cites``; a ``<=`` link also by its ``certificate``: ``(weight, fact)`` pairs whose
    weighted sum is ``expr`` minus the previous expression (a fact is an expression or an
    :class:`~wdproof.derivations.kernel.order.CauchySchwarz` instance)."""

    expr: sp.Basic
    why: str
    cites: tuple = ()  # hypotheses (Eq), Lemma objects, or "hypothesis" (induction)
    relation: Relation = "="
    certificate: tuple[tuple[sp.Basic, object], ...] = ()


@dataclass(frozen=True)
class Chain:
    start: sp.Basic
    links: tuple[Link, ...]

    def truncated(self) -> Chain:
        return Chain(self.start, self.links[:-1])


@dataclass(frozen=True)
class Lemma:
    """A named ``lhs = rhs`` for every value of its free symbols, proved by ``chain`` (an
    equational chain, or an :class:`Induction` over an integer symbol of the lemma)."""

    name: str
    lhs: sp.Basic
    rhs: sp.Basic
    chain: Chain | Induction


@dataclass(frozen=True)
class Induction:
    """``lhs(n) = rhs(n)`` for every integer ``n >= start`` from ``base`` and ``step``.

    A link of the step chain cites ``"hypothesis"`` to use the statement at ``n``.
    """

    variable: sp.Symbol
    start: int
    base: Chain
    step: Chain


@dataclass(frozen=True)
class Witness:
    values: Mapping[sp.Symbol, sp.Basic]
    chain: Chain


@dataclass(frozen=True)
class Coefficients:
    """Necessary conditions: the coefficient of each universally quantified ``variables`` in
    ``lhs - rhs`` (vectors: linear decomposition; scalars: polynomial coefficients) is zero."""

    variables: tuple[sp.Basic, ...]


@dataclass(frozen=True)
class Entries:
    """Necessary conditions: ``d (lhs - rhs)_i / d vector_k = 0`` at the index pairs given,
    after the ``facts`` about matrix entries (hypotheses of the statement) are substituted."""

    vector: sp.MatrixSymbol
    indices: tuple[tuple[sp.Basic, sp.Basic], ...]
    row: sp.Symbol
    col: sp.Symbol


@dataclass(frozen=True)
class Instance:
    """Necessary condition: ``lhs - rhs = 0`` at the given values of universal symbols."""

    values: Mapping[sp.Basic, sp.Basic]


@dataclass(frozen=True)
class Conditions:
    """Derive necessary conditions from the statement, match them with ``equations`` (as the
    author writes them, ``expr = 0``), and solve them for the unknowns."""

    derivations: tuple[Coefficients | Entries | Instance, ...]
    equations: tuple[sp.Basic, ...]


@dataclass(frozen=True)
class Counterexample:
    values: Mapping[sp.Basic, sp.Basic]
    gap: sp.Basic  # the exact value of lhs - rhs at ``values``


@dataclass(frozen=True)
class Characterization:
    """``solutions`` statements: conditions give ``{unknowns: body} ⊆ S``; for each point of S
    a chain proves the body there (``sufficient[k]`` for the k-th element)."""

    necessary: Conditions
    sufficient: tuple[Chain, ...]


@dataclass(frozen=True)
class Evidence:
    """No proof: the claim rests on the named numerical runs only (the verdict is
    ``unproved``, and says so)."""

    what: str


Argument = Chain | Induction | Witness | Conditions | Counterexample | Characterization | Evidence


@dataclass(frozen=True)
class Proof:
    argument: Argument
    lemmas: tuple[Lemma, ...] = ()
    assumptions: tuple[sp.Basic, ...] = ()  # hypotheses beyond the source's: make it conditional
    per_coordinate: bool = False
    remarks: tuple[str, ...] = ()
