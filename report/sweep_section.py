"""Q2.b / Q2.c material for the solution key: figures and answers, from the saved sweep results.

Every number printed in Q2.c is computed here by :func:`wdproof.numerics.sweep.analysis.summarize`
from the arrays in ``results.npz``, at report time, never copied from a run. The sweep cache is
shared with ``wdproof sweep`` (``<out>/sweep/<preset>/``), so a sweep run once serves both.

A cache is only used when it passes :func:`wdproof.numerics.sweep.store.check` (its configuration
hash equals the requested configuration's and its stored checksums hold); with ``--no-sweep`` a
missing, stale or damaged cache omits the sections with a note saying why and how to fix it,
and without it the sweep is (re)computed with a progress bar.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep import analysis as sweep_analysis
from wdproof.numerics.sweep import plots as sweep_plots
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.config import SweepConfig, preset
from wdproof.numerics.sweep.datasets import describe
from wdproof.report.latex import number
from wdproof.report.progress import progress_bar
from wdproof.report.q2c_answers import Other, q2c_answers

THRESHOLD = 0.9
#: Presets compared in Q2.c(b) when the key is built from the default preset: trained if their
#: results are not cached (``noisy`` is the regime where decay helps, about a minute) ...
DIFFICULTY_PRESETS = ("easy", "hard", "noisy")
#: ... and shown only when ``wdproof sweep`` has cached them (minutes to train each).
CACHED_PRESETS = ("digits", "noisy-wide")


def _result(config: SweepConfig, cache: Path, compute: bool) -> tuple[object | None, str]:
    """The sweep result, or None and the reason it is not available."""
    state = sweep_store.check(config, cache)
    if state.result is not None:
        return state.result, ""
    if not compute:
        why = {
            "missing": state.reason,
            "stale": f"its cached results were {state.reason}",
            "damaged": f"its cached results are damaged and were not used ({state.reason})",
        }[state.status]
        return None, (
            f"Sweep preset '{config.preset}' omitted (--no-sweep): {why} in {state.directory}. "
            f"Run 'wdproof sweep --preset {config.preset} --out {cache}' (it recomputes them) "
            f"or drop --no-sweep."
        )
    with progress_bar(config.preset) as progress:
        return sweep_store.load_or_run(config, cache, progress=progress), ""


def _percent(x: float, latex: bool = True) -> str:
    """``0.931`` as ``93.1\\%`` (for a LaTeX cell) or ``93.1%`` (for prose, escaped later)."""
    if math.isnan(x):
        return "--"
    return f"{100 * x:.1f}" + ("\\%" if latex else "%")


def _rows(summary: dict) -> list[dict]:
    rows = []
    for variant in summary["variants"].values():
        best = _percent(variant["best_val_acc"])
        if not math.isnan(variant.get("best_val_acc_std", math.nan)):
            best += f" $\\pm$ {100 * variant['best_val_acc_std']:.1f}"
        rows.append(
            {
                "variant": variant["label"],
                "best": best,
                "best_lr": variant.get("best_lr", math.nan),
                "best_wd": variant.get("best_wd", math.nan),
                "good": f"{variant['n_good']}/{variant['n_matched']} "
                f"({_percent(variant['fraction_good'])})",
            }
        )
    return rows


def _interval(block: dict, fmt: str = "{:.3f}") -> str:
    """``value [lo, hi]`` for a LaTeX cell; ``[--]`` without an interval (one seed)."""
    value = block.get("value", math.nan)
    if value is None or math.isnan(value):
        return "--"
    if block.get("low") is None:
        return f"{fmt.format(value)} [--]"
    return f"{fmt.format(value)} [{fmt.format(block['low'])}, {fmt.format(block['high'])}]"


def _measured_rows(summary: dict) -> list[dict]:
    """Per variant, the measured quantities with their 95% bootstrap intervals over seeds."""
    rows = []
    for variant in summary["variants"].values():
        m = variant["measured"]
        rows.append(
            {
                "variant": variant["label"],
                "best": _interval(m["best_val_acc"]),
                "slope": _interval(m["ridge"]["slope"], "{:+.2f}"),
                "separability": _interval(m["separability"], "{:.2f}"),
                "margin": _interval(m["decay_margin"], "{:+.3f}"),
                "slope_status": m["ridge"]["verdict"]["status"],
                "margin_verdict": m["decay_margin"]["verdict"].split(":")[0],
            }
        )
    return rows


def _verdict(summary: dict) -> str:
    """The verdict on the seed's expected pattern, with how it was reached, from ``summary``."""
    u = summary["uncertainty"]
    d0 = summary["decay_fractions"][0]
    return (
        f"Intervals are 95% percentile bootstrap intervals over the {_count(u['n_seeds'], 'seed')} "
        f"({u['resamples']} redraws of the seed axis){'; ' + u['note'] if u['note'] else ''}. "
        "The ridge slope is the least-squares slope of the per-learning-rate wd minimizing the "
        "mean validation loss against the learning rate, on log axes; separability is the "
        "share of the log-loss surface an additive $f(\\alpha) + g(\\mathrm{wd})$ explains; "
        "the decay margin is the best accuracy at any wd above the variant's smallest minus "
        f"the best at its smallest (decay removing a fraction {number(d0, 2)} of $\\theta$ per "
        "step, "
        "standing in for no decay). The pattern predicts "
        "a slope of 0 for the paper's AdamW, $-1$ for PyTorch's (whose decay is "
        "$\\alpha w$) and a slope away from 0 for $L_2$. Verdict on the expected pattern: "
        f"{summary['decoupling']['verdict']}."
    )


