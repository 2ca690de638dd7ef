"""``wdproof report``: evaluate the ledger, gather Q2 material, write and compile both PDFs.

Order matters for "nothing computed is lost": both ``.tex`` files are written before LaTeX
runs, so a missing or failing LaTeX still leaves them on disk; the sweep results live in their
own cache and are never removed here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from wdproof.numerics.grading.solution_match import grading_material
from wdproof.numerics.ledger import evaluate_many
from wdproof.report.build import LatexFailedError, LatexMissingError, clean_auxiliary, compile_pdf
from wdproof.report.documents import (
    ReportOptions,
    render_problem_set,
    render_solution_key,
    write_tex,
)
from wdproof.report.grading_section import grading_context
from wdproof.report.study_section import studies_context
from wdproof.report.sweep_section import sweep_context

EXIT_CLAIM_FAILED = 1
EXIT_NO_LATEX = 3
EXIT_LATEX_FAILED = 4


@dataclass(frozen=True)
class ReportRequest:
    out: Path
    options: ReportOptions
    sweep_preset: str = "default"
    compute_sweep: bool = True  # False for --no-sweep: reuse a fresh cache or omit the section
    keep_tex: bool = False


def build_report(request: ReportRequest) -> int:
    out = request.out
    entries = evaluate_many()
    failed = [e.claim.id for e in entries if not e.holds]
    sweep = sweep_context(request.sweep_preset, out, compute=request.compute_sweep)
    sweep["studies"] = studies_context(out)
    key_tex = write_tex(
        render_solution_key(entries, request.options, grading_context(grading_material()), sweep),
        out / "solution-key.tex",
    )
    problem_tex = write_tex(
        render_problem_set(request.options, sweep.get("data_figure")), out / "problem-set.tex"
    )
    try:
        pdfs = [compile_pdf(tex) for tex in (key_tex, problem_tex)]
    except LatexMissingError as err:
        print(f"wdproof report: wrote {key_tex} and {problem_tex}; {err}", file=sys.stderr)
        return EXIT_NO_LATEX
    except LatexFailedError as err:
        print(f"wdproof report: {err}", file=sys.stderr)
        return EXIT_LATEX_FAILED
    for tex in (key_tex, problem_tex):
        clean_auxiliary(tex, keep_tex=request.keep_tex)
    print("wrote " + " and ".join(str(p) for p in pdfs))
    if failed:
        print(
            f"wdproof report: {len(failed)} claim(s) failed verification and are marked NOT "
            f"VERIFIED in the key: {', '.join(failed)}",
            file=sys.stderr,
        )
        return EXIT_CLAIM_FAILED
    return 0
