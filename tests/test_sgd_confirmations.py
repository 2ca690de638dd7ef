"""The SGD family (Q1.a.i, Q1.a.ii) against torch.optim.SGD: the oracle built from it, and the
confirmations that re-run the claims' own numbers."""

from __future__ import annotations

import functools

import pytest
import sympy as sp
import torch

from wdproof.derivations import sgd_momentum_constant_decay as smc
from wdproof.derivations.notation import alpha, decay_rate, n
from wdproof.numerics.confirmation import run_isolated
from wdproof.numerics.confirmations import sgd_momentum as csm
from wdproof.numerics.confirmations import sgd_momentum_constant_decay as csmc
from wdproof.numerics.confirmations import sgd_momentum_history as csmh
from wdproof.numerics.confirmations import sgd_momentum_pytorch as csmp
from wdproof.numerics.confirmations import sgd_weight_decay as cswd
from wdproof.numerics.confirmations.sgd_torch import (
    SEPARATION,
    TOLERANCE,
    RecordingGradients,
    constant_multiplier,
    resumed,
    torch_sgd,
    torch_sgd_trajectory,
)
from wdproof.numerics.optimizers.problems import DTYPE, linear_problem, mlp_regression
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.trajectory import max_deviation, run


def test_claim_maps_match_torch_at_the_instance():
    """The claim's own symbolic two-step maps, evaluated at its instance, are torch's iterates."""
    instance = smc.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY.instance
    natural = instance.alpha * instance.l2_coefficient
    with_l2, sgdw = csmc.instance_runs(instance, torch.tensor([natural], dtype=DTYPE))
    scalars = {
        alpha: sp.Rational(str(instance.alpha)),
        smc.beta1_pos: sp.Rational(str(instance.beta1)),
        smc.l2_coefficient_pos: sp.Rational(str(instance.l2_coefficient)),
    }
    size = len(instance.theta_0)
    vectors = {
        sp.MatrixSymbol(symbol.name, size, 1): sp.Matrix([sp.Rational(str(x)) for x in values])
        for symbol, values in (
            (smc.theta_0, instance.theta_0),
            (smc.g_1, instance.g_1),
            (smc.g_2, instance.g_2),
        )
    }
    mapped_rate = scalars[alpha] * scalars[smc.l2_coefficient_pos]  # lambda = alpha lambda'

    def evaluate(expr):
        expr = expr.subs(n, size).subs(scalars).subs(decay_rate, mapped_rate).subs(vectors)
        return torch.tensor([float(x) for x in sp.Matrix(expr.doit())], dtype=DTYPE)

    pairs = (
        (smc.l2_theta_1, with_l2[0]),
        (smc.l2_theta_2, with_l2[1]),
        (smc.w_theta_1, sgdw[0]),
        (smc.w_theta_2, sgdw[1]),
    )
    for symbolic, (measured,) in pairs:
        assert torch.allclose(measured[0], evaluate(symbolic), atol=TOLERANCE, rtol=0)
    # The step-2 gap is -beta_1 alpha lambda' theta_0; step 1 agrees at lambda = alpha lambda'.
    gap = with_l2[1][0][0] - sgdw[1][0][0]
    predicted = -instance.beta1 * natural * torch.tensor(instance.theta_0, dtype=DTYPE)
    assert torch.allclose(gap, predicted, atol=TOLERANCE, rtol=0)
    assert gap.abs().max() > SEPARATION
    assert torch.allclose(with_l2[0][0][0], sgdw[0][0][0], atol=TOLERANCE, rtol=0)


