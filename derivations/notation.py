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
    # SymPy puts a sum's negative term first, 1 - x as "- x + 1": a bracket or an exponent
    # that opens so is written with its first positive term in front, (1 - x), mu^{t - i}
    text = _BRACKET.sub(lambda m: rf"\left({_positive_first(m.group(1))}\right)", text)
    text = _EXPONENT.sub(lambda m: "^{" + _positive_first(m.group(1)) + "}", text)
    return _positive_first(text) if text.startswith("- ") and not _RELATION.search(text) else text


#: A bracket or an exponent whose sum opens with a minus sign (no bracket nested inside).
_BRACKET = re.compile(r"\\left\((- [^()]*?)\\right\)")
_EXPONENT = re.compile(r"\^\{(- [^{}]*)\}")
#: A relation: a whole expression is reordered only when it is one side, not an equation.
_RELATION = re.compile(r"=|<|>|\\le|\\ge|\\neq|\\in\b")


def _positive_first(terms: str) -> str:
    """``- a + b - c`` as ``b - a - c``: the first positive term moved to the front (terms are
    split at ``+``/``-`` outside braces and brackets; a sum with no positive term is left as
    it is)."""
    parts: list[str] = []  # each term with its sign, "- a", "+ b"
    depth, start = 0, 0
    for i, ch in enumerate(terms):
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and i > 0 and terms[i - 1 : i + 2] in (" + ", " - "):
            parts.append(terms[start:i].strip())
            start = i
    parts.append(terms[start:].strip())
    first = next((k for k, t in enumerate(parts) if t.startswith("+ ")), None)
    if first is None:
        return terms
    lead = parts.pop(first)[2:]
    return " ".join([lead, *parts])
