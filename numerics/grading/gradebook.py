"""A class's gradebook on disk: per-student JSON records, the CSV, the summary and the lock.

``GRADEBOOK_DIR/students/<id>.json`` holds what ``wdproof grade STUDENT.py --json`` prints
(``score``, ``max_score``, ``checks``, ``mistakes``) and a ``submission`` block: the student
id, the file graded, its SHA-256, the :func:`grader_fingerprint` it was graded under, a
``status`` (``graded``; ``rejected``: no gradable file; ``error``: the grader itself failed)
and the ``reason``. A ``digest`` (SHA-256 of the rest) seals each record. :func:`load_record`
trusts a record only when it parses, its digest holds and it was graded from the same bytes by
the same grader: a truncated, hand-edited or stale file means "not graded yet", never an error.
``gradebook.csv`` is always rebuilt from the records, one row per student. Every file is
written to a temporary name and renamed (:func:`write_atomic`), so a reader never sees half.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import secrets
from collections import Counter
from importlib import metadata
from pathlib import Path

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep.lock import folder_lock

CSV_NAME = "gradebook.csv"
STUDENTS_DIR = "students"
STATUSES = ("graded", "rejected", "error")
REASON_CHARS = 300
#: ``<id>.json`` must fit a file name (255 bytes on Linux and macOS).
MAX_ID_BYTES = 255 - len(".json")


def grader_fingerprint(time_limit: float, memory_limit: int) -> str:
    """What a grade depends on besides the submission: wdproof's version, the source of the
    grader and of the reference rules (so any change to them regrades), and the limits."""
    from wdproof.numerics import grading, optimizers

    digest = hashlib.sha256()
    for package in (grading, optimizers):
        for source in sorted(Path(package.__file__).parent.glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    try:
        version = metadata.version("wdproof")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return (
        f"wdproof {version}, grader {digest.hexdigest()[:16]}, "
        f"limits {time_limit:g} s {memory_limit >> 20} MiB"
    )


def _digest(record: dict) -> str:
    body = {key: value for key, value in record.items() if key != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def sealed(record: dict) -> dict:
    """``record`` with its ``digest``."""
    return {**record, "digest": _digest(record)}


def reason_of(report: dict) -> str:
    """Why points were lost, in one line: the first failed check and its feedback."""
    failed = [c for c in report["checks"] if not c["passed"]]
    if not failed:
        return ""
    text = f"{failed[0]['name']}: {' '.join(failed[0]['feedback'].split())}"
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 3] + "..."


def id_problem(name: str) -> str:
    """Why ``name`` cannot name ``students/<name>.json`` inside the gradebook ("" if it can)."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        return "the name would lead out of the gradebook folder: refused"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "the name is not valid UTF-8: rename it"
    if size > MAX_ID_BYTES:
        return f"the name is longer than {MAX_ID_BYTES} bytes: rename it"
    return ""


def new_record(submission, grader: str, status: str, report: dict, why: str = "") -> dict:
    """``report`` (the JSON of ``wdproof grade --json``) with the ``submission`` block."""
    return sealed(
        {
            **report,
            "submission": {
                "id": submission.id,
                "file": submission.file,
                "sha256": submission.sha256,
                "grader": grader,
                "status": status,
                "reason": why or (reason_of(report) if status == "graded" else ""),
            },
        }
    )


def record_path(out: Path, student_id: str) -> Path:
    return out / STUDENTS_DIR / f"{student_id}.json"


def _well_formed(record: object) -> bool:
    if not isinstance(record, dict):
        return False
    submission, checks = record.get("submission"), record.get("checks")
    return (
        type(record.get("score")) is int
        and type(record.get("max_score")) is int
        and isinstance(checks, list)
        and all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in checks)
        and all(type(c.get("points")) is int for c in checks)
        and isinstance(record.get("mistakes"), list)
        and all(isinstance(m, str) for m in record["mistakes"])
        and isinstance(submission, dict)
        and all(isinstance(submission.get(k), str) for k in ("id", "status", "reason"))
        and submission["status"] in STATUSES
    )