# --- the torch oracle ----------------------------------------------------------------------------
def test_torch_sgd_resumes_from_a_recorded_state():
    """Ten steps, then five more resumed from the iterate and PyTorch's buffers, are the same
    fifteen steps run at once (the frozen-state confirmation relies on it)."""
    problem = mlp_regression(seed=4)
    rule = SGDW(0.05, 0.9, decay_rate=1e-2, l2_coefficient=1e-2, schedule=constant_multiplier(0.5))
    whole = torch_sgd_trajectory(problem, rule, 15)
    first = torch_sgd(rule)
    theta = run(problem, first, 10)[-1]
    optimizer = first.optimizer
    buffers = [optimizer.state[p]["momentum_buffer"] for p in optimizer.param_groups[0]["params"]]
    rest = run(resumed(problem, theta, 10), torch_sgd(rule, buffers), 5)
    assert max_deviation(whole[10:], rest) <= TOLERANCE
    # Without the buffers the resumed run is a different run.
    assert max_deviation(whole[10:], run(resumed(problem, theta, 10), torch_sgd(rule), 5)) > (
        SEPARATION
    )


def test_recorded_gradients_are_the_losses_gradients_at_each_step():
    """On linear losses g_t is known: step t records grads[t - 1], then the last one."""
    grads = [[0.3, 0.1], [-0.2, 0.4]]
    recorder = RecordingGradients(torch_sgd(SGDW(0.1, 0.9, l2_coefficient=0.5)))
    run(linear_problem([1.0, -2.0], grads), recorder, 3)
    recorded = [step[0][0].tolist() for step in recorder.gradients]
    assert recorded == [grads[0], grads[1], grads[1]]


# --- torch confirmations -----------------------------------------------------------------------
@functools.cache
def confirmation(fn):
    """Run a confirmation of this module as ``numerics.confirmation.confirm`` does (one thread,
    seed 0), without importing the other modules' confirmations."""
    return run_isolated(fn)


def test_sgd_l2_matches_explicit_decay():
    c = confirmation(cswd.sgd_l2_matches_explicit_decay)
    assert c.holds, c.value


def test_sgdw_alpha_slope_has_no_theta_part_and_l2_has():
    c = confirmation(csm.sgdw_alpha_slope_is_gradient_only)
    assert c.holds, c.value
    assert c.extra["l2_theta_part_min"] > SEPARATION


def test_no_constant_decay_closes_the_instance_gap():
    c = confirmation(csmc.no_constant_decay_reproduces_l2_momentum)
    assert c.relation == ">" and c.holds
    instance = smc.SGD_MOMENTUM_L2_EQUALS_CONSTANT_DECAY.instance
    # At lambda = alpha lambda' the gap is beta_1 alpha lambda' |theta_0| (the claim's remark).
    predicted = (
        instance.beta1 * instance.alpha * instance.l2_coefficient * max(map(abs, instance.theta_0))
    )
    assert c.extra["natural_gap"] == pytest.approx(predicted, abs=TOLERANCE)
    assert c.extra["best_gap"] < c.extra["natural_gap"]  # the scan improved, yet stays apart


@pytest.mark.parametrize(
    ("fn", "key"),
    [
        (csm.no_momentum_mapping_survives_schedule, "wrong_mapping_min_deviation"),
        (csmh.closed_form_rebuilds_torch_iterates, "current_only_min_deviation"),
        (csmp.schedule_gap_matches_prediction, "cosine_momentum_separation"),
    ],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_wrong_variant_separates_numerically(fn, key):
    c = confirmation(fn)
    assert c.holds, c.value  # the right variant agrees to TOLERANCE ...
    assert c.extra[key] > SEPARATION  # ... and the wrong one is measurably apart


def test_pytorch_matches_alg1_at_constant_multipliers_for_l2_and_sgdw():
    c = confirmation(csmp.pytorch_matches_alg1_under_constant_schedule)
    assert c.holds, c.value
    assert c.extra["l2_max_deviation"] <= TOLERANCE
    assert c.extra["sgdw_max_deviation"] <= TOLERANCE


def test_schedule_gap_is_zero_without_momentum():
    c = confirmation(csmp.schedule_gap_matches_prediction)
    assert c.extra["cosine_no_momentum_deviation"] <= TOLERANCE
