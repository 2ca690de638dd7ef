"""The sweep cache in honest use: a second run loads, an interrupted run resumes, overrides and
stale results never overwrite what a reader may still load, and Ctrl-C stops the workers."""

from __future__ import annotations

import dataclasses
import json
import os
import signal

import numpy as np
import pytest

from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep import parallel
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.config import SweepConfig, preset


def tiny() -> SweepConfig:
    return preset("tiny")


def test_second_run_loads_the_cache(tmp_path, monkeypatch):
    first = sweep_store.load_or_run(tiny(), tmp_path)
    assert not first.from_cache

    def fail(*_args, **_kwargs):
        raise AssertionError("the engine ran although the cache was current")

    monkeypatch.setattr(sweep, "run_chunk", fail)
    second = sweep_store.load_or_run(tiny(), tmp_path)
    assert second.from_cache
    for name in sweep.METRICS:
        np.testing.assert_array_equal(first.arrays[name], second.arrays[name])
    changed = dataclasses.replace(tiny(), steps=61)
    assert sweep_store.is_stale(changed, tmp_path) and not sweep_store.is_stale(tiny(), tmp_path)
    with pytest.raises(AssertionError, match="engine ran"):
        sweep_store.load_or_run(changed, tmp_path)  # stale: it must train, not load


def test_interrupted_sweep_resumes_without_redoing_finished_chunks(tmp_path, monkeypatch):
    real_run_chunk = sweep.run_chunk
    calls: list[sweep.Chunk] = []

    def interrupted(config, chunk, on_step=None):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(chunk)
        return real_run_chunk(config, chunk, on_step)

    monkeypatch.setattr(sweep, "run_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep_store.load_or_run(tiny(), tmp_path / "a", workers=1)
    finished = list(calls)
    calls.clear()
    monkeypatch.setattr(
        sweep, "run_chunk", lambda c, ch, s=None: calls.append(ch) or real_run_chunk(c, ch, s)
    )
    resumed = sweep_store.load_or_run(tiny(), tmp_path / "a", workers=1)
    all_chunks = sweep.chunks(tiny())
    assert len(finished) == 2 and sorted(calls + finished, key=all_chunks.index) == all_chunks
    assert not set(calls) & set(finished)
    fresh = sweep_store.load_or_run(tiny(), tmp_path / "b", workers=2)
    for name in sweep.METRICS:
        np.testing.assert_array_equal(resumed.arrays[name], fresh.arrays[name])


def test_override_run_leaves_the_stock_cache_intact(tmp_path):
    stock = sweep_store.load_or_run(tiny(), tmp_path)
    assert stock.directory == tmp_path / "tiny"
    before = {
        name: (stock.directory / name).read_bytes() for name in ("config.json", "results.npz")
    }
    override = sweep_store.load_or_run(preset("tiny", steps=61), tmp_path)
    assert override.directory == tmp_path / f"tiny-{preset('tiny', steps=61).config_hash()[:8]}"
    assert override.config.steps == 61 and not override.from_cache
    assert {name: (stock.directory / name).read_bytes() for name in before} == before
    assert not sweep_store.is_stale(tiny(), tmp_path)
    assert sweep_store.load_or_run(tiny(), tmp_path).from_cache


def test_stale_stock_results_stay_until_the_new_ones_are_complete(tmp_path, monkeypatch):
    directory = sweep_store.load_or_run(tiny(), tmp_path).directory
    meta = json.loads((directory / "config.json").read_text())
    meta["config_hash"] = "0" * 64  # as if the engine or the preset had changed since
    (directory / "config.json").write_text(json.dumps(meta))
    assert sweep_store.is_stale(tiny(), tmp_path)
    before = {name: (directory / name).read_bytes() for name in ("config.json", "results.npz")}

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "run_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep_store.load_or_run(tiny(), tmp_path, workers=1)
    assert sweep_store.stored_hash(directory) == "0" * 64  # old results still there, untouched
    assert {name: (directory / name).read_bytes() for name in before} == before
    assert sweep_store.check(tiny(), tmp_path).status == "stale"
    monkeypatch.undo()
    assert not sweep_store.load_or_run(tiny(), tmp_path).from_cache
    assert sweep_store.stored_hash(directory) == tiny().config_hash()


def test_interrupt_stops_running_chunks_promptly(capsys):
    config = preset("tiny", steps=5000)
    steps_seen = []

    def on_step(t):
        steps_seen.append(t)
        if len(steps_seen) == 20:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while two chunks are mid-run

    saved = []
    with pytest.raises(KeyboardInterrupt):
        parallel.run_chunks(
            config, sweep.chunks(config), lambda c, a: saved.append(c), on_step, workers=2
        )
    assert len(steps_seen) < 200, "workers kept training after the interrupt"
    assert saved == []  # nothing had finished
    assert parallel.STOP_MESSAGE in capsys.readouterr().err
