"""The proof kernel: the only code that decides a verdict.

A claim declares a :class:`Statement` (what its source says) and a :class:`Proof`; the kernel
checks the proof against the statement and *computes* the verdict. Nothing outside this module
can construct a :class:`Verdict` with ``kind`` other than ``"unproved"`` (the constructor takes
a private token), so an author can only expect a verdict, never declare one.

What is trusted: SymPy's simplification (:func:`equal`) and its solver (``solveset``/``solve``)
and the rules below, nothing else. Helpers that build expressions are untrusted: every
expression they produce is re-checked here.

Statements (``Statement.kind``)
    ``forall``      ``lhs = rhs`` for every value of every free symbol (within its SymPy
                    assumptions), under the statement's ``hypotheses``.
    ``exists``      some value of ``unknowns`` makes the ``forall`` body hold.
    ``not-exists``  no value of ``unknowns`` makes the ``forall`` body hold.
    ``solutions``   the values of ``unknowns`` that make the body hold are exactly ``solutions``.
    Hypotheses are SymPy objects: an ``Eq(a, b)`` is applied as the substitution ``a -> b``; an
    inequality must follow from the symbols' assumptions (checked), so it is typeset and used.
    ``definitions`` (``Eq(v[t + 1], ...)``, ``Eq(v[0], 0)``) define the objects the statement
    talks about, such as a recursively defined sequence; they are substituted like hypotheses.

Proof rules
    Chain (``calc``)  ``start = e_1 = ... = e_k``; every link is checked by :func:`equal` after
                    the substitutions it cites (hypotheses, the proof's assumptions, lemmas, an
                    induction hypothesis). A link that repeats the previous expression verbatim is
                    rejected. The chain proves a ``forall`` statement only if ``start`` and
                    ``e_k`` are the statement's two sides as written (structurally equal, so a
                    chain cut short never passes).
    Lemma           a named ``forall`` sub-result proved by its own chain; later links may cite it.
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
                    exact gap ``lhs - rhs`` there, which must be nonzero and equal to the stated
                    gap.
    Assumptions     extra hypotheses of the proof (not of the source): a proof that needs them
                    yields ``conditional`` with those hypotheses, never ``proved``.
    Per coordinate  an element-wise update is argued for one coordinate ``j``; the rule is
                    recorded and typeset, the statement itself is written per coordinate.
    Remarks         prose; they carry no weight and the kernel ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from wdproof.derivations.notation import latex

VerdictKind = Literal["proved", "refuted", "conditional", "unproved"]
_KERNEL = object()  # only this module can make a verdict other than "unproved"


class ProofError(Exception):
    """A proof the kernel rejects; the message says which rule failed and where."""


# --------------------------------------------------------------------------- equality ----------
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


def _substitute(expr: sp.Basic, rules: Sequence[tuple[sp.Basic, sp.Basic]]) -> sp.Basic:
    for old, new in rules:
        expr = expr.subs(old, new)
    return expr


def equal(a: sp.Basic, b: sp.Basic, using: Sequence[tuple[sp.Basic, sp.Basic]] = ()) -> bool:
    """Whether ``a = b`` follows by SymPy algebra after the substitutions ``using``."""
    try:
        return is_zero(_substitute(a - b, using))
    except (TypeError, ValueError, sp.ShapeError, AttributeError, IndexError):
        return False


# --------------------------------------------------------------------------- statements --------
StatementKind = Literal["forall", "exists", "not-exists", "solutions"]


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
        if (self.kind == "forall") == bool(self.unknowns):
            raise ValueError("only exists/not-exists/solutions statements bind unknowns")
        if (self.kind == "solutions") != (self.solutions is not None):
            raise ValueError("a solutions statement, and only it, states its solution set")

    @classmethod
    def forall(cls, lhs, rhs, hypotheses=(), definitions=()) -> Statement:
        return cls("forall", lhs, rhs, hypotheses=tuple(hypotheses), definitions=tuple(definitions))

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
        return f"{latex(self.lhs)} = {latex(self.rhs)}"

    def latex(self) -> str:
        names = ", ".join(latex(u) for u in self.unknowns)
        body = self.body_latex()
        text = {
            "forall": body,
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


# --------------------------------------------------------------------------- proofs ------------
@dataclass(frozen=True)
class Link:
    """``= expr``, justified in words by ``why`` and by the substitutions it ``cites``."""

    expr: sp.Basic
    why: str
    cites: tuple = ()  # hypotheses (Eq), Lemma objects, or "hypothesis" (induction)


@dataclass(frozen=True)
class Chain:
    start: sp.Basic
    links: tuple[Link, ...]

    def truncated(self) -> Chain:
        return Chain(self.start, self.links[:-1])


@dataclass(frozen=True)
class Lemma:
    """A named ``lhs = rhs`` for every value of its free symbols, proved by ``chain``."""

    name: str
    lhs: sp.Basic
    rhs: sp.Basic
    chain: Chain


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


Argument = Chain | Induction | Witness | Conditions | Counterexample | Characterization


@dataclass(frozen=True)
class Proof:
    argument: Argument
    lemmas: tuple[Lemma, ...] = ()
    assumptions: tuple[sp.Basic, ...] = ()  # hypotheses beyond the source's: make it conditional
    per_coordinate: bool = False
    remarks: tuple[str, ...] = ()


# --------------------------------------------------------------------------- verdict -----------
@dataclass(frozen=True)
class Step:
    """One checked item of a proof, as the report shows it."""

    text: str
    latex: str
    ok: bool


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    form: str
    steps: tuple[Step, ...]
    hypotheses: tuple[sp.Basic, ...] = ()
    counterexample: Mapping[sp.Basic, sp.Basic] | None = None
    reason: str = ""
    token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind != "unproved" and self.token is not _KERNEL:
            raise PermissionError("only the kernel computes a verdict")


class _Checker:
    """Checks one proof against one statement, recording each step for the report."""

    def __init__(self, statement: Statement, proof: Proof):
        self.statement, self.proof = statement, proof
        self.steps: list[Step] = []
        self.lemmas: dict[int, Lemma] = {}
        self.rules = statement.substitutions() + [
            (h.lhs, h.rhs) for h in proof.assumptions if isinstance(h, sp.Eq)
        ]

    def record(self, text: str, tex: str, ok: bool) -> None:
        self.steps.append(Step(text, tex, ok))
        if not ok:
            raise ProofError(f"step rejected: {text}")

    # -- chains -------------------------------------------------------------------------------
    def cited(self, cites: tuple, extra: Mapping[str, Sequence] | None = None) -> list:
        rules = []
        for c in cites:
            if isinstance(c, sp.Eq):
                allowed = list(self.statement.hypotheses) + list(self.proof.assumptions)
                if c not in allowed:
                    raise ProofError(
                        f"a link cites {c}, which is neither a hypothesis nor an assumption"
                    )
                rules.append((c.lhs, c.rhs))
            elif isinstance(c, Lemma):
                if id(c) not in self.lemmas:
                    raise ProofError(f"a link cites lemma {c.name!r} before it is proved")
                rules.append((c.lhs, c.rhs))
            elif isinstance(c, str) and extra and c in extra:
                rules.extend(extra[c])
            else:
                raise ProofError(f"a link cites {c!r}, which is not available here")
        return rules

    def chain(self, chain: Chain, label: str, extra=None, base_rules=None) -> sp.Basic:
        if not chain.links:
            raise ProofError(f"{label}: a chain needs at least one link")
        current = chain.start
        for k, link in enumerate(chain.links, 1):
            if link.expr == current:
                self.record(
                    f"{label}, link {k}: {link.why} (repeats the previous expression)",
                    latex(link.expr),
                    False,
                )
            rules = list(base_rules or []) + self.cited(link.cites, extra)
            ok = equal(current, link.expr, rules)
            self.record(
                link.why,
                f"{latex(current)} = {latex(link.expr)}" if k == 1 else f"= {latex(link.expr)}",
                ok,
            )
            current = link.expr
        return current

    @staticmethod
    def ends_match(chain: Chain, end: sp.Basic, lhs, rhs, rules=()) -> bool:
        """The chain runs from one side of the statement to the other, as written.

        The ends are compared structurally (SymPy's ``==``), not up to simplification: every
        algebraic step is a checked link, so a chain cut short never passes for a whole one.
        """
        return (chain.start, end) in ((lhs, rhs), (rhs, lhs))

    def prove_lemmas(self) -> None:
        for lemma in self.proof.lemmas:
            end = self.chain(lemma.chain, f"lemma {lemma.name}", base_rules=self.rules)
            ok = self.ends_match(lemma.chain, end, lemma.lhs, lemma.rhs, self.rules)
            self.record(
                f"Lemma ({lemma.name}): the chain above runs from one side to the other.",
                f"{latex(lemma.lhs)} = {latex(lemma.rhs)}",
                ok,
            )
            self.lemmas[id(lemma)] = lemma

    def forall_chain(self, chain: Chain, lhs, rhs, label="chain") -> None:
        end = self.chain(chain, label, base_rules=self.rules)
        ok = self.ends_match(chain, end, lhs, rhs, self.rules)
        self.record(
            "The chain's ends are the statement's two sides.", f"{latex(lhs)} = {latex(rhs)}", ok
        )

    def induction(self, ind: Induction, lhs, rhs) -> None:
        n = ind.variable
        if not (n.is_integer and n in (lhs - rhs).free_symbols):
            raise ProofError(f"induction variable {n} must be an integer symbol of the statement")
        smallest = 1 if n.is_positive else 0 if n.is_nonnegative else None
        if smallest is None or ind.start > smallest:
            raise ProofError(f"induction from {ind.start} does not cover every value of {n}")
        base_l, base_r = lhs.subs(n, ind.start), rhs.subs(n, ind.start)
        end = self.chain(ind.base, "base case", base_rules=self.rules)
        self.record(
            f"Base case ${latex(n)} = {ind.start}$: the chain joins the two sides there.",
            f"{latex(base_l)} = {latex(base_r)}",
            self.ends_match(ind.base, end, base_l, base_r, self.rules),
        )
        step_l, step_r = lhs.subs(n, n + 1), rhs.subs(n, n + 1)
        extra = {"hypothesis": [(lhs, rhs)]}
        end = self.chain(ind.step, "induction step", extra, self.rules)
        self.record(
            f"Induction step ${latex(n)} \\to {latex(n)} + 1$: assuming the statement "
            f"at ${latex(n)}$, the chain joins the two sides at ${latex(n)} + 1$.",
            f"{latex(step_l)} = {latex(step_r)}",
            self.ends_match(ind.step, end, step_l, step_r, self.rules),
        )

    # -- necessary conditions -----------------------------------------------------------------
    def derive(self, derivation, lhs, rhs) -> list[sp.Basic]:
        difference = _substitute(lhs - rhs, self.rules)
        if isinstance(derivation, Instance):
            value = _substitute(difference, list(derivation.values.items())).doit()
            entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
            return [sp.simplify(e) for e in entries]
        if isinstance(derivation, Entries):
            if derivation.vector not in difference.free_symbols:
                raise ProofError(f"{derivation.vector} does not occur in the statement")
            row, col = derivation.row, derivation.col
            entry = sp.diff(difference[row, 0], derivation.vector[col, 0])
            found = []
            for i, k in derivation.indices:
                value = sp.simplify(entry.subs({row: i, col: k}).doit())
                found.append(sp.simplify(_substitute(value, self.rules)))
            return found
        variables = derivation.variables
        missing = [v for v in variables if not difference.has(v)]
        if missing:
            raise ProofError(f"{missing} do not occur in the statement")
        if isinstance(difference, sp.MatrixExpr) and not isinstance(difference, sp.MatrixBase):
            return _vector_coefficients(difference, variables)
        difference = difference.doit()
        entries = list(difference) if isinstance(difference, sp.MatrixBase) else [difference]
        found = []
        for entry in entries:
            poly = sp.Poly(sp.expand(sp.together(entry).as_numer_denom()[0]), *variables)
            found.extend(sp.factor(c) for c in poly.coeffs())
        return found

    def conditions(self, cond: Conditions, lhs, rhs) -> list[sp.Basic]:
        computed = [e for d in cond.derivations for e in self.derive(d, lhs, rhs)]
        computed = [e for e in computed if not is_zero(e)]
        stated = list(cond.equations)
        matches = (
            len(computed) == len(stated)
            and all(any(_proportional(c, s) for s in stated) for c in computed)
            and all(any(_proportional(c, s) for c in computed) for s in stated)
        )
        self.record(
            "The necessary conditions derived from the statement are the ones stated.",
            r",\quad ".join(f"{latex(e)} = 0" for e in stated) or r"\text{(none)}",
            matches,
        )
        return computed

    def solve(self, equations: list[sp.Basic]) -> sp.Set:
        unknowns = self.statement.unknowns
        solutions = _solve_exactly(equations, unknowns, self.statement.domain)
        shown = latex(solutions)
        names = ", ".join(latex(u) for u in unknowns)
        self.record(
            f"Solving the conditions exactly for ${names}$ (SymPy's solveset/solve).",
            rf"{', '.join(latex(u) for u in unknowns)} \in {shown}",
            True,
        )
        return solutions


def _proportional(a: sp.Basic, b: sp.Basic) -> bool:
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


def _vector_coefficients(difference: sp.MatrixExpr, variables) -> list[sp.Basic]:
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


def _solve_exactly(equations, unknowns, domain) -> sp.Set:
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


def _sets_equal(a: sp.Set, b: sp.Set) -> bool:
    if isinstance(a, sp.FiniteSet) and isinstance(b, sp.FiniteSet):
        return len(a) == len(b) and all(any(_points_equal(x, y) for y in b.args) for x in a.args)
    return a == b


# --------------------------------------------------------------------------- the judge ---------
def _hypotheses_hold(statement: Statement) -> list[str]:
    """Inequality hypotheses must follow from the symbols' assumptions."""
    problems = []
    for h in (*statement.hypotheses,):
        if isinstance(h, sp.Eq):
            continue
        if h is not sp.true and not (isinstance(h, sp.Basic) and h.simplify() is sp.true):
            problems.append(f"hypothesis {h} does not follow from the symbols' assumptions")
    return problems


def judge(statement: Statement, proof: Proof) -> Verdict:
    """Check ``proof`` against ``statement`` and return the computed verdict."""
    checker = _Checker(statement, proof)
    form = _form(proof)
    try:
        for problem in _hypotheses_hold(statement) + [
            f"assumption {a} is not a SymPy relation"
            for a in proof.assumptions
            if not isinstance(a, sp.Basic)
        ]:
            raise ProofError(problem)
        checker.prove_lemmas()
        kind, counterexample = _run(checker, statement, proof.argument)
    except ProofError as err:
        return Verdict("unproved", form, tuple(checker.steps), reason=str(err))
    except Exception as err:  # noqa: BLE001 - a crashing step is that claim's failure
        reason = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        return Verdict("unproved", form, tuple(checker.steps), reason=f"a step raised {reason}")
    hypotheses = tuple(proof.assumptions)
    if kind == "proved" and hypotheses:
        kind = "conditional"
    return Verdict(kind, form, tuple(checker.steps), hypotheses, counterexample, token=_KERNEL)


def _run(c: _Checker, s: Statement, arg: Argument):
    if isinstance(arg, Counterexample):
        if s.kind != "forall":
            raise ProofError("a counterexample refutes only a for-all statement")
        values = list(arg.values.items())
        gap = sp.simplify(_substitute(_substitute(s.lhs - s.rhs, c.rules), values).doit())
        if isinstance(gap, sp.MatrixExpr | sp.MatrixBase):
            gap = sp.Matrix(gap)
        concrete = not getattr(gap, "free_symbols", set())
        nonzero = concrete and not is_zero(gap)
        c.record(
            "At the counterexample the two sides differ by an exact nonzero amount.",
            rf"\text{{lhs}} - \text{{rhs}} = {latex(gap)}",
            nonzero,
        )
        c.record("That gap is the one the proof states.", latex(arg.gap), equal(gap, arg.gap))
        return "refuted", dict(arg.values)
    if isinstance(arg, Chain | Induction):
        if s.kind != "forall":
            raise ProofError("a chain proves only a for-all statement")
        if isinstance(arg, Chain):
            c.forall_chain(arg, s.lhs, s.rhs)
        else:
            c.induction(arg, s.lhs, s.rhs)
        return "proved", None
    if isinstance(arg, Witness):
        if s.kind not in ("exists", "not-exists") or set(arg.values) != set(s.unknowns):
            raise ProofError("a witness gives a value to each unknown of an exists statement")
        values = list(arg.values.items())
        c.forall_chain(arg.chain, _substitute(s.lhs, values), _substitute(s.rhs, values), "witness")
        return ("proved" if s.kind == "exists" else "refuted"), None
    if isinstance(arg, Conditions):
        if s.kind not in ("exists", "not-exists"):
            raise ProofError("conditions settle only exists/not-exists statements")
        solutions = c.solve(c.conditions(arg, s.lhs, s.rhs))
        empty = solutions == sp.S.EmptySet
        c.record(
            "No value of the unknowns satisfies the necessary conditions.",
            rf"{latex(solutions)} = \emptyset",
            empty,
        )
        return ("proved" if s.kind == "not-exists" else "refuted"), None
    if isinstance(arg, Characterization):
        if s.kind != "solutions":
            raise ProofError("a characterization proves only a solutions statement")
        found = c.solve(c.conditions(arg.necessary, s.lhs, s.rhs))
        c.record(
            "The necessary conditions have exactly the stated solutions.",
            rf"{latex(found)} = {latex(s.solutions)}",
            _sets_equal(found, s.solutions),
        )
        points = list(s.solutions.args) if isinstance(s.solutions, sp.FiniteSet) else None
        if points is None or len(points) != len(arg.sufficient):
            raise ProofError("give one sufficiency chain per stated solution")
        for point, chain in zip(points, arg.sufficient, strict=True):
            values = list(
                zip(
                    s.unknowns, point.args if isinstance(point, sp.Tuple) else (point,), strict=True
                )
            )
            c.forall_chain(
                chain, _substitute(s.lhs, values), _substitute(s.rhs, values), "sufficiency"
            )
        return "proved", None
    raise ProofError(f"unknown proof form {type(arg).__name__}")


def _form(proof: Proof) -> str:
    names = {
        Chain: "equational chain",
        Induction: "induction",
        Witness: "witness",
        Conditions: "exact solution of necessary conditions",
        Counterexample: "exact counterexample",
        Characterization: "exact solution set (necessary conditions + sufficiency chain)",
    }
    form = names[type(proof.argument)]
    if proof.per_coordinate:
        form += ", per coordinate"
    return form
