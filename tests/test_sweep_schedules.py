"""The batched engine under a schedule, cell by cell against torch.optim with its lr_scheduler.

Issue 14: every variant under every schedule (constant, cosine annealing, warm restarts, with
and without ``eta_min``, and a constant factor ``eta``) trains six cells at once; each cell's
final parameters must equal, in float64 and to 1e-12, those of the same cell trained alone with
the ``torch.optim`` optimizer its variant reproduces and the matching
``torch.optim.lr_scheduler`` (``CosineAnnealingLR``, ``CosineAnnealingWarmRestarts``, or
``LambdaLR``) stepped once per optimizer step -- and those of its reference rule. The rule this
pins down (module docstring of ``numerics/sweep/batched_adam.py``): ``eta_t`` multiplies both
the paper's adaptive step and its decay with ``alpha`` and ``lambda`` fixed, and is
``lr_t = lr eta_t`` for the PyTorch conventions (so PyTorch's AdamW decay ``lr_t wd`` follows).

Normalized decay: the engine trains column ``lambda_norm`` with ``lambda = lambda_norm sqrt(b /
(B T))``, the L2 coefficient scaled the same way.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from wdproof.numerics.optimizers.conventions import VARIANTS
from wdproof.numerics.optimizers.schedules import Constant, Cosine, WarmRestarts, make_schedule
from wdproof.numerics.optimizers.trajectory import run, run_rule
from wdproof.numerics.sweep import engine as sweep
from wdproof.numerics.sweep.cells import (
    cell_problem,
    reference_rule,
    row,
    torch_scheduler,
    torch_stepper,
)
from wdproof.numerics.sweep.config import preset
from wdproof.numerics.sweep.engine import Chunk, run_chunk
from wdproof.numerics.sweep.spiral import SpiralSpec, make_spiral
from wdproof.report.cli import main

SHAPE_WIDTH = 6
DATA = make_spiral(SpiralSpec(n_points=200))
STEPS, BATCH, SEED = 15, 16, 5
LRS = torch.tensor([3e-3, 3e-2, 2e-1, 3e-2, 1e-2, 5e-2], dtype=torch.float64)
WDS = torch.tensor([1e-2, 5e-1, 1e-3, 0.0, 2.0, 1e-1], dtype=torch.float64)
CELLS = list(zip(LRS.tolist(), WDS.tolist(), strict=True))
#: (schedule, constant factor eta): the three schedules, with and without eta_min and eta != 1.
SCHEDULES = {
    "constant": (Constant(), 1.0),
    "constant-eta": (Constant(), 0.7),
    "cosine": (Cosine(STEPS), 1.0),
    "cosine-eta-min": (Cosine(STEPS, eta_min=0.1), 0.7),
    "warm-restarts": (WarmRestarts(2, 2), 1.0),  # periods 2, 4, 8: restarts at t = 3, 7, 15
    "warm-restarts-eta-min": (WarmRestarts(3, 1, eta_min=0.05), 1.0),
    "warm-restarts-default": (make_schedule("warm-restarts", STEPS), 1.0),
}
#: Max |difference| of final parameters (values of order 1) after 15 float64 steps: rounding
#: only (the kernel folds eta_t and the bias corrections into one scalar; torch's schedulers
#: compute lr_t recursively); a wrong rule is off by more than 1e-4 (see below).
TOLERANCE = 1e-12


def shape():
    from wdproof.numerics.sweep.batched_mlp import MLPShape

    return MLPShape(width=SHAPE_WIDTH)


def batched(variant: str, schedule, eta: float) -> torch.Tensor:
    return sweep.train_cells(
        variant,
        LRS,
        WDS,
        data=DATA,
        shape=shape(),
        seed=SEED,
        steps=STEPS,
        batch_size=BATCH,
        eta=eta,
        schedule=schedule,
        dtype=torch.float64,
    ).params


def problem():
    return cell_problem(DATA, shape(), SEED, STEPS, BATCH)


def torch_cell(variant: str, lr: float, wd: float, schedule, eta: float) -> torch.Tensor:
    stepper = torch_stepper(VARIANTS[variant], lr, wd, eta=eta, schedule=schedule)
    return row(run(problem(), stepper, STEPS)[-1])


def rule_cell(variant: str, lr: float, wd: float, schedule, eta: float) -> torch.Tensor:
    rule = reference_rule(VARIANTS[variant], lr, wd, eta=eta, schedule=schedule)
    return row(run_rule(problem(), rule, STEPS)[-1])


def deviation(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


@pytest.mark.parametrize("which", SCHEDULES)
@pytest.mark.parametrize("name", VARIANTS)
def test_every_cell_matches_torch_optim_with_its_lr_scheduler(name, which):
    schedule, eta = SCHEDULES[which]
    params = batched(name, schedule, eta)
    for k, (lr, wd) in enumerate(CELLS):
        assert deviation(params[k], torch_cell(name, lr, wd, schedule, eta)) <= TOLERANCE, k
        assert deviation(params[k], rule_cell(name, lr, wd, schedule, eta)) <= TOLERANCE, k


def test_the_oracle_is_torchs_own_scheduler():
    """The per-cell runs use torch's CosineAnnealingLR / CosineAnnealingWarmRestarts, whose
    learning rates equal lr eta_t of the schedule objects at every step."""
    for schedule, kind in (
        (Cosine(STEPS), torch.optim.lr_scheduler.CosineAnnealingLR),
        (WarmRestarts(2, 2), torch.optim.lr_scheduler.CosineAnnealingWarmRestarts),
    ):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
        scheduler = torch_scheduler(schedule, optimizer)
        assert isinstance(scheduler, kind)
        lrs = []
        for _ in range(STEPS):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        assert np.allclose(lrs, 0.3 * schedule.multipliers(STEPS), rtol=0, atol=1e-15)
    assert torch_scheduler(Constant(), torch.optim.SGD([torch.zeros(1)], lr=0.1)) is None


@pytest.mark.parametrize("name", ["adamw-paper", "adam-l2"])
def test_the_schedule_changes_the_run_so_the_comparison_can_fail(name):
    """A schedule ignored (or applied to the wrong variants) would be caught: the cosine run is
    far from the constant one, and from the torch run without a scheduler."""
    lr, wd = CELLS[1]
    cosine = batched(name, Cosine(STEPS), 1.0)
    assert deviation(cosine[1], batched(name, Constant(), 1.0)[1]) > 1e-4
    assert deviation(cosine[1], torch_cell(name, lr, wd, Constant(), 1.0)) > 1e-4


def test_paper_decay_follows_the_schedule_with_alpha_fixed():
    """Alg. 2 line 12 under a schedule: with zero gradients (beta1 = 0 moments stay 0) the
    paper's AdamW multiplies theta by (1 - eta_t lambda) at each step, whatever alpha."""
    from wdproof.numerics.sweep.batched_adam import BatchedAdam, coefficients

    schedule = WarmRestarts(2, 2)
    theta = torch.ones(3, 4, dtype=torch.float64)
    lrs = torch.tensor([1e-3, 1e-2, 1e-1], dtype=torch.float64)
    wds = torch.full((3,), 0.05, dtype=torch.float64)
    optimizer = BatchedAdam(theta, coefficients(VARIANTS["adamw-paper"], lrs, wds))
    for eta_t in schedule.multipliers(STEPS):
        optimizer.step(torch.zeros_like(theta), float(eta_t))
    expected = np.prod(1 - 0.05 * schedule.multipliers(STEPS))
    assert torch.allclose(theta, torch.full_like(theta, expected), rtol=1e-14, atol=0)


# ----- normalized decay ---------------------------------------------------------------------


def test_normalized_decay_scale_is_the_papers_formula():
    config = preset("tiny", normalized_decay=True)
    b, big_b = config.batch_size, config.data.n_train_points
    epochs = config.steps * b / big_b
    assert config.epochs == pytest.approx(epochs)
    assert config.decay_scale == pytest.approx(math.sqrt(b / (big_b * epochs)), rel=1e-15)
    # T = steps b / B epochs: b / (B T) = 1 / steps
    assert config.decay_scale == pytest.approx(1 / math.sqrt(config.steps), rel=1e-14)
    assert preset("tiny").decay_scale == 1.0
    for variant in config.variants:
        assert config.wd_grid(variant) == preset("tiny").wd_grid(variant)
        assert np.allclose(
            config.step_wd_grid(variant),
            np.array(config.wd_grid(variant)) * config.decay_scale,
            rtol=1e-15,
        )


@pytest.mark.parametrize("name", ["adamw-paper", "adamw-torch", "adam-l2"])
def test_normalized_run_is_the_raw_run_at_lambda_norm_times_the_scale(name):
    """run_chunk on column lambda_norm trains lambda = lambda_norm sqrt(b/(BT)) per step
    (lambda' for L2, PyTorch's wd likewise), bit for bit."""
    normalized = dataclasses.replace(preset("tiny"), normalized_decay=True, steps=20)
    chunk = Chunk(name, 0, 0, len(normalized.lrs))
    got = run_chunk(normalized, chunk)
    lrs = torch.tensor(normalized.lrs, dtype=torch.float64).repeat_interleave(normalized.n_wd)
    wds = torch.tensor(normalized.wd_grid(name), dtype=torch.float64) * normalized.decay_scale
    raw = sweep.train_cells(
        name,
        lrs,
        wds.repeat(len(normalized.lrs)),
        data=make_spiral(normalized.data),
        shape=normalized.shape,
        seed=0,
        steps=20,
        batch_size=normalized.batch_size,
        dtype=normalized.torch_dtype,
    )
    for metric in sweep.METRICS:
        np.testing.assert_array_equal(got[metric].ravel(), raw.metrics[metric])


def test_normalized_decay_fractions_may_exceed_one_while_the_step_stays_below():
    config = preset("tiny", normalized_decay=True, decay_fractions=(0.1, 3.0))
    assert config.cell_decay_fractions("adamw-paper").max() < 1
    with pytest.raises(Exception, match="sqrt"):
        preset("tiny", normalized_decay=True, decay_fractions=(0.1, 20.0))


# ----- configuration, hash and command line ---------------------------------------------------


def test_schedule_and_normalized_decay_enter_the_hash_defaults_keep_it():
    base = preset("tiny")
    hashes = {
        base.config_hash(),
        preset("tiny", schedule="cosine").config_hash(),
        preset("tiny", schedule="warm-restarts").config_hash(),
        preset("tiny", normalized_decay=True).config_hash(),
        preset("tiny", eta=0.5).config_hash(),
    }
    assert len(hashes) == 5
    explicit = dataclasses.replace(base, schedule="constant", normalized_decay=False)
    assert explicit.config_hash() == base.config_hash()
    stored = {k: v for k, v in base.to_dict().items() if k not in ("schedule", "normalized_decay")}
    assert type(base).from_dict(stored).config_hash() == base.config_hash()  # older config.json


def test_the_multipliers_of_a_config_are_its_schedule():
    config = preset("tiny", schedule="warm-restarts", eta=0.5)
    expected = 0.5 * make_schedule("warm-restarts", config.steps).multipliers(config.steps)
    assert np.array_equal(config.multipliers(), expected)
    with pytest.raises(Exception, match="unknown schedule"):
        preset("tiny", schedule="linear")


def test_cli_schedule_and_normalized_decay(tmp_path, capsys):
    argv = ["sweep", "--preset", "tiny", "--out", str(tmp_path), "--no-figures", "--json"]
    assert main([*argv, "--schedule", "cosine", "--normalized-decay", "--steps", "14"]) == 0
    summary = __import__("json").loads(capsys.readouterr().out)
    assert summary["schedule"]["name"] == "cosine" and summary["normalized_decay"]["on"]
    assert summary["normalized_decay"]["scale"] == pytest.approx(1 / math.sqrt(14))
    assert main(["sweep", "--preset", "tiny", "--schedule", "linear"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_cli_help_documents_schedules_and_normalized_decay(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("--schedule", "warm-restarts", "--normalized-decay", "sqrt(b/(B T))"):
        assert needle in text


# ----- the studies: budget analysis on known surfaces, the schedules study end to end ---------


def _fake_results(optimum_log10, steps_list, seeds=4, noise=0.003):
    """Budget-study results whose mean validation loss is a parabola in log10 decay with its
    minimum at ``optimum_log10(kind, steps)``, times a little per-seed noise."""
    from pathlib import Path

    from wdproof.numerics.sweep.store import SweepResult
    from wdproof.numerics.sweep.studies import STUDIES

    base = dataclasses.replace(
        STUDIES["budget"].base, seeds=tuple(range(seeds)), lrs=(5e-3,), schedule="constant"
    )
    rng = np.random.default_rng(0)
    results = {}
    for label, config in STUDIES["budget"].runs(base).items():
        kind, steps = label.split("-T")[0], int(label.split("-T")[1])
        if steps not in steps_list:
            continue
        x = np.log10(config.wd_grid("adamw-paper"))
        # log10 loss a parabola in log10 decay: the ridge's refinement finds its vertex exactly
        loss = 0.4 * 10 ** (0.1 * (x - optimum_log10(kind, steps)) ** 2)
        jitter = 10 ** (noise * rng.standard_normal((1, seeds, 1, len(x))))
        per_seed = loss[None, None, None, :] * jitter
        arrays = {
            "val_loss": per_seed,
            "val_acc": 1 - per_seed / 2,
            "train_loss": per_seed,
            "train_acc": 1 - per_seed / 2,
            "diverged_step": np.full(per_seed.shape, -1),
        }
        results[label] = SweepResult(config, arrays, Path("."), 0.0, True)
    return results


def test_budget_claim_holds_when_the_best_normalized_decay_stays_put():
    from wdproof.numerics.sweep import budget_study
    from wdproof.numerics.sweep.studies import BUDGET_STEPS

    lam_norm = -1.0  # best lambda_norm = 0.1 at every budget: best lambda = 0.1 / sqrt(steps)

    def optimum(kind, steps):
        return lam_norm if kind == "normalized" else lam_norm - 0.5 * np.log10(steps)

    out = budget_study.claims(_fake_results(optimum, BUDGET_STEPS))
    block = out["variants"]["adamw-paper"]
    assert block["trend"]["normalized"]["value"] == pytest.approx(0, abs=0.1)
    assert block["trend"]["raw"]["value"] == pytest.approx(-0.5, abs=0.1)
    assert block["verdict"] == "holds" and out["claims"][0]["verdict"] == "holds"
    best = block["budgets"][1]
    assert best["normalized"]["value"] == pytest.approx(0.1, rel=0.2)
    assert best["raw"]["as_lambda_norm"]["value"] == pytest.approx(0.1, rel=0.2)


def test_budget_claim_does_not_hold_when_the_best_raw_decay_stays_put():
    from wdproof.numerics.sweep import budget_study
    from wdproof.numerics.sweep.studies import BUDGET_STEPS

    def optimum(kind, steps):  # best raw lambda = 1e-3 at every budget
        return -3.0 + (0.5 * np.log10(steps) if kind == "normalized" else 0.0)

    out = budget_study.claims(_fake_results(optimum, BUDGET_STEPS))
    block = out["variants"]["adamw-paper"]
    assert block["trend"]["raw"]["status"] == "stays put"
    assert block["trend"]["normalized"]["status"] == "moves"
    assert out["claims"][0]["verdict"] == "does not hold"


def test_budget_study_grids_coincide_at_the_middle_budget():
    from wdproof.numerics.sweep.studies import BUDGET_STEPS, STUDIES

    runs = STUDIES["budget"].runs()
    middle = BUDGET_STEPS[1]
    raw, normalized = runs[f"raw-T{middle}"], runs[f"normalized-T{middle}"]
    assert normalized.normalized_decay and not raw.normalized_decay
    assert np.allclose(
        normalized.step_wd_grid("adamw-paper"), raw.step_wd_grid("adamw-paper"), rtol=1e-5
    )
    assert {c.steps for c in runs.values()} == set(BUDGET_STEPS)
    for config in runs.values():
        config.validate()
        assert config.cell_decay_fractions("adamw-paper").max() < 1


def test_schedules_study_end_to_end_on_a_tiny_grid(tmp_path, capsys):
    """Three runs (one per schedule) with the same seeds, a summary with every claim, measured
    numbers and a verdict, and the figures; options a study sets itself are refused."""
    import json

    argv = ["sweep", "--preset", "schedules", "--out", str(tmp_path), "--seeds", "2"]
    argv += ["--steps", "14", "--lr-range", "3e-3", "3e-1", "3"]
    argv += ["--decay-fractions", "1e-4", "0.3", "4", "--threshold", "0.6"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "cosine-raises-best-accuracy" in text
    folder = next(tmp_path.glob("schedules-*"))
    summary = json.loads((folder / "summary.json").read_text())
    assert set(summary["runs"]) == {"constant", "cosine", "warm-restarts"}
    verdicts = {"holds", "does not hold", "not resolved at this noise level"}
    ids = {c["id"] for c in summary["claims"]}
    assert ids == {
        "cosine-raises-best-accuracy",
        "cosine-enlarges-good-region",
        "warm-restarts-raise-best-accuracy",
    }
    for claim in summary["claims"]:
        assert claim["verdict"] in verdicts and claim["question"] == "schedules"
        assert "difference" in claim["measured"]
    variant = summary["variants"]["adamw-paper"]["versus_constant"]["cosine"]["best_val_acc"]
    assert variant["low"] is not None and variant["verdict"] in verdicts
    for name in ("schedules", "heatmaps-constant", "heatmaps-cosine", "heatmaps-warm-restarts"):
        assert (folder / f"{name}.pdf").exists() and (folder / f"{name}.png").exists()
    assert main([*argv, "--json"]) == 0  # the second run loads every sweep from the cache
    assert json.loads(capsys.readouterr().out)["runs"]["cosine"]["from_cache"]
    assert main([*argv, "--schedule", "cosine"]) == 2
    assert "sets --schedule itself" in capsys.readouterr().err
    assert main(["sweep", "--preset", "budget", "--steps", "10", "--out", str(tmp_path)]) == 2
    assert "sets --steps itself" in capsys.readouterr().err
