"""The problem set as a handout: self-contained, runnable, clean (issue 16).

Built from the command line's own options (``wdproof report --title ... --due ... --points
...``) without evaluating the ledger or running a sweep: the problem set needs neither. Read
back with ``pdftotext``; the LaTeX log is kept to look for overfull boxes.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest

from wdproof.numerics.sweep.config import PRESETS, preset
from wdproof.report import build, documents
from wdproof.report.cli import build_parser, main
from wdproof.report.leaks import find_leaks

needs_tex = pytest.mark.skipif(
    not (build.latex_available() and shutil.which("pdftotext")),
    reason="LaTeX or pdftotext not installed: apt-get install "
    + build.TEX_PACKAGES
    + " poppler-utils",
)

#: The instructor's fields: Latin (pdfLaTeX) and beyond Latin (LuaLaTeX), with characters
#: LaTeX must escape.
INSTRUCTORS = {
    "pdflatex": {
        "--title": "Weight decay -- the 100% & #1 edition",
        "--course": "CS 4787: Optimization for ML",
        "--author": "Prof. Zoë Instructor",
        "--due": "Friday 14 March, 23:59 (submit on Gradescope)",
    },
    "lualatex": {
        "--title": "Затухание весов",
        "--course": "Оптимизация 学",
        "--author": "Ελένη Παπαδοπούλου",
        "--due": "14 марта",
    },
}
POINTS = "Q1.b=30,Q2.c=20"

#: Seed 000, question by question: each sub-question's words as the problem set must ask them.
SEED_QUESTIONS = {
    "Q1.a.i": ["regularized loss", "weight decay", "as a function of"],
    "Q1.a.ii": ["coupled", "decoupled version SGDW", "momentum", "torch.optim.SGD"],
    "Q1.b": [
        "RMSProp with a bias-corrected second moment",
        "outer products",
        "Proposition 2",
        "carries over to Adam",
        "iteration-dependent regularizer",
    ],
    "Q2.a": ["Implement Adam and AdamW", "autograder"],
    "Q2.b": ["spiral", "heatmaps", "hidden layers"],
    "Q2.c": [
        "similarities and differences",
        "accuracy heatmaps",
        "loss heatmaps",
        "harder or easier",
        "conjecture",
        "best validation accuracy",
        "at least 90%",
    ],
}


def pdf_text(path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    raw = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return raw.replace("\u2019", "'").replace("\u2018", "'")


def flat(text: str) -> str:
    return " ".join(text.split())


def options_from_cli(argv: list[str], monkeypatch) -> documents.ReportOptions:
    """The :class:`ReportOptions` that ``wdproof report ARGV`` builds, without building."""
    seen = {}
    monkeypatch.setattr(
        "wdproof.report.pipeline.build_report", lambda request: seen.setdefault("r", request) and 0
    )
    assert main(["report", *argv]) == 0
    return seen["r"].options


@pytest.fixture(scope="module", params=sorted(INSTRUCTORS))
def handout(request, tmp_path_factory):
    """``(pdf, log text, instructor's fields)`` of a problem set built from CLI options."""
    if not (build.latex_available() and shutil.which("pdftotext")):
        pytest.skip("LaTeX or pdftotext not installed")
    fields = INSTRUCTORS[request.param]
    out = tmp_path_factory.mktemp(f"problem-set-{request.param}")
    argv = [a for pair in fields.items() for a in pair] + ["--points", POINTS, "--out", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        options = options_from_cli(argv, patch)
    tex = out / "problem-set.tex"
    tex.write_text(documents.render_problem_set(options, data_figure=None), encoding="utf-8")
    assert build.engine(tex.read_text(encoding="utf-8")) == request.param
    pdf = build.compile_pdf(tex)
    return pdf, (out / "problem-set.log").read_text(errors="replace"), fields


@needs_tex
def test_every_question_and_sub_question_of_seed_000_is_asked(handout):
    raw = pdf_text(handout[0])
    text = flat(raw)
    assert "Question 1" in text and "Question 2" in text
    for question, phrases in SEED_QUESTIONS.items():
        assert f"{question} " in text, question
        for phrase in phrases:
            assert phrase in text, (question, phrase)
    # one numbering scheme: no LaTeX section number in front of a heading's question id
    assert not re.search(r"^\d+(\.\d+)*[ \t]+Q\d\.", raw, re.MULTILINE)
    for part in "abcd":
        assert f"({part})" in text


@needs_tex
def test_the_instructor_sets_title_course_author_due_and_points(handout):
    text = flat(pdf_text(handout[0]))
    for value in handout[2].values():
        assert flat(value) in text, value
    assert "wdproof" not in text[: text.index("This problem set")]  # no tool name as author
    points = dict(documents.parse_points(POINTS))
    assert re.search(r"Q1\.b .*? \(30 points\)", text)
    assert f"Total {sum(points.values())}" in text


@needs_tex
def test_the_problem_set_carries_the_algorithms_and_conventions(handout):
    text = flat(pdf_text(handout[0]))
    for needed in (
        "Algorithm 1: SGD with momentum",
        "Algorithm 2: Adam with L2 regularization and Adam with decoupled weight decay (AdamW)",
        "Algorithm 3: RMSProp with a bias-corrected second moment",
        "outside the square root",
        "SetScheduleMultiplier",
        "(its argument momentum)",
        "Adaptive methods",
    ):
        assert needed in text, needed


@needs_tex
def test_no_answer_verdict_or_derivation(handout):
    text = flat(pdf_text(handout[0]))
    for word in ("verified", "Verdict", "proved", "refuted", "conditional", "Proof", "QED"):
        assert word not in text, word


@needs_tex
def test_no_markup_or_code_leaks(handout):
    text = pdf_text(handout[0])
    for value in handout[2].values():  # the instructor's own text is theirs
        text = text.replace(value, "")
    assert find_leaks(text) == []


@needs_tex
def test_no_overfull_box(handout):
    overfull = re.findall(r"^Overfull \\[hv]box.*$", handout[1], re.MULTILINE)
    assert not overfull, overfull


@needs_tex
def test_printed_commands_parse_with_the_real_cli(handout, tmp_path, monkeypatch):
    """Every ``wdproof`` command the problem set prints, copied from the PDF's text, is accepted
    by the parser ``wdproof`` builds (no sweep is run) and names a real preset; the set-up lines
    are the Makefile's."""
    lines = [line.strip() for line in pdf_text(handout[0]).splitlines()]
    assert "python3 -m venv .venv" in lines
    assert ".venv/bin/python -m pip install -e ." in lines
    commands = [line for line in lines if line.startswith(".venv/bin/wdproof ")]
    subcommands = {shlex.split(c)[1] for c in commands}
    assert subcommands >= {"assign", "grade", "sweep"}, commands
    assert not any("\u2013" in line or "\u2014" in line for line in lines if "wdproof" in line)
    monkeypatch.chdir(tmp_path)
    sweeps = []
    for command in commands:
        args = build_parser().parse_args(shlex.split(command)[1:])
        if args.command == "sweep":
            sweeps.append(preset(args.preset))
    assert [c.preset for c in sweeps] == ["default", "easy", "hard"]


@needs_tex
def test_the_settings_are_the_presets(handout):
    """Grid, network, split and training length are printed from the configuration."""
    text = flat(pdf_text(handout[0]))
    config = PRESETS["default"]
    data = config.data
    for needed in (
        f"{len(config.lrs)} learning rates",
        f"{config.n_wd} values",
        f"{config.hidden_layers} hidden layers of {config.width} units",
        f"{config.steps} minibatch steps of {config.batch_size} points",
        f"{data.n_points} points",
        f"{data.n_train_points} for training, {data.n_val} held out for validation",
        *config.variants,
    ):
        assert needed in text, needed


def test_points_option_is_checked(capsys):
    assert dict(documents.parse_points(""))["Q2.a"] == dict(documents.DEFAULT_POINTS)["Q2.a"]
    assert dict(documents.parse_points(" Q1.b = 30 "))["Q1.b"] == 30
    for bad in ("Q9=3", "Q1.b", "Q1.b=-1", "Q1.b=x", "Q1.b=1,Q1.b=2"):
        assert main(["report", "--points", bad]) == 2, bad
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_default_author_is_empty():
    assert documents.ReportOptions().author == ""


def test_the_leak_scanner_catches_markup_and_code():
    assert find_leaks("the step shrinks by 1 - alpha lambda' and converges") != []
    assert [kind for kind, _ in find_leaks("a claim with $x$ in it")] == ["dollar sign"] * 2
    assert find_leaks("the bias-corrected alpha_t of step t") == [
        ("Greek letter spelt out", "alpha_t")
    ]
    for leak in (r"\lambda", "None", "True", "M_t != kI", "2 * x", "sqrt(v)", "a + \u2212b"):
        assert find_leaks(leak), leak
    clean = "Adam's betas=(0.9, 0.999), eps and weight_decay; α = 0.001, λ′ ≥ 0, a − b."
    assert find_leaks(clean) == []


def test_the_leak_scanner_catches_two_sentences_glued_together():
    """A template line joined to the next ("... in [−1, 1].Measured: ...") is a leak; a Python
    path such as torch.optim.Adam or torch.optim.lr_scheduler.CosineAnnealingLR is not."""
    for glued in ("offsets in [-1, 1].Measured: 3", "torch.optim.AdamW.Measured", "the step.The"):
        assert [kind for kind, _ in find_leaks(glued)] == ["glued sentences"], glued
    for path in ("torch.optim.Adam(lr=0.1)", "(torch.Generator seed 1)", "torch.optim.AdamW's"):
        assert find_leaks(path) == [], path
    assert find_leaks("torch.optim.lr_scheduler.CosineAnnealingLR.get_lr") == []
