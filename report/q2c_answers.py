r"""Problem set Q2.c answered in sentences, every number computed from saved sweep results.

The seed asks (a) how the accuracy heatmaps, then the loss heatmaps, of $L_2$-regularized Adam
and AdamW compare; (b) what changes on harder or easier data; (c) what that says about tuning
them, with the best validation accuracies and how often a setting reaches the threshold (90%).

Each sentence is built here from the arrays of ``results.npz`` (through
:class:`~wdproof.numerics.sweep.store.SweepResult`), never typed: a number comes with its 95%
percentile bootstrap interval over seeds, and a comparison between two variants is *paired*
(one redraw of the seeds serves both surfaces, :mod:`wdproof.numerics.sweep.uncertainty`), so
seed-to-seed noise shared by the variants cancels. A comparison whose interval contains 0 is
reported as not shown by the data, never as a difference. Adam + $L_2$ is the baseline; each
AdamW parameterisation of the sweep is compared with it.

The statistics (all over the seed-mean surface of one variant):

* best accuracy $\max \bar a(\alpha, \mathrm{wd})$ (:func:`measures.best_accuracy`);
* good share: the fraction of *matched* cells (decay per step in the range every variant covers)
  with $\bar a \ge$ threshold (:func:`measures.count_at_least` over
  :meth:`SweepConfig.matched_cells`);
* separability: $R^2$ of $f(\alpha) + g(\mathrm{wd})$ fitted to $\log_{10}$ of the mean loss
  (:func:`measures.separability`); 1 means the loss surface is a sum of a learning-rate part and
  a decay part, the two tuned independently;
* the ridge slope and the decay margin, as :mod:`wdproof.numerics.sweep.decoupling` measures them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wdproof.numerics.confirmation import tex_number
from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.sweep import measures
from wdproof.numerics.sweep.decoupling import estimate
from wdproof.numerics.sweep.store import SweepResult
from wdproof.numerics.sweep.uncertainty import Estimate, bootstrap
from wdproof.report.latex import escape

BASELINE = "adam-l2"
ALPHA = r"\alpha = "


@dataclass(frozen=True)
class Other:
    """A preset of Q2.c(b): its name, one line on its data, and its result."""

    preset: str
    description: str
    result: SweepResult


def _pct(x: float) -> str:
    return f"{100 * x:.1f}\\%"


def _threshold(x: float) -> str:
    return f"{100 * x:g}\\%"


def _ci(e: Estimate, scale: float = 100.0, fmt: str = "{:.1f}", unit: str = "\\%") -> str:
    """``99.0% [98.7, 99.3]`` (as LaTeX prose, inside ``$...$``-free text)."""
    if not math.isfinite(e.value):
        return "n/a"
    value = fmt.format(scale * e.value) + unit
    if not e.available:
        return value + " (one seed: no interval)"
    return f"{value} [{fmt.format(scale * e.low)}, {fmt.format(scale * e.high)}]"


def _signed(e: Estimate, scale: float = 100.0, unit: str = " points", digits: int = 1) -> str:
    """A paired difference: ``+0.3 points [-0.2, +0.7]`` with real minus signs."""

    def s(x: float) -> str:
        return f"{scale * x:+.{digits}f}".replace("-", "$-$").replace("+", "$+$")

    if not math.isfinite(e.value):
        return "n/a"
    if not e.available:
        return s(e.value) + unit + " (one seed: no interval)"
    return f"{s(e.value)}{unit} [{s(e.low)}, {s(e.high)}]"


#: Names in sentences (the figures' legends carry the full labels with each decay rule).
SHORT = {
    "adam-l2": "Adam + $L_2$",
    "adamw-torch": "AdamW (PyTorch)",
    "adamw-paper": "AdamW (paper)",
}
MARGIN_WORDS = {"decay helps": "helps", "decay hurts": "hurts", "not shown": "not shown"}


def _label(variant: str) -> str:
    return SHORT.get(variant, VARIANTS[variant].label)


def _good_share(config, variant: str, threshold: float):
    matched = config.matched_cells(variant)
    n = max(int(matched.sum()), 1)
    return lambda acc: measures.count_at_least(acc, threshold, matched) / n


def _paired(stat_a, stat_b, a: np.ndarray, b: np.ndarray) -> Estimate:
    """``stat_a(a) - stat_b(b)`` with one seed redraw for both (paired bootstrap)."""
    return bootstrap(lambda x, y: stat_a(x) - stat_b(y), a, b)


def _shown(e: Estimate) -> bool | None:
    """True when the paired interval excludes 0, False when it contains it, None without one."""
    return e.excludes(0.0)


@dataclass(frozen=True)
class _Measured:
    best: Estimate
    good: Estimate
    separability: Estimate
    lowest_loss: float
    lowest_loss_at: tuple[float, float]
    slope: dict
    margin: dict


def _measure(result: SweepResult, variant: str, threshold: float) -> _Measured:
    config = result.config
    acc, loss = result.metric("val_acc", variant), result.metric("val_loss", variant)
    from wdproof.numerics.sweep.decoupling import measure_variant

    measured = measure_variant(result, variant, threshold)
    mean_loss = np.where(np.isnan(loss).any(axis=0), np.nan, loss.mean(axis=0))
    if np.all(np.isnan(mean_loss)):
        lowest, at = math.nan, (math.nan, math.nan)
    else:
        k, m = np.unravel_index(np.nanargmin(mean_loss), mean_loss.shape)
        lowest, at = (
            float(mean_loss[k, m]),
            (float(config.lrs[k]), float(config.wd_grid(variant)[m])),
        )
    return _Measured(
        best=bootstrap(measures.best_accuracy, acc),
        good=bootstrap(_good_share(config, variant, threshold), acc),
        separability=bootstrap(measures.separability, loss),
        lowest_loss=lowest,
        lowest_loss_at=at,
        slope=measured["ridge"],
        margin=measured["decay_margin"],
    )


def _math(x: float, prefix: str = "") -> str:
    """A grid value as inline math: ``$1.4\\times 10^{-2}$``, after ``prefix`` (LaTeX)."""
    if not math.isfinite(x):
        return "n/a"
    return f"${prefix}{tex_number(x, '.2g')}$"


def _symbol(variant: str) -> str:
    return f"${VARIANTS[variant].hyperparameter}$"


def _verdict_word(diff: Estimate, higher: str, lower: str) -> str:
    shown = _shown(diff)
    if shown is None:
        return "one seed gives no interval, so the data cannot say whether they differ"
    if not shown:
        return "the interval contains 0: the data do not show a difference"
    return higher if diff.value > 0 else lower


def _first_good_lr(result: SweepResult, variant: str, threshold: float) -> float:
    """The smallest learning rate at which some cell's mean accuracy reaches the threshold."""
    acc = result.metric("val_acc", variant)
    mean = np.where(np.isnan(acc).any(axis=0), -np.inf, acc.mean(axis=0))
    rows = np.flatnonzero((mean >= threshold).any(axis=1))
    return float(result.config.lrs[rows[0]]) if rows.size else math.nan


