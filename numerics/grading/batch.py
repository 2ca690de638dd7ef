"""Grade a whole class: ``wdproof grade SUBMISSIONS_DIR --out GRADEBOOK_DIR`` (issue 15).

**Layouts**: :mod:`.submissions` finds the students, in either layout (a file ``<id>.py`` or
a folder ``<id>/`` each), and refuses, with the reason, those that cannot be graded: they get a
``rejected`` row; nothing a submission is or does stops the batch.

**Containment**: every submission is graded by :func:`~.grader.grade_file`, unchanged, so each
runs in its own sandboxed, time- and memory-limited student process. The batch only runs
several gradings at once, in a pool of worker processes (each grading's reference and
diagnosis are Python work, so threads would share one core). The sandbox mode is chosen once,
here (an unavailable ``WDPROOF_SANDBOX=bwrap`` stops the batch before it starts).

**Re-runs**: a student's record (:mod:`.gradebook`) is reused when its submission's SHA-256 and
the :func:`~.gradebook.grader_fingerprint` are unchanged, unless ``force``.

**Ctrl-C**: queued gradings are cancelled, running ones are interrupted (their student
processes are killed, as for a single file), the CSV is rewritten from the records written so
far and :class:`GradingInterrupted` says how many there are.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path

from wdproof.numerics.errors import InputError, writable_directory
from wdproof.numerics.grading import gradebook
from wdproof.numerics.grading.grader import CHECKS, check_limits, grade_file
from wdproof.numerics.grading.sandbox import MEMORY_LIMIT_BYTES, TIME_LIMIT_S, choose_mode
from wdproof.numerics.grading.submissions import Submission, discover

MAX_SCORE = sum(check.points for check in CHECKS)
#: A submission that is not graded scores nothing on any check.
UNGRADED = {"score": 0, "max_score": MAX_SCORE, "checks": [], "mistakes": []}


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@dataclass(frozen=True)
class BatchRequest:
    submissions: Path
    out: Path
    jobs: int = field(default_factory=default_jobs)
    force: bool = False
    time_limit: float = TIME_LIMIT_S
    memory_limit: int = MEMORY_LIMIT_BYTES


@dataclass
class BatchResult:
    records: list[dict]
    graded: int  # graded by this run
    unchanged: int  # reused from an earlier run
    ignored: list[str]  # entries that are neither a .py file nor a folder
    csv_path: Path
    elapsed_s: float


class GradingInterrupted(KeyboardInterrupt):
    """Ctrl-C: ``kept`` of ``total`` students have a row in ``csv_path``."""

    def __init__(self, kept: int, total: int, csv_path: Path) -> None:
        super().__init__(f"{kept} of {total} students graded")
        self.kept, self.total, self.csv_path = kept, total, csv_path


# --- the worker pool --------------------------------------------------------------------------


def _interrupt_once(signum, frame) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
    raise KeyboardInterrupt


def _start_worker(mode: str) -> None:
    """A worker ignores Ctrl-C except while grading; torch on one thread (the pool is the
    parallelism); the sandbox mode's fallback warning was already printed by the parent."""
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)
    with redirect_stderr(io.StringIO()):
        choose_mode(mode)


