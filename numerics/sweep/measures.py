"""What the paper claims, as functions of a sweep's mean surfaces (problem set Q2.c).

Every function takes stacks of mean-over-seeds surfaces, shape ``(B, n_lr, n_wd)``, and
returns ``(B,)`` values (NaN where undefined), so that :func:`~.uncertainty.bootstrap` computes
the value on the mean over all seeds (``B = 1``) and on every redraw of the seeds alike. A NaN
cell is a failed one: some seed drawn into it diverged.

* :func:`best_accuracy` -- the best mean validation accuracy of the grid.
* :func:`count_at_least` -- how many cells (of the matched ones) reach the threshold.
* :func:`decay_margin` -- "does decay help": the best accuracy at any ``wd`` above the grid's
  smallest minus the best at the smallest. The smallest grid ``wd`` stands in for no decay
  (the grid is log-spaced and cannot hold 0), so the margin is "decay above the smallest
  grid value helps", which is "decay helps" when that value is negligible.
* :func:`ridge_rows` / :func:`ridge_slope` -- the **best-wd ridge**: for each learning rate
  ``alpha`` the ``wd`` that *minimizes the mean validation loss* (the loss, not the accuracy:
  a few hundred validation points make the accuracy a step function with ties and flat
  plateaus, where the arg-max is decided by noise; the loss is continuous). The optimum is
  refined by a parabola through ``log10 loss`` at the arg-min and its two neighbours, in
  ``log10 wd``, clipped to the neighbours. An arg-min in the first or last column is an
  *edge optimum* (the true optimum may lie off the grid). Only rows that learn count: the
  row's best accuracy must reach halfway from the surface's lowest to its highest accuracy
  (this needs no class count, and drops learning rates too small or too large to train).
  The slope ``s`` is the least-squares fit of ``log10 wd* = c + s log10 alpha`` over the rows
  that learn and have an interior optimum; with fewer than ``MIN_RIDGE_ROWS`` it is NaN.
* :func:`separability` -- the fraction of the variance of the ``log10`` mean validation loss
  surface that the additive fit ``f(alpha) + g(wd)`` explains (two-way ANOVA main effects,
  ``R^2``). 1 means the best ``wd`` cannot depend on ``alpha`` (the surface is a sum); what is
  left is interaction. The log makes a loss bowl ``exp(a(log alpha) + b(log wd))`` exactly
  additive. Failed cells take the surface's highest loss. A flat surface has no variance: NaN.
  The score discriminates weakly: a quadratic bowl along the diagonal ``alpha wd = const``
  still scores about 0.8 (only its cross term is interaction), so compare variants with it
  rather than read it alone.
"""

from __future__ import annotations

import numpy as np

#: Fewest rows (learning rates) with an interior optimum for which a slope is fitted.
MIN_RIDGE_ROWS = 3


def _max(stack: np.ndarray) -> np.ndarray:
    """Max over all but the first axis, NaN cells ignored, NaN when every cell is NaN."""
    flat = stack.reshape(stack.shape[0], -1)
    filled = np.where(np.isnan(flat), -np.inf, flat)
    best = filled.max(axis=1) if flat.shape[1] else np.full(flat.shape[0], -np.inf)
    return np.where(np.isfinite(best), best, np.nan)


def best_accuracy(acc: np.ndarray) -> np.ndarray:
    """Best mean validation accuracy of each surface."""
    return _max(acc)


def count_at_least(
    acc: np.ndarray, threshold: float, where: np.ndarray | None = None
) -> np.ndarray:
    """Number of cells (of the ``(n_lr, n_wd)`` mask ``where``, default all) with mean accuracy
    ``>= threshold`` (failed cells never count)."""
    good = np.nan_to_num(acc, nan=-np.inf) >= threshold
    if where is not None:
        good &= where
    return np.sum(good, axis=(1, 2)).astype(float)


def decay_margin(acc: np.ndarray) -> np.ndarray:
    """Best accuracy at ``wd`` above the grid's smallest minus the best at the smallest."""
    if acc.shape[2] < 2:
        return np.full(acc.shape[0], np.nan)
    return _max(acc[:, :, 1:]) - _max(acc[:, :, :1])


