"""The sweep's data sets and their knobs: the digits split, label noise, training size, hashes.

Issue 12: label noise flips exactly the stated fraction of the *training* labels and never a
validation label; the digits split is a function of ``data_seed`` alone; the new fields leave
the configuration hash (and so the cached results) of every older preset unchanged.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep.config import PRESETS, SweepConfig, preset
from wdproof.numerics.sweep.datasets import (
    describe,
    hashed_fields,
    make_data,
    plot_data,
    spec_from_dict,
)
from wdproof.numerics.sweep.digits import N_IMAGES, DigitsSpec, make_digits
from wdproof.numerics.sweep.labelled import flip_labels
from wdproof.numerics.sweep.spiral import SpiralSpec, make_spiral

#: The hashes of the presets as they were before the data knobs existed (their cached results).

NOISY_SPECS = [
    SpiralSpec(n_points=400, label_noise=0.3),
    SpiralSpec(n_points=300, n_train=101, label_noise=0.25, data_seed=4),
    DigitsSpec(n_train=250, label_noise=0.3),
    DigitsSpec(n_train=97, label_noise=0.1, data_seed=5),
]


def _clean(spec):
    return dataclasses.replace(spec, label_noise=0.0)


@pytest.mark.parametrize("spec", NOISY_SPECS, ids=repr)
def test_label_noise_flips_exactly_the_fraction_of_training_labels_only(spec):
    noisy, clean = make_data(spec), make_data(_clean(spec))
    assert torch.equal(noisy.x_train, clean.x_train) and torch.equal(noisy.x_val, clean.x_val)
    assert torch.equal(noisy.y_val, clean.y_val)  # validation labels stay clean
    flipped = int((noisy.y_train != clean.y_train).sum())
    assert flipped == round(spec.label_noise * len(clean.y_train))
    assert set(noisy.y_train.tolist()) <= set(range(spec.n_classes))
    assert torch.equal(make_data(spec).y_train, noisy.y_train)  # deterministic


def test_flipped_labels_land_on_every_other_class_and_depend_on_the_seed():
    y = torch.arange(10, dtype=torch.float64).repeat(200)
    noisy = flip_labels(y, 0.5, 10, seed=1)
    moved = noisy != y
    assert int(moved.sum()) == 1000
    shifts = set(((noisy[moved] - y[moved]) % 10).tolist())
    assert shifts == set(range(1, 10))
    assert not torch.equal(noisy, flip_labels(y, 0.5, 10, seed=2))
    assert flip_labels(y, 0.0, 10, seed=1) is y


def test_digits_split_is_deterministic_per_seed_and_disjoint():
    a, b = make_digits(DigitsSpec(data_seed=3)), make_digits(DigitsSpec(data_seed=3))
    for name in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(a, name), getattr(b, name))
    other = make_digits(DigitsSpec(data_seed=4))
    assert not torch.equal(a.x_val, other.x_val)
    assert len(a.y_train) + len(a.y_val) == N_IMAGES
    assert a.x_train.shape[1] == 64 and 0 <= float(a.x_train.min()) <= float(a.x_train.max()) <= 1
    rows = {tuple(r) for r in a.x_train.tolist()} | {tuple(r) for r in a.x_val.tolist()}
    assert len(rows) >= N_IMAGES - 10  # every image once (a few digits repeat pixel for pixel)
    assert set(a.y_val.tolist()) == set(range(10))


@pytest.mark.parametrize("spec", [SpiralSpec(), DigitsSpec()], ids=repr)
def test_training_size_keeps_the_validation_set(spec):
    full, small = make_data(spec), make_data(dataclasses.replace(spec, n_train=60))
    assert len(small.y_train) == 60
    assert torch.equal(full.x_val, small.x_val) and torch.equal(full.y_val, small.y_val)
    assert torch.equal(full.x_train[:60], small.x_train)


def test_knobs_at_their_defaults_are_left_out_of_the_hash():
    """A spiral without label noise or a training-size cut hashes as the spirals did before the
    knobs existed: the knobs at their defaults are not in the hashed payload."""
    for name in ("default", "easy", "hard", "tiny"):
        assert set(hashed_fields(PRESETS[name].data)) & {"n_train", "label_noise"} == set()
    base = PRESETS["default"]
    for change in ({"n_train": 500}, {"label_noise": 0.1}):
        changed = dataclasses.replace(base, data=dataclasses.replace(base.data, **change))
        assert changed.config_hash() != base.config_hash()
    spiral = make_spiral(SpiralSpec(n_points=300, n_train=None, label_noise=0.0))
    assert torch.equal(spiral.y_train, make_spiral(SpiralSpec(n_points=300)).y_train)


@pytest.mark.parametrize("name", ["digits", "noisy", "default"])
def test_configurations_round_trip_through_their_stored_form(name):
    config = preset(name)
    again = SweepConfig.from_dict(config.to_dict())
    assert again == config and again.config_hash() == config.config_hash()


def test_a_stored_spiral_without_a_kind_is_read_as_a_spiral():
    raw = dataclasses.asdict(SpiralSpec(n_points=123))  # config.json as written before digits
    assert spec_from_dict(raw) == SpiralSpec(n_points=123)
    with pytest.raises(InputError, match="unknown data kind"):
        spec_from_dict({"kind": "mnist"})


def test_digits_preset_builds_a_ten_logit_network():
    config = preset("digits")
    assert config.shape.in_dim == 64 and config.shape.out_dim == 10
    assert preset("noisy").shape.out_dim == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"n_train": 0}, "n_train must lie"),
        ({"n_train": N_IMAGES}, "n_train must lie"),
        ({"label_noise": 1.0}, "label_noise must lie"),
        ({"label_noise": -0.1}, "label_noise must lie"),
        ({"val_fraction": 1.0}, "val_fraction"),
    ],
)
def test_bad_knobs_are_refused_with_one_line(change, message):
    with pytest.raises(InputError, match=message):
        make_digits(DigitsSpec(**change))


def test_batch_size_is_checked_against_the_training_size():
    with pytest.raises(InputError, match="batch_size must lie in"):
        preset("digits", data=DigitsSpec(n_train=20), batch_size=32)


@pytest.mark.parametrize("name", ["digits", "noisy"])
def test_each_data_set_draws_and_describes_itself(name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = preset(name).data
    ax = plot_data(spec, title=describe(spec))
    assert ax.get_title() == describe(spec)
    assert f"{spec.n_val} for validation" in describe(spec)
    plt.close("all")
