"""The batched sweep engine, cell by cell: against torch.optim (the oracle) and the reference rules.

A batched run trains six cells of every variant at once; each cell's final parameters must
equal, in float64, those of the same cell trained alone through the one trajectory runner
(:func:`wdproof.numerics.optimizers.trajectory.run`) -- once with the ``torch.optim`` optimizer
the variant reproduces, once with its reference rule (``AdamRule``, ``SGD`` or ``SGDW``). Both
kinds of problem are checked: the two-class spiral (one logit, binary cross-entropy) and the
ten-class digits with noisy labels (ten logits, softmax cross-entropy).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from wdproof.numerics.optimizers.conventions import VARIANTS, DecayConvention, Variant
from wdproof.numerics.optimizers.trajectory import run, run_rule
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep.batched_adam import coefficients, make_optimizer
from wdproof.numerics.sweep.batched_mlp import (
    MLPShape,
    autograd_loss_and_grad,
    init_params,
    loss_and_grad,
)
from wdproof.numerics.sweep.cells import cell_problem, reference_rule, row, torch_stepper
from wdproof.numerics.sweep.digits import DigitsSpec, make_digits
from wdproof.numerics.sweep.spiral import SpiralSpec, make_spiral

SHAPE = MLPShape(width=8)
DATA = make_spiral(SpiralSpec(n_points=200))
#: The other kind of problem: (data, shape) by name; "spiral" is DATA and SHAPE above.
PROBLEMS = {
    "spiral": (DATA, SHAPE),
    "digits": (
        make_digits(DigitsSpec(n_train=120, label_noise=0.2)),
        MLPShape(in_dim=64, width=8, out_dim=10),
    ),
}
STEPS, BATCH, SEED, ETA = 15, 16, 3, 0.7
LRS = torch.tensor([3e-3, 3e-2, 2e-1, 3e-2, 1e-2, 5e-2], dtype=torch.float64)
WDS = torch.tensor([1e-2, 5e-1, 1e-3, 0.0, 2.0, 1e-1], dtype=torch.float64)
CELLS = list(zip(LRS.tolist(), WDS.tolist(), strict=True))
#: Max |difference| of final parameters (values of order 1) after 15 float64 steps: the kernel
#: folds the bias corrections into one division, so it differs from the rules and torch.optim
#: by rounding only (observed below 1e-14); a wrong rule is off by more than 1e-4 (see below).
TOLERANCE = 1e-10


def batched_run(
    variant: str, lrs=LRS, wds=WDS, dtype=torch.float64, kind: str = "spiral"
) -> sweep.CellRun:
    data, shape = PROBLEMS[kind]
    return sweep.train_cells(
        variant,
        lrs,
        wds,
        data=data,
        shape=shape,
        seed=SEED,
        steps=STEPS,
        batch_size=BATCH,
        eta=ETA,
        dtype=dtype,
    )


def problem(kind: str = "spiral"):
    return cell_problem(*PROBLEMS[kind], SEED, STEPS, BATCH)


def torch_cell(method: Variant, lr: float, wd: float, kind: str = "spiral") -> torch.Tensor:
    """One cell trained alone with ``torch.optim``: its final parameter row."""
    return row(run(problem(kind), torch_stepper(method, lr, wd, eta=ETA), STEPS)[-1])


def rule_cell(method: Variant, lr: float, wd: float, kind: str = "spiral") -> torch.Tensor:
    """One cell trained alone with the variant's reference rule: its final parameter row."""
    return row(run_rule(problem(kind), reference_rule(method, lr, wd, eta=ETA), STEPS)[-1])