def separability(loss: np.ndarray) -> np.ndarray:
    """``R^2`` of the additive fit ``f(alpha) + g(wd)`` to each ``log10`` loss surface."""
    if min(loss.shape[1:]) < 2:
        return np.full(loss.shape[0], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        surface = np.where(np.isfinite(loss) & (loss > 0), np.log10(loss), np.nan)
    highest = _max(surface)[:, None, None]
    surface = np.where(np.isnan(surface), highest, surface)
    grand = surface.mean(axis=(1, 2), keepdims=True)
    additive = surface.mean(axis=2, keepdims=True) + surface.mean(axis=1, keepdims=True) - grand
    total = np.sum((surface - grand) ** 2, axis=(1, 2))
    residual = np.sum((surface - additive) ** 2, axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 1e-12, 1.0 - residual / total, np.nan)


def _vertex(x0, x1, x2, y0, y1, y2) -> np.ndarray:
    """Abscissa of the parabola's vertex through three points; ``x1`` if it is not convex."""
    with np.errstate(invalid="ignore", divide="ignore"):
        curvature = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / (
            (x0 - x1) * (x0 - x2) * (x1 - x2)
        )
        linear = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / (
            (x0 - x1) * (x0 - x2) * (x1 - x2)
        )
        vertex = -linear / (2 * curvature)
    ok = np.isfinite(vertex) & (curvature > 0)
    return np.clip(np.where(ok, vertex, x1), np.minimum(x0, x2), np.maximum(x0, x2))


def ridge_rows(loss: np.ndarray, acc: np.ndarray, wds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: ``log10 wd*`` (NaN if the row does not learn), learns, edge optimum; ``(B, n_lr)``.

    See the module docstring for the rule.
    """
    x = np.log10(np.asarray(wds, dtype=float))
    n_wd = x.size
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(np.isfinite(loss) & (loss > 0), np.log10(loss), np.inf)
    j = np.argmin(score, axis=2)  # (B, n_lr)
    finite_row = np.isfinite(np.take_along_axis(score, j[..., None], axis=2)[..., 0])
    low = np.nanmin(np.where(np.isnan(acc), np.inf, acc), axis=(1, 2))
    high = _max(acc)
    row_best = np.nanmax(np.where(np.isnan(acc), -np.inf, acc), axis=2)
    learns = finite_row & (row_best >= ((low + high) / 2)[:, None]) & (high > low)[:, None]
    edge = (j == 0) | (j == n_wd - 1)
    log_wd = x[j]
    if n_wd >= 3:
        jl, jr = np.clip(j - 1, 0, n_wd - 1), np.clip(j + 1, 0, n_wd - 1)

        def at(k):
            return np.take_along_axis(score, k[..., None], axis=2)[..., 0]

        y0, y1, y2 = at(jl), at(j), at(jr)
        interior = ~edge & np.isfinite(y0) & np.isfinite(y2)
        refined = _vertex(
            x[jl], x[j], x[jr], np.where(interior, y0, 0), y1, np.where(interior, y2, 0)
        )
        log_wd = np.where(interior, refined, log_wd)
    return np.where(learns, log_wd, np.nan), learns, edge & learns


def ridge_slope(loss: np.ndarray, acc: np.ndarray, lrs, wds) -> np.ndarray:
    """Least-squares slope of ``log10 wd*`` on ``log10 alpha`` over interior rows that learn."""
    log_wd, learns, edge = ridge_rows(loss, acc, wds)
    use = learns & ~edge
    x = np.log10(np.asarray(lrs, dtype=float))[None, :]
    n = use.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = np.sum(np.where(use, x, 0), axis=1) / n
        y_mean = np.sum(np.where(use, log_wd, 0), axis=1) / n
        dx = np.where(use, x - x_mean[:, None], 0)
        dy = np.where(use, log_wd - y_mean[:, None], 0)
        sxx = np.sum(dx * dx, axis=1)
        slope = np.sum(dx * dy, axis=1) / sxx
    return np.where((n >= MIN_RIDGE_ROWS) & (sxx > 0), slope, np.nan)


def ridge_intercept(loss: np.ndarray, acc: np.ndarray, lrs, wds) -> np.ndarray:
    """Intercept ``c`` of the same fit (``log10 wd*`` at ``alpha = 1``)."""
    log_wd, learns, edge = ridge_rows(loss, acc, wds)
    use = learns & ~edge
    x = np.log10(np.asarray(lrs, dtype=float))[None, :]
    slope = ridge_slope(loss, acc, lrs, wds)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = use.sum(axis=1)
        x_mean = np.sum(np.where(use, x, 0), axis=1) / n
        y_mean = np.sum(np.where(use, log_wd, 0), axis=1) / n
    return y_mean - slope * x_mean
