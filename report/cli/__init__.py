"""The ``wdproof`` command line.

Exit codes: 0 success; 1 a claim failed verification; 2 bad usage or input (one line on
stderr, no traceback); 3 LaTeX is not installed (the ``.tex`` is written); 4 LaTeX failed.

Subcommands live in their own modules; each exposes ``register(subparsers)`` which adds its
parser and sets ``handler`` to a function ``(args) -> int``. :data:`COMMAND_MODULES` lists them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from wdproof.numerics.errors import InputError, output_folder, writable_directory

#: Modules that contribute subcommands, in ``--help`` order.
COMMAND_MODULES: tuple[str, ...] = ("wdproof.report.cli.grade", "wdproof.report.cli.sweep")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str):
        raise InputError(f"{self.prog}: {message} (see --help)")


def _claims_bar(total: int, desc: str):
    """A tqdm bar over ``total`` claims on stderr (hidden when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="claim", disable=None, leave=False, file=sys.stderr)


def _check_ids(ids: list[str]) -> list[str]:
    from wdproof.derivations.registry import claim_ids

    valid = claim_ids()
    unknown = [i for i in ids if i not in valid]
    if unknown:
        raise InputError(
            f"unknown claim id {', '.join(map(repr, unknown))}; valid ids: {', '.join(valid)}"
        )
    return ids


def _evaluate_with_progress(claims) -> list:

    from wdproof.numerics.ledger import evaluate_stream

    claims = list(claims)
    bar = _claims_bar(len(claims), "evaluating")
    entries = []
    for entry in evaluate_stream(claims):
        entries.append(entry)
        bar.update()
    bar.close()
    return entries


def plain(text: str) -> str:
    """Claim prose (LaTeX math in ``$...$``) as the terminal shows it."""
    from wdproof.report.latex import plain as latex_to_text

    return latex_to_text(text)


