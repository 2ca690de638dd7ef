"""The kernel's order rules: ``at-most`` statements, ``<=`` links and their certificates, the
Cauchy–Schwarz schema, counterexamples to inequalities, and numerical evidence (never a proof)."""

from __future__ import annotations

import sympy as sp

from wdproof.derivations import kernel as k

x, y = sp.symbols("x y", real=True)
p, q = sp.symbols("p q", positive=True)
i = sp.Symbol("i", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
a, b = sp.IndexedBase("a", real=True), sp.IndexedBase("b", real=True)


def _bound(start, *links):
    return k.Proof(k.Chain(start, tuple(links)))


def test_nonnegative_accepts_only_what_the_assumptions_give():
    assert k.nonnegative(x**2 + p) and k.nonnegative(sp.Abs(x) * p)
    assert k.nonnegative(sp.Sum(a[i] ** 2, (i, 1, n))) and k.nonnegative(sp.Max(x, p))
    assert k.nonnegative(1 / (p + q)) and k.nonnegative(sp.sqrt(p) * q)
    assert not k.nonnegative(x) and not k.nonnegative(x * y) and not k.nonnegative(p - q)
    assert not k.nonnegative(sp.Sum(a[i], (i, 1, n)))
    # A reversed range flips a sum's sign under SymPy's convention: never accepted.
    assert not k.nonnegative(sp.Sum(a[i] ** 2, (i, n + 2, n)))
    # x^-2 is undefined at x = 0: a negative power needs a positive base.
    assert not k.nonnegative(x**-2)


def test_a_bound_chain_proves_at_most_from_left_to_right_only():
    statement = k.Statement.at_most(p, p + q**2)
    good = _bound(p, k.Link(p + q**2, "add a square", relation="<="))
    assert k.judge(statement, good).kind == "proved"
    # The same chain does not prove the reverse inequality, nor the equality.
    assert k.judge(k.Statement.at_most(p + q**2, p), good).kind == "unproved"
    assert k.judge(k.Statement.forall(p, p + q**2), good).kind == "unproved"


def test_a_bound_link_needs_a_nonnegative_gap_or_a_valid_certificate():
    statement = k.Statement.at_most(x, x + p * y**2)
    bare = _bound(x, k.Link(x + p * y**2, "gap p y^2", relation="<="))
    assert k.judge(statement, bare).kind == "proved"
    wrong = k.Statement.at_most(x, x + p * y)  # p y has no sign
    assert k.judge(wrong, _bound(x, k.Link(x + p * y, "gap p y", relation="<="))).kind == (
        "unproved"
    )
    # A certificate whose weighted sum is not the gap is refused ...
    lying = _bound(x, k.Link(x + p * y, "claimed", relation="<=", certificate=((p, y**2),)))
    assert k.judge(wrong, lying).kind == "unproved"
    # ... and so is one with a weight of unknown sign.
    signless = _bound(x, k.Link(x + x * y**2, "w = x", relation="<=", certificate=((x, y**2),)))
    assert k.judge(k.Statement.at_most(x, x + x * y**2), signless).kind == "unproved"


def test_cauchy_schwarz_is_instantiated_by_the_kernel_not_the_author():
    ab, aa, bb = (sp.Sum(e, (i, 1, n)) for e in (a[i] * b[i], a[i] ** 2, b[i] ** 2))
    statement = k.Statement.at_most(ab**2, aa * bb)
    schema = k.CauchySchwarz(a[i], b[i], i, 1, n)
    proof = _bound(ab**2, k.Link(aa * bb, "C-S", relation="<=", certificate=((1, schema),)))
    verdict = k.judge(statement, proof)
    assert verdict.kind == "proved", verdict.reason
    # The reverse inequality (false for n >= 2) is not proved by the same certificate.
    reverse = _bound(aa * bb, k.Link(ab**2, "C-S", relation="<=", certificate=((1, schema),)))
    assert k.judge(k.Statement.at_most(aa * bb, ab**2), reverse).kind == "unproved"
    # A schema over a reversed range is refused.
    backwards = k.CauchySchwarz(a[i], b[i], i, n + 2, n)
    wrong_range = _bound(ab**2, k.Link(aa * bb, "", relation="<=", certificate=((1, backwards),)))
    assert k.judge(statement, wrong_range).kind == "unproved"


def test_equalities_lemmas_and_inductions_take_no_bound_links():
    link = k.Link(p + q**2, "add a square", relation="<=")
    lemma = k.Lemma("bad", p, p + q**2, k.Chain(p, (link,)))
    proof = k.Proof(k.Chain(p, (k.Link(2 * p - p, "="),)), lemmas=(lemma,))
    assert "lemma" in k.judge(k.Statement.forall(p, 2 * p - p), proof).reason
    unknown = k.Proof(k.Chain(p, (k.Link(p + q**2, "?", relation=">="),)))
    assert k.judge(k.Statement.at_most(p, p + q**2), unknown).kind == "unproved"


def test_a_counterexample_to_an_inequality_must_exceed_it():
    statement = k.Statement.at_most(x**2, x)
    refuted = k.Proof(k.Counterexample({x: 2}, 2))
    assert k.judge(statement, refuted).kind == "refuted"
    assert (
        k.judge(
            statement, k.Proof(k.Counterexample({x: sp.Rational(1, 2)}, -sp.Rational(1, 4)))
        ).kind
        == "unproved"
    )
    # Terms of a sequence are substituted after the sum is written out.
    total = sp.Sum(a[i], (i, 1, n))
    seq = k.Proof(k.Counterexample({n: 2, a[1]: 3, a[2]: 4}, 7))
    assert k.judge(k.Statement.at_most(total, 0), seq).kind == "refuted"


def test_numerical_evidence_is_never_a_verdict_but_unproved():
    verdict = k.judge(k.Statement.forall(x, x), k.Proof(k.Evidence("torch run")))
    assert verdict.kind == "unproved" and verdict.form == "numerical evidence only"
    assert "torch run" in verdict.reason
