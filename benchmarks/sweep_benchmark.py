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

Usage: ``.venv/bin/python benchmarks/sweep_benchmark.py [--sample N] [--preset P]``
(``--preset tiny --sample 4`` is a quick check that it runs).
Timings on a shared 2-core machine are noisy; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

import torch

from wdproof.numerics.optimizers.conventions import variant as variant_named
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


def time_sweep(config: SweepConfig) -> float:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        sweep_store.load_or_run(config, folder, force=True)
        return time.perf_counter() - started


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
    args = parser.parse_args()
    config = preset(args.preset)
    print(
        f"machine: {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; "
        f"load average before: {load()}"
    )
    peak = matmul_gflops()
    print(f"2048x2048 float32 matmul: {peak:.1f} GFLOP/s (the reference for every ratio below)")

    estimate = parallel.estimate_seconds(config, sweep.chunks(config))
    seconds = time_sweep(config)
    print(
        f"{config.preset} sweep: {config.n_cells} runs x {config.steps} steps in {seconds:.1f} s "
        f"(load average after: {load()}); the CLI's probe estimated {estimate:.1f} s"
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
