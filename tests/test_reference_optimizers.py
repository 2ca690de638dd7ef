"""Every reference rule reproduces torch.optim step by step in float64 (the case table), and the
rules' hyperparameters are validated in one place."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from wdproof.numerics.optimizers.cases import CASES, TOLERANCE, run_rule_case, run_torch_case
from wdproof.numerics.optimizers.conventions import VARIANTS, DecayConvention
from wdproof.numerics.optimizers.rules import SGD, SGDW, AdaGrad, AdamRule, adam
from wdproof.numerics.optimizers.trajectory import max_deviation, run_rule


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_reference_rule_matches_torch(case):
    assert case.steps >= 100
    deviation = max_deviation(run_rule_case(case), run_torch_case(case))
    assert deviation <= TOLERANCE, f"{case.id}: max deviation {deviation:.3e}"


def _paper_case():
    return next(c for c in CASES if c.id == "adamw-paper-decay-scheduled")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda r: replace(r, convention=DecayConvention.TORCH),
        lambda r: replace(r, l2_coefficient=r.decay_rate, decay_rate=0.0),
        lambda r: replace(r, schedule=lambda t: 1.0),
    ],
    ids=["paper-decay-as-torch", "l2-instead-of-decoupled", "schedule-dropped"],
)
def test_a_wrong_convention_is_rejected(wrong):
    # The table's tolerance must be able to fail: change one convention in the paper's AdamW.
    case = _paper_case()
    deviation = max_deviation(
        run_rule(case.problem(), wrong(case.rules), case.steps), run_torch_case(case)
    )
    assert deviation > 1e-6


def test_every_convention_and_variant_is_exercised_by_the_case_table():
    adam_rules = [
        rule
        for case in CASES
        for rule in (case.rules if isinstance(case.rules, list) else [case.rules])
        if isinstance(rule, AdamRule)
    ]
    used = {r.convention for r in adam_rules if r.decay_rate} | {
        DecayConvention.L2 for r in adam_rules if r.l2_coefficient
    }
    assert used == set(DecayConvention)
    assert {v.convention for v in VARIANTS.values()} == set(DecayConvention)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: AdamRule(lr=-1.0), "Invalid lr: -1.0"),
        (lambda: AdamRule(lr=0.1, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
        (lambda: AdamRule(lr=0.1, eps=float("nan")), "Invalid eps: nan"),
        (lambda: adam(weight_decay=-0.1), "Invalid l2_coefficient: -0.1"),
        (lambda: AdamRule(lr=0.1, convention=DecayConvention.L2), "convention scales decay_rate"),
        (lambda: SGD(lr=0.1, momentum=1.5), "Invalid momentum: 1.5"),
        (lambda: SGDW(alpha=0.1, decay_rate=float("inf")), "Invalid decay_rate: inf"),
        (lambda: AdaGrad(lr_decay=-1.0), "Invalid lr_decay: -1.0"),
    ],
)
def test_invalid_hyperparameters_are_refused_with_their_name(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_torch_refuses_what_the_rules_refuse():
    # The bounds are torch.optim's: the same values fail its constructor too.
    p = [torch.zeros(1, dtype=torch.float64, requires_grad=True)]
    for kwargs in ({"lr": -1.0}, {"betas": (0.9, 1.0)}, {"weight_decay": -0.1}):
        with pytest.raises(ValueError):
            torch.optim.Adam(p, **kwargs)