def _slope_text(variant: str, ridge: dict) -> str:
    e = estimate(ridge["slope"])
    expected = {"adam-l2": "away from 0", "adamw-paper": "0", "adamw-torch": "$-1$"}.get(
        variant, "?"
    )
    status = ridge["verdict"]["status"]
    slope = _signed(e, 1.0, "", 2)
    return f"{_label(variant)} {slope} (the pattern predicts {expected}: {status})"


def part_a(result: SweepResult, threshold: float) -> list[str]:
    """Q2.c(a): the accuracy heatmaps compared, then the loss heatmaps."""
    config = result.config
    others = [v for v in config.variants if v != BASELINE]
    m = {v: _measure(result, v, threshold) for v in config.variants}
    base_acc = result.metric("val_acc", BASELINE)
    t = _threshold(threshold)
    items: list[list[str]] = []
    bests = "; ".join(f"{_label(v)} {_ci(m[v].best)}" for v in config.variants)
    items.append(
        [
            (
                f"\\emph{{Accuracy, what is alike.}} Every variant reaches a high best mean "
                f"validation accuracy ({bests})."
            )
        ]
    )
    for v in others:
        diff = _paired(
            measures.best_accuracy, measures.best_accuracy, result.metric("val_acc", v), base_acc
        )
        items[-1].append(
            f"Paired with Adam + $L_2$, {_label(v)} differs by {_signed(diff)}: "
            + _verdict_word(diff, f"{_label(v)} is better", "Adam + $L_2$ is better")
            + "."
        )
    first = {v: _first_good_lr(result, v, threshold) for v in config.variants}
    if all(math.isfinite(x) for x in first.values()):
        slowest = max(first.values())
        items[-1].append(
            f"All variants need a large enough learning rate: no setting reaches {t} below "
            + ", ".join(f"{_math(first[v], ALPHA)} ({_label(v)})" for v in config.variants)
            + f"; with {config.steps} steps a smaller $\\alpha$ does not train far enough"
            + (", whatever the decay." if slowest > config.lrs[0] else ".")
        )
    shares = "; ".join(f"{_label(v)} {_ci(m[v].good)}" for v in config.variants)
    items.append(
        [
            (
                f"\\emph{{Accuracy, what differs.}} The share of matched settings at or above "
                f"{t} is {shares}."
            )
        ]
    )
    for v in others:
        diff = _paired(
            _good_share(config, v, threshold),
            _good_share(config, BASELINE, threshold),
            result.metric("val_acc", v),
            base_acc,
        )
        items[-1].append(
            f"{_label(v)} minus Adam + $L_2$: {_signed(diff)}; "
            + _verdict_word(
                diff,
                f"{_label(v)} has the larger good region",
                "Adam + $L_2$ has the larger good region",
            )
            + "."
        )
    slopes = "; ".join(_slope_text(v, m[v].slope) for v in config.variants)
    items.append(
        [
            (
                "\\emph{Shape of the good region.} The ridge (for each $\\alpha$, the decay with "
                f"the lowest mean validation loss) has slope: {slopes}."
            )
        ]
    )
    lows = "; ".join(
        f"{_label(v)} {m[v].lowest_loss:.3f} at {_math(m[v].lowest_loss_at[0], ALPHA)}, "
        f"{_math(m[v].lowest_loss_at[1], VARIANTS[v].hyperparameter + ' = ')}"
        for v in config.variants
    )
    items.append([f"\\emph{{Loss.}} The lowest mean validation loss is {lows}."])
    seps = "; ".join(
        f"{_label(v)} {_ci(m[v].separability, 1.0, '{:.2f}', '')}" for v in config.variants
    )
    items[-1].append(
        "How far the log-loss surface is a sum of a learning-rate part and a decay part "
        f"(separability $R^2$, 1 for fully separate tuning): {seps}."
    )
    for v in others:
        diff = _paired(
            measures.separability,
            measures.separability,
            result.metric("val_loss", v),
            result.metric("val_loss", BASELINE),
        )
        items[-1].append(
            f"{_label(v)} minus Adam + $L_2$: {_signed(diff, 1.0, '', 2)}; "
            + _verdict_word(
                diff,
                f"the loss of {_label(v)} separates better",
                "the loss of Adam + $L_2$ separates better",
            )
            + "."
        )
    return [" ".join(item) for item in items]


