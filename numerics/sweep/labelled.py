"""A labelled data set, split into training and validation, and the knobs every data set shares.

The sweep's data sets (:mod:`~wdproof.numerics.sweep.spiral`, :mod:`~wdproof.numerics.sweep.digits`)
each draw their points and a validation split from a seed; this module then applies the two
knobs they share (issue 12: decay matters where the network can memorise noise):

* **training size** -- :func:`training_rows` keeps the first ``n_train`` of the non-validation
  rows, so the validation set does not change with the training size;
* **label noise** -- :func:`flip_labels` gives exactly ``round(fraction * n_train)`` training
  labels another class, drawn uniformly among the other ``n_classes - 1``; validation labels
  stay clean, so validation accuracy measures how well the clean rule was learnt.

Both draw from their own ``torch.Generator`` (seeded from ``data_seed``), never from the one
that drew the points: a data set with the knobs at their defaults is bit-for-bit the one
drawn before the knobs existed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from wdproof.numerics.errors import InputError

#: Offset between ``data_seed`` and the seed of the label-noise generator.
LABEL_NOISE_SEED_OFFSET = 7_000_003


@dataclass(frozen=True)
class Dataset:
    """Points ``x`` (``(n, n_inputs)``) and labels ``y``, already split.

    ``y`` holds class indices ``0 .. n_classes - 1`` as floating-point numbers (exact for any
    class count the sweep uses), so one ``.to(dtype)`` moves the whole set; two classes are
    read as one logit (binary cross-entropy), more as ``n_classes`` logits (softmax).
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    n_classes: int = 2

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[1]

    def to(self, dtype: torch.dtype) -> Dataset:
        tensors = (self.x_train, self.y_train, self.x_val, self.y_val)
        return Dataset(*(t.to(dtype) for t in tensors), n_classes=self.n_classes)


def check_knobs(n_train: int | None, available: int, label_noise: float) -> None:
    """InputError unless ``n_train`` fits in ``available`` rows and ``label_noise`` in [0, 1)."""
    if n_train is not None and not 1 <= n_train <= available:
        raise InputError(
            f"n_train must lie in [1, {available}] (the points left after validation), "
            f"got {n_train}"
        )
    if not (0 <= label_noise < 1 and math.isfinite(label_noise)):
        raise InputError(f"label_noise must lie in [0, 1), got {label_noise}")


def training_rows(pool: torch.Tensor, n_train: int | None) -> torch.Tensor:
    """The training rows: all of ``pool`` (the non-validation rows), or its first ``n_train``."""
    return pool if n_train is None else pool[:n_train]


def flip_labels(y: torch.Tensor, fraction: float, n_classes: int, seed: int) -> torch.Tensor:
    """A copy of ``y`` with exactly ``round(fraction * len(y))`` labels moved to another class.

    Which labels: the first ones of a permutation drawn from ``seed``; each moves by a shift
    ``s`` drawn uniformly from ``1 .. n_classes - 1``, ``y <- (y + s) mod n_classes``, so it
    never lands on its own class. ``fraction = 0`` returns ``y`` unchanged without drawing.
    """
    n_flip = round(fraction * len(y))
    if n_flip == 0:
        return y
    gen = torch.Generator().manual_seed(LABEL_NOISE_SEED_OFFSET + seed)
    rows = torch.randperm(len(y), generator=gen)[:n_flip]
    shift = torch.randint(1, n_classes, (n_flip,), generator=gen).to(y.dtype)
    noisy = y.clone()
    noisy[rows] = (y[rows] + shift) % n_classes
    return noisy
