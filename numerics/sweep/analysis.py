"""Answers to problem set Q2.c, computed from a sweep's stored arrays.

Per variant, over the ``n_lr x n_wd`` grid, with each cell's accuracy the mean over seeds
(a cell where any seed diverged counts as failed and has no mean):

* the best validation accuracy, its spread over seeds (standard deviation) and its ``(lr, wd)``;
* how many cells reach the threshold (default 0.9), and which fraction of the grid that is;
* the **lr/wd coupling**: the slope ``s`` of the *decay-tolerance ridge*
  ``log10 wd_edge = c + s log10 alpha``.

``wd`` is the grid's axis, the variant's own hyperparameter (``Variant.hyperparameter``:
``lambda'`` for the L2 variants, ``lambda`` for the decoupled ones). The ridge. For a learning
rate ``alpha`` whose row learns (row best >= ``floor``), walk from the row's best cell towards
larger ``wd`` until the accuracy first falls below ``(row best + chance) / 2``, halfway between
the row's best and chance (0.5); ``wd_edge`` is where that crossing happens, interpolated
linearly in ``log10 wd``. A row whose good band runs off the top of the grid is censored and
left out. The slope is the least-squares fit over the remaining rows (at least 3; with fewer --
a grid of one or two learning rates, or of one ``wd`` -- the slope is NaN and ``note`` says
"not enough data"). Reading it: ``wd_edge ~ alpha^s``; ``s ~ -1`` means only the product
``alpha * wd`` matters (decay coupled to the learning rate, as in torch AdamW over a short run),
``s ~ 0`` means the usable ``wd`` does not depend on the learning rate (decoupled), ``s ~ +1``
means the ratio ``wd / alpha`` matters. The edge is used instead of the arg-max because accuracy
is flat on the low-decay side of most rows, where the arg-max is decided by seed noise; the edge
is sharp.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep import answers, decoupling
from wdproof.numerics.sweep.store import SweepResult

CHANCE = 0.5
#: Fewest learning-rate rows with an edge for which a slope (and its standard error) is fitted.
MIN_RIDGE_ROWS = 3


def cell_mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over seeds (axis 0); NaN where any seed is NaN (diverged)."""
    return values.mean(axis=0), values.std(axis=0)


@dataclass(frozen=True)
class Ridge:
    """The fitted ridge ``log10 wd_edge = intercept + slope * log10 alpha``."""

    slope: float
    intercept: float
    stderr: float
    lrs: tuple[float, ...]
    edges: tuple[float, ...]
    note: str = ""  # why there is no slope ("not enough data: ..."), else empty

    @property
    def n_rows(self) -> int:
        return len(self.lrs)


def wd_edges(
    mean_acc: np.ndarray, lrs, wds, floor: float = 0.75
) -> tuple[list[float], list[float]]:
    """``(alpha, wd_edge)`` for each learning rate row with an uncensored edge (see module)."""
    log_wd = np.log10(np.asarray(wds, dtype=float))
    acc = np.where(np.isnan(mean_acc), CHANCE, mean_acc)  # diverged cells failed
    out_lr, out_edge = [], []
    for i, lr in enumerate(lrs):
        row = acc[i]
        best = int(np.argmax(row))
        if row[best] < floor:
            continue
        level = (row[best] + CHANCE) / 2
        below = np.nonzero(row[best:] < level)[0]
        if below.size == 0:
            continue  # censored: still good at the largest wd of the grid
        j = best + int(below[0])  # first failing cell; j - 1 is still above the level
        fraction = (row[j - 1] - level) / (row[j - 1] - row[j])
        out_lr.append(float(lr))
        out_edge.append(float(10 ** (log_wd[j - 1] + fraction * (log_wd[j] - log_wd[j - 1]))))
    return out_lr, out_edge


def fit_ridge(mean_acc: np.ndarray, lrs, wds, floor: float = 0.75) -> Ridge:
    """Least-squares slope of ``log10 wd_edge`` against ``log10 alpha`` (NaN if < 3 rows)."""
    ridge_lrs, edges = wd_edges(mean_acc, lrs, wds, floor)
    if len(ridge_lrs) < MIN_RIDGE_ROWS:
        nan = float("nan")
        note = (
            f"not enough data: {len(ridge_lrs)} learning-rate row(s) with a decay edge "
            f"on a {len(lrs)} x {len(wds)} grid, need {MIN_RIDGE_ROWS}"
        )
        return Ridge(nan, nan, nan, tuple(ridge_lrs), tuple(edges), note)
    x, y = np.log10(ridge_lrs), np.log10(edges)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    stderr = np.sqrt(residual @ residual / (len(x) - 2) / np.sum((x - x.mean()) ** 2))
    return Ridge(float(slope), float(intercept), float(stderr), tuple(ridge_lrs), tuple(edges))


