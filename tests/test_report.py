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
    reason="LaTeX (latexmk, lualatex) or pdftotext not installed: apt-get install "
    + build.TEX_PACKAGES
    + " poppler-utils",
)

NASTY_TITLE = r"Weight decay & L_2: 100% {verified} #1 ~x^2 \ $ Иван 学 Ελληνικά Zoë"
#: A course name with a blank line, a bell and an ANSI escape: typeset as one line, controls gone.
NASTY_COURSE = "Optimization #7\n\nsecond line\x07\x1b[31m"
QUICK = ["--no-sweep", "--sweep-preset", "tiny"]


def pdf_text(path) -> str:
    """The PDF's text with whitespace collapsed and typographic quotes made plain."""
    raw = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return plain(raw.replace("\u2019", "'").replace("\u2018", "'"))


def plain(text: str) -> str:
    """Whitespace collapsed, and none after ``/ = ( _`` (where the report allows line breaks)."""
    return re.sub(r"([/=(_-])\s+", r"\1", " ".join(text.split()))


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
    argv = ["--title", NASTY_TITLE, "--course", NASTY_COURSE, "--author", ""]
    code = main(["report", "--out", str(out), *argv, *QUICK])
    assert code == 0
    return out


@needs_tex
def test_solution_key_shows_every_claim_title_and_verdict(built, ledger):
    text = pdf_text(built / "solution-key.pdf")
    for entry in ledger.values():  # titles are typeset math now; every claim is shown by id
        assert f"Claim {entry.claim.id}" in text, entry.claim.id
    for verdict in {e.verdict.kind for e in ledger.values()}:
        assert verdict in text
    assert "NOT VERIFIED" not in text
    # "unproved" appears only where a claim rests on numerical evidence, and says so.
    evidence = [e for e in ledger.values() if e.verdict.form == "numerical evidence only"]
    assert text.count("numerical evidence only") >= len(evidence) >= 1
    assert all(e.verdict.kind == "unproved" for e in evidence)
    assert all(e.verdict.kind != "unproved" for e in ledger.values() if e not in evidence)


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
        assert NASTY_TITLE in text
        assert "Optimization #7 second line[31m" in text
        title_page = text[: text.index("second line") + 20]  # math fonts extract as controls later
        assert "\x07" not in title_page and "\x1b" not in title_page


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
    """Arrays rewritten through the store change the key's Q2.c numbers: nothing is hard-coded.

    (Written with the store's checksum: an edit behind its back is rejected as damage, see
    ``tests/test_sweep_store.py``.)
    """
    import numpy as np

    from wdproof.numerics.sweep import store as sweep_store

    assert main(["report", "--out", str(tmp_path), "--sweep-preset", "tiny"]) == 0
    before = pdf_text(tmp_path / "solution-key.pdf")
    stored = sweep_store.load(tmp_path / "sweep" / "tiny")
    arrays = {name: array.copy() for name, array in stored.arrays.items()}
    arrays["val_acc"] = np.full_like(arrays["val_acc"], 0.987654)
    sweep_store.write_results(stored.config, arrays, stored.directory, stored.wall_time_s)
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

    from wdproof.numerics.sweep import store as sweep_store
    from wdproof.numerics.sweep.config import preset
    from wdproof.report.sweep_section import sweep_context

    directory = sweep_store.load_or_run(preset("tiny"), tmp_path / "sweep").directory
    assert sweep_context("tiny", tmp_path, compute=False)["available"]
    sweep_store.load_or_run(preset("tiny", steps=61), tmp_path / "sweep")  # an override run
    assert sweep_context("tiny", tmp_path, compute=False)[
        "available"
    ]  # ...leaves the stock cache alone
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
def test_claim_ids_named_in_prose_become_links_outside_math_only():
    from wdproof.report.latex import claim_linker

    link = claim_linker(["adam-l2", "adam-l2-not-adamw"])
    text = link("see claim adam-l2-not-adamw; not $adam-l2$, xadam-l2, adam-l2-x or $5 here")
    # an odd number of dollars: all are literal, so "$adam-l2$" is a word between two dollars
    assert text.count(r"\hyperref[claim:") == 2
    assert r"\hyperref[claim:adam-l2-not-adamw]{\texttt{adam-\allowbreak{}l2-" in text
    assert "xadam-l2" in text and "adam-l2-x" in text
    assert link("a $x$ then adam-l2 and $adam-l2$").endswith("and $adam-l2$")
    assert claim_linker([])("adam-l2") == "adam-l2"


