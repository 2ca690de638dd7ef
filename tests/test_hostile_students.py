"""Hostile submissions (issue 10): contained by the sandbox, caught by the channel and the audit.

Every file of ``tests/hostile/`` attacks the grader one way (its docstring says how). Each is
graded once, in :func:`graded`: the files in parallel, then the fork bomb alone (RLIMIT_NPROC
counts per user, so a bomb would eat into the limit of sandboxes running beside it). Each test
fails if containment breaks: the grader must return a report (no exception), the hostile class
must earn no points, nothing the file started may still run (a unique token in every process it
starts is looked for in ``/proc``), nothing may be written outside, and no temporary folder may
be left (the grader's ``tempfile.tempdir`` points into the fixture's folder).

Run with ``-s`` to see the summary table. The sandbox tests need bubblewrap (``make`` installs
it); the fallback and crash tests run anywhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wdproof.numerics.errors import InputError
from wdproof.numerics.grading import sandbox
from wdproof.numerics.grading.grader import CHECKS, GradeReport, grade_file
from wdproof.numerics.grading.sandbox import PROCESS_LIMIT
from wdproof.report.cli import main

HOSTILE = Path(__file__).with_name("hostile")
REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "numerics" / "optimizers" / "rules.py"
HANG_LIMIT_S = 8.0
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None,
    reason="bubblewrap (bwrap) is not installed here; `make` installs it, so CI runs these",
)


@dataclass
class Graded:
    """One hostile file's grading: the report, or the exception that should never happen."""

    report: GradeReport | None = None
    error: BaseException | None = None
    seconds: float = 0.0

    def feedback(self) -> list[str]:
        """Every check's feedback, in the order of the case table (each check reported)."""
        assert [c.name for c in self.report.checks] == [check.name for check in CHECKS]
        return [c.feedback for c in self.report.checks]


@dataclass
class Outcome:
    graded: dict[str, Graded]
    token: str
    outside: Path
    temp: Path
    connections: list[socket.socket] = field(default_factory=list)
    running: list[str] = field(default_factory=list)


