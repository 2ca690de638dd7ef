"""Mutants of a claim: the kernel must refuse every one (``wdproof verify --mutate``).

A claim survives review only if a wrong version of it fails. For each claim this module builds
mutants of four kinds and asks the kernel to judge them:

* ``verdict``: every other verdict (``unproved`` included) declared as the expectation (the
  computed verdict must differ from it);
* ``statement``: one side multiplied by ``1 + delta``, shifted by ``delta`` (a fresh symbol; a
  fresh matrix symbol times ``delta`` for matrix sides), negated; a stated solution set scaled;
* ``truncation``: every chain of the proof (lemmas, base and step cases, witness and
  sufficiency chains) with its last link removed; a conditions proof with its last equation
  removed;
* ``perturbation``: an intermediate expression of a chain multiplied by ``1 + delta``; a
  counterexample moved to values where the statement holds (found by solving for one of its
  symbols), when such values exist.

A mutant is *killed* when the kernel's verdict differs from the claim's expected verdict (for
``verdict`` mutants: from the mutated expectation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Conditions,
    Counterexample,
    Evidence,
    Induction,
    Proof,
    Statement,
    Witness,
    judge,
)

KINDS = ("verdict", "statement", "truncation", "perturbation")
VERDICTS = ("proved", "refuted", "conditional")
DELTA = sp.Symbol("delta_mut")


@dataclass(frozen=True)
class Mutant:
    kind: str
    description: str
    statement: Statement
    proof: Proof
    expect: str

    def killed(self) -> bool:
        return judge(self.statement, self.proof).kind != self.expect


def _shift(side: sp.Basic) -> sp.Basic:
    if isinstance(side, sp.MatrixBase):
        return side + DELTA * sp.ones(*side.shape)
    if isinstance(side, sp.MatrixExpr):
        return side + DELTA * sp.MatrixSymbol("Delta_mut", *side.shape)
    return side + DELTA


def _statement_mutants(claim: Claim) -> Iterator[Mutant]:
    s, proof, expect = claim.statement, claim.proof, claim.expect
    for name in ("lhs", "rhs"):
        side = getattr(s, name)
        for label, new in (
            ("multiplied by 1 + delta", (1 + DELTA) * side),
            ("shifted by delta", _shift(side)),
            ("negated", -side),
        ):
            yield Mutant("statement", f"{name} {label}", s.mutated(**{name: new}), proof, expect)
    if isinstance(s.solutions, sp.FiniteSet):
        scaled = sp.FiniteSet(
            *(
                sp.Tuple(*((1 + DELTA) * x for x in p.args))
                if isinstance(p, sp.Tuple)
                else (1 + DELTA) * p
                for p in s.solutions.args
            )
        )
        yield Mutant(
            "statement",
            "solution set scaled by 1 + delta",
            s.mutated(solutions=scaled),
            proof,
            expect,
        )


def _chains(proof: Proof) -> Iterator[tuple[str, Chain, Callable[[Chain], Proof]]]:
    """Every chain of ``proof`` with a function that puts a replacement back."""
    for k, lemma in enumerate(proof.lemmas):

        def put(chain, k=k, lemma=lemma):
            lemmas = list(proof.lemmas)
            lemmas[k] = replace(lemma, chain=chain)
            return replace(proof, lemmas=tuple(lemmas))

        if isinstance(lemma.chain, Induction):
            ind = lemma.chain
            yield (
                f"lemma {lemma.name}, base",
                ind.base,
                lambda c, put=put, ind=ind: put(replace(ind, base=c)),
            )
            yield (
                f"lemma {lemma.name}, step",
                ind.step,
                lambda c, put=put, ind=ind: put(replace(ind, step=c)),
            )
            continue
        yield f"lemma {lemma.name}", lemma.chain, put
    arg = proof.argument
    if isinstance(arg, Chain):
        yield "chain", arg, lambda c: replace(proof, argument=c)
    elif isinstance(arg, Induction):
        yield "base case", arg.base, lambda c: replace(proof, argument=replace(arg, base=c))
        yield "induction step", arg.step, lambda c: replace(proof, argument=replace(arg, step=c))
    elif isinstance(arg, Witness):
        yield "witness chain", arg.chain, lambda c: replace(proof, argument=replace(arg, chain=c))
    elif isinstance(arg, Characterization):
        for k, chain in enumerate(arg.sufficient):

            def put(c, k=k):
                chains = list(arg.sufficient)
                chains[k] = c
                return replace(proof, argument=replace(arg, sufficient=tuple(chains)))

            yield f"sufficiency chain {k + 1}", chain, put


def _conditions(proof: Proof) -> tuple[Conditions, Callable[[Conditions], Proof]] | None:
    arg = proof.argument
    if isinstance(arg, Conditions):
        return arg, lambda c: replace(proof, argument=c)
    if isinstance(arg, Characterization):
        return arg.necessary, lambda c: replace(proof, argument=replace(arg, necessary=c))
    return None


def _truncation_mutants(claim: Claim) -> Iterator[Mutant]:
    for label, chain, put in _chains(claim.proof):
        yield Mutant(
            "truncation",
            f"{label} without its last link",
            claim.statement,
            put(chain.truncated()),
            claim.expect,
        )
    found = _conditions(claim.proof)
    if found and found[0].equations:
        conditions, put = found
        shorter = replace(conditions, equations=conditions.equations[:-1])
        yield Mutant(
            "truncation",
            "conditions without the last equation",
            claim.statement,
            put(shorter),
            claim.expect,
        )


def _holding_values(claim: Claim, example: Counterexample) -> dict | None:
    """The counterexample with one symbol moved so that the statement holds, if possible."""
    s = claim.statement
    for symbol in example.values:
        others = {k: v for k, v in example.values.items() if k != symbol}
        gap = sp.simplify((s.lhs - s.rhs).subs(others))
        if isinstance(gap, sp.MatrixBase | sp.MatrixExpr):
            continue
        try:
            roots = [r for r in sp.solve(gap, symbol) if r.is_real and not r.free_symbols]
        except (NotImplementedError, TypeError, ValueError):
            continue
        for root in roots:
            if isinstance(symbol, sp.Symbol) and symbol.is_positive and not root.is_positive:
                continue
            return {**others, symbol: root}
    return None


def _perturbation_mutants(claim: Claim) -> Iterator[Mutant]:
    for label, chain, put in _chains(claim.proof):
        if len(chain.links) < 2:
            continue
        links = list(chain.links)
        first = links[0]
        links[0] = replace(first, expr=(1 + DELTA) * first.expr)
        yield Mutant(
            "perturbation",
            f"{label}: first intermediate expression times 1 + delta",
            claim.statement,
            put(Chain(chain.start, tuple(links))),
            claim.expect,
        )
    arg = claim.proof.argument
    if isinstance(arg, Counterexample):
        holding = _holding_values(claim, arg)
        if holding is not None:
            moved = replace(claim.proof, argument=replace(arg, values=holding))
            yield Mutant(
                "perturbation",
                "counterexample moved to where the statement holds",
                claim.statement,
                moved,
                claim.expect,
            )


def mutants(claim: Claim) -> list[Mutant]:
    """Every mutant of ``claim``, verdict mutants first.

    A claim resting on numerical :class:`~wdproof.derivations.kernel.Evidence` has no proof to
    cut or perturb, and its verdict is ``unproved`` whatever it states: only its verdict mutants
    apply (the kernel must never call it proved, refuted or conditional).
    """
    found = [
        Mutant("verdict", f"expects {other}", claim.statement, claim.proof, other)
        for other in (*VERDICTS, "unproved")
        if other != claim.expect
    ]
    if isinstance(claim.proof.argument, Evidence):
        return found
    found += [
        *_statement_mutants(claim),
        *_truncation_mutants(claim),
        *_perturbation_mutants(claim),
    ]
    return found


@dataclass(frozen=True)
class KillReport:
    claim_id: str
    killed: dict[str, int]
    total: dict[str, int]
    survivors: tuple[str, ...]

    def rate(self, kind: str | None = None) -> float:
        kinds = [kind] if kind else list(self.total)
        total = sum(self.total.get(k, 0) for k in kinds)
        return 1.0 if total == 0 else sum(self.killed.get(k, 0) for k in kinds) / total


def kill_report(claim: Claim) -> KillReport:
    """Judge every mutant of ``claim`` and count the kills per kind."""
    killed = dict.fromkeys(KINDS, 0)
    total = dict.fromkeys(KINDS, 0)
    survivors = []
    for mutant in mutants(claim):
        total[mutant.kind] += 1
        if mutant.killed():
            killed[mutant.kind] += 1
        else:
            survivors.append(f"{mutant.kind}: {mutant.description}")
    return KillReport(claim.id, killed, total, tuple(survivors))
