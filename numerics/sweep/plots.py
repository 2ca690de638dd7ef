"""Figures of a sweep: heatmaps per variant (problem set Q2.b) and the data set.

Every figure is made at the size it is printed (the key's text width is about 6.6 in; it
includes the figures at their natural size): full-width figures are :data:`FULL_WIDTH` wide,
the data set :data:`DATA_WIDTH`, and no text is smaller than :data:`FONT` points. Colour maps
have a monotone luminance (:data:`GREYSCALE_SAFE_CMAPS`) and every overlay is two-toned (white
with a black outline, or black with a white one), so the figures survive grey-scale printing;
multi-line plots use the Okabe-Ito colours (:data:`OKABE_ITO`) *and* line styles; every mark is
named in a legend inside the figure. Titles stay short: the caption says the rest.

``heatmaps``: one row per variant, validation accuracy (left) and loss (right), both the mean
over seeds; each column shares one colour scale (accuracy fixed to [0.5, 1] so that presets
compare too; loss on a common log scale). The wd axis of each row names its quantity
(:meth:`~wdproof.numerics.optimizers.conventions.Variant.wd_name`): the $L_2$ coefficient
``lambda'``, PyTorch's ``weight_decay`` ``w`` or the paper's decay rate ``lambda``. Marked:
the best cell (star: highest mean accuracy on the left, lowest mean loss on the right), cells
where some seed diverged (cross on grey), the threshold contour and, for the lr-scaled
conventions, the dotted line ``lr wd = d_min`` left of which a cell decays less than the
matched range (accuracy); the best-wd ridge of :mod:`~wdproof.numerics.sweep.measures` (loss:
per-lr loss optimum, its 95% bootstrap interval over seeds as a bar, white at the grid edge,
and its fitted line).

``ridge``: the best-wd ridge per variant against the learning rate, with its intervals
(:mod:`~wdproof.numerics.sweep.ridge_plot`).

``schedule`` (only under a schedule other than constant): ``eta_t`` over the run, restarts
marked (:mod:`~wdproof.numerics.sweep.schedule_plots`). Under ``normalized_decay`` the wd axes
read ``lambda_norm`` (``lambda'_norm``, ``w_norm``), the values of the columns, and the title
gives the factor ``sqrt(b / (B T))`` to the per-step rates.

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
from matplotlib import patheffects
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from wdproof.numerics.optimizers.conventions import VARIANTS, Variant
from wdproof.numerics.sweep.analysis import cell_mean_std
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.datasets import plot_data
from wdproof.numerics.sweep.digits import DigitsSpec
from wdproof.numerics.sweep.files import atomic_write
from wdproof.numerics.sweep.store import SweepResult

matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType in PDFs: selectable text in the report

HEATMAPS = "heatmaps"
DATASET = "data"
RIDGE = "ridge"
SCHEDULE = "schedule"

#: Printed widths in inches: full width (the key's text width is about 6.6 in), the data set.
FULL_WIDTH = 6.5
DATA_WIDTH = 3.2
#: Heatmaps: inches per variant row, and for the title, colour bars and legend together.
HEATMAP_ROW = 1.95
HEATMAP_FRAME = 1.55
#: Font sizes in points at the printed size: every text, and titles.
FONT = 8
TITLE_FONT = 9
#: Colour maps whose luminance rises or falls monotonically: readable in grey scale.
GREYSCALE_SAFE_CMAPS = frozenset(
    name + suffix
    for name in ("viridis", "cividis", "magma", "inferno", "plasma", "gray", "Greys")
    for suffix in ("", "_r")
)
ACCURACY_CMAP = "viridis"
LOSS_CMAP = "magma_r"
#: Cells without a mean (some seed diverged): light grey under the crosses.
NO_VALUE_GREY = "0.85"
#: Okabe & Ito's colour-blind-safe palette (black first); pair each with a line style.
OKABE_ITO = ("#000000", "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
LR_LABEL = r"learning rate $\alpha$ (PyTorch lr)"


def outline(colour: str = "black", width: float = 1.0) -> list:
    """Path effects drawing an artist over a ``colour`` outline ``width`` points wide each side:
    a white mark with a black outline (or the reverse) shows on any background, in grey too."""
    return [patheffects.withStroke(linewidth=2 * width + 1.0, foreground=colour)]


def print_ticks(ax) -> None:
    """Tick labels of ``ax`` (major and minor) at the smallest print size."""
    ax.tick_params(which="both", labelsize=FONT)


def figure_legend(fig, handles: list, ncol: int = 2) -> None:
    """A legend below every panel of ``fig`` (constrained layout makes room for it)."""
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(ncol, len(handles)),
        fontsize=FONT,
        frameon=False,
        handlelength=2.4,
        columnspacing=1.2,
    )


def _log_ticks(values, axis_set, label_set, most: int = 8) -> None:
    """Tick the decades of a log-spaced grid at their (fractional) cell indices; every other
    decade when more than ``most`` would crowd the axis.

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
    if len(decades) > most:
        decades = decades[decades % 2 == 0]
    positions = np.interp(decades, logs, np.arange(len(values)))
    axis_set(positions)
    label_set([f"$10^{{{int(d)}}}$" for d in decades])