def deviation(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("name", VARIANTS)
def test_every_cell_matches_per_cell_torch_optim(name, kind):
    params = batched_run(name, kind=kind).params
    for k, (lr, wd) in enumerate(CELLS):
        expected = torch_cell(VARIANTS[name], lr, wd, kind)
        assert deviation(params[k], expected) <= TOLERANCE, (name, kind, k)


@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("name", VARIANTS)
def test_every_cell_matches_the_reference_rule(name, kind):
    params = batched_run(name, kind=kind).params
    for k, (lr, wd) in enumerate(CELLS):
        expected = rule_cell(VARIANTS[name], lr, wd, kind)
        assert deviation(params[k], expected) <= TOLERANCE, (name, kind, k)


@pytest.mark.parametrize("kind", PROBLEMS)
def test_a_wrong_variant_mapping_is_rejected(kind):
    """Adam + L2 reproduced by AdamW (or the reverse) is far off: the comparisons can fail."""
    params = batched_run("adam-l2", kind=kind).params
    lr, wd = CELLS[1]
    assert deviation(params[1], torch_cell(VARIANTS["adamw-torch"], lr, wd, kind)) > 1e-4
    assert deviation(params[1], rule_cell(VARIANTS["adamw-torch"], lr, wd, kind)) > 1e-4


def test_a_variant_outside_the_table_is_refused_not_run_as_another():
    with pytest.raises(KeyError, match="unknown variant 'adamx'"):
        batched_run("adamx")
    unsupported = Variant("rmsprop-l2", "rmsprop", DecayConvention.L2, "RMSProp + L2")
    sgd_torch = Variant("sgdw-torch", "sgd", DecayConvention.TORCH, "SGDW (PyTorch)")
    coeffs = coefficients(unsupported, LRS, WDS)
    with pytest.raises(ValueError, match="rmsprop-l2"):
        make_optimizer(unsupported, torch.zeros(len(LRS), 3), coeffs, (0.9, 0.999), 1e-8)
    for method in (unsupported, sgd_torch):
        with pytest.raises(ValueError, match=method.name):
            reference_rule(method, 0.1, 0.01)
        with pytest.raises(ValueError, match=method.name):
            torch_stepper(method, 0.1, 0.01)


@pytest.mark.parametrize("kind", PROBLEMS)
def test_hand_written_backward_matches_autograd(kind):
    data, shape = PROBLEMS[kind]
    shape = MLPShape(in_dim=shape.in_dim, width=6, out_dim=shape.out_dim)
    flat = torch.stack([init_params(shape, s) for s in range(4)])
    x, y = data.x_train[:20], data.y_train[:20]
    loss, grad = loss_and_grad(flat, x, y, shape)
    ref_loss, ref_grad = autograd_loss_and_grad(flat, x, y, shape)
    assert float((loss - ref_loss).abs().max()) <= 1e-14
    assert float((grad - ref_grad).abs().max()) <= 1e-14


@pytest.mark.parametrize("kind", PROBLEMS)
def test_the_cell_problem_is_the_engines_loss(kind):
    """f_1 of a cell (autograd through F.linear) is the engine's loss on minibatch 1."""
    data, shape = PROBLEMS[kind]
    cell = problem(kind)
    params = cell.initial()
    loss = cell.loss(params, 1)
    loss.backward()
    rows = sweep.batch_schedule(len(data.y_train), BATCH, STEPS, SEED)[0]
    flat = init_params(shape, SEED).unsqueeze(0)
    engine_loss, engine_grad = loss_and_grad(flat, data.x_train[rows], data.y_train[rows], shape)
    assert abs(float(loss.detach()) - float(engine_loss[0])) <= 1e-14
    assert deviation(row([p.grad for p in params]), engine_grad[0]) <= 1e-14


def test_forced_divergence_leaves_every_other_cell_identical():
    clean = batched_run("adamw-torch", dtype=torch.float32)
    poisoned_lrs = LRS.clone()
    poisoned_lrs[2] = math.inf
    poisoned = batched_run("adamw-torch", lrs=poisoned_lrs, dtype=torch.float32)
    assert (clean.metrics["diverged_step"] == -1).all()
    assert poisoned.metrics["diverged_step"][2] >= 0
    assert math.isnan(poisoned.metrics["val_acc"][2])
    others = [k for k in range(len(LRS)) if k != 2]
    assert torch.equal(clean.params[others], poisoned.params[others])
    for name in sweep.METRICS:
        np.testing.assert_array_equal(clean.metrics[name][others], poisoned.metrics[name][others])


@pytest.mark.parametrize("name", ["adamw-paper", "sgd-l2"])
def test_freeze_swaps_in_zeroed_coefficients_and_leaves_the_old_ones_alone(name):
    lrs, wds = torch.tensor([0.1, 0.2, 0.3]), torch.tensor([1e-2, 2e-2, 3e-2])
    method = VARIANTS[name]
    coeffs = coefficients(method, lrs, wds, eta=0.5)

    def columns(c):
        return (c.l2_coefficient, c.decay_fraction, c.step)

    before = [c.clone() for c in columns(coeffs)]
    optimizer = make_optimizer(method, torch.ones(3, 4), coeffs, (0.9, 0.999), 1e-8)
    optimizer.freeze(torch.tensor([False, True, False]))
    for old, kept in zip(before, columns(coeffs), strict=True):
        assert torch.equal(old, kept)
    for new, old in zip(columns(optimizer.coeffs), before, strict=True):
        assert (new[1] == 0).all() and torch.equal(new[[0, 2]], old[[0, 2]])
    assert (optimizer.params[1] == 0).all() and (optimizer.params[[0, 2]] == 1).all()
