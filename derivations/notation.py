"""Shared symbols and their typesetting, so every derivation speaks the paper's notation.

Conventions (Loshchilov & Hutter 2019, Algorithms 1-2), named as in the README's glossary:
``alpha`` the learning rate, ``decay_rate`` the decoupled weight-decay rate ``lambda``,
``l2_coefficient`` the ``lambda'`` of ``f_t(theta) + lambda'/2 * ||theta||^2``, ``eta`` the
schedule multiplier ``eta_t``, ``beta1``, ``beta2`` the moment factors, ``eps`` the denominator
guard. Vectors are ``n x 1`` ``MatrixSymbol``s with a symbolic dimension ``n``, so
matrix-algebra steps hold for every ``n``.
"""

from __future__ import annotations

import re

import sympy as sp

n = sp.Symbol("n", integer=True, positive=True)
t = sp.Symbol("t", integer=True, positive=True)

alpha = sp.Symbol("alpha", positive=True)
decay_rate = sp.Symbol("lambda", nonnegative=True)
l2_coefficient = sp.Symbol("lambda'", nonnegative=True)
eta = sp.Symbol("eta_t", positive=True)
beta1 = sp.Symbol("beta_1", nonnegative=True)
beta2 = sp.Symbol("beta_2", nonnegative=True)
eps = sp.Symbol("epsilon", positive=True)


def vector(name: str) -> sp.MatrixSymbol:
    """An ``n x 1`` column vector of symbolic dimension."""
    return sp.MatrixSymbol(name, n, 1)


def matrix(name: str) -> sp.MatrixSymbol:
    """An ``n x n`` matrix of symbolic dimension."""
    return sp.MatrixSymbol(name, n, n)


#: LaTeX for symbol *names* SymPy cannot typeset on its own (whatever their assumptions).
SYMBOL_NAMES: dict[str, str] = {l2_coefficient.name: r"\lambda'"}


def latex(expr: sp.Basic) -> str:
    """``sympy.latex`` with this module's symbol names; an unevaluated sum with a negated term,
    which SymPy prints ``a + - b``, is written ``a - b``, and an exponent SymPy prints
    ``\\mu^{- i + t}`` is written ``\\mu^{t - i}``."""
    symbols = getattr(sp.sympify(expr), "free_symbols", set())
    names = {s: SYMBOL_NAMES[s.name] for s in symbols if getattr(s, "name", None) in SYMBOL_NAMES}
    text = re.sub(r"\+\s*-\s*", "- ", sp.latex(expr, symbol_names=names))
    # SymPy orders an exponent's terms with the negative one first, mu^{- i + t}: write mu^{t - i}
    return _NEGATIVE_FIRST.sub(r"^{\2 - \1}", text)


#: An exponent that opens with a negative term followed by a sum: ``^{- i + t + 1}``.
_NEGATIVE_FIRST = re.compile(r"\^\{- ([^{}+\-]+?) \+ ([^{}]+)\}")
