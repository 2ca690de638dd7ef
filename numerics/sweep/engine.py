"""The sweep engine: every (learning rate, weight decay) cell of a variant trains at once.

One *chunk* is one variant, one seed and a block of learning-rate rows: its cells share the
initial weights (drawn from ``seed``) and the minibatch order (also from ``seed``), and differ
only in their per-cell ``(lr, wd)`` columns. The chunk is a single batched computation -- a
``(cells, n_params)`` parameter tensor, :mod:`~wdproof.numerics.sweep.batched_mlp` for loss and
gradient, :mod:`~wdproof.numerics.sweep.batched_adam` for the update -- with no Python loop over
cells. Cell ``k`` of a chunk is ``(lrs[row_start + k // n_wd], wds[k % n_wd])``. Chunks run
concurrently on worker threads (:func:`run_chunks`).

Divergence: after every step the per-cell loss is checked; a cell whose loss is NaN or
infinite is recorded with that step in ``diverged_step`` and frozen (see
``BatchedAdam.freeze``). Its final metrics are NaN. No operation mixes rows, so the other
cells are bit-for-bit those of a run without the diverging cell (tested).
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import torch

from wdproof.numerics.sweep.batched_adam import coefficients, make_optimizer
from wdproof.numerics.sweep.batched_mlp import MLPShape, evaluate, init_params, loss_and_grad
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.spiral import SpiralData, make_spiral

#: Offset between the seed of the initial weights and the seed of the minibatch order.
BATCH_SEED_OFFSET = 1_000_003

#: Each (variant, seed) grid is cut into this many blocks of learning-rate rows, so that the
#: chunks spread evenly over the worker threads (and an interruption loses less work).
ROW_BLOCKS = 2

#: Per-cell arrays of a chunk, in the order they are stored.
METRICS = ("train_loss", "train_acc", "val_loss", "val_acc", "diverged_step")


def batch_schedule(n_train: int, batch_size: int, steps: int, seed: int) -> torch.Tensor:
    """Indices ``(steps, batch_size)``: epochs of fresh permutations, last partial batch dropped."""
    gen = torch.Generator().manual_seed(BATCH_SEED_OFFSET + seed)
    per_epoch = n_train // batch_size
    epochs = -(-steps // per_epoch)
    perms = [
        torch.randperm(n_train, generator=gen)[: per_epoch * batch_size] for _ in range(epochs)
    ]
    return torch.cat(perms).view(-1, batch_size)[:steps]


@dataclass(frozen=True)
class CellRun:
    """What training ``cells`` cells produced; metrics are ``(cells,)`` numpy arrays."""

    metrics: dict[str, np.ndarray]
    params: torch.Tensor  # final parameters (cells, n_params); diverged rows are zero


def train_cells(
    variant: str,
    lrs: torch.Tensor,
    wds: torch.Tensor,
    *,
    data: SpiralData,
    shape: MLPShape,
    seed: int,
    steps: int,
    batch_size: int,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    eta: float = 1.0,
    dtype: torch.dtype = torch.float32,
    on_step: Callable[[int], None] | None = None,
) -> CellRun:
    """Train one cell per entry of ``lrs``/``wds`` (both ``(cells,)``) as one batched run.

    Subnormal floats are flushed to zero meanwhile: cells whose weights decay towards zero
    otherwise run an order of magnitude slower on x86, and values below 1e-38 change nothing.
    """
    torch.set_flush_denormal(True)
    try:
        return _train_cells(
            variant, lrs, wds, data, shape, seed, steps, batch_size, betas, eps, eta, dtype, on_step
        )
    finally:
        torch.set_flush_denormal(False)


def _train_cells(
    variant, lrs, wds, data, shape, seed, steps, batch_size, betas, eps, eta, dtype, on_step
) -> CellRun:
    data = data.to(dtype)
    cells = lrs.numel()
    params = init_params(shape, seed, dtype).repeat(cells, 1)
    coeffs = coefficients(variant, lrs.to(dtype), wds.to(dtype), eta)
    optimizer = make_optimizer(variant, params, coeffs, betas, eps)
    diverged_step = torch.full((cells,), -1, dtype=torch.long)
    alive = torch.ones(cells, dtype=torch.bool)
    schedule = batch_schedule(len(data.y_train), batch_size, steps, seed)
    for t, rows in enumerate(schedule):
        loss, grad = loss_and_grad(params, data.x_train[rows], data.y_train[rows], shape)
        bad = ~torch.isfinite(loss)
        if bad.any():
            grad[bad] = 0
            _retire(optimizer, bad & alive, diverged_step, alive, t)
        optimizer.step(grad)
        if on_step is not None:
            on_step(t)
    # a cell can blow up on the very last update: look at the final parameters too
    _retire(optimizer, ~torch.isfinite(params).all(dim=1) & alive, diverged_step, alive, steps)
    metrics = {}
    for split, x, y in (("train", data.x_train, data.y_train), ("val", data.x_val, data.y_val)):
        loss, acc = evaluate(params, x, y, shape)
        for name, value in (("loss", loss), ("acc", acc)):
            value = value.to(torch.float64).masked_fill(~alive, float("nan"))
            metrics[f"{split}_{name}"] = value.numpy()
    metrics["diverged_step"] = diverged_step.numpy()
    return CellRun(metrics, params)


def _retire(optimizer, newly: torch.Tensor, diverged_step, alive, t: int) -> None:
    if newly.any():
        diverged_step[newly] = t
        alive &= ~newly
        optimizer.freeze(newly)


@dataclass(frozen=True)
class Chunk:
    """One unit of work: ``variant`` x ``seed`` x the learning-rate rows ``row_start:row_stop``."""

    variant: str
    seed: int
    row_start: int
    row_stop: int

    @property
    def name(self) -> str:
        return f"{self.variant}__seed{self.seed}__lr{self.row_start}-{self.row_stop}"


def chunks(config: SweepConfig, row_blocks: int = ROW_BLOCKS) -> list[Chunk]:
    """All chunks of ``config``: variants x seeds x ``row_blocks`` contiguous blocks of lr rows."""
    bounds = (
        np.linspace(0, len(config.lrs), min(row_blocks, len(config.lrs)) + 1).round().astype(int)
    )
    return [
        Chunk(v, s, int(a), int(b))
        for v in config.variants
        for s in config.seeds
        for a, b in itertools.pairwise(bounds)
    ]


def run_chunk(
    config: SweepConfig, chunk: Chunk, on_step: Callable[[int], None] | None = None
) -> dict[str, np.ndarray]:
    """Train the ``rows x n_wd`` cells of ``chunk``; arrays of shape ``(rows, n_wd)``."""
    lrs = torch.tensor(config.lrs[chunk.row_start : chunk.row_stop], dtype=torch.float64)
    wds = torch.tensor(config.wds, dtype=torch.float64)
    grid_lr, grid_wd = torch.meshgrid(lrs, wds, indexing="ij")
    run = train_cells(
        chunk.variant,
        grid_lr.reshape(-1),
        grid_wd.reshape(-1),
        data=make_spiral(config.data),
        shape=config.shape,
        seed=chunk.seed,
        steps=config.steps,
        batch_size=config.batch_size,
        betas=config.betas,
        eps=config.eps,
        eta=config.eta,
        dtype=config.torch_dtype,
        on_step=on_step,
    )
    return {name: run.metrics[name].reshape(len(lrs), len(wds)) for name in METRICS}


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
            futures = {pool.submit(run_chunk, config, chunk, step): chunk for chunk in todo}
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
    return (chunk.row_stop - chunk.row_start) * len(config.wds)


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
    wds = torch.full((cells,), config.wds[0], dtype=torch.float64)
    data = make_spiral(config.data)

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