def _count(n: int, noun: str, count: bool = True) -> str:
    """``3 seeds``, ``1 seed``; with ``count=False`` only the noun, in the number ``n`` asks."""
    word = noun if n == 1 else noun + "s"
    return f"{n} {word}" if count else word


def _copy_figure(path: Path, figures: Path, name: str) -> str:
    figures.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, figures / name)
    return f"figures/{name}"


def _grid_text(config: SweepConfig) -> str:
    return (
        f"width {config.width}, {config.steps} steps, "
        f"{len(config.lrs)} \u00d7 {config.n_wd} grid, "
        f"{len(config.seeds)} seeds"
    )


def _own_grid(config: SweepConfig, variant: str) -> str:
    """``label: lambda' in [a, b]`` for the grid row of the setup table."""
    method, wds = VARIANTS[variant], config.wd_grid(variant)
    return f"{method.label}: ${method.hyperparameter}$ in [{wds[0]:.3g}, {wds[-1]:.3g}]"


def _setup(config: SweepConfig) -> tuple[str, list[tuple[str, str]]]:
    spec = config.data
    setup = (
        f"An MLP with {config.hidden_layers} hidden ReLU layers of width {config.width} is trained "
        f"with minibatch Adam variants on the data below; every (learning rate, wd) "
        f"cell of every variant and seed trains at once as one batched computation."
    )
    data = describe(spec)
    grid = (
        f"{len(config.lrs)} learning rates in [{config.lrs[0]:g}, {config.lrs[-1]:g}] x "
        f"{config.n_wd} columns, log-spaced, matched on the fraction $d$ of $\\theta$ that decay "
        f"removes per step, {min(config.decay_fractions):g} to {max(config.decay_fractions):g}; "
        f"each variant sweeps its own hyperparameter: "
        + "; ".join(_own_grid(config, v) for v in config.variants)
    )
    training = (
        f"{config.steps} steps, batch {config.batch_size}, betas {config.betas}, "
        f"eps {config.eps:g}, {config.dtype}"
    )
    rows = [
        ("data", data),
        ("grid", grid),
        ("variants", ", ".join(VARIANTS[v].label for v in config.variants)),
        ("training", training),
        ("seeds", ", ".join(map(str, config.seeds))),
        ("configuration hash", config.config_hash()[:16]),
    ]
    return setup, rows


def _source(result, config: SweepConfig) -> str:
    """``<out>/sweep/<preset>/results.npz, configuration hash 0123456789abcdef``."""
    return (
        f"{result.directory / sweep_store.RESULTS_FILE}, configuration hash "
        f"{config.config_hash()[:16]}"
    )


