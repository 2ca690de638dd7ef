"""Lecture 002: AdamW's decay part is -gamma lambda theta_t whatever the gradient history; Adam +
L2's is not (the contrast is proved by l2-decay-weaker-for-large-gradients)."""

from __future__ import annotations

import dataclasses

import sympy as sp

from wdproof.derivations import kernel
from wdproof.derivations import lecture_decay_history as history
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.notation import decay_rate, eps
from wdproof.derivations.optimizer_conventions import m_hat, v_hat
from wdproof.derivations.registry import claim_ids
from wdproof.numerics.confirmation import run_isolated
from wdproof.numerics.confirmations import lecture_decay_history as numeric

CLAIM = history.DECAY_INDEPENDENT_OF_HISTORY


def test_verdict_and_independence():
    assert CLAIM.verdict.kind == CLAIM.expect == "proved", CLAIM.verdict.reason
    assert CLAIM.question == "lecture-notes"
    # the decay part contains neither moment: nothing of the gradient history
    assert not CLAIM.statement.rhs.free_symbols & {m_hat, v_hat, eps}
    assert sp.diff(CLAIM.statement.rhs, v_hat) == 0


def test_the_contrasting_claims_exist_and_are_cited():
    for cited in ("l2-decay-weaker-for-large-gradients", "adaptive-l2-not-weight-decay"):
        assert cited in claim_ids() and cited in history.__doc__


def test_an_l2_style_decay_part_is_not_proved_history_free():
    """With the decay passed through D_t (Adam + L2 at fixed vhat) the same proof fails."""
    l2_step = history.adamw_step(0) - gamma * decay_rate * history.theta_t / (sp.sqrt(v_hat) + eps)
    s = CLAIM.statement
    adam_l2 = dataclasses.replace(
        s, definitions=(sp.Eq(history.decayed, l2_step), s.definitions[1])
    )
    assert kernel.judge(adam_l2, CLAIM.proof).kind == "unproved"


def test_torch_decay_part_is_history_free_and_l2_is_not():
    c = run_isolated(numeric.decay_independent_of_history)
    assert c.holds and c.value < 1e-12
    small, large = c.records()
    assert small["AdamW decay part"] == large["AdamW decay part"]
    v_hat, l2_part = r"$\hat v_t$ (coord 0)", r"Adam + $L_2$ decay part"
    assert large[v_hat] > 1e5 * small[v_hat]
    assert abs(small[l2_part]) > 10 * abs(large[l2_part])
    assert c.extra["l2_ratio"] > 10
