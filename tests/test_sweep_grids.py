"""Fair grids (issue 12): every variant sweeps its own hyperparameter, matched on the fraction d of
theta its decay removes per step, and no grid point diverges by construction.

The per-step fractions come from the engine's own coefficients
(:func:`~wdproof.numerics.sweep.batched_adam.coefficients`, through
``SweepConfig.cell_decay_fractions``), so these tests check each variant's grid against the rule
the engine applies.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from wdproof.derivations.registry import get_claim
from wdproof.numerics.optimizers.conventions import VARIANTS, DecayConvention
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep.config import PRESETS, preset
from wdproof.numerics.sweep.datasets import make_data
from wdproof.report.cli import main

PRESET_VARIANTS = [(name, v) for name, config in PRESETS.items() for v in config.variants]


@pytest.mark.parametrize(("name", "variant"), PRESET_VARIANTS)
def test_no_cell_of_any_preset_removes_all_of_theta_per_step(name, variant):
    config = PRESETS[name]
    fractions = config.cell_decay_fractions(variant)
    assert fractions.max() < 1 and fractions.min() > 0


@pytest.mark.parametrize(("name", "variant"), PRESET_VARIANTS)
def test_each_variants_grid_spans_the_matched_range(name, variant):
    """The paper's every row, and the largest learning rate's row of the lr-scaled conventions,
    remove exactly the configured fractions d_j (to the grid's 6 significant digits)."""
    config = PRESETS[name]
    fractions = config.cell_decay_fractions(variant)
    top = int(np.argmax(config.lrs))
    assert fractions[top] == pytest.approx(config.decay_fractions, rel=1e-5)
    matched = config.matched_cells(variant)
    if VARIANTS[variant].convention is DecayConvention.PAPER:
        assert matched.all()
        assert fractions == pytest.approx(np.tile(config.decay_fractions, (len(config.lrs), 1)))
    else:
        # lower rows are shifted down by lr / max lr: only some of their cells are matched
        assert matched[top].all() and not matched.all()
        low = min(config.decay_fractions)
        assert np.array_equal(matched, fractions >= low * (1 - 1e-5))


def test_grids_differ_by_unit_not_by_accident():
    """With max lr != 1 the grids are different sets of numbers; eta (which scales every
    variant's step, issue 14) divides each grid, so every cell still removes d at eta_1."""
    config = preset("tiny", eta=0.5, lrs=(1e-3, 1e-2, 1e-1))
    grids = {v: config.wd_grid(v) for v in config.variants}
    assert grids["adamw-paper"] == pytest.approx(np.array(config.decay_fractions) / 0.5)
    assert grids["adamw-torch"] == pytest.approx(
        np.array(config.decay_fractions) / (0.5 * 0.1), rel=1e-5
    )
    assert grids["adam-l2"] == grids["adamw-torch"]
    assert grids["adamw-paper"] != grids["adamw-torch"]
    top = config.cell_decay_fractions("adamw-torch")[-1]
    assert top == pytest.approx(config.decay_fractions, rel=1e-5)


def test_torch_heatmap_is_the_papers_sheared():
    """PyTorch's AdamW at (lr, wd) takes the paper's steps at (alpha = lr, lambda = lr wd) with
    eta = 1 (claim adamw-paper-decay-equals-torch-decay, proved in the ledger): the batched
    engine run both ways gives the same final parameters and metrics, in float64."""
    claim = get_claim("adamw-paper-decay-equals-torch-decay")
    assert claim.verdict.kind == "proved"  # computed by the kernel from the proof
    config = dataclasses.replace(preset("tiny"), eta=1.0)
    lrs = torch.tensor(config.lrs, dtype=torch.float64).repeat_interleave(config.n_wd)
    wds = torch.tensor(config.wd_grid("adamw-torch"), dtype=torch.float64).repeat(len(config.lrs))
    common = {
        "data": make_data(config.data),
        "shape": config.shape,
        "seed": 0,
        "steps": 30,
        "batch_size": config.batch_size,
        "dtype": torch.float64,
    }
    as_torch = sweep.train_cells("adamw-torch", lrs, wds, **common)
    as_paper = sweep.train_cells("adamw-paper", lrs, lrs * wds, eta=1.0, **common)
    assert torch.allclose(as_torch.params, as_paper.params, rtol=0, atol=1e-12)
    for name in ("val_loss", "train_loss"):
        assert np.allclose(as_torch.metrics[name], as_paper.metrics[name], rtol=0, atol=1e-12)


def test_help_documents_every_presets_matched_range_and_grids(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--decay-fractions" in text and "Fair grids" in text
    for name, config in PRESETS.items():
        d = config.decay_fractions
        assert f"{name}: lr" in text and f"d [{min(d):.3g}, {max(d):.3g}]" in text
        for v in config.variants:
            wds = config.wd_grid(v)
            assert f"{v} [{min(wds):.3g}, {max(wds):.3g}]" in text
