"""Figure: the best-wd ridge per variant, with 95% bootstrap intervals over seeds.

One panel per variant, learning rate on x: for each learning rate whose row learns, the ``wd``
minimizing the mean validation loss (:mod:`.measures`), with its 95% interval over redraws of
the seeds (bars; none with one seed); hollow markers are edge optima (left out of the fit); the
line is the least-squares ridge ``log10 wd* = c + s log10 alpha``, and the dotted line the slope the
seed's pattern predicts (:func:`.decoupling.expected_slope`) through the same centre.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep.decoupling import estimate, expected_slope, ridge_estimates
from wdproof.numerics.sweep.store import SweepResult


def variant_ridge(result: SweepResult, variant: str) -> dict:
    """:func:`~.decoupling.ridge_estimates` of one variant of ``result``."""
    config = result.config
    return ridge_estimates(
        result.metric("val_loss", variant),
        result.metric("val_acc", variant),
        config.lrs,
        config.wd_grid(variant),
    )


def draw_ridge(ax, ridge: dict, place, colour: str = "tab:blue") -> None:
    """Ridge points, their CI bars and the fitted line on ``ax``. ``place(wd, lr)`` gives the
    axes' coordinates ``(x, y)`` of arrays of values (lr on x, or heatmap cell indices)."""
    for row in ridge["rows"]:
        if row["wd"] is None:
            continue
        if row["low"] is not None:
            bar = place(np.array([row["low"], row["high"]]), np.array([row["lr"]] * 2))
            ax.plot(*bar, "-", c=colour, lw=1.2)
        face = "none" if row["edge"] else colour
        ax.plot(*place(np.array([row["wd"]]), np.array([row["lr"]])), "o", ms=4, mfc=face,
                mec=colour, mew=1.0, zorder=4)  # fmt: skip
    slope = ridge["slope"]["value"]
    interior = [r["lr"] for r in ridge["rows"] if r["wd"] is not None and not r["edge"]]
    if np.isfinite(slope) and interior:
        lr_line = np.array([min(interior), max(interior)])
        wd_line = 10 ** (ridge["intercept"] + slope * np.log10(lr_line))
        ax.plot(*place(wd_line, lr_line), "-", c=colour, lw=0.8, alpha=0.8)


def plot_ridge(result: SweepResult):
    """Best wd against lr per variant with 95% CIs; returns the figure."""
    config = result.config
    variants = config.variants
    fig, axes = plt.subplots(
        1, len(variants), figsize=(3.6 * len(variants) + 0.6, 3.8), squeeze=False
    )
    fig.set_layout_engine("constrained")
    for ax, variant in zip(axes[0], variants, strict=True):
        ridge = variant_ridge(result, variant)
        draw_ridge(ax, ridge, lambda wd, lr: (lr, wd))
        expected = expected_slope(variant)
        learned = [r for r in ridge["rows"] if r["wd"] is not None and not r["edge"]]
        if expected is not None and learned:
            lr_mid = 10 ** np.mean([np.log10(r["lr"]) for r in learned])
            wd_mid = 10 ** np.mean([np.log10(r["wd"]) for r in learned])
            lr_line = np.array([config.lrs[0], config.lrs[-1]])
            ax.plot(lr_line, wd_mid * (lr_line / lr_mid) ** expected, ":", c="0.4", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(config.lrs[0] / 1.5, config.lrs[-1] * 1.5)
        wds = config.wd_grid(variant)
        ax.set_ylim(wds[0] / 2, wds[-1] * 2)
        method = VARIANTS[variant]
        ax.set_xlabel("learning rate $\\alpha$")
        symbol = method.hyperparameter + (r"_{norm}" if config.normalized_decay else "")
        ax.set_ylabel(f"best wd (${symbol}$): min. val. loss")
        slope = estimate(ridge["slope"]).text("{:+.2f}")
        ax.set_title(f"{method.label}\nslope {slope}", fontsize=9)
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
    fig.suptitle(
        f"preset '{config.preset}': best wd per learning rate, 95% bootstrap CI over "
        f"{len(config.seeds)} seed(s) (hollow = grid edge, dotted = predicted slope)",
        fontsize=9,
    )
    return fig
