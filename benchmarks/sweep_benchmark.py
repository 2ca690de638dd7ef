"""Benchmark of the batched sweep engine (issue 5 acceptance figures), printed in one run.

1. Wall time of the default sweep (all variants x 16 lr x 24 wd x 3 seeds, trained from
   scratch into a temporary folder; figures excluded).
2. The same cells as ordinary per-cell training loops: each cell's problem and the
   ``torch.optim`` optimizer its variant reproduces (:mod:`wdproof.numerics.sweep.cells`, which
   refuses a variant it has no set-up for), autograd, one cell at a time through the one
   trajectory runner (same data, minibatch order, dtype and step count; the runner's per-step
   copy of the parameters is included), timed on a seeded random sample of cells and
   extrapolated to all of them; the speed-up is the ratio. The loop runs in one process; the
   line "per core" halves its time, as if the loop were spread perfectly over both cores.
3. Achieved GFLOP/s of the sweep and of the larger presets (``--throughput``, default
   ``noisy,digits``: wider networks, more steps) -- matrix-multiply FLOPs of forward and
   backward passes and of the final evaluation, elementwise work not counted -- against a
   large float32 matmul timed in the same run.
4. Hand-written backward vs autograd for one batched step (why the engine writes it out).
5. With ``--schedules``: the preset trained under the constant, cosine and warm-restarts
   schedules in one run, side by side with each schedule's ratio to constant (issue 14's
   target: at most 1.05), and constant once more as the noise floor. Interleaved, in an order
   rotated each round, keeping the fastest of each (load on a shared machine only ever adds
   time): first one chunk on one thread (the engine alone), then the whole sweep
   (``--rounds`` rounds). Only this is printed with ``--schedules``.
6. With ``--dask``: the same sweep on a local Dask cluster of 2 worker processes
   (``wdproof sweep --workers 2``), against the default worker threads; the cluster's start-up
   is timed apart.

Usage: ``.venv/bin/python benchmarks/sweep_benchmark.py [--sample N] [--preset P] [--dask]
[--schedules [--rounds R]]``
(``--preset tiny --sample 4`` is a quick check that it runs).
Timings on a shared 2-core machine are noisy; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import tempfile
import time

import torch

from wdproof.numerics.optimizers.conventions import variant as variant_named
from wdproof.numerics.optimizers.schedules import SCHEDULES
from wdproof.numerics.optimizers.trajectory import run
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep import parallel
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.batched_mlp import autograd_loss_and_grad, init_params, loss_and_grad
from wdproof.numerics.sweep.cells import cell_problem, logits, torch_stepper
from wdproof.numerics.sweep.config import SweepConfig, preset
from wdproof.numerics.sweep.datasets import make_data


def load() -> str:
    return (
        " ".join(open("/proc/loadavg").read().split()[:3])
        if os.path.exists("/proc/loadavg")
        else "n/a"
    )


def time_sweep(config: SweepConfig, run_chunks=None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        sweep_store.load_or_run(config, folder, force=True, run_chunks=run_chunks)
        return time.perf_counter() - started


def time_dask_sweep(config: SweepConfig, workers: int = 2) -> tuple[float, float]:
    """Seconds to start a local Dask cluster of ``workers`` processes, and to sweep on it."""
    from wdproof.numerics.sweep import distributed

    started = time.perf_counter()
    with distributed.connect(workers=workers) as cluster:
        start_up = time.perf_counter() - started
        return start_up, time_sweep(config, cluster)


#: The timed entries of ``--schedules``: each schedule, and constant a second time, whose ratio
#: to the first is the noise floor of the measurement (the code path is the same for all).
SCHEDULE_ENTRIES = (*SCHEDULES, "constant (again)")


def _rotated(round_: int) -> list[str]:
    """The entries in a different order each round, so that none is always timed first."""
    k = round_ % len(SCHEDULE_ENTRIES)
    return list(SCHEDULE_ENTRIES[k:] + SCHEDULE_ENTRIES[:k])


def schedule_timings(config: SweepConfig, rounds: int) -> dict[str, list[float]]:
    """Seconds of ``config`` under each schedule, ``rounds`` interleaved rounds."""
    times: dict[str, list[float]] = {name: [] for name in SCHEDULE_ENTRIES}
    for round_ in range(rounds):
        for name in _rotated(round_):
            each = dataclasses.replace(config, schedule=name.split()[0])
            times[name].append(time_sweep(each))
    return times


def chunk_schedule_timings(
    config: SweepConfig, cells: int = 192, steps: int = 200, repeats: int = 8
) -> dict[str, float]:
    """Fastest of ``repeats`` interleaved runs of one chunk of ``cells`` cells, ``steps`` steps,
    per schedule, on one torch thread (as a sweep worker): the engine alone, without the
    store, the thread pool or other chunks, so load spikes are less likely to decide it."""
    data = make_data(config.data)
    lrs = torch.full((cells,), config.lrs[len(config.lrs) // 2], dtype=torch.float64)
    wds = torch.full((cells,), config.step_wd_grid(config.variants[0])[0], dtype=torch.float64)
    best = {name: float("inf") for name in SCHEDULE_ENTRIES}
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for round_ in range(repeats):
            for name in _rotated(round_):
                started = time.perf_counter()
                sweep.train_cells(
                    config.variants[0],
                    lrs,
                    wds,
                    data=data,
                    shape=config.shape,
                    seed=0,
                    steps=steps,
                    batch_size=config.batch_size,
                    schedule=name.split()[0],
                    dtype=config.torch_dtype,
                )
                best[name] = min(best[name], time.perf_counter() - started)
    finally:
        torch.set_num_threads(previous)
    return best


def print_schedules(config: SweepConfig, rounds: int) -> None:
    chunk = chunk_schedule_timings(config)
    print(
        f"one chunk of {config.variants[0]} (192 cells x 200 steps, 1 thread), fastest of 8 "
        f"interleaved repeats (order rotated each repeat):"
    )
    print(f"{'schedule':<17} {'ms/step':>8} {'x constant':>11}")
    for name in SCHEDULE_ENTRIES:
        ratio = chunk[name] / chunk["constant"]
        print(f"{name:<17} {chunk[name] / 200 * 1e3:>8.3f} {ratio:>11.3f}")
    times = schedule_timings(config, rounds)
    best = {name: min(ts) for name, ts in times.items()}
    print(
        f"{config.preset} sweep ({config.n_cells} runs x {config.steps} steps) per schedule, "
        f"fastest of {rounds} interleaved round(s) (load average after: {load()}):"
    )
    print(f"{'schedule':<17} {'s':>7} {'x constant':>11}   all rounds (s)")
    for name in SCHEDULE_ENTRIES:
        rounds_text = ", ".join(f"{t:.1f}" for t in times[name])
        ratio = best[name] / best["constant"]
        print(f"{name:<17} {best[name]:>7.1f} {ratio:>11.3f}   {rounds_text}")
    print(
        "'constant (again)' repeats constant: its ratio is the noise floor (every schedule runs "
        "the same code, one multiplier per step from a table built before the loop)"
    )


def per_cell_loop(config: SweepConfig, variant: str, seed: int, lr: float, wd: float) -> float:
    """Seconds for one cell trained the ordinary way (autograd + torch.optim), with evaluation.

    ``variant`` is looked up in the variant table: an unknown name raises ``KeyError``.
    """
    data = make_data(config.data).to(config.torch_dtype)
    problem = cell_problem(
        data, config.shape, seed, config.steps, config.batch_size, config.torch_dtype
    )
    stepper = torch_stepper(
        variant_named(variant), lr, wd, eta=config.eta, betas=config.betas, eps=config.eps
    )
    started = time.perf_counter()
    history = run(problem, stepper, config.steps)
    with torch.no_grad():
        for x in (data.x_train, data.x_val):
            logits(history[-1], x)
    return time.perf_counter() - started


def sweep_flops(config: SweepConfig) -> float:
    """Matrix-multiply FLOPs of the whole sweep (forward, both backward products, evaluation)."""
    dims = config.shape.layer_dims
    mac = sum(fan_in * fan_out for fan_in, fan_out in dims)
    mac_dh = sum(fan_in * fan_out for fan_in, fan_out in dims[1:])  # no gradient w.r.t. the data
    per_step = 2 * config.batch_size * (2 * mac + mac_dh)
    evaluation = 2 * config.data.n_points * mac
    return config.n_cells * (config.steps * per_step + evaluation)


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - started) / 1e9


def step_timings(config: SweepConfig, cells: int = 192, repeats: int = 30) -> tuple[float, float]:
    """Best-of-``repeats`` milliseconds of one batched loss+gradient: hand-written, autograd."""
    data = make_data(config.data).to(config.torch_dtype)
    flat = init_params(config.shape, 0, config.torch_dtype).repeat(cells, 1)
    x, y = data.x_train[: config.batch_size], data.y_train[: config.batch_size]
    out = []
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the engine's worker threads
    for fn in (loss_and_grad, autograd_loss_and_grad):
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            fn(flat, x, y, config.shape)
            best = min(best, time.perf_counter() - started)
        out.append(best * 1e3)
    torch.set_num_threads(previous)
    return out[0], out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default", help="preset timed against the loop")
    parser.add_argument(
        "--throughput",
        default="noisy,digits",
        help="comma-separated presets whose GFLOP/s is also measured ('' for none)",
    )
    parser.add_argument("--sample", type=int, default=16, help="cells timed with the per-cell loop")
    parser.add_argument(
        "--schedules",
        action="store_true",
        help="only time the preset under constant, cosine and warm-restarts schedules",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds of --schedules")
    parser.add_argument(
        "--dask", action="store_true", help="also time the sweep on a 2-worker local Dask cluster"
    )
    args = parser.parse_args()
    config = preset(args.preset)
    print(
        f"machine: {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; "
        f"load average before: {load()}"
    )
    if args.schedules:
        print_schedules(config, args.rounds)
        return
    peak = matmul_gflops()
    print(f"2048x2048 float32 matmul: {peak:.1f} GFLOP/s (the reference for every ratio below)")

    estimate = parallel.estimate_seconds(config, sweep.chunks(config))
    seconds = time_sweep(config)
    print(
        f"{config.preset} sweep: {config.n_cells} runs x {config.steps} steps in {seconds:.1f} s "
        f"(load average after: {load()}); the CLI's probe estimated {estimate:.1f} s"
    )
    if args.dask:
        start_up, on_dask = time_dask_sweep(config)
        print(
            f"{config.preset} sweep on a local Dask cluster of 2 processes (--workers 2): "
            f"{on_dask:.1f} s, {on_dask / seconds:.2f}x the worker threads' time, after "
            f"{start_up:.1f} s to start the cluster (load average after: {load()})"
        )

    cells = [
        (v, s, lr, wd)
        for v in config.variants
        for s in config.seeds
        for lr in config.lrs
        for wd in config.wd_grid(v)
    ]
    sample = random.Random(0).sample(cells, min(args.sample, len(cells)))
    per_cell = [per_cell_loop(config, *cell) for cell in sample]
    mean = sum(per_cell) / len(per_cell)
    loop_total = mean * len(cells)
    print(
        f"per-cell torch.optim loop: {mean * 1e3:.0f} ms per cell "
        f"(mean of {len(sample)} sampled cells) "
        f"-> {loop_total:.0f} s for all {len(cells)} cells"
    )
    print(
        f"speed-up of the batched sweep: {loop_total / seconds:.1f}x "
        f"({loop_total / 2 / seconds:.1f}x against the loop spread over 2 cores)"
    )

    rows = [(config, seconds)]
    for name in filter(None, args.throughput.split(",")):
        other = preset(name.strip())
        rows.append((other, time_sweep(other)))
    print(f"{'preset':<12} {'cells':>6} {'steps':>6} {'width':>5} {'s':>7} {'TFLOP':>7} "
          f"{'GFLOP/s':>8} {'of matmul':>9}")  # fmt: skip
    for each, wall in rows:
        flops = sweep_flops(each)
        achieved = flops / wall / 1e9
        print(
            f"{each.preset:<12} {each.n_cells:>6} {each.steps:>6} {each.width:>5} {wall:>7.1f} "
            f"{flops / 1e12:>7.2f} {achieved:>8.1f} {achieved / peak:>9.0%}"
        )

    hand, auto = step_timings(config)
    print(
        f"one batched loss+gradient step (192 cells, 1 thread): hand-written {hand:.2f} ms, "
        f"autograd {auto:.2f} ms"
    )


if __name__ == "__main__":
    main()
