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
* :func:`torch_stepper` -- the ``torch.optim`` optimizer the variant reproduces (the oracle),
  with the ``torch.optim.lr_scheduler`` of its schedule (:func:`torch_scheduler`).

Both switch on the variant's family and :class:`DecayConvention`, as the kernel does; the
schedule multiplier ``eta_t`` scales every variant by one rule (stated in
:mod:`~wdproof.numerics.sweep.batched_adam`). The tests check the kernel against both, cell by
cell, and ``benchmarks/sweep_benchmark.py`` times :func:`torch_stepper` as the per-cell loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from wdproof.numerics.optimizers.conventions import DecayConvention, Variant
from wdproof.numerics.optimizers.problems import Params, Problem
from wdproof.numerics.optimizers.rules import SGD, SGDW, AdamRule, Rule
from wdproof.numerics.optimizers.schedules import Constant, Cosine, WarmRestarts, make_schedule
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


def _multiplier(schedule, eta: float):
    """``t -> eta s(t)``: the multiplier of every variant at step ``t`` (a schedule object or
    name needs ``steps`` to be built; a name is resolved by :func:`_schedule_object`)."""

    def eta_t(t: int) -> float:
        return eta * schedule(t)

    return eta_t


def _schedule_object(schedule, steps: int | None):
    """The schedule object for ``schedule`` (an object, or a name built for ``steps`` steps)."""
    if not isinstance(schedule, str):
        return schedule
    if schedule != "constant" and steps is None:
        raise ValueError(f"schedule {schedule!r} by name needs the run's steps")
    return make_schedule(schedule, steps or 1)


def reference_rule(
    variant: Variant,
    lr: float,
    wd: float,
    *,
    eta: float = 1.0,
    schedule="constant",
    steps: int | None = None,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> Rule:
    """The update rule of ``variant`` at the cell ``(lr, wd)`` under the multiplier ``eta_t = eta
    s(t)`` (``schedule``: an object of :mod:`~wdproof.numerics.optimizers.schedules`, or its
    name with ``steps``); ``wd`` is ``lambda'`` under L2, ``lambda`` when decoupled, per step.
    ``ValueError`` for a variant without one.

    Every rule takes ``eta_t`` as its schedule: Adam + L2 and SGD + L2 step by ``lr eta_t``
    (``lambda'`` fixed), PyTorch's AdamW also decays by ``lr eta_t lambda``, the paper's AdamW
    and SGDW by ``eta_t lambda`` (:mod:`~wdproof.numerics.sweep.batched_adam`).
    """
    convention = variant.convention
    multiplier = _multiplier(_schedule_object(schedule, steps), eta)
    if variant.family == "adam":
        if convention is DecayConvention.L2:
            return AdamRule(lr, betas, eps, l2_coefficient=wd, schedule=multiplier)
        return AdamRule(lr, betas, eps, decay_rate=wd, convention=convention, schedule=multiplier)
    if variant.family == "sgd" and convention is DecayConvention.L2:
        return SGD(lr, l2_coefficient=wd, schedule=multiplier)
    if variant.family == "sgd" and convention is DecayConvention.PAPER:
        # paper Alg. 1 with beta1 = 0: theta_t = theta_{t-1} - eta_t alpha g_t - eta_t lambda theta
        return SGDW(alpha=lr, decay_rate=wd, schedule=multiplier)
    raise ValueError(f"no reference rule for variant {variant.name!r}")


def torch_scheduler(schedule, optimizer: torch.optim.Optimizer):
    """The ``torch.optim.lr_scheduler`` that sets ``lr_t = lr s(t)`` for ``schedule``, stepped
    once per optimizer step (after it), or None for the constant schedule.

    Cosine: ``CosineAnnealingLR(T_max=total_steps)``; warm restarts:
    ``CosineAnnealingWarmRestarts(T_0=first_period, T_mult=period_factor)``; torch's
    ``eta_min`` is a learning rate, so it is ``eta_min`` times the group's base ``lr``. Any
    other schedule object: ``LambdaLR`` with ``s(epoch + 1)`` (torch's epoch 0 is step 1).
    """
    from torch.optim import lr_scheduler

    base = optimizer.param_groups[0]["lr"]
    if isinstance(schedule, Constant):
        return None
    if isinstance(schedule, Cosine):
        return lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=schedule.total_steps, eta_min=schedule.eta_min * base
        )
    if isinstance(schedule, WarmRestarts):
        return lr_scheduler.CosineAnnealingWarmRestarts(
            optimizer,
            T_0=schedule.first_period,
            T_mult=schedule.period_factor,
            eta_min=schedule.eta_min * base,
        )
    return lr_scheduler.LambdaLR(optimizer, lambda epoch: schedule(epoch + 1))


