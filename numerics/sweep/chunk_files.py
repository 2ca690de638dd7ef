"""Finished chunks of a running sweep on disk: how an interrupted sweep resumes.

Each finished chunk (variant, seed, lr rows) is one ``<chunk name>.npz`` in the run's chunk
folder, written atomically, with its metric arrays and a ``__chunk__`` record: the
configuration hash, the chunk's own name and the :func:`~wdproof.numerics.sweep.verify.checksum`
of its arrays. :func:`finished_chunks` returns only chunks that pass every check (record,
identity, shapes, dtypes, checksum); a damaged one is deleted with one notice, to be trained
again. :func:`stack_chunks` puts finished chunks together into the results' arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.files import save_npz
from wdproof.numerics.sweep.lock import Log
from wdproof.numerics.sweep.verify import Damaged, checksum, read_npz, verify_arrays

CHUNK_META = "__chunk__"


def chunk_path(chunk_dir: Path, chunk: sweep.Chunk) -> Path:
    """Where ``chunk``'s file lives in ``chunk_dir``."""
    return chunk_dir / f"{chunk.name}.npz"


def save_chunk(path: Path, digest: str, chunk: sweep.Chunk, arrays: dict[str, np.ndarray]) -> None:
    """Store one finished chunk's ``arrays`` with its ``__chunk__`` record, atomically."""
    meta = {"config_hash": digest, "chunk": chunk.name, "checksum": checksum(arrays)}
    save_npz(path, {**arrays, CHUNK_META: np.array(json.dumps(meta))})


def read_chunk(path: Path, config: SweepConfig, chunk: sweep.Chunk) -> dict[str, np.ndarray]:
    """The verified arrays of one chunk file (Damaged if anything is off)."""
    arrays = read_npz(path, "the file")
    try:
        meta = json.loads(str(arrays.pop(CHUNK_META)))
        identity, stored_sum = (meta["config_hash"], meta["chunk"]), meta["checksum"]
    except Exception:  # noqa: BLE001 (missing, not JSON, not a dict: all mean damaged)
        raise Damaged(f"no readable '{CHUNK_META}' record") from None
    if identity != (config.config_hash(), chunk.name):
        raise Damaged(f"it belongs to another configuration or chunk ({identity[1]})")
    verify_arrays(arrays, (chunk.row_stop - chunk.row_start, config.n_wd), "the chunk")
    if checksum({n: arrays[n] for n in sweep.METRICS}) != stored_sum:
        raise Damaged("checksum mismatch")
    return {n: arrays[n] for n in sweep.METRICS}


def finished_chunks(config: SweepConfig, chunk_dir: Path, log: Log) -> dict[sweep.Chunk, dict]:
    """Verified chunks of an interrupted run; damaged ones are deleted (and will be trained)."""
    finished = {}
    for chunk in sweep.chunks(config):
        path = chunk_path(chunk_dir, chunk)
        if not path.exists():
            continue
        try:
            finished[chunk] = read_chunk(path, config, chunk)
        except Damaged as err:
            log(f"discarded damaged chunk {path}: {err}; recomputing it")
            path.unlink(missing_ok=True)
    return finished


def stack_chunks(config: SweepConfig, finished: dict[sweep.Chunk, dict]) -> dict[str, np.ndarray]:
    """Every metric stacked to shape ``(variants, seeds, n_lr, n_wd)``, plus ``lrs`` and ``wds``
    (``(variants, n_wd)``: each variant's own grid)."""
    arrays: dict[str, np.ndarray] = {}
    for name in sweep.METRICS:
        arrays[name] = np.stack(
            [
                np.stack(
                    [
                        np.concatenate(
                            [
                                finished[c][name]
                                for c in sweep.chunks(config)
                                if (c.variant, c.seed) == (v, s)
                            ]
                        )
                        for s in config.seeds
                    ]
                )
                for v in config.variants
            ]
        )
    arrays["lrs"] = np.asarray(config.lrs)
    arrays["wds"] = config.wd_grids()
    return arrays
