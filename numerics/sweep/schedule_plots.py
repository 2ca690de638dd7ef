"""Figures of the schedule studies, drawn from the saved results (:mod:`.studies`).

* ``schedules``: the multiplier ``eta_t`` over the run's steps for each schedule a study ran,
  computed from each run's stored configuration (its schedule name, ``eta`` and steps, through
  the one schedule object of :mod:`~wdproof.numerics.optimizers.schedules`); dotted verticals
  mark the warm restarts.
* ``heatmaps-<schedule>``: the accuracy / loss heatmaps of :mod:`.plots`, one figure per
  schedule of the ``schedules`` study (a single sweep run with ``--schedule`` also draws its
  ``schedule`` figure beside its heatmaps: :func:`.plots.write_figures`).
* ``budget``: the best decay against the budget ``T`` (log-log), raw ``lambda`` and
  ``lambda_norm`` side by side, with 95% seed intervals (hollow: an edge optimum); the dotted
  lines are the paper's predictions through the middle budget (``T^{-1/2}`` raw, flat
  normalized), from the study's ``summary.json`` numbers (:mod:`.budget_study`).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep.budget_study import KINDS, PREDICTED_SLOPE
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.plots import wd_symbol

SCHEDULES_FIGURE = "schedules"
BUDGET_FIGURE = "budget"
COLOURS = {"constant": "0.3", "cosine": "tab:blue", "warm-restarts": "tab:orange"}


def plot_schedules(configs: dict[str, SweepConfig]):
    """``eta_t`` for ``t = 1 .. steps`` of each configuration's schedule; restarts marked."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4), constrained_layout=True)
    seen: set = set()
    styles = iter(["-", "--", "-.", ":"] * 8)
    for config in configs.values():
        key = (config.schedule, config.steps, config.eta)
        if key in seen:
            continue
        seen.add(key)
        schedule = config.multiplier_schedule()
        t = np.arange(1, config.steps + 1)
        colour = COLOURS.get(config.schedule, None)
        label = f"{config.schedule} ({config.steps} steps)"
        style = "-" if len({c.steps for c in configs.values()}) == 1 else next(styles)
        ax.plot(t, config.multipliers(), style, c=colour, lw=1.4, label=label)
        for restart in schedule.restarts(config.steps):
            ax.axvline(restart, ls=":", c=colour, lw=1.0)
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"multiplier $\eta_t$")
    ax.set_ylim(-0.03, 1.08 * max(c.eta for c in configs.values()))
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(
        "schedule multipliers (periods in steps; dotted = warm restart, T_cur = 0)", fontsize=9
    )
    return fig


def plot_budget(summary: dict, configs: dict[str, SweepConfig]):
    """Best decay per budget, raw and normalized, per variant of the budget study."""
    variants = summary["variants"]
    fig, axes = plt.subplots(
        len(variants), len(KINDS), figsize=(8.6, 3.4 * len(variants)), squeeze=False
    )
    fig.set_layout_engine("constrained")
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
                    ax.plot([b["steps"]] * 2, [best["low"], best["high"]], "-", c="tab:blue")
                face = "none" if best["edge_optimum"] else "tab:blue"
                ax.plot(b["steps"], best["value"], "o", ms=6, mfc=face, mec="tab:blue")
            values = [b[kind]["value"] for b in block["budgets"]]
            if all(v is not None for v in values):
                middle = len(steps) // 2
                line = values[middle] * (steps / steps[middle]) ** PREDICTED_SLOPE[kind]
                ax.plot(steps, line, ":", c="0.4", lw=1)
            config = configs[f"{kind}-T{int(steps[0])}"]
            wds = config.wd_grid(variant)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_ylim(wds[0] / 2, wds[-1] * 2)
            ax.set_xlim(steps[0] / 1.4, steps[-1] * 1.4)
            ax.set_xticks(steps, [f"{int(s)}" for s in steps])
            ax.minorticks_off()
            ax.set_xlabel("budget T (steps; epochs = steps b / B)")
            symbol = wd_symbol(method, kind == "normalized")
            ax.set_ylabel(f"best ${symbol}$ (min. val. loss)")
            trend = block["trend"][kind]
            slope = "n/a" if trend["value"] is None else f"{trend['value']:+.2f}"
            if trend["low"] is not None:
                slope += f" [{trend['low']:+.2f}, {trend['high']:+.2f}]"
            ax.set_title(
                f"{method.label}, {kind} decay\nslope in log T {slope} (paper "
                f"{PREDICTED_SLOPE[kind]:+.1f}): {trend['status']}",
                fontsize=9,
            )
            ax.grid(True, lw=0.3, alpha=0.5)
    fig.suptitle(
        "best decay vs training budget, 95% bootstrap CI over seeds\n(hollow = grid edge; "
        "dotted = the paper's prediction through the middle budget: raw T^-1/2, normalized flat)",
        fontsize=9,
    )
    return fig
