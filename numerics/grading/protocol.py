"""The grader's side of the grading channel: it drives the student's optimizer step by step.

:func:`run_student` starts a :class:`~wdproof.numerics.grading.channel.StudentProcess` and
asks it to ``load`` the student's file; then, for every check, to ``construct`` the student's
class on the check's initial parameters, and for every step to ``step`` with a gradient that the
grader computes itself (:func:`~wdproof.numerics.grading.checks.make_problem`, at the
parameters the student's optimizer returned last), so the student cannot change the
objective. Every value recorded is the reply to one of the grader's own requests, checked for
shape and type: the student process can hand over numbers, which
:func:`wdproof.numerics.grading.grader.judge` compares with the reference, but never claim a check.

One record per check reached, as :func:`~wdproof.numerics.grading.grader.judge` reads it::

    {"name": str, "trajectory": [[[float, ...] per tensor] per step],
     and at most one of: "error": {"type", "message", "step", "where"},
     "missing_class": True, "delegation": str (why it is not the student's own update),
     "stopped": step (0 while constructing) when the process stopped answering mid-check}

A broken protocol (garbage, a reply out of sequence or truncated, bytes nobody asked for) sets
:attr:`SandboxResult.violation` and voids every check: the stream can no longer be trusted.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from wdproof.numerics.grading.channel import StudentProcess
from wdproof.numerics.grading.checks import make_problem
from wdproof.numerics.grading.exits import describe_signal
from wdproof.numerics.grading.frames import ChannelClosed, ChannelTimeout, ProtocolViolation
from wdproof.numerics.grading.sandbox import MEMORY_LIMIT_BYTES, TIME_LIMIT_S, Limits

LOAD_REPLIES = frozenset({"ok", "import_error"})
CONSTRUCT_REPLIES = frozenset({"ok", "missing_class", "delegation", "error"})
STEP_REPLIES = frozenset({"params", "delegation", "error"})


@dataclass
class SandboxResult:
    """What the grader learned from the student process.

    ``records`` maps check names to records (module docstring); ``import_error`` is set when
    the student's file did not load; ``finished`` when every check ran and the channel was
    clean at the end; ``violation`` says how and where the protocol was broken;
    ``stopped_in`` names the check during which the process stopped answering.
    """

    records: dict[str, dict] = field(default_factory=dict)
    import_error: dict | None = None
    finished: bool = False
    timed_out: bool = False
    violation: str = ""
    stopped_in: str | None = None
    returncode: int | None = None
    signal: int | None = None
    cpu_limit_s: int = 0
    sandboxed: bool = False
    output_tail: str = ""
    elapsed_s: float = 0.0

    def failure_summary(self, time_limit: float) -> str:
        """One sentence on why the process ended early ("" when it finished)."""
        if self.violation:
            return (
                "the student process wrote to the grader's channel and broke the grading "
                f"protocol ({self.violation})"
            )
        if self.finished:
            return ""
        if self.timed_out:
            return f"stopped after the {time_limit:g} s time limit (an infinite loop?)"
        if self.signal is not None:
            return f"the student process {describe_signal(self.signal, self.cpu_limit_s)}"
        tail = self.output_tail.strip().splitlines()[-1:] or ["no output"]
        return f"the student process exited early with status {self.returncode} ({tail[0][:200]})"


def _error(error: object, step: int | None) -> dict:
    """The runner's error report, checked field by field; ``step`` is the grader's own count."""
    if not isinstance(error, dict) or set(error) != {"type", "message", "where"}:
        raise ProtocolViolation("a malformed error report")
    where = error["where"]
    if not (isinstance(error["type"], str) and isinstance(error["message"], str)) or not (
        where is None
        or (
            isinstance(where, dict)
            and set(where) == {"line", "code"}
            and type(where["line"]) is int
            and isinstance(where["code"], str)
        )
    ):
        raise ProtocolViolation("a malformed error report")
    return {
        "type": error["type"][:100],
        "message": error["message"][:300],
        "step": step,
        "where": where and {"line": where["line"], "code": where["code"][:200]},
    }


def _parameters(values: object, shapes: list[list[int]]) -> list[list[float]]:
    """The parameters a step reply carries: one list of numbers per tensor, of the right sizes."""
    if not (isinstance(values, list) and len(values) == len(shapes)):
        raise ProtocolViolation("a step reply with the wrong number of parameter tensors")
    for tensor, shape in zip(values, shapes, strict=True):
        if not (
            isinstance(tensor, list)
            and len(tensor) == math.prod(shape)
            and all(type(x) in (float, int) for x in tensor)
        ):
            raise ProtocolViolation(f"a step reply whose parameters are not {shape} numbers")
    return [[float(x) for x in tensor] for tensor in values]


def _gradients(loss, values: list[list[float]], shapes: list[list[int]], t: int) -> list:
    """``grad f_t`` at ``values``: the grader's own computation, never the student's."""
    params = [
        torch.tensor(v, dtype=torch.float64).reshape(shape).requires_grad_(True)
        for v, shape in zip(values, shapes, strict=True)
    ]
    loss(params, t).backward()
    return [p.grad.reshape(-1).tolist() for p in params]


def _run_check(process: StudentProcess, check: dict, record: dict) -> None:
    """Construct, then step ``check["steps"]`` times, filling ``record`` as replies come."""
    shapes = check["shapes"]
    problem = make_problem(check["seed"], shapes)
    values = [t.reshape(-1).tolist() for t in problem.initial_values]
    record["stopped"] = 0
    reply = process.request(
        {
            "op": "construct",
            "class": check["class"],
            "hyper": check["hyper"],
            "groups": check["groups"],
            "shapes": shapes,
            "initial": values,
        },
        CONSTRUCT_REPLIES,
    )
    current = None  # the step being run; None while constructing
    for step in range(1, check["steps"] + 1):
        if reply.get("ok") is not True:
            break
        record["stopped"] = current = step
        grads = _gradients(problem.loss, values, shapes, step)
        reply = process.request({"op": "step", "grads": grads}, STEP_REPLIES)
        if "params" in reply:
            values = _parameters(reply["params"], shapes)
            record["trajectory"].append(values)
            reply = {"ok": True}
    del record["stopped"]
    if "error" in reply:
        record["error"] = _error(reply["error"], current)
    elif isinstance(reply.get("delegation"), str):
        record["delegation"] = reply["delegation"][:300]
    elif reply.get("missing_class") is True and current is None:
        record["missing_class"] = True
    elif reply.get("ok") is not True:
        raise ProtocolViolation(f"a malformed reply {reply!r:.80}")


def run_student(
    student_file: Path,
    checks: list[dict],
    time_limit: float = TIME_LIMIT_S,
    memory_limit: int = MEMORY_LIMIT_BYTES,
    sandbox: str | None = None,
) -> SandboxResult:
    """Grade-run ``student_file`` on ``checks`` (their ``spec()``) in a contained process.

    ``sandbox``: ``"bwrap"``, ``"none"`` or ``"auto"`` (default: ``$WDPROOF_SANDBOX``, else
    auto). Never raises for anything the student's code does.
    """
    result = SandboxResult()
    with StudentProcess(Path(student_file), Limits(time_limit, memory_limit), sandbox) as process:
        result.sandboxed, result.cpu_limit_s = process.sandboxed, process.limits.cpu_s
        where, record = "while loading the file", {}
        try:
            reply = process.request({"op": "load"}, LOAD_REPLIES)
            if "import_error" in reply:
                result.import_error = _error(reply["import_error"], None)
            else:
                for check in checks:
                    record = {"name": check["name"], "trajectory": []}
                    result.records[check["name"]] = record
                    where = f"in check {check['name']}"
                    _run_check(process, check, record)
                where = "after the last check"
                process.request({"op": "done"}, frozenset({"ok"}))
                process.finish()
                result.finished = True
        except ChannelTimeout:
            result.timed_out = True
        except ProtocolViolation as err:
            step = record.get("stopped")
            result.violation = f"{err} {where}" + (f", step {step}" if step else "")
        except ChannelClosed:  # it is ending: let it, to learn how (a signal, an exit status)
            process.wait(min(2.0, process.deadline - time.monotonic()))
        if "stopped" in record:
            result.stopped_in = record["name"]
        process.stop()
        result.returncode, result.signal = process.returncode, process.exit_signal()
        result.output_tail, result.elapsed_s = process.output_tail(), process.elapsed_s
    return result