def sweep_context(preset_name: str, out: Path, compute: bool, threshold: float = THRESHOLD) -> dict:
    """Everything the Q2.b and Q2.c templates show, or ``available: False`` and a note."""
    config = preset(preset_name)
    cache = out / "sweep"
    result, why = _result(config, cache, compute)
    if result is None:
        return {"available": False, "note": why, "data_figure": None}
    figures_dir = out / "figures"
    drawn = sweep_plots.write_figures(result, threshold)
    summary = sweep_analysis.summarize(result, threshold)
    setup, config_rows = _setup(config)
    context = {
        "available": True,
        "preset": config.preset,
        "setup": setup,
        "config_rows": config_rows,
        "seeds": ", ".join(map(str, config.seeds)),
        "config_hash": summary["config_hash"][:16],
        "results_file": str(result.directory / sweep_store.RESULTS_FILE),
        "data_figure": _copy_figure(drawn["data"]["pdf"], figures_dir, f"data-{config.preset}.pdf"),
        "heatmaps": [
            {
                "path": _copy_figure(
                    drawn["heatmaps"]["pdf"], figures_dir, f"heatmaps-{config.preset}.pdf"
                ),
                "caption": (
                    "Validation accuracy (left) and loss (right), one row per algorithm, mean "
                    f"over "
                    f"{len(config.seeds)} seeds, preset {config.preset}; the legend explains the "
                    f"marks. Data: {_source(result, config)}."
                ),
            }
        ],
        "grid_text": _grid_text(config),
        "source": _source(result, config),
        "threshold_percent": f"{100 * threshold:g}",
        "rows": _rows(summary),
        "measured_rows": _measured_rows(summary),
        "verdict": _verdict(summary),
        "ridge_figure": _copy_figure(
            drawn["ridge"]["pdf"], figures_dir, f"ridge-{config.preset}.pdf"
        ),
        "difficulty": [],
        "difficulty_note": "The difficulty comparison is built with the default preset only.",
        "cached_note": "",
    }
    context["sources"] = f"preset {config.preset}: {_source(result, config)}"
    if config.preset != "default":
        context["q2c"] = q2c_answers(result, [], threshold)
        return context
    levels, notes, missing, others = [], [], [], []
    for name in DIFFICULTY_PRESETS + CACHED_PRESETS:
        other = preset(name)
        other_result, other_why = _result(other, cache, compute and name in DIFFICULTY_PRESETS)
        if other_result is None:
            if name in DIFFICULTY_PRESETS:
                notes.append(other_why)
            else:
                missing.append(name)
            continue
        other_drawn = sweep_plots.write_figures(other_result, threshold)
        other_summary = sweep_analysis.summarize(other_result, threshold)
        levels.append(
            {
                "preset": name,
                "description": f"{describe(other.data)}; {_grid_text(other)}",
                "rows": _rows(other_summary),
                "measured_rows": _measured_rows(other_summary),
                "verdict": f"Verdict on the expected pattern: "
                f"{other_summary['decoupling']['verdict']}.",
                "figure": _copy_figure(
                    other_drawn["heatmaps"]["pdf"], figures_dir, f"heatmaps-{name}.pdf"
                ),
                "caption": (
                    f"Preset {name}: validation accuracy (left) and loss (right), one row per "
                    "algorithm, "
                    f"mean over "
                    f"{len(other.seeds)} seeds. Data: {_source(other_result, other)}."
                ),
                "source": _source(other_result, other),
            }
        )
        others.append(Other(name, describe(other.data), other_result))
    context["difficulty"] = levels
    context["q2c"] = q2c_answers(result, others, threshold)
    context["sources"] += "".join(f"; preset {o['preset']}: {o['source']}" for o in levels)
    context["difficulty_note"] = " ".join(notes)
    if missing:
        context["cached_note"] = (
            f"Not shown: {_count(len(missing), 'preset', count=False)} "
            f"{', '.join(missing)}, not swept for this build."
        )
    return context
