"""``wdproof sweep``: run (or load) a learning-rate x weight-decay sweep, draw it, answer Q2.c.

Examples::

    wdproof sweep                       # default preset: 3 variants x 16 lr x 24 wd x 3 seeds
    wdproof sweep --preset hard --out build/sweep
    wdproof sweep --preset tiny --seeds 2 --threshold 0.8 --json
    wdproof sweep --lr-range 1e-4 0.1 16 --decay-fractions 1e-6 0.3 24 --force
    wdproof sweep --preset noisy --schedule cosine --normalized-decay
    wdproof sweep --preset schedules               # study: cosine / restarts vs constant
    wdproof sweep --preset budget                  # study: normalized decay across budgets T
    wdproof sweep --workers 4                      # on a local Dask cluster of 4 processes
    wdproof sweep --scheduler tcp://HOST:8786      # on a running Dask cluster

Results, ``summary.json`` and figures go to ``<out>/<preset>/`` for a preset as shipped (the
folder ``wdproof report`` reads) and to ``<out>/<preset>-<hash8>/`` once any option changes it,
so override runs never overwrite the stock results. A second run with the same configuration
loads the stored arrays; ``--force`` trains again. The default preset takes about 30 s on 2 cores.

Fair grids: the columns are matched on d, the fraction of theta decay removes per step (each
d < 1: nothing diverges by construction). Each variant sweeps its own hyperparameter: the
paper's AdamW lambda = d / eta (every cell removes d); PyTorch's AdamW wd = d / max lr (cell
(lr, wd) removes lr wd: the paper's heatmap sheared, since AdamW(lr, wd) takes the paper's
steps at alpha = lr, lambda = lr wd); Adam + L2 lambda' = d / max lr (lr lambda' is what SGD
with L2 removes; under Adam it is preconditioned, so nominal). Counts of good cells are taken
over the matched cells, those removing between the smallest and largest d.

Before training, the time is estimated from a short probe of the engine (printed on stderr);
above 1 hour (or 1 GB of results) the sweep runs only with --yes. Stored files are verified
on load: damaged ones are discarded and recomputed with a note. A second sweep into a folder
in use waits for the first (saying which pid holds it) and then reuses its results.

Schedules (--schedule): step t runs at the multiplier eta_t of a constant, cosine-annealed
(over the whole run) or warm-restarts schedule (periods in steps: T_0 = ceil(steps/7), then
doubled, so three periods fill the run). One rule for every variant: eta_t multiplies the
paper's AdamW step and decay with alpha and lambda fixed (theta <- theta - eta_t (alpha step +
lambda theta)); for Adam + L2 and PyTorch's AdamW it is torch.optim.lr_scheduler's lr_t = lr
eta_t, so PyTorch's decay lr_t wd follows it and lambda' does not change. The grids are matched
at the schedule's peak, eta_1. Normalized decay (--normalized-decay): the decay columns are the
paper's lambda_norm (lambda'_norm, wd_norm) and each cell trains with lambda = lambda_norm
sqrt(b/(B T)) per step: b the batch size, B the training points, T = steps b/B the epochs.

Studies (--preset schedules, --preset budget) run several sweeps and measure the paper's
schedule claims with seed intervals: cosine annealing and warm restarts against a constant
multiplier (best accuracy, good region), and whether the best lambda_norm stays put across
three budgets T while the best raw lambda moves. <out>/<study>/summary.json states each claim,
the numbers and a verdict (holds, does not hold, not resolved), beside the figures.

With --scheduler or --workers the chunks train on a Dask cluster (one torch thread per Dask
worker thread) and the results are bit-identical to a local run; finished chunks are stored by
this process as they arrive, so an interrupted run resumes, and a chunk whose worker dies is
trained again elsewhere. Without either option Dask is not imported.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from contextlib import contextmanager
from pathlib import Path

from wdproof.numerics.errors import InputError, output_folder, writable_directory
from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.optimizers.schedules import SCHEDULES
from wdproof.numerics.sweep.config import MAX_AXIS, MAX_SEEDS, MAX_STEPS, PRESETS, log_grid, preset

DEFAULT_OUT = Path("build") / "sweep"

#: Above this estimated training time or result size a sweep needs ``--yes``.
CONFIRM_SECONDS = 3600.0
CONFIRM_BYTES = 1e9


def _grid(flag: str, low: float, high: float, count: float) -> tuple[float, ...]:
    if not all(math.isfinite(v) for v in (low, high, count)):
        raise InputError(f"{flag} needs finite numbers, got {low:g} {high:g} {count:g}")
    if count != int(count) or count < 1:
        raise InputError(f"empty grid: {flag} asks for {count:g} values (need an integer >= 1)")
    if count > MAX_AXIS:
        raise InputError(f"{flag} asks for {count:g} values; at most {MAX_AXIS} per axis")
    if not (low > 0 and high > 0):
        raise InputError(f"{flag} bounds must be > 0 on a log grid, got {low:g} and {high:g}")
    if low > high:
        raise InputError(
            f"{flag} MIN {low:g} > MAX {high:g}: give the range from low to high "
            f"({flag} {high:g} {low:g} {count:g})"
        )
    if low == high and count > 1:
        raise InputError(
            f"{flag} MIN = MAX = {low:g} with N = {count:g} would repeat one value; "
            f"use N = 1 for a single value"
        )
    if low != high and count == 1:
        raise InputError(
            f"{flag} N = 1 gives a single value: set MIN = MAX (got {low:g} and {high:g})"
        )
    return log_grid(low, high, int(count))


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s" if seconds >= 1 else "under 1 s"


def check_cost(config, todo, yes: bool, log=print, cluster=None) -> None:
    """Print the estimated time and size of ``todo``; InputError above the caps unless ``yes``.

    ``cluster`` (a :class:`~wdproof.numerics.sweep.distributed.DaskChunks`) estimates for its
    worker threads: a local cluster is probed with that many threads on this machine, a remote
    one with one thread here, divided among its threads (as if its cores were as fast as ours).
    """
    from wdproof.numerics.sweep import parallel
    from wdproof.numerics.sweep.engine import METRICS

    run_steps = sum((c.row_stop - c.row_start) * config.n_wd for c in todo) * config.steps
    if cluster is None:
        workers = parallel.workers_for(todo)
        seconds, where = parallel.estimate_seconds(config, todo), f"{workers} worker(s)"
    else:
        workers = parallel.workers_for(todo, cluster.threads)
        if cluster.local:
            seconds = parallel.estimate_seconds(config, todo, workers)
        else:
            seconds = parallel.estimate_seconds(config, todo, 1) / workers
        where = f"{workers} Dask worker thread(s)"
    size = config.n_cells * len(METRICS) * 8 * 2  # results.npz plus the chunks while it runs
    line = (
        f"estimated {_duration(seconds)} ({run_steps:.2g} run-steps at "
        f"~{run_steps / max(seconds, 1e-9):.2g} steps/s on {where})"
    )
    if size > 1e8:
        line += f", up to {size / 1e9:.2g} GB on disk"
    if (seconds > CONFIRM_SECONDS or size > CONFIRM_BYTES) and not yes:
        raise InputError(
            f"sweep {line}: over 1 hour or 1 GB, so add --yes to run it "
            f"(or shrink --lr-range/--decay-fractions/--seeds/--steps)"
        )
    log(line)


def _beta(flag: str, value: float) -> float:
    if not 0 <= value < 1:  # NaN fails too
        raise InputError(f"{flag} must lie in [0, 1), got {value:g}")
    return value


def config_from_args(args: argparse.Namespace):
    """The validated :class:`SweepConfig` the arguments describe (InputError if invalid); for a
    study (``--preset schedules``/``budget``), its base configuration with the overrides."""
    from wdproof.numerics.sweep.studies import STUDIES

    overrides = _overrides(args)
    if args.preset in STUDIES:
        _check_study_options(args)
        return dataclasses.replace(STUDIES[args.preset].base, **overrides).validate()
    return preset(args.preset, **overrides)


def _check_study_options(args: argparse.Namespace) -> None:
    """Options a study sets itself cannot be given (InputError naming the option)."""
    fixed = {
        "schedules": (("--schedule", args.schedule is not None),),
        "budget": (
            ("--steps", args.steps is not None),
            ("--normalized-decay", args.normalized_decay),
        ),
    }[args.preset]
    for flag, given in fixed:
        if given:
            raise InputError(
                f"the '{args.preset}' study sets {flag} itself (it runs every value it compares); "
                f"drop {flag}, or run a single sweep with another --preset"
            )


def _overrides(args: argparse.Namespace) -> dict:
    """The configuration fields the options override (checked, one line on error)."""
    overrides: dict = {}
    if args.seeds is not None:
        if not 1 <= args.seeds <= MAX_SEEDS:
            raise InputError(f"--seeds must lie in [1, {MAX_SEEDS}], got {args.seeds}")
        overrides["seeds"] = tuple(range(args.seeds))
    if args.steps is not None:
        if not 1 <= args.steps <= MAX_STEPS:
            raise InputError(f"--steps must be a positive integer <= {MAX_STEPS}, got {args.steps}")
        overrides["steps"] = args.steps
    if args.lr_range is not None:
        overrides["lrs"] = _grid("--lr-range", *args.lr_range)
    if args.schedule is not None:
        overrides["schedule"] = args.schedule
    if args.normalized_decay:
        overrides["normalized_decay"] = True
    if args.decay_fractions is not None:
        fractions = _grid("--decay-fractions", *args.decay_fractions)
        # normalized fractions may exceed 1: the config checks d sqrt(b/(B T)) < 1 per step
        if fractions[-1] >= 1 and not args.normalized_decay:
            raise InputError(
                f"--decay-fractions MAX must be < 1 (a step removing {fractions[-1]:g} of theta "
                f"flips or blows it up by construction)"
            )
        overrides["decay_fractions"] = fractions
    if args.variants is not None:
        overrides["variants"] = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    if args.beta1 is not None or args.beta2 is not None:
        base = PRESETS.get(args.preset, PRESETS["default"]).betas
        overrides["betas"] = (
            _beta("--beta1", args.beta1) if args.beta1 is not None else base[0],
            _beta("--beta2", args.beta2) if args.beta2 is not None else base[1],
        )
    return overrides


def _check_cluster_options(args: argparse.Namespace) -> None:
    if args.scheduler is not None and args.workers is not None:
        raise InputError(
            "give either --scheduler (a running Dask cluster) or --workers (a local one), not both"
        )
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}")
    if args.scheduler is not None and not args.scheduler.strip():
        raise InputError("--scheduler needs the scheduler's address, such as tcp://HOST:8786")


@contextmanager
def _chunk_runner(args: argparse.Namespace):
    """None (local threads), or the Dask cluster ``--scheduler``/``--workers`` ask for."""
    if args.scheduler is None and args.workers is None:
        yield None  # dask is not imported
        return
    from wdproof.numerics.sweep import distributed

    with distributed.connect(args.scheduler, args.workers) as cluster:
        yield cluster


def _run(args: argparse.Namespace) -> int:
    from wdproof.numerics.sweep import analysis as sweep_analysis
    from wdproof.numerics.sweep import plots as sweep_plots
    from wdproof.numerics.sweep import store as sweep_store
    from wdproof.numerics.sweep.files import save_json
    from wdproof.numerics.sweep.lock import notice
    from wdproof.report.progress import progress_bar

    if not 0 < args.threshold <= 1:
        raise InputError(f"--threshold must lie in (0, 1], got {args.threshold}")
    _check_cluster_options(args)
    config = config_from_args(args)
    from wdproof.numerics.sweep.studies import STUDIES

    if args.preset in STUDIES:
        return _run_study(args, STUDIES[args.preset], config)
    writable_directory(sweep_store.result_dir(config, args.out))
    with _chunk_runner(args) as cluster, progress_bar(config.preset) as progress:
        result = sweep_store.load_or_run(
            config,
            args.out,
            force=args.force,
            progress=progress,
            before_training=lambda todo: check_cost(config, todo, args.yes, notice, cluster),
            run_chunks=cluster,
        )
    summary = sweep_analysis.summarize(result, args.threshold)
    figures = {} if args.no_figures else sweep_plots.write_figures(result, args.threshold)
    summary["figures"] = {k: {e: str(p) for e, p in v.items()} for k, v in figures.items()}
    save_json(result.directory / "summary.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    how = "loaded from cache" if result.from_cache else "trained"
    print(
        f"{config.n_cells} runs {how} ({result.wall_time_s:.1f} s of training) "
        f"in {result.directory}"
    )
    print(sweep_analysis.format_summary(summary))
    for name, paths in summary["figures"].items():
        print(f"{name}: {paths['pdf']} (PNG: {paths['png']})")
    return 0


def _run_study(args: argparse.Namespace, chosen, base) -> int:
    """Every sweep of a study (cached, resumed), its summary.json with the measured claims, its
    figures; prints the claims and verdicts."""
    from wdproof.numerics.sweep import store as sweep_store
    from wdproof.numerics.sweep import studies
    from wdproof.numerics.sweep.files import save_json
    from wdproof.numerics.sweep.lock import notice
    from wdproof.report.progress import progress_bar

    directory = chosen.directory(args.out, base)
    writable_directory(directory)
    with _chunk_runner(args) as cluster:

        def load_or_run(config, folder):
            with progress_bar(config.preset) as progress:
                return sweep_store.load_or_run(
                    config,
                    folder,
                    force=args.force,
                    progress=progress,
                    before_training=lambda todo: check_cost(
                        config, todo, args.yes, notice, cluster
                    ),
                    run_chunks=cluster,
                )

        results = studies.run_study(chosen, base, args.out, load_or_run=load_or_run)
    summary = studies.summarize_study(chosen, base, results, args.threshold)
    figures = (
        {} if args.no_figures else studies.write_study_figures(chosen, results, summary, directory)
    )
    summary["figures"] = {k: {e: str(p) for e, p in v.items()} for k, v in figures.items()}
    save_json(directory / "summary.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    trained = sum(not r.from_cache for r in results.values())
    print(
        f"{len(results)} sweeps ({trained} trained, {len(results) - trained} from cache, "
        f"{sum(r.wall_time_s for r in results.values() if not r.from_cache):.1f} s of training) "
        f"in {directory}"
    )
    print(studies.format_study(summary))
    for name, paths in summary["figures"].items():
        print(f"{name}: {paths['pdf']} (PNG: {paths['png']})")
    return 0


def _epilog() -> str:
    """The module docstring's examples and layout note, for ``--help``."""
    from wdproof.numerics.sweep.studies import STUDIES

    examples, layout = __doc__.split("Examples::", 1)[1].strip().split("\n\n", 1)
    lines = [line.strip() for line in examples.splitlines()]
    return (
        "examples:\n"
        + "\n".join(f"  {line}" for line in lines)
        + "\n\n"
        + layout.replace("``", "")
        + "\n\npresets (learning rates; decay fractions d; the grids they give):\n"
        + "\n".join(_preset_line(name, config) for name, config in PRESETS.items())
        + "\n\nstudies (several sweeps, measured claims in summary.json; base grid):\n"
        + "\n".join(
            f"  {name}: {chosen.about}\n  {_preset_line(name, chosen.base)}"
            for name, chosen in STUDIES.items()
        )
    )


