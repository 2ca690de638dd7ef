"""Grading a class (issue 15): ``wdproof grade SUBMISSIONS_DIR --out GRADEBOOK_DIR``.

One folder of submissions in both layouts -- the reference solution, every known mistake, each
way a submission can fail (crash, hang, syntax error, missing class, ``sys.exit``, huge output,
not UTF-8) and each way it can be refused (no file, two files, a duplicate id, a link out of the
folder) -- is graded once by the command line, two jobs at a time (:func:`class_run`), and
every row of its CSV is checked against what the submission is. A known mistake's expected
points come from the reference rules, not from a grading: a check loses its points exactly
when the mistake applies to its class and moves its trajectory. Re-runs, ``--force``, damaged
records, the lock, Ctrl-C and bad input use a folder of two cheap submissions.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wdproof.numerics.grading.assignment import solution_source
from wdproof.numerics.grading.batch import BatchRequest, grade_class
from wdproof.numerics.grading.compare import first_departure
from wdproof.numerics.grading.gradebook import histogram, id_problem
from wdproof.numerics.grading.grader import CHECKS, trajectory_of
from wdproof.numerics.grading.mistakes import MISTAKES, apply_mistake
from wdproof.numerics.grading.submissions import discover
from wdproof.numerics.sweep.lock import LOCK_FILE
from wdproof.report.cli import main

#: Long enough for an honest submission on a loaded 2-core machine, short enough for the hang.
TIME_LIMIT_S = 10
MAX = sum(check.points for check in CHECKS)
CHECK_NAMES = [check.name for check in CHECKS]
RECORD_KEYS = {"score", "max_score", "checks", "mistakes", "submission", "digest"}
CHECK_KEYS = {"name", "passed", "points", "max_points", "feedback", "diagnosis"}
UNICODE_ID = 'Zoë, "Z" 学生'
SOLUTION = solution_source()
MISTAKE = {m.name: m for m in MISTAKES}
#: Both classes crash (a NULL dereference) in their first step; with ``{body}`` replaced.
BROKEN = """\
import ctypes

import torch


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        {body}


