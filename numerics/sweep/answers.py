"""The measured quantities of a summary arranged by Q2.c sub-question, and printed with CIs.

Problem set Q2.c asks (a) how the accuracy and loss heatmaps of the variants compare, (b) how
they change with harder or easier data, (c) what that says about tuning L2-regularized Adam
and AdamW. :func:`q2c` gathers, from the per-variant ``measured`` blocks of
:func:`~.analysis.summarize`, what each answer needs, every quantity as ``{value, low, high}``
(a 95% bootstrap interval over seeds; ``low``/``high`` null when there is one seed). Part (b)
compares presets: each preset's summary carries its data description and the numbers the
comparison needs; the report puts the presets side by side.
"""

from __future__ import annotations

from wdproof.numerics.sweep.decoupling import estimate, overall_verdict
from wdproof.numerics.sweep.uncertainty import LEVEL, RESAMPLES, RNG_SEED

QUESTIONS = {
    "a": "Compare the accuracy heatmaps of the variants, then their loss heatmaps.",
    "b": "How do the heatmaps change on harder or easier data?",
    "c": "What do you conclude about tuning L2-regularized Adam and AdamW?",
}


def uncertainty_block(n_seeds: int) -> dict:
    """How every interval of the summary was computed."""
    return {
        "method": "percentile bootstrap over seeds (seed axis redrawn with replacement)",
        "resamples": RESAMPLES,
        "rng_seed": RNG_SEED,
        "level": LEVEL,
        "n_seeds": n_seeds,
        "note": (
            "one seed: no intervals (null, shown as n/a), never zero-width ones"
            if n_seeds < 2
            else "few seeds make percentile intervals too narrow; more seeds narrow them honestly"
            if n_seeds < 5
            else ""
        ),
    }


def decoupling_block(variants: dict) -> dict:
    """The verdict on the seed's expected pattern, from each variant's ridge-slope verdict."""
    statuses = {name: v["measured"]["ridge"]["verdict"]["status"] for name, v in variants.items()}
    return {
        "verdict": overall_verdict(statuses),
        "statuses": statuses,
        "rule": (
            "per variant, the best-wd ridge slope's 95% CI against the slope the pattern "
            "predicts (adamw-paper/sgdw 0, adamw-torch -1, L2 variants away from 0), with "
            "tolerance 0.5; holds if all support, does not hold if any contradicts, else not "
            "resolved (numerics/sweep/decoupling.py)"
        ),
    }


def q2c(summary: dict, data: dict) -> dict:
    """``{"a": ..., "b": ..., "c": ...}``: per sub-question, the measured quantities it needs."""
    measured = {name: v["measured"] for name, v in summary["variants"].items()}

    def pick(*keys):
        return {name: {k: m[k] for k in keys} for name, m in measured.items()}

    return {
        "a": {
            "question": QUESTIONS["a"],
            "variants": {
                name: {
                    "best_val_acc": m["best_val_acc"],
                    "separability": m["separability"],
                    "ridge_slope": m["ridge"]["slope"],
                    "ridge_metric": m["ridge"]["metric"],
                }
                for name, m in measured.items()
            },
        },
        "b": {
            "question": QUESTIONS["b"],
            "preset": summary["preset"],
            "data": data,
            "variants": pick("best_val_acc", "n_good", "decay_margin"),
        },
        "c": {
            "question": QUESTIONS["c"],
            "decoupling": summary["decoupling"],
            "variants": {
                name: {
                    "best_val_acc": m["best_val_acc"],
                    "n_good": m["n_good"],
                    "decay_margin": m["decay_margin"],
                    "ridge_verdict": m["ridge"]["verdict"],
                }
                for name, m in measured.items()
            },
        },
    }


def format_measured(summary: dict) -> str:
    """The measured quantities as ``value [lo, hi]`` per variant, then the verdicts."""
    u = summary["uncertainty"]
    lines = [
        f"measured, 95% bootstrap CI over {u['n_seeds']} seed(s) ({u['resamples']} redraws)"
        + (f": {u['note']}" if u["note"] else ""),
        (
            f"{'variant':<12} {'best acc':>21} {'ridge slope':>19} {'separability':>21} "
            f"{'decay margin':>24} {'matched >= ' + str(summary['threshold']):>16}"
        ),
    ]
    for name, v in summary["variants"].items():
        m = v["measured"]
        lines.append(
            f"{name:<12} {estimate(m['best_val_acc']).text():>21} "
            f"{estimate(m['ridge']['slope']).text('{:+.2f}'):>19} "
            f"{estimate(m['separability']).text():>21} "
            f"{estimate(m['decay_margin']).text('{:+.3f}'):>24} "
            f"{estimate(m['n_good']).text('{:.0f}'):>16}"
        )
    d0 = summary["decay_fractions"][0]
    lines.append(
        f"ridge: per-lr optimum of mean validation loss over log10 wd; decay margin: best acc "
        f"at any wd above the variant's smallest minus the best at its smallest (decay "
        f"fraction {d0:g} per step, standing in for no decay); separability: R^2 of "
        f"f(lr) + g(wd) on log10 mean loss; cells counted among the matched ones"
    )
    for name, v in summary["variants"].items():
        m = v["measured"]
        verdict = m["ridge"]["verdict"]
        note = f"; {m['ridge']['note']}" if m["ridge"]["note"] else ""
        lines.append(
            f"{name}: {verdict['relation']}, {verdict['status']} ({verdict['reason']}){note}; "
            f"{m['decay_margin']['verdict']}"
        )
    lines.append(f"decoupling pattern: {summary['decoupling']['verdict']}")
    return "\n".join(lines)
