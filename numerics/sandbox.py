"""Containment for student code: a separate process, a fresh directory, time and memory limits.

:func:`run_student` copies only the student's file and the standalone runner
(:mod:`wdproof.numerics.grading_runner`) into a new temporary directory, starts
``python -I`` there (isolated mode: no ``PYTHON*`` variables, no user site, the cwd not on
``sys.path``) in its own session with a minimal environment, and limits it:

* wall clock -- ``time_limit`` seconds, after which the whole process group gets ``SIGKILL``
  (as it does when waiting is interrupted, e.g. by Ctrl-C, before the exception propagates);
* address space -- ``RLIMIT_AS = memory_limit`` bytes. Grading the reference solution (torch
  2.13 CPU, one thread) fails at a 0.5 GiB limit and passes at 0.7 GiB (measured), so the
  default 2 GiB leaves room and still turns a runaway allocation into a ``RuntimeError``;
* CPU time ``RLIMIT_CPU`` (a backstop), files ``RLIMIT_FSIZE`` 64 MiB, no core dumps.

The runner sets these ``resource`` limits itself, first thing, before it loads the student's
file (no ``preexec_fn``, which is unsafe in a threaded parent such as one that imported torch).

The runner cannot import ``wdproof``; the reference solution is neither on its path nor in its
directory. This contains accidents (hangs, crashes, ``sys.exit``, runaway memory), not a
determined adversary: the process runs as the same user and could read files by absolute path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from wdproof.numerics import grading_runner

TIME_LIMIT_S = 60.0
MEMORY_LIMIT_BYTES = 2 << 30
OUTPUT_LIMIT_BYTES = 64 << 20


@dataclass
class SandboxResult:
    """What came back from the student process.

    ``records`` maps check names to the runner's per-check records; ``import_error`` is set
    when the student file did not load; ``finished`` when the runner reached its end.
    """

    records: dict[str, dict] = field(default_factory=dict)
    import_error: dict | None = None
    finished: bool = False
    timed_out: bool = False
    returncode: int | None = None
    stderr_tail: str = ""
    elapsed_s: float = 0.0

    def failure_summary(self, time_limit: float) -> str:
        """One sentence on why the process ended early ("" when it finished)."""
        if self.finished:
            return ""
        if self.timed_out:
            return f"stopped after the {time_limit:g} s time limit (an infinite loop?)"
        if self.returncode is not None and self.returncode < 0:
            name = signal.Signals(-self.returncode).name
            return f"the student process was killed by {name} (memory or CPU limit?)"
        tail = self.stderr_tail.strip().splitlines()[-1:] or ["no output"]
        return f"the student process exited early with status {self.returncode} ({tail[0][:200]})"


def _read_records(path: Path, result: SandboxResult) -> None:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        if "import_error" in record:
            result.import_error = record["import_error"]
        elif record.get("done"):
            result.finished = True
        elif isinstance(record.get("name"), str):
            result.records[record["name"]] = record


def _kill_group(process: subprocess.Popen) -> int:
    """``SIGKILL`` the student's process group (its own session), reap it, return its status."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended already
        pass
    return process.wait()


def run_student(
    student_file: Path,
    checks: list[dict],
    time_limit: float = TIME_LIMIT_S,
    memory_limit: int = MEMORY_LIMIT_BYTES,
) -> SandboxResult:
    """Run the runner on ``student_file`` for ``checks`` in a contained child process."""
    result = SandboxResult()
    with tempfile.TemporaryDirectory(prefix="wdproof-grade-") as tmp:
        work = Path(tmp)
        student_name = "student.py"
        shutil.copyfile(student_file, work / student_name)
        runner = work / "grading_runner.py"
        shutil.copyfile(grading_runner.__file__, runner)
        spec = work / "spec.json"
        limits = {"memory": memory_limit, "cpu": int(time_limit) + 5, "output": OUTPUT_LIMIT_BYTES}
        spec.write_text(
            json.dumps({"student": student_name, "checks": checks, "limits": limits}),
            encoding="utf-8",
        )
        results = work / "results.jsonl"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "TMPDIR": tmp,
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        started = time.perf_counter()
        with open(work / "stderr.txt", "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-I", str(runner), str(spec), str(results)],
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
            try:
                result.returncode = process.wait(timeout=time_limit)
            except subprocess.TimeoutExpired:
                result.timed_out = True
                result.returncode = _kill_group(process)
            except BaseException:  # Ctrl-C or any error here: never leave the student running
                _kill_group(process)
                raise
        result.elapsed_s = time.perf_counter() - started
        result.stderr_tail = (work / "stderr.txt").read_bytes()[-2000:].decode("utf-8", "replace")
        _read_records(results, result)
    return result