class ScheduledTorchStepper:
    """A ``torch.optim`` optimizer and its ``lr_scheduler``, for
    :func:`~wdproof.numerics.optimizers.trajectory.run`: at step ``t``, ``before_step(params,
    t)`` (where explicit decoupled decay goes), ``optimizer.step()``, then ``scheduler.step()``,
    as a training loop calls them."""

    def __init__(
        self,
        make_optimizer: Callable[[Params], torch.optim.Optimizer],
        schedule,
        before_step: Callable[[Params, int], None] | None = None,
    ):
        self.make_optimizer, self.schedule, self.before_step = make_optimizer, schedule, before_step

    def start(self, params: Params) -> None:
        self.optimizer = self.make_optimizer(params)
        self.scheduler = torch_scheduler(self.schedule, self.optimizer)

    def step(self, params: Params, t: int) -> None:
        if self.before_step is not None:
            self.before_step(params, t)
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()


def torch_stepper(
    variant: Variant,
    lr: float,
    wd: float,
    *,
    eta: float = 1.0,
    schedule="constant",
    steps: int | None = None,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> ScheduledTorchStepper:
    """The ``torch.optim`` optimizer ``variant`` reproduces at ``(lr, wd)``, under the
    ``lr_scheduler`` of ``schedule`` (:func:`torch_scheduler`), as a stepper for
    :func:`~wdproof.numerics.optimizers.trajectory.run`. ``ValueError`` for a variant
    without one.

    The constant factor ``eta`` goes into the base learning rate: ``Adam(lr = eta lr,
    weight_decay = lambda')``, ``AdamW(lr = eta lr, weight_decay = wd)``; the paper's AdamW
    decay ``eta_t lambda`` is ``AdamW`` at ``lr = eta alpha`` and ``weight_decay = lambda /
    alpha`` (the scheduler then scales step and decay together); SGDW is ``SGD`` at ``lr = eta
    alpha`` after multiplying ``theta`` by ``1 - eta_t lambda``.
    """
    convention = variant.convention
    schedule = _schedule_object(schedule, steps)
    multiplier = _multiplier(schedule, eta)
    adam_args = {"betas": betas, "eps": eps}
    base = eta * lr

    def shrink(params: Params, t: int) -> None:
        for p in params:
            # theta <- (1 - eta_t lambda) theta: SGDW's decoupled decay
            p.mul_(1 - multiplier(t) * wd)

    def stepper(make, before_step=None) -> ScheduledTorchStepper:
        return ScheduledTorchStepper(make, schedule, before_step)

    if variant.family == "adam" and convention is DecayConvention.L2:
        return stepper(lambda ps: torch.optim.Adam(ps, lr=base, weight_decay=wd, **adam_args))
    if variant.family == "adam" and convention is DecayConvention.TORCH:
        return stepper(lambda ps: torch.optim.AdamW(ps, lr=base, weight_decay=wd, **adam_args))
    if variant.family == "adam" and convention is DecayConvention.PAPER:
        return stepper(lambda ps: torch.optim.AdamW(ps, lr=base, weight_decay=wd / lr, **adam_args))
    if variant.family == "sgd" and convention is DecayConvention.L2:
        return stepper(lambda ps: torch.optim.SGD(ps, lr=base, weight_decay=wd))
    if variant.family == "sgd" and convention is DecayConvention.PAPER:
        return stepper(lambda ps: torch.optim.SGD(ps, lr=base), before_step=shrink)
    raise ValueError(f"no torch.optim set-up for variant {variant.name!r}")
