"""Answers to problem set Q2.c, computed from a sweep's stored arrays.

Per variant, over the ``n_lr x n_wd`` grid, with each cell's accuracy the mean over seeds
(a cell where any seed diverged counts as failed and has no mean):

* the best validation accuracy, its spread over seeds (standard deviation) and its ``(lr, wd)``;
* how many cells reach the threshold (default 0.9) among the *matched* cells, those whose decay
  removes a fraction of ``theta`` per step inside the configuration's matched range
  (:meth:`~wdproof.numerics.sweep.config.SweepConfig.matched_cells`), and which fraction of
  them that is: PyTorch's AdamW cells at small ``lr wd`` are the paper's at negligible decay,
  and counting them would reward a grid, not an optimizer;
* the measured quantities with their seed intervals (:mod:`.decoupling`): the best-wd ridge and
  its slope, separability, the decay margin.

``wd`` is the grid's axis, the variant's own hyperparameter (``Variant.hyperparameter``:
``lambda'`` for the L2 variants, ``lambda`` for the decoupled ones) on its own grid
(:meth:`~wdproof.numerics.sweep.config.SweepConfig.wd_grid`).
"""

from __future__ import annotations

import numpy as np

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep import answers, decoupling
from wdproof.numerics.sweep.store import SweepResult


def cell_mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over seeds (axis 0); NaN where any seed is NaN (diverged)."""
    return values.mean(axis=0), values.std(axis=0)


def summarize_variant(result: SweepResult, variant: str, threshold: float = 0.9) -> dict:
    """Every Q2.c number for one variant (plain floats and ints, JSON-ready)."""
    config = result.config
    mean_acc, std_acc = cell_mean_std(result.metric("val_acc", variant))
    mean_loss, _ = cell_mean_std(result.metric("val_loss", variant))
    diverged = (result.metric("diverged_step", variant) >= 0).any(axis=0)
    matched = config.matched_cells(variant)
    n_matched = int(matched.sum())
    summary: dict = {
        "label": VARIANTS[variant].label,
        "n_cells": mean_acc.size,
        "n_matched": n_matched,
        "n_diverged": int(diverged.sum()),
        "wd_grid": list(config.wd_grid(variant)),
    }
    if np.all(np.isnan(mean_acc)):
        summary.update(best_val_acc=float("nan"), n_good=0, fraction_good=0.0)
        return summary
    i, j = np.unravel_index(np.nanargmax(mean_acc), mean_acc.shape)
    k, m = np.unravel_index(np.nanargmin(mean_loss), mean_loss.shape)
    n_good = int(np.sum((np.nan_to_num(mean_acc, nan=-1.0) >= threshold) & matched))
    per_seed_at_best = result.metric("val_acc", variant)[:, i, j]
    wds = config.wd_grid(variant)
    summary.update(
        best_val_acc=float(mean_acc[i, j]),
        best_val_acc_std=float(std_acc[i, j]),
        best_val_acc_per_seed=[float(a) for a in per_seed_at_best],
        best_lr=float(config.lrs[i]),
        best_wd=float(wds[j]),
        best_index=[int(i), int(j)],
        best_val_loss=float(mean_loss[k, m]),
        best_val_loss_lr=float(config.lrs[k]),
        best_val_loss_wd=float(wds[m]),
        n_good=n_good,
        fraction_good=n_good / n_matched if n_matched else float("nan"),
    )
    return summary


def schedule_block(config) -> dict:
    """What multiplied each step: the schedule, its formula, its restarts, the rule."""
    schedule = config.multiplier_schedule()
    return {
        "name": config.schedule,
        "eta": config.eta,
        "steps": config.steps,
        "latex": schedule.latex(),
        "restarts": schedule.restarts(config.steps),
        "periods_in": "steps",
        "rule": (
            r"$\eta_t = \eta\,s(t)$ multiplies every variant's step and decoupled decay at step "
            r"$t$: the paper's AdamW $\theta \leftarrow \theta - \eta_t(\alpha\,\mathrm{step} + "
            r"\lambda\theta)$ with $\alpha$, $\lambda$ fixed; PyTorch's Adam/AdamW "
            r"$\mathrm{lr}_t = \mathrm{lr}\,\eta_t$ (torch.optim.lr_scheduler), so AdamW decays by "
            r"$\mathrm{lr}_t\,\mathrm{wd}$; $\lambda'$ is not scaled"
        ),
    }


def normalized_decay_block(config) -> dict:
    """Whether the decay columns are normalized, and the factor to the per-step values."""
    return {
        "on": config.normalized_decay,
        "scale": config.decay_scale,
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "training_points": config.data.n_train_points,
        "rule": (
            r"columns are $\lambda_{\mathrm{norm}}$ (Adam + $L_2$: $\lambda'_{\mathrm{norm}}$, "
            r"PyTorch's AdamW: $\mathrm{wd}_{\mathrm{norm}}$); each trains with $\lambda = "
            r"\lambda_{\mathrm{norm}}\sqrt{b/(BT)}$, $T = \mathrm{steps}\times b/B$ epochs"
            if config.normalized_decay
            else "columns are the per-step values"
        ),
    }


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
        "grid": [len(config.lrs), config.n_wd],
        "decay_fractions": [min(config.decay_fractions), max(config.decay_fractions)],
        "seeds": list(config.seeds),
        "schedule": schedule_block(config),
        "normalized_decay": normalized_decay_block(config),
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
    schedule, normalized = summary.get("schedule"), summary.get("normalized_decay")
    if schedule and (schedule["name"] != "constant" or schedule["eta"] != 1):
        restarts = f", restarts at t = {schedule['restarts']}" if schedule["restarts"] else ""
        lines.append(f"schedule: {schedule['name']} (eta = {schedule['eta']:g}){restarts}")
    if normalized and normalized["on"]:
        lines.append(
            f"normalized decay: wd columns are lambda_norm; per step lambda = lambda_norm x "
            f"sqrt(b/(B T)) = {normalized['scale']:.4g} (b {normalized['batch_size']}, "
            f"B {normalized['training_points']}, T {normalized['epochs']:.3g} epochs)"
        )
    lo, hi = summary["decay_fractions"]
    lines.append(f"matched cells: decay removes {lo:g} to {hi:g} of theta per step")
    header = (
        f"{'variant':<13} {'best acc':>15} {'at lr':>9} {'at wd':>9} "
        f"{'>= ' + str(t) + ' (matched)':>22} {'diverged':>8}"
    )
    lines.append(header)
    for name, s in summary["variants"].items():
        good = f"{s['n_good']} of {s['n_matched']} ({s['fraction_good']:.1%})"
        lines.append(
            f"{name:<13} {s['best_val_acc']:>7.3f} +- {s.get('best_val_acc_std', float('nan')):.3f}"
            f" {s.get('best_lr', float('nan')):>9.2g} {s.get('best_wd', float('nan')):>9.2g}"
            f" {good:>22} {s['n_diverged']:>8}"
        )
    if "uncertainty" in summary:
        lines += ["", answers.format_measured(summary)]
    return "\n".join(lines)
