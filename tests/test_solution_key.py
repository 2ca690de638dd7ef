"""The solution key as a handout: model answers and rubric first, verification in the appendix,
clean typesetting (issue 16).

Built once per module from the session's evaluated ledger and the ``tiny`` sweep preset (trained
into a temporary folder), compiled with the LaTeX log kept, read back with ``pdftotext``.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import numpy as np
import pytest

from wdproof.derivations.registry import QUESTIONS, all_definitions
from wdproof.report import build, documents
from wdproof.report.leaks import definition_leaks, find_leaks, ledger_leaks, repeated_sentences

needs_tex = pytest.mark.skipif(
    not (build.latex_available() and shutil.which("pdftotext")),
    reason="LaTeX or pdftotext not installed",
)
MAX_ANSWER_PAGES = 12


def pages(pdf) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")


def render_key(ledger, out, preset: str = "tiny", compute: bool = True):
    """``(pdf, log, tex)`` of the key built from ``ledger`` and the ``preset`` sweep in ``out``."""
    from wdproof.numerics.grading.solution_match import grading_material
    from wdproof.report.grading_section import grading_context
    from wdproof.report.study_section import studies_context
    from wdproof.report.sweep_section import sweep_context

    sweep = sweep_context(preset, out, compute=compute)
    sweep["studies"] = studies_context(out)
    tex = documents.render_solution_key(
        list(ledger.values()),
        documents.ReportOptions(),
        grading_context(grading_material()),
        sweep,
    )
    path = documents.write_tex(tex, out / "solution-key.tex")
    pdf = build.compile_pdf(path)
    return pdf, (out / "solution-key.log").read_text(errors="replace"), tex


@pytest.fixture(scope="module")
def key(ledger, tmp_path_factory):
    if not (build.latex_available() and shutil.which("pdftotext")):
        pytest.skip("LaTeX or pdftotext not installed")
    out = tmp_path_factory.mktemp("key")
    pdf, log, tex = render_key(ledger, out)
    text = pages(pdf)
    appendix = next(i for i, p in enumerate(text, 1) if "Verification of the answers" in p)
    return {"out": out, "pdf": pdf, "log": log, "tex": tex, "pages": text, "appendix": appendix}


def test_the_ledger_prose_has_no_code_or_markup(ledger):
    """Every claim's and definition's words (math spans excluded) pass the leak scan."""
    assert ledger_leaks(ledger.values()) == []
    assert definition_leaks(all_definitions()) == []


def test_the_scanner_catches_a_dollar_and_an_identifier(ledger):
    """A claim text with an unpaired ``$x`` or ``alpha_t`` spelt out is a leak; ``$x$`` is math."""
    entry = next(iter(ledger.values()))
    for title, kind in (("costs $x per step", "dollar sign"), ("uses alpha_t", "Greek letter")):
        bad = dataclasses.replace(entry, claim=dataclasses.replace(entry.claim, title=title))
        assert any(k.startswith(kind) for _, _, k, _ in ledger_leaks([bad])), title
    fine = dataclasses.replace(entry, claim=dataclasses.replace(entry.claim, title="uses $x$"))
    assert ledger_leaks([fine]) == []
    assert find_leaks("a sum $x + y$ and alpha_t")[0] == ("dollar sign", "$")
    paragraph = "This sentence is long enough to count as a paragraph of the key, " * 2
    assert repeated_sentences(f"{paragraph.strip()}. Other. {paragraph.strip()}.")


def verbatim(grading: dict, ledger) -> list[str]:
    """What the key shows as code on purpose: the reference listings' lines, the grader's check
    and mistake names and its mistake messages (students read them in a terminal), claim ids."""
    lines = [
        line.strip() for listing in grading["listings"] for line in listing["source"].splitlines()
    ]
    lines += [c.name for c in grading["checks"]]
    lines += [m.name for m in grading["mistakes"]] + [m.description for m in grading["mistakes"]]
    lines += list(ledger)
    return sorted(filter(None, lines), key=len, reverse=True)


def in_context(text: str) -> list[str]:
    """Each leak with the words around it, for the failure message."""
    return [
        text[max(0, text.find(match) - 80) : text.find(match) + len(match) + 40]
        for _, match in find_leaks(text)
    ]


@needs_tex
def test_the_key_pdf_has_no_leak_and_no_overfull_box(key, ledger):
    from wdproof.numerics.grading.solution_match import grading_material
    from wdproof.report.grading_section import grading_context

    text = "\n".join(key["pages"]).replace("-\n", "-")
    head, _, rest = text.partition("Reference implementation")  # the listings: code, on purpose
    text = head + "\n" + rest.partition("The autograder's checks")[2]
    for code in verbatim(grading_context(grading_material()), ledger):
        # pdftotext drops a hyphen where a line breaks after it ("decay-" / "independent")
        pattern = r"\s+".join(map(re.escape, code.split())).replace(r"\-", r"-?\s*")
        text = re.sub(pattern, " ", text)
    assert find_leaks(text) == [], in_context(text)
    assert re.findall(r"^Overfull \\[hv]box.*$", key["log"], re.MULTILINE) == []


@needs_tex
def test_every_cross_reference_resolves(key):
    assert "??" not in "\n".join(key["pages"])
    assert "undefined" not in key["log"].split("Output written")[-1].lower()


@needs_tex
def test_model_answers_come_first_within_twelve_pages(key):
    """Sections 1-6 answer the questions in the problem set's order; the appendix starts on a
    page no later than 13."""
    text = "\n".join(key["pages"])
    positions = [text.index(f"{q}:") for q in QUESTIONS]
    assert positions == sorted(positions)
    assert key["appendix"] - 1 <= MAX_ANSWER_PAGES, (
        f"model answers take {key['appendix'] - 1} pages"
    )


@needs_tex
def test_every_question_and_sub_question_has_an_answer_and_a_rubric(key):
    tex = key["tex"].split(r"\appendix")[0]
    sections = re.split(r"\\section\{", tex)[1:]
    assert [s.split(":")[0] for s in sections] == list(QUESTIONS)
    parts = {"Q1.a.ii": "abcd", "Q1.b": "abcd", "Q2.c": "abc"}
    for question, section in zip(QUESTIONS, sections, strict=True):
        assert "What earns the points" in section or "Check & What it runs" in section, question
        assert "Common wrong answers" in section or "Grading" in section, question
        for part in parts.get(question, ""):
            assert rf"\textbf{{({part})}}" in section, (question, part)


@needs_tex
def test_answers_link_to_every_claim_and_claims_link_back(key, ledger):
    answers, appendix = key["tex"].split(r"\appendix")
    for entry in ledger.values():
        if entry.claim.question in QUESTIONS:
            assert rf"\hyperref[claim:{entry.claim.id}]" in answers, entry.claim.id
            assert rf"\hyperref[answer:{entry.claim.question}]" in appendix


@needs_tex
def test_the_momentum_argument_is_marked_as_a_claim_under_test(key):
    q1b = key["tex"].split(r"\label{answer:Q1.b}")[1].split(r"\section{")[0]
    assert "claim under test" in q1b and "original problem set's argument" in q1b


def _q2c(pdf) -> str:
    text = " ".join("\n".join(pages(pdf)).split())
    return text.split("Q2.c: Reading the heatmaps")[1].split("What these data do not show")[0]


@needs_tex
def test_q2c_sentences_follow_the_saved_results(key, ledger, tmp_path):
    """Rewriting the cached results (through the store, checksum and all) changes Q2.c's
    sentences: they are computed from ``results.npz``, never typed."""
    from wdproof.numerics.sweep import store as sweep_store

    out = tmp_path
    shutil.copytree(key["out"] / "sweep", out / "sweep")
    before = _q2c(key["pdf"])
    stored = sweep_store.load(out / "sweep" / "tiny")
    arrays = {name: array.copy() for name, array in stored.arrays.items()}
    arrays["val_acc"][0] = 0.4321  # Adam + L2 never learns: AdamW now wins clearly
    arrays["val_acc"][1:] = np.clip(arrays["val_acc"][1:], 0.93, None)
    sweep_store.write_results(stored.config, arrays, stored.directory, stored.wall_time_s)
    pdf, _, _ = render_key(ledger, out, compute=False)
    after = _q2c(pdf)
    assert before != after
    assert "43.2%" in after and "43.2%" not in before