def _shorten(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _claims(args: argparse.Namespace) -> int:
    from wdproof.derivations.registry import all_claims

    entries = _evaluate_with_progress(all_claims())
    if args.json:
        print(json.dumps([e.as_dict() for e in entries], indent=2))
        return 0
    header = ("id", "source", "verdict", "proof", "numeric", "tolerance")
    rows = [
        (
            e.claim.id,
            _shorten(plain(e.claim.source)),
            e.verdict.kind + ("" if e.as_expected else f" (expected {e.claim.expect})"),
            _shorten(e.verdict.form, 28),
            f"{e.confirmation.value:.3g}",
            f"{e.confirmation.relation} {e.confirmation.tolerance:.0e}",
        )
        for e in entries
    ]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _verify(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from wdproof.derivations.registry import all_claims, get_claim
    from wdproof.numerics.ledger import evaluate_stream

    claims = [get_claim(i) for i in _check_ids(args.ids)] if args.ids else list(all_claims())
    failures = 0
    started = time.perf_counter()
    bar = _claims_bar(len(claims), "verifying")
    for entry in evaluate_stream(claims):
        claim = entry.claim
        bar.update()
        c, v = entry.confirmation, entry.verdict
        failures += not entry.holds
        checked = f"{sum(entry.step_checks)}/{len(entry.step_checks)} proof steps checked"
        line = (
            f"{'ok  ' if entry.holds else 'FAIL'} {claim.id}: {v.kind} ({v.form}; {checked}); "
            f"{plain(c.quantity)} = {c.value:.3g} ({c.relation} {c.tolerance:.0e})"
        )
        tqdm.write(line + (f": {entry.failure()}" if not entry.holds else ""))
    elapsed = time.perf_counter() - started
    print(f"{len(claims) - failures} passed, {failures} failed in {elapsed:.1f} s")
    if args.mutate:
        failures += _mutate(claims)
    return 1 if failures else 0


def _mutate(claims) -> int:
    """Judge every mutant of every claim; print kill rates; 1 if any mutant survives."""
    from tqdm import tqdm

    from wdproof.derivations.mutations import KINDS, kill_report

    started = time.perf_counter()
    survivors = 0
    header = "mutation kill rate (killed/total)"
    width = max(len(header) + 2, max(len(claim.id) for claim in claims) + 7)
    print(f"{header:<{width}}" + "  ".join(KINDS))
    for claim in tqdm(
        claims, desc="mutating", unit="claim", disable=None, leave=False, file=sys.stderr
    ):
        report = kill_report(claim)
        rates = "  ".join(f"{report.killed[k]}/{report.total[k]}".rjust(len(k)) for k in KINDS)
        status = f"{'ok  ' if not report.survivors else 'FAIL'} {claim.id}"
        tqdm.write(f"{status:<{width}}{rates}")
        for survivor in report.survivors:
            tqdm.write(f"     survived: {survivor}")
        survivors += len(report.survivors)
    print(f"{survivors} mutants survived in {time.perf_counter() - started:.1f} s")
    return 1 if survivors else 0


def _report(args: argparse.Namespace) -> int:
    from wdproof.numerics.sweep.config import preset
    from wdproof.report.documents import ReportOptions
    from wdproof.report.pipeline import ReportRequest, build_report

    preset(args.sweep_preset)  # an unknown preset fails now, not after the ledger is evaluated
    writable_directory(args.out)
    text = {
        k: getattr(args, k)
        for k in ("title", "course", "author", "due", "points")
        if getattr(args, k) is not None
    }
    return build_report(
        ReportRequest(
            out=args.out,
            options=ReportOptions(**text),
            sweep_preset=args.sweep_preset,
            compute_sweep=not args.no_sweep,
            keep_tex=args.keep_tex,
        )
    )


def _points(text: str):
    from wdproof.report.documents import parse_points

    return parse_points(text)


def _default_points() -> str:
    from wdproof.report.documents import DEFAULT_POINTS

    total = sum(points for _, points in DEFAULT_POINTS)
    return ", ".join(f"{q}={points}" for q, points in DEFAULT_POINTS) + f"; total {total}"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wdproof",
        description=(
            "Verify the claims of Loshchilov & Hutter, 'Decoupled Weight Decay Regularization' "
            "(ICLR 2019): SymPy derivations, torch.optim confirmations, LaTeX reports."
        ),
        epilog=(
            "exit codes: 0 success; 1 a claim failed verification; 2 bad usage or input; "
            "3 LaTeX not installed (.tex written); 4 LaTeX failed; 130 interrupted"
        ),
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    claims = sub.add_parser(
        "claims",
        help="list the claim ledger with verdicts and numeric deviations",
        description=(
            "Evaluate every claim (the kernel's verdict and the torch.optim confirmation) and "
            "print id, source, computed verdict, proof form and the measured numeric value with "
            "its bound; --json adds the statement, hypotheses and counterexample."
        ),
    )
    claims.add_argument("--json", action="store_true", help="print the ledger as a JSON list")
    claims.set_defaults(handler=_claims)

    verify = sub.add_parser(
        "verify",
        help="check derivations and numeric confirmations; exit 1 if any fails",
        description=(
            "Judge the proof of each named claim with the proof kernel (the verdict is computed, "
            "and must be the one the claim expects) and run its numeric confirmation against "
            "torch.optim (float64). Exit 0 only if every claim holds."
        ),
    )
    verify.add_argument("ids", nargs="*", metavar="ID", help="claim ids (default: all)")
    verify.add_argument(
        "--mutate",
        action="store_true",
        help="also judge mutants of every claim (flipped verdict, perturbed statement, truncated "
        "or perturbed proof) and print the kill rate per claim; exit 1 if any survives",
    )
    verify.set_defaults(handler=_verify)

    report = sub.add_parser(
        "report",
        help="build the solution key and problem set PDFs from the verified ledger",
        description=(
            "Evaluate every claim, run (or load) the Q2 sweep, and write "
            "OUT/solution-key.pdf and OUT/problem-set.pdf. Exit 3 when LaTeX is missing (the "
            ".tex files are written), 4 when LaTeX fails (its first errors are shown)."
        ),
    )
    report.add_argument(
        "--out", type=output_folder, default=Path("build"), help="output folder (default: build)"
    )
    text = "any text in any script; typeset literally, line breaks as spaces, controls dropped"
    report.add_argument("--title", help=f"document title ({text}; empty: none)")
    report.add_argument("--course", help=f"course name shown under the title ({text})")
    report.add_argument("--author", help=f"author line, the instructor's ({text}; default: none)")
    report.add_argument(
        "--due", help=f"due date or time printed under the title of the problem set ({text})"
    )
    report.add_argument(
        "--points",
        type=_points,
        metavar="Q=N,...",
        help="points per question on the problem set, e.g. Q1.b=30,Q2.c=20; questions not "
        f"named keep their default ({_default_points()})",
    )
    report.add_argument(
        "--no-sweep",
        action="store_true",
        help="do not run the sweep: reuse its cached results if fresh, "
        "else omit Q2.b/Q2.c with a note",
    )
    report.add_argument(
        "--sweep-preset",
        default="default",
        metavar="PRESET",
        help="sweep preset for Q2.b/Q2.c, one of 'wdproof sweep --help' (default: default; "
        "its first run trains default, easy, hard and noisy, about 2.5 min on 2 cores, then "
        "the cache is reused)",
    )
    report.add_argument(
        "--keep-tex", action="store_true", help="keep the .tex sources next to the PDFs"
    )
    report.set_defaults(handler=_report)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except InputError as err:
        message = str(err)
        print(message if message.startswith("wdproof") else f"wdproof: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wdproof: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
