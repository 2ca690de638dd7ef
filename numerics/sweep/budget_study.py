r"""Claim 2 of the paper's second half, measured: normalized weight decay across budgets (App. B).

Loshchilov & Hutter (2019), App. B: with ``lambda = lambda_norm sqrt(b / (B T))`` (``b`` batch
size, ``B`` training points, ``T`` epochs) *the best ``lambda_norm`` does not depend on the
training budget*, while the best raw ``lambda`` does (it must shrink as ``T^{-1/2}`` if the
former holds). The ``budget`` study (:mod:`.studies`) sweeps each budget ``T`` once on raw
rates and once on normalized ones, with the same seeds.

**The best decay of a run** is found as the ridge of :mod:`.measures` is, on one profile: for
each decay column the lowest mean validation loss over the learning rates, its arg-min refined
by a parabola in ``log10`` decay (an arg-min in the first or last column is an *edge optimum*:
the true one may lie off the grid). **The trend** is the least-squares slope ``s`` of ``log10``
best decay on ``log10 T`` over the budgets: the paper predicts ``s = 0`` for ``lambda_norm`` and
``s = -1/2`` for ``lambda``. Intervals: the seed bootstrap of :mod:`.uncertainty`, one redraw
of the seeds for every run (paired across budgets and both units).

**The rule** (``SLOPE_BAND = 0.25``: "stays put" allows the best value to change by less than
a factor ``10**0.25`` per decade of ``T``): the normalized optimum *stays put* when its slope's
interval lies inside ``[-0.25, 0.25]`` and *moves* when it lies wholly outside; the raw optimum
*moves* when its interval lies wholly outside the band and *stays put* when inside. The claim
**holds** when the normalized one stays put and the raw one moves, **does not hold** when the
normalized one moves or the raw one stays put, and is otherwise **not resolved at this noise
level** (also when an optimum sits at a grid edge, or with one seed).
"""

from __future__ import annotations

import numpy as np

from wdproof.numerics.sweep import measures
from wdproof.numerics.sweep.decoupling import FAILS, HOLDS, UNRESOLVED
from wdproof.numerics.sweep.store import SweepResult
from wdproof.numerics.sweep.uncertainty import Estimate, bootstrap_each

SLOPE_BAND = 0.25
KINDS = ("raw", "normalized")
#: The slope of log10 best decay on log10 T the paper's normalization predicts.
PREDICTED_SLOPE = {"raw": -0.5, "normalized": 0.0}
UNIT = {"raw": "lambda", "normalized": "lambda_norm"}
STATEMENT = (
    "With normalized weight decay lambda = lambda_norm sqrt(b/(B T)) the best lambda_norm stays "
    "put when the training budget T changes, while the best raw lambda moves (paper App. B)."
)


def budgets(results: dict[str, SweepResult]) -> list[int]:
    """The budgets (steps) of a budget study's results, ascending."""
    return sorted(int(label.split("-T")[1]) for label in results if label.startswith("raw-T"))


