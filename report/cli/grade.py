"""``wdproof assign --out DIR [--force]`` and ``wdproof grade STUDENT.py [--json]`` (Q2.a).

``wdproof grade SUBMISSIONS_DIR --out GRADEBOOK_DIR [--jobs N] [--force]`` grades a whole class
(:mod:`wdproof.numerics.grading.batch`). ``grade`` exits 0 whenever grading completed, whatever
the scores; bad input (a missing file or folder, not a Python file, a time limit outside
1 s .. 3600 s, ``--jobs`` below 1, a gradebook in use) and ``assign`` refusing to overwrite
existing files are an :class:`~wdproof.numerics.errors.InputError`: one line on stderr, exit
status 2. Ctrl-C during a class's grading keeps the rows graded so far and exits 130.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wdproof.numerics.errors import InputError, output_folder

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

A whole class: `wdproof grade SUBMISSIONS_DIR --out GRADEBOOK_DIR` grades every student of
SUBMISSIONS_DIR, --jobs at a time, each exactly as a single file is graded (its own contained
process, same limits). Two layouts, which may be mixed:
  SUBMISSIONS_DIR/<id>.py            one file per student; the id is the file's name without .py
  SUBMISSIONS_DIR/<id>/optimizers.py one folder per student; the id is the folder's name; the
                                     file is optimizers.py, or the folder's only .py file
Names starting with '.' and files that are not .py are ignored. It writes
  GRADEBOOK_DIR/gradebook.csv        one row per student: id, score, max, the points of each
                                     check (one column per check, named as above), mistake (the
                                     known mistakes diagnosed), status (graded; rejected: no
                                     gradable file; error: the grader failed), reason (why
                                     points were lost or why the row was not graded)
  GRADEBOOK_DIR/students/<id>.json   the JSON of --json for that student, with the file's
                                     SHA-256 and the grader's version
and prints a histogram of the scores and the most common diagnosed mistakes. A re-run grades
only the students whose file (or the grader, or --time-limit) changed; --force regrades all.
A crash, hang, syntax error or missing class is that student's row, never the end of the
batch. Ctrl-C keeps the rows graded so far (exit 130); the next run goes on from there.
"""

GRADE_EPILOG = """\
exit status:
  0    grading completed, whatever the score (including 0)
  2    bad input: missing file, not a UTF-8 .py file, or a --time-limit outside 1..3600; for a
       class: a missing or empty SUBMISSIONS_DIR, no --out, --jobs below 1, a GRADEBOOK_DIR
       that cannot be written or that another grading is using
  130  interrupted (a class: the rows graded so far are kept in gradebook.csv)

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

    if args.student.is_dir() or args.out is not None:
        return _grade_class(args)
    for flag, given in (("--jobs", args.jobs is not None), ("--force", args.force)):
        if given:
            raise InputError(f"{flag} is for a folder of submissions, not one file")
    check_limits(time_limit=args.time_limit)
    report = grade_file(args.student, time_limit=args.time_limit)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.format_table())
    return 0


def _grade_class(args: argparse.Namespace) -> int:
    """``wdproof grade SUBMISSIONS_DIR --out GRADEBOOK_DIR``: the gradebook and its summary."""
    from tqdm import tqdm

    from wdproof.numerics.grading.batch import BatchRequest, GradingInterrupted, grade_class
    from wdproof.numerics.grading.gradebook import summary

    if args.out is None:
        raise InputError(f"{args.student} is a folder: grading a class needs --out GRADEBOOK_DIR")
    if args.json:
        raise InputError("--json is for one file; a class's JSON is in GRADEBOOK_DIR/students/")
    jobs = {} if args.jobs is None else {"jobs": args.jobs}  # default: the cores
    request = BatchRequest(
        args.student, args.out, force=args.force, time_limit=args.time_limit, **jobs
    )
    bar = tqdm(desc="grading", unit="student", file=sys.stderr, disable=None, leave=False)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        result = grade_class(request, progress)
    except GradingInterrupted as stop:
        bar.close()
        print(
            f"wdproof: interrupted: {stop.kept} of {stop.total} students graded, "
            f"their rows kept in {stop.csv_path}",
            file=sys.stderr,
        )
        return 130
    finally:
        bar.close()
    statuses = [r["submission"]["status"] for r in result.records]
    print(
        f"{len(result.records)} students in {result.elapsed_s:.1f} s: {result.graded} graded now, "
        f"{result.unchanged} unchanged since the last run, {statuses.count('rejected')} "
        f"rejected, {statuses.count('error')} grader errors; gradebook: {result.csv_path}"
    )
    if result.ignored:
        print(f"ignored (not .py files): {', '.join(result.ignored)}")
    print(summary(result.records, result.records[0]["max_score"]))
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
        "student",
        type=Path,
        metavar="STUDENT.py|SUBMISSIONS_DIR",
        help="the student's file (defines Adam, AdamW), or a folder of submissions (see above)",
    )
    grade.add_argument("--json", action="store_true", help="print the result as JSON")
    grade.add_argument(
        "--out",
        type=output_folder,
        metavar="GRADEBOOK_DIR",
        help="for SUBMISSIONS_DIR: where gradebook.csv and students/<id>.json go (required)",
    )
    grade.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="for SUBMISSIONS_DIR: gradings at a time, each in its own worker process "
        "(default: the CPU cores)",
    )
    grade.add_argument(
        "--force",
        action="store_true",
        help="for SUBMISSIONS_DIR: regrade every student, unchanged files too",
    )
    grade.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wall-clock limit for the student's process, 1 to 3600 (default: 60)",
    )
    grade.set_defaults(handler=_grade)