AdamW = Adam
"""


@functools.cache
def _reference(check_name: str):
    return trajectory_of({check.name: check for check in CHECKS}[check_name])


def _points_lost(mistake) -> dict[str, int]:
    """Per check, the points ``mistake`` costs: all of them where it changes the trajectory."""
    return {
        check.name: check.points
        if check.class_name in mistake.applies_to
        and first_departure(trajectory_of(check, mistake), _reference(check.name)) is not None
        else 0
        for check in CHECKS
    }


#: id -> (points lost per check, or None for all of them; status; mistake; words of the reason)
EXPECTED: dict[str, tuple[dict | None, str, str, str]] = {
    "reference": ({}, "graded", "", ""),
    "crash": (None, "graded", "", "segmentation fault"),
    "hang": (None, "graded", "", f"{TIME_LIMIT_S} s time limit"),
    "syntax-error": (None, "graded", "", "did not load: SyntaxError"),
    "missing-class": (
        {c.name: c.points for c in CHECKS if c.class_name == "AdamW"},
        "graded",
        "",
        "no class named AdamW",
    ),
    "exits": (None, "graded", "", "did not load: SystemExit"),
    "huge-output": ({}, "graded", "", ""),  # 40 MB on stdout costs nothing
    "not-utf8": (None, "rejected", "", "not UTF-8"),
    UNICODE_ID: ({}, "graded", "", ""),
    "mallory": (None, "rejected", "", "link out of the submissions folder"),
    "bob": ({}, "graded", "", ""),  # bob/optimizers.py
    "carol": (None, "graded", "eps-inside-sqrt", ""),  # carol/my_adam.py, its only .py file
    "dave": (None, "rejected", "", "no optimizers.py and 2 .py files: a.py, b.py"),
    "erin": (None, "rejected", "", "no optimizers.py and no other .py file"),
    "frank": (None, "rejected", "", "two submissions: frank/ and frank.py"),
    **{f"m-{m.name}": (None, "graded", m.name, "") for m in MISTAKES},
}


def write_class(folder: Path, outside: Path) -> None:
    """Every submission of :data:`EXPECTED`, in both layouts, and files to be ignored."""
    folder.mkdir()
    files = {
        "reference.py": SOLUTION,
        "crash.py": BROKEN.replace("{body}", "ctypes.string_at(0)"),
        "hang.py": BROKEN.replace("{body}", "while True:\n            pass"),
        "syntax-error.py": "def broken(:\n",
        "missing-class.py": SOLUTION[: SOLUTION.index("\nclass AdamW(")],
        "exits.py": "import sys\n\nsys.exit(0)\n",
        "huge-output.py": SOLUTION + "\nprint('x' * (40 << 20))\n",
        f"{UNICODE_ID}.py": SOLUTION,
        "bob/optimizers.py": SOLUTION,
        "carol/my_adam.py": apply_mistake(SOLUTION, MISTAKE["eps-inside-sqrt"]),
        "carol/notes.txt": "not a submission\n",
        "dave/a.py": SOLUTION,
        "dave/b.py": SOLUTION,
        "erin/README.txt": "forgot to submit\n",
        "frank.py": SOLUTION,
        "frank/optimizers.py": SOLUTION,
        "notes.txt": "ignored\n",
        ".hidden.py": "ignored\n",
        **{f"m-{m.name}.py": apply_mistake(SOLUTION, m) for m in MISTAKES},
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "not-utf8.py").write_bytes(b"# \xff\xfe latin-1 \xe9\nclass Adam: pass\n")
    outside.write_text(SOLUTION)
    (folder / "mallory.py").symlink_to(outside)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "wdproof.report.cli", "grade", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    """The class graded once by the command line, two gradings at a time."""
    base = tmp_path_factory.mktemp("class")
    write_class(base / "submissions", base / "outside.py")
    out = base / "gradebook"
    started = time.perf_counter()
    done = run_cli(base / "submissions", "--out", out, "--jobs", 2, "--time-limit", TIME_LIMIT_S)
    print(f"graded {len(EXPECTED)} submissions in {time.perf_counter() - started:.1f} s")
    assert done.returncode == 0, done.stderr
    return done, out, read_csv(out / "gradebook.csv")


def test_the_csv_has_one_row_per_student_and_the_check_columns(class_run):
    _, out, rows = class_run
    with open(out / "gradebook.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["id", "score", "max", *CHECK_NAMES, "mistake", "status", "reason"]
    assert [row["id"] for row in rows] == sorted(EXPECTED)  # the unicode id read back exactly


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_row(student, class_run):
    _, out, rows = class_run
    (row,) = [r for r in rows if r["id"] == student]
    lost, status, mistake, reason = EXPECTED[student]
    if mistake:
        lost = _points_lost(MISTAKE[mistake])
    lost = {c.name: c.points for c in CHECKS} if lost is None else lost
    expected_points = {c.name: c.points - lost.get(c.name, 0) for c in CHECKS}
    assert {name: int(row[name]) for name in CHECK_NAMES} == expected_points
    assert int(row["score"]) == sum(expected_points.values()) and int(row["max"]) == MAX
    assert (row["status"], row["mistake"]) == (status, mistake)
    assert reason in row["reason"] and (row["reason"] == "") == (row["score"] == str(MAX))
    record = json.loads((out / "students" / f"{student}.json").read_text(encoding="utf-8"))
    assert set(record) == RECORD_KEYS and record["submission"]["id"] == student
    assert record["score"] == int(row["score"]) and record["mistakes"] == [mistake] * bool(mistake)
    if status == "graded":  # the JSON of `wdproof grade --json`: every check, every key
        assert [c["name"] for c in record["checks"]] == CHECK_NAMES
        assert all(set(c) == CHECK_KEYS for c in record["checks"])
        assert len(record["submission"]["sha256"]) == 64


def test_the_summary_shows_the_histogram_and_the_mistakes(class_run):
    done, _, rows = class_run
    out = done.stdout
    assert f"{len(EXPECTED)} students" in out and "ignored (not .py files): notes.txt" in out
    assert "\n".join(histogram([int(r["score"]) for r in rows], MAX)) in out
    lines = out.splitlines()
    mistakes = lines[lines.index("most common diagnosed mistakes (students):") + 1 :]
    assert mistakes[0].split() == ["2", "eps-inside-sqrt"]  # carol and m-eps-inside-sqrt
    assert sorted(line.split()[1] for line in mistakes) == sorted(m.name for m in MISTAKES)


def test_the_gradebook_holds_the_csv_and_one_record_per_student(class_run):
    _, out, _ = class_run
    assert sorted(p.name for p in out.iterdir()) == [".lock", "gradebook.csv", "students"]
    names = sorted(p.name for p in (out / "students").iterdir())
    assert names == sorted(f"{student}.json" for student in EXPECTED)


# --- re-runs, damage, the lock, Ctrl-C, bad input: two cheap submissions ------------------------


@pytest.fixture
def small(tmp_path):
    """Two syntax errors: quick to grade (the student process stops before importing torch)."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "ann.py").write_text("def broken(:\n")
    (folder / "ben.py").write_text("x = (\n")
    return folder, tmp_path / "gradebook"


def _grade(folder: Path, out: Path, force: bool = False):
    return grade_class(BatchRequest(folder, out, jobs=2, force=force, time_limit=TIME_LIMIT_S))


def _reasons(out: Path) -> list[str]:
    return [row["reason"] for row in read_csv(out / "gradebook.csv")]


def test_a_rerun_grades_only_what_changed_or_was_damaged(small):
    folder, out = small
    first = _grade(folder, out)
    assert (first.graded, first.unchanged) == (2, 0)
    assert "invalid syntax" in _reasons(out)[0] and "'(' was never closed" in _reasons(out)[1]
    records = {p.name: p.read_bytes() for p in (out / "students").iterdir()}
    again = _grade(folder, out)
    assert (again.graded, again.unchanged) == (0, 2)
    assert {p.name: p.read_bytes() for p in (out / "students").iterdir()} == records

    (folder / "ben.py").write_text("x = [\n")  # ben changes his file
    changed = _grade(folder, out)
    assert (changed.graded, changed.unchanged) == (1, 1)
    assert "'[' was never closed" in _reasons(out)[1]

    ann, ben = out / "students" / "ann.json", out / "students" / "ben.json"
    ann.write_bytes(ann.read_bytes()[:100])  # truncated
    edited = json.loads(ben.read_text())
    edited["score"] = 1  # edited by hand: still JSON, but its digest no longer holds
    ben.write_text(json.dumps(edited))
    repaired = _grade(folder, out)
    assert (repaired.graded, repaired.unchanged) == (2, 0)
    assert [row["score"] for row in read_csv(out / "gradebook.csv")] == ["0", "0"]
    assert json.loads(ann.read_text())["submission"]["status"] == "graded"

    forced = _grade(folder, out, force=True)
    assert (forced.graded, forced.unchanged) == (2, 0)
    assert not list(out.rglob("*.tmp"))  # atomic writes leave no temporary file behind


def test_a_gradebook_in_use_is_refused_with_one_line(small, capsys):
    folder, out = small
    out.mkdir()
    with open(out / LOCK_FILE, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write(json.dumps({"pid": 4242, "host": "elsewhere", "started": "today"}))
        held.flush()
        assert main(["grade", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "in use by another grading" in err[0] and "pid 4242" in err[0]
    assert not (out / "gradebook.csv").exists()


def test_ctrl_c_keeps_the_rows_graded_so_far_and_exits_130(small):
    folder, out = small
    (folder / "ben.py").write_text("import time\n\nwhile True:\n    time.sleep(1)\n")
    command = [sys.executable, "-m", "wdproof.report.cli", "grade", str(folder), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--jobs", "2", "--time-limit", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "students" / "ann.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)  # to the command alone: it must stop its workers itself
    started = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 30  # the hang's 300 s limit was not waited for
    assert process.returncode == 130
    assert err.strip().splitlines() == [
        f"wdproof: interrupted: 1 of 2 students graded, their rows kept in {out}/gradebook.csv"
    ]
    assert [(r["id"], r["status"]) for r in read_csv(out / "gradebook.csv")] == [("ann", "graded")]


@pytest.mark.parametrize(
    "args, message",
    [
        (["{missing}", "--out", "{out}"], "no such folder"),
        (["{empty}", "--out", "{out}"], "no submissions"),
        (["{only_notes}", "--out", "{out}"], "no submissions"),
        (["{small}", "--out", "{file}/gradebook"], "cannot write to output folder"),
        (["{small}", "--out", "{out}", "--jobs", "0"], "--jobs must be at least 1"),
        (["{small}", "--out", "{out}", "--jobs", "-3"], "--jobs must be at least 1"),
        (["{small}", "--out", "{out}", "--jobs", "two"], "--jobs"),
        (["{small}"], "needs --out"),
        (["{small}", "--out", "{out}", "--json"], "--json is for one file"),
        (["{small}", "--out", "{small}"], "must not be the submissions folder"),
        (["{small}/ann.py", "--jobs", "2"], "--jobs is for a folder"),
        (["{small}/ann.py", "--force"], "--force is for a folder"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, small, tmp_path, capsys):
    folder, out = small
    (tmp_path / "empty").mkdir()
    (tmp_path / "only_notes").mkdir()
    (tmp_path / "only_notes" / "notes.txt").write_text("no .py here\n")
    (tmp_path / "file").write_text("")
    names = {"missing": tmp_path / "missing", "empty": tmp_path / "empty", "out": out}
    names |= {"only_notes": tmp_path / "only_notes", "small": folder, "file": tmp_path / "file"}
    argv = ["grade", *(a.format(**names) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0], err
    assert not (out / "students").exists()


@pytest.mark.parametrize(
    "name, problem",
    [
        ("..", "lead out of the gradebook"),
        (".", "lead out of the gradebook"),
        ("a/../../b", "lead out of the gradebook"),
        ("x\0y", "lead out of the gradebook"),
        ("caf\udce9", "not valid UTF-8"),
        ("é" * 126, "longer than 250 bytes"),
        ("é" * 125, ""),
        (UNICODE_ID, ""),
    ],
)
def test_ids_that_cannot_name_a_record_are_refused(name, problem):
    assert problem in id_problem(name) and bool(id_problem(name)) == bool(problem)


def test_a_non_utf8_file_name_gets_a_row_not_a_crash(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.py")).write_text("x = 1\n")
    submissions, _ = discover(folder, tmp_path / "gradebook")
    assert [(s.id, s.problem) for s in submissions] == [
        ("caf\\xe9", "the name is not valid UTF-8: rename it")
    ]


def test_help_describes_both_layouts_and_the_gradebook(capsys):
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    phrases = ["SUBMISSIONS_DIR/<id>.py", "SUBMISSIONS_DIR/<id>/optimizers.py", "--jobs"]
    phrases += ["gradebook.csv", "students/<id>.json", "--force", "130", "Ctrl-C"]
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, missing


def test_an_id_a_spreadsheet_would_run_is_written_inert():
    from wdproof.numerics.grading.gradebook import spreadsheet_safe

    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("@sum") == "'@sum" and spreadsheet_safe("ana-b") == "ana-b"
