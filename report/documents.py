"""The two documents an instructor hands out: the solution key and the problem set.

Both follow the problem set's questions (Q1.a.i ... Q2.c) and share their prompts
(``templates/questions.tex.j2``), so they can never ask different questions. The key adds the
evaluated ledger, the Q2.a reference code and autograder checks, and the Q2.b/Q2.c sweep
figures and answers; the problem set carries none of those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wdproof.derivations.notation import latex
from wdproof.derivations.registry import QUESTIONS, SECTIONS, all_definitions
from wdproof.numerics.grading.assignment import STUDENT_FILENAME
from wdproof.numerics.ledger import LedgerEntry
from wdproof.report.latex import needs_unicode_engine, template_environment, user_text
from wdproof.report.provenance import provenance

#: Section headings, after the problem set (seed 000).
QUESTION_HEADINGS = {
    "Q1.a.i": "Q1.a.i: $L_2$ regularization and weight decay under SGD",
    "Q1.a.ii": "Q1.a.ii: Decoupling SGD with momentum (SGDW)",
    "Q1.b": "Q1.b: Adaptive methods, the preconditioner $M_t$ and Proposition 2",
    "Q2.a": "Q2.a: Implementing Adam and AdamW",
    "Q2.b": "Q2.b: The spiral data set and the learning-rate $\\times$ weight-decay sweep",
    "Q2.c": "Q2.c: Reading the heatmaps",
    "lecture-notes": "Claims in the lecture notes",
    "schedules": "Schedules and normalized weight decay",
}

DEFAULT_TITLE = "Decoupled Weight Decay: L2 Regularization vs Weight Decay"


@dataclass(frozen=True)
class ReportOptions:
    """User text for the title page, in any script; see :func:`~wdproof.report.latex.user_text`.

    An empty (or all-whitespace) field is left out of the title page.
    """

    title: str = DEFAULT_TITLE
    course: str = ""
    author: str = "wdproof"


@dataclass(frozen=True)
class _Entry:
    """A ledger entry as the template reads it."""

    claim: object
    verdict: object
    verdict_latex: str
    counterexample: list[str]
    confirmation: object
    holds: bool
    relation_latex: str


def _verdict_latex(entry: LedgerEntry) -> str:
    """The verdict as one phrase: proved / refuted / conditional on $h_1$, $h_2$ / unproved."""
    v = entry.verdict
    text = r"\verdict{" + v.kind + "}"
    if v.form == "numerical evidence only":
        text += r" (numerical evidence only)"
    if v.kind == "conditional":
        text += " on " + ", ".join(f"${latex(h)}$" for h in v.hypotheses)
    return text


def _entry(entry: LedgerEntry) -> _Entry:
    example = entry.verdict.counterexample or {}
    return _Entry(
        entry.claim,
        entry.verdict,
        _verdict_latex(entry),
        [f"{latex(k)} = {latex(v)}" for k, v in example.items()],
        entry.confirmation,
        entry.holds,
        r"\le" if entry.confirmation.relation == "<=" else ">",
    )


def _title_page(options: ReportOptions) -> dict[str, object]:
    """The user's texts as LaTeX, and whether they need LuaLaTeX (``unicode_engine``)."""
    unicode_engine = needs_unicode_engine(options.title, options.course, options.author)
    return {
        "unicode_engine": unicode_engine,
        "title": user_text(options.title, unicode_engine),
        "course": user_text(options.course, unicode_engine),
        "author": user_text(options.author, unicode_engine),
    }


def render_solution_key(
    entries: list[LedgerEntry], options: ReportOptions, grading: dict, sweep: dict
) -> str:
    """The key: summary table, one section per question, provenance."""
    rendered = [_entry(e) for e in entries]
    sections = [
        {
            "question": q,
            "heading": QUESTION_HEADINGS[q],
            "entries": [e for e in rendered if e.claim.question == q],
            "definitions": [d for d in all_definitions() if d.question == q],
        }
        for q in SECTIONS
    ]
    # An appendix without claims is left out; every question of the problem set is answered.
    sections = [s for s in sections if s["question"] in QUESTIONS or s["entries"]]
    template = template_environment().get_template("solution-key.tex.j2")
    return template.render(
        **_title_page(options),
        entries=rendered,
        sections=sections,
        grading=grading,
        sweep=sweep,
        provenance=provenance(),
    )


def render_problem_set(options: ReportOptions, data_figure: str | None) -> str:
    """The problem set: the same questions, no derivations, verdicts or numbers."""
    template = template_environment().get_template("problem-set.tex.j2")
    return template.render(
        **_title_page(options),
        date=provenance()["date"].split()[0],
        questions_list=[(q, QUESTION_HEADINGS[q]) for q in QUESTIONS],
        data_figure=data_figure,
        student_file=STUDENT_FILENAME,
    )


def write_tex(text: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
