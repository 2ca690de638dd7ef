"""Studies: several sweeps analysed together, for the claims of the paper's second half (issue 14).

A *study* is a base :class:`~.config.SweepConfig` and the configurations derived from it; each
is an ordinary sweep (cached, verified and resumed by :mod:`.store` in the study's folder) and
the study's analysis compares them. ``wdproof sweep --preset schedules`` or ``--preset budget``
runs one (the command line accepts the other sweep options as overrides of the base).

* ``schedules`` -- Loshchilov & Hutter (2019) Sec. 3 and Fig. 1: Adam(W) gains from a
  scheduled multiplier ``eta_t``. The base grid runs under the constant, cosine-annealing and
  warm-restarts schedules (same seeds, grids and steps; the steps a multiple of 7 so that the
  three restart periods ``T_0, 2 T_0, 4 T_0`` end with the run) for AdamW (paper) and Adam +
  L2; :mod:`.schedule_study` measures the best accuracy and the good region of each with
  paired seed intervals.
* ``budget`` -- App. B: with normalized decay ``lambda = lambda_norm sqrt(b / (B T))`` the best
  ``lambda_norm`` does not depend on the budget ``T``, while the best raw ``lambda`` does. The
  base runs for each budget in :data:`BUDGET_STEPS`, once on raw decay rates and once with
  ``--normalized-decay``; the normalized columns are the raw ones times ``sqrt(steps)`` of the
  middle budget, so the two grids coincide there. :mod:`.budget_study` finds the best decay per
  budget and its trend in ``T``, with seed intervals.

Layout: ``<out>/<study>/`` for a study as shipped (``<out>/<study>-<hash8>/`` once an option
changes its base) holds ``summary.json`` (per claim: the statement, the measured numbers with
95% intervals and a verdict: holds, does not hold, or not resolved), the figures, and one
folder per sweep (``<study>-<label>-<hash8>/``, the store's own layout).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wdproof.numerics.errors import InputError
from wdproof.numerics.optimizers.schedules import SCHEDULES
from wdproof.numerics.sweep.config import SweepConfig, log_grid
from wdproof.numerics.sweep.spiral import SPIRAL_PRESETS, SpiralSpec

#: The budgets ``T`` of the budget study, in steps (epochs ``T = steps b / B``): a factor 4.
BUDGET_STEPS = (1000, 2000, 4000)


@dataclass(frozen=True)
class Study:
    """A named study: its base configuration and what it claims (one line for ``--help``)."""

    name: str
    base: SweepConfig
    about: str

    def runs(self, base: SweepConfig | None = None) -> dict[str, SweepConfig]:
        """The study's sweeps by label, derived from ``base`` (default: the stock base)."""
        base = self.base if base is None else base
        if self.name == "schedules":
            return {
                name: dataclasses.replace(base, preset=f"{self.name}-{name}", schedule=name)
                for name in SCHEDULES
            }
        reference = BUDGET_STEPS[len(BUDGET_STEPS) // 2]
        # lambda_norm = lambda sqrt(steps) at the middle budget: the grids coincide there
        low, high = min(base.decay_fractions), max(base.decay_fractions)
        normalized = log_grid(low * math.sqrt(reference), high * math.sqrt(reference), base.n_wd)
        runs = {}
        for steps in BUDGET_STEPS:
            runs[f"raw-T{steps}"] = dataclasses.replace(
                base, preset=f"{self.name}-raw-T{steps}", steps=steps, normalized_decay=False
            )
            runs[f"normalized-T{steps}"] = dataclasses.replace(
                base,
                preset=f"{self.name}-normalized-T{steps}",
                steps=steps,
                normalized_decay=True,
                decay_fractions=normalized,
            )
        return runs

    def directory(self, out: Path | str, base: SweepConfig | None = None) -> Path:
        """``<out>/<name>`` for the stock base, else ``<out>/<name>-<hash8 of the base>``."""
        if base is None or base.config_hash() == self.base.config_hash():
            return Path(out) / self.name
        return Path(out) / f"{self.name}-{base.config_hash()[:8]}"


STUDIES: dict[str, Study] = {
    # the hard spiral (2 turns, noise 0.06: about 93% reachable, so a gain has room; the
    # default spiral's 99% leaves none) on a 12 x 12 grid, 4 seeds, 1050 steps (7 x 150: warm
    # restarts at t = 151 and 451; at 420 steps the hard spiral is undertrained and annealing
    # only cuts training short); learning rates up to 0.3, as annealing may make larger ones
    # usable; AdamW (paper) and Adam + L2, as in the paper's Fig. 1
    "schedules": Study(
        "schedules",
        SweepConfig(
            preset="schedules",
            data=SPIRAL_PRESETS["hard"],
            variants=("adam-l2", "adamw-paper"),
            lrs=log_grid(3e-4, 0.3, 12),
            decay_fractions=log_grid(1e-6, 0.3, 12),
            seeds=(0, 1, 2, 3),
            steps=1050,
        ),
        "constant vs cosine vs warm restarts for AdamW (paper) and Adam + L2: best accuracy "
        "and good region, paired seed CIs",
    ),
    # a small noisy spiral (200 points, 140 for training, 30% of their labels flipped) that a
    # width-64 network memorises within every budget, so that decay has an interior optimum
    # at each; AdamW (paper) at one learning rate (decoupled: its best lambda does not move
    # with alpha), 12 decay rates over 3.5 decades, 5 seeds; budgets of 1000, 2000 and 4000
    # steps (229, 457 and 914 epochs at b = 32, B = 140), each annealed by cosine to its own
    # end so that every budget ends converged
    "budget": Study(
        "budget",
        SweepConfig(
            preset="budget",
            data=SpiralSpec(n_points=200, label_noise=0.3),
            width=64,
            variants=("adamw-paper",),
            lrs=(5e-3,),
            decay_fractions=log_grid(1e-5, 3e-2, 12),
            seeds=(0, 1, 2, 3, 4),
            steps=BUDGET_STEPS[1],
            batch_size=32,
            schedule="cosine",
        ),
        "normalized weight decay: best lambda_norm vs best raw lambda across budgets T = "
        f"{', '.join(map(str, BUDGET_STEPS))} steps (cosine), seed CIs",
    ),
}


def study(name: str) -> Study:
    """The study called ``name`` (InputError naming the known ones otherwise)."""
    try:
        return STUDIES[name]
    except KeyError:
        raise InputError(f"unknown study {name!r}; known: {', '.join(STUDIES)}") from None


def run_study(
    chosen: Study,
    base: SweepConfig,
    out: Path | str,
    *,
    load_or_run: Callable[..., object],
) -> dict:
    """Every sweep of ``chosen`` from ``base``, loaded or trained by ``load_or_run(config,
    folder)`` (the store's, with the caller's progress and cost check bound): ``{label:
    SweepResult}``."""
    folder = chosen.directory(out, base)
    return {label: load_or_run(config, folder) for label, config in chosen.runs(base).items()}


def summarize_study(chosen: Study, base: SweepConfig, results: dict, threshold: float) -> dict:
    """The study's ``summary.json``: its runs, the measured claims with intervals, verdicts."""
    from wdproof.numerics.sweep import answers, budget_study, schedule_study

    if chosen.name == "schedules":
        measured = schedule_study.claims(results, threshold)
    else:
        measured = budget_study.claims(results)
    return {
        "study": chosen.name,
        "about": chosen.about,
        "config_hash": base.config_hash(),
        "threshold": threshold,
        "seeds": list(base.seeds),
        "uncertainty": answers.uncertainty_block(len(base.seeds)),
        "runs": {
            label: {
                "directory": str(r.directory),
                "config_hash": r.config.config_hash(),
                "schedule": r.config.schedule,
                "normalized_decay": r.config.normalized_decay,
                "decay_scale": r.config.decay_scale,
                "steps": r.config.steps,
                "epochs": r.config.epochs,
                "wall_time_s": r.wall_time_s,
                "from_cache": r.from_cache,
            }
            for label, r in results.items()
        },
        **measured,
    }


def write_study_figures(chosen: Study, results: dict, summary: dict, directory: Path) -> dict:
    """The study's figures in ``directory`` (each run's own figures go to its folder)."""
    from wdproof.numerics.sweep import plots, schedule_plots

    configs = {label: r.config for label, r in results.items()}
    figures = {
        schedule_plots.SCHEDULES_FIGURE: plots.save(
            schedule_plots.plot_schedules(configs), directory / schedule_plots.SCHEDULES_FIGURE
        )
    }
    if chosen.name == "schedules":
        for label, result in results.items():
            name = f"{plots.HEATMAPS}-{label}"
            figures[name] = plots.save(
                plots.plot_heatmaps(result, summary["threshold"]), directory / name
            )
    else:
        figures[schedule_plots.BUDGET_FIGURE] = plots.save(
            schedule_plots.plot_budget(summary, configs), directory / schedule_plots.BUDGET_FIGURE
        )
    return figures


def format_study(summary: dict) -> str:
    """The claims of a study summary as text: statement, measured numbers, verdict."""
    u = summary["uncertainty"]
    lines = [
        f"study {summary['study']}: {summary['about']}",
        f"95% bootstrap CI over {u['n_seeds']} seed{'s' if u['n_seeds'] != 1 else ''} "
        f"({u['resamples']} redraws)" + (f"; {u['note']}" if u["note"] else ""),
    ]
    for claim in summary["claims"]:
        lines += [
            "",
            f"{claim['id']}: {claim['verdict'].upper()}",
            f"  claim: {claim['statement']}",
            f"  measured ({claim['measure']}): {claim['measured']}",
        ]
    return "\n".join(lines)
