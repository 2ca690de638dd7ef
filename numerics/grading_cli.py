"""``wdproof assign --out DIR [--force]`` and ``wdproof grade STUDENT.py [--json]`` (Q2.a).

``grade`` exits 0 whenever grading completed, whatever the score; bad input (a missing file,
not a Python file, a limit that is not a positive finite number) and ``assign`` refusing to
overwrite existing files are an :class:`~wdproof.derivations.errors.InputError`: one line on
stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wdproof.derivations.errors import output_folder

ASSIGN_DESCRIPTION = """\
Create the Q2.a assignment in DIR: the student template optimizers.py (Adam and AdamW,
torch.optim.Optimizer subclasses with PyTorch's constructor signature, whose step methods
raise NotImplementedError) and a README for students.

An existing optimizers.py or README.md in DIR (perhaps a student's work) is never replaced
unless --force is given; without it nothing is written and the command exits 2.
"""

GRADE_DESCRIPTION = """\
Grade a student's Q2.a file against torch.optim.Adam and torch.optim.AdamW in float64.

STUDENT.py must define both Adam and AdamW as torch.optim.Optimizer subclasses with PyTorch's
constructor signature (params, lr, betas, eps, weight_decay); `wdproof assign --out DIR`
creates the template. The file runs in a separate, time- and memory-limited process; a crash,
hang or missing class costs points and is reported as feedback, never as an error.
"""

GRADE_EPILOG = """\
exit status:
  0  grading completed, whatever the score (including 0)
  2  bad input: missing file, not a UTF-8 .py file, or a bad --time-limit
"""


def _assign(args: argparse.Namespace) -> int:
    from wdproof.numerics.assignment import write_assignment

    for path in write_assignment(args.out, force=args.force):
        print(f"wrote {path}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from wdproof.numerics.grading import check_limits, grade_file

    check_limits(time_limit=args.time_limit)
    report = grade_file(args.student, time_limit=args.time_limit)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.format_table())
    return 0


def register(subparsers) -> None:
    assign = subparsers.add_parser(
        "assign",
        help="create the Q2.a student template (Adam/AdamW stubs) and a README",
        description=ASSIGN_DESCRIPTION,
        epilog="exit status: 0 files written; 2 bad --out or files exist without --force",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    assign.add_argument("--out", type=output_folder, required=True, metavar="DIR", help="output folder")
    assign.add_argument(
        "--force", action="store_true", help="overwrite an existing optimizers.py / README.md"
    )
    assign.set_defaults(handler=_assign)

    grade = subparsers.add_parser(
        "grade",
        help="grade a student's Adam/AdamW file against torch.optim's conventions",
        description=GRADE_DESCRIPTION,
        epilog=GRADE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument(
        "student", type=Path, metavar="STUDENT.py", help="the student's file (defines Adam, AdamW)"
    )
    grade.add_argument("--json", action="store_true", help="print the result as JSON")
    grade.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wall-clock limit for the student's process, positive and finite (default: 60)",
    )
    grade.set_defaults(handler=_grade)
