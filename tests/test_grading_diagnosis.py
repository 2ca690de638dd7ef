"""The Q2.a autograder's judgement: comparison, diagnosis, and the solution key's case table.

``first_departure`` on finite, infinite and NaN values; the known mistakes told apart and named
(every mistake written into the solution and graded, three files at a time); the solution key
measured on the grader's own checks and rendered without torch. The grading process, the CLI
and bad input are in ``test_grading.py``; hostile submissions in ``test_hostile_students.py``.
"""

from __future__ import annotations

import difflib
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from wdproof.numerics.grading.assignment import solution_code, solution_source
from wdproof.numerics.grading.checks import SHAPES
from wdproof.numerics.grading.compare import diagnose, first_departure
from wdproof.numerics.grading.grader import CHECKS, STEPS, grade_file, judge, trajectory_of
from wdproof.numerics.grading.mistakes import MISTAKES, apply_mistake, mistakes_for

#: The problem set's Q2.a total, as ``test_grading.py`` grades it: the key must show the same.
Q2A_POINTS = 20
MISTAKE = {m.name: m for m in MISTAKES}


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
    check, mistake = CHECKS[0], MISTAKE["bias-correction-t-minus-1"]
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


def test_adam_and_adamw_solutions_differ_only_where_weight_decay_enters():
    """The model solution writes both classes out in full (students read each as a plain
    ``torch.optim.Optimizer``); the copies must differ exactly in the paper's distinction."""
    adam, adamw = (solution_code(name).splitlines() for name in ("Adam", "AdamW"))
    changed = [line for line in difflib.ndiff(adam, adamw) if line[:1] in "+-"]
    assert sorted(line[0] + line[2:].strip() for line in changed) == [
        "+p.mul_(1 - lr * weight_decay)  # decoupled decay of the pre-step parameter",
        "-grad = grad.add(p, alpha=weight_decay)  # L2: the penalty's gradient",
        "-if weight_decay != 0:",
    ]


@pytest.fixture(scope="module")
def material():
    from wdproof.numerics.grading.solution_match import grading_material

    return grading_material()


def test_the_key_measures_every_check_of_the_grader(material):
    """One case table: the key's rows are the grader's checks, and on each of them both the
    model solution and the grader's reference reproduce torch.optim (10^4 times inside ATOL)."""
    assert [row.name for row in material.checks] == [check.name for check in CHECKS]
    assert material.max_score == Q2A_POINTS
    far = {
        row.name: (row.solution_vs_torch, row.reference_vs_torch)
        for row in material.checks
        if max(row.solution_vs_torch, row.reference_vs_torch) > 1e-13
    }
    assert not far, far


def test_the_key_renders_every_check_and_mistake(material):
    from wdproof.report.grading_section import grading_context
    from wdproof.report.latex import number, template_environment

    template = template_environment().get_template("grading-section.tex.j2")
    tex = template.render(grading=grading_context(material))
    rows = [line for line in tex.splitlines() if line.startswith(r"\texttt{")]
    measured = {row.name: row for row in material.checks}
    for check in CHECKS:
        (row,) = [r for r in rows if r.startswith(rf"\texttt{{{check.name}}} &")]
        assert row.count("&") == 4 and row.rstrip().endswith(r"\\"), row
        gaps = (measured[check.name].solution_vs_torch, measured[check.name].reference_vs_torch)
        assert row.rstrip(" \\").endswith(" & ".join(number(gap) for gap in gaps)), row
    for mistake in MISTAKES:
        assert rf"\item \texttt{{{mistake.name}}}" in tex
    assert rf"Total & & {Q2A_POINTS} &" in tex


def test_the_grading_section_renders_without_torch():
    """The report only renders: importing its Q2.a section loads no torch."""
    code = "import sys, wdproof.report.grading_section; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


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


INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize(
    ("student", "expected", "departure"),
    [
        ((1.0, 2.0), (1.0, 2.0), None),
        ((1.0 + 1e-12, 2.0), (1.0, 2.0), None),  # inside ATOL + RTOL |expected|
        ((1.0 + 1e-6, 2.0), (1.0, 2.0), "finite"),  # outside it: the only finite departure
        ((1.0, 2.0), (INF, 2.0), "finite"),  # an infinite reference accepts nothing
        ((1.0, 2.0), (-INF, 2.0), "finite"),
        ((-INF, 2.0), (INF, 2.0), "non-finite"),
        ((INF, 2.0), (-INF, 2.0), "non-finite"),
        ((INF, 2.0), (INF, 2.0), "non-finite"),  # non-finite never agrees, not even with itself
        ((-INF, 2.0), (-INF, 2.0), "non-finite"),
        ((NAN, 2.0), (NAN, 2.0), "non-finite"),
        ((NAN, 2.0), (1.0, 2.0), "non-finite"),
        ((1.0, 2.0), (NAN, 2.0), "finite"),
        ((1.0, 2.0), (1.0, -INF), "finite"),  # found in the second entry too
    ],
)
def test_comparison_never_accepts_non_finite_values(student, expected, departure):
    """``first_departure`` over one step of one tensor; ``"finite"``/``"non-finite"`` says
    whether the student's values were finite where they departed."""

    def trajectory(values):
        return [[torch.tensor(values, dtype=torch.float64)]]

    found = first_departure(trajectory(student), trajectory(expected))
    if departure is None:
        assert found is None
        return
    assert (found.step, found.tensor) == (1, 0)
    assert found.non_finite == (departure == "non-finite")
    if all(map(math.isfinite, student + expected)):
        assert found.deviation == pytest.approx(1e-6, rel=1e-3)
    else:  # a gap with an inf or NaN in it is reported as infinite, never as NaN
        assert found.deviation == INF
    assert ("non-finite" in found.describe()) == found.non_finite
