"""Sweep results on disk: arrays (.npz) and their configuration (JSON), verified and resumable.

A preset's stock configuration lives in ``<out>/<preset>/`` (the folder the report reads);
any other configuration -- a preset with overrides such as ``--seeds 1`` -- gets its own
``<out>/<preset>-<hash8>/``, so an override run never touches the stock results. Layout of
either folder::

    config.json            the configuration, its hash, the checksum of results.npz, the wall time
    results.npz            metric arrays of shape (variants, seeds, n_lr, n_wd), plus lrs, wds
    chunks/<hash12>/       one .npz per finished chunk (variant, seed, lr rows) while it runs
    .lock                  flock'ed by the sweep using the folder (empty when none is)

Nothing on disk is trusted. :func:`check` rebuilds the configuration from ``config.json``,
recomputes its hash and requires it to equal both the stored and the requested hash (a grid
edited by hand under the old hash is caught), then requires every array with its shape and
dtype and the SHA-256 :func:`~.verify.checksum` over names, dtypes, shapes and bytes of all
arrays to match the one in ``config.json``. Each chunk file embeds ``__chunk__``: the
configuration hash, its own name and the checksum of its arrays. Results that fail are
*damaged*: a sweep discards and recomputes them (one line on stderr), :func:`load` refuses them
with one line.

:func:`load_or_run` holds an exclusive ``flock`` on ``.lock`` while it checks, trains and
assembles: a second sweep into the same folder prints who holds it, waits, and then finds the
first one's results in the cache. The kernel drops the lock when its holder dies, so a lock is
never stale. Every file is written to a temporary name in the same folder, fsync'ed and moved
into place with ``os.replace``, so an interruption never leaves a half-written file under a
final name; temporaries left by a killed process are removed by the next sweep of the folder.

Pieces: :mod:`.files` (atomic writes), :mod:`.verify` (checksums, untrusted reads),
:mod:`.lock` (the folder lock, notices), :mod:`.chunk_files` (finished chunks, resuming).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep import parallel
from wdproof.numerics.sweep.chunk_files import chunk_path, finished_chunks, save_chunk, stack_chunks
from wdproof.numerics.sweep.config import PRESETS, SweepConfig
from wdproof.numerics.sweep.files import save_json, save_npz
from wdproof.numerics.sweep.lock import Log, folder_lock, notice
from wdproof.numerics.sweep.verify import Damaged, checksum, one_line, read_npz, verify_arrays

CONFIG_FILE = "config.json"
RESULTS_FILE = "results.npz"
#: Version of this layout; results written by another version are stale, not damaged.
STORE_FORMAT = 2

#: Called as ``progress(steps_done_in_this_call, steps_total_in_this_call)``.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: its configuration and arrays, and where they live.

    ``arrays[name]`` for name in :data:`wdproof.numerics.sweep.engine.METRICS` has shape
    ``(variants, seeds, n_lr, n_wd)`` in the order of ``config.variants``, ``config.seeds``,
    ``config.lrs``, ``config.wd_grid(variant)``; accuracies and losses of diverged runs are NaN and
    ``diverged_step`` is -1 for runs that never diverged.
    """

    config: SweepConfig
    arrays: dict[str, np.ndarray]
    directory: Path
    wall_time_s: float
    from_cache: bool

    def metric(self, name: str, variant: str) -> np.ndarray:
        """``(seeds, n_lr, n_wd)`` array of ``name`` for one variant."""
        return self.arrays[name][self.config.variants.index(variant)]


@dataclass(frozen=True)
class CacheState:
    """What :func:`check` found: ``status`` current, missing, stale or damaged; ``reason``, why."""

    status: str
    reason: str
    directory: Path
    result: SweepResult | None = None


def is_stock(config: SweepConfig) -> bool:
    """True when ``config`` is exactly its preset's stock configuration."""
    stock = PRESETS.get(config.preset)
    return stock is not None and stock.config_hash() == config.config_hash()