def part_b(result: SweepResult, others: list[Other], threshold: float) -> dict:
    """Q2.c(b): ``rows`` (preset, variant, best accuracy, good share, decay against none) for
    a table, and one item per preset comparing it with part (a) and the variants within it."""
    config = result.config
    base = {v: _measure(result, v, threshold) for v in config.variants}
    rows = [
        (
            escape(config.preset),
            _label(v),
            _ci(base[v].best),
            _ci(base[v].good),
            MARGIN_WORDS.get(base[v].margin["verdict"].split(":")[0], "?"),
        )
        for v in config.variants
    ]
    items = []
    for other in others:
        oc = other.result.config
        m = {v: _measure(other.result, v, threshold) for v in oc.variants}
        rows += [
            (
                escape(other.preset),
                _label(v),
                _ci(m[v].best),
                _ci(m[v].good),
                MARGIN_WORDS.get(m[v].margin["verdict"].split(":")[0], "?"),
            )
            for v in oc.variants
        ]
        common = [v for v in oc.variants if v in base]
        moved = {
            v: ("lower" if m[v].best.high < base[v].best.low else "higher")
            for v in common
            if m[v].best.available
            and base[v].best.available
            and (m[v].best.high < base[v].best.low or m[v].best.low > base[v].best.high)
        }
        if moved and len(set(moved.values())) == 1 and len(moved) == len(common):
            against_a = f"every variant's best accuracy is {next(iter(moved.values()))}"
        elif moved:
            against_a = "the best accuracy is " + ", ".join(
                f"{word} for {_label(v)}" for v, word in moved.items()
            )
        else:
            against_a = "no variant's best accuracy leaves its interval"
        pairs = []
        for v in oc.variants:
            if v == BASELINE:
                continue
            diff = _paired(
                measures.best_accuracy,
                measures.best_accuracy,
                other.result.metric("val_acc", v),
                other.result.metric("val_acc", BASELINE),
            )
            pairs.append(
                f"{_label(v)} minus Adam + $L_2$ {_signed(diff)} ("
                + _verdict_word(diff, "AdamW better", "Adam + $L_2$ better")
                + ")"
            )
        items.append(
            f"\\emph{{{escape(other.preset)}}} ({escape(other.description)}): against part (a), "
            f"{against_a}. Best accuracy between the algorithms: " + "; ".join(pairs) + "."
        )
    return {"rows": rows, "items": items}


