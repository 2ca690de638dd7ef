"""Building the solution key and the problem set, read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from wdproof.report import build, documents
from wdproof.report.cli import main

needs_tex = pytest.mark.skipif(
    not (build.latex_available() and shutil.which("pdftotext")),
    reason="LaTeX (latexmk, pdflatex) or pdftotext not installed: apt-get install "
    + build.TEX_PACKAGES + " poppler-utils",
)

NASTY_TITLE = r"Weight decay & L_2: 100% {verified} #1 ~x^2 \ $"
QUICK = ["--no-sweep", "--sweep-preset", "tiny"]


def pdf_text(path) -> str:
    """The PDF's text with whitespace collapsed and typographic quotes made plain."""
    raw = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return plain(raw.replace("\u2019", "'").replace("\u2018", "'"))


def plain(text: str) -> str:
    """Whitespace collapsed, and none after ``/ = ( _`` (where the report allows line breaks)."""
    return re.sub(r"([/=(_])\s+", r"\1", " ".join(text.split()))


@pytest.fixture(autouse=True, scope="module")
def evaluated_once(ledger):
    """Reports reuse the session's evaluated ledger instead of re-running every confirmation."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("wdproof.report.pipeline.evaluate_many", lambda: list(ledger.values()))
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not (build.latex_available() and shutil.which("pdftotext")):
        pytest.skip("LaTeX or pdftotext not installed")
    out = tmp_path_factory.mktemp("report")
    argv = ["--title", NASTY_TITLE, "--course", "Optimization #7"]
    code = main(["report", "--out", str(out), *argv, *QUICK])
    assert code == 0
    return out


@needs_tex
def test_solution_key_shows_every_claim_title_and_verdict(built, ledger):
    text = pdf_text(built / "solution-key.pdf")
    for entry in ledger.values():
        assert plain(entry.claim.title) in text, entry.claim.id
    for verdict in {e.verdict.kind for e in ledger.values()}:
        assert verdict in text
    assert "NOT VERIFIED" not in text
    assert "unproved" not in text


@needs_tex
def test_problem_set_has_questions_but_no_solutions(built, ledger):
    text = pdf_text(built / "problem-set.pdf").replace(NASTY_TITLE, "")
    for question in ("Q1.a.i", "Q1.a.ii", "Q1.b", "Q2.a", "Q2.b", "Q2.c"):
        assert question in text
    for word in ("verified", "Verdict", "proved", "refuted", "conditional", "Proof"):
        assert word not in text, word
    for entry in ledger.values():
        assert plain(entry.claim.title) not in text
        for step in entry.verdict.steps:
            words = " ".join(step.text.replace("$", "").split())
            if len(words) > 40:  # the kernel's own short step sentences recur in every claim
                assert words not in text


@needs_tex
def test_user_text_is_escaped_and_survives(built):
    for name in ("solution-key.pdf", "problem-set.pdf"):
        text = pdf_text(built / name)
        assert "Weight decay & L_2: 100% {verified} #1 ~x^2 \\ $" in text
        assert "Optimization #7" in text


@needs_tex
def test_tex_removed_unless_kept(built, tmp_path):
    assert not (built / "solution-key.tex").exists()
    assert not (built / "solution-key.log").exists()
    assert main(["report", "--out", str(tmp_path), "--keep-tex", *QUICK]) == 0
    assert (tmp_path / "solution-key.tex").exists() and (tmp_path / "problem-set.tex").exists()


def test_missing_latex_writes_tex_and_exits_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build.shutil, "which", lambda _name: None)
    assert main(["report", "--out", str(tmp_path), *QUICK]) == 3
    assert (tmp_path / "solution-key.tex").exists() and (tmp_path / "problem-set.tex").exists()
    err = capsys.readouterr().err
    assert "texlive-latex-extra" in err and len(err.strip().splitlines()) == 1


@needs_tex
def test_latex_failure_shows_first_error_and_keeps_tex(tmp_path, monkeypatch, capsys):
    broken = documents.render_problem_set

    def with_error(*args, **kwargs):
        return broken(*args, **kwargs).replace(r"\maketitle", r"\maketitle\undefinedwdproofmacro")

    monkeypatch.setattr("wdproof.report.pipeline.render_problem_set", with_error)
    assert main(["report", "--out", str(tmp_path), *QUICK]) == 4
    err = capsys.readouterr().err
    assert "Undefined control sequence" in err and "Traceback" not in err
    assert (tmp_path / "problem-set.tex").exists()


def test_latex_error_lines_are_extracted():
    log = "junk\n./x.tex:12: Undefined control sequence.\nl.12 \\foo\n\nmore\n"
    assert "Undefined control sequence" in build.first_errors(log)


@needs_tex
def test_q2c_numbers_come_from_the_saved_sweep_results(tmp_path):
    """Editing the cached arrays changes the key's Q2.c numbers: nothing is hard-coded."""
    import numpy as np

    assert main(["report", "--out", str(tmp_path), "--sweep-preset", "tiny"]) == 0
    before = pdf_text(tmp_path / "solution-key.pdf")
    results = tmp_path / "sweep" / "tiny" / "results.npz"
    with np.load(results) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["val_acc"] = np.full_like(arrays["val_acc"], 0.987654)
    np.savez(results, **arrays)
    assert main(["report", "--out", str(tmp_path), "--sweep-preset", "tiny", "--no-sweep"]) == 0
    after = pdf_text(tmp_path / "solution-key.pdf")
    assert "98.8%" not in before
    assert "98.8%" in after
    n_cells = arrays["val_acc"].shape[-1] * arrays["val_acc"].shape[-2]
    assert f"{n_cells}/{n_cells} (100.0%)" in after


