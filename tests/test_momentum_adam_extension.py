"""Extending Q1.b to Adam: both counterexamples re-run with torch; wrong variants rejected."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from wdproof.derivations import momentum_adam_extension as ext
from wdproof.derivations.claim import Identity
from wdproof.derivations.notation import alpha, beta1, eps, lam, lam_l2
from wdproof.numerics.confirmation import DTYPE
from wdproof.numerics.confirmations import momentum_adam_extension as confirmation
from wdproof.numerics.confirmations.momentum_adam_extension import (
    first_step_shrink,
    scalar_preconditioner_pair,
    two_step_difference,
    zero_loss_steps,
)


def test_first_step_shrink_matches_the_symbolic_prediction():
    ce = ext.FIRST_STEP_COUNTEREXAMPLE
    shrink = 1 - ext.first_step_l2(ext.theta0) / ext.theta0  # alpha lambda'/(lambda' theta + eps)
    l2_shrink, adamw_shrink = first_step_shrink()
    for measured, start in zip(l2_shrink, ce["theta_0"], strict=True):
        predicted = float(
            shrink.subs({alpha: ce["lr"], lam_l2: ce["L2"], eps: 1e-8, ext.theta0: start})
        )
        assert measured == pytest.approx(predicted, rel=1e-12)
    # AdamW shrinks every coordinate alike; Adam + L2 does not, so no single lambda fits.
    assert adamw_shrink[0] == pytest.approx(adamw_shrink[1], rel=1e-12)
    assert abs(l2_shrink[0] - l2_shrink[1]) > 1e-2


def exact_step2_difference() -> sp.Rational:
    """``theta_2(L2) - theta_2(decay)`` from the derivation's SymPy maps at the counterexample."""
    ce = ext.TWO_STEP_COUNTEREXAMPLE
    exact = {key: sp.Rational(str(ce[key])) for key in ("alpha", "k", "beta_1", "L2", "lambda")}
    values = {
        alpha: exact["alpha"],
        ext.k: exact["k"],
        beta1: exact["beta_1"],
        lam_l2: exact["L2"],
        lam: exact["lambda"],
        ext.theta_0: sp.Rational(str(ce["theta_0"])),
        ext.g_1: 0,  # f = 0
        ext.g_2: 0,
    }
    assert (ext.l2_theta_1 - ext.wd_theta_1).subs(values) == 0  # step 1 agrees: lambda = alpha k L2
    return sp.nsimplify((ext.l2_theta_2 - ext.wd_theta_2).subs(values))


EXACT_GAP = float(exact_step2_difference())


def test_two_step_counterexample_matches_sympy_and_torch():
    assert EXACT_GAP != 0
    assert EXACT_GAP == pytest.approx(ext.TWO_STEP_COUNTEREXAMPLE["step2_difference"], abs=1e-15)
    assert two_step_difference() == pytest.approx(EXACT_GAP, abs=1e-12)


@pytest.mark.parametrize(
    "predicted, holds",
    [(EXACT_GAP, True), (-EXACT_GAP, False), (EXACT_GAP * 1.9, False), (0.0, False)],
    ids=["exact", "sign flipped", "times 1 + beta_1", "no gap"],
)
def test_confirmation_enforces_the_exact_predicted_gap(monkeypatch, predicted, holds):
    monkeypatch.setattr(
        confirmation,
        "TWO_STEP_COUNTEREXAMPLE",
        dict(ext.TWO_STEP_COUNTEREXAMPLE, step2_difference=predicted),
    )
    result = confirmation.momentum_separates_with_scalar_preconditioner()
    assert result.holds is holds
    assert result.extra["mlp_deviation_beta1_0"] <= 1e-12 < result.extra["mlp_deviation_beta1_0.9"]


def test_huge_eps_emulates_a_scalar_preconditioner():
    # Step 1 of Adam + L2 with M = kI and f = 0 is theta_0 (1 - alpha k lambda') exactly.
    l2_opt, wd_opt = scalar_preconditioner_pair(0.1, 0.9, 1.0)
    l2_first = zero_loss_steps([1.0, -3.0], 1, l2_opt)[0]
    wd_first = zero_loss_steps([1.0, -3.0], 1, wd_opt)[0]
    expected = torch.tensor([0.9, -2.7], dtype=DTYPE)
    assert torch.allclose(l2_first, expected, rtol=1e-15, atol=0)
    assert torch.allclose(wd_first, expected, rtol=1e-15, atol=0)


def test_without_momentum_the_scalar_case_agrees():
    # beta_1 = 0 and M = kI is SGD scaled by k: Prop. 1 holds, the step-2 gap vanishes.
    l2_opt, wd_opt = scalar_preconditioner_pair(0.1, 0.0, 1.0)
    gap = zero_loss_steps([1.0], 2, l2_opt)[1] - zero_loss_steps([1.0], 2, wd_opt)[1]
    assert abs(float(gap)) <= 1e-15
    assert Identity(
        "beta_1 = 0", ext.l2_theta_2, ext.wd_theta_2, given={lam: alpha * ext.k * lam_l2, beta1: 0}
    ).verify()


def test_step2_residual_without_beta1_factor_is_rejected():
    wrong = alpha * ext.k * lam_l2 / (1 + beta1) * (ext.l2_theta_1 - ext.theta_0)
    step = Identity(
        "no beta_1", ext.l2_theta_2 - ext.wd_theta_2, wrong, given={lam: alpha * ext.k * lam_l2}
    )
    assert not step.verify()
    no_gap = Identity("no gap", ext.l2_theta_2, ext.wd_theta_2, given={lam: alpha * ext.k * lam_l2})
    assert not no_gap.verify()


def test_bias_correction_at_t2_does_not_cancel_beta1():
    # mhat_1 = g_1 for every beta_1, but mhat_2 still weights the two gradients by beta_1.
    naive = Identity(
        "mhat_2 = (x_1 + x_2)/2",
        ext.bias_corrected_mean_2(ext.x_1, ext.x_2),
        (ext.x_1 + ext.x_2) / 2,
    )
    assert not naive.verify()
    assert sp.simplify(ext.bias_corrected_mean_2(ext.x_1, ext.x_2).subs(beta1, 0) - ext.x_2) == 0
