"""The judge: checks a proof against a statement and computes the verdict.

:func:`judge` is the only function that issues a verdict other than ``"unproved"``. It checks
the statement's inequality hypotheses and the proof's lemmas, then applies the rule of the
proof's argument (a chain or induction proves a ``forall``; a witness or conditions settle an
``exists``/``not-exists``; a characterization proves a ``solutions`` statement; a counterexample
refutes a ``forall``). Any rejected step, and any exception a step raises, makes the verdict
``"unproved"`` with the reason.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.kernel.checker import Checker
from wdproof.derivations.kernel.equality import equal, is_zero, substitute
from wdproof.derivations.kernel.proof import (
    Argument,
    Chain,
    Characterization,
    Conditions,
    Counterexample,
    Evidence,
    Induction,
    Proof,
    Witness,
)
from wdproof.derivations.kernel.solving import sets_equal
from wdproof.derivations.kernel.statement import Statement
from wdproof.derivations.kernel.verdict import _KERNEL, ProofError, Verdict, VerdictKind
from wdproof.derivations.notation import latex


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
    checker = Checker(statement, proof)
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


Outcome = tuple[VerdictKind, dict | None]  # the verdict's kind and a refutation's values


def _refute_by_counterexample(c: Checker, s: Statement, arg: Counterexample) -> Outcome:
    """Refutes ``forall`` (``at-most``): the exact gap ``lhs - rhs`` at the values is nonzero
    (positive), as stated. Values are substituted, sums expanded, and substituted again, so a
    sequence's terms ``g_1, g_2`` can be given once a sum over ``i = 1..t`` is written out."""
    if s.kind not in ("forall", "at-most"):
        raise ProofError("a counterexample refutes only a for-all or at-most statement")
    values = list(arg.values.items())
    gap = substitute(substitute(s.lhs - s.rhs, c.rules), values).doit()
    gap = sp.simplify(substitute(gap, values).doit())
    if isinstance(gap, sp.MatrixExpr | sp.MatrixBase):
        gap = sp.Matrix(gap)
    concrete = not getattr(gap, "free_symbols", set())
    if s.kind == "at-most":
        c.record(
            "At the counterexample the left side exceeds the right side by an exact amount.",
            rf"\text{{lhs}} - \text{{rhs}} = {latex(gap)} > 0",
            concrete and bool(gap.is_positive),
        )
    else:
        c.record(
            "At the counterexample the two sides differ by an exact nonzero amount.",
            rf"\text{{lhs}} - \text{{rhs}} = {latex(gap)}",
            concrete and not is_zero(gap),
        )
    c.record(
        "That gap is the one the proof states.",
        rf"\text{{stated gap}} = {latex(arg.gap)}",
        equal(gap, arg.gap),
    )
    return "refuted", dict(arg.values)


def _prove_by_chain(c: Checker, s: Statement, arg: Chain | Induction) -> Outcome:
    """Proves ``forall``: a chain from one side to the other, or an induction; ``at-most``: a
    chain (with ``<=`` links) from the left side to the right side."""
    if s.kind == "at-most" and isinstance(arg, Chain):
        c.bound_chain(arg, s.lhs, s.rhs)
        return "proved", None
    if s.kind != "forall":
        raise ProofError("a chain proves only a for-all or at-most statement")
    if isinstance(arg, Chain):
        c.forall_chain(arg, s.lhs, s.rhs)
    else:
        c.induction(arg, s.lhs, s.rhs)
    return "proved", None


def _settle_by_witness(c: Checker, s: Statement, arg: Witness) -> Outcome:
    """Proves ``exists`` (refutes ``not-exists``): a chain proves the body at the witness."""
    if s.kind not in ("exists", "not-exists") or set(arg.values) != set(s.unknowns):
        raise ProofError("a witness gives a value to each unknown of an exists statement")
    values = list(arg.values.items())
    c.forall_chain(arg.chain, substitute(s.lhs, values), substitute(s.rhs, values), "witness")
    return ("proved" if s.kind == "exists" else "refuted"), None


def _settle_by_conditions(c: Checker, s: Statement, arg: Conditions) -> Outcome:
    """Proves ``not-exists`` (refutes ``exists``): the derived conditions have no solution."""
    if s.kind not in ("exists", "not-exists"):
        raise ProofError("conditions settle only exists/not-exists statements")
    solutions = c.solve(c.conditions(arg, s.lhs, s.rhs))
    empty = solutions == sp.S.EmptySet
    names = ", ".join(latex(u) for u in s.unknowns)
    # the conclusion, not the solution set again (step "Solving ..." shows that it is empty)
    c.record(
        "The conditions have no solution: no value of the unknowns satisfies the equation.",
        rf"\neg\exists\, {names}:\ {s.body_latex()}",
        empty,
    )
    return ("proved" if s.kind == "not-exists" else "refuted"), None


def _prove_by_characterization(c: Checker, s: Statement, arg: Characterization) -> Outcome:
    """Proves ``solutions``: the derived conditions have exactly the stated solutions, and a
    chain proves the body at each of them."""
    if s.kind != "solutions":
        raise ProofError("a characterization proves only a solutions statement")
    found = c.solve(c.conditions(arg.necessary, s.lhs, s.rhs))
    c.record(
        "The necessary conditions have exactly the stated solutions.",
        # the set found, named by what defines it: "{found} = {stated}" would read x = x
        rf"\{{{', '.join(latex(u) for u in s.unknowns)} : \text{{the conditions hold}}\}} "
        rf"= {latex(s.solutions)}",
        sets_equal(found, s.solutions),
    )
    points = list(s.solutions.args) if isinstance(s.solutions, sp.FiniteSet) else None
    if points is None or len(points) != len(arg.sufficient):
        raise ProofError("give one sufficiency chain per stated solution")
    for point, chain in zip(points, arg.sufficient, strict=True):
        coordinates = point.args if isinstance(point, sp.Tuple) else (point,)
        values = list(zip(s.unknowns, coordinates, strict=True))
        c.forall_chain(chain, substitute(s.lhs, values), substitute(s.rhs, values), "sufficiency")
    return "proved", None


def _no_proof(c: Checker, s: Statement, arg: Evidence) -> Outcome:
    """Numerical evidence is not a proof: the verdict stays ``unproved`` and names it."""
    raise ProofError(f"numerical evidence only, no proof: {arg.what}")


#: Each proof form: its name in the verdict, and the rule that checks it.
RULES = {
    Chain: ("equational chain", _prove_by_chain),
    Induction: ("induction", _prove_by_chain),
    Witness: ("witness", _settle_by_witness),
    Conditions: ("exact solution of necessary conditions", _settle_by_conditions),
    Counterexample: ("exact counterexample", _refute_by_counterexample),
    Evidence: ("numerical evidence only", _no_proof),
    Characterization: (
        "exact solution set (necessary conditions + sufficiency chain)",
        _prove_by_characterization,
    ),
}


def _run(c: Checker, s: Statement, arg: Argument) -> Outcome:
    if type(arg) not in RULES:
        raise ProofError(f"unknown proof form {type(arg).__name__}")
    return RULES[type(arg)][1](c, s, arg)


def _form(proof: Proof) -> str:
    arg = proof.argument
    form = RULES[type(arg)][0] if type(arg) in RULES else f"unknown ({type(arg).__name__})"
    if isinstance(arg, Chain) and any(link.relation != "=" for link in arg.links):
        form = "chain of equalities and inequalities"
    if proof.per_coordinate:
        form += ", per coordinate"
    return form
