"""Does decoupling show? The paper's claim measured per variant, with 95% bootstrap intervals.

The seed's expected pattern (Loshchilov & Hutter 2019, Sec. 1 and Fig. 2): *with decoupled
decay the best decay rate is (nearly) independent of the learning rate; with L2 the best
coefficient moves with it.* Each variant reads ``wd`` in its own unit, so the pattern predicts
a different slope ``s`` of its best-wd ridge ``log10 wd* = c + s log10 alpha``
(:mod:`.measures`):

* ``L2`` (``lambda'``): the best ``lambda'`` moves with ``alpha``: ``s`` away from 0.
* ``PAPER`` (``lambda``, decay ``eta_t lambda``): the claim itself: ``s = 0``.
* ``TORCH`` (``wd``, decay ``lr eta_t wd``): PyTorch's AdamW at ``(lr, wd)`` is the paper's at
  ``(alpha = lr, lambda = lr wd)``, so a ``lambda*`` independent of ``alpha`` is a torch
  ``wd* = lambda* / lr``: ``s = -1``.

**The rule** (``SLOPE_TOLERANCE = 0.5``: "nearly independent" allows ``wd*`` to change by less
than a factor ``10**0.5`` per decade of ``alpha``). With the slope's 95% interval ``[lo, hi]``
and the expected slope ``e``:

* a decoupled variant *supports* the pattern when ``[lo, hi]`` lies inside
  ``[e - 0.5, e + 0.5]``, *contradicts* it when ``[lo, hi]`` lies wholly outside that band;
* an L2 variant *supports* it when ``[lo, hi]`` lies wholly outside ``[-0.5, 0.5]``,
  *contradicts* it when ``[lo, hi]`` lies inside;
* anything else -- an interval straddling a band edge, no interval (one seed, or the slope
  undefined in over half the redraws) -- is *unresolved*.

Overall: **holds** when every variant supports it, **does not hold** when any contradicts it,
otherwise **not resolved at this noise level**.

The "decay helps" margin (:func:`.measures.decay_margin`) gets its own verdict: helps when its
interval lies above 0, hurts when below, not shown when it contains 0.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from wdproof.numerics.optimizers.conventions import VARIANTS, DecayConvention
from wdproof.numerics.sweep import measures
from wdproof.numerics.sweep.store import SweepResult
from wdproof.numerics.sweep.uncertainty import Estimate, bootstrap, bootstrap_each

SLOPE_TOLERANCE = 0.5
HOLDS, FAILS, UNRESOLVED = "holds", "does not hold", "not resolved at this noise level"
RIDGE_METRIC = "val_loss"


def expected_slope(variant: str) -> float | None:
    """The ridge slope the seed's pattern predicts for ``variant`` (None: "away from 0")."""
    convention = VARIANTS[variant].convention
    return {DecayConvention.PAPER: 0.0, DecayConvention.TORCH: -1.0}.get(convention)


def slope_verdict(variant: str, slope: Estimate) -> dict:
    """``status`` (supports / contradicts / unresolved), ``relation`` to 0 and ``reason``."""
    expected = expected_slope(variant)
    relation = {
        None: "no CI",
        True: "ridge slope CI excludes 0",
        False: "ridge slope CI includes 0",
    }[slope.excludes(0.0)]
    if not slope.available:
        why = "one seed: no interval" if slope.n_seeds < 2 else "slope undefined (see note)"
        return {"status": "unresolved", "relation": relation, "reason": why, "expected": expected}
    centre = 0.0 if expected is None else expected
    band = (centre - SLOPE_TOLERANCE, centre + SLOPE_TOLERANCE)
    inside = band[0] <= slope.low and slope.high <= band[1]
    outside = slope.high < band[0] or slope.low > band[1]
    if expected is None:  # L2: the best lambda' should move with alpha
        status = "supports" if outside else "contradicts" if inside else "unresolved"
        want = "best wd moves with lr"
    else:
        status = "supports" if inside else "contradicts" if outside else "unresolved"
        want = f"slope {expected:+g} (best decay rate independent of lr)"
    reason = (
        f"expected {want}; CI [{slope.low:+.2f}, {slope.high:+.2f}], "
        f"band [{band[0]:+.1f}, {band[1]:+.1f}]"
    )
    return {"status": status, "relation": relation, "reason": reason, "expected": expected}


