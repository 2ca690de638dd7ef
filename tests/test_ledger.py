"""Every claim in the ledger: the kernel computes the expected verdict and torch agrees."""

from __future__ import annotations

import ast
import pathlib

import pytest

from wdproof.derivations import kernel
from wdproof.derivations.registry import all_claims, all_definitions
from wdproof.numerics.confirmation import unconfirmed_claims

CLAIMS = all_claims()
DERIVATIONS = pathlib.Path(kernel.__file__).parent


def test_ledger_is_not_empty():
    assert CLAIMS, "no claims were discovered"
    assert all_definitions(), "no update-rule definitions were discovered"


def test_every_claim_has_a_numeric_confirmation():
    assert unconfirmed_claims() == []


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_kernel_computes_the_expected_verdict(claim):
    verdict = claim.verdict
    assert verdict.kind == claim.expect, verdict.reason
    assert verdict.steps and all(step.ok for step in verdict.steps)
    if verdict.kind == "conditional":
        assert verdict.hypotheses, "a conditional verdict names its hypotheses"
    if verdict.kind != "conditional":
        assert not claim.proof.assumptions


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_numeric_confirmation_agrees_with_verdict(claim, ledger):
    entry = ledger[claim.id]
    assert entry.holds, entry.failure()


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_metadata_is_complete(claim):
    assert claim.title and claim.source and claim.statement_text and claim.conventions
    assert claim.statement_latex()


def test_no_claim_module_declares_a_verdict():
    """Verdicts come out of the kernel: no module but the kernel builds a Verdict, and only
    ``expect=`` (a test expectation) may name one."""
    for path in DERIVATIONS.glob("*.py"):
        if path.name == "kernel.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Verdict"
            ):
                raise AssertionError(f"{path.name}:{node.lineno} constructs a Verdict")


def test_no_chain_link_compares_an_expression_with_itself():
    from wdproof.derivations.mutations import _chains

    for claim in CLAIMS:
        for label, chain, _ in _chains(claim.proof):
            previous = chain.start
            for link in chain.links:
                assert link.expr != previous, f"{claim.id}, {label}: {link.why}"
                previous = link.expr


ELEMENT_WISE = (  # modules whose updates are element-wise and argued for one coordinate j
    "bias_corrected_rmsprop",
    "momentum_adam_extension",
    "prop3_normalization",
)


@pytest.mark.parametrize("module", ELEMENT_WISE)
def test_element_wise_claims_are_argued_per_coordinate(module):
    import importlib

    claims = importlib.import_module(f"wdproof.derivations.{module}").CLAIMS
    for claim in claims:
        assert claim.proof.per_coordinate and "per coordinate" in claim.verdict.form, claim.id