def result_dir(config: SweepConfig, out: Path | str) -> Path:
    """Where ``config`` lives: ``<out>/<preset>`` when stock, else ``<out>/<preset>-<hash8>``."""
    name = config.preset if is_stock(config) else f"{config.preset}-{config.config_hash()[:8]}"
    return Path(out) / name


def write_results(
    config: SweepConfig, arrays: dict[str, np.ndarray], directory: Path, wall_time_s: float
) -> SweepResult:
    """Store ``arrays`` (metrics, ``lrs``, ``wds``) as ``config``'s results, with their checksum."""
    arrays = {name: np.asarray(arrays[name]) for name in (*sweep.METRICS, "lrs", "wds")}
    # stale results stay loadable during training; unmark them just before results.npz changes
    (directory / CONFIG_FILE).unlink(missing_ok=True)
    save_npz(directory / RESULTS_FILE, arrays)
    meta = {
        "format": STORE_FORMAT,
        "config_hash": config.config_hash(),
        "config": config.to_dict(),
        "checksum": checksum(arrays),
        "wall_time_s": wall_time_s,  # of the call that finished the sweep (a resumed run: its part)
        "array_shape": ["variant", "seed", "lr", "wd"],
        "metrics": list(sweep.METRICS),
    }
    save_json(directory / CONFIG_FILE, meta)  # written last: it marks the results complete
    return SweepResult(config, arrays, directory, wall_time_s, False)


# ----- reading and verifying ----------------------------------------------------------------


