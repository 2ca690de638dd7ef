r"""One sweep cell as an ordinary training problem, with its reference rule and torch.optim set-up.

The batched engine trains thousands of cells with its own vectorised kernel
(:mod:`~wdproof.numerics.sweep.batched_adam`). This module states what each cell is meant to
compute, one cell at a time, in the terms of :mod:`wdproof.numerics.optimizers`:

* :func:`cell_problem` -- the cell's objective ``f_t``: the MLP on the ``t``-th minibatch of the
  seed's order (:func:`~wdproof.numerics.sweep.engine.batch_schedule`), from the seed's initial
  weights, as a :class:`~wdproof.numerics.optimizers.problems.Problem` for
  :func:`~wdproof.numerics.optimizers.trajectory.run`;
* :func:`reference_rule` -- the variant's update rule (:class:`AdamRule`, :class:`SGD` or
  :class:`SGDW`) with the cell's ``(lr, wd)``;
* :func:`torch_stepper` -- the ``torch.optim`` optimizer the variant reproduces (the oracle).

Both switch on the variant's family and :class:`DecayConvention`, as the kernel does; the
paper's multiplier ``eta`` applies to the paper's convention only (see
:mod:`~wdproof.numerics.sweep.batched_adam`). The tests check the kernel against both, cell by
cell, and ``benchmarks/sweep_benchmark.py`` times :func:`torch_stepper` as the per-cell loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from wdproof.numerics.optimizers.conventions import DecayConvention, Variant
from wdproof.numerics.optimizers.problems import Params, Problem
from wdproof.numerics.optimizers.rules import SGD, SGDW, AdamRule, Rule
from wdproof.numerics.optimizers.trajectory import TorchStepper
from wdproof.numerics.sweep.batched_mlp import MLPShape, init_params, split_params
from wdproof.numerics.sweep.engine import batch_schedule
from wdproof.numerics.sweep.labelled import Dataset


def cell_problem(
    data: Dataset,
    shape: MLPShape,
    seed: int,
    steps: int,
    batch_size: int,
    dtype: torch.dtype = torch.float64,
) -> Problem:
    """``f_t``, ``t = 1..steps``: the MLP's mean cross-entropy on minibatch ``t`` of ``seed``'s
    order (binary for two classes, softmax for more: ``torch.nn.functional``'s own losses).

    The parameters are the per-layer tensors ``W_1, b_1, W_2, ...`` of ``init_params(shape,
    seed)``, in the layout of a flat engine row (:func:`row`).
    """
    data = data.to(dtype)
    order = batch_schedule(len(data.y_train), batch_size, steps, seed)
    flat = init_params(shape, seed, dtype).unsqueeze(0)
    initial = tuple(t[0].clone() for layer in split_params(flat, shape) for t in layer)

    def loss(params: Sequence[torch.Tensor], t: int) -> torch.Tensor:
        rows = order[t - 1]
        z, y = logits(params, data.x_train[rows]), data.y_train[rows]
        if data.n_classes == 2:
            return F.binary_cross_entropy_with_logits(z, y)
        return F.cross_entropy(z, y.long())

    return Problem(f"sweep-cell-{data.n_classes}-classes-seed{seed}", initial, loss)


def logits(params: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """One cell's MLP on the points ``x`` (``(n, in_dim)``): its logits, shape ``(n,)`` for one
    output, ``(n, out_dim)`` for more."""
    h = x
    for i in range(0, len(params), 2):
        # z_l = h_{l-1} W_l^T + b_l; h_l = relu(z_l) below the output layer
        h = F.linear(h, params[i], params[i + 1])
        if i + 2 < len(params):
            h = h.relu()
    return h.squeeze(1) if h.shape[1] == 1 else h


def row(params: Params) -> torch.Tensor:
    """The flat parameter vector of one cell (a row of the engine's parameter tensor)."""
    return torch.cat([p.detach().reshape(-1) for p in params])


def _paper_eta(variant: Variant, eta: float) -> float:
    """``eta_t`` of ``variant``: ``eta`` under the paper's convention, else 1 (no scheduler)."""
    return eta if variant.convention is DecayConvention.PAPER else 1.0


def reference_rule(
    variant: Variant,
    lr: float,
    wd: float,
    *,
    eta: float = 1.0,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> Rule:
    """The update rule of ``variant`` at the cell ``(lr, wd)``; ``wd`` is ``lambda'`` under L2,
    ``lambda`` when decoupled. ``ValueError`` for a variant without one."""
    convention, multiplier = variant.convention, _paper_eta(variant, eta)

    def schedule(_t: int) -> float:
        return multiplier

    if variant.family == "adam":
        if convention is DecayConvention.L2:
            return AdamRule(lr, betas, eps, l2_coefficient=wd)
        return AdamRule(lr, betas, eps, decay_rate=wd, convention=convention, schedule=schedule)
    if variant.family == "sgd" and convention is DecayConvention.L2:
        return SGD(lr, l2_coefficient=wd)
    if variant.family == "sgd" and convention is DecayConvention.PAPER:
        # paper Alg. 1 with beta1 = 0: theta_t = theta_{t-1} - eta alpha g_t - eta lambda theta
        return SGDW(alpha=lr, decay_rate=wd, schedule=schedule)
    raise ValueError(f"no reference rule for variant {variant.name!r}")


def torch_stepper(
    variant: Variant,
    lr: float,
    wd: float,
    *,
    eta: float = 1.0,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> TorchStepper:
    """The ``torch.optim`` optimizer ``variant`` reproduces at ``(lr, wd)``, as a stepper for
    :func:`~wdproof.numerics.optimizers.trajectory.run`. ``ValueError`` for a variant
    without one.

    The paper's AdamW decay ``eta lambda`` is ``torch.optim.AdamW`` at ``lr = eta alpha`` and
    ``weight_decay = lambda / alpha``; SGDW is ``torch.optim.SGD`` at ``lr = eta alpha`` after
    multiplying ``theta`` by ``1 - eta lambda``.
    """
    convention, multiplier = variant.convention, _paper_eta(variant, eta)
    adam_args = {"betas": betas, "eps": eps}

    def shrink(params: Params, _t: int) -> None:
        for p in params:
            # theta <- (1 - eta lambda) theta: SGDW's decoupled decay
            p.mul_(1 - multiplier * wd)

    if variant.family == "adam" and convention is DecayConvention.L2:
        return TorchStepper(lambda ps: torch.optim.Adam(ps, lr=lr, weight_decay=wd, **adam_args))
    if variant.family == "adam" and convention is DecayConvention.TORCH:
        return TorchStepper(lambda ps: torch.optim.AdamW(ps, lr=lr, weight_decay=wd, **adam_args))
    if variant.family == "adam" and convention is DecayConvention.PAPER:
        return TorchStepper(
            lambda ps: torch.optim.AdamW(ps, lr=multiplier * lr, weight_decay=wd / lr, **adam_args)
        )
    if variant.family == "sgd" and convention is DecayConvention.L2:
        return TorchStepper(lambda ps: torch.optim.SGD(ps, lr=lr, weight_decay=wd))
    if variant.family == "sgd" and convention is DecayConvention.PAPER:
        return TorchStepper(lambda ps: torch.optim.SGD(ps, lr=multiplier * lr), before_step=shrink)
    raise ValueError(f"no torch.optim set-up for variant {variant.name!r}")