def load_record(path: Path, sha256: str, grader: str) -> dict | None:
    """The record at ``path`` if it is intact and graded from ``sha256`` by ``grader``."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, truncated, not UTF-8, not JSON
        return None
    if not _well_formed(record) or record.get("digest") != _digest(record):
        return None
    submission = record["submission"]
    fresh = submission.get("sha256") == sha256 and submission.get("grader") == grader
    return record if fresh and submission["status"] == "graded" else None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path`` (mode 0666 less the umask), rename it on."""
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        # a lone surrogate (a student's exception message can carry one) is written as \udcxx:
        # in JSON that is the same string again, in the CSV readable text
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_record(out: Path, record: dict) -> None:
    path = record_path(out, record["submission"]["id"])
    write_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def csv_header(check_names: list[str]) -> list[str]:
    return ["id", "score", "max", *check_names, "mistake", "status", "reason"]


#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text``, with a leading apostrophe if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(record: dict, check_names: list[str]) -> list:
    """One student's row; a grader error leaves the points empty (nothing was measured). An id
    a spreadsheet would read as a formula (``=cmd``) gets a leading apostrophe."""
    submission = record["submission"]
    measured = submission["status"] != "error"
    points = {c["name"]: c["points"] for c in record["checks"]}
    return [
        spreadsheet_safe(submission["id"]),
        record["score"] if measured else "",
        record["max_score"],
        *(points.get(name, 0) if measured else "" for name in check_names),
        "; ".join(record["mistakes"]),
        submission["status"],
        submission["reason"],
    ]


def write_csv(out: Path, records: list[dict], check_names: list[str]) -> Path:
    """``out/gradebook.csv``: a header and one row per record, quoted by :mod:`csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_header(check_names))
    for record in sorted(records, key=lambda r: r["submission"]["id"]):
        writer.writerow(csv_row(record, check_names))
    path = out / CSV_NAME
    write_atomic(path, buffer.getvalue())
    return path


def histogram(scores: list[int], max_score: int, width: int = 40) -> list[str]:
    """Text bars: bins of ``ceil(max / 10)`` points, full marks in a bin of their own."""
    size = max(1, math.ceil(max_score / 10))
    bins = [(low, min(low + size, max_score) - 1) for low in range(0, max_score, size)]
    bins.append((max_score, max_score))
    counts = [sum(low <= s <= high for s in scores) for low, high in bins]
    scale = width / max(max(counts), 1)
    lines = []
    for (low, high), count in zip(bins, counts, strict=True):
        label = f"{low}" if low == high else f"{low}-{high}"
        lines.append(f"  {label:>7}  {'#' * math.ceil(count * scale):<{width}}  {count}")
    return lines


def summary(records: list[dict], max_score: int) -> str:
    """The score histogram and the most common diagnosed mistakes, for the terminal."""
    scored = [r["score"] for r in records if r["submission"]["status"] != "error"]
    lines = [f"scores (out of {max_score}, {len(scored)} students):"]
    lines += histogram(scored, max_score)
    mistakes = Counter(m for r in records for m in r["mistakes"]).most_common()
    lines.append("most common diagnosed mistakes (students):" if mistakes else "no known mistake")
    lines += [f"  {count:>7}  {name}" for name, count in mistakes]
    return "\n".join(lines)


def exclusive_lock(folder: Path):
    """Hold ``folder/.lock`` (the sweep's ``flock`` lock, dropped by the kernel if we die) or
    refuse at once: a second grading into the same gradebook would grade the same students
    again, so unlike a sweep it does not wait its turn."""

    def busy(holder: str) -> InputError:
        return InputError(
            f"{folder} is in use by another grading ({holder}); "
            "wait for it to finish or choose another --out"
        )

    return folder_lock(folder, busy=busy)
