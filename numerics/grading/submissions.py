"""A class's submissions: who the students are, and which file of each is graded.

Two layouts, which may be mixed in one folder: a file ``<id>.py`` per student (the id is the
file's name without ``.py``), or a folder ``<id>/`` per student holding
:data:`~.assignment.STUDENT_FILENAME` (failing that, its only ``.py`` file). Names starting
with ``.``, ``__pycache__`` and other files are ignored (the latter are listed). A student
whose submission cannot be graded -- no file or several candidates, a file and a folder under
one id, a link leading out of the folder, a name that cannot name a record
(:func:`~.gradebook.id_problem`), a file that is not UTF-8 -- is a :class:`Submission` with a
``problem``: a row, never an error. The others carry the SHA-256 of their file's bytes.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from wdproof.numerics.errors import InputError
from wdproof.numerics.grading import gradebook
from wdproof.numerics.grading.assignment import STUDENT_FILENAME


@dataclass(frozen=True)
class Submission:
    """One student: the file to grade and its SHA-256, or the ``problem`` that refuses it."""

    id: str
    path: Path | None = None
    file: str = ""  # the path relative to the submissions folder
    sha256: str = ""
    problem: str = ""


def _printable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 shown as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed (``realpath`` never fails on a loop), is in ``folder``."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def _same(path: Path, other: Path) -> bool:
    return os.path.realpath(path) == os.path.realpath(other)


def _file_in_folder(folder: Path) -> tuple[Path | None, str]:
    """The student's file in their folder, or why there is none to grade."""
    named = folder / STUDENT_FILENAME
    if named.exists() or named.is_symlink():
        return named, ""
    try:
        found = sorted(p.name for p in folder.iterdir() if p.suffix == ".py" and p.name[0] != ".")
    except OSError as err:
        return None, f"cannot read the folder: {err.strerror or err}"
    if len(found) == 1:
        return folder / found[0], ""
    if not found:
        return None, f"no {STUDENT_FILENAME} and no other .py file in the folder"
    names = ", ".join(map(_printable, found))
    return None, f"no {STUDENT_FILENAME} and {len(found)} .py files: {names}"


def _checked(student_id: str, path: Path | None, problem: str, folder: Path) -> Submission:
    """The submission with its SHA-256, or with the first reason it cannot be graded."""
    shown = _printable(student_id)
    file = _printable(str(path.relative_to(folder))) if path else ""
    problem = problem or gradebook.id_problem(student_id)
    if not problem and path is not None:
        if not _inside(path, folder):
            problem = f"{file} is a link out of the submissions folder: refused"
        elif not path.is_file():
            problem = f"{file} is not a regular file"
    if problem or path is None:
        return Submission(shown, file=file, problem=problem)
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError as err:
        return Submission(shown, file=file, problem=f"cannot read {file}: {err.strerror or err}")
    except UnicodeDecodeError:
        return Submission(shown, file=file, problem="not a Python source file (not UTF-8 text)")
    return Submission(shown, path, file, hashlib.sha256(data).hexdigest())


def discover(folder: Path, out: Path) -> tuple[list[Submission], list[str]]:
    """Every student of ``folder`` (sorted by id) and the names ignored; skips ``out``."""
    found: dict[str, list[tuple[str, Path | None, str]]] = {}
    ignored = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as err:
        raise InputError(f"cannot read {folder}: {err.strerror or err}") from None
    for entry in entries:
        path = Path(entry.path)
        if entry.name[0] == "." or entry.name == "__pycache__" or _same(path, out):
            continue
        if path.is_dir():
            found.setdefault(entry.name, []).append((entry.name + "/", *_file_in_folder(path)))
        elif entry.name.endswith(".py"):
            found.setdefault(entry.name[:-3], []).append((entry.name, path, ""))
        else:
            ignored.append(_printable(entry.name))
    submissions = []
    for student_id, candidates in found.items():
        if len(candidates) > 1:
            names = " and ".join(_printable(name) for name, _, _ in candidates)
            submissions.append(_checked(student_id, None, f"two submissions: {names}", folder))
        else:
            submissions.append(_checked(student_id, *candidates[0][1:], folder))
    return sorted(submissions, key=lambda s: s.id), ignored
