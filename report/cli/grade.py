"""``wdproof assign --out DIR [--force]`` and ``wdproof grade STUDENT.py [--json]`` (Q2.a).

``grade`` exits 0 whenever grading completed, whatever the score; bad input (a missing file,
not a Python file, a time limit outside 1 s .. 3600 s) and ``assign`` refusing to
overwrite existing files are an :class:`~wdproof.numerics.errors.InputError`: one line on
stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wdproof.numerics.errors import output_folder

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
creates the template. The file runs in a separate, time- and memory-limited process, inside a
bubblewrap sandbox (no network, no files but its own, as user nobody) where bwrap is installed;
a crash, hang or missing class costs points and is reported as feedback, never as an error.
The grader computes every gradient itself and records only the parameters it asked for, step
by step. A class that is, subclasses or hands its update to torch.optim.Adam/AdamW (or torch's
fused Adam kernels), or a file that imports wdproof, scores 0 for that class.
"""

GRADE_EPILOG = """\
exit status:
  0  grading completed, whatever the score (including 0)
  2  bad input: missing file, not a UTF-8 .py file, or a --time-limit outside 1..3600

environment:
  WDPROOF_SANDBOX=auto|bwrap|none  auto (default): bubblewrap when it can start, otherwise
                                   unsandboxed with a warning; bwrap: require it; none: never

known mistakes the grader recognises and names:
"""


def _mistakes_catalogue() -> str:
    """One entry per known mistake, from :data:`~wdproof.numerics.grading.mistakes.MISTAKES`."""
    import textwrap

    from wdproof.numerics.grading.mistakes import MISTAKES

    entries = []
    for mistake in MISTAKES:
        classes = "/".join(sorted(mistake.applies_to))
        entries.append(f"  {mistake.name} ({classes})")
        entries += textwrap.wrap(
            mistake.description, width=88, initial_indent=" " * 6, subsequent_indent=" " * 6
        )
    return "\n".join(entries) + "\n"


def _assign(args: argparse.Namespace) -> int:
    from wdproof.numerics.grading.assignment import write_assignment

    for path in write_assignment(args.out, force=args.force):
        print(f"wrote {path}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from wdproof.numerics.grading.grader import check_limits, grade_file

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
    assign.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    assign.add_argument(
        "--force", action="store_true", help="overwrite an existing optimizers.py / README.md"
    )
    assign.set_defaults(handler=_assign)

    grade = subparsers.add_parser(
        "grade",
        help="grade a student's Adam/AdamW file against torch.optim's conventions",
        description=GRADE_DESCRIPTION,
        epilog=GRADE_EPILOG + _mistakes_catalogue(),
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
        help="wall-clock limit for the student's process, 1 to 3600 (default: 60)",
    )
    grade.set_defaults(handler=_grade)