def wd_symbol(method: Variant, normalized: bool = False) -> str:
    """The ``wd`` axis's symbol in LaTeX: ``lambda'``, ``w`` or ``lambda``, with ``_{norm}``
    when the columns are normalized (``lambda = lambda_norm sqrt(b / (B T))``)."""
    return method.hyperparameter + (r"_{norm}" if normalized else "")


def wd_label(method: Variant, normalized: bool = False) -> str:
    """What the ``wd`` axis is for ``method``, by quantity: its $L_2$ coefficient ``lambda'``,
    PyTorch's ``weight_decay`` ``w`` or the paper's decay rate ``lambda``
    (:meth:`Variant.wd_name`), or their normalized values."""
    return method.wd_name(normalized)


def run_description(config: SweepConfig) -> str:
    """The schedule and the decay unit of a run, for figure titles ('' for the defaults)."""
    parts = []
    if config.schedule != "constant" or config.eta != 1:
        parts.append(f"schedule {config.schedule} (eta {config.eta:g})")
    if config.normalized_decay:
        parts.append(
            f"normalized decay: per step = normalized x {config.decay_scale:.3g} "
            f"(T = {config.epochs:.3g} epochs)"
        )
    return "; ".join(parts)


def _index_of(values, grid) -> np.ndarray:
    """Fractional cell index of ``values`` on a log-spaced ``grid``."""
    return np.interp(np.log10(values), np.log10(grid), np.arange(len(grid)))


def _draw_matched_edge(ax, config: SweepConfig, variant: str) -> bool:
    """Dotted line where the cells' decay fraction (``lr wd``, or ``lr lambda'``) reaches the
    smallest matched value: left of it a cell decays less than any matched cell. The paper's
    cells (``eta lambda``, the same in every row) are all matched: no line. Whether drawn."""
    if config.matched_cells(variant).all() or len(config.lrs) < 2:
        return False
    wds, low = config.wd_grid(variant), min(config.decay_fractions)
    lrs = np.geomspace(config.lrs[0], config.lrs[-1], 50)
    edge = low / lrs  # lr wd = d_min
    inside = (edge >= wds[0]) & (edge <= wds[-1])
    if inside.sum() < 2:
        return False
    ax.plot(
        _index_of(edge[inside], wds),
        _index_of(lrs[inside], config.lrs),
        ":",
        c="white",
        lw=1.4,
        path_effects=outline("black", 0.8),
    )
    return True


def _log_bar_ticks(bar, low: float, high: float, most: int = 6) -> None:
    """Label a log colour bar at round values (1, 2, 5 times a power of ten; only the powers
    when those crowd it) written plainly, with no minor labels to collide at print size."""
    decades = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    for subs in ((1, 2, 5), (1, 3), (1,)):
        ticks = [m * 10**d for d in decades for m in subs if low <= m * 10**d <= high]
        if len(ticks) <= most:
            break
    if len(ticks) < 2:
        ticks = [low, high]
    bar.ax.xaxis.set_minor_formatter(NullFormatter())
    bar.set_ticks(ticks, labels=[f"{t:.2g}" for t in ticks])


def _heatmap_legend(drawn: set, threshold: float) -> list:
    """Proxy artists naming every mark the heatmaps show (``drawn``: which of them appear)."""
    handles = [
        Line2D([], [], ls="none", marker="*", ms=10, mfc="white", mec="black", mew=0.8,
               label="best cell: highest mean accuracy (left),\nlowest mean loss (right)"),
    ]  # fmt: skip
    if "diverged" in drawn:
        handles.append(
            Line2D([], [], ls="none", marker="x", ms=6, c="black", mew=1.0,
                   path_effects=outline("white", 0.8),
                   label="some seed diverged (grey: no mean)")
        )  # fmt: skip
    if "contour" in drawn:
        handles.append(
            Line2D([], [], ls="--", c="white", lw=1.1, path_effects=outline("black", 0.8),
                   label=f"mean accuracy {100 * threshold:g}% (contour)")
        )  # fmt: skip
    if "matched" in drawn:
        handles.append(
            Line2D([], [], ls=":", c="white", lw=1.4, path_effects=outline("black", 0.8),
                   label="lr$\\cdot$wd = smallest matched decay: cells\nleft of it decay less "
                   "than the matched range")
        )  # fmt: skip
    from wdproof.numerics.sweep.ridge_plot import ridge_handles

    return handles + ridge_handles(drawn, colour="black", edge="white")


