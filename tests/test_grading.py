"""The Q2.a autograder: the template, full and zero marks, contained failures, exit codes.

Each graded file costs one student process (about 1.5 s: torch's import), so every file is
graded once, in one process that runs all checks. Comparison, named mistakes and the solution
key are in ``test_grading_diagnosis.py``; hostile submissions in ``test_hostile_students.py``.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from wdproof.numerics.errors import InputError
from wdproof.numerics.grading.assignment import (
    SOLUTION_PATH,
    solution_blocks,
    solution_source,
    student_version,
)
from wdproof.numerics.grading.channel import StudentProcess
from wdproof.numerics.grading.grader import CHECKS, check_limits, grade_file
from wdproof.numerics.grading.mistakes import MISTAKES
from wdproof.numerics.grading.protocol import run_student
from wdproof.report.cli import main

CHECK_KEYS = {"name", "passed", "points", "max_points", "feedback", "diagnosis"}
#: The problem set's Q2.a total: ten checks of two points (the key and the grader must agree).
Q2A_POINTS = 20


def _solution_lines() -> set[str]:
    return {
        line.strip() for b in solution_blocks(solution_source()) for line in b.body if line.strip()
    }


def test_solution_never_appears_in_the_student_version():
    hidden = _solution_lines()
    assert len(hidden) >= 10  # the blocks are real: the check below can fail
    student_lines = {line.strip() for line in student_version(solution_source()).splitlines()}
    assert not hidden & student_lines, sorted(hidden & student_lines)
    assert "BEGIN SOLUTION" not in student_version(solution_source())


@pytest.mark.parametrize(
    "source, problem",
    [
        ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "without"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside another"),
    ],
)
def test_unbalanced_markers_are_rejected(source, problem):
    with pytest.raises(ValueError, match=problem):
        student_version(source)


def test_assign_writes_student_file_and_readme(tmp_path, capsys):
    assert main(["assign", "--out", str(tmp_path / "hw")]) == 0
    student = (tmp_path / "hw" / "optimizers.py").read_text()
    assert student == student_version(solution_source())
    assert "wdproof grade" in (tmp_path / "hw" / "README.md").read_text()
    compile(student, "optimizers.py", "exec")  # the stubbed file is valid Python


@pytest.mark.parametrize("existing", ["optimizers.py", "README.md"])
def test_assign_refuses_to_overwrite_without_force(existing, tmp_path, capsys):
    work = "class Adam: ...  # a student's work\n"
    (tmp_path / existing).write_text(work)
    assert main(["assign", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and existing in err[0] and "--force" in err[0]
    assert (tmp_path / existing).read_text() == work  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]  # nothing else written


def test_assign_force_overwrites(tmp_path, capsys):
    (tmp_path / "optimizers.py").write_text("old\n")
    (tmp_path / "README.md").write_text("old\n")
    assert main(["assign", "--out", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "optimizers.py").read_text() == student_version(solution_source())
    assert "wdproof grade" in (tmp_path / "README.md").read_text()


@pytest.mark.parametrize(
    "command, phrases",
    [
        ("grade", ["Adam", "AdamW", "torch.optim.Optimizer", "wdproof assign", "0 ", "2 "]),
        ("assign", ["template", "--force", "torch.optim.Optimizer"]),
    ],
)
def test_help_describes_the_contract(command, phrases, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse rewraps; compare words
    missing = [p for p in phrases if p not in text]
    assert not missing, missing
    if command == "grade":
        assert "whatever the score" in text and "bad input" in text
        missing = [m.name for m in MISTAKES if m.name not in text]
        assert not missing, f"the epilog's catalogue misses {missing}"


def test_reference_solution_scores_full_marks_and_exits_0(capsys):
    assert main(["grade", str(SOLUTION_PATH), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["max_score"] == Q2A_POINTS
    assert report["score"] == Q2A_POINTS, [c for c in report["checks"] if not c["passed"]]
    assert [c["name"] for c in report["checks"]] == [c.name for c in CHECKS]
    assert all(set(c) == CHECK_KEYS and c["passed"] for c in report["checks"])


def test_student_template_scores_0_not_implemented(tmp_path, capsys):
    assert main(["assign", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["grade", str(tmp_path / "optimizers.py")]) == 0  # graded: exit 0 at score 0
    table = capsys.readouterr().out
    assert f"score: 0/{Q2A_POINTS}" in table
    rows = [line for line in table.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(rows) == len(CHECKS)
    assert all(row.startswith("FAIL") and "not implemented" in row for row in rows)


def test_infinite_loop_is_stopped_within_the_limit(tmp_path):
    path = tmp_path / "loop.py"
    path.write_text("while True:\n    pass\n")
    started = time.perf_counter()
    report = grade_file(path, time_limit=3.0)
    # Stopped by the limit, not by finishing: a generous margin for a busy machine (the loop
    # never ends on its own, so without the kill this would hang, not merely run late).
    assert time.perf_counter() - started < 3.0 + 20.0
    assert report.score == 0
    assert all("3 s time limit" in c.feedback for c in report.checks)


def test_interrupted_grading_kills_the_student_process(tmp_path, monkeypatch):
    """Ctrl-C while grading (simulated: KeyboardInterrupt while waiting for a reply) kills the
    student process and everything in its sandbox or process group, and reaps it."""
    path = tmp_path / "loop.py"
    path.write_text("while True:\n    pass\n")
    started: list[StudentProcess] = []

    def interrupted_pump(self, timeout):
        started.append(self)
        time.sleep(0.5)  # the child is running (the loop never ends) when the interrupt comes
        raise KeyboardInterrupt

    monkeypatch.setattr(StudentProcess, "_pump", interrupted_pump)
    with pytest.raises(KeyboardInterrupt):
        run_student(path, [c.spec() for c in CHECKS], time_limit=60.0)
    process = started[0]
    assert process.returncode is not None  # killed and reaped, not left running
    with pytest.raises(ProcessLookupError):
        os.killpg(process.process.pid, 0)  # nothing of its process group survives


MISBEHAVING = """
import sys
import torch