def test_no_markup_or_python_values_leak_into_the_solution_key(built):
    text = pdf_text(built / "solution-key.pdf").replace(NASTY_TITLE, "")  # the title is user text
    leaks = re.findall(r"\\[A-Za-z]+|\$|\bNone\b|\bTrue\b|\bFalse\b", text)
    assert not leaks, sorted(set(leaks))


def test_user_text_keeps_any_script_and_drops_controls():
    from wdproof.report.latex import needs_unicode_engine, user_text

    assert user_text("Иван Петров 学 Ελληνικά", unicode_engine=True) == "Иван Петров 学 Ελληνικά"
    assert user_text("Zoë", unicode_engine=False) == r"Zo\"e"  # pdfLaTeX: accents as macros
    assert not needs_unicode_engine("Zoë Œuvre", "", "50% ~x")
    for beyond_pdflatex in ("Иван", "学", "😀", "Nguyễn Văn Ơn", "Ελληνικά"):
        assert needs_unicode_engine("ok", beyond_pdflatex), beyond_pdflatex
    assert user_text("a\n\n b\t\x00c\x7f") == "a b c"
    assert user_text("  ") == ""
    assert user_text("50% & x_1") == r"50\% \& x\_\allowbreak{}1"
    assert (
        user_text("e\u0301", unicode_engine=True) == "\u00e9"
    )  # NFC: one character, not a combining accent


@needs_tex
def test_empty_title_and_author_typeset(tmp_path):
    """An empty title leaves the document's own heading; no LaTeX error from an empty field.

    (pdfLaTeX here; the module's ``built`` report takes the LuaLaTeX path with its Cyrillic title.)
    """
    tex = tmp_path / "problem-set.tex"
    options = documents.ReportOptions(title="", course="\n", author="")
    tex.write_text(documents.render_problem_set(options, data_figure=None), encoding="utf-8")
    text = pdf_text(build.compile_pdf(tex))
    assert text.startswith("Problem set"), text[:80]
    assert build.engine(tex.read_text(encoding="utf-8")) == "pdflatex"


def test_a_missing_glyph_is_one_warning_line_once(capsys, monkeypatch):
    monkeypatch.setattr(build, "_warned_glyphs", set())
    log = (
        "Missing character: There is no \U0001f600 (U+1F600) in font FreeSerif:mode=node;\n"
        "Missing character: There is no \U0001f600 (U+1F600) in font FreeSans:mode=node;\n"
        "Missing character: There is no \u2603 (U+2603) in font FreeSerif:mode=node;\n"
    )
    assert build.warn_missing_glyphs(log) == ["\U0001f600 (U+1F600)", "\u2603 (U+2603)"]
    assert build.warn_missing_glyphs(log) == []  # the second document does not repeat it
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "U+1F600" in err and "U+2603" in err


def _fake_checkout(root, head, refs=None, packed=""):
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text(head)
    for name, sha in (refs or {}).items():
        (git / "refs" / "heads" / name).write_text(sha + "\n")
    if packed:
        (git / "packed-refs").write_text(packed)
    return root


def test_commit_is_read_from_git_files_without_running_git(tmp_path, monkeypatch):
    """Building a report runs no git command (``git status`` would lock the checkout's index)."""
    from wdproof.report import provenance

    def no_git(*args, **kwargs):
        raise AssertionError(f"a command ran: {args}")

    monkeypatch.setattr("subprocess.run", no_git)
    monkeypatch.setattr("subprocess.Popen", no_git)
    a, b = "a" * 40, "b" * 40
    loose = _fake_checkout(tmp_path / "loose", "ref: refs/heads/main\n", {"main": a})
    packed = _fake_checkout(
        tmp_path / "packed", "ref: refs/heads/dev\n", packed=f"# pack-refs\n{b} refs/heads/dev\n"
    )
    detached = _fake_checkout(tmp_path / "detached", b + "\n")
    broken = _fake_checkout(tmp_path / "broken", "ref: refs/heads/gone\n")
    worktree = tmp_path / "worktree"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {loose / '.git'}\n")
    assert provenance.git_commit(loose) == a
    assert provenance.git_commit(packed) == b
    assert provenance.git_commit(detached) == b
    assert provenance.git_commit(worktree) == a
    assert provenance.git_commit(broken) is None
    assert provenance.git_commit(tmp_path) is None  # not a checkout
    assert provenance.provenance()["git_commit"]  # the real checkout, or "not a git checkout"
