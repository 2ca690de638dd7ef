"""The full configuration of a sweep: a frozen dataclass, its presets, checks and hash.

Everything that changes a number in the results is a field here, so the SHA-256 of the
canonical JSON of the fields (plus :data:`ENGINE_VERSION`) identifies a result set: the cache
of :mod:`~wdproof.numerics.sweep.store` is keyed by it, and a stored ``config.json`` whose
hash differs from the current configuration is stale. ``preset`` is a label only and is left
out of the hash.

Presets (problem set Q2.b/Q2.c): ``default`` is the 16 x 24 grid of the problem set with 3
seeds; ``easy`` and ``hard`` run the same grid on easier / harder spirals; ``tiny`` is a 3 x 4
grid, width 8, 1 seed and 60 steps, for tests. Issue 12 adds ``digits`` (real data:
scikit-learn's handwritten digits) and ``noisy``/``noisy-wide`` (a spiral with 30% of its
training labels flipped, where a network can memorise noise and decay helps); their data knobs
(``n_train``, ``label_noise``) are left out of the hash at their defaults
(:func:`~wdproof.numerics.sweep.datasets.hashed_fields`), so the older presets keep theirs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from wdproof.numerics.errors import InputError
from wdproof.numerics.optimizers.conventions import ADAM_VARIANTS, VARIANTS, DecayConvention
from wdproof.numerics.sweep.batched_adam import coefficients
from wdproof.numerics.sweep.batched_mlp import MLPShape
from wdproof.numerics.sweep.datasets import DataSpec, hashed_fields, spec_from_dict, spec_to_dict
from wdproof.numerics.sweep.digits import DigitsSpec
from wdproof.numerics.sweep.spiral import SPIRAL_PRESETS, SpiralSpec

#: Bump when the engine changes in a way that changes results: invalidates every cache.
ENGINE_VERSION = 2

DTYPES = {"float32": torch.float32, "float64": torch.float64}

#: Largest grid axis, seed count and step count a configuration may have. Even at these caps a
#: sweep is finite (the command line still asks for ``--yes`` when its estimate exceeds an hour).
MAX_AXIS = 256
MAX_SEEDS = 64
MAX_STEPS = 100_000


def log_grid(low: float, high: float, n: int) -> tuple[float, ...]:
    """``n`` log-spaced values from ``low`` to ``high`` inclusive (6 significant digits)."""
    if n < 1:
        raise InputError(f"a grid needs at least one value, got {n}")
    if not (low > 0 and high > 0):
        raise InputError(f"log grid bounds must be > 0, got [{low}, {high}]")
    return tuple(float(f"{v:.6g}") for v in np.geomspace(low, high, n))


@dataclass(frozen=True)
class SweepConfig:
    """One sweep: data, model, optimizer variants, the (lr, wd) grid, seeds, training length.

    Attributes:
        preset: the preset this configuration came from (a label; not hashed).
        data: the data set, a :class:`SpiralSpec` or a :class:`DigitsSpec`.
        width, hidden_layers: the MLP (see :mod:`~wdproof.numerics.sweep.batched_mlp`).
        variants: names of optimizer variants, keys of
            :data:`~wdproof.numerics.optimizers.conventions.VARIANTS`.
        lrs: the grid's rows, learning rates ``alpha`` (PyTorch's ``lr``).
        decay_fractions: the grid's columns as the fraction ``d`` of ``theta`` that decay
            removes per step, each in ``(0, 1)``: the range every variant's own grid is
            matched on (:meth:`wd_grid`). A fraction of 1 or more flips or blows up ``theta``
            by construction, so none is allowed.
        seeds: one initialisation and minibatch order per seed.
        steps, batch_size: minibatch Adam steps and minibatch size.
        betas, eps: Adam's ``(beta1, beta2)`` and ``epsilon``.
        eta: the paper's schedule multiplier ``eta_t`` (held constant), applied to the
            variants of the paper's convention (:mod:`~wdproof.numerics.sweep.batched_adam`).
        dtype: ``"float32"`` for sweeps (seed spread dwarfs float32 rounding), ``"float64"``
            for the per-cell torch.optim comparison.
    """

    preset: str = "default"
    data: DataSpec = field(default_factory=SpiralSpec)
    width: int = 32
    hidden_layers: int = 3
    variants: tuple[str, ...] = ADAM_VARIANTS
    lrs: tuple[float, ...] = log_grid(3e-4, 0.1, 16)
    decay_fractions: tuple[float, ...] = log_grid(1e-6, 0.3, 24)
    seeds: tuple[int, ...] = (0, 1, 2)
    steps: int = 400
    batch_size: int = 64
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    eta: float = 1.0
    dtype: str = "float32"

    @property
    def shape(self) -> MLPShape:
        # two classes: one logit (binary cross-entropy); more: one logit per class (softmax)
        n_classes = self.data.n_classes
        return MLPShape(
            in_dim=self.data.n_inputs,
            width=self.width,
            hidden_layers=self.hidden_layers,
            out_dim=1 if n_classes == 2 else n_classes,
        )

    def wd_grid(self, variant: str) -> tuple[float, ...]:
        r"""The columns of ``variant`` in its own hyperparameter, matched on ``decay_fractions``.

        With ``d_j`` the decay fractions and ``a`` the largest learning rate:

        * PAPER, ``lambda_j = d_j / eta``: every cell removes ``eta lambda_j = d_j`` per step
          (Alg. 2 line 12), whatever its ``alpha``.
        * TORCH, ``wd_j = d_j / a``: cell ``(lr, wd_j)`` removes ``lr wd_j = d_j lr / a``, at
          most ``d_j``. The row ``lr = a`` spans the matched range and a lower row the same
          range shifted down by ``a / lr``: PyTorch's AdamW at ``(lr, wd)`` is the paper's at
          ``(alpha = lr, lambda = lr wd)`` (claim ``adamw-paper-decay-equals-torch-decay``), so
          its heatmap is the paper's on a sheared grid.
        * L2, ``lambda'_j = d_j / a``: ``lr lambda'`` is the fraction SGD with L2 would remove
          (Prop. 1); under Adam the decay passes through the preconditioner and differs per
          coordinate (claim ``l2-decay-per-coordinate``), so the match is nominal.

        No cell of any variant removes ``d >= 1`` per step: none diverges by construction.
        """
        fractions = np.asarray(self.decay_fractions, dtype=float)
        convention = VARIANTS[variant].convention
        # lambda = d / eta (paper); wd = lambda' = d / max lr (lr-scaled conventions)
        scale = self.eta if convention is DecayConvention.PAPER else max(self.lrs)
        return tuple(float(f"{v:.6g}") for v in fractions / scale)

    def cell_decay_fractions(self, variant: str) -> np.ndarray:
        """``(n_lr, n_wd)``: the fraction of ``theta`` each cell's decay removes per step, from
        the engine's own coefficients (:func:`~.batched_adam.coefficients`).

        ``eta lambda`` (PAPER), ``lr wd`` (TORCH), ``lr lambda'`` (L2: nominal, what SGD + L2
        removes, Prop. 1; under Adam the penalty is preconditioned).
        """
        lrs = torch.tensor(self.lrs, dtype=torch.float64)
        wds = torch.tensor(self.wd_grid(variant), dtype=torch.float64)
        grid_lr, grid_wd = torch.meshgrid(lrs, wds, indexing="ij")
        coeffs = coefficients(VARIANTS[variant], grid_lr.reshape(-1), grid_wd.reshape(-1), self.eta)
        # d = decay_fraction (decoupled), or lr lambda' (L2, nominal: its decay_fraction is 0)
        fraction = coeffs.decay_fraction + coeffs.step * coeffs.l2_coefficient
        return fraction.reshape(grid_lr.shape).numpy()

    def matched_cells(self, variant: str) -> np.ndarray:
        """``(n_lr, n_wd)`` bool: cells whose decay fraction lies in the matched range."""
        d = self.cell_decay_fractions(variant)
        low, high = min(self.decay_fractions), max(self.decay_fractions)
        # wd_grid rounds to 6 significant digits: allow that much at the ends of the range
        return (d >= low * (1 - 1e-5)) & (d <= high * (1 + 1e-5))

    def wd_grids(self) -> np.ndarray:
        """``(variants, n_wd)``: every variant's :meth:`wd_grid`, in ``variants`` order."""
        return np.array([self.wd_grid(v) for v in self.variants])

    @property
    def n_wd(self) -> int:
        return len(self.decay_fractions)

    @property
    def torch_dtype(self) -> torch.dtype:
        return DTYPES[self.dtype]

    @property
    def n_cells(self) -> int:
        return len(self.variants) * len(self.seeds) * len(self.lrs) * self.n_wd

    def validate(self) -> SweepConfig:
        """Raise :class:`InputError` (one line) on the first invalid field; return ``self``."""
        self.data.validate()
        if not self.lrs or not self.decay_fractions:
            raise InputError(
                f"empty grid: {len(self.lrs)} learning rates x {self.n_wd} decay fractions"
            )
        if not self.seeds:
            raise InputError("no seeds: give at least one")
        if len(set(self.seeds)) != len(self.seeds):
            raise InputError(f"seeds repeat: {self.seeds}")
        if max(len(self.lrs), self.n_wd) > MAX_AXIS or len(self.seeds) > MAX_SEEDS:
            raise InputError(
                f"grid {len(self.lrs)} x {self.n_wd} with {len(self.seeds)} seeds exceeds "
                f"the caps ({MAX_AXIS} values per axis, {MAX_SEEDS} seeds)"
            )
        bad_lr = [lr for lr in self.lrs if not (lr > 0 and math.isfinite(lr))]
        if bad_lr:
            raise InputError(f"learning rates must be finite and > 0, got {bad_lr[0]}")
        bad_d = [d for d in self.decay_fractions if not 0 < d < 1]
        if bad_d:
            raise InputError(
                f"decay fractions must lie in (0, 1) (a step removing d >= 1 of theta flips or "
                f"blows it up by construction), got {bad_d[0]}"
            )
        # rows and columns are read as a log axis from low to high (heatmap ticks, ridge slope)
        for name, grid in (("learning rates", self.lrs), ("decay fractions", self.decay_fractions)):
            if any(b <= a for a, b in itertools.pairwise(grid)):
                raise InputError(
                    f"{name} must increase strictly (after rounding to 6 significant "
                    f"digits), got {', '.join(f'{v:g}' for v in grid[:4])}"
                    f"{' ...' if len(grid) > 4 else ''}"
                )
        for name, beta in zip(("beta1", "beta2"), self.betas, strict=True):
            if not 0 <= beta < 1:
                raise InputError(f"{name} must lie in [0, 1), got {beta}")
        if not self.eps > 0:
            raise InputError(f"eps must be > 0, got {self.eps}")
        if not (self.eta > 0 and math.isfinite(self.eta)):
            raise InputError(f"eta must be finite and > 0, got {self.eta}")
        if not 1 <= self.steps <= MAX_STEPS:
            raise InputError(f"steps must be a positive integer <= {MAX_STEPS}, got {self.steps}")
        if self.width < 1 or self.hidden_layers < 1:
            raise InputError(
                f"width and hidden_layers must be >= 1, got {self.width}, {self.hidden_layers}"
            )
        n_train = self.data.n_train_points
        if not 1 <= self.batch_size <= n_train:
            raise InputError(
                f"batch_size must lie in [1, {n_train}] (training points), got {self.batch_size}"
            )
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants:
            raise InputError(
                f"unknown variant {unknown[0] if unknown else '(none given)'!r}; "
                f"known: {', '.join(VARIANTS)}"
            )
        if len(set(self.variants)) != len(self.variants):
            raise InputError(f"variants repeat: {self.variants}")
        if self.dtype not in DTYPES:
            raise InputError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"data": spec_to_dict(self.data)}

    @classmethod
    def from_dict(cls, raw: dict) -> SweepConfig:
        raw = dict(raw)
        raw["data"] = spec_from_dict(raw["data"])
        for key in ("variants", "lrs", "decay_fractions", "seeds", "betas"):
            raw[key] = tuple(raw[key])
        return cls(**raw)

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of every field but ``preset``, plus the engine version."""
        payload = {k: v for k, v in self.to_dict().items() if k != "preset"}
        payload["data"] = hashed_fields(self.data)
        payload["engine_version"] = ENGINE_VERSION
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


PRESETS: dict[str, SweepConfig] = {
    "default": SweepConfig(),
    "easy": SweepConfig(preset="easy", data=SPIRAL_PRESETS["easy"]),
    "hard": SweepConfig(preset="hard", data=SPIRAL_PRESETS["hard"]),
    "tiny": SweepConfig(
        preset="tiny",
        data=SpiralSpec(n_points=200),
        width=8,
        lrs=log_grid(3e-3, 3e-1, 3),
        decay_fractions=log_grid(1e-4, 0.3, 4),
        seeds=(0,),
        steps=60,
        batch_size=32,
    ),
    # real data: 300 training images, one hidden width of 64 and 800 steps (about 85 epochs)
    # fit the digits to ~95% validation accuracy; the grid is cut to 12 x 16 to stay within a
    # few minutes on 2 cores
    "digits": SweepConfig(
        preset="digits",
        data=DigitsSpec(n_train=300),
        width=64,
        lrs=log_grid(1e-4, 0.1, 12),
        decay_fractions=log_grid(1e-6, 0.3, 16),
        steps=800,
        batch_size=32,
    ),
    # decay helps (issue 12): 30% of 280 training labels flipped and a network that memorises
    # them; width 64 and 3,000 steps keep it within the report's budget (about 40 s on 2 cores)
    # with a decay margin above the seed spread. Two learning rates: at 1e-3 the network does
    # not memorise in 3,000 steps (it stops early, in effect) and needs no decay
    "noisy": SweepConfig(
        preset="noisy",
        data=SpiralSpec(n_points=400, label_noise=0.3),
        width=64,
        lrs=log_grid(3e-3, 1e-2, 2),
        decay_fractions=log_grid(1e-6, 0.1, 6),
        steps=3000,
        batch_size=32,
    ),
    # the same data at research scale: wider, twice as long, a finer grid and 5 seeds (about
    # 12 minutes on 2 cores: run it with `wdproof sweep --preset noisy-wide`; the report
    # shows it when its results are cached)
    "noisy-wide": SweepConfig(
        preset="noisy-wide",
        data=SpiralSpec(n_points=400, label_noise=0.3),
        width=128,
        lrs=log_grid(1e-3, 1e-2, 4),
        decay_fractions=log_grid(1e-6, 0.1, 8),
        seeds=(0, 1, 2, 3, 4),
        steps=6000,
        batch_size=32,
    ),
}


def preset(name: str, **overrides) -> SweepConfig:
    """The named preset with ``overrides`` applied, validated (unknown name: InputError)."""
    try:
        base = PRESETS[name]
    except KeyError:
        raise InputError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}") from None
    return dataclasses.replace(base, **overrides).validate()
