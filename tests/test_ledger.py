"""Every claim in the ledger: the kernel computes the expected verdict and torch agrees."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import json
import math
import pathlib

import pytest
import sympy as sp

from wdproof import derivations
from wdproof.derivations import kernel
from wdproof.derivations.notation import l2_coefficient
from wdproof.derivations.registry import all_claims, all_definitions, get_claim
from wdproof.numerics.confirmation import Confirmation, unconfirmed_claims
from wdproof.numerics.ledger import evaluate_stream

CLAIMS = all_claims()
DERIVATIONS = pathlib.Path(derivations.__file__).parent
KERNEL = pathlib.Path(kernel.__file__).parent


def test_ledger_is_not_empty():
    assert CLAIMS, "no claims were discovered"
    assert all_definitions(), "no update-rule definitions were discovered"


def test_every_claim_has_a_numeric_confirmation():
    assert unconfirmed_claims() == []


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_kernel_computes_the_expected_verdict(claim):
    verdict = claim.verdict
    assert verdict.kind == claim.expect, verdict.reason
    # The kernel turns a proof with assumptions into "conditional", but it keeps a refutation
    # that rests on assumptions "refuted": no claim may ask for one.
    assert verdict.kind == "conditional" or not claim.proof.assumptions, claim.id


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_numeric_confirmation_agrees_with_verdict(claim, ledger):
    entry = ledger[claim.id]
    assert entry.holds, entry.failure()


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_metadata_is_complete(claim):
    assert claim.title and claim.source and claim.statement_text and claim.conventions
    assert claim.statement_latex()


def test_the_ledger_judges_a_mutated_claim_not_its_namesake():
    """A mutant keeps its claim's id; the ledger must judge the mutant, not the ledger's claim
    of that id (the forked worker looks claims up by id)."""
    claim = get_claim("sgd-l2-equals-weight-decay")
    false = claim.statement.mutated(solutions=sp.FiniteSet(l2_coefficient))  # lambda = lambda'
    mutant = dataclasses.replace(claim, statement=false)
    [entry] = evaluate_stream([mutant])
    assert entry.claim is mutant
    assert entry.verdict.kind == kernel.judge(false, claim.proof).kind == "unproved"
    assert not entry.holds
    assert entry.failure().startswith("kernel computed unproved, expected proved")


def test_ledger_rows_are_json_and_keep_counterexamples_exact(ledger):
    rows = json.loads(json.dumps([entry.as_dict() for entry in ledger.values()]))
    by_id = {row["id"]: row for row in rows}
    assert list(by_id) == [claim.id for claim in CLAIMS]
    refutations = [e for e in ledger.values() if e.verdict.counterexample]
    assert refutations, "no claim is refuted by a counterexample"
    for entry in refutations:
        written = by_id[entry.claim.id]["counterexample"]
        assert written.keys() == {str(symbol) for symbol in entry.verdict.counterexample}
        for symbol, value in entry.verdict.counterexample.items():
            assert sp.sympify(written[str(symbol)]) == value, (entry.claim.id, symbol)


def test_a_confirmation_table_is_read_by_column_name():
    columns = ("setting", "max deviation")
    table = Confirmation("q", 0.0, 1.0, columns=columns, rows=(("L2", 0.5), ("SGDW", 0.0)))
    assert [r["max deviation"] for r in table.records() if r["setting"] == "SGDW"] == [0.0]
    with pytest.raises(ValueError, match="cells"):
        Confirmation("q", 0.0, 1.0, columns=columns, rows=(("L2",),))
    with pytest.raises(ValueError, match="distinct"):
        Confirmation("q", 0.0, 1.0, columns=("value", "value"))


def test_a_confirmation_holds_only_on_the_predicted_side_of_its_tolerance():
    assert Confirmation("agreement", 1e-12, 1e-12).holds
    assert not Confirmation("agreement", 2e-12, 1e-12).holds
    assert Confirmation("separation", 1e-3, 1e-6, relation=">").holds
    assert not Confirmation("separation", 1e-6, 1e-6, relation=">").holds
    for relation in ("<=", ">"):
        assert not Confirmation("broken run", math.nan, 1.0, relation=relation).holds


def verdict_constructions(path: pathlib.Path) -> list[int]:
    """Lines of ``path`` that call ``Verdict(...)`` (by name or as an attribute)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Verdict"
    ]


def test_the_verdict_finder_sees_both_spellings(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("v = Verdict('proved')\n\nw = kernel.Verdict('refuted')\n")
    assert verdict_constructions(module) == [1, 3]


def test_no_module_outside_the_kernel_constructs_a_verdict():
    """Verdicts come out of the kernel: only ``expect=`` (a test expectation) may name one."""
    assert verdict_constructions(KERNEL / "judgement.py"), "the finder must see the judge's"
    outside = [p for p in sorted(DERIVATIONS.rglob("*.py")) if KERNEL not in p.parents]
    offenders = [f"{p.name}:{line}" for p in outside for line in verdict_constructions(p)]
    assert not offenders, offenders


ELEMENT_WISE = (  # modules whose updates are element-wise and argued for one coordinate j
    "adam_epsilon",
    "adam_epsilon_inside_sqrt",
    "bias_corrected_rmsprop",
    "l2_decay_per_coordinate",
    "momentum_adam_extension",
    "optimizer_conventions",
    "optimizer_moments",
    "prop3_normalization",
)


@pytest.mark.parametrize("module", ELEMENT_WISE)
def test_element_wise_claims_are_argued_per_coordinate(module):
    claims = importlib.import_module(f"wdproof.derivations.{module}").CLAIMS
    assert claims
    for claim in claims:
        assert claim.proof.per_coordinate, claim.id