def _preset_line(name: str, config) -> str:
    """One preset's grid for ``--help``: lr range, d range, each variant's own wd range."""

    def span(values) -> str:
        return f"[{min(values):.3g}, {max(values):.3g}]"

    grids = ", ".join(f"{v} {span(config.wd_grid(v))}" for v in config.variants)
    return (
        f"  {name}: lr {span(config.lrs)} x {len(config.lrs)}, d {span(config.decay_fractions)}"
        f" x {config.n_wd}; wd: {grids}"
    )


def register(subparsers) -> None:
    """Add the ``sweep`` subcommand."""
    from wdproof.numerics.sweep.studies import STUDIES

    stock = PRESETS["default"]
    p = subparsers.add_parser(
        "sweep",
        help="learning-rate x weight-decay sweep of L2 vs decoupled weight decay (Q2.b/c)",
        description="Run (or load from the cache) a learning-rate x weight-decay sweep of "
        "L2-regularized\n"
        "vs decoupled-weight-decay optimizers (Adam/AdamW, SGD/SGDW), draw its heatmaps and print\n"
        "the Q2.c answers.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--preset",
        default="default",
        help=f"one of {', '.join(PRESETS)} (default: default), or a study: {', '.join(STUDIES)}",
    )
    p.add_argument(
        "--out",
        type=output_folder,
        default=DEFAULT_OUT,
        help=f"output folder; results in <out>/<preset>/ (default: {DEFAULT_OUT})",
    )
    p.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default: the preset's)")
    p.add_argument("--steps", type=int, help="training steps per run (default: the preset's)")
    p.add_argument(
        "--threshold", type=float, default=0.9, help="'good' validation accuracy (default 0.9)"
    )
    p.add_argument(
        "--lr-range",
        type=float,
        nargs=3,
        metavar=("MIN", "MAX", "N"),
        help="log grid of learning rates, MIN <= MAX (N = 1 needs MIN = MAX)",
    )
    p.add_argument(
        "--decay-fractions",
        type=float,
        nargs=3,
        metavar=("MIN", "MAX", "N"),
        help="log grid of d, the fraction of theta decay removes per step, MIN <= MAX < 1 "
        "(N = 1 needs MIN = MAX); each variant's wd grid follows from it (see 'fair grids')",
    )
    p.add_argument("--variants", help=f"comma-separated subset of {', '.join(VARIANTS)}")
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help="schedule multiplier eta_t of every step (default: the preset's, constant): cosine "
        "anneals over the whole run, warm-restarts restarts it in periods of T_0 = ceil(steps/7) "
        "steps, doubling (T_mult = 2: three periods fill the run); eta_t multiplies the paper's "
        "AdamW step and decay (alpha, lambda fixed) and is torch's lr_scheduler for the others "
        "(lr_t = lr eta_t, so PyTorch's AdamW decay lr_t wd follows)",
    )
    p.add_argument(
        "--normalized-decay",
        action="store_true",
        help="read the decay columns as the paper's normalized lambda_norm and train each with "
        "lambda = lambda_norm sqrt(b/(B T)) per step (b batch size, B training points, T = "
        "steps b/B epochs; Adam + L2's lambda' scaled alike); MAX of --decay-fractions may then "
        "exceed 1 as long as MAX sqrt(b/(B T)) < 1",
    )
    p.add_argument("--beta1", type=float, help=f"Adam beta1 (default {stock.betas[0]})")
    p.add_argument("--beta2", type=float, help=f"Adam beta2 (default {stock.betas[1]})")
    p.add_argument("--force", action="store_true", help="ignore cached results and train again")
    p.add_argument(
        "--yes", action="store_true", help="run even if the estimate exceeds 1 hour or 1 GB"
    )
    p.add_argument("--no-figures", action="store_true", help="skip the heatmaps and data figure")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="train the chunks on the running Dask cluster whose scheduler is at ADDRESS "
        "(tcp://HOST:8786; started with 'dask scheduler' and 'dask worker ADDRESS')",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="train the chunks on a local Dask cluster of N worker processes, one thread each",
    )
    p.set_defaults(handler=_run)
