"""Figures of a sweep: heatmaps per variant (problem set Q2.b) and the data set.

``heatmaps``: one column per variant; top row validation accuracy, bottom row validation loss,
both the mean over seeds. Each row shares one colour scale across variants (accuracy fixed to
[0.5, 1] so that presets compare too; loss on a common log scale). Marked on every panel: the
optimum (white star: highest mean accuracy / lowest mean loss), cells where some seed diverged
(black 'x'), the threshold contour and, for the lr-scaled conventions, the dotted line
``lr wd = d_min`` left of which a cell decays less than the matched range (accuracy row); on
the loss row, the
best-wd ridge of :mod:`~wdproof.numerics.sweep.measures` (cyan: per-lr loss optimum, its 95%
bootstrap interval over seeds as a bar, hollow at the grid edge, and its fitted line).

``ridge``: the best-wd ridge per variant against the learning rate, with its intervals
(:mod:`~wdproof.numerics.sweep.ridge_plot`).

``schedule`` (only under a schedule other than constant): ``eta_t`` over the run, restarts
marked (:mod:`~wdproof.numerics.sweep.schedule_plots`). Under ``normalized_decay`` the wd axes
read ``lambda_norm`` (``lambda'_norm``), the values of the columns, and the title gives the
factor ``sqrt(b / (B T))`` to the per-step rates.

Every figure is written as a vector PDF (for the LaTeX report) and a PNG (for people).
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# Saving a PDF subsets fonts with fontTools, which logs "'created' timestamp seems very low"
# for DejaVu's header dates on every figure: font metadata, nothing a reader can act on.
logging.getLogger("fontTools").setLevel(logging.ERROR)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from wdproof.numerics.optimizers.conventions import VARIANTS, Variant
from wdproof.numerics.sweep.analysis import cell_mean_std
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.datasets import describe, plot_data
from wdproof.numerics.sweep.decoupling import estimate
from wdproof.numerics.sweep.files import atomic_write
from wdproof.numerics.sweep.ridge_plot import draw_ridge, plot_ridge, variant_ridge
from wdproof.numerics.sweep.store import SweepResult

matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType in PDFs: selectable text in the report

HEATMAPS = "heatmaps"
DATASET = "data"
RIDGE = "ridge"
SCHEDULE = "schedule"


def _log_ticks(values, axis_set, label_set) -> None:
    """Tick each decade of a log-spaced grid at its (fractional) cell index.

    A grid spanning less than two decades (a single value included) is ticked at its ends
    with their values instead, so that a one-row or one-column heatmap is still labelled.
    """
    logs = np.log10(values)
    decades = np.arange(np.ceil(logs.min() - 1e-9), np.floor(logs.max() + 1e-9) + 1)
    if len(decades) < 2:
        ends = sorted({0, len(values) - 1})
        axis_set(ends)
        label_set([f"{values[i]:.3g}" for i in ends])
        return
    positions = np.interp(decades, logs, np.arange(len(values)))
    axis_set(positions)
    label_set([f"$10^{{{int(d)}}}$" for d in decades])


def wd_symbol(method: Variant, normalized: bool = False) -> str:
    """The ``wd`` axis's symbol in LaTeX: ``lambda'`` or ``lambda``, with ``_{norm}`` when the
    columns are normalized (``lambda = lambda_norm sqrt(b / (B T))``)."""
    return method.hyperparameter + (r"_{norm}" if normalized else "")


def wd_label(method: Variant, normalized: bool = False) -> str:
    """What the ``wd`` axis is for ``method``: its L2 coefficient ``lambda'`` or its decoupled
    decay rate ``lambda`` (:attr:`Variant.hyperparameter`), or their normalized values."""
    name = "decay rate" if method.convention.decoupled else "$L_2$ coefficient"
    if normalized:
        name = "normalized " + name
    return f"wd: {name} ${wd_symbol(method, normalized)}$"


def run_description(config: SweepConfig) -> str:
    """The schedule and the decay unit of a run, for figure titles ('' for the defaults)."""
    parts = []
    if config.schedule != "constant" or config.eta != 1:
        parts.append(f"schedule {config.schedule} (eta {config.eta:g})")
    if config.normalized_decay:
        parts.append(
            f"normalized decay: per step lambda = lambda_norm sqrt(b/(B T)) = lambda_norm x "
            f"{config.decay_scale:.3g} (T = {config.epochs:.3g} epochs)"
        )
    return "; ".join(parts)


def _index_of(values, grid) -> np.ndarray:
    """Fractional cell index of ``values`` on a log-spaced ``grid``."""
    return np.interp(np.log10(values), np.log10(grid), np.arange(len(grid)))


def _draw_matched_edge(ax, config: SweepConfig, variant: str) -> None:
    """Dotted line where the cells' decay fraction (``lr wd``, or ``lr lambda'``) reaches the
    smallest matched value: left of it a cell decays less than any matched cell. The paper's
    cells (``eta lambda``, the same in every row) are all matched: no line."""
    if config.matched_cells(variant).all() or len(config.lrs) < 2:
        return
    wds, low = config.wd_grid(variant), min(config.decay_fractions)
    lrs = np.geomspace(config.lrs[0], config.lrs[-1], 50)
    edge = low / lrs  # lr wd = d_min
    inside = (edge >= wds[0]) & (edge <= wds[-1])
    if inside.sum() >= 2:
        ax.plot(
            _index_of(edge[inside], wds), _index_of(lrs[inside], config.lrs), ":", c="w", lw=1.2
        )


def plot_heatmaps(result: SweepResult, threshold: float = 0.9):
    """The accuracy / loss heatmaps of every variant side by side; returns the figure."""
    config = result.config
    variants = config.variants
    means = {
        metric: {v: cell_mean_std(result.metric(metric, v))[0] for v in variants}
        for metric in ("val_acc", "val_loss")
    }
    losses = np.concatenate([m.ravel() for m in means["val_loss"].values()])
    losses = losses[np.isfinite(losses) & (losses > 0)]
    loss_norm = LogNorm(vmin=losses.min(), vmax=losses.max()) if losses.size else None
    fig, axes = plt.subplots(
        2,
        len(variants),
        figsize=(4.2 * len(variants) + 1.2, 7.4),
        squeeze=False,
        constrained_layout=True,
    )
    for col, variant in enumerate(variants):
        method = VARIANTS[variant]
        diverged = (result.metric("diverged_step", variant) >= 0).any(axis=0)
        for row, metric in enumerate(("val_acc", "val_loss")):
            ax = axes[row, col]
            data = means[metric][variant]
            kwargs = (
                {"vmin": 0.5, "vmax": 1.0, "cmap": "viridis"}
                if row == 0
                else {"norm": loss_norm, "cmap": "magma_r"}
            )
            ax.imshow(
                np.ma.masked_invalid(data),
                origin="lower",
                aspect="auto",
                interpolation="nearest",
                **kwargs,
            )
            ax.set_facecolor("0.85")
            bad_i, bad_j = np.nonzero(diverged)
            ax.scatter(bad_j, bad_i, marker="x", s=14, c="black", linewidths=0.8)
            finite = np.where(np.isnan(data), np.inf if row else -np.inf, data)
            best = np.unravel_index(np.argmin(finite) if row else np.argmax(finite), data.shape)
            ax.scatter(
                [best[1]], [best[0]], marker="*", s=170, c="white", edgecolors="black", zorder=3
            )
            wds = config.wd_grid(variant)

            def place(wd, lr, wds=wds):
                return _index_of(wd, wds), _index_of(lr, config.lrs)

            if row == 0:
                filled = np.nan_to_num(data, nan=0.5)
                # a contour needs at least a 2 x 2 grid
                if min(filled.shape) >= 2 and filled.min() < threshold <= filled.max():
                    ax.contour(
                        filled, levels=[threshold], colors="white", linewidths=0.8, linestyles="--"
                    )
                _draw_matched_edge(ax, config, variant)
                ridge = variant_ridge(result, variant)
                slope = estimate(ridge["slope"]).text("{:+.2f}")
                ax.set_title(f"{method.label}\nbest-wd ridge slope {slope}", fontsize=10)
            else:
                draw_ridge(ax, variant_ridge(result, variant), place, colour="cyan")
            _log_ticks(wds, ax.set_xticks, ax.set_xticklabels)
            _log_ticks(config.lrs, ax.set_yticks, ax.set_yticklabels)
            ax.set_xlabel(wd_label(method, config.normalized_decay))
            if col == 0:
                ax.set_ylabel("learning rate $\\alpha$")
        if col == len(variants) - 1:
            fig.colorbar(
                axes[0, col].images[0], ax=axes[0, :], label="validation accuracy (mean over seeds)"
            )
            fig.colorbar(
                axes[1, col].images[0], ax=axes[1, :], label="validation loss (mean over seeds)"
            )
    title = (
        f"preset '{config.preset}': {len(config.lrs)} x {config.n_wd} grid, "
        f"{len(config.seeds)} seed(s), {config.steps} steps; star = optimum, x = diverged, "
        f"dashed = accuracy {threshold:g}, cyan = best-wd ridge (min. loss, 95% CI)\n"
        f"columns matched on the fraction d of theta decay removes per step, "
        f"{min(config.decay_fractions):g} to {max(config.decay_fractions):g}; left of the "
        f"dotted line d is below that range. PyTorch's AdamW at (lr, wd) is the paper's at "
        f"(alpha = lr, lambda = lr wd): its heatmap is the paper's, sheared"
    )
    if run_description(config):
        title += f"\n{run_description(config)}"
    # about 14 characters of 10 pt text per inch of figure
    fig.suptitle(textwrap.fill(title, width=int(14 * fig.get_figwidth())), fontsize=10)
    return fig


def plot_dataset(config: SweepConfig):
    """The data of ``config``: the spiral (training dots, validation crosses) or digit images."""
    fig, ax = plt.subplots(figsize=(4.6, 5.2), constrained_layout=True)
    title = textwrap.fill(f"'{config.preset}': {describe(config.data)}", width=52)
    plot_data(config.data, ax, title=title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(
            fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, frameon=False
        )
    return fig


def save(fig, stem: Path) -> dict[str, Path]:
    """Write ``stem.pdf`` and ``stem.png`` atomically (no reader ever sees half a file)."""
    paths = {}
    for ext in ("pdf", "png"):
        path = stem.with_suffix(f".{ext}")
        atomic_write(path, lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=150))
        paths[ext] = path
    plt.close(fig)
    return paths


def write_figures(
    result: SweepResult, threshold: float = 0.9, directory: Path | None = None
) -> dict:
    """Heatmaps, data and ridge figures beside the results: ``{"heatmaps": {"pdf", ...}}``."""
    directory = Path(directory or result.directory)
    figures = {
        HEATMAPS: save(plot_heatmaps(result, threshold), directory / HEATMAPS),
        DATASET: save(plot_dataset(result.config), directory / DATASET),
        RIDGE: save(plot_ridge(result), directory / RIDGE),
    }
    if result.config.schedule != "constant":
        from wdproof.numerics.sweep.schedule_plots import plot_schedules

        figures[SCHEDULE] = save(plot_schedules({"": result.config}), directory / SCHEDULE)
    return figures
