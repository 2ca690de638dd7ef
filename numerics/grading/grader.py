"""The Q2.a autograder: a student's Adam and AdamW against the reference, with mistakes named.

Every check of :data:`~wdproof.numerics.grading.checks.CHECKS` constructs the student's class
with stated hyperparameters on a small deterministic problem, runs its steps in the sandboxed
student process (:mod:`wdproof.numerics.grading.sandbox`), driven step by step over a channel the
grader owns (:mod:`wdproof.numerics.grading.protocol`), and compares every parameter after
every step with the reference rule (:mod:`wdproof.numerics.optimizers.rules`, itself
matched to ``torch.optim`` to 1e-12): a check passes when
``|student - reference| <= ATOL + RTOL |reference|`` everywhere. A failed check reports the
first step and tensor where the student departs and is
*diagnosed*: the student's trajectory is compared with each known-wrong variant
(:mod:`wdproof.numerics.grading.mistakes`) under the same tolerance, and the matching one is named
(both comparisons: :mod:`wdproof.numerics.grading.compare`).
Non-finite values (NaN, inf) never agree with anything, so a trajectory that blows up is never
mistaken for a known mistake. A class that is, subclasses or hands its update to torch's Adam
scores 0 for every check of that class, and so does every check of a run whose process broke
the grading protocol.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.grading.checks import (
    CHECKS,
    SHAPES,
    STEPS,
    GradingCheck,
    Trajectory,
    trajectory_of,
)
from wdproof.numerics.grading.compare import diagnose, first_departure
from wdproof.numerics.grading.protocol import run_student
from wdproof.numerics.grading.sandbox import (
    MEMORY_LIMIT_BYTES,
    MEMORY_LIMIT_RANGE_BYTES,
    TIME_LIMIT_RANGE_S,
    TIME_LIMIT_S,
)
from wdproof.numerics.optimizers.trajectory import max_deviation

__all__ = ["CHECKS", "CheckResult", "GradeReport", "grade_file"]

ARITHMETIC_ERRORS = ("ZeroDivisionError", "FloatingPointError", "OverflowError")


def _tensors(record: dict) -> Trajectory:
    """The record's parameters as tensors of the checks' shapes (the protocol checked sizes)."""
    return [
        [torch.tensor(x, dtype=torch.float64).reshape(s) for x, s in zip(step, SHAPES, strict=True)]
        for step in record["trajectory"]
    ]


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    points: int
    max_points: int
    feedback: str
    diagnosis: str = ""
    mistake: str | None = None

    def as_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("name", "passed", "points", "max_points", "feedback", "diagnosis")
        }


def _error_text(error: dict) -> str:
    """``Type (line N: code): message``; an empty message leaves the type to speak."""
    where = (
        f" (line {error['where']['line']}: {error['where']['code']})" if error.get("where") else ""
    )
    return f"{error['type']}{where}" + (f": {error['message']}" if error["message"] else "")


def judge(check: GradingCheck, record: dict | None, why_missing: str) -> CheckResult:
    """Score one check from its record (:mod:`~wdproof.numerics.grading.protocol`).

    ``record`` is ``None`` when the process never reached the check; ``why_missing`` then says
    why (and, for a record marked ``stopped``, why it stopped mid-check).
    """

    def fail(feedback: str, diagnosis: str = "", mistake: str | None = None) -> CheckResult:
        return CheckResult(check.name, False, 0, check.points, feedback, diagnosis, mistake)

    if record is None:
        return fail(why_missing)
    if record.get("delegation"):
        return fail(
            f"0 points, not your own work: {record['delegation']}; "
            f"{check.class_name}.step must compute the update itself"
        )
    if "stopped" in record:
        stopped = record["stopped"]
        where = f"at step {stopped}" if stopped else f"while constructing {check.class_name}"
        return fail(f"{where}: {why_missing}")
    if record.get("missing_class"):
        return fail(f"no class named {check.class_name} in the file")
    error = record.get("error")
    if error and error["type"] == "NotImplementedError":
        return fail(f"not implemented: {check.class_name}.step raised NotImplementedError")
    if error and error.get("step") is None:
        return fail(
            f"constructing {check.class_name}(params, **{check.hyper}) failed: {_error_text(error)}"
        )
    student = _tensors(record)
    arithmetic = bool(error) and error["type"] in ARITHMETIC_ERRORS
    if error:
        feedback = f"raised {_error_text(error)} at step {error['step']}"
    else:
        reference = trajectory_of(check)
        departure = first_departure(student, reference)
        if departure is None and len(student) == STEPS:
            gap = max_deviation(student, reference)
            return CheckResult(
                check.name,
                True,
                check.points,
                check.points,
                f"matches the reference over {STEPS} steps (max deviation {gap:.1e})",
            )
        if departure is None:
            return fail(f"reported {len(student)} of {STEPS} steps")
        feedback = departure.describe()
    if error and not arithmetic:
        return fail(feedback)
    mistake = diagnose(check, student, arithmetic)
    if mistake is None:
        return fail(feedback, "no known mistake reproduces this trajectory")
    return fail(
        feedback, f"matches known mistake '{mistake.name}': {mistake.description}", mistake.name
    )


@dataclass(frozen=True)
class GradeReport:
    student_file: str
    checks: tuple[CheckResult, ...]
    elapsed_s: float = 0.0

    @property
    def score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> int:
        return sum(c.max_points for c in self.checks)

    @property
    def mistakes(self) -> list[str]:
        """Named mistakes, most frequent first."""
        return [
            name for name, _ in Counter(c.mistake for c in self.checks if c.mistake).most_common()
        ]

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "checks": [c.as_dict() for c in self.checks],
            "mistakes": self.mistakes,
        }

    def format_table(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = [f"grading {self.student_file}", ""]
        for c in self.checks:
            mark = "PASS" if c.passed else "FAIL"
            lines.append(f"{mark}  {c.name.ljust(width)}  {c.points}/{c.max_points}  {c.feedback}")
            if c.diagnosis:
                lines.append(f"      {' ' * width}  diagnosis: {c.diagnosis}")
        lines += ["", f"score: {self.score}/{self.max_score}"]
        if self.mistakes:
            lines.append(f"known mistakes found: {', '.join(self.mistakes)}")
        return "\n".join(lines)


def validate_student_file(path: Path) -> Path:
    """Bad input (exit 2): a missing file, a directory, or not a Python source file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    if path.suffix != ".py":
        raise InputError(f"{path}: not a Python file (expected a .py file)")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a Python source file (not UTF-8 text)") from None
    return path


