"""Sweep results on disk: arrays (.npz) plus their configuration (JSON), cached and resumable.

A preset's stock configuration lives in ``<out>/<preset>/`` (the folder the report reads);
any other configuration -- a preset with overrides such as ``--seeds 1`` -- gets its own
``<out>/<preset>-<hash8>/``, so an override run never touches the stock results. Layout of
either folder::

    config.json            the configuration, its hash, the wall time, the variant order
    results.npz            metric arrays of shape (variants, seeds, n_lr, n_wd), plus lrs, wds
    chunks/<hash12>/       one .npz per finished chunk (variant, seed, lr rows) while it runs

:func:`load_or_run` returns the stored results when ``config.json`` carries the hash of the
requested configuration (a cache hit: nothing is trained). Otherwise the stored results are
*stale* (e.g. the engine version or the preset's definition changed) and the sweep runs; the
stale results stay loadable until the new ones are assembled. Chunks already in ``chunks/<hash12>/`` from an interrupted run of the
same configuration are loaded instead of trained again (resume). Every file is written to a
temporary name in the same folder and moved into place with ``os.replace``, so an interruption
never leaves a half-written file under a final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wdproof.derivations.errors import InputError
from wdproof.numerics import sweep
from wdproof.numerics.sweep_config import PRESETS, SweepConfig

CONFIG_FILE = "config.json"
RESULTS_FILE = "results.npz"

#: Called as ``progress(steps_done_in_this_call, steps_total_in_this_call)``.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: its configuration and arrays, and where they live.

    ``arrays[name]`` for name in :data:`wdproof.numerics.sweep.METRICS` has shape
    ``(variants, seeds, n_lr, n_wd)`` in the order of ``config.variants``, ``config.seeds``,
    ``config.lrs``, ``config.wds``; accuracies and losses of diverged runs are NaN and
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


def is_stock(config: SweepConfig) -> bool:
    """True when ``config`` is exactly its preset's stock configuration."""
    stock = PRESETS.get(config.preset)
    return stock is not None and stock.config_hash() == config.config_hash()


def result_dir(config: SweepConfig, out: Path | str) -> Path:
    """Where ``config`` is stored: ``<out>/<preset>`` for a stock preset, else ``<out>/<preset>-<hash8>``."""
    name = config.preset if is_stock(config) else f"{config.preset}-{config.config_hash()[:8]}"
    return Path(out) / name


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:  # a file object: np.savez must not append ".npz"
            np.savez(handle, **arrays)

    _atomic_write(path, write)


def save_json(path: Path, payload: dict) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(payload, indent=2) + "\n"))


def stored_hash(directory: Path) -> str | None:
    """The configuration hash recorded in ``directory``, or None when nothing complete is there."""
    try:
        meta = json.loads((directory / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return None
    return meta.get("config_hash") if (directory / RESULTS_FILE).exists() else None


def is_stale(config: SweepConfig, out: Path | str) -> bool:
    """True when :func:`result_dir` holds no results for exactly this configuration."""
    return stored_hash(result_dir(config, out)) != config.config_hash()


def load(directory: Path | str) -> SweepResult:
    """Read a stored sweep (InputError when there is none)."""
    directory = Path(directory)
    try:
        meta = json.loads((directory / CONFIG_FILE).read_text())
        with np.load(directory / RESULTS_FILE) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"no readable sweep results in {directory}: {err}") from None
    config = SweepConfig.from_dict(meta["config"])
    return SweepResult(config, arrays, directory, float(meta.get("wall_time_s", float("nan"))), True)


def _chunk_path(chunk_dir: Path, chunk: sweep.Chunk) -> Path:
    return chunk_dir / f"{chunk.name}.npz"


def load_or_run(
    config: SweepConfig,
    out: Path | str,
    *,
    force: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> SweepResult:
    """The results of ``config``: from the cache when current, else trained (resuming chunks).

    ``force`` discards both the cached results and any finished chunks and trains everything.
    ``workers`` threads train chunks concurrently (default: one per CPU core).
    """
    config.validate()
    directory = result_dir(config, out)
    digest = config.config_hash()
    if not force and stored_hash(directory) == digest:
        return load(directory)
    chunk_dir = directory / "chunks" / digest[:12]
    if force and chunk_dir.exists():
        shutil.rmtree(chunk_dir)
    todo = [c for c in sweep.chunks(config) if not _chunk_path(chunk_dir, c).exists()]
    total, done, lock = len(todo) * config.steps, 0, threading.Lock()

    def on_step(_t: int) -> None:
        nonlocal done
        with lock:
            done += 1
            if progress is not None:
                progress(done, total)

    def on_done(chunk: sweep.Chunk, arrays: dict[str, np.ndarray]) -> None:
        _save_npz(_chunk_path(chunk_dir, chunk), arrays)

    started = time.perf_counter()
    sweep.run_chunks(config, todo, on_done, on_step, workers)
    elapsed = time.perf_counter() - started
    return _assemble(config, directory, chunk_dir, digest, elapsed)


def _assemble(config: SweepConfig, directory: Path, chunk_dir: Path, digest: str, elapsed: float):
    """Stack the chunk files into ``results.npz`` (shape ``(variants, seeds, n_lr, n_wd)``)."""
    stored: dict[sweep.Chunk, dict[str, np.ndarray]] = {}
    for chunk in sweep.chunks(config):
        with np.load(_chunk_path(chunk_dir, chunk)) as handle:
            stored[chunk] = {name: handle[name] for name in sweep.METRICS}
    arrays: dict[str, np.ndarray] = {}
    for name in sweep.METRICS:
        arrays[name] = np.stack([
            np.stack([
                np.concatenate([a[name] for c, a in stored.items() if (c.variant, c.seed) == (v, s)])
                for s in config.seeds
            ])
            for v in config.variants
        ])
    arrays["lrs"] = np.asarray(config.lrs)
    arrays["wds"] = np.asarray(config.wds)
    # stale results stayed loadable during training; unmark them just before results.npz changes
    (directory / CONFIG_FILE).unlink(missing_ok=True)
    _save_npz(directory / RESULTS_FILE, arrays)
    meta = {
        "config_hash": digest,
        "config": config.to_dict(),
        "wall_time_s": elapsed,  # of the call that finished the sweep (a resumed run: its part)
        "array_shape": ["variant", "seed", "lr", "wd"],
        "metrics": list(sweep.METRICS),
    }
    save_json(directory / CONFIG_FILE, meta)  # written last: it marks the results complete
    shutil.rmtree(directory / "chunks", ignore_errors=True)
    return SweepResult(config, arrays, directory, elapsed, False)
