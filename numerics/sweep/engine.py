"""The sweep engine: every (learning rate, wd) cell of a variant trains at once.

One *chunk* is one variant, one seed and a block of learning-rate rows: its cells share the
initial weights (drawn from ``seed``) and the minibatch order (also from ``seed``), and differ
only in their per-cell ``(lr, wd)`` columns (``wd`` is the variant's own hyperparameter,
``lambda'`` or ``lambda``, on its own grid :meth:`~.config.SweepConfig.wd_grid`). The chunk is
a single batched computation -- a
``(cells, n_params)`` parameter tensor, :mod:`~wdproof.numerics.sweep.batched_mlp` for loss and
gradient, :mod:`~wdproof.numerics.sweep.batched_adam` for the update -- with no Python loop over
cells. Cell ``k`` of a chunk is ``(lrs[row_start + k // n_wd], wd_grid[k % n_wd])``. Chunks run
concurrently on worker threads (:mod:`~wdproof.numerics.sweep.parallel`).

Schedules: step ``t`` runs at the multiplier ``eta_t = eta s(t)`` of the configuration's
schedule (:meth:`~.config.SweepConfig.multipliers`), the same for every cell and every variant;
it scales each cell's step and decoupled decay (the rule is stated in
:mod:`~wdproof.numerics.sweep.batched_adam`). The multipliers are one float64 table computed
before the loop, so a schedule costs one scalar per step over a constant ``eta``.

Divergence: after every step the per-cell loss is checked; a cell whose loss is NaN or
infinite is recorded with that step in ``diverged_step`` and frozen (see
``BatchedAdam.freeze``). Its final metrics are NaN. No operation mixes rows, so the other
cells are bit-for-bit those of a run without the diverging cell (tested).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from wdproof.numerics.optimizers import conventions
from wdproof.numerics.optimizers.schedules import make_schedule
from wdproof.numerics.sweep.batched_adam import coefficients, make_optimizer
from wdproof.numerics.sweep.batched_mlp import MLPShape, evaluate, init_params, loss_and_grad
from wdproof.numerics.sweep.config import SweepConfig
from wdproof.numerics.sweep.datasets import make_data
from wdproof.numerics.sweep.labelled import Dataset

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
    data: Dataset,
    shape: MLPShape,
    seed: int,
    steps: int,
    batch_size: int,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    eta: float = 1.0,
    schedule="constant",
    dtype: torch.dtype = torch.float32,
    on_step: Callable[[int], None] | None = None,
) -> CellRun:
    """Train one cell per entry of ``lrs``/``wds`` (both ``(cells,)``) as one batched run of
    the variant named ``variant`` (``KeyError`` if the variant table has no such name).

    ``wds`` are per-step values (``lambda'`` or ``lambda``, normalized decay already applied).
    ``schedule`` is a schedule object of :mod:`~wdproof.numerics.optimizers.schedules` (its
    ``multipliers(steps)``) or its name, built for ``steps`` steps by ``make_schedule``; step
    ``t`` runs at ``eta_t = eta s(t)``.

    Subnormal floats are flushed to zero meanwhile: cells whose weights decay towards zero
    otherwise run an order of magnitude slower on x86, and values below 1e-38 change nothing.
    """
    if isinstance(schedule, str):
        schedule = make_schedule(schedule, steps)
    multipliers = (eta * schedule.multipliers(steps)).tolist()  # eta_t, t = 1 .. steps
    torch.set_flush_denormal(True)
    try:
        return _train_cells(
            variant, lrs, wds, data, shape, seed, batch_size, (betas, eps), multipliers, dtype,
            on_step,
        )  # fmt: skip
    finally:
        torch.set_flush_denormal(False)


def _train_cells(
    variant, lrs, wds, data, shape, seed, batch_size, adam, multipliers, dtype, on_step
) -> CellRun:
    steps = len(multipliers)
    betas, eps = adam
    data = data.to(dtype)
    cells = lrs.numel()
    params = init_params(shape, seed, dtype).repeat(cells, 1)
    method = conventions.variant(variant)
    coeffs = coefficients(method, lrs.to(dtype), wds.to(dtype))  # eta_t applied per step
    optimizer = make_optimizer(method, params, coeffs, betas, eps)
    diverged_step = torch.full((cells,), -1, dtype=torch.long)
    alive = torch.ones(cells, dtype=torch.bool)
    order = batch_schedule(len(data.y_train), batch_size, steps, seed)
    for t, rows in enumerate(order):
        loss, grad = loss_and_grad(params, data.x_train[rows], data.y_train[rows], shape)
        bad = ~torch.isfinite(loss)
        if bad.any():
            grad[bad] = 0
            _retire(optimizer, bad & alive, diverged_step, alive, t)
        optimizer.step(grad, multipliers[t])  # eta_{t+1}: t counts from 0 here
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
    # per-step hyperparameters: the grid's column times sqrt(b / (B T)) when normalized
    wds = torch.tensor(config.step_wd_grid(chunk.variant), dtype=torch.float64)
    grid_lr, grid_wd = torch.meshgrid(lrs, wds, indexing="ij")
    run = train_cells(
        chunk.variant,
        grid_lr.reshape(-1),
        grid_wd.reshape(-1),
        data=make_data(config.data),
        shape=config.shape,
        seed=chunk.seed,
        steps=config.steps,
        batch_size=config.batch_size,
        betas=config.betas,
        eps=config.eps,
        eta=config.eta,
        schedule=config.multiplier_schedule(),
        dtype=config.torch_dtype,
        on_step=on_step,
    )
    return {name: run.metrics[name].reshape(len(lrs), len(wds)) for name in METRICS}