def plot_heatmaps(result: SweepResult, threshold: float = 0.9):
    """The accuracy / loss heatmaps of every variant, one row each; returns the figure."""
    from wdproof.numerics.sweep.decoupling import estimate
    from wdproof.numerics.sweep.ridge_plot import draw_ridge, variant_ridge

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
        len(variants),
        2,
        figsize=(FULL_WIDTH, HEATMAP_FRAME + HEATMAP_ROW * len(variants)),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    drawn: set = set()
    for row, variant in enumerate(variants):
        method = VARIANTS[variant]
        diverged = (result.metric("diverged_step", variant) >= 0).any(axis=0)
        ridge = variant_ridge(result, variant)
        wds = config.wd_grid(variant)

        def place(wd, lr, wds=wds):
            return _index_of(wd, wds), _index_of(lr, config.lrs)

        for col, metric in enumerate(("val_acc", "val_loss")):
            ax = axes[row, col]
            data = means[metric][variant]
            kwargs = (
                {"vmin": 0.5, "vmax": 1.0, "cmap": ACCURACY_CMAP}
                if col == 0
                else {"norm": loss_norm, "cmap": LOSS_CMAP}
            )
            ax.imshow(
                np.ma.masked_invalid(data),
                origin="lower",
                aspect="auto",
                interpolation="nearest",
                **kwargs,
            )
            ax.set_facecolor(NO_VALUE_GREY)
            if diverged.any():
                bad_i, bad_j = np.nonzero(diverged)
                ax.scatter(bad_j, bad_i, marker="x", s=16, c="black", linewidths=1.0,
                           path_effects=outline("white", 0.8), zorder=3)  # fmt: skip
                drawn.add("diverged")
            finite = np.where(np.isnan(data), np.inf if col else -np.inf, data)
            if np.isfinite(finite).any():
                best = np.unravel_index(np.argmin(finite) if col else np.argmax(finite), data.shape)
                ax.scatter([best[1]], [best[0]], marker="*", s=110, c="white",
                           edgecolors="black", linewidths=0.8, zorder=5)  # fmt: skip
            if col == 0:
                filled = np.nan_to_num(data, nan=0.5)
                # a contour needs at least a 2 x 2 grid
                if min(filled.shape) >= 2 and filled.min() < threshold <= filled.max():
                    contour = ax.contour(
                        filled, levels=[threshold], colors="white", linewidths=1.1,
                        linestyles="--",
                    )  # fmt: skip
                    contour.set_path_effects(outline("black", 0.8))
                    drawn.add("contour")
                if _draw_matched_edge(ax, config, variant):
                    drawn.add("matched")
            else:
                drawn |= draw_ridge(ax, ridge, place, colour="black", edge="white")
            _log_ticks(wds, ax.set_xticks, ax.set_xticklabels)
            _log_ticks(config.lrs, ax.set_yticks, ax.set_yticklabels)
            ax.set_xlabel(wd_label(method, config.normalized_decay), fontsize=FONT)
            print_ticks(ax)
        axes[row, 0].set_ylabel(LR_LABEL, fontsize=FONT)
        axes[row, 0].set_title(method.label, fontsize=TITLE_FONT)
        slope = estimate(ridge["slope"]).text("{:+.2f}").replace("-", "\u2212")  # a minus sign
        axes[row, 1].set_title(f"best-wd ridge slope {slope}", fontsize=TITLE_FONT)
    seeds = f"mean over {len(config.seeds)} seed{'s' if len(config.seeds) > 1 else ''}"
    for col, label in enumerate(("validation accuracy", "validation loss")):
        bar = fig.colorbar(
            axes[0, col].images[0], ax=axes[:, col], location="top", aspect=28, pad=0.02
        )
        bar.set_label(f"{label} ({seeds})", fontsize=FONT)
        if col == 1 and loss_norm is not None:
            _log_bar_ticks(bar, loss_norm.vmin, loss_norm.vmax)
        print_ticks(bar.ax)
    figure_legend(fig, _heatmap_legend(drawn, threshold))
    title = (
        f"preset {config.preset}: {len(config.lrs)} \u00d7 {config.n_wd} grid, "
        f"{len(config.seeds)} seed{'s' if len(config.seeds) != 1 else ''}, {config.steps} steps"
    )
    if run_description(config):
        title += f"\n{run_description(config)}"
    fig.suptitle(title, fontsize=TITLE_FONT)
    return fig


def _data_title(config: SweepConfig) -> str:
    """A short title for the data figure (the caption and :func:`.datasets.describe` say the
    rest)."""
    spec = config.data
    if isinstance(spec, DigitsSpec):
        text = f"digits, {spec.n_train_points} training images"
    else:
        text = f"spiral, {spec.turns:g} turns, noise {spec.noise:g}"
    if spec.label_noise:
        text += f", {100 * spec.label_noise:g}% labels flipped"
    return textwrap.fill(f"{config.preset}: {text}", width=40)


def plot_dataset(config: SweepConfig):
    """The data of ``config``: the spiral (filled: training, hollow: validation; one colour
    and one marker per class) or digit images; :data:`DATA_WIDTH` wide."""
    is_digits = isinstance(config.data, DigitsSpec)
    fig, ax = plt.subplots(figsize=(DATA_WIDTH, 3.3 if is_digits else 3.6), layout="constrained")
    ax = plot_data(config.data, ax, title=_data_title(config))
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            loc="outside lower center", ncol=2, fontsize=FONT, frameon=False, markerscale=1.6,
            handletextpad=0.3, columnspacing=1.0,
        )  # fmt: skip
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
    from wdproof.numerics.sweep.ridge_plot import plot_ridge

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