def grade_in_worker(path: str, time_limit: float, memory_limit: int, mode: str) -> tuple:
    """``("graded", report dict)``, ``("rejected", why)`` or ``("error", what failed)``."""
    signal.signal(signal.SIGINT, _interrupt_once)
    try:
        report = grade_file(Path(path), time_limit, memory_limit, sandbox=mode)
        return "graded", report.as_dict()
    except InputError as err:  # the file changed under us, and is no longer gradable
        return "rejected", str(err)
    except Exception as err:  # noqa: BLE001 - a grader bug: this row says so, the batch goes on
        return "error", f"the grader failed: {type(err).__name__}: {err}"
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel queued gradings, interrupt the running ones and wait for them, ignoring Ctrl-C.

    A Ctrl-C at the terminal reaches the workers too; a SIGINT sent to this process alone does
    not, so each worker (this process's only ``multiprocessing`` children) is sent one.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGINT)
        pool.shutdown(wait=True)
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server that has imported the grader (and torch) once: no
    worker pays for that import again, and none inherits this process's threads or state."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # takes effect when the server first starts
    return context


def _graded(todo: list[Submission], request: BatchRequest, mode: str) -> Iterator[tuple]:
    """``(submission, status, payload)`` for each of ``todo``, as the workers finish them."""
    if not todo:
        return
    pool = ProcessPoolExecutor(
        max_workers=min(request.jobs, len(todo)),
        mp_context=_worker_context(),
        initializer=_start_worker,
        initargs=(mode,),
    )
    limits = (request.time_limit, request.memory_limit, mode)
    futures: dict[Future, Submission] = {
        pool.submit(grade_in_worker, str(s.path), *limits): s for s in todo
    }
    try:
        for future in as_completed(futures):
            try:
                yield futures[future], *future.result()
            except Exception as err:  # noqa: BLE001 - a worker died (BrokenProcessPool)
                yield futures[future], "error", f"the grading worker failed: {err}"
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


# --- the batch --------------------------------------------------------------------------------


def check_request(request: BatchRequest) -> None:
    """Bad input (exit 2) before any work: the folders, ``jobs``, the limits."""
    folder, out = Path(request.submissions), Path(request.out)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of submissions")
    if type(request.jobs) is not int or request.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {request.jobs}")
    if out.resolve() == folder.resolve():
        raise InputError("--out must not be the submissions folder itself")
    check_limits(request.time_limit, request.memory_limit)


def _plan(
    submissions: list[Submission], out: Path, grader: str, force: bool
) -> tuple[dict[str, dict], list[Submission]]:
    """The records that stand (rejections, written now; unchanged gradings, reused) and the
    submissions to grade."""
    try:
        (out / gradebook.STUDENTS_DIR).mkdir(exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create {out / gradebook.STUDENTS_DIR}: {err.strerror}") from None
    records: dict[str, dict] = {}
    todo = []
    for submission in submissions:
        if submission.problem:
            records[submission.id] = gradebook.new_record(
                submission, grader, "rejected", UNGRADED, submission.problem
            )
            if not gradebook.id_problem(submission.id):
                gradebook.write_record(out, records[submission.id])
            continue
        path = gradebook.record_path(out, submission.id)
        kept = None if force else gradebook.load_record(path, submission.sha256, grader)
        if kept is None:
            todo.append(submission)
        else:
            records[submission.id] = kept
    return records, todo


def grade_class(
    request: BatchRequest, progress: Callable[[int, int], None] | None = None
) -> BatchResult:
    """Grade every student of ``request.submissions`` into ``request.out`` (module docstring).

    ``progress(done, total)`` is called as gradings finish. Raises :class:`InputError` on bad
    input or a gradebook in use, :class:`GradingInterrupted` on Ctrl-C.
    """
    started = time.perf_counter()
    check_request(request)
    out = writable_directory(request.out)
    submissions, ignored = discover(Path(request.submissions), out)
    if not submissions:
        raise InputError(
            f"{request.submissions}: no submissions (expected <id>.py files or <id>/ folders)"
        )
    mode = choose_mode()  # once, here: a missing sandbox that is required stops us now
    grader = gradebook.grader_fingerprint(request.time_limit, request.memory_limit)
    check_names = [check.name for check in CHECKS]
    with gradebook.exclusive_lock(out):
        records, todo = _plan(submissions, out, grader, request.force)
        unchanged = len(records) - sum(1 for s in submissions if s.problem)
        if progress and todo:
            progress(0, len(todo))
        finished = _graded(todo, request, mode)
        try:
            for done, (submission, status, payload) in enumerate(finished, start=1):
                report = payload if status == "graded" else UNGRADED
                why = "" if status == "graded" else payload
                records[submission.id] = gradebook.new_record(
                    submission, grader, status, report, why
                )
                gradebook.write_record(out, records[submission.id])
                if progress:
                    progress(done, len(todo))
        except KeyboardInterrupt:
            finished.close()  # stops the pool before the CSV is written
            csv_path = gradebook.write_csv(out, list(records.values()), check_names)
            raise GradingInterrupted(len(records), len(submissions), csv_path) from None
        finally:
            finished.close()
        csv_path = gradebook.write_csv(out, list(records.values()), check_names)
    elapsed = time.perf_counter() - started
    ordered = [records[s.id] for s in submissions]
    return BatchResult(ordered, len(todo), unchanged, ignored, csv_path, elapsed)
