"""The sweep store under hostile-but-honest use: damaged files, stale caches, concurrent sweeps.

Every damaged file must end in a recompute (whose numbers equal a clean run's bit for bit) or in
one line naming the fix -- never a traceback, never a silently used wrong number.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.chunk_files import CHUNK_META
from wdproof.numerics.sweep.config import preset
from wdproof.numerics.sweep.lock import folder_lock
from wdproof.report.cli import main

TINY = preset("tiny")  # 3 variants x 1 seed x 3 lr x 4 wd, 60 steps: 6 chunks, ~0.2 s
STORED = (*sweep.METRICS, "lrs", "wds")


def same_bits(a: sweep_store.SweepResult, b: sweep_store.SweepResult) -> None:
    for name in STORED:
        assert (
            a.arrays[name].dtype == b.arrays[name].dtype
            and a.arrays[name].tobytes() == b.arrays[name].tobytes()
        ), name


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> sweep_store.SweepResult:
    return sweep_store.load_or_run(TINY, tmp_path_factory.mktemp("clean") / "sweep")


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> Path:
    """``<out>`` of a run interrupted after 4 of 6 chunks: their files wait in ``chunks/``."""
    out = tmp_path_factory.mktemp("interrupted") / "sweep"
    real, calls = sweep.run_chunk, []

    def stop_after_four(config, chunk, on_step=None):
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(chunk)
        return real(config, chunk, on_step)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sweep, "run_chunk", stop_after_four)
        with pytest.raises(KeyboardInterrupt):
            sweep_store.load_or_run(TINY, out, workers=1)
    return out


def copy_of(out: Path, tmp_path: Path) -> Path:
    target = tmp_path / "sweep"
    shutil.copytree(out, target)
    return target


# ----- ways to damage an .npz file (results or chunk) -----------------------------------------


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def rewrite(path: Path, change) -> None:
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    change(arrays)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def zero_values(path: Path) -> None:
    rewrite(path, lambda a: a.update(val_acc=np.zeros_like(a["val_acc"])))


def drop_array(path: Path) -> None:
    rewrite(path, lambda a: a.pop("val_acc"))


def reshape(path: Path) -> None:
    rewrite(path, lambda a: a.update(val_acc=a["val_acc"][..., :2]))


NPZ_DAMAGE = {
    "truncated": truncate,
    "bit-flipped": flip_bit,
    "zeroed": zero_values,
    "missing-array": drop_array,
    "wrong-shape": reshape,
}


def edit_grid_keep_hash(directory: Path) -> None:
    meta = json.loads((directory / "config.json").read_text())
    meta["config"]["lrs"] = [10 * lr for lr in meta["config"]["lrs"]]  # best lr would read 10x off
    (directory / "config.json").write_text(json.dumps(meta))


RESULT_DAMAGE = {
    **{name: (lambda d, f=f: f(d / "results.npz")) for name, f in NPZ_DAMAGE.items()},
    "wrong-hash": edit_grid_keep_hash,
    "config-not-json": lambda d: (d / "config.json").write_text("{ not json"),
    "results-deleted": lambda d: (d / "results.npz").unlink(),
}


@pytest.mark.parametrize("case", RESULT_DAMAGE)
def test_damaged_results_are_refused_then_recomputed_bit_for_bit(case, clean, tmp_path):
    out = copy_of(clean.directory.parent, tmp_path)
    directory = out / "tiny"
    RESULT_DAMAGE[case](directory)
    state = sweep_store.check(TINY, out)
    assert state.status == "damaged" and state.result is None and "\n" not in state.reason
    with pytest.raises(InputError) as refused:  # loading without recomputing: one line with the fix
        sweep_store.load(directory)
    assert "\n" not in str(refused.value) and "wdproof sweep" in str(refused.value)
    lines: list[str] = []
    again = sweep_store.load_or_run(TINY, out, log=lines.append)
    assert not again.from_cache
    assert (
        len(lines) == 1
        and lines[0].startswith("discarded damaged results")
        and "recomputing" in lines[0]
    )
    same_bits(again, clean)
    assert (
        sweep_store.load(directory).arrays["val_acc"].tobytes() == clean.arrays["val_acc"].tobytes()
    )


CHUNK_DAMAGE = {
    **NPZ_DAMAGE,
    "no-record": lambda p: rewrite(p, lambda a: a.pop(CHUNK_META)),
    "other-chunk": None,  # another chunk's (intact) file under this chunk's name
}


@pytest.mark.parametrize("case", CHUNK_DAMAGE)
def test_damaged_chunk_is_discarded_and_retrained_bit_for_bit(
    case, interrupted, clean, tmp_path, monkeypatch
):
    out = copy_of(interrupted, tmp_path)
    files = sorted((out / "tiny" / "chunks").glob("*/*.npz"))
    assert len(files) == 4
    victim = files[0]
    if CHUNK_DAMAGE[case] is None:
        shutil.copyfile(files[1], victim)
    else:
        CHUNK_DAMAGE[case](victim)
    trained = []
    real = sweep.run_chunk
    monkeypatch.setattr(
        sweep, "run_chunk", lambda c, ch, s=None: trained.append(ch.name) or real(c, ch, s)
    )
    lines: list[str] = []
    result = sweep_store.load_or_run(TINY, out, log=lines.append)
    assert (
        len(lines) == 1
        and lines[0].startswith(f"discarded damaged chunk {victim}")
        and "recomputing" in lines[0]
    )
    assert (
        victim.stem in trained and len(trained) == 3
    )  # the damaged chunk and the two never finished
    same_bits(result, clean)
    assert not (out / "tiny" / "chunks").exists()


def test_stale_and_missing_are_not_called_damaged(clean, tmp_path):
    out = copy_of(clean.directory.parent, tmp_path)
    assert sweep_store.check(preset("tiny", steps=61), out).status == "missing"
    meta = json.loads((out / "tiny" / "config.json").read_text())
    del meta["format"]  # a cache written before checksums existed
    (out / "tiny" / "config.json").write_text(json.dumps(meta))
    state = sweep_store.check(TINY, out)
    assert state.status == "stale" and "format" in state.reason
    (out / "tiny" / "config.json").unlink()  # an assembly interrupted between the two files
    assert sweep_store.check(TINY, out).status == "missing"


def test_results_rewritten_through_the_store_are_used(clean, tmp_path):
    """Deliberate edits go through write_results, which records their checksum."""
    out = copy_of(clean.directory.parent, tmp_path)
    arrays = dict(sweep_store.load(out / "tiny").arrays)
    arrays["val_acc"] = np.full_like(arrays["val_acc"], 0.987654)
    sweep_store.write_results(TINY, arrays, out / "tiny", 0.0)
    assert (sweep_store.load(out / "tiny").arrays["val_acc"] == 0.987654).all()


# ----- the report with --no-sweep ----------------------------------------------------------


@pytest.mark.parametrize("case", ["truncated", "zeroed", "wrong-hash"])
def test_report_no_sweep_omits_a_damaged_cache_with_the_reason(case, clean, tmp_path):
    from wdproof.report.sweep_section import sweep_context

    copy_of(clean.directory.parent, tmp_path)
    RESULT_DAMAGE[case](tmp_path / "sweep" / "tiny")
    context = sweep_context("tiny", tmp_path, compute=False)
    assert not context["available"]
    assert "damaged" in context["note"] and "wdproof sweep --preset tiny" in context["note"]


def test_report_cli_no_sweep_on_a_damaged_cache(clean, tmp_path, monkeypatch, capsys):
    from wdproof.report import build

    copy_of(clean.directory.parent, tmp_path)
    flip_bit(tmp_path / "sweep" / "tiny" / "results.npz")
    monkeypatch.setattr("wdproof.report.pipeline.evaluate_many", list)
    monkeypatch.setattr("wdproof.report.pipeline.grading_material", lambda: None)
    monkeypatch.setattr(
        "wdproof.report.pipeline.grading_context",
        lambda _material: {"available": False, "note": "-"},
    )
    monkeypatch.setattr(build.shutil, "which", lambda _name: None)  # stop at the .tex (exit 3)
    assert main(["report", "--out", str(tmp_path), "--no-sweep", "--sweep-preset", "tiny"]) == 3
    assert "Traceback" not in capsys.readouterr().err
    tex = (tmp_path / "solution-key.tex").read_text()
    note = tex[tex.index("Sweep preset 'tiny' omitted") :].split("\n\n", 1)[0]
    assert "damaged" in note and "unreadable" in note


# ----- two sweeps into one folder ----------------------------------------------------------


def test_two_concurrent_sweeps_train_once_and_leave_no_debris(tmp_path):
    """The test holds the folder's lock until both sweeps wait on it, then lets them race."""
    argv = [
        sys.executable,
        "-m",
        "wdproof.report.cli",
        "sweep",
        "--preset",
        "tiny",
        "--steps",
        "20",
        "--no-figures",
        "--out",
        str(tmp_path),
    ]
    config = preset("tiny", steps=20)
    directory = sweep_store.result_dir(config, tmp_path)
    with folder_lock(directory, log=lambda _line: None):
        procs, errs = [], []
        for k in range(2):
            errs.append(open(tmp_path / f"err{k}", "w+"))  # noqa: SIM115 (closed below)
            procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errs[k], text=True))
        deadline = time.monotonic() + 60
        while not all("waiting for" in (tmp_path / f"err{k}").read_text() for k in range(2)):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), (
                "never waited"
            )
            time.sleep(0.1)
    outs = [p.communicate(timeout=120)[0] for p in procs]
    errs_text = [(tmp_path / f"err{k}").read_text() for k in range(2)]
    for f in errs:
        f.close()
    assert [p.returncode for p in procs] == [0, 0], errs_text
    for err in errs_text:
        assert "Traceback" not in err and f"waiting for sweep pid {os.getpid()}" in err
    assert sorted("trained" in o for o in outs) == [False, True]  # one trained, one reused it
    assert sum("loaded from cache" in o for o in outs) == 1
    assert sorted(p.name for p in directory.iterdir()) == [
        ".lock",
        "config.json",
        "results.npz",
        "summary.json",
    ]
    assert (directory / ".lock").read_text() == ""  # free
    same_bits(sweep_store.load(directory), sweep_store.load_or_run(config, tmp_path / "again"))
