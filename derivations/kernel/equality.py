"""Equality up to SymPy algebra: the one trusted decision every chain link rests on.

:func:`equal` decides ``a = b`` after substitutions, by reducing ``a - b`` to zero
(:func:`is_zero`): scalars through SymPy's ``expand``/``simplify`` and a normal form for sums
whose upper bounds differ by an integer; explicit matrices entry by entry; matrix expressions
after ``doit``. A fast numeric sample can only *refuse* (prove an expression nonzero), never
accept. Any SymPy error counts as "not equal".
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

_BOUND = sp.Symbol("i_bound", integer=True)


def _normalise_sums(expr: sp.Basic) -> tuple[dict, sp.Basic]:
    """Split ``expr`` into merged sums and the rest (sufficient check for sum identities).

    Every single ``Sum_{i=lo}^{b+k}`` (``k`` an integer) is rewritten over ``lo..b`` by peeling
    or adding back its last ``|k|`` terms; its bound variable is renamed and scalar factors move
    inside; sums with the same ``(lo, b)`` are added. ``expr`` is zero if every merged summand
    and the rest simplify to zero.
    """

    def normalise(s: sp.Sum) -> sp.Basic:
        if len(s.limits) != 1:
            return s
        ((var, low, high),) = s.limits
        body = s.function.xreplace({var: _BOUND})
        k, base = sp.sympify(high).as_coeff_Add()
        if not k.is_Integer:
            return sp.Sum(body, (_BOUND, low, high))
        head = sp.Sum(body, (_BOUND, low, base))
        if k >= 0:
            return head + sum(
                (body.subs(_BOUND, base + j) for j in range(1, int(k) + 1)), sp.S.Zero
            )
        return head - sum((body.subs(_BOUND, base + j) for j in range(int(k) + 1, 1)), sp.S.Zero)

    expr = expr.replace(lambda e: isinstance(e, MatrixElement), lambda e: e.parent[e.i, e.j])
    expr = sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum), normalise))
    merged: dict = {}
    rest = sp.S.Zero
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1 or _BOUND in (term / sums[0]).free_symbols:
            rest += term
            continue
        (s,) = sums
        key = (s.limits[0][1], s.limits[0][2])
        merged[key] = merged.get(key, sp.S.Zero) + (term / s) * s.function
    return merged, rest


_SAMPLES = (
    sp.Rational(3, 7),
    sp.Rational(2, 11),
    sp.Rational(5, 13),
    sp.Rational(7, 17),
    sp.Rational(4, 19),
    sp.Rational(6, 23),
    sp.Rational(9, 29),
    sp.Rational(8, 31),
)


def _numerically_nonzero(expr: sp.Basic) -> bool:
    """A fast *refusal*: ``expr`` evaluated at one admissible point is clearly nonzero.

    Only plain scalar expressions in ``Symbol``s are sampled (each symbol gets a distinct
    rational in (0, 1), its negative for negative symbols, an integer >= 2 for integer ones),
    at 30 digits. A nonzero value there proves ``expr`` is not identically zero, so this can
    only make the kernel reject faster, never accept.
    """
    symbols = expr.free_symbols
    if not all(type(s) is sp.Symbol for s in symbols) or expr.has(
        sp.Sum, sp.Indexed, sp.MatrixExpr, sp.Derivative, sp.Function, sp.Piecewise
    ):
        return False
    values = {}
    for k, symbol in enumerate(sorted(symbols, key=str)):
        value = sp.Integer(k + 2) if symbol.is_integer else _SAMPLES[k % len(_SAMPLES)] + k // 8
        values[symbol] = -value if (symbol.is_negative or symbol.is_nonpositive) else value
    try:
        number = sp.N(expr.xreplace(values), 30)
    except (TypeError, ValueError, ZeroDivisionError):
        return False
    return bool(number.is_number and number.is_finite and abs(number) > sp.Float("1e-15"))


def _reduce_scalar(expr: sp.Basic) -> bool:
    if expr == 0:
        return True
    if _numerically_nonzero(expr):
        return False
    if expr.has(sp.Sum):
        merged, rest = _normalise_sums(expr)
        if (
            (merged or rest != expr)
            and all(
                _reduce_scalar(sp.powsimp(sp.expand(body), force=True)) for body in merged.values()
            )
            and not rest.has(sp.Sum)
            and _reduce_scalar(rest)
        ):
            return True
    for reduce in (
        sp.expand,
        sp.simplify,
        lambda e: sp.simplify(sp.expand(e.doit())),
        # max(a, b) = (a + b + |a - b|)/2, min(a, b) = (a + b - |a - b|)/2 for reals
        lambda e: sp.simplify(e.rewrite(sp.Abs)) if e.has(sp.Max, sp.Min) else e,
        # sqrt((a + b)^2) = a + b needs the radicand factored first (a + b > 0 by assumptions)
        lambda e: sp.simplify(
            e.replace(
                lambda p: p.is_Pow and p.exp in (sp.S.Half, -sp.S.Half),
                lambda p: sp.factor(p.base) ** p.exp,
            )
        ),
    ):
        if reduce(expr) == 0:
            return True
    return False


def is_zero(expr: sp.Basic) -> bool:
    """Whether SymPy reduces ``expr`` (scalar, explicit matrix or matrix expression) to zero."""
    if isinstance(expr, sp.MatrixBase):
        return all(is_zero(entry) for entry in expr)
    if isinstance(expr, sp.MatrixExpr):
        reduced = sp.expand(expr.doit())
        if isinstance(reduced, sp.ZeroMatrix) or reduced == 0:
            return True
        if reduced.is_Matrix and not isinstance(reduced, sp.MatrixExpr):
            return is_zero(sp.Matrix(reduced))
        return False
    return _reduce_scalar(sp.sympify(expr))


def substitute(expr: sp.Basic, rules: Sequence[tuple[sp.Basic, sp.Basic]]) -> sp.Basic:
    for old, new in rules:
        expr = expr.subs(old, new)
    return expr


def equal(a: sp.Basic, b: sp.Basic, using: Sequence[tuple[sp.Basic, sp.Basic]] = ()) -> bool:
    """Whether ``a = b`` follows by SymPy algebra after the substitutions ``using``."""
    try:
        return is_zero(substitute(a - b, using))
    except (TypeError, ValueError, sp.ShapeError, AttributeError, IndexError):
        return False