class Adam(torch.optim.Optimizer):
    def __init__(self, params, learning_rate=1e-3):  # wrong signature
        super().__init__(params, dict(lr=learning_rate))

    def step(self, closure=None):
        sys.exit(3)

class NotAdamW:
    pass
"""


def test_exit_wrong_signature_and_missing_class_become_feedback(tmp_path):
    path = tmp_path / "misbehaving.py"
    path.write_text(MISBEHAVING)
    report = grade_file(path)
    assert report.score == 0
    feedback = {c.name: c.feedback for c in report.checks}
    assert "SystemExit" in feedback["adam-defaults"] and "step 1" in feedback["adam-defaults"]
    assert "TypeError" in feedback["adam-betas"] and "constructing Adam" in feedback["adam-betas"]
    assert all(
        "no class named AdamW" in feedback[c.name] for c in CHECKS if c.class_name == "AdamW"
    )


IMPORT_FAILURES = {
    "syntax-error": ("def broken(:\n", "SyntaxError"),
    "exit-at-import": ("import sys\nsys.exit(0)\n", "SystemExit"),
    "imports-wdproof": (
        "from wdproof.numerics.grading.student_solution import Adam, AdamW\n",
        "imports wdproof, which is not available to submissions",
    ),
}


@pytest.mark.parametrize("case", IMPORT_FAILURES)
def test_file_that_does_not_load_scores_0(case, tmp_path):
    source, error = IMPORT_FAILURES[case]
    path = tmp_path / "student.py"
    path.write_text(source)
    report = grade_file(path)
    assert report.score == 0
    assert all("did not load" in c.feedback and error in c.feedback for c in report.checks)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.py", None, "no such file"),
        ("notes.txt", "print(1)\n", "not a Python file"),
        ("binary.py", b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_grade_bad_input_exits_2_with_one_line(name, content, message, tmp_path, capsys):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    assert main(["grade", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["assign", "--out", "{file}"], "not a directory"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "0"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "-1"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "nan"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "inf"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "soon"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "1e19"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "1e-300"], "--time-limit"),
        (["grade", str(SOLUTION_PATH), "--time-limit", "3601"], "--time-limit"),
        (["grade"], "required"),
    ],
)
def test_assign_and_grade_usage_errors_exit_2(argv, message, tmp_path, capsys):
    existing_file = tmp_path / "taken"
    existing_file.write_text("")
    assert main([a.replace("{file}", str(existing_file)) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


@pytest.mark.parametrize(
    "limits, message",
    [
        ({"time_limit": float("nan")}, "--time-limit"),
        ({"time_limit": float("inf")}, "--time-limit"),
        ({"time_limit": 1e19}, "--time-limit"),
        ({"time_limit": 1e-300}, "--time-limit"),
        ({"time_limit": 0.5}, "--time-limit"),
        ({"memory_limit": float("nan")}, "memory limit"),
        ({"memory_limit": float("inf")}, "memory limit"),
        ({"memory_limit": 0}, "memory limit"),
    ],
)
def test_grade_file_rejects_limits_out_of_range(limits, message):
    with pytest.raises(InputError, match=message):
        check_limits(**limits)
    with pytest.raises(InputError, match=message):  # before any process starts
        grade_file(SOLUTION_PATH, **limits)


def test_limits_in_range_are_accepted():
    check_limits(time_limit=1.0, memory_limit=1 << 30)  # no error
    check_limits(time_limit=3600, memory_limit=1 << 40)
