"""Real data for the sweep: scikit-learn's bundled handwritten digits (issue 12).

``sklearn.datasets.load_digits`` ships 1,797 images of 8 x 8 pixels with grey levels 0..16,
ten classes, inside the package (no download). Each image becomes 64 features in [0, 1]
(divided by 16). A permutation drawn from ``data_seed`` splits them: its first
``round(val_fraction * 1797)`` images are the validation set, the next ``n_train`` (all the
rest by default) the training set; ``label_noise`` then flips that fraction of the training
labels (:mod:`~wdproof.numerics.sweep.labelled`). The same spec always gives the same tensors.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep.labelled import Dataset, check_knobs, flip_labels, training_rows

#: Images in scikit-learn's digits set, and its largest grey level.
N_IMAGES = 1797
MAX_GREY = 16.0


@dataclass(frozen=True)
class DigitsSpec:
    """Which digits to train and validate on.

    Attributes:
        n_train: training images (``None``: every image not held out).
        val_fraction: share of the 1,797 images held out for validation.
        label_noise: fraction of the training labels moved to another class.
        data_seed: seed of the permutation that splits the images.
    """

    KIND: ClassVar[str] = "digits"
    n_inputs: ClassVar[int] = 64
    n_classes: ClassVar[int] = 10

    n_train: int | None = None
    val_fraction: float = 0.3
    label_noise: float = 0.0
    data_seed: int = 0

    @property
    def n_val(self) -> int:
        return max(1, round(self.val_fraction * N_IMAGES))

    @property
    def n_train_points(self) -> int:
        return N_IMAGES - self.n_val if self.n_train is None else self.n_train

    @property
    def n_points(self) -> int:
        """Images used: training plus validation."""
        return self.n_train_points + self.n_val

    def validate(self) -> None:
        if not (0 < self.val_fraction < 1 and math.isfinite(self.val_fraction)):
            raise InputError(f"val_fraction must lie in (0, 1), got {self.val_fraction}")
        check_knobs(self.n_train, N_IMAGES - self.n_val, self.label_noise)


@functools.cache
def _images() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    if bunch.data.shape != (N_IMAGES, 64):  # a future scikit-learn with another set
        raise RuntimeError(f"load_digits returned {bunch.data.shape}, expected ({N_IMAGES}, 64)")
    return bunch.data, bunch.target


def make_digits(spec: DigitsSpec, dtype: torch.dtype = torch.float64) -> Dataset:
    """The digits of ``spec``, scaled to [0, 1] and split (same spec, same tensors)."""
    spec.validate()
    pixels, target = _images()
    x = torch.tensor(pixels, dtype=torch.float64) / MAX_GREY
    y = torch.tensor(target, dtype=torch.float64)
    order = torch.randperm(N_IMAGES, generator=torch.Generator().manual_seed(spec.data_seed))
    val, train = order[: spec.n_val], training_rows(order[spec.n_val :], spec.n_train)
    y_train = flip_labels(y[train], spec.label_noise, spec.n_classes, spec.data_seed)
    return Dataset(x[train], y_train, x[val], y[val], n_classes=spec.n_classes).to(dtype)


def plot_digits(data: Dataset, ax=None, title: str | None = None, per_class: int = 12):
    """A mosaic of training images: row ``c`` shows the first ``per_class`` labelled ``c``
    (grey levels: readable in print; fonts 8-9 pt at 3.2 in).

    With label noise some rows show other digits: those are the flipped labels the network
    can memorise.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.0), layout="constrained")
    side = 8
    mosaic = np.ones((10 * (side + 1), per_class * (side + 1)))
    for c in range(10):
        images = data.x_train[data.y_train == c][:per_class].reshape(-1, side, side).numpy()
        for k, image in enumerate(images):
            r, col = c * (side + 1), k * (side + 1)
            mosaic[r : r + side, col : col + side] = 1 - image  # dark ink on white
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([c * (side + 1) + side / 2 for c in range(10)], [str(c) for c in range(10)])
    ax.tick_params(labelsize=8, length=0)
    ax.set_xticks([])
    ax.set_ylabel("training label", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
