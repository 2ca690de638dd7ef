"""The sweep's data sets by kind: draw, describe, store and hash a data specification.

A :class:`~wdproof.numerics.sweep.config.SweepConfig` holds one specification, a
:class:`~wdproof.numerics.sweep.spiral.SpiralSpec` or a
:class:`~wdproof.numerics.sweep.digits.DigitsSpec`; each names its ``KIND``, its input
dimension ``n_inputs`` and its class count ``n_classes``.

Hashing: the configuration hash of the spiral presets predates the digits and the
training-size and label-noise knobs. :func:`hashed_fields` leaves out ``kind == "spiral"``,
``n_train is None`` and ``label_noise == 0``, so every configuration that existed before
keeps its hash (and its cached results), and any other value changes it.
"""

from __future__ import annotations

import dataclasses

import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep.digits import DigitsSpec, make_digits, plot_digits
from wdproof.numerics.sweep.labelled import Dataset
from wdproof.numerics.sweep.spiral import SpiralSpec, make_spiral, plot_spiral

DataSpec = SpiralSpec | DigitsSpec

KINDS: dict[str, type] = {"spiral": SpiralSpec, "digits": DigitsSpec}

#: Fields (and ``kind``) left out of the hash at these values: see the module docstring.
UNHASHED_DEFAULTS = {"kind": "spiral", "n_train": None, "label_noise": 0.0}


def make_data(spec: DataSpec, dtype: torch.dtype = torch.float64) -> Dataset:
    """Draw and split the data set ``spec`` describes."""
    if isinstance(spec, DigitsSpec):
        return make_digits(spec, dtype)
    return make_spiral(spec, dtype)


def spec_to_dict(spec: DataSpec) -> dict:
    """The fields of ``spec`` and its ``kind``, as stored in ``config.json``."""
    return {"kind": spec.KIND, **dataclasses.asdict(spec)}


def spec_from_dict(raw: dict) -> DataSpec:
    """The specification :func:`spec_to_dict` stored (no ``kind``: a spiral, as stored before)."""
    raw = dict(raw)
    kind = raw.pop("kind", "spiral")
    if kind not in KINDS:
        raise InputError(f"unknown data kind {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind](**raw)


def hashed_fields(spec: DataSpec) -> dict:
    """What of ``spec`` enters the configuration hash."""
    return {
        k: v
        for k, v in spec_to_dict(spec).items()
        if not (k in UNHASHED_DEFAULTS and v == UNHASHED_DEFAULTS[k])
    }


def describe(spec: DataSpec) -> str:
    """One line for titles and the report: what the data set is and which knobs are set."""
    if isinstance(spec, DigitsSpec):
        text = f"digits (8x8, 10 classes): {spec.n_train_points} training images"
    else:
        text = (
            f"spiral: {spec.n_points} points, {spec.turns:g} turns, noise {spec.noise:g}, "
            f"{spec.n_train_points} for training"
        )
    text += f", {spec.n_val} for validation"
    if spec.label_noise:
        text += f", {100 * spec.label_noise:g}% of the training labels flipped"
    return text


def plot_data(spec: DataSpec, ax=None, title: str | None = None):
    """The training (and, for the spiral, validation) data of ``spec`` on ``ax``."""
    data = make_data(spec)
    if isinstance(spec, DigitsSpec):
        return plot_digits(data, ax, title)
    return plot_spiral(data, ax, title)