def overall_verdict(statuses: dict[str, str]) -> str:
    """Holds / does not hold / not resolved, from the per-variant statuses (see module)."""
    if statuses and all(s == "supports" for s in statuses.values()):
        return HOLDS
    if any(s == "contradicts" for s in statuses.values()):
        return FAILS
    return UNRESOLVED


def margin_verdict(margin: Estimate) -> str:
    if not np.isfinite(margin.value):
        return "not enough data: one wd value"
    if not margin.available:
        return "not resolved: no CI (one seed)"
    if margin.low > 0:
        return "decay helps: margin CI above 0"
    if margin.high < 0:
        return "decay hurts: margin CI below 0"
    return "not shown: margin CI includes 0"


def ridge_estimates(loss: np.ndarray, acc: np.ndarray, lrs, wds) -> dict:
    """The ridge: per-row optima with intervals, the slope with its interval, and a note."""
    mean_loss, mean_acc = loss.mean(axis=0)[None], acc.mean(axis=0)[None]
    log_wd, learns, edge = (a[0] for a in measures.ridge_rows(mean_loss, mean_acc, wds))
    per_row = bootstrap_each(lambda lo, ac: measures.ridge_rows(lo, ac, wds)[0], loss, acc)
    slope = bootstrap(lambda lo, ac: measures.ridge_slope(lo, ac, lrs, wds), loss, acc)
    intercept = measures.ridge_intercept(mean_loss, mean_acc, lrs, wds)[0]
    n_interior = int(np.sum(learns & ~edge))
    note = ""
    if n_interior < measures.MIN_RIDGE_ROWS:
        note = (
            f"not enough data: {n_interior} learning-rate row(s) with an interior optimum on a "
            f"{len(lrs)} x {len(wds)} grid, need {measures.MIN_RIDGE_ROWS}"
        )
    rows = [
        {
            "lr": float(lr),
            "wd": float(10**x) if np.isfinite(x) else None,
            "low": 10**e.low if e.available else None,
            "high": 10**e.high if e.available else None,
            "learns": bool(ok),
            "edge": bool(at_edge),
        }
        for lr, x, e, ok, at_edge in zip(lrs, log_wd, per_row, learns, edge, strict=True)
    ]
    return {
        "metric": RIDGE_METRIC,
        "slope": slope.to_dict(),
        "intercept": float(intercept),
        "n_interior": n_interior,
        "rows": rows,
        "note": note,
    }


def measure_variant(result: SweepResult, variant: str, threshold: float) -> dict:
    """Every measured Q2.c quantity of one variant with its interval, and the verdicts."""
    config = result.config
    acc, loss = result.metric("val_acc", variant), result.metric("val_loss", variant)
    margin = bootstrap(measures.decay_margin, acc)
    wds = config.wd_grid(variant)
    matched = config.matched_cells(variant)
    ridge = ridge_estimates(loss, acc, config.lrs, wds)
    slope = Estimate(**ridge["slope"])
    verdict = slope_verdict(variant, slope)
    return {
        "best_val_acc": bootstrap(measures.best_accuracy, acc).to_dict(),
        "n_good": bootstrap(lambda a: measures.count_at_least(a, threshold, matched), acc).to_dict()
        | {"of": int(matched.sum()), "cells": "matched"},
        "separability": bootstrap(measures.separability, loss).to_dict()
        | {"surface": "log10 mean validation loss"},
        "decay_margin": margin.to_dict()
        | {"verdict": margin_verdict(margin), "no_decay_wd": float(wds[0])},
        "ridge": ridge | {"verdict": verdict},
    }


def estimate(block: dict) -> Estimate:
    """The :class:`Estimate` stored in a summary block (extra keys ignored)."""
    fields = {k: block[k] for k in asdict(Estimate(0.0, None, None, 0))}
    return Estimate(**fields)