def _in_range(value: float, low: float, high: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and low <= value <= high


def check_limits(time_limit: float = TIME_LIMIT_S, memory_limit: int = MEMORY_LIMIT_BYTES) -> None:
    """Bad input (exit 2): a time limit outside 1 s .. 1 h, a memory limit outside 256 MiB .. 1 TiB.

    ``nan``, ``inf``, 0, ``1e19`` and ``1e-300`` are all refused before any process starts, so
    the CPU-time limit derived from the time limit always fits an rlimit.
    """
    low, high = TIME_LIMIT_RANGE_S
    if not _in_range(time_limit, low, high):
        raise InputError(
            f"--time-limit must be between {low:g} and {high:g} seconds, got {time_limit:g}"
        )
    low, high = MEMORY_LIMIT_RANGE_BYTES
    if not _in_range(memory_limit, low, high):
        raise InputError(
            f"memory limit must be between {low >> 20} MiB and {high >> 40} TiB "
            f"(in bytes), got {memory_limit:g}"
        )


def grade_file(
    path: Path,
    time_limit: float = TIME_LIMIT_S,
    memory_limit: int = MEMORY_LIMIT_BYTES,
    sandbox: str | None = None,
) -> GradeReport:
    """Grade ``path`` against :data:`CHECKS`; every failure mode becomes feedback, never a crash.

    ``sandbox`` chooses the containment (``"bwrap"``, ``"none"``, ``"auto"``; default
    ``$WDPROOF_SANDBOX``, else auto: see :mod:`wdproof.numerics.grading.sandbox`).
    """
    check_limits(time_limit, memory_limit)
    path = validate_student_file(path)
    outcome = run_student(path, [c.spec() for c in CHECKS], time_limit, memory_limit, sandbox)
    records, summary = outcome.records, outcome.failure_summary(time_limit)
    if outcome.violation:  # the stream is untrusted: no check is scored
        records, why = {}, f"{summary}; no check is scored"
    elif outcome.import_error:
        why = f"the file did not load: {_error_text(outcome.import_error)}"
    else:
        why = summary or "the student process did not report this check"

    def why_missing(check: GradingCheck) -> str:
        if outcome.violation or outcome.stopped_in in (None, check.name):
            return why
        return f"not run: {summary} during check {outcome.stopped_in}"

    results = tuple(judge(c, records.get(c.name), why_missing(c)) for c in CHECKS)
    return GradeReport(str(path), results, outcome.elapsed_s)
