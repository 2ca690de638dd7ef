"""``wdproof assign --out DIR`` and ``wdproof grade STUDENT.py [--json]`` (problem set Q2.a).

``grade`` exits 0 whenever grading completed, whatever the score; bad input (a missing file,
not a Python file, a non-positive limit) is an :class:`~wdproof.derivations.errors.InputError`:
one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wdproof.derivations.errors import InputError


def _assign(args: argparse.Namespace) -> int:
    from wdproof.numerics.assignment import write_assignment

    for path in write_assignment(args.out):
        print(f"wrote {path}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from wdproof.numerics.grading import grade_file

    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit:g}")
    report = grade_file(args.student, time_limit=args.time_limit)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.format_table())
    return 0


def register(subparsers) -> None:
    assign = subparsers.add_parser(
        "assign", help="write the Q2.a student files (Adam/AdamW stubs and a README)"
    )
    assign.add_argument("--out", type=Path, required=True, help="output folder")
    assign.set_defaults(handler=_assign)

    grade = subparsers.add_parser(
        "grade", help="grade a student's Adam/AdamW file against torch.optim's conventions"
    )
    grade.add_argument("student", type=Path, metavar="STUDENT.py", help="the student's file")
    grade.add_argument("--json", action="store_true", help="print the result as JSON")
    grade.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wall-clock limit for the student's process (default: 60)",
    )
    grade.set_defaults(handler=_grade)
