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
from wdproof.numerics.confirmation import tex_number
from wdproof.numerics.errors import InputError
from wdproof.numerics.grading.assignment import STUDENT_FILENAME
from wdproof.numerics.ledger import LedgerEntry
from wdproof.report.latex import (
    claim_linker,
    needs_unicode_engine,
    template_environment,
    user_text,
)
from wdproof.report.once import first_printing
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

#: Points per question of the problem set (``--points`` overrides some or all). Q2.a's are the
#: autograder's maximum score (ten checks of two points each).
DEFAULT_POINTS: tuple[tuple[str, int], ...] = (
    ("Q1.a.i", 10),
    ("Q1.a.ii", 20),
    ("Q1.b", 25),
    ("Q2.a", 20),
    ("Q2.b", 10),
    ("Q2.c", 15),
)


def parse_points(text: str, base: tuple[tuple[str, int], ...] = DEFAULT_POINTS):
    """``"Q1.b=30,Q2.c=20"`` applied to ``base``: the points of every question, in order.

    Raises :class:`InputError` (exit 2) on an unknown question, a repeated one, or a value that
    is not a whole number from 0 to 1000.
    """
    points = dict(base)
    seen: set[str] = set()
    for item in filter(None, (part.strip() for part in text.split(","))):
        question, sep, value = (s.strip() for s in item.partition("="))
        if not sep or question not in points:
            raise InputError(
                f"--points: {item!r} is not QUESTION=POINTS with QUESTION one of "
                f"{', '.join(points)}"
            )
        if question in seen:
            raise InputError(f"--points: {question} is given twice")
        if not (value.isdigit() and int(value) <= 1000):
            raise InputError(f"--points: {question} needs a whole number 0..1000, got {value!r}")
        seen.add(question)
        points[question] = int(value)
    return tuple(points.items())


@dataclass(frozen=True)
class ReportOptions:
    """What the instructor sets: title-page text in any script (see
    :func:`~wdproof.report.latex.user_text`) and the problem set's points per question.

    An empty (or all-whitespace) text field is left out of the title page; the author line is
    the instructor's, empty unless given.
    """

    title: str = DEFAULT_TITLE
    course: str = ""
    author: str = ""
    due: str = ""
    points: tuple[tuple[str, int], ...] = DEFAULT_POINTS


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
    texts = {k: getattr(options, k) for k in ("title", "course", "author", "due")}
    unicode_engine = needs_unicode_engine(*texts.values())
    return {"unicode_engine": unicode_engine} | {
        k: user_text(v, unicode_engine) for k, v in texts.items()
    }


def render_solution_key(
    entries: list[LedgerEntry], options: ReportOptions, grading: dict, sweep: dict
) -> str:
    """The key: model answers with rubric (one section per question), then the appendix:
    the ledger, the verification of each answer's claims, the claims beyond the problem set,
    provenance."""
    from wdproof.report.rubric import check_rubric, rubric

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
    points = dict(options.points)
    rubrics = {q: rubric(q, points[q]) for q in points if q != "Q2.a"}
    checks = grading.get("checks", ())
    rubrics["Q2.a"] = check_rubric(checks, points["Q2.a"])
    environment = template_environment()
    environment.filters["prose"] = claim_linker([e.claim.id for e in rendered])
    template = environment.get_template("solution-key.tex.j2")
    return template.render(
        **_title_page(options),
        earlier=first_printing([e for section in sections for e in section["entries"]]),
        entries=rendered,
        claims={e.claim.id: e for e in rendered},
        answer_claims={q: [e.claim.id for e in rendered if e.claim.question == q] for q in points},
        points=points,
        rubric=rubrics,
        sections=sections,
        grading=grading,
        sweep=sweep,
        provenance=provenance(),
    )


#: Presets the problem set points students to: the Q2.b sweep, then Q2.c(b)'s other data.
PROBLEM_SET_PRESETS = ("default", "easy", "hard")


def _math_number(value: float) -> str:
    """``0.0003``, ``0.3``, ``10^{-6}``, ``3\\times 10^{-5}``: LaTeX math, 3 significant digits."""
    return tex_number(value, ".3g")


def _grid(values) -> dict[str, object]:
    """A log grid as the problem set prints it: first and last value ($...$) and count."""
    low, high = (f"${_math_number(v)}$" for v in (min(values), max(values)))
    return {"low": low, "high": high, "count": len(values)}


def _sweep_settings() -> dict[str, object]:
    """What students run for Q2.b/Q2.c, read from the sweep's presets and the command line.

    Nothing here is typed twice: the grids, network, split and training length come from
    :data:`~wdproof.numerics.sweep.config.PRESETS`, the threshold and output folder from the
    defaults of the ``wdproof sweep`` parser, the variants from its configuration.
    """
    from wdproof.numerics.optimizers.conventions import VARIANTS, DecayConvention
    from wdproof.numerics.sweep.config import PRESETS
    from wdproof.report.cli import build_parser

    defaults = build_parser().parse_args(["sweep"])
    config = PRESETS["default"]
    data = config.data
    symbol = {
        DecayConvention.L2: r"\lambda'",
        DecayConvention.TORCH: r"w",
        DecayConvention.PAPER: r"\lambda",
    }
    variants = [
        {
            "name": name,
            "convention": VARIANTS[name].convention.name,
            "symbol": symbol[VARIANTS[name].convention],
            "grid": _grid(config.wd_grid(name)),
        }
        for name in config.variants
    ]
    spirals = [
        {
            "preset": name,
            "turns": f"${_math_number(p.data.turns)}$",
            "noise": f"${_math_number(p.data.noise)}$",
        }
        for name, p in ((n, PRESETS[n]) for n in PROBLEM_SET_PRESETS)
    ]
    return {
        "preset": config.preset,
        "presets": spirals,
        "n_points": data.n_points,
        "n_train": data.n_train_points,
        "n_val": data.n_val,
        "data_seed": data.data_seed,
        "hidden_layers": config.hidden_layers,
        "width": config.width,
        "steps": config.steps,
        "batch_size": config.batch_size,
        "seeds": len(config.seeds),
        "beta1": _math_number(config.betas[0]),
        "beta2": _math_number(config.betas[1]),
        "eps": _math_number(config.eps),
        "lrs": _grid(config.lrs),
        "decay_fractions": _grid(config.decay_fractions),
        "variants": variants,
        "threshold": f"${_math_number(defaults.threshold)}$",
        "threshold_percent": f"{100 * defaults.threshold:g}",
        "out": defaults.out.as_posix(),
        "cells": len(config.lrs) * config.n_wd,
    }


def _points(options: ReportOptions) -> dict[str, object]:
    """Points per question, per part (Question 1, Question 2) and in total."""
    points = dict(options.points)
    parts = {
        part: sum(v for q, v in points.items() if q.startswith(f"Q{part}.")) for part in (1, 2)
    }
    return {"points": points, "part_points": parts, "total_points": sum(points.values())}


def render_problem_set(options: ReportOptions, data_figure: str | None) -> str:
    """The problem set: the questions, the algorithms and settings they need, points and due
    date; no derivation, verdict, number measured or answer."""
    from wdproof.numerics.grading.checks import CHECKS

    template = template_environment().get_template("problem-set.tex.j2")
    return template.render(
        **_title_page(options),
        **_points(options),
        data_figure=data_figure,
        student_file=STUDENT_FILENAME,
        grader_checks=len(CHECKS),
        grader_points=sum(c.points for c in CHECKS),
        sweep=_sweep_settings(),
    )


def write_tex(text: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
