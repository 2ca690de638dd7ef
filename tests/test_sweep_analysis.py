"""Q2.c analysis and the heatmaps on synthetic arrays: the ridge slope, the summary, the labels."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest

from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.analysis import summarize
from wdproof.numerics.sweep.config import preset
from wdproof.numerics.sweep.plots import plot_heatmaps

GRID_LRS = tuple(np.geomspace(1e-4, 1e-1, 13))
GRID_FRACTIONS = tuple(np.geomspace(1e-7, 0.5, 33))


def synthetic_result(val_acc: np.ndarray, diverged: np.ndarray) -> sweep_store.SweepResult:
    variants, seeds, n_lr, n_wd = val_acc.shape
    config = dataclasses.replace(
        preset("tiny"),
        variants=("adam-l2", "adamw-torch")[:variants],
        seeds=tuple(range(seeds)),
        lrs=GRID_LRS[:n_lr],
        decay_fractions=GRID_FRACTIONS[:n_wd],
    )
    acc = np.where(diverged >= 0, np.nan, val_acc)
    arrays = {
        "val_acc": acc,
        "val_loss": 1 - np.nan_to_num(acc, nan=0.5),
        "train_acc": acc,
        "train_loss": 1 - np.nan_to_num(acc, nan=0.5),
        "diverged_step": diverged,
    }
    return sweep_store.SweepResult(config, arrays, None, 0.0, True)


def test_summary_counts_and_best_cell_come_from_the_arrays():
    rng = np.random.default_rng(1)
    acc = rng.uniform(0.5, 1.0, size=(2, 3, 5, 6))
    diverged = np.full(acc.shape, -1)
    diverged[0, 1, 2, 3] = 17  # one seed of one cell diverged: the cell never counts as good
    acc[0, :, 2, 3] = 0.999  # ...however good its other seeds are
    summary = summarize(synthetic_result(acc, diverged), threshold=0.8)
    for v, name in enumerate(("adam-l2", "adamw-torch")):
        mean = acc[v].mean(axis=0)
        if v == 0:
            mean[2, 3] = np.nan
        s = summary["variants"][name]
        config = synthetic_result(acc, diverged).config
        matched = config.matched_cells(name)
        assert s["n_good"] == int(np.sum((np.nan_to_num(mean, nan=0) >= 0.8) & matched))
        assert s["n_matched"] == matched.sum() and s["n_matched"] <= 30
        assert s["fraction_good"] == pytest.approx(s["n_good"] / s["n_matched"])
        i, j = np.unravel_index(np.nanargmax(mean), mean.shape)
        assert s["best_val_acc"] == pytest.approx(mean[i, j])
        assert (s["best_lr"], s["best_wd"]) == (GRID_LRS[i], config.wd_grid(name)[j])
        assert s["best_val_acc_std"] == pytest.approx(acc[v, :, i, j].std())
    assert summary["variants"]["adam-l2"]["n_diverged"] == 1
    assert summary["variants"]["adamw-torch"]["n_diverged"] == 0


def test_heatmaps_name_each_variant_and_what_its_wd_axis_is():
    """Adam + L2's wd is its L2 coefficient lambda'; PyTorch's AdamW's is its weight_decay w
    (the paper's lambda is lr w): one row per variant, accuracy then loss."""
    acc = np.random.default_rng(2).uniform(0.5, 1.0, size=(2, 1, 4, 5))
    fig = plot_heatmaps(synthetic_result(acc, np.full(acc.shape, -1)))
    axes = fig.axes[:4]  # two rows of (accuracy, loss) panels (colour bars come after)
    assert axes[0].get_title() == "Adam + L2"
    assert axes[2].get_title().startswith("AdamW (PyTorch")
    assert axes[1].get_title().startswith("best-wd ridge slope")
    for ax in axes[:2]:
        assert ax.get_xlabel() == "$L_2$ coefficient $\\lambda'$"
    for ax in axes[2:]:
        assert ax.get_xlabel() == "PyTorch weight_decay $w$"
    plt.close(fig)
