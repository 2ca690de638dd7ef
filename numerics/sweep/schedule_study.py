"""Claim 1 of the paper's second half, measured: Adam(W) gains from cosine annealing (Sec. 3).

Loshchilov & Hutter (2019), Sec. 3 and Fig. 1: *Adam can substantially benefit from a scheduled
learning rate multiplier*: with cosine annealing AdamW and Adam + L2 reach a better best
accuracy, and (Fig. 1's heatmaps) a larger region of good hyperparameters, than with a fixed
``eta``. The ``schedules`` study (:mod:`.studies`) runs one grid under each schedule with the
same seeds (the same initial weights and minibatch order per seed), so each comparison is
*paired*: the bootstrap redraws one set of seeds for both surfaces (:mod:`.uncertainty`), and
the interval is that of the difference ``other - constant``.

Measured per variant and schedule: the best mean validation accuracy and the number of matched
cells at or above the threshold (the good region), each with its 95% interval; then the paired
differences against the constant schedule. **The rule** for "the schedule improves X over
constant": *holds* when the difference's interval lies above 0, *does not hold* when it lies
at or below 0 (no redraw of the seeds shows a gain), otherwise *not resolved at this noise
level* (also with one seed: no interval). A claim over several variants holds when every
variant's holds, does not hold when any does not, and is otherwise not resolved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep import measures
from wdproof.numerics.sweep.decoupling import FAILS, HOLDS, UNRESOLVED, estimate
from wdproof.numerics.sweep.store import SweepResult
from wdproof.numerics.sweep.uncertainty import Estimate, bootstrap, bootstrap_each


@dataclass(frozen=True)
class ScheduleClaim:
    """A claim "``schedule`` improves ``measure`` over the constant multiplier"."""

    id: str
    schedule: str
    measure: str
    statement: str


#: The claims measured by the study, each against the constant schedule.
CLAIMS = (
    ScheduleClaim(
        "cosine-raises-best-accuracy",
        "cosine",
        "best_val_acc",
        "Cosine annealing raises the best validation accuracy of AdamW and of Adam + L2 over a "
        "constant schedule multiplier (paper Sec. 3, Fig. 1).",
    ),
    ScheduleClaim(
        "cosine-enlarges-good-region",
        "cosine",
        "n_good",
        "Cosine annealing enlarges the region of good (learning rate, decay) settings of AdamW "
        "and of Adam + L2 over a constant multiplier (paper Fig. 1).",
    ),
    ScheduleClaim(
        "warm-restarts-raise-best-accuracy",
        "warm-restarts",
        "best_val_acc",
        "Warm restarts (AdamWR; three periods T_0, 2 T_0, 4 T_0 ending with the run) raise the "
        "best validation accuracy over a constant multiplier (paper Sec. 3, App. B).",
    ),
)
MEASURES = {"best_val_acc": "best mean validation accuracy", "n_good": "good (matched) cells"}


def _statistics(threshold: float, matched: np.ndarray):
    def best(acc):
        return measures.best_accuracy(acc)

    def good(acc):
        return measures.count_at_least(acc, threshold, matched)

    return {"best_val_acc": best, "n_good": good}


def verdict(difference: Estimate) -> str:
    """Holds / does not hold / not resolved for "the difference is positive" (module rule)."""
    if not difference.available:
        return UNRESOLVED
    if difference.low > 0:
        return HOLDS
    if difference.high <= 0:
        return FAILS
    return UNRESOLVED


def overall(verdicts: list[str]) -> str:
    if verdicts and all(v == HOLDS for v in verdicts):
        return HOLDS
    if any(v == FAILS for v in verdicts):
        return FAILS
    return UNRESOLVED


def measure_variant(results: dict[str, SweepResult], variant: str, threshold: float) -> dict:
    """Per schedule the two measures with intervals, and per other schedule the paired
    differences against ``constant`` with their verdicts."""
    constant = results["constant"]
    matched = constant.config.matched_cells(variant)
    stats = _statistics(threshold, matched)
    acc = {name: r.metric("val_acc", variant) for name, r in results.items()}
    block: dict = {"label": VARIANTS[variant].label, "schedules": {}, "versus_constant": {}}
    for name in results:
        block["schedules"][name] = {
            key: bootstrap(fn, acc[name]).to_dict() for key, fn in stats.items()
        } | {"matched_cells": int(matched.sum())}
    for name in results:
        if name == "constant":
            continue
        block["versus_constant"][name] = {}
        for key, fn in stats.items():

            def difference(other, base, fn=fn):
                return fn(other) - fn(base)

            (estimate,) = bootstrap_each(difference, acc[name], acc["constant"])
            block["versus_constant"][name][key] = estimate.to_dict() | {
                "verdict": verdict(estimate)
            }
    return block


def claims(results: dict[str, SweepResult], threshold: float) -> dict:
    """The ``schedules`` study's measured claims: ``{"variants": ..., "claims": [...]}``."""
    config = results["constant"].config
    variants = {v: measure_variant(results, v, threshold) for v in config.variants}
    out = []
    for claim in CLAIMS:
        schedule, key = claim.schedule, claim.measure
        if schedule not in results:
            continue
        per_variant = {v: variants[v]["versus_constant"][schedule][key] for v in variants}
        measured = "; ".join(f"{v}: {_text(variants[v], schedule, key)}" for v in variants)
        out.append(
            {
                "id": claim.id,
                "question": "schedules",
                "source": "Loshchilov & Hutter 2019, Sec. 3 / Fig. 1",
                "statement": claim.statement,
                "measure": MEASURES[key],
                "measured": measured,
                "verdicts": {v: d["verdict"] for v, d in per_variant.items()},
                "verdict": overall([d["verdict"] for d in per_variant.values()]),
            }
        )
    return {"variants": variants, "claims": out}


def _fmt(key: str) -> str:
    return "{:.3f}" if key == "best_val_acc" else "{:.0f}"


def _text(block: dict, schedule: str, key: str) -> str:
    """``constant 0.951 [...] -> cosine 0.962 [...], difference +0.011 [+0.004, +0.018]``."""
    fmt = _fmt(key)
    base = estimate(block["schedules"]["constant"][key])
    other = estimate(block["schedules"][schedule][key])
    diff = estimate(block["versus_constant"][schedule][key])
    signed = "{:+.3f}" if key == "best_val_acc" else "{:+.0f}"
    return (
        f"constant {base.text(fmt)} -> {schedule} {other.text(fmt)}, difference {diff.text(signed)}"
    )
