"""The two-class spiral of problem set Q2.b: knobs for size, noise, turns and label noise.

Class ``c`` in {0, 1} lies on the arm

.. math::

    x(s) = s \\,(\\cos(2\\pi k s + c\\pi),\\ \\sin(2\\pi k s + c\\pi)) + \\sigma\\,\\xi,
    \\qquad s \\sim U(s_0, 1),\\ \\xi \\sim N(0, I_2),

where ``k`` is the number of turns and ``sigma`` the noise. More turns make the decision
boundary longer and more curved; more noise makes the arms overlap, which caps the attainable
validation accuracy. The presets ``easy`` / ``default`` / ``hard`` move both knobs (problem set
Q2.c: "adjust the difficulty of the data"). Everything is drawn from one ``torch.Generator``
seeded by ``data_seed``, so a spec always yields the same points and the same split. The
training-size and label-noise knobs (``n_train``, ``label_noise``) are those of
:mod:`~wdproof.numerics.sweep.labelled`, shared with the digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.sweep.labelled import Dataset, check_knobs, flip_labels, training_rows

#: Where the arms start (radius ``s_0``): keeps the two arms apart near the origin.
ARM_START = 0.05


@dataclass(frozen=True)
class SpiralSpec:
    """How to draw the data set.

    Attributes:
        n_points: total number of points (half per class).
        noise: standard deviation ``sigma`` of the isotropic Gaussian noise.
        turns: number of turns ``k`` of each arm.
        val_fraction: share of the points held out for validation.
        data_seed: seed of the generator that draws points and split.
        n_train: training points kept of the rest (``None``: all of them).
        label_noise: fraction of the training labels flipped to the other class.
    """

    KIND: ClassVar[str] = "spiral"
    n_inputs: ClassVar[int] = 2
    n_classes: ClassVar[int] = 2

    n_points: int = 1000
    noise: float = 0.05
    turns: float = 1.5
    val_fraction: float = 0.3
    data_seed: int = 0
    n_train: int | None = None
    label_noise: float = 0.0

    @property
    def n_val(self) -> int:
        return max(1, round(self.val_fraction * self.n_points))

    @property
    def n_train_points(self) -> int:
        return self.n_points - self.n_val if self.n_train is None else self.n_train

    def validate(self) -> None:
        if self.n_points < 10:
            raise InputError(f"spiral needs at least 10 points, got n_points={self.n_points}")
        if not (self.noise >= 0 and math.isfinite(self.noise)):
            raise InputError(f"spiral noise must be a finite number >= 0, got {self.noise}")
        if not (self.turns > 0 and math.isfinite(self.turns)):
            raise InputError(f"spiral turns must be a finite number > 0, got {self.turns}")
        if not 0 < self.val_fraction < 1:
            raise InputError(f"val_fraction must lie in (0, 1), got {self.val_fraction}")
        check_knobs(self.n_train, self.n_points - self.n_val, self.label_noise)


#: Data difficulty presets (Q2.c): fewer turns and less noise is easier.
SPIRAL_PRESETS: dict[str, SpiralSpec] = {
    "easy": SpiralSpec(turns=1.0, noise=0.03),
    "default": SpiralSpec(),
    "hard": SpiralSpec(turns=2.0, noise=0.06),
}


#: The spiral's points and labels (``y`` is 0.0 or 1.0): a two-class :class:`Dataset`.
SpiralData = Dataset


def make_spiral(spec: SpiralSpec, dtype: torch.dtype = torch.float64) -> Dataset:
    """Draw the spiral of ``spec`` and split it (deterministic: same spec, same tensors)."""
    spec.validate()
    gen = torch.Generator().manual_seed(spec.data_seed)
    labels = torch.arange(spec.n_points) % 2
    s = ARM_START + (1 - ARM_START) * torch.rand(spec.n_points, generator=gen, dtype=torch.float64)
    angle = 2 * math.pi * spec.turns * s + math.pi * labels
    points = torch.stack([s * torch.cos(angle), s * torch.sin(angle)], dim=1)
    points = points + spec.noise * torch.randn(spec.n_points, 2, generator=gen, dtype=torch.float64)
    order = torch.randperm(spec.n_points, generator=gen)
    val, train = order[: spec.n_val], training_rows(order[spec.n_val :], spec.n_train)
    y = labels.to(torch.float64)
    y_train = flip_labels(y[train], spec.label_noise, 2, spec.data_seed)
    return Dataset(points[train], y_train, points[val], y[val]).to(dtype)


#: How each class is drawn: an Okabe-Ito colour (colour-blind safe, apart in grey scale too)
#: and its own marker, so that the classes differ even without colour.
CLASS_STYLES = ({"colour": "#E69F00", "marker": "o"}, {"colour": "#0072B2", "marker": "^"})


def plot_spiral(data: SpiralData, ax=None, title: str | None = None):
    """Scatter both classes, each in its colour and marker (:data:`CLASS_STYLES`): training
    points filled, validation points hollow. Fonts are for print (8-9 pt at 3.2 in)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2), layout="constrained")
    for cls, style in enumerate(CLASS_STYLES):
        tr = data.x_train[data.y_train == cls].numpy()
        va = data.x_val[data.y_val == cls].numpy()
        ax.scatter(
            tr[:, 0],
            tr[:, 1],
            s=9,
            marker=style["marker"],
            c=style["colour"],
            edgecolors="none",
            label=f"class {cls}, training",
        )
        ax.scatter(
            va[:, 0],
            va[:, 1],
            s=14,
            marker=style["marker"],
            facecolors="none",
            edgecolors=style["colour"],
            linewidths=0.7,
            label=f"class {cls}, validation",
        )
    ax.set_aspect("equal", adjustable="datalim")  # the box fills its space: no clipped title
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax
