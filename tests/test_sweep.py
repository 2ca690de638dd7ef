"""The AdamW sweep (Q2.b/Q2.c): batched engine vs torch.optim, divergence, cache, CLI, analysis."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.analysis import fit_ridge, summarize
from wdproof.numerics.sweep.batched_adam import coefficients, make_optimizer
from wdproof.numerics.sweep.batched_mlp import (
    MLPShape,
    as_module,
    autograd_loss_and_grad,
    init_params,
    loss_and_grad,
    module_to_row,
)
from wdproof.numerics.sweep.config import SweepConfig, preset
from wdproof.numerics.sweep.spiral import SpiralSpec, make_spiral
from wdproof.report.cli import main

SHAPE = MLPShape(width=8)
DATA = make_spiral(SpiralSpec(n_points=200))
STEPS, BATCH, SEED, ETA = 15, 16, 3, 0.7
LRS = torch.tensor([3e-3, 3e-2, 2e-1, 3e-2, 1e-2, 5e-2], dtype=torch.float64)
WDS = torch.tensor([1e-2, 5e-1, 1e-3, 0.0, 2.0, 1e-1], dtype=torch.float64)
TOLERANCE = 1e-10


def torch_optimizer(variant: str, params, lr: float, wd: float):
    """The torch.optim set-up each batched variant claims to reproduce, plus a pre-step hook."""
    if variant == "adam-l2":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd), None
    if variant == "adamw-torch":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd), None
    if variant == "adamw-paper":  # theta <- theta - eta (alpha dir + lambda theta)
        return torch.optim.AdamW(params, lr=ETA * lr, weight_decay=wd / lr), None
    if variant == "sgd-l2":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd), None
    if variant == "sgdw":
        return torch.optim.SGD(params, lr=ETA * lr), 1 - ETA * wd
    raise AssertionError(variant)


def per_cell_torch_run(variant: str, lr: float, wd: float, mapping=torch_optimizer) -> torch.Tensor:
    module = as_module(init_params(SHAPE, SEED), SHAPE)
    optimizer, shrink = mapping(variant, list(module.parameters()), lr, wd)
    for rows in sweep.batch_schedule(len(DATA.y_train), BATCH, STEPS, SEED):
        optimizer.zero_grad()
        logits = module(DATA.x_train[rows]).squeeze(1)
        torch.nn.functional.binary_cross_entropy_with_logits(logits, DATA.y_train[rows]).backward()
        if shrink is not None:
            with torch.no_grad():
                for p in module.parameters():
                    p.mul_(shrink)
        optimizer.step()
    return module_to_row(module)


def batched_run(variant: str, lrs=LRS, wds=WDS, dtype=torch.float64) -> sweep.CellRun:
    return sweep.train_cells(
        variant,
        lrs,
        wds,
        data=DATA,
        shape=SHAPE,
        seed=SEED,
        steps=STEPS,
        batch_size=BATCH,
        eta=ETA,
        dtype=dtype,
    )


@pytest.mark.parametrize("variant", ["adam-l2", "adamw-torch", "adamw-paper", "sgd-l2", "sgdw"])
def test_every_cell_matches_per_cell_torch_optim(variant):
    run = batched_run(variant)
    for k in range(len(LRS)):
        expected = per_cell_torch_run(variant, float(LRS[k]), float(WDS[k]))
        assert float((run.params[k] - expected).abs().max()) <= TOLERANCE, (variant, k)


def test_a_wrong_variant_mapping_is_rejected():
    """Adam+L2 reproduced by torch AdamW (or the reverse) must be far off: the test can fail."""
    run = batched_run("adam-l2")
    swapped = per_cell_torch_run("adamw-torch", float(LRS[1]), float(WDS[1]))
    assert float((run.params[1] - swapped).abs().max()) > 1e-4


def test_hand_written_backward_matches_autograd():
    flat = torch.stack([init_params(MLPShape(width=6, hidden_layers=3), s) for s in range(4)])
    x, y = DATA.x_train[:20], DATA.y_train[:20]
    loss, grad = loss_and_grad(flat, x, y, MLPShape(width=6))
    ref_loss, ref_grad = autograd_loss_and_grad(flat, x, y, MLPShape(width=6))
    assert float((loss - ref_loss).abs().max()) <= 1e-14
    assert float((grad - ref_grad).abs().max()) <= 1e-14


def test_forced_divergence_leaves_every_other_cell_identical():
    clean = batched_run("adamw-torch", dtype=torch.float32)
    poisoned_lrs = LRS.clone()
    poisoned_lrs[2] = math.inf
    poisoned = batched_run("adamw-torch", lrs=poisoned_lrs, dtype=torch.float32)
    assert (clean.metrics["diverged_step"] == -1).all()
    assert poisoned.metrics["diverged_step"][2] >= 0
    assert math.isnan(poisoned.metrics["val_acc"][2])
    others = [k for k in range(len(LRS)) if k != 2]
    assert torch.equal(clean.params[others], poisoned.params[others])
    for name in sweep.METRICS:
        np.testing.assert_array_equal(clean.metrics[name][others], poisoned.metrics[name][others])


@pytest.mark.parametrize("variant", ["adamw-paper", "sgd-l2"])
def test_freeze_swaps_in_zeroed_coefficients_and_leaves_the_old_ones_alone(variant):
    lrs, wds = torch.tensor([0.1, 0.2, 0.3]), torch.tensor([1e-2, 2e-2, 3e-2])
    coeffs = coefficients(variant, lrs, wds, eta=0.5)
    before = [c.clone() for c in (coeffs.l2, coeffs.decay, coeffs.step)]
    optimizer = make_optimizer(variant, torch.ones(3, 4), coeffs, (0.9, 0.999), 1e-8)
    optimizer.freeze(torch.tensor([False, True, False]))
    for old, kept in zip(before, (coeffs.l2, coeffs.decay, coeffs.step), strict=True):
        assert torch.equal(old, kept)
    for new, old in zip(
        (optimizer.coeffs.l2, optimizer.coeffs.decay, optimizer.coeffs.step), before, strict=True
    ):
        assert (new[1] == 0).all() and torch.equal(new[[0, 2]], old[[0, 2]])
    assert (optimizer.params[1] == 0).all() and (optimizer.params[[0, 2]] == 1).all()


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
    import os
    import signal

    config = preset("tiny", steps=5000)
    steps_seen = []

    def on_step(t):
        steps_seen.append(t)
        if len(steps_seen) == 20:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while two chunks are mid-run

    saved = []
    with pytest.raises(KeyboardInterrupt):
        sweep.run_chunks(
            config, sweep.chunks(config), lambda c, a: saved.append(c), on_step, workers=2
        )
    assert len(steps_seen) < 200, "workers kept training after the interrupt"
    assert saved == []  # nothing had finished
    assert sweep.STOP_MESSAGE in capsys.readouterr().err


BAD_INPUTS = [
    (["--preset", "nope"], "unknown preset"),
    (["--lr-range", "1e-3", "1e-1", "0"], "empty grid"),
    (["--wd-range", "1e-3", "1e-1", "0"], "empty grid"),
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
    (["--wd-range", "1e-3", "1", "257"], "at most 256"),
    (["--lr-range", "1e-3", "inf", "3"], "finite"),
    (["--wd-range", "nan", "1", "3"], "finite"),
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


def test_config_rejects_negative_weight_decay():
    with pytest.raises(InputError, match="weight decays"):
        preset("tiny", wds=(1e-3, -1.0))


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
        "spiral.pdf",
    ):
        assert (folder / name).stat().st_size > 0, name
    assert (folder / "heatmaps.pdf").read_bytes()[:4] == b"%PDF"
    assert set(summary["variants"]) == set(tiny().variants)
    assert main(["sweep", "--preset", "tiny", "--out", str(tmp_path)]) == 0
    assert "loaded from cache" in capsys.readouterr().out


# ----- analysis on synthetic arrays ---------------------------------------------------------

GRID_LRS = tuple(np.geomspace(1e-4, 1e-1, 13))
GRID_WDS = tuple(np.geomspace(1e-6, 1e2, 33))


def ridge_grid(slope: float) -> np.ndarray:
    """Accuracy 0.95 on a band ``log10 wd = -2 + slope (log10 lr + 2.5) +- 1``, chance elsewhere."""
    log_lr, log_wd = np.meshgrid(np.log10(GRID_LRS), np.log10(GRID_WDS), indexing="ij")
    centre = -2.0 + slope * (log_lr + 2.5)
    return 0.5 + 0.45 * np.exp(-(((log_wd - centre) / 1.2) ** 4))


@pytest.mark.parametrize("slope", [-1.0, 0.0, 1.0])
def test_ridge_slope_recovers_synthetic_coupling(slope):
    ridge = fit_ridge(ridge_grid(slope), GRID_LRS, GRID_WDS)
    assert ridge.n_rows == len(GRID_LRS)
    assert abs(ridge.slope - slope) < 0.05


def test_ridge_slope_tells_coupled_from_decoupled():
    coupled = fit_ridge(ridge_grid(-1.0), GRID_LRS, GRID_WDS).slope
    decoupled = fit_ridge(ridge_grid(0.0), GRID_LRS, GRID_WDS).slope
    assert coupled < -0.9 and abs(decoupled) < 0.1


def synthetic_result(val_acc: np.ndarray, diverged: np.ndarray) -> sweep_store.SweepResult:
    variants, seeds, n_lr, n_wd = val_acc.shape
    config = dataclasses.replace(
        tiny(),
        variants=("adam-l2", "adamw-torch")[:variants],
        seeds=tuple(range(seeds)),
        lrs=GRID_LRS[:n_lr],
        wds=GRID_WDS[:n_wd],
    )
    acc = np.where(diverged >= 0, np.nan, val_acc)
    arrays = {
        "val_acc": acc,
        "val_loss": 1 - np.nan_to_num(acc, nan=0.5),
        "train_acc": acc,
        "train_loss": 1 - np.nan_to_num(acc, nan=0.5),
        "diverged_step": diverged,
    }
    return sweep_store.SweepResult(config, arrays, None, 0.0, True)


def test_summary_counts_and_best_cell_come_from_the_arrays():
    rng = np.random.default_rng(1)
    acc = rng.uniform(0.5, 1.0, size=(2, 3, 5, 6))
    diverged = np.full(acc.shape, -1)
    diverged[0, 1, 2, 3] = 17  # one seed of one cell diverged: the cell never counts as good
    acc[0, :, 2, 3] = 0.999  # ...however good its other seeds are
    summary = summarize(synthetic_result(acc, diverged), threshold=0.8)
    for v, name in enumerate(("adam-l2", "adamw-torch")):
        mean = acc[v].mean(axis=0)
        if v == 0:
            mean[2, 3] = np.nan
        s = summary["variants"][name]
        assert s["n_good"] == sum(1 for m in mean.ravel() if m >= 0.8)
        assert s["fraction_good"] == pytest.approx(s["n_good"] / 30)
        i, j = np.unravel_index(np.nanargmax(mean), mean.shape)
        assert s["best_val_acc"] == pytest.approx(mean[i, j])
        assert (s["best_lr"], s["best_wd"]) == (GRID_LRS[i], GRID_WDS[j])
        assert s["best_val_acc_std"] == pytest.approx(acc[v, :, i, j].std())
    assert summary["variants"]["adam-l2"]["n_diverged"] == 1
    assert summary["variants"]["adamw-torch"]["n_diverged"] == 0
