"""Chunks on worker threads: :func:`run_chunks`, its interrupt handling, and its cost estimate.

Each chunk of :mod:`~wdproof.numerics.sweep.engine` is independent of the others, so a sweep
runs them concurrently, one single-threaded torch computation per worker thread.
:func:`estimate_seconds` times the engine on this machine, under its current load, before a
sweep starts (the command line asks for ``--yes`` above an hour).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
import torch

from wdproof.numerics.sweep import engine
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.datasets import make_data
from wdproof.numerics.sweep.engine import Chunk, train_cells

#: Printed once when an interrupt stops a sweep.
STOP_MESSAGE = "stopping: finished chunks kept; rerun to resume"


class ChunkStopped(Exception):
    """Raised inside a worker's step callback once the sweep has been told to stop."""


def run_chunks(
    config: SweepConfig,
    todo: list[Chunk],
    on_done: Callable[[Chunk, dict[str, np.ndarray]], None],
    on_step: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> None:
    """Run ``todo`` on ``workers`` threads (default: one per CPU), each torch op single-threaded.

    ``on_done(chunk, arrays)`` runs in the calling thread as each chunk finishes, so finished
    work is saved even if a later chunk fails. Why threads of single-threaded ops rather than one
    stream of multi-threaded ops: torch releases the GIL inside ops, the chunks are independent,
    and OpenMP's barriers stall badly when another process shares the cores (measured: 7x slower
    on this 2-core machine under load), while independent workers merely share them.

    On an interrupt (or any failure) a stop flag is set: running chunks abandon their work at
    their next step, queued ones never start, chunks that had finished are still handed to
    ``on_done``, and the exception is re-raised. Further Ctrl-C presses during that brief wait
    are ignored, so the worker threads are always joined before the interpreter exits.
    """
    workers = workers_for(todo, workers)
    stop = threading.Event()

    def step(t: int) -> None:
        if stop.is_set():
            raise ChunkStopped
        if on_step is not None:
            on_step(t)

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    # set_flush_denormal initialises torch's CPU-feature detection on first use; done first from
    # two worker threads at once, one of them could come back without flushing and train its
    # chunk with different numerics (seen as one irreproducible chunk). Initialise it here.
    torch.set_flush_denormal(True)
    torch.set_flush_denormal(False)
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="sweep") as pool:
            futures = {pool.submit(engine.run_chunk, config, chunk, step): chunk for chunk in todo}
            handed_over = set()
            try:
                for future in as_completed(futures):
                    on_done(futures[future], future.result())
                    handed_over.add(future)
            except BaseException as err:
                stop.set()
                if isinstance(err, KeyboardInterrupt):
                    print(STOP_MESSAGE, file=sys.stderr, flush=True)
                _join(pool)
                for future, chunk in futures.items():
                    if (
                        future not in handed_over
                        and future.done()
                        and not future.cancelled()
                        and future.exception() is None
                    ):
                        on_done(chunk, future.result())
                raise
    finally:
        torch.set_num_threads(previous)


#: The cost probe: chunk-sized blocks of at most this many cells, timed at 1 and 1 + PROBE_STEPS
#: steps.
PROBE_CELLS, PROBE_STEPS = 256, 8


def workers_for(todo: list[Chunk], workers: int | None = None) -> int:
    """How many worker threads :func:`run_chunks` uses for ``todo``."""
    return max(1, min(workers or os.cpu_count() or 1, len(todo)))


def _cells(config: SweepConfig, chunk: Chunk) -> int:
    return (chunk.row_stop - chunk.row_start) * config.n_wd


def estimate_seconds(config: SweepConfig, todo: list[Chunk], workers: int | None = None) -> float:
    """Wall seconds :func:`run_chunks` will take for ``todo`` on this machine, from a short probe.

    The method of ``benchmarks/sweep_benchmark.py`` in miniature, on the engine itself: each of
    the ``workers`` threads trains one block of ``min(largest chunk, PROBE_CELLS)`` cells on one
    torch thread, concurrently, as the workers will, for 1 and for ``1 + PROBE_STEPS`` steps;
    the difference is the time of ``PROBE_STEPS`` steps without set-up or evaluation, under
    the machine's current load. A chunk step costs that much (smaller chunks are dominated by
    per-step overhead; larger ones scale linearly). About 0.1 s for the default model.
    """
    if not todo:
        return 0.0
    workers = workers_for(todo, workers)
    cells = min(PROBE_CELLS, max(_cells(config, c) for c in todo))
    lrs = torch.full((cells,), config.lrs[0], dtype=torch.float64)
    wds = torch.full((cells,), config.step_wd_grid(todo[0].variant)[0], dtype=torch.float64)
    schedule = config.multiplier_schedule()  # its first 1 + PROBE_STEPS multipliers
    data = make_data(config.data)

    def probe(_worker: int) -> float:
        timings = []
        for steps in (1, 1, 1 + PROBE_STEPS):  # the first call warms up
            started = time.perf_counter()
            train_cells(
                todo[0].variant,
                lrs,
                wds,
                data=data,
                shape=config.shape,
                seed=0,
                steps=steps,
                batch_size=config.batch_size,
                betas=config.betas,
                eps=config.eps,
                eta=config.eta,
                schedule=schedule,
                dtype=config.torch_dtype,
            )
            timings.append(time.perf_counter() - started)
        return max(timings[2] - timings[1], timings[2] / (1 + PROBE_STEPS) / 4) / PROBE_STEPS

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # see run_chunks
    torch.set_flush_denormal(False)
    try:
        with ThreadPoolExecutor(workers) as pool:
            per_step = sum(pool.map(probe, range(workers))) / workers
    finally:
        torch.set_num_threads(previous)
    chunk_steps = sum(config.steps * max(1.0, _cells(config, c) / cells) for c in todo)
    return chunk_steps * per_step / workers


def _join(pool: ThreadPoolExecutor) -> None:
    """Cancel queued chunks and wait for the running ones to stop, ignoring repeated Ctrl-C."""
    while True:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        except KeyboardInterrupt:
            continue