@needs_tex
def test_no_sweep_without_cache_omits_q2_with_a_note(built):
    text = pdf_text(built / "solution-key.pdf")
    assert "omitted (--no-sweep)" in text and "no cached results exist" in text


def test_stale_sweep_cache_is_reported_not_used(tmp_path):
    import json

    from wdproof.numerics import sweep_store
    from wdproof.numerics.sweep_config import preset
    from wdproof.report.sweep_section import sweep_context

    directory = sweep_store.load_or_run(preset("tiny"), tmp_path / "sweep").directory
    assert sweep_context("tiny", tmp_path, compute=False)["available"]
    sweep_store.load_or_run(preset("tiny", steps=61), tmp_path / "sweep")  # an override run
    assert sweep_context("tiny", tmp_path, compute=False)["available"]  # ...leaves the stock cache alone
    meta = json.loads((directory / sweep_store.CONFIG_FILE).read_text())
    meta["config_hash"] = "0" * 64  # as if the engine or the preset definition had changed since
    (directory / sweep_store.CONFIG_FILE).write_text(json.dumps(meta))
    context = sweep_context("tiny", tmp_path, compute=False)
    assert not context["available"]
    assert "different configuration" in context["note"]


@pytest.mark.parametrize("out", ["/proc/wdproof-report", "{file}/sub"])
def test_unwritable_out_fails_fast_with_one_line(out, tmp_path, capsys, monkeypatch):
    regular_file = tmp_path / "afile"
    regular_file.write_text("")
    monkeypatch.setattr(
        "wdproof.report.pipeline.evaluate_many",
        lambda: pytest.fail("the ledger was evaluated before the output folder was checked"),
    )
    assert main(["report", "--out", out.format(file=regular_file), *QUICK]) == 2
    err = capsys.readouterr().err
    assert "cannot write to output folder" in err and len(err.strip().splitlines()) == 1


def test_table_cells_render_values_not_python_or_markup():
    from wdproof.report.latex import number

    assert number(None) == "---"
    assert (number(True), number(False)) == ("yes", "no")
    assert number(r"gap $\theta_1$ x_y") == r"gap $\theta_1$ x\_\allowbreak{}y"
    assert number(0.05) == "$0.05$"


@needs_tex
def test_no_markup_or_python_values_leak_into_the_solution_key(built):
    text = pdf_text(built / "solution-key.pdf").replace(NASTY_TITLE, "")  # the title is user text
    leaks = re.findall(r"\\[A-Za-z]+|\$|\bNone\b|\bTrue\b|\bFalse\b", text)
    assert not leaks, sorted(set(leaks))
