"""The seed bootstrap and the measured Q2.c quantities, on synthetic surfaces with known answers.

A synthetic sweep has its optimum at ``log10 wd = s log10 lr + c`` and independent noise per
seed and cell; the ridge slope's 95% interval must contain ``s`` and tell ``s = -1`` from 0.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wdproof.numerics.sweep import measures
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.analysis import summarize
from wdproof.numerics.sweep.config import preset
from wdproof.numerics.sweep.decoupling import overall_verdict, slope_verdict
from wdproof.numerics.sweep.uncertainty import bootstrap, resample_weights

LRS = tuple(np.geomspace(1e-4, 1e-1, 7))
WDS = tuple(np.geomspace(1e-6, 1e2, 17))


def synthetic_surfaces(slope: float, seeds: int = 8, noise: float = 0.03, rng_seed: int = 0):
    """Per-seed ``(val_acc, val_loss)``, ``(seeds, n_lr, n_wd)``, optimum on the given ridge."""
    log_lr, log_wd = np.meshgrid(np.log10(LRS), np.log10(WDS), indexing="ij")
    centre = slope * (log_lr + 2.5) - 2.5  # inside the wd grid for every lr
    distance = (log_wd - centre) ** 2
    rng = np.random.default_rng(rng_seed)
    loss = 0.3 * np.exp(0.15 * distance) * np.exp(rng.normal(0, noise, (seeds, *distance.shape)))
    acc = np.clip(0.95 - 0.02 * distance, 0.5, 1) + rng.normal(0, noise, (seeds, *distance.shape))
    return acc, loss


def synthetic_result(acc: np.ndarray, loss: np.ndarray, variants=("adam-l2",), lrs=LRS, wds=WDS):
    """A :class:`SweepResult` holding ``acc``/``loss`` ``(variants, seeds, n_lr, n_wd)``; its
    decay fractions are ``wds / 1000`` (each below 1), so every variant's grid is ``wds``
    shifted on the log axis."""
    config = dataclasses.replace(
        preset("tiny"),
        variants=variants,
        seeds=tuple(range(acc.shape[1])),
        lrs=lrs,
        decay_fractions=tuple(w * 1e-3 for w in wds),
    )
    arrays = {
        "val_acc": acc,
        "val_loss": loss,
        "train_acc": acc,
        "train_loss": loss,
        "diverged_step": np.full(acc.shape, -1),
    }
    return sweep_store.SweepResult(config, arrays, None, 0.0, True)


def slope_estimate(slope: float, **kw):
    acc, loss = synthetic_surfaces(slope, **kw)
    return bootstrap(lambda lo, ac: measures.ridge_slope(lo, ac, LRS, WDS), loss, acc)


def test_slope_interval_recovers_a_coupled_ridge_and_excludes_zero():
    est = slope_estimate(-1.0)
    assert est.low <= -1.0 <= est.high
    assert est.excludes(0.0) and est.high < -0.5


def test_slope_interval_of_a_decoupled_ridge_contains_zero_and_excludes_minus_one():
    est = slope_estimate(0.0)
    assert est.low <= 0.0 <= est.high
    assert est.excludes(-1.0) and est.high - est.low < 0.5


def test_more_noise_widens_the_interval():
    quiet, loud = slope_estimate(-1.0, noise=0.01), slope_estimate(-1.0, noise=0.2)
    assert loud.high - loud.low > 2 * (quiet.high - quiet.low)


def test_one_seed_gives_no_interval_never_a_zero_width_one():
    est = slope_estimate(-1.0, seeds=1)
    assert np.isfinite(est.value) and est.low is None and est.high is None
    assert est.excludes(0.0) is None and est.text().endswith("[n/a]")


def test_the_vectorized_bootstrap_matches_a_loop_over_the_same_redraws():
    acc, _ = synthetic_surfaces(0.0, seeds=5, noise=0.05)
    est = bootstrap(measures.decay_margin, acc, resamples=300, rng_seed=7)
    weights = resample_weights(5, 300, 7)
    redrawn = []
    for w in weights:
        mean = np.tensordot(w, acc, axes=1)  # the redraw's mean over seeds
        redrawn.append(mean[:, 1:].max() - mean[:, 0].max())
    assert (est.low, est.high) == pytest.approx(tuple(np.percentile(redrawn, [2.5, 97.5])))
    assert est.value == pytest.approx(acc.mean(axis=0)[:, 1:].max() - acc.mean(axis=0)[:, 0].max())


def test_a_redrawn_cell_is_failed_only_when_a_diverged_seed_is_drawn():
    acc = np.full((2, 1, 2), 0.8)
    acc[1, 0, 1] = np.nan  # seed 1 diverged in cell (0, 1)
    weights = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    from wdproof.numerics.sweep.uncertainty import resampled_means

    means = resampled_means(acc, weights)
    assert means[0, 0, 1] == pytest.approx(0.8)
    assert np.isnan(means[1, 0, 1]) and np.isnan(means[2, 0, 1])


def test_separability_is_one_for_an_additive_surface_and_lower_for_a_diagonal_one():
    log_lr, log_wd = np.meshgrid(np.log10(LRS), np.log10(WDS), indexing="ij")
    additive = 0.3 * np.exp(0.1 * (log_lr + 2) ** 2 + 0.15 * (log_wd + 2) ** 2)
    diagonal = 0.3 * np.exp(0.15 * (log_wd + log_lr + 3) ** 2)  # only lr * wd matters
    assert measures.separability(additive[None])[0] == pytest.approx(1.0)
    assert measures.separability(diagonal[None])[0] < 0.85
    diverged = additive.copy()
    diverged[3, 8] = np.nan  # the best cell failed: it takes the worst loss, not additive
    assert measures.separability(diverged[None])[0] < 0.99
    assert np.isnan(measures.separability(np.full((1, 3, 3), 0.7))[0])  # flat: undefined


def test_edge_optima_are_flagged_and_left_out_of_the_slope():
    acc, loss = synthetic_surfaces(0.0, seeds=1)
    loss = loss.copy()
    loss[0, 0] = np.linspace(0.1, 2.0, len(WDS))  # row 0: optimum at the smallest wd
    _, learns, edge = measures.ridge_rows(loss, acc, WDS)
    assert edge[0, 0] and not edge[0, 1:].any() and learns.all()


@pytest.mark.parametrize(
    ("variant", "slope", "status"),
    [
        ("adam-l2", -1.0, "supports"),  # the best lambda' moves with lr
        ("adam-l2", 0.0, "contradicts"),
        ("adamw-paper", 0.0, "supports"),  # the best lambda is independent of alpha
        ("adamw-paper", -1.0, "contradicts"),
        ("adamw-torch", -1.0, "supports"),  # torch wd = paper lambda / lr
        ("adamw-torch", 0.0, "contradicts"),
    ],
)
def test_slope_verdict_per_convention(variant, slope, status):
    verdict = slope_verdict(variant, slope_estimate(slope))
    assert verdict["status"] == status
    assert verdict["relation"] == (
        "ridge slope CI excludes 0" if slope else "ridge slope CI includes 0"
    )


def test_a_wide_interval_is_not_resolved():
    verdict = slope_verdict("adamw-paper", slope_estimate(0.0, seeds=3, noise=1.0))
    assert verdict["status"] == "unresolved"
    assert (
        overall_verdict({"a": "supports", "b": "unresolved"}) == "not resolved at this noise level"
    )
    assert overall_verdict({"a": "supports", "b": "contradicts"}) == "does not hold"
    assert overall_verdict({"a": "supports", "b": "supports"}) == "holds"


def test_summary_margin_comes_from_the_stored_arrays():
    """Decay helps by a known margin: 0.9 somewhere at wd > the smallest, 0.7 at the smallest."""
    rng = np.random.default_rng(3)
    acc = rng.uniform(0.55, 0.65, size=(2, 6, 4, 5))
    acc[:, :, :, 0] = 0.7 + rng.normal(0, 0.01, size=(2, 6, 4))
    acc[0, :, 2, 1] = 0.9 + rng.normal(0, 0.01, size=6)
    loss = 1.0 - acc
    result = synthetic_result(
        acc, loss, variants=("adam-l2", "adamw-torch"), lrs=LRS[:4], wds=WDS[:5]
    )
    summary = summarize(result, threshold=0.8)
    for v, name in enumerate(("adam-l2", "adamw-torch")):
        mean = acc[v].mean(axis=0)
        expected = mean[:, 1:].max() - mean[:, 0].max()
        margin = summary["variants"][name]["measured"]["decay_margin"]
        assert margin["value"] == pytest.approx(expected)
        assert margin["low"] <= expected <= margin["high"]
        assert summary["q2c"]["b"]["variants"][name]["decay_margin"]["value"] == margin["value"]
    assert summary["variants"]["adam-l2"]["measured"]["decay_margin"]["verdict"] == (
        "decay helps: margin CI above 0"
    )
    assert summary["variants"]["adamw-torch"]["measured"]["decay_margin"]["low"] < 0  # ~0.7 - 0.65
    assert set(summary["q2c"]) == {"a", "b", "c"}
    assert summary["q2c"]["c"]["decoupling"]["verdict"] in {
        "holds",
        "does not hold",
        "not resolved at this noise level",
    }


def test_parabola_recovers_an_optimum_between_grid_points():
    log_wd = np.log10(WDS)
    optimum = -2.3  # between grid points (the grid steps by half a decade)
    loss = 10 ** (0.05 * (log_wd - optimum) ** 2) * np.ones((1, 2, 1))
    acc = np.full(loss.shape, 0.9)
    acc[0, 1, 0] = 0.6  # a surface with a spread, so that both rows "learn"
    rows, learns, edge = measures.ridge_rows(loss, acc, WDS)
    assert learns.all() and not edge.any()
    assert rows[0] == pytest.approx([optimum, optimum])


def test_ridge_figure_shows_each_variants_slope_with_its_interval():
    import matplotlib.pyplot as plt

    from wdproof.numerics.sweep.ridge_plot import plot_ridge

    acc, loss = synthetic_surfaces(-1.0)
    result = synthetic_result(
        np.stack([acc, acc]), np.stack([loss, loss]), ("adam-l2", "adamw-paper")
    )
    fig = plot_ridge(result)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Adam + L2\nslope -1.0") and "[" in titles[0]
    assert titles[1].startswith("AdamW (paper") and "[" in titles[1]
    assert fig.axes[0].get_xlabel() == "learning rate $\\alpha$ (PyTorch lr)"
    assert fig.axes[1].get_ylabel() == "best decay rate $\\lambda$ (paper)"
    plt.close(fig)
