"""The solution key: the evaluated ledger rendered into LaTeX, one section per question."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wdproof.derivations.registry import QUESTIONS
from wdproof.numerics.ledger import LedgerEntry
from wdproof.report.latex import escape, template_environment
from wdproof.report.provenance import provenance

#: Section headings of the problem set (seed 000).
QUESTION_HEADINGS = {
    "Q1.a.i": "Q1.a.i: L2 regularization and weight decay under SGD",
    "Q1.a.ii": "Q1.a.ii: Decoupling SGD with momentum (SGDW)",
    "Q1.b": "Q1.b: Adaptive methods: RMSProp, Adam and Proposition 2",
    "Q2.a": "Q2.a: Implementing Adam and AdamW",
    "Q2.b": "Q2.b: The spiral data set and the hyperparameter sweep",
    "Q2.c": "Q2.c: Reading the heatmaps",
}


@dataclass(frozen=True)
class ReportOptions:
    title: str = "Decoupled Weight Decay: L2 Regularization vs Weight Decay"
    course: str = ""
    author: str = "wdproof"


@dataclass(frozen=True)
class _RenderedEntry:
    claim: object
    steps: list
    confirmation: object
    relation_latex: str


def _sections(entries: list[LedgerEntry]) -> list[dict]:
    sections = []
    for question in QUESTIONS:
        in_question = [
            _RenderedEntry(
                e.claim,
                list(zip(e.claim.steps, e.step_checks, strict=True)),
                e.confirmation,
                r"\le" if e.confirmation.relation == "<=" else ">",
            )
            for e in entries
            if e.claim.question == question
        ]
        if in_question:
            sections.append({"heading": QUESTION_HEADINGS[question], "entries": in_question})
    return sections


def render_solution_key(entries: list[LedgerEntry], options: ReportOptions) -> str:
    template = template_environment().get_template("solution-key.tex.j2")
    return template.render(
        title=escape(options.title),
        course=escape(options.course),
        author=escape(options.author),
        entries=entries,
        sections=_sections(entries),
        provenance=provenance(),
    )


def write_solution_key(entries: list[LedgerEntry], options: ReportOptions, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    tex = out_dir / "solution-key.tex"
    tex.write_text(render_solution_key(entries, options))
    return tex