def part_c(
    result: SweepResult, others: list[Other], threshold: float
) -> tuple[list[str], list[str]]:
    """Q2.c(c): the conjecture the numbers support, and what they do not show."""
    config = result.config
    m = {v: _measure(result, v, threshold) for v in config.variants}
    base_acc = result.metric("val_acc", BASELINE)
    conjecture, not_shown = [], []
    paper = "adamw-paper" if "adamw-paper" in config.variants else None
    if paper:
        status = m[paper].slope["verdict"]["status"]
        slope = _signed(estimate(m[paper].slope["slope"]), 1.0, "", 2)
        if status == "supports":
            conjecture.append(
                f"The paper's AdamW keeps its best $\\lambda$ as $\\alpha$ changes (ridge slope "
                f"{slope}): tune $\\alpha$, then $\\lambda$ once, a search along two axes "
                "instead of a diagonal."
            )
        elif status == "contradicts":
            conjecture.append(
                f"Here the paper's AdamW's best $\\lambda$ moves with $\\alpha$ (ridge slope "
                f"{slope}), so the data do not support tuning the two separately."
            )
        else:
            e = estimate(m[paper].slope["slope"])
            lean = ""
            if e.excludes(0.0):
                lean = (
                    f"; it excludes 0, so if anything the best $\\lambda$ "
                    f"{'grows' if e.value > 0 else 'falls'} with $\\alpha$"
                )
            not_shown.append(
                "that the best $\\lambda$ of the paper's AdamW is independent of $\\alpha$: its "
                f"ridge slope {slope} lies neither inside the band $|s| \\le 0.5$ that "
                f"``independent'' allows nor wholly outside it{lean}"
            )
    for v in [v for v in config.variants if v != BASELINE]:
        best = _paired(
            measures.best_accuracy, measures.best_accuracy, result.metric("val_acc", v), base_acc
        )
        good = _paired(
            _good_share(config, v, threshold),
            _good_share(config, BASELINE, threshold),
            result.metric("val_acc", v),
            base_acc,
        )
        if _shown(best):
            conjecture.append(
                f"Best validation accuracy: {_label(v)} {'above' if best.value > 0 else 'below'} "
                f"Adam + $L_2$ by {_signed(best)}."
            )
        else:
            not_shown.append(
                f"a difference in best validation accuracy between {_label(v)} and Adam + $L_2$ "
                f"({_signed(best)})"
            )
        if _shown(good):
            conjecture.append(
                f"Settings at or above {_threshold(threshold)}: {_label(v)} has "
                f"{'more' if good.value > 0 else 'fewer'} than Adam + $L_2$ "
                f"({_ci(m[v].good)} against {_ci(m[BASELINE].good)} of the matched grid, paired "
                f"difference {_signed(good)}), so a random or coarse search finds a good setting "
                f"{'more' if good.value > 0 else 'less'} often."
            )
        else:
            not_shown.append(
                f"a difference in how often a setting reaches {_threshold(threshold)} between "
                f"{_label(v)} and Adam + $L_2$ ({_signed(good)})"
            )
    for other in others:
        for v in [v for v in other.result.config.variants if v != BASELINE]:
            diff = _paired(
                measures.best_accuracy,
                measures.best_accuracy,
                other.result.metric("val_acc", v),
                other.result.metric("val_acc", BASELINE),
            )
            if _shown(diff):
                conjecture.append(
                    f"On preset {escape(other.preset)}, {_label(v)} is "
                    f"{'above' if diff.value > 0 else 'below'} Adam + $L_2$ in best accuracy by "
                    f"{_signed(diff)}: the difference between the algorithms shows where the "
                    "data are harder to fit."
                )
    for v in config.variants:
        if m[v].margin["verdict"].startswith("decay helps"):
            continue
        not_shown.append(
            f"that decay helps {_label(v)} on these data: the best accuracy with decay minus "
            f"the best without is {_signed(estimate(m[v].margin))}"
        )
    return conjecture, not_shown


def q2c_answers(result: SweepResult, others: list[Other], threshold: float) -> dict:
    """``{"a": [...], "b": {"rows", "items"}, "c": [...], "not_shown": [...], "seeds": n}``:
    LaTeX (math in ``$...$``, text escaped)."""
    conjecture, not_shown = part_c(result, others, threshold)
    return {
        "a": part_a(result, threshold),
        "b": part_b(result, others, threshold),
        "c": conjecture,
        "not_shown": not_shown,
        "seeds": len(result.config.seeds),
    }