def _profile(loss: np.ndarray, acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(B, 1, n_wd)`` profiles: lowest loss and highest accuracy over the learning rates."""
    low = np.min(np.where(np.isnan(loss), np.inf, loss), axis=1, keepdims=True)
    high = np.max(np.where(np.isnan(acc), -np.inf, acc), axis=1, keepdims=True)
    return np.where(np.isfinite(low), low, np.nan), np.where(np.isfinite(high), high, np.nan)


def best_log_decay(loss: np.ndarray, acc: np.ndarray, wds) -> tuple[np.ndarray, np.ndarray]:
    """``log10`` of the best decay column of each stack of mean surfaces ``(B, n_lr, n_wd)``
    (NaN when the profile does not learn), and whether it is an edge optimum: ``(B,)`` each."""
    log_wd, _, edge = measures.ridge_rows(*_profile(loss, acc), wds)
    return log_wd[:, 0], edge[:, 0]


def slope(log_best: np.ndarray, steps) -> np.ndarray:
    """Least-squares slope of ``log_best`` ``(B, n_T)`` on ``log10 steps`` (NaN if any is)."""
    x = np.log10(np.asarray(steps, dtype=float))
    dx = x - x.mean()
    return np.sum(dx * (log_best - log_best.mean(axis=1, keepdims=True)), axis=1) / np.sum(dx**2)


def trend_status(kind: str, estimate: Estimate, edge: bool) -> str:
    """``stays put`` / ``moves`` / ``unresolved`` for one unit's slope (module rule)."""
    if edge or not estimate.available:
        return "unresolved"
    if -SLOPE_BAND <= estimate.low and estimate.high <= SLOPE_BAND:
        return "stays put"
    if estimate.high < -SLOPE_BAND or estimate.low > SLOPE_BAND:
        return "moves"
    return "unresolved"


def claim_verdict(statuses: dict[str, str]) -> str:
    if statuses["normalized"] == "stays put" and statuses["raw"] == "moves":
        return HOLDS
    if statuses["normalized"] == "moves" or statuses["raw"] == "stays put":
        return FAILS
    return UNRESOLVED


def measure_variant(results: dict[str, SweepResult], variant: str) -> dict:
    """Best decay per budget in both units with intervals, the two slopes and the verdict."""
    steps = budgets(results)
    runs = [(kind, t, results[f"{kind}-T{t}"]) for kind in KINDS for t in steps]
    wds = [r.config.wd_grid(variant) for _, _, r in runs]
    losses = [r.metric("val_loss", variant) for _, _, r in runs]
    accs = [r.metric("val_acc", variant) for _, _, r in runs]
    n = len(runs)

    def statistic(*means):
        best = np.stack(
            [best_log_decay(means[k], means[n + k], wds[k])[0] for k in range(n)], axis=1
        )
        per_kind = best.reshape(best.shape[0], len(KINDS), len(steps))
        slopes = np.stack([slope(per_kind[:, i], steps) for i in range(len(KINDS))], axis=1)
        return np.concatenate([best, slopes], axis=1)

    estimates = bootstrap_each(statistic, *losses, *accs)
    edges = [bool(best_log_decay(l.mean(0)[None], a.mean(0)[None], w)[1][0])
             for l, a, w in zip(losses, accs, wds, strict=True)]  # fmt: skip
    block: dict = {"budgets": [], "trend": {}}
    for i, t in enumerate(steps):
        config = results[f"raw-T{t}"].config
        entry = {"steps": t, "epochs": config.epochs, "scale": _scale(results, t)}
        for j, kind in enumerate(KINDS):
            k = j * len(steps) + i
            entry[kind] = _best_entry(estimates[k], edges[k], kind, entry["scale"])
        block["budgets"].append(entry)
    statuses = {}
    for j, kind in enumerate(KINDS):
        estimate = estimates[n + j]
        edge = any(edges[j * len(steps) : (j + 1) * len(steps)])
        statuses[kind] = trend_status(kind, estimate, edge)
        block["trend"][kind] = estimate.to_dict() | {
            "predicted": PREDICTED_SLOPE[kind],
            "status": statuses[kind],
            "edge_optimum": edge,
            "unit": UNIT[kind],
        }
    block["verdict"] = claim_verdict(statuses)
    return block


def _scale(results: dict[str, SweepResult], steps: int) -> float:
    """``sqrt(b / (B T))`` of the budget ``steps`` (from its normalized run)."""
    return results[f"normalized-T{steps}"].config.decay_scale


def _best_entry(estimate: Estimate, edge: bool, kind: str, scale: float) -> dict:
    """The best decay of one run: value and interval in its own unit and in the other one."""

    def power(x):
        return None if x is None or not np.isfinite(x) else float(10**x)

    own = {"value": power(estimate.value), "low": power(estimate.low),
           "high": power(estimate.high)}  # fmt: skip
    # lambda = lambda_norm sqrt(b/(B T)): the same optimum read in the other unit
    factor = 1 / scale if kind == "raw" else scale
    other = {k: None if v is None else v * factor for k, v in own.items()}
    return {
        "unit": UNIT[kind],
        **own,
        "log10": estimate.to_dict(),
        "edge_optimum": edge,
        "as_" + UNIT["normalized" if kind == "raw" else "raw"]: other,
    }


def claims(results: dict[str, SweepResult]) -> dict:
    """The ``budget`` study's measured claim per variant: ``{"variants": ..., "claims": [...]}``."""
    config = results[f"raw-T{budgets(results)[0]}"].config
    variants = {v: measure_variant(results, v) for v in config.variants}
    verdicts = {v: b["verdict"] for v, b in variants.items()}
    overall = (
        HOLDS
        if all(v == HOLDS for v in verdicts.values())
        else FAILS
        if any(v == FAILS for v in verdicts.values())
        else UNRESOLVED
    )
    claim = {
        "id": "normalized-decay-budget-invariance",
        "question": "schedules",
        "source": "Loshchilov & Hutter 2019, App. B (normalized weight decay)",
        "statement": STATEMENT,
        "measure": "best decay (lowest validation loss over the learning rates) per budget T",
        "measured": "; ".join(f"{v}: {describe(b)}" for v, b in variants.items()),
        "verdicts": verdicts,
        "verdict": overall,
    }
    return {"variants": variants, "claims": [claim]}


def describe(block: dict) -> str:
    """One line: best decay per budget in each unit, the slopes with intervals and predictions."""
    parts = []
    for kind in KINDS:
        values = ", ".join(
            f"T={b['steps']}: {_num(b[kind]['value'])} [{_num(b[kind]['low'])}, "
            f"{_num(b[kind]['high'])}]{' (edge)' if b[kind]['edge_optimum'] else ''}"
            for b in block["budgets"]
        )
        trend = block["trend"][kind]
        slope_text = Estimate(trend["value"], trend["low"], trend["high"], trend["n_seeds"]).text(
            "{:+.2f}"
        )
        parts.append(
            f"best {UNIT[kind]} {values}; slope in log10 T {slope_text} (paper: "
            f"{trend['predicted']:+.1f}): {trend['status']}"
        )
    return "; ".join(parts)


def _num(x) -> str:
    return "n/a" if x is None else f"{x:.3g}"
