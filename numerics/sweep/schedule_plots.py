"""Figures of the schedule studies, drawn from the saved results (:mod:`.studies`).

* ``schedules``: the multiplier ``eta_t`` over the run's steps for each schedule a study ran,
  computed from each run's stored configuration (its schedule name, ``eta`` and steps, through
  the one schedule object of :mod:`~wdproof.numerics.optimizers.schedules`), each line in its
  own Okabe-Ito colour and line style; dotted verticals mark the warm restarts.
* ``heatmaps-<schedule>``: the accuracy / loss heatmaps of :mod:`.plots`, one figure per
  schedule of the ``schedules`` study (a single sweep run with ``--schedule`` also draws its
  ``schedule`` figure beside its heatmaps: :func:`.plots.write_figures`).
* ``budget``: the best decay against the budget ``T`` (log-log), raw ``lambda`` and
  ``lambda_norm`` side by side, with 95% seed intervals (hollow: an edge optimum); the dotted
  lines are the paper's predictions through the middle budget (``T^{-1/2}`` raw, flat
  normalized), from the study's ``summary.json`` numbers (:mod:`.budget_study`).

Both are :data:`.plots.FULL_WIDTH` wide with 8 pt text or larger and a legend for every mark.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep.budget_study import KINDS, PREDICTED_SLOPE
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.plots import (
    FONT,
    FULL_WIDTH,
    LINE_STYLES,
    OKABE_ITO,
    TITLE_FONT,
    figure_legend,
    print_ticks,
    wd_label,
)

SCHEDULES_FIGURE = "schedules"
BUDGET_FIGURE = "budget"
#: The budget figure's marks (Okabe-Ito blue); the predictions are black.
BUDGET_COLOUR = OKABE_ITO[1]


def plot_schedules(configs: dict[str, SweepConfig]):
    """``eta_t`` for ``t = 1 .. steps`` of each configuration's schedule; restarts marked.

    Each distinct (schedule, steps, eta) gets the next Okabe-Ito colour *and* line style, so
    that the lines differ in grey scale and for colour-blind readers too."""
    fig, ax = plt.subplots(figsize=(FULL_WIDTH, 3.0), layout="constrained")
    seen: list = []
    restarted = False
    for config in configs.values():
        key = (config.schedule, config.steps, config.eta)
        if key in seen:
            continue
        seen.append(key)
        index = len(seen) - 1
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        style = LINE_STYLES[index % len(LINE_STYLES)]
        schedule = config.multiplier_schedule()
        t = np.arange(1, config.steps + 1)
        label = f"{config.schedule} ({config.steps} steps)"
        ax.plot(t, config.multipliers(), ls=style, c=colour, lw=1.5, label=label)
        for restart in schedule.restarts(config.steps):
            ax.axvline(restart, ls=":", c=colour, lw=1.0)
            restarted = True
    ax.set_xlabel("step $t$", fontsize=FONT)
    ax.set_ylabel(r"multiplier $\eta_t$", fontsize=FONT)
    ax.set_ylim(-0.03, 1.08 * max(c.eta for c in configs.values()))
    ax.grid(True, lw=0.3, alpha=0.5)
    print_ticks(ax)
    handles, _ = ax.get_legend_handles_labels()
    if restarted:
        handles.append(
            Line2D([], [], ls=":", c="0.3", lw=1.0,
                   label="warm restart ($T_{cur} = 0$), in its schedule's colour")
        )  # fmt: skip
    figure_legend(fig, handles, ncol=2)
    ax.set_title(r"schedule multiplier $\eta_t$ (periods in steps)", fontsize=TITLE_FONT)
    return fig


def plot_budget(summary: dict, configs: dict[str, SweepConfig]):
    """Best decay per budget, raw and normalized, per variant of the budget study."""
    variants = summary["variants"]
    fig, axes = plt.subplots(
        len(variants),
        len(KINDS),
        figsize=(FULL_WIDTH, 0.9 + 2.7 * len(variants)),
        squeeze=False,
        layout="constrained",
    )
    drawn: set = set()
    for row, (variant, block) in enumerate(variants.items()):
        method = VARIANTS[variant]
        for col, kind in enumerate(KINDS):
            ax = axes[row, col]
            steps = np.array([b["steps"] for b in block["budgets"]], dtype=float)
            for b in block["budgets"]:
                best = b[kind]
                if best["value"] is None:
                    continue
                if best["low"] is not None:
                    ax.plot([b["steps"]] * 2, [best["low"], best["high"]], "-",
                            c=BUDGET_COLOUR, lw=1.2)  # fmt: skip
                    drawn.add("interval")
                face = "white" if best["edge_optimum"] else BUDGET_COLOUR
                ax.plot(b["steps"], best["value"], "o", ms=6, mfc=face, mec=BUDGET_COLOUR,
                        mew=1.2, zorder=3)  # fmt: skip
                drawn.add("edge" if best["edge_optimum"] else "best")
            values = [b[kind]["value"] for b in block["budgets"]]
            if all(v is not None for v in values):
                middle = len(steps) // 2
                line = values[middle] * (steps / steps[middle]) ** PREDICTED_SLOPE[kind]
                ax.plot(steps, line, ":", c="black", lw=1.2)
                drawn.add("predicted")
            config = configs[f"{kind}-T{int(steps[0])}"]
            wds = config.wd_grid(variant)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_ylim(wds[0] / 2, wds[-1] * 2)
            ax.set_xlim(steps[0] / 1.4, steps[-1] * 1.4)
            ax.set_xticks(steps, [f"{int(s)}" for s in steps])
            ax.minorticks_off()
            ax.set_xlabel("budget $T$ (steps)", fontsize=FONT)
            name = wd_label(method, kind == "normalized")
            ax.set_ylabel(textwrap.fill(f"best {name}", width=42), fontsize=FONT)
            trend = block["trend"][kind]
            slope = "n/a" if trend["value"] is None else f"{trend['value']:+.2f}"
            if trend["low"] is not None:
                slope += f" [{trend['low']:+.2f}, {trend['high']:+.2f}]"
            ax.set_title(
                f"{kind} decay, {method.label}\nslope in log T {slope}\n"
                f"paper {PREDICTED_SLOPE[kind]:+.1f}: {trend['status']}",
                fontsize=FONT,
            )
            ax.grid(True, lw=0.3, alpha=0.5)
            print_ticks(ax)
    entries = {
        "best": Line2D([], [], ls="none", marker="o", ms=6, mfc=BUDGET_COLOUR,
                       mec=BUDGET_COLOUR, label="best decay (lowest mean validation loss)"),
        "edge": Line2D([], [], ls="none", marker="o", ms=6, mfc="white", mec=BUDGET_COLOUR,
                       mew=1.2, label="best decay at the grid edge"),
        "interval": Line2D([], [], c=BUDGET_COLOUR, lw=1.2,
                           label="95% bootstrap interval over seeds"),
        "predicted": Line2D([], [], ls=":", c="black", lw=1.2,
                            label="paper's prediction through the middle budget\n"
                            "(raw: $T^{-1/2}$, normalized: flat)"),
    }  # fmt: skip
    figure_legend(fig, [h for kind, h in entries.items() if kind in drawn])
    fig.suptitle("best decay vs training budget", fontsize=TITLE_FONT)
    return fig