def _read_meta(directory: Path) -> dict:
    try:
        meta = json.loads((directory / CONFIG_FILE).read_text())
    except (OSError, ValueError) as err:
        raise Damaged(f"{CONFIG_FILE} is not readable JSON ({one_line(err)})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("config_hash"), str):
        raise Damaged(f"{CONFIG_FILE} has no configuration hash")
    return meta


def _read_results(directory: Path, meta: dict) -> SweepResult:
    """Verify ``meta``'s configuration against its hash and ``results.npz`` against its checksum."""
    try:
        config = SweepConfig.from_dict(meta["config"]).validate()
    except Exception as err:  # noqa: BLE001 (a hand-edited config can fail anywhere)
        raise Damaged(
            f"the configuration in {CONFIG_FILE} is unreadable ({one_line(err)})"
        ) from None
    if config.config_hash() != meta["config_hash"]:
        raise Damaged(
            f"the configuration in {CONFIG_FILE} does not match its hash (edited by hand?)"
        )
    arrays = read_npz(directory / RESULTS_FILE)
    verify_arrays(
        arrays,
        (len(config.variants), len(config.seeds), len(config.lrs), config.n_wd),
        RESULTS_FILE,
    )
    for name, grid in (("lrs", config.lrs), ("wds", config.wd_grids())):
        if name not in arrays or not np.array_equal(arrays[name], np.asarray(grid)):
            raise Damaged(f"{RESULTS_FILE}: '{name}' is missing or differs from the configuration")
    if checksum(arrays) != meta.get("checksum"):
        raise Damaged(
            f"{RESULTS_FILE} checksum mismatch (its values changed after they were written)"
        )
    wall = meta.get("wall_time_s")
    return SweepResult(
        config,
        arrays,
        directory,
        float(wall) if isinstance(wall, int | float) else float("nan"),
        True,
    )


def _inspect(directory: Path, digest: str | None) -> CacheState:
    if not (directory / CONFIG_FILE).exists():
        why = (
            "no cached results exist"
            if not (directory / RESULTS_FILE).exists()
            else f"no complete results exist ({CONFIG_FILE} missing: an interrupted run)"
        )
        return CacheState("missing", why, directory)
    try:
        meta = _read_meta(directory)
        if digest is not None and meta["config_hash"] != digest:
            return CacheState("stale", "computed with a different configuration", directory)
        if meta.get("format") != STORE_FORMAT:
            return CacheState(
                "stale",
                f"written in another store format ({meta.get('format', 1)}, "
                f"expected {STORE_FORMAT}: no checksums)",
                directory,
            )
        return CacheState("current", "", directory, _read_results(directory, meta))
    except Damaged as err:
        return CacheState("damaged", str(err), directory)


def check(config: SweepConfig, out: Path | str) -> CacheState:
    """Whether :func:`result_dir` holds verified results of exactly ``config`` (reads them)."""
    return _inspect(result_dir(config, out), config.config_hash())


def stored_hash(directory: Path) -> str | None:
    """The configuration hash recorded in ``directory`` (unverified), or None if there is none."""
    try:
        return _read_meta(directory)["config_hash"] if (directory / RESULTS_FILE).exists() else None
    except Damaged:
        return None


def is_stale(config: SweepConfig, out: Path | str) -> bool:
    """True when :func:`result_dir` holds no verified results for exactly this configuration."""
    return check(config, out).status != "current"


def load(directory: Path | str) -> SweepResult:
    """Read and verify a stored sweep (InputError, one line with the fix, unless it is intact)."""
    state = _inspect(Path(directory), None)
    if state.result is None:
        status = {"missing": "", "stale": " stale results", "damaged": " damaged results"}[
            state.status
        ]
        raise InputError(
            f"cannot load{status} from {directory}: {state.reason}; run 'wdproof sweep' "
            f"with the same options again to recompute them (--force trains from scratch)"
        )
    return state.result


def _remove_temporaries(directory: Path) -> None:
    """Temporaries of the store's own files left by a killed run (called with the lock held)."""
    patterns = [f".{RESULTS_FILE}.*.tmp", f".{CONFIG_FILE}.*.tmp", "chunks/*/.*.tmp"]
    for pattern in patterns:
        for path in directory.glob(pattern):
            path.unlink(missing_ok=True)


# ----- load or run --------------------------------------------------------------------------


def load_or_run(
    config: SweepConfig,
    out: Path | str,
    *,
    force: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
    before_training: Callable[[list[sweep.Chunk]], None] | None = None,
    log: Log = notice,
    run_chunks: Callable[..., None] | None = None,
) -> SweepResult:
    """The results of ``config``: the cache when current and intact, else trained (resuming chunks).

    ``force`` discards both the cached results and any finished chunks and trains everything.
    ``workers`` threads train chunks concurrently (default: one per CPU core).
    ``before_training(todo)`` is called with the chunks still to train, before any is trained
    (the command line estimates the cost there and may refuse by raising InputError).
    Damaged results or chunks are discarded with one line to ``log`` and trained again.
    ``run_chunks`` trains them, with the signature of :func:`.parallel.run_chunks` (the default);
    :class:`.distributed.DaskChunks` sends them to a Dask cluster.
    """
    config.validate()
    directory = result_dir(config, out)
    digest = config.config_hash()
    with folder_lock(directory, log):
        _remove_temporaries(directory)
        if not force:
            state = check(config, out)  # under the lock: a sweep we waited for has just stored it
            if state.result is not None:
                return state.result
            if state.status == "damaged":
                log(f"discarded damaged results in {directory}: {state.reason}; recomputing")
        chunk_dir = directory / "chunks" / digest[:12]
        if force and chunk_dir.exists():
            shutil.rmtree(chunk_dir)
        finished = finished_chunks(config, chunk_dir, log)
        todo = [c for c in sweep.chunks(config) if c not in finished]
        if before_training is not None:
            before_training(todo)
        total, done, lock = len(todo) * config.steps, 0, threading.Lock()

        def on_step(_t: int) -> None:
            nonlocal done
            with lock:
                done += 1
                if progress is not None:
                    progress(done, total)

        def on_done(chunk: sweep.Chunk, arrays: dict[str, np.ndarray]) -> None:
            save_chunk(chunk_path(chunk_dir, chunk), digest, chunk, arrays)
            finished[chunk] = arrays

        started = time.perf_counter()
        (run_chunks or parallel.run_chunks)(config, todo, on_done, on_step, workers)
        elapsed = time.perf_counter() - started
        result = write_results(config, stack_chunks(config, finished), directory, elapsed)
        shutil.rmtree(directory / "chunks", ignore_errors=True)
        return result
