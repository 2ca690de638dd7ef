"""The key's appendix reads the schedule and budget studies from their saved summaries."""

from __future__ import annotations

import json

from wdproof.report.study_section import STUDIES, studies_context


def _summary(tmp_path, verdict="does not hold"):
    figure = tmp_path / "budget.pdf"
    figure.write_bytes(b"%PDF-1.4\n")
    return {
        "claims": [
            {
                "statement": "the best lambda_norm stays put",
                "source": "Loshchilov & Hutter 2019, App. B",
                "measured": "slope +0.81 [+0.73, +0.93]",
                "verdict": verdict,
            }
        ],
        "figures": {"budget": {"pdf": str(figure)}, "gone": {"pdf": str(tmp_path / "no.pdf")}},
    }


def test_cached_studies_are_shown_and_the_others_named_with_their_command(tmp_path):
    out = tmp_path / "build"
    (out / "sweep" / "budget").mkdir(parents=True)
    (out / "sweep" / "budget" / "summary.json").write_text(json.dumps(_summary(tmp_path)))
    context = studies_context(out)
    (found,) = context["found"]
    assert found["study"] == "budget" and found["claims"][0]["verdict"] == "does not hold"
    assert [f["path"] for f in found["figures"]] == ["figures/study-budget-budget.pdf"]
    assert "summary.json" in found["figures"][0]["caption"]
    assert (out / "figures" / "study-budget-budget.pdf").is_file()
    assert context["missing"] == [("schedules", STUDIES["schedules"])]


def test_the_sentences_follow_the_saved_results(tmp_path):
    out = tmp_path / "build"
    (out / "sweep" / "budget").mkdir(parents=True)
    path = out / "sweep" / "budget" / "summary.json"
    path.write_text(json.dumps(_summary(tmp_path, verdict="holds")))
    assert studies_context(out)["found"][0]["claims"][0]["verdict"] == "holds"


def test_a_damaged_summary_counts_as_not_run(tmp_path):
    out = tmp_path / "build"
    for study, text in (("schedules", '{"claims": [{"statement": 1}]}'), ("budget", "{trunc")):
        (out / "sweep" / study).mkdir(parents=True)
        (out / "sweep" / study / "summary.json").write_text(text)
    context = studies_context(out)
    assert context["found"] == [] and [s for s, _ in context["missing"]] == list(STUDIES)
