"""Prop. 2 and the effective L2 decay: wrong variants rejected, the counterexample re-run in torch."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from wdproof.derivations import l2_adaptive
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import alpha, lam, lam_l2
from wdproof.numerics.confirmation import DTYPE
from wdproof.numerics.confirmations import l2_adaptive as confirmation
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


def test_torch_counterexample_needs_lambda_over_alpha_m_per_coordinate():
    ce = l2_adaptive.COUNTEREXAMPLE
    needed, target = confirmation.required_l2_coefficients()
    for got, mj in zip(needed.tolist(), ce["m"], strict=True):
        assert got == pytest.approx(float(ce["lambda"] / (ce["alpha"] * mj)), rel=1e-12)
    per_coordinate = confirmation.preconditioned_sgd_step(tuple(needed.tolist()))
    assert float((per_coordinate - target).abs().max()) <= 1e-15
    for single in needed.tolist():  # one lambda' for both coordinates misses one of them
        assert float((confirmation.preconditioned_sgd_step(single) - target).abs().max()) > 1e-3


def test_scalar_preconditioner_gives_no_spread(monkeypatch):
    scalar = dict(l2_adaptive.COUNTEREXAMPLE, m=(4, 4))
    monkeypatch.setattr(confirmation, "COUNTEREXAMPLE", scalar)
    needed, _ = confirmation.required_l2_coefficients()
    assert float(needed.max() - needed.min()) <= 1e-15
    assert not confirmation.adam_l2_separates_from_adamw().holds


def test_scalar_preconditioner_has_the_predicted_coefficient():
    m = 2.5 * torch.eye(2, dtype=DTYPE)
    assert one_step_gap(m, 0.1, 0.01, 0.01 / (0.1 * 2.5)) <= 1e-15
    assert one_step_gap(m, 0.1, 0.01, 0.01 / 0.1) > 1e-3  # Prop. 1's mapping without k


# --- effective decay -----------------------------------------------------------------------


def test_effective_decay_anticorrelates_with_gradient_size():
    run = effective_decay_run(steps=30)
    assert spearman(run["grad_rms"], run["decay"]) < -0.5


X = [0.1, 0.5, 2.0, 3.0, 10.0]


@pytest.mark.parametrize(
    "y, rho",
    [
        ([-v for v in X], -1.0),  # reversed order
        ([2**v for v in X], 1.0),  # monotone but far from linear: Pearson's r would be < 1
        ([0.5, 0.1, 3.0, 2.0, 10.0], 0.8),  # two swaps: 1 - 6 * 4 / (5 * 24)
        ([3.0, 10.0, 0.1, 2.0, 0.5], -0.6),  # ranks 4 5 1 3 2: sum d^2 = 32, 1 - 6 * 32 / 120
    ],
)
def test_spearman_is_the_rank_correlation(y, rho):
    assert spearman(torch.tensor(X, dtype=DTYPE), torch.tensor(y, dtype=DTYPE)) == pytest.approx(
        rho, abs=1e-12
    )


def test_measured_decay_part_is_lr_l2_theta_over_preconditioner_denominator():
    run = effective_decay_run(steps=20)
    assert float((run["measured"] - run["predicted"]).abs().max()) <= 1e-12
    assert bool((run["decay"] > 0).all())  # L2 shrinks every coordinate toward 0


def test_twin_without_the_shifted_second_moment_does_not_isolate_the_decay():
    run = effective_decay_run(steps=20, shift=False)
    assert float((run["measured"] - run["predicted"]).abs().max()) > 1e-9


def test_effective_decay_sign_step_rejects_wrong_sign():
    wrong = Identity(
        "increasing",
        sp.sign(sp.Derivative(l2_adaptive.effective_decay(l2_adaptive.vhat), l2_adaptive.vhat)),
        sp.sign(lam_l2),
    )
    assert not wrong.verify()
