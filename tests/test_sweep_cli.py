"""``wdproof sweep`` and its configuration: every bad or edge input exits 2 with one line and
trains nothing; a good run writes results, summary and figures, and a second one loads them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep.config import SweepConfig, preset
from wdproof.numerics.sweep.spiral import SpiralSpec
from wdproof.report.cli import main


def tiny() -> SweepConfig:
    return preset("tiny")


BAD_INPUTS = [
    (["--preset", "nope"], "unknown preset"),
    (["--lr-range", "1e-3", "1e-1", "0"], "empty grid"),
    (["--decay-fractions", "1e-3", "1e-1", "0"], "empty grid"),
    (["--lr-range", "-0.001", "0.1", "4"], "> 0"),
    (["--lr-range", "0", "1e-1", "4"], "> 0"),
    (["--beta1", "1.0"], "--beta1 must"),
    (["--beta2", "-0.5"], "--beta2 must"),
    (["--beta1", "nan"], "--beta1 must"),
    (["--steps", "0"], "--steps must"),
    (["--steps", "1000000000"], "--steps must"),
    (["--seeds", "0"], "--seeds must"),
    (["--seeds", "100000"], "--seeds must"),
    (["--lr-range", "1e-3", "1e9", "1e9"], "at most 256"),
    (["--decay-fractions", "1e-3", "0.5", "257"], "at most 256"),
    (["--lr-range", "1e-3", "inf", "3"], "finite"),
    (["--decay-fractions", "nan", "0.5", "3"], "finite"),
    (["--decay-fractions", "1e-3", "1", "3"], "MAX must be < 1"),
    (["--decay-fractions", "1e-3", "2", "3"], "flips or blows it up"),
    (["--out", "/proc/wdproof-sweep"], "cannot write"),
    (["--threshold", "1.5"], "threshold"),
    (["--variants", "adam-l2,adamx"], "unknown variant"),
    (["--lr-range", "1e-3", "oops", "3"], "invalid float"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_sweep_input_exits_2_with_one_line(argv, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sweep, "run_chunk", lambda *a, **k: pytest.fail("trained on bad input"))
    assert main(["sweep", "--preset", "tiny", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "Warning" not in err
    assert needle in err


def test_out_under_a_regular_file_is_refused_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        sweep, "run_chunk", lambda *a, **k: pytest.fail("trained before checking --out")
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["sweep", "--preset", "tiny", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot write" in err


def test_sweep_help_names_all_variant_families_defaults_and_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for needle in (
        "SGD/SGDW",
        "Adam/AdamW",
        "default: the preset's",
        "default 0.9)",
        "default 0.999)",
        "examples:",
        "wdproof sweep --preset hard",
        "<out>/<preset>/",
        "30 s on 2 cores",
    ):
        assert needle in text, needle


@pytest.mark.parametrize("fractions", [(1e-3, 1.0), (1e-3, 2.0), (0.0, 1e-3), (-1e-3, 1e-2)])
def test_config_rejects_decay_fractions_outside_zero_one(fractions):
    """d >= 1 removes all of theta or more each step (flips or blows it up by construction)."""
    with pytest.raises(InputError, match=r"decay fractions must lie in \(0, 1\)"):
        preset("tiny", decay_fractions=fractions)


def test_config_hash_is_stable_and_sensitive():
    config = tiny()
    assert (
        config.config_hash()
        == SweepConfig.from_dict(json.loads(json.dumps(config.to_dict()))).config_hash()
    )
    assert dataclasses.replace(config, preset="renamed").config_hash() == config.config_hash()
    for change in (
        {"steps": 61},
        {"eps": 1e-7},
        {"seeds": (1,)},
        {"data": SpiralSpec(n_points=201)},
    ):
        assert dataclasses.replace(config, **change).config_hash() != config.config_hash(), change


def test_cli_sweep_writes_results_figures_and_then_loads(tmp_path, capsys):
    assert main(["sweep", "--preset", "tiny", "--out", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    folder = tmp_path / "tiny"
    for name in (
        "config.json",
        "results.npz",
        "summary.json",
        "heatmaps.pdf",
        "heatmaps.png",
        "data.pdf",
        "ridge.pdf",
        "ridge.png",
    ):
        assert (folder / name).stat().st_size > 0, name
    assert (folder / "heatmaps.pdf").read_bytes()[:4] == b"%PDF"
    assert set(summary["variants"]) == set(tiny().variants)
    assert main(["sweep", "--preset", "tiny", "--out", str(tmp_path)]) == 0
    assert "loaded from cache" in capsys.readouterr().out


# ----- edge inputs ---------------------------------------------------------------------------

EDGE_INPUTS = [
    (["--decay-fractions", "0.3", "1e-6", "24"], "MIN 0.3 > MAX 1e-06"),
    (["--lr-range", "1", "1e-3", "4"], "MIN 1 > MAX"),
    (["--lr-range", "1e-2", "1e-2", "3"], "would repeat one value"),
    (["--decay-fractions", "1e-3", "1e-1", "1"], "set MIN = MAX"),
    (["--lr-range", "1e-3", "1e-1", "2.5"], "integer"),
    (["--lr-range", "1", "1.000001", "200"], "increase strictly"),
    (["--out", ""], "an output folder is required"),
    (["--out", "   "], "an output folder is required"),
]


@pytest.mark.parametrize(("argv", "needle"), EDGE_INPUTS, ids=[" ".join(a) for a, _ in EDGE_INPUTS])
def test_edge_input_exits_2_with_one_line(argv, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --out "" must not write into the current folder
    monkeypatch.setattr(sweep, "run_chunk", lambda *a, **k: pytest.fail("trained on bad input"))
    assert main(["sweep", "--preset", "tiny", "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and needle in err
    assert list(tmp_path.iterdir()) == []


def test_huge_sweep_needs_yes_and_trains_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sweep, "run_chunk", lambda *a, **k: pytest.fail("trained without --yes"))
    argv = [
        "sweep",
        "--preset",
        "tiny",
        "--out",
        str(tmp_path),
        "--seeds",
        "64",
        "--steps",
        "100000",
        "--lr-range",
        "1e-4",
        "1",
        "256",
        "--decay-fractions",
        "1e-6",
        "0.5",
        "256",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "estimated" in err and "run-steps" in err and "GB on disk" in err and "--yes" in err
    assert not list(tmp_path.glob("**/*.npz"))


@pytest.mark.parametrize("grid", [("1", "3"), ("3", "1"), ("1", "1")], ids=["1xN", "Nx1", "1x1"])
def test_one_row_or_column_grids_run_draw_and_report_not_enough_data(grid, tmp_path, capsys):
    n_lr, n_wd = grid
    lr = ["3e-2", "3e-2"] if n_lr == "1" else ["3e-3", "3e-1"]
    wd = ["1e-3", "1e-3"] if n_wd == "1" else ["1e-4", "0.5"]
    assert (
        main(
            [
                "sweep",
                "--preset",
                "tiny",
                "--steps",
                "10",
                "--variants",
                "adam-l2",
                "--out",
                str(tmp_path),
                "--lr-range",
                *lr,
                n_lr,
                "--decay-fractions",
                *wd,
                n_wd,
                "--json",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "estimated" in captured.err
    summary = json.loads(captured.out)
    assert summary["grid"] == [int(n_lr), int(n_wd)]
    ridge = summary["variants"]["adam-l2"]["measured"]["ridge"]
    assert ridge["slope"]["value"] != ridge["slope"]["value"]
    assert ridge["note"].startswith("not enough data")
    assert Path(summary["figures"]["heatmaps"]["pdf"]).read_bytes()[:4] == b"%PDF"


def test_cli_prints_and_stores_the_decay_margin_computed_from_results_npz(tmp_path, capsys):
    """The margin in summary.json (and printed) is the one results.npz's arrays give."""
    import numpy as np

    argv = ["sweep", "--preset", "tiny", "--seeds", "3", "--out", str(tmp_path)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "95% bootstrap CI over 3 seed(s)" in printed and "decoupling pattern: " in printed
    (folder,) = tmp_path.iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    with np.load(folder / "results.npz") as stored:
        acc = stored["val_acc"]
    for v, name in enumerate(tiny().variants):
        mean = acc[v].mean(axis=0)  # (n_lr, n_wd), mean over the 3 seeds
        expected = np.nanmax(mean[:, 1:]) - np.nanmax(mean[:, 0])
        margin = summary["q2c"]["b"]["variants"][name]["decay_margin"]
        assert margin["value"] == pytest.approx(expected)
        assert margin["low"] is not None and margin["low"] <= margin["high"]
        assert f"{expected:+.3f} [" in printed
    assert summary["decoupling"]["verdict"] in {
        "holds",
        "does not hold",
        "not resolved at this noise level",
    }


def test_one_seed_summary_has_no_intervals(tmp_path, capsys):
    assert main(["sweep", "--preset", "tiny", "--out", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["uncertainty"]["n_seeds"] == 1
    for variant in summary["variants"].values():
        best = variant["measured"]["best_val_acc"]
        assert best["low"] is None and best["high"] is None  # never a zero-width interval
        assert variant["measured"]["ridge"]["verdict"]["status"] == "unresolved"
    assert summary["decoupling"]["verdict"] == "not resolved at this noise level"
