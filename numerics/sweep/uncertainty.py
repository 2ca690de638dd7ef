"""Confidence intervals from the seeds: a percentile bootstrap over the seed axis.

A sweep stores every metric per seed, ``(seeds, n_lr, n_wd)`` per variant. A quantity of the
surface (the best accuracy, the ridge slope, ...) is a function of the *mean over seeds*; its
uncertainty comes from which seeds were drawn. The bootstrap redraws the seed axis with
replacement ``RESAMPLES`` times from a fixed generator (``RNG_SEED``: the intervals are
reproducible), recomputes the mean surface of each redraw and the quantity on it, and reports
the 2.5th and 97.5th percentiles of the redrawn values as the 95% interval (Efron & Tibshirani
1993, ch. 13).

Two cautions, both said in the summary:

* With one seed there is nothing to redraw: the interval is **unavailable** (``None``), never a
  zero-width interval that would read as certainty.
* With few seeds (3 seeds have only 10 distinct redraws) the percentile interval understates the
  spread; more seeds narrow it honestly.

A redraw in which the quantity is undefined (NaN: e.g. fewer than 3 usable rows for a slope)
is left out of the percentiles; the fraction left out is reported, and above
``MAX_UNDEFINED`` the interval is unavailable.

A cell of a redraw is NaN (failed) when any seed drawn into it diverged, as for the mean over
all seeds (:func:`~wdproof.numerics.sweep.analysis.cell_mean_std`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
RNG_SEED = 2000
LEVEL = 0.95
#: Above this fraction of redraws with an undefined quantity, no interval is reported.
MAX_UNDEFINED = 0.5
#: Cells per block of redrawn surfaces held in memory at once.
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class Estimate:
    """A quantity measured on the mean surface, with its bootstrap interval (or ``None``)."""

    value: float
    low: float | None
    high: float | None
    n_seeds: int
    undefined_fraction: float = 0.0

    @property
    def available(self) -> bool:
        return self.low is not None and self.high is not None

    def excludes(self, x: float) -> bool | None:
        """True when the interval lies entirely on one side of ``x``; None without an interval."""
        if not self.available:
            return None
        return not (self.low <= x <= self.high)

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "n_seeds": self.n_seeds,
            "undefined_fraction": self.undefined_fraction,
        }

    def text(self, fmt: str = "{:.3f}") -> str:
        """``value [low, high]``, ``value [n/a]`` without an interval, ``n/a`` without a value."""
        if not np.isfinite(self.value):
            return "n/a"
        if not self.available:
            return f"{fmt.format(self.value)} [n/a]"
        return f"{fmt.format(self.value)} [{fmt.format(self.low)}, {fmt.format(self.high)}]"


def resample_weights(n_seeds: int, resamples: int = RESAMPLES, rng_seed: int = RNG_SEED):
    """``(resamples, n_seeds)`` weights: how often each seed was drawn, divided by ``n_seeds``."""
    rng = np.random.default_rng(rng_seed)
    draws = rng.integers(0, n_seeds, size=(resamples, n_seeds))
    counts = np.zeros((resamples, n_seeds))
    np.add.at(counts, (np.arange(resamples)[:, None], draws), 1.0)
    return counts / n_seeds


def resampled_means(per_seed: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(resamples, ...)`` mean surfaces of ``per_seed`` ``(seeds, ...)`` under ``weights``.

    NaN where a seed with nonzero weight is NaN (a diverged run drawn into that redraw).
    """
    values = np.nan_to_num(per_seed, nan=0.0)
    failed = np.isnan(per_seed).astype(float)
    out = np.einsum("bs,s...->b...", weights, values)
    hit = np.einsum("bs,s...->b...", weights, failed) > 0
    out[hit] = np.nan
    return out


def bootstrap_each(
    statistic: Callable[..., np.ndarray],
    *per_seed: np.ndarray,
    resamples: int = RESAMPLES,
    rng_seed: int = RNG_SEED,
    level: float = LEVEL,
) -> list[Estimate]:
    """One :class:`Estimate` per column of a statistic returning ``(B, K)`` values."""
    n_seeds = per_seed[0].shape[0]
    full = [a.mean(axis=0)[None] for a in per_seed]  # NaN where any seed diverged
    values = np.asarray(statistic(*full), dtype=float).reshape(1, -1)[0]
    if n_seeds < 2:
        return [Estimate(float(v), None, None, n_seeds) for v in values]
    weights = resample_weights(n_seeds, resamples, rng_seed)
    block = max(1, _BLOCK_CELLS // max(1, per_seed[0][0].size * n_seeds))
    redrawn = np.concatenate(
        [
            np.asarray(
                statistic(*(resampled_means(a, weights[start : start + block]) for a in per_seed)),
                dtype=float,
            ).reshape(-1, values.size)
            for start in range(0, resamples, block)
        ]
    )
    tail = 100 * (1 - level) / 2
    estimates = []
    for value, column in zip(values, redrawn.T, strict=True):
        defined = column[np.isfinite(column)]
        undefined = 1.0 - defined.size / resamples
        if not np.isfinite(value) or undefined > MAX_UNDEFINED:
            estimates.append(Estimate(float(value), None, None, n_seeds, undefined))
            continue
        low, high = np.percentile(defined, [tail, 100 - tail])
        estimates.append(Estimate(float(value), float(low), float(high), n_seeds, undefined))
    return estimates


def bootstrap(statistic: Callable[..., np.ndarray], *per_seed: np.ndarray, **options) -> Estimate:
    """``statistic`` of the seed-mean surfaces, with its percentile interval over redraws.

    ``statistic(*means)`` takes one or more ``(B, n_lr, n_wd)`` stacks of mean surfaces (one
    per array in ``per_seed``, each ``(seeds, n_lr, n_wd)``) and returns ``(B,)`` values, NaN
    where undefined: it is vectorized over redraws, so the same function computes the value
    (``B = 1``, the mean over all seeds) and the redraws. ``options``: ``resamples``,
    ``rng_seed``, ``level``.
    """
    (estimate,) = bootstrap_each(statistic, *per_seed, **options)
    return estimate