def summarize_variant(result: SweepResult, variant: str, threshold: float = 0.9) -> dict:
    """Every Q2.c number for one variant (plain floats and ints, JSON-ready)."""
    config = result.config
    mean_acc, std_acc = cell_mean_std(result.metric("val_acc", variant))
    mean_loss, _ = cell_mean_std(result.metric("val_loss", variant))
    diverged = (result.metric("diverged_step", variant) >= 0).any(axis=0)
    n_cells = mean_acc.size
    summary: dict = {
        "label": VARIANTS[variant].label,
        "n_cells": n_cells,
        "n_diverged": int(diverged.sum()),
    }
    if np.all(np.isnan(mean_acc)):
        summary.update(best_val_acc=float("nan"), n_good=0, fraction_good=0.0)
        return summary
    i, j = np.unravel_index(np.nanargmax(mean_acc), mean_acc.shape)
    k, m = np.unravel_index(np.nanargmin(mean_loss), mean_loss.shape)
    n_good = int(np.sum(np.nan_to_num(mean_acc, nan=-1.0) >= threshold))
    per_seed_at_best = result.metric("val_acc", variant)[:, i, j]
    ridge = fit_ridge(mean_acc, config.lrs, config.wds)
    summary.update(
        best_val_acc=float(mean_acc[i, j]),
        best_val_acc_std=float(std_acc[i, j]),
        best_val_acc_per_seed=[float(a) for a in per_seed_at_best],
        best_lr=float(config.lrs[i]),
        best_wd=float(config.wds[j]),
        best_index=[int(i), int(j)],
        best_val_loss=float(mean_loss[k, m]),
        best_val_loss_lr=float(config.lrs[k]),
        best_val_loss_wd=float(config.wds[m]),
        n_good=n_good,
        fraction_good=n_good / n_cells,
        ridge=asdict(ridge) | {"n_rows": ridge.n_rows},
    )
    return summary


def summarize(result: SweepResult, threshold: float = 0.9) -> dict:
    """All Q2.c answers of a sweep: per-variant summaries plus what they were computed from."""
    if not 0 < threshold <= 1:
        from wdproof.numerics.errors import InputError

        raise InputError(f"threshold must lie in (0, 1], got {threshold}")
    config = result.config
    variants = {
        v: summarize_variant(result, v, threshold)
        | {"measured": decoupling.measure_variant(result, v, threshold)}
        for v in config.variants
    }
    summary = {
        "preset": config.preset,
        "config_hash": config.config_hash(),
        "threshold": threshold,
        "grid": [len(config.lrs), len(config.wds)],
        "seeds": list(config.seeds),
        "wall_time_s": result.wall_time_s,
        "uncertainty": answers.uncertainty_block(len(config.seeds)),
        "variants": variants,
        "decoupling": answers.decoupling_block(variants),
    }
    summary["q2c"] = answers.q2c(summary, config.to_dict().get("data", {}))
    return summary


def format_summary(summary: dict) -> str:
    """A short plain-text table of :func:`summarize` (for the command line)."""
    t = summary["threshold"]
    lines = [
        (
            f"preset {summary['preset']}: {summary['grid'][0]} lr x {summary['grid'][1]} wd, "
            f"seeds {summary['seeds']}; accuracy = mean validation accuracy over seeds"
        )
    ]
    header = (
        f"{'variant':<13} {'best acc':>15} {'at lr':>9} {'at wd':>9} {'>= ' + str(t):>13} "
        f"{'edge slope':>13} {'diverged':>8}"
    )
    lines.append(header)
    for name, s in summary["variants"].items():
        ridge = s.get("ridge", {})
        slope = ridge.get("slope", float("nan"))
        slope_text = (
            "n/a"
            if math.isnan(slope)
            else f"{slope:+.2f} +- {ridge.get('stderr', float('nan')):.2f}"
        )
        lines.append(
            f"{name:<13} {s['best_val_acc']:>7.3f} +- {s.get('best_val_acc_std', float('nan')):.3f}"
            f" {s.get('best_lr', float('nan')):>9.2g} {s.get('best_wd', float('nan')):>9.2g}"
            f" {s['n_good']:>4} ({s['fraction_good']:>5.1%})"
            f" {slope_text:>15} {s['n_diverged']:>8}"
        )
    notes = {s.get("ridge", {}).get("note", "") for s in summary["variants"].values()} - {""}
    lines += [f"edge slope n/a: {note}" for note in sorted(notes)]
    if "uncertainty" in summary:
        lines += ["", answers.format_measured(summary)]
    return "\n".join(lines)
