"""The checker: applies the proof rules to one proof, recording every step it checks.

A step that fails raises :class:`~wdproof.derivations.kernel.verdict.ProofError` at once (the
judge turns it into an ``unproved`` verdict), so the recorded steps of an issued verdict are all
ones that passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from wdproof.derivations.kernel.equality import equal, is_zero, substitute
from wdproof.derivations.kernel.order import CauchySchwarz, nonnegative_any_form
from wdproof.derivations.kernel.proof import (
    Chain,
    Conditions,
    Entries,
    Induction,
    Instance,
    Lemma,
    Proof,
)
from wdproof.derivations.kernel.solving import proportional, solve_exactly, vector_coefficients
from wdproof.derivations.kernel.statement import Statement
from wdproof.derivations.kernel.verdict import ProofError, Step
from wdproof.derivations.notation import latex


class Checker:
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
            if link.relation == "<=":
                ok, symbol = self.bound(current, link, rules, label), r"\le"
            elif link.relation == "=" and not link.certificate:
                ok, symbol = equal(current, link.expr, rules), "="
            else:
                raise ProofError(f"{label}, link {k}: relation {link.relation!r} is not a rule")
            self.record(
                link.why,
                f"{latex(current)} {symbol} {latex(link.expr)}"
                if k == 1
                else f"{symbol} {latex(link.expr)}",
                ok,
            )
            current = link.expr
        return current

    def bound(self, current, link, rules, label) -> bool:
        """A ``<=`` link: ``link.expr - current`` is a nonnegative combination of nonnegative
        facts (the certificate), or is itself nonnegative by the order rule."""
        gap = substitute(link.expr - current, rules)
        if not link.certificate:
            return self.shown_nonnegative(link.expr - current, rules)
        total = sp.S.Zero
        for weight, fact in link.certificate:
            if isinstance(fact, CauchySchwarz):
                if not fact.admissible():
                    raise ProofError(f"{label}: Cauchy-Schwarz needs real terms over a range")
                value = fact.gap()
            elif self.shown_nonnegative(fact, rules):
                value = fact
            else:
                raise ProofError(f"{label}: the fact {fact} is not shown nonnegative")
            if not self.shown_nonnegative(weight, rules):
                raise ProofError(f"{label}: the weight {weight} is not shown nonnegative")
            total += weight * value
        return equal(gap, total, rules)

    @staticmethod
    def shown_nonnegative(expr, rules) -> bool:
        """Nonnegative as written (the symbols' assumptions, which the statement typesets as
        hypotheses) or after the statement's substitutions."""
        return nonnegative_any_form(expr) or nonnegative_any_form(substitute(expr, rules))

    @staticmethod
    def inequality_links(chain: Chain) -> bool:
        return any(link.relation != "=" for link in chain.links)

    @staticmethod
    def ends_match(chain: Chain, end: sp.Basic, lhs, rhs, rules=()) -> bool:
        """The chain runs from one side of the statement to the other, as written.

        The ends are compared structurally (SymPy's ``==``), not up to simplification: every
        algebraic step is a checked link, so a chain cut short never passes for a whole one.
        """
        return (chain.start, end) in ((lhs, rhs), (rhs, lhs))

    def prove_lemmas(self) -> None:
        for lemma in self.proof.lemmas:
            if isinstance(lemma.chain, Induction):
                self.induction(lemma.chain, lemma.lhs, lemma.rhs)
                self.lemmas[id(lemma)] = lemma
                continue
            if self.inequality_links(lemma.chain):
                raise ProofError(f"lemma {lemma.name}: a lemma is an equality; it has no <= link")
            end = self.chain(lemma.chain, f"lemma {lemma.name}", base_rules=self.rules)
            ok = self.ends_match(lemma.chain, end, lemma.lhs, lemma.rhs, self.rules)
            self.record(
                f"Lemma ({lemma.name}): the chain above runs from one side to the other.",
                f"{latex(lemma.lhs)} = {latex(lemma.rhs)}",
                ok,
            )
            self.lemmas[id(lemma)] = lemma

    def forall_chain(self, chain: Chain, lhs, rhs, label="chain") -> None:
        if self.inequality_links(chain):
            raise ProofError(f"{label}: a chain with a <= link proves no equality")
        end = self.chain(chain, label, base_rules=self.rules)
        ok = self.ends_match(chain, end, lhs, rhs, self.rules)
        self.record(
            "The chain's ends are the statement's two sides.", f"{latex(lhs)} = {latex(rhs)}", ok
        )

    def bound_chain(self, chain: Chain, lhs, rhs) -> None:
        """``lhs <= rhs``: the chain starts at ``lhs`` and ends at ``rhs`` (in that order)."""
        end = self.chain(chain, "chain", base_rules=self.rules)
        self.record(
            "The chain runs from the statement's left side to its right side.",
            rf"{latex(lhs)} \le {latex(rhs)}",
            (chain.start, end) == (lhs, rhs),
        )

    def induction(self, ind: Induction, lhs, rhs) -> None:
        for part in (ind.base, ind.step):
            if self.inequality_links(part):
                raise ProofError("an induction proves an equality; it has no <= link")
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
        difference = substitute(lhs - rhs, self.rules)
        if isinstance(derivation, Instance):
            value = substitute(difference, list(derivation.values.items())).doit()
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
                found.append(sp.simplify(substitute(value, self.rules)))
            return found
        variables = derivation.variables
        missing = [v for v in variables if not difference.has(v)]
        if missing:
            raise ProofError(f"{missing} do not occur in the statement")
        if isinstance(difference, sp.MatrixExpr) and not isinstance(difference, sp.MatrixBase):
            return vector_coefficients(difference, variables)
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
            and all(any(proportional(c, s) for s in stated) for c in computed)
            and all(any(proportional(c, s) for c in computed) for s in stated)
        )
        self.record(
            "The statement implies these necessary conditions "
            "(derived here; the proof gives them).",
            r",\quad ".join(f"{latex(e)} = 0" for e in stated) or r"\text{(none)}",
            matches,
        )
        return computed

    def solve(self, equations: list[sp.Basic]) -> sp.Set:
        unknowns = self.statement.unknowns
        solutions = solve_exactly(equations, unknowns, self.statement.domain)
        shown = latex(solutions)
        names = ", ".join(latex(u) for u in unknowns)
        self.record(
            f"Solving the conditions exactly for ${names}$.",
            rf"{', '.join(latex(u) for u in unknowns)} \in {shown}",
            True,
        )
        return solutions
