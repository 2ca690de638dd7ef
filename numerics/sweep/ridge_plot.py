"""Figure: the best-wd ridge per variant, with 95% bootstrap intervals over seeds.

One panel per variant (two columns; with an odd count the last slot holds the legend),
learning rate on x: for each learning rate whose row learns, the ``wd`` minimizing the mean
validation loss (:mod:`.measures`), with its 95% interval over redraws of the seeds (bars; none
with one seed); hollow markers are edge optima (left out of the fit); the solid line is the
least-squares ridge ``log10 wd* = c + s log10 alpha``, and the dotted line the slope the seed's
pattern predicts (:func:`.decoupling.expected_slope`) through the same centre. The y axis names
the variant's own quantity (:meth:`~wdproof.numerics.optimizers.conventions.Variant.wd_name`).
"""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep.decoupling import estimate, expected_slope, ridge_estimates
from wdproof.numerics.sweep.plots import (
    FONT,
    FULL_WIDTH,
    LR_LABEL,
    OKABE_ITO,
    TITLE_FONT,
    figure_legend,
    outline,
    print_ticks,
    wd_label,
)
from wdproof.numerics.sweep.store import SweepResult

#: The ridge's colour on white panels (Okabe-Ito blue); on heatmaps black outlined in white.
RIDGE_COLOUR = OKABE_ITO[1]
#: Inches per row of ridge panels, and for the title.
RIDGE_ROW = 2.45
RIDGE_FRAME = 0.35


def variant_ridge(result: SweepResult, variant: str) -> dict:
    """:func:`~.decoupling.ridge_estimates` of one variant of ``result``."""
    config = result.config
    return ridge_estimates(
        result.metric("val_loss", variant),
        result.metric("val_acc", variant),
        config.lrs,
        config.wd_grid(variant),
    )


def draw_ridge(ax, ridge: dict, place, colour: str = RIDGE_COLOUR, edge: str | None = None):
    """Ridge points, their CI bars and the fitted line on ``ax``; returns which of ``point``,
    ``edge_point``, ``interval`` and ``fit`` it drew. ``place(wd, lr)`` gives the axes'
    coordinates ``(x, y)`` of arrays of values (lr on x, or heatmap cell indices). ``edge``: a
    second colour outlining every mark (white on a heatmap), so that the ridge shows on any
    background and in grey scale; an edge optimum is then filled with it instead of hollow."""
    drawn = set()
    halo = outline(edge, 0.7) if edge else []
    for row in ridge["rows"]:
        if row["wd"] is None:
            continue
        if row["low"] is not None:
            bar = place(np.array([row["low"], row["high"]]), np.array([row["lr"]] * 2))
            ax.plot(*bar, "-", c=colour, lw=1.0, path_effects=halo, zorder=3)
            drawn.add("interval")
        face = (edge or "white") if row["edge"] else colour
        ax.plot(*place(np.array([row["wd"]]), np.array([row["lr"]])), "o", ms=4.5, mfc=face,
                mec=edge if edge and not row["edge"] else colour, mew=1.0, zorder=4)  # fmt: skip
        drawn.add("edge_point" if row["edge"] else "point")
    slope = ridge["slope"]["value"]
    interior = [r["lr"] for r in ridge["rows"] if r["wd"] is not None and not r["edge"]]
    if np.isfinite(slope) and interior:
        lr_line = np.array([min(interior), max(interior)])
        wd_line = 10 ** (ridge["intercept"] + slope * np.log10(lr_line))
        ax.plot(*place(wd_line, lr_line), "-", c=colour, lw=1.6, path_effects=halo, zorder=3)
        drawn.add("fit")
    return drawn


def ridge_handles(drawn: set, colour: str = RIDGE_COLOUR, edge: str | None = None) -> list:
    """Legend proxies for what :func:`draw_ridge` drew (``drawn``), in its colours."""
    halo = outline(edge, 0.7) if edge else []
    entries = {
        "point": Line2D([], [], ls="none", marker="o", ms=4.5, mfc=colour, mec=edge or colour,
                        label="best wd per learning rate\n(lowest mean validation loss)"),
        "edge_point": Line2D([], [], ls="none", marker="o", ms=4.5, mfc=edge or "white",
                             mec=colour, label="best wd at the grid edge (not fitted)"),
        "interval": Line2D([], [], c=colour, lw=1.0, path_effects=halo,
                           label="its 95% bootstrap interval over seeds"),
        "fit": Line2D([], [], c=colour, lw=1.6, path_effects=halo,
                      label="fitted ridge: log wd = c + slope log $\\alpha$"),
    }  # fmt: skip
    return [handle for kind, handle in entries.items() if kind in drawn]


def plot_ridge(result: SweepResult):
    """Best wd against lr per variant with 95% CIs; returns the figure."""
    config = result.config
    variants = config.variants
    ncols = 1 if len(variants) == 1 else 2
    nrows = math.ceil(len(variants) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(FULL_WIDTH, RIDGE_FRAME + RIDGE_ROW * nrows + (0.6 if ncols == 1 else 0)),
        squeeze=False,
        layout="constrained",
    )
    panels = axes.ravel()
    drawn: set = set()
    for ax, variant in zip(panels, variants, strict=False):
        ridge = variant_ridge(result, variant)
        drawn |= draw_ridge(ax, ridge, lambda wd, lr: (lr, wd))
        expected = expected_slope(variant)
        learned = [r for r in ridge["rows"] if r["wd"] is not None and not r["edge"]]
        if expected is not None and learned:
            lr_mid = 10 ** np.mean([np.log10(r["lr"]) for r in learned])
            wd_mid = 10 ** np.mean([np.log10(r["wd"]) for r in learned])
            lr_line = np.array([config.lrs[0], config.lrs[-1]])
            ax.plot(lr_line, wd_mid * (lr_line / lr_mid) ** expected, ":", c="black", lw=1.2)
            drawn.add("predicted")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(config.lrs[0] / 1.5, config.lrs[-1] * 1.5)
        wds = config.wd_grid(variant)
        ax.set_ylim(wds[0] / 2, wds[-1] * 2)
        method = VARIANTS[variant]
        ax.set_xlabel(LR_LABEL, fontsize=FONT)
        name = wd_label(method, config.normalized_decay)
        ax.set_ylabel(textwrap.fill(f"best {name}", width=42), fontsize=FONT)
        slope = estimate(ridge["slope"]).text("{:+.2f}")
        ax.set_title(f"{method.label}\nslope {slope}", fontsize=TITLE_FONT)
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
        print_ticks(ax)
    handles = ridge_handles(drawn)
    if "predicted" in drawn:
        handles.append(
            Line2D([], [], ls=":", c="black", lw=1.2,
                   label="slope the decoupling predicts\n"
                   "(0 for $\\lambda$, $-1$ for PyTorch's $w$)")
        )  # fmt: skip
    spare = panels[len(variants) :]
    for ax in spare:
        ax.axis("off")
    if handles and len(spare):
        spare[0].legend(handles=handles, loc="center", fontsize=FONT, frameon=False)
    elif handles:
        figure_legend(fig, handles)
    fig.suptitle(
        f"preset '{config.preset}': best wd per learning rate, {len(config.seeds)} seed(s)",
        fontsize=TITLE_FONT,
    )
    return fig
