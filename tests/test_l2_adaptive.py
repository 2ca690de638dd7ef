"""Prop. 2, the effective L2 decay, the iteration-dependent schedule and Prop. 3's constant.

Wrong variants must be rejected by the step checker; counterexamples are re-checked with torch
float64 arithmetic; the schedule's condition is shown to matter numerically.
"""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from wdproof.derivations import l2_adaptive, l2_schedule
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import alpha, lam, lam_l2
from wdproof.derivations.registry import get_claim
from wdproof.numerics.confirmation import DTYPE, confirm
from wdproof.numerics.confirmations.l2_adaptive import effective_decay_run, spearman

# --- Prop. 2 -------------------------------------------------------------------------------


def test_residual_with_transposed_preconditioner_is_rejected():
    m = l2_adaptive.precond
    wrong = (lam * l2_adaptive.identity - alpha * lam_l2 * m.T) * l2_adaptive.theta
    step = l2_adaptive.adaptive_l2_step - l2_adaptive.adaptive_decay_step
    assert not Identity("M^T", step, wrong).verify()


def test_scalar_preconditioner_needs_k_in_the_mapping():
    k, m = l2_adaptive.scalar_k, l2_adaptive.precond
    forgot_k = {m: k * l2_adaptive.identity, lam: alpha * lam_l2}
    right = {m: k * l2_adaptive.identity, lam: alpha * lam_l2 * k}
    l2, wd = l2_adaptive.adaptive_l2_step, l2_adaptive.adaptive_decay_step
    assert not Identity("forgot k", l2, wd, given=forgot_k).verify()
    assert Identity("with k", l2, wd, given=right).verify()


def one_step_gap(m: torch.Tensor, alpha_: float, decay: float, l2: float) -> float:
    """max over theta in {e_1, e_2} and a gradient of |L2 step - weight-decay step|, float64."""
    gen = torch.Generator().manual_seed(1)
    g = torch.randn(2, generator=gen, dtype=DTYPE)
    gaps = []
    for theta in torch.eye(2, dtype=DTYPE):
        l2_step = theta - alpha_ * m @ (g + l2 * theta)
        wd_step = (1 - decay) * theta - alpha_ * m @ g
        gaps.append(float((l2_step - wd_step).abs().max()))
    return max(gaps)


def test_counterexample_diag_1_4_has_no_l2_coefficient():
    ce = l2_adaptive.COUNTEREXAMPLE
    a, decay = float(ce["alpha"]), float(ce["lambda"])
    m = torch.diag(torch.tensor(ce["m"], dtype=DTYPE))
    candidates = torch.linspace(0.0, 1.0, 2001, dtype=DTYPE).tolist() + [2 * decay / (5 * a)]
    best = min(one_step_gap(m, a, decay, l2) for l2 in candidates)
    assert best == pytest.approx(3 * decay / 5, rel=1e-9)  # the minimax residual, analytically


def test_scalar_preconditioner_has_the_predicted_coefficient():
    m = 2.5 * torch.eye(2, dtype=DTYPE)
    assert one_step_gap(m, 0.1, 0.01, 0.01 / (0.1 * 2.5)) <= 1e-15
    assert one_step_gap(m, 0.1, 0.01, 0.01 / 0.1) > 1e-3  # Prop. 1's mapping without k


# --- effective decay -----------------------------------------------------------------------


def test_effective_decay_anticorrelates_with_gradient_size():
    grad_rms, decay = effective_decay_run(steps=30)
    assert spearman(grad_rms, decay) < -0.5
    assert spearman(grad_rms, grad_rms) == pytest.approx(1.0)


def test_effective_decay_sign_step_rejects_wrong_sign():
    wrong = Identity(
        "increasing",
        sp.sign(sp.Derivative(l2_adaptive.effective_decay(l2_adaptive.vhat), l2_adaptive.vhat)),
        sp.sign(lam_l2),
    )
    assert not wrong.verify()


# --- iteration-dependent schedule ------------------------------------------------------------


def test_schedule_gradient_needs_symmetry():
    s = l2_schedule
    no_symmetry = Identity("x", s.schedule_regularizer.diff(s.theta), lam / alpha * s.precond.inverse() * s.theta)
    assert not no_symmetry.verify()


@pytest.mark.parametrize("constant", [lam / alpha, lam / 2, lam])
def test_schedule_with_wrong_constant_is_not_decay(constant):
    s = l2_schedule
    step = s.theta - alpha * s.precond * (s.grad + 2 * constant * s.precond.inverse() * s.theta)
    assert not Identity("wrong constant", step, s.decoupled_step).verify()


def test_contaminated_preconditioner_is_not_decay():
    s = l2_schedule
    assert not Identity("Mtilde", s.contaminated_step, s.decoupled_step).verify()


def test_schedule_condition_matters_numerically():
    c = confirm(get_claim("iteration-dependent-l2-schedule"))
    held = [row[-1] for row in c.rows if row[3]]
    violated = [row[-1] for row in c.rows if not row[3]]
    assert held and violated
    assert max(held) <= 1e-12
    assert min(violated) > 1e-4  # M_t from the regularized gradient: clearly not AdamW


def test_prop3_only_the_paper_constant_matches():
    c = confirm(get_claim("prop3-scale-adjusted-l2-normalization"))
    by_name = {row[0]: row[-1] for row in c.rows}
    assert by_name["lambda'/(2 alpha) (paper)"] <= 1e-12
    assert by_name["lambda'/alpha"] > 1e-3
    assert by_name["lambda'/2"] > 1e-3