def _processes_with(token: str) -> list[str]:
    """Command lines of live processes that carry ``token``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path("/proc", pid, "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            words = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid}: {words}")
    return found


def _grade(path: Path, time_limit: float) -> Graded:
    started = time.perf_counter()
    try:
        report = grade_file(path, time_limit=time_limit, sandbox="bwrap")
    except BaseException as err:  # noqa: BLE001 - recorded: the tests assert there is none
        return Graded(error=err, seconds=time.perf_counter() - started)
    return Graded(report, seconds=time.perf_counter() - started)


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> Outcome:
    token = f"wdproof-hostile-{uuid.uuid4().hex}"
    root = tmp_path_factory.mktemp("hostile")
    outside, temp, submissions = root / "outside", root / "temp", root / "submissions"
    for folder in (outside, temp, submissions):
        folder.mkdir()
    other = root / "other_student.py"
    other.write_text(f"SECRET = '{token}-other-student'\n")
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    result = Outcome({}, token, outside, temp)
    serving = threading.Event()
    serving.set()

    def accept() -> None:
        while serving.is_set():
            try:
                result.connections.append(server.accept()[0])
            except OSError:
                pass

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    values = {
        "__TOKEN__": token,
        "__OUTSIDE__": str(outside),
        "__REPO__": str(REPO),
        "__OTHER__": str(other),
        "__PORT__": str(server.getsockname()[1]),
    }
    paths = {}
    for source in sorted(HOSTILE.glob("*.py")):
        if source.stem == "crash":  # graded by test_crashes_are_named, sandbox or not
            continue
        text = source.read_text()
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        paths[source.stem] = submissions / source.name
        paths[source.stem].write_text(text)
    limits = {"hang": HANG_LIMIT_S}
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tempfile, "tempdir", str(temp))
            parallel = [name for name in paths if name != "fork_bomb"]
            with ThreadPoolExecutor(max_workers=4) as pool:
                futures = {n: pool.submit(_grade, paths[n], limits.get(n, 60.0)) for n in parallel}
                result.graded = {name: future.result() for name, future in futures.items()}
            result.graded["fork_bomb"] = _grade(paths["fork_bomb"], 60.0)
    finally:
        serving.clear()
        acceptor.join()
        server.close()
    result.running = _processes_with(token)
    for connection in result.connections:
        connection.close()
    return result


def _reports(outcome: Outcome, name: str) -> Graded:
    graded = outcome.graded[name]
    assert graded.error is None, f"{name}: the grader raised {graded.error!r}"
    return graded


@needs_bwrap
def test_escape_attempts_are_contained(outcome):
    """Killing the parent / pid 1 / every pid, a setsid grandchild, writes, reads, network."""
    graded = _reports(outcome, "escape")
    feedback = graded.feedback()
    assert graded.report.score == 0
    # Grading reached step 1 of every check: the kills did not stop the grader.
    assert all("REPORT tried=8 worked=[]" in f for f in feedback), feedback[0]
    assert not list(outcome.outside.iterdir()), "the student wrote into the test's folder"
    assert not list(REPO.glob("ESCAPED-*")), "the student wrote into the repository"
    assert not outcome.connections, "the student reached a TCP server on the host"
    assert outcome.token not in " ".join(feedback)


@needs_bwrap
def test_nothing_the_students_started_is_left_running(outcome):
    assert not outcome.running, outcome.running
    assert not list(outcome.temp.iterdir()), "a temporary folder was left behind"


@needs_bwrap
@pytest.mark.parametrize("name", ["forge_at_import", "forge_in_step"])
def test_forged_channel_is_detected_and_scores_0(outcome, name):
    graded = _reports(outcome, name)
    assert graded.report.score == 0
    assert all("broke the grading protocol" in f for f in graded.feedback()), graded.feedback()


@needs_bwrap
def test_fork_bomb_is_bounded_and_cleaned_up(outcome):
    graded = _reports(outcome, "fork_bomb")
    assert graded.report.score == 0
    (message,) = {f for f in graded.feedback()}
    forked = int(message.rsplit("FORKED ", 1)[1].split()[0])
    assert 0 < forked < PROCESS_LIMIT, message  # RLIMIT_NPROC stopped it, not its own bound
    assert not outcome.running, outcome.running


@needs_bwrap
def test_hang_with_a_grandchild_is_stopped_at_the_limit(outcome):
    graded = _reports(outcome, "hang")
    feedback = graded.feedback()
    assert graded.report.score == 0
    assert feedback[0].startswith("at step 1: stopped after the") and "time limit" in feedback[0]
    assert all(f.startswith("not run: ") for f in feedback[1:]), feedback[1]
    assert graded.seconds < HANG_LIMIT_S + 15  # killed at the limit, not left to finish


@needs_bwrap
@pytest.mark.parametrize("name", ["delegate_class", "delegate_functional", "delegate_hidden"])
def test_delegating_to_torch_adam_scores_0(outcome, name):
    """Each file's numbers are torch's own: only the own-work check stands between it and 20/20."""
    graded = _reports(outcome, name)
    assert graded.report.score == 0
    assert all("not your own work" in f for f in graded.feedback()), graded.feedback()


def test_crashes_are_named(tmp_path):
    """SIGSEGV names the signal; an empty MemoryError is named by its type and the limit."""
    path = tmp_path / "crash.py"
    shutil.copyfile(HOSTILE / "crash.py", path)
    report = grade_file(path)
    adam = [c.feedback for c in report.checks if c.name.startswith("adam-")]
    adamw = [c.feedback for c in report.checks if c.name.startswith("adamw-")]
    assert report.score == 0
    assert all("MemoryError" in f and "out of memory (the 2 GiB memory limit)" in f for f in adam)
    assert all("crashed (segmentation fault, SIGSEGV)" in f for f in adamw), adamw


def test_fallback_warns_once_and_cleans_up(tmp_path, monkeypatch, capsys):
    """Unsandboxed grading says so, once per process; its temporary folder is removed."""
    path = tmp_path / "broken.py"
    path.write_text("def broken(:\n")
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(sandbox, "_warned", False)
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "none")
    first = grade_file(path)
    second = grade_file(path, sandbox="none")
    assert all("SyntaxError" in c.feedback for c in first.checks + second.checks)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "bubblewrap (bwrap) not available" in warnings[0]
    assert "apt-get install bubblewrap" in warnings[0]
    assert not list(temp.iterdir())


def test_required_sandbox_that_cannot_start_is_bad_input(tmp_path, monkeypatch, capsys):
    path = tmp_path / "student.py"
    path.write_text("x = 1\n")
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: "bwrap is not installed")
    with pytest.raises(InputError, match="bubblewrap cannot start"):
        grade_file(path, sandbox="bwrap")
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "bwrap")
    assert main(["grade", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bwrap is not installed" in err[0]


@needs_bwrap
def test_summary_table(outcome):
    """Cases tried, contained, wrong grades, tracebacks (printed under ``pytest -s``)."""
    rows = []
    for name, graded in sorted(outcome.graded.items()):
        traceback = graded.error is not None
        wrong = not traceback and graded.report.score > 0
        contained = not traceback and not outcome.running and not list(outcome.outside.iterdir())
        rows.append((name, contained, wrong, traceback, graded.seconds))
    print("\ncase                  contained  wrong grade  traceback  seconds")
    for name, contained, wrong, traceback, seconds in rows:
        print(f"{name:<21} {contained!s:<10} {wrong!s:<12} {traceback!s:<10} {seconds:6.1f}")
    print(
        f"{len(rows)} cases: {sum(r[1] for r in rows)} contained, "
        f"{sum(r[2] for r in rows)} wrong grades, {sum(r[3] for r in rows)} tracebacks"
    )
    assert all(r[1] and not r[2] and not r[3] for r in rows)
