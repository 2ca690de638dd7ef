"""The proof kernel: the only code that decides a verdict.

A claim declares a :class:`Statement` (what its source says) and a :class:`Proof`; the kernel
checks the proof against the statement and *computes* the verdict. Nothing outside this package
can construct a :class:`Verdict` with ``kind`` other than ``"unproved"`` (the constructor takes
a private token that only :func:`judge` passes), so an author can only expect a verdict, never
declare one.

What is trusted: SymPy's simplification (:func:`equal`), its solver (``solveset``/``solve``)
and its assumptions system (``is_nonnegative``, for ``<=`` links), the Cauchy–Schwarz inequality
for finite sums (the one inequality schema), and the rules of this package, nothing else.
Helpers that build expressions are untrusted: every expression they produce is re-checked here.

The package, one concept a module, in the order they depend on each other:

=============  =====================================================================
``verdict``    :class:`Verdict` (and its private token), :class:`Step`, :class:`ProofError`
``equality``   :func:`is_zero`, :func:`equal`: reduction to zero by SymPy algebra
``statement``  :class:`Statement`: ``forall``, ``exists``, ``not-exists``, ``solutions``,
               ``at-most``
``order``      when ``a <= b`` is accepted: nonnegativity rule, Cauchy–Schwarz schema
``proof``      the proof objects and the rule each stands for (plain data)
``solving``    exact solution of necessary conditions; comparison of conditions and sets
``checker``    chains, lemmas, induction and derived conditions, step by step
``judgement``  :func:`judge`: the rule of each argument form, and the verdict
=============  =====================================================================

Everything a claim module or a test needs is importable from here
(``from wdproof.derivations.kernel import Chain, Proof, Statement, judge``).
"""

from __future__ import annotations

from wdproof.derivations.kernel.equality import equal, is_zero
from wdproof.derivations.kernel.judgement import judge
from wdproof.derivations.kernel.order import CauchySchwarz, nonnegative
from wdproof.derivations.kernel.proof import (
    Argument,
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Counterexample,
    Entries,
    Evidence,
    Induction,
    Instance,
    Lemma,
    Link,
    Proof,
    Witness,
)
from wdproof.derivations.kernel.statement import Statement, StatementKind
from wdproof.derivations.kernel.verdict import ProofError, Step, Verdict, VerdictKind
from wdproof.derivations.notation import latex

__all__ = [
    "Argument",
    "CauchySchwarz",
    "Chain",
    "Characterization",
    "Coefficients",
    "Conditions",
    "Counterexample",
    "Entries",
    "Evidence",
    "Induction",
    "Instance",
    "Lemma",
    "Link",
    "Proof",
    "ProofError",
    "Statement",
    "StatementKind",
    "Step",
    "Verdict",
    "VerdictKind",
    "Witness",
    "equal",
    "is_zero",
    "judge",
    "latex",
    "nonnegative",
]
