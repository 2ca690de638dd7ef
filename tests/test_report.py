"""Building the solution key PDF and reading it back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from wdproof.report import build
from wdproof.report.cli import main

needs_tex = pytest.mark.skipif(
    not (build.latex_available() and shutil.which("pdftotext")),
    reason="LaTeX (latexmk, pdflatex) or pdftotext not installed: apt-get install "
    + build.TEX_PACKAGES + " poppler-utils",
)


def pdf_text(path) -> str:
    """The PDF's text with whitespace collapsed and typographic quotes made plain."""
    raw = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(raw.replace("\u2019", "'").replace("\u2018", "'").split())


@needs_tex
def test_solution_key_pdf_shows_every_claim_and_verdict(tmp_path, ledger):
    assert main(["report", "--out", str(tmp_path)]) == 0
    text = pdf_text(tmp_path / "solution-key.pdf")
    for entry in ledger.values():
        assert entry.claim.title in text
    assert "proved" in text
    assert (tmp_path / "solution-key.tex").exists()


def test_missing_latex_writes_tex_and_exits_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build.shutil, "which", lambda _name: None)
    assert main(["report", "--out", str(tmp_path)]) == 3
    assert (tmp_path / "solution-key.tex").exists()
    err = capsys.readouterr().err
    assert "texlive-latex-extra" in err and len(err.strip().splitlines()) == 1


def test_latex_error_lines_are_extracted():
    log = "junk\n./x.tex:12: Undefined control sequence.\nl.12 \\foo\n\nmore\n"
    assert "Undefined control sequence" in build.first_errors(log)
