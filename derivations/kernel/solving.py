"""Exact solving of necessary conditions, and the comparisons the conditions rules need.

:func:`solve_exactly` solves the conditions a ``Conditions`` or ``Characterization`` proof
derives; :func:`proportional` matches a derived condition with a stated one;
:func:`vector_coefficients` splits a vector expression into scalar coefficients;
:func:`sets_equal` compares a solution set with the stated one. Each refuses (raises
:class:`~wdproof.derivations.kernel.verdict.ProofError`) where SymPy cannot decide a case.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.kernel.equality import equal, is_zero
from wdproof.derivations.kernel.verdict import ProofError


def proportional(a: sp.Basic, b: sp.Basic) -> bool:
    """``a = 0`` and ``b = 0`` say the same: ``a / b`` is finite and nonzero (a number, or
    nonzero by the symbols' assumptions)."""
    if is_zero(a - b) or is_zero(a + b):
        return True
    if is_zero(b):
        return False
    for reduce in (sp.cancel, sp.simplify):
        ratio = reduce(a / b)
        if ratio.is_finite and (ratio.is_nonzero or (ratio.is_number and ratio != 0)):
            return True
    return False


def vector_coefficients(difference: sp.MatrixExpr, variables) -> list[sp.Basic]:
    """Scalars ``c_k`` with ``difference = sum_k c_k v_k`` (checked), for vectors ``v_k``."""
    expanded = sp.expand(difference.doit())
    terms = expanded.args if isinstance(expanded, sp.MatAdd) else (expanded,)
    coefficients = {v: sp.S.Zero for v in variables}
    for term in terms:
        factors = term.args if isinstance(term, sp.MatMul) else (term,)
        matrices = [f for f in factors if f.is_Matrix]
        if len(matrices) != 1 or matrices[0] not in coefficients:
            raise ProofError(f"{term} is not a scalar multiple of one of {variables}")
        coefficients[matrices[0]] += sp.Mul(*(f for f in factors if not f.is_Matrix))
    rebuilt = sp.MatAdd(*(c * v for v, c in coefficients.items() if c != 0))
    if coefficients and not is_zero(difference - rebuilt if rebuilt != 0 else difference):
        raise ProofError("the coefficient decomposition does not rebuild the statement")
    return [sp.factor(c) for c in coefficients.values()]


def solve_exactly(equations, unknowns, domain) -> sp.Set:
    """The exact solution set of ``equations = 0`` in ``unknowns``.

    One unknown: the equation of lowest degree is solved with ``solveset`` (a polynomial whose
    leading coefficient SymPy cannot prove nonzero is refused: ``solveset`` would divide by it
    and lose a case); its finitely many solutions are then kept or dropped by substituting them
    into every other equation, each decided exactly (zero, or nonzero by the assumptions).
    Several unknowns: ``solve`` on the whole system, every unknown determined.
    """
    if len(unknowns) == 1:
        (x,) = unknowns
        with_x = [e for e in equations if sp.together(e).as_numer_denom()[0].has(x)]
        without = [e for e in equations if e not in with_x]
        for eq in without:  # conditions free of the unknown hold or fail outright
            if _nonzero(eq):
                return sp.S.EmptySet
            if not is_zero(eq):
                raise ProofError(f"cannot decide whether {eq} = 0 (no assumption settles it)")
        if not with_x:
            return domain
        with_x.sort(key=lambda e: _degree(e, x))
        first, rest = with_x[0], with_x[1:]
        numerator = sp.together(first).as_numer_denom()[0]
        if numerator.is_polynomial(x):
            poly = sp.Poly(sp.expand(numerator), x)
            lc = sp.simplify(poly.LC())
            if poly.degree() > 0 and not _nonzero(lc):
                raise ProofError(f"cannot divide by {lc}: it may be zero")
        found = sp.solveset(first, x, domain)
        if not rest:
            return found
        if not isinstance(found, sp.FiniteSet):
            raise ProofError(f"{first} = 0 has no finite solution set to test the others on")
        kept = []
        for point in found.args:
            values = [sp.simplify(e.subs(x, point)) for e in rest]
            if all(is_zero(v) for v in values):
                kept.append(point)
            elif not any(_nonzero(v) for v in values):
                raise ProofError(f"cannot decide whether {x} = {point} solves {rest}")
        return sp.FiniteSet(*kept)
    solutions = sp.solve(list(equations), list(unknowns), dict=True)
    if not solutions:
        return sp.S.EmptySet
    points = []
    for s in solutions:
        if set(s) != set(unknowns):
            raise ProofError(f"the conditions do not determine {unknowns}: {s}")
        points.append(sp.Tuple(*(s[u] for u in unknowns)))
    return sp.FiniteSet(*points)


def _degree(expr: sp.Basic, x: sp.Symbol) -> int:
    numerator = sp.together(expr).as_numer_denom()[0]
    return sp.Poly(sp.expand(numerator), x).degree() if numerator.is_polynomial(x) else 99


def _nonzero(expr: sp.Basic) -> bool:
    """Nonzero for every admissible value of its symbols (by their assumptions)."""
    for reduce in (sp.simplify, sp.expand, sp.factor):
        reduced = reduce(expr)
        if bool(reduced.is_nonzero) or bool(reduced.is_number and reduced != 0):
            return True
    return False


def _points_equal(x: sp.Basic, y: sp.Basic) -> bool:
    if isinstance(x, sp.Tuple) or isinstance(y, sp.Tuple):
        return (
            isinstance(x, sp.Tuple)
            and isinstance(y, sp.Tuple)
            and len(x) == len(y)
            and all(equal(a, b) for a, b in zip(x, y, strict=True))
        )
    return equal(x, y)


def sets_equal(a: sp.Set, b: sp.Set) -> bool:
    if isinstance(a, sp.FiniteSet) and isinstance(b, sp.FiniteSet):
        return len(a) == len(b) and all(any(_points_equal(x, y) for y in b.args) for x in a.args)
    return a == b
