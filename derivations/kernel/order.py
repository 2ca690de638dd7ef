"""Order: when the kernel accepts ``a <= b`` (a ``<=`` link of a chain).

A ``<=`` link from ``a`` to ``b`` carries a *certificate*: terms ``(weight, fact)`` with

.. math:: b - a = \\sum_k w_k \\, f_k ,

checked by :func:`~wdproof.derivations.kernel.equality.equal`, where every weight ``w_k`` and
every fact ``f_k`` is nonnegative. A fact is an expression that :func:`nonnegative` accepts, or
an instance of the one trusted inequality schema, :class:`CauchySchwarz`, whose gap the kernel
builds itself. A link with no certificate must have ``b - a`` itself accepted by
:func:`nonnegative`.

:func:`nonnegative` is a small structural rule over SymPy's assumptions, nothing more: a
symbol or expression SymPy's assumptions call nonnegative; sums and products of nonnegative
terms; even powers of reals; ``|x|``; a ``Max`` with one nonnegative argument; a finite sum
``sum_{i=lo}^{hi}`` of nonnegative terms whose range is not reversed (``hi + 1 - lo >= 0``,
so SymPy's convention for reversed limits cannot flip its sign).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class CauchySchwarz:
    """The trusted schema (Cauchy–Schwarz for finite sums), instantiated at ``a_i``, ``b_i``:

    .. math:: \\Big(\\sum_{i=lo}^{hi} a_i^2\\Big)\\Big(\\sum_{i=lo}^{hi} b_i^2\\Big)
              - \\Big(\\sum_{i=lo}^{hi} a_i b_i\\Big)^2 \\;\\ge\\; 0 .

    ``a`` and ``b`` must be real for every ``i``; the kernel checks it from their assumptions.
    """

    a: sp.Basic
    b: sp.Basic
    index: sp.Symbol
    low: sp.Basic
    high: sp.Basic

    def gap(self) -> sp.Basic:
        limits = (self.index, self.low, self.high)
        return (
            sp.Sum(self.a**2, limits) * sp.Sum(self.b**2, limits)
            - sp.Sum(self.a * self.b, limits) ** 2
        )

    def admissible(self) -> bool:
        return bool(self.a.is_real and self.b.is_real) and _range_not_reversed(self.low, self.high)


def _range_not_reversed(low, high) -> bool:
    return bool(sp.simplify(high + 1 - low).is_nonnegative)


def nonnegative(expr: sp.Basic) -> bool:
    """Whether ``expr >= 0`` follows structurally from the symbols' assumptions."""
    expr = sp.sympify(expr)
    if expr.is_nonnegative:
        return True
    if isinstance(expr, sp.Add | sp.Mul):
        return all(nonnegative(arg) for arg in expr.args)
    if isinstance(expr, sp.Pow):
        base, exponent = expr.args
        if exponent.is_integer and exponent.is_even and exponent.is_positive and base.is_real:
            return True
        if exponent.is_nonnegative:
            return nonnegative(base)
        return bool(base.is_positive and exponent.is_real)  # no 1/0: the base is never zero
    if isinstance(expr, sp.Abs):
        return True
    if isinstance(expr, sp.Max):
        return any(nonnegative(arg) for arg in expr.args)
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        _, low, high = expr.limits[0]
        return _range_not_reversed(low, high) and nonnegative(expr.function)
    return False


def nonnegative_any_form(expr: sp.Basic) -> bool:
    """:func:`nonnegative` of ``expr`` as given, factored, or simplified (the first that passes).

    Rewriting never changes the value, so trying forms can only find a structure the rule
    accepts; it cannot make a negative expression pass.
    """
    for form in (lambda e: e, sp.factor, sp.simplify, lambda e: sp.factor(sp.simplify(e))):
        try:
            if nonnegative(form(expr)):
                return True
        except (TypeError, ValueError, AttributeError, NotImplementedError):
            continue
    return False
