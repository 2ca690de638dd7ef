"""Every reference rule reproduces torch.optim step by step in float64 (the case table)."""

from __future__ import annotations

import pytest

from wdproof.numerics.optimizer_cases import CASES, TOLERANCE, run_torch_case
from wdproof.numerics.problems import max_deviation
from wdproof.numerics.reference_optimizers import AdamRule, run_rule


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_reference_rule_matches_torch(case):
    assert case.steps >= 100
    reference = run_rule(case.problem(), case.rules, case.steps)
    oracle = run_torch_case(case)
    deviation = max_deviation(reference, oracle)
    assert deviation <= TOLERANCE, f"{case.id}: max deviation {deviation:.3e}"


@pytest.mark.parametrize("wrong", ["paper-decay-as-torch", "l2-as-decoupled"])
def test_a_wrong_convention_is_rejected(wrong):
    # The table's tolerance must be able to fail: swap one convention in an AdamW case.
    case = next(c for c in CASES if c.id == "adamw-paper-decay-scheduled")
    rule = case.rules
    wrong_rule = (
        AdamRule(rule.lr, weight_decay=rule.weight_decay, decay="torch", schedule=rule.schedule)
        if wrong == "paper-decay-as-torch"
        else AdamRule(rule.lr, weight_decay=rule.weight_decay, decay="l2", schedule=rule.schedule)
    )
    deviation = max_deviation(
        run_rule(case.problem(), wrong_rule, case.steps), run_torch_case(case)
    )
    assert deviation > 1e-6
