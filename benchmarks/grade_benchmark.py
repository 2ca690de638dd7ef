"""Benchmark of class grading (issue 15): one class, N worker processes vs one at a time.

The class: 20 submissions, as a real one might look -- the reference solution (twice, once in
the folder-per-student layout), every known mistake of the catalogue (13), a crash, a syntax
error, a missing class, ``sys.exit`` at import and a file that prints 8 MB. No hang: its time
limit would dominate the wall time. Each is graded by ``grade_class`` with ``force`` (nothing
reused) into its own temporary gradebook, first with ``--jobs 1``, then with ``--jobs N``
(default: the cores), after a warm-up that starts the workers' fork server, so neither pays
for it. Both runs must produce the same gradebook (same scores and mistakes).

Usage: ``.venv/bin/python benchmarks/grade_benchmark.py [--jobs N]``.
Timings on a shared 2-core machine are noisy; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

from wdproof.numerics.grading.assignment import solution_source
from wdproof.numerics.grading.batch import BatchRequest, default_jobs, grade_class
from wdproof.numerics.grading.mistakes import MISTAKES, apply_mistake

CRASH = """\
import ctypes

import torch


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        ctypes.string_at(0)


AdamW = Adam
"""


def load() -> str:
    return (
        " ".join(open("/proc/loadavg").read().split()[:3])
        if os.path.exists("/proc/loadavg")
        else "n/a"
    )


def write_class(folder: Path) -> int:
    """The 20 submissions of the module docstring; returns their number."""
    solution = solution_source()
    files = {
        "reference.py": solution,
        "bob/optimizers.py": solution,
        "crash.py": CRASH,
        "syntax-error.py": "def broken(:\n",
        "missing-class.py": solution[: solution.index("\nclass AdamW(")],
        "exits.py": "import sys\n\nsys.exit(0)\n",
        "loud.py": solution + "\nprint('x' * (8 << 20))\n",
        **{f"m-{m.name}.py": apply_mistake(solution, m) for m in MISTAKES},
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return len(files)


def time_batch(folder: Path, jobs: int) -> tuple[float, list[tuple[str, str, str]]]:
    """Wall seconds of one forced batch at ``jobs``, and its (id, score, mistake) rows."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = grade_class(BatchRequest(folder, Path(out), jobs=jobs, force=True))
        elapsed = time.perf_counter() - started
        with open(result.csv_path, encoding="utf-8", newline="") as handle:
            rows = [(r["id"], r["score"], r["mistake"]) for r in csv.DictReader(handle)]
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="N (default: cores)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as base:
        warm = Path(base, "warm-up")
        warm.mkdir()
        (warm / "one.py").write_text("def broken(:\n")
        time_batch(warm, 1)  # starts the fork server that imports the grader once
        folder = Path(base, "class")
        folder.mkdir()
        count = write_class(folder)
        print(f"grading {count} submissions; load average before: {load()}")
        serial, serial_rows = time_batch(folder, 1)
        parallel, parallel_rows = time_batch(folder, args.jobs)
    assert serial_rows == parallel_rows, "the two runs disagree"
    print(f"{'jobs':>6}  {'wall s':>8}  {'s / student':>11}")
    print(f"{1:>6}  {serial:8.1f}  {serial / count:11.2f}")
    print(f"{args.jobs:>6}  {parallel:8.1f}  {parallel / count:11.2f}")
    print(f"speed-up with {args.jobs} workers: x{serial / parallel:.2f} (load average: {load()})")


if __name__ == "__main__":
    main()
