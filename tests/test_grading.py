"""The Q2.a autograder: full marks, zero marks, named mistakes, contained failures, exit codes.

Each graded file costs one student process (about 1.5 s: torch's import), so every file is
graded once, in one process that runs all checks; the known-mistake files are graded together,
in parallel. Hostile submissions are in ``test_hostile_students.py``.
"""

from __future__ import annotations

import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.grading.assignment import (
    SOLUTION_PATH,
    solution_blocks,
    solution_source,
    student_version,
)
from wdproof.numerics.grading.channel import StudentProcess
from wdproof.numerics.grading.checks import SHAPES
from wdproof.numerics.grading.compare import diagnose, first_departure
from wdproof.numerics.grading.grader import (
    CHECKS,
    MAX_SCORE,
    STEPS,
    check_limits,
    grade_file,
    judge,
    trajectory_of,
)
from wdproof.numerics.grading.mistakes import MISTAKES, apply_mistake, get_mistake, mistakes_for
from wdproof.numerics.grading.protocol import run_student
from wdproof.report.cli import main

CHECK_KEYS = {"name", "passed", "points", "max_points", "feedback", "diagnosis"}


def _solution_lines() -> set[str]:
    return {
        line.strip() for b in solution_blocks(solution_source()) for line in b.body if line.strip()
    }


def test_solution_never_appears_in_the_student_version():
    hidden = _solution_lines()
    assert len(hidden) >= 10  # the blocks are real: the check below can fail
    assert hidden <= {line.strip() for line in solution_source().splitlines()}
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
    assert report["max_score"] == MAX_SCORE
    assert report["score"] == MAX_SCORE, [c for c in report["checks"] if not c["passed"]]
    assert [c["name"] for c in report["checks"]] == [c.name for c in CHECKS]
    assert all(set(c) == CHECK_KEYS and c["passed"] for c in report["checks"])


def test_student_template_scores_0_not_implemented(tmp_path, capsys):
    assert main(["assign", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["grade", str(tmp_path / "optimizers.py")]) == 0  # graded: exit 0 at score 0
    table = capsys.readouterr().out
    assert f"score: 0/{MAX_SCORE}" in table
    rows = [line for line in table.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(rows) == len(CHECKS)
    assert all(row.startswith("FAIL") and "not implemented" in row for row in rows)


def _flat(trajectory) -> list:
    return [[t.reshape(-1).tolist() for t in step] for step in trajectory]


def _nan_steps(count: int) -> list:
    return [[[float("nan")] * math.prod(shape) for shape in SHAPES]] * count


def test_nan_after_a_correct_first_step_is_reported_as_non_finite():
    check = CHECKS[0]
    first = _flat(trajectory_of(check))[0]
    result = judge(check, {"trajectory": [first] + _nan_steps(STEPS - 1)}, "")
    assert not result.passed and result.points == 0
    assert "non-finite" in result.feedback and "step 2 in tensor 0" in result.feedback
    assert "no known mistake" in result.diagnosis


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_an_all_nan_trajectory_is_never_a_known_mistake(check):
    """NaN never agrees with NaN: 'bias-correction-t-minus-1' (NaN from step 1) is not named."""
    nan = _nan_steps(STEPS)
    result = judge(check, {"trajectory": nan}, "")
    assert result.mistake is None and "no known mistake" in result.diagnosis
    zero_division = {"type": "ZeroDivisionError", "message": "", "step": 3, "where": None}
    result = judge(check, {"trajectory": nan[:2], "error": zero_division}, "")
    assert result.mistake is None and "no known mistake" in result.diagnosis


def test_arithmetic_error_names_a_mistake_only_where_its_variant_turns_non_finite():
    """t-1 divides by 1 - beta^0 = 0 at step 1: a ZeroDivisionError at step 1 is that mistake,
    one at step 2 (after a finite first step) is not."""
    check, mistake = CHECKS[0], get_mistake("bias-correction-t-minus-1")
    assert diagnose(check, [], arithmetic_error=True) == mistake
    assert diagnose(check, trajectory_of(check)[:1], arithmetic_error=True) is None


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_known_mistakes_are_distinguishable(check):
    """Where a mistake changes a check's trajectory, no other mistake reproduces it."""
    reference = trajectory_of(check)
    variants = {m.name: trajectory_of(check, m) for m in mistakes_for(check.class_name)}
    for name, variant in variants.items():
        if first_departure(variant, reference) is None:
            continue
        twins = [other for other in variants if other != name]
        twins = [o for o in twins if first_departure(variant, variants[o]) is None]
        assert not twins, (check.name, name, twins)


def test_t_plus_1_bias_correction_is_in_the_catalogue():
    assert "bias-correction-t-plus-1" in {m.name for m in MISTAKES}


def test_first_departure_names_step_and_tensor():
    reference = trajectory_of(CHECKS[0])
    student = [[t.clone() for t in step] for step in reference]
    assert first_departure(student, reference) is None
    student[6][2] = student[6][2] + 1e-6  # step 7, tensor 2
    departure = first_departure(student, reference)
    assert (departure.step, departure.tensor) == (7, 2)
    assert departure.deviation == pytest.approx(1e-6, rel=1e-6)


@pytest.fixture(scope="module")
def mistake_reports(tmp_path_factory) -> dict:
    """Every known mistake written into the solution and graded, three files at a time."""
    folder = tmp_path_factory.mktemp("mistakes")
    paths = []
    for mistake in MISTAKES:
        paths.append(folder / f"{mistake.name}.py")
        paths[-1].write_text(apply_mistake(solution_source(), mistake))
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip((m.name for m in MISTAKES), pool.map(grade_file, paths), strict=True))


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_known_mistake_loses_points_and_is_named(mistake, mistake_reports):
    report = mistake_reports[mistake.name]
    failed = [c for c in report.checks if not c.passed]
    assert report.score < report.max_score
    assert failed and all(c.points == 0 for c in failed)
    assert report.mistakes == [mistake.name]
    for check in failed:
        assert f"'{mistake.name}'" in check.diagnosis, (check.name, check.feedback, check.diagnosis)
        assert "step" in check.feedback


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


INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize(
    ("student", "expected", "departs"),
    [
        ((1.0, 2.0), (1.0, 2.0), False),
        ((1.0 + 1e-12, 2.0), (1.0, 2.0), False),  # inside ATOL + RTOL |expected|
        ((1.0, 2.0), (INF, 2.0), True),  # an infinite reference accepts nothing
        ((-INF, 2.0), (INF, 2.0), True),
        ((INF, 2.0), (INF, 2.0), True),  # non-finite never agrees, not even with itself
        ((NAN, 2.0), (NAN, 2.0), True),
        ((NAN, 2.0), (1.0, 2.0), True),
        ((1.0, 2.0), (NAN, 2.0), True),
    ],
)
def test_comparison_never_accepts_non_finite_values(student, expected, departs):
    def trajectory(values):
        return [[torch.tensor(values, dtype=torch.float64)]]

    departure = first_departure(trajectory(student), trajectory(expected))
    assert (departure is not None) == departs
    if departs:
        assert departure.step == 1 and departure.deviation > 0
        assert departure.deviation == float("inf") or departure.deviation < 1e300
