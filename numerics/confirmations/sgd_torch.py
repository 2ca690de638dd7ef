"""Paper Alg. 1 on ``torch.optim.SGD``: the oracle every SGD confirmation compares with.

``torch.optim`` has no SGDW, so it is built from the oracle. An Alg. 1 rule
(:class:`~wdproof.numerics.optimizers.rules.SGDW`: ``alpha``, ``beta1``, ``l2_coefficient``,
``decay_rate``, ``schedule``) becomes ``torch.optim.SGD(lr=alpha, momentum=beta1,
weight_decay=l2_coefficient)`` with learning rate ``alpha eta_t`` at step ``t`` and the
decoupled decay ``theta <- (1 - eta_t lambda) theta`` applied just before each step (after the
gradient at ``theta_{t-1}`` is taken, so it acts on ``theta_{t-1}`` as in Alg. 1 line 9).
With a constant multiplier this is Alg. 1 exactly (claim ``pytorch-sgd-momentum-matches-alg1``);
with a moving one PyTorch rescales its whole buffer (``pytorch-sgd-momentum-schedule-gap``).
The same rule run by :func:`~wdproof.numerics.optimizers.trajectory.run_rule` is Alg. 1 written
out line by line, the independent reference.

Tolerance 1e-12 for equalities (float64, <= 100 steps); separations must exceed 1e-6.
"""

from __future__ import annotations

import dataclasses

import torch

from wdproof.numerics.optimizers.problems import (
    Params,
    Problem,
    logistic_regression,
    mlp_regression,
)
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.schedules import Schedule
from wdproof.numerics.optimizers.trajectory import Stepper, TorchStepper, run

STEPS = 60
TOLERANCE = 1e-12
SEPARATION = 1e-6


def problems() -> tuple[Problem, ...]:
    """The training problems of the momentum confirmations."""
    return (logistic_regression(seed=3), mlp_regression(seed=4))


def constant_multiplier(eta: float) -> Schedule:
    """``eta_t = eta`` at every step ``t``."""
    return lambda _t: eta


def torch_sgd(rule: SGDW, buffers: Params | None = None) -> TorchStepper:
    """``torch.optim.SGD`` taking the steps of the Alg. 1 ``rule`` (see the module docstring).

    ``buffers``, if given, are PyTorch's momentum buffers ``v_{t-1}`` to start from (one per
    parameter tensor), so a run can resume from a state another run reached.
    """

    def make(params: Params) -> torch.optim.Optimizer:
        optimizer = torch.optim.SGD(
            params, lr=rule.alpha, momentum=rule.beta1, weight_decay=rule.l2_coefficient
        )
        if buffers is not None:
            for p, buffer in zip(params, buffers, strict=True):
                optimizer.state[p]["momentum_buffer"] = buffer.clone()
        return optimizer

    def decoupled_decay(params: Params, t: int) -> None:
        for p in params:
            # theta_{t-1} <- (1 - eta_t lambda) theta_{t-1}: decoupled, outside the buffer
            p.mul_(1.0 - rule.schedule(t) * rule.decay_rate)

    return TorchStepper(make, lr_multiplier=rule.schedule, before_step=decoupled_decay)


def torch_sgd_trajectory(problem: Problem, rule: SGDW, steps: int) -> list[Params]:
    """The iterates of :func:`torch_sgd` over ``steps`` steps ``t = 1, ..., steps``."""
    return run(problem, torch_sgd(rule), steps)


class RecordingGradients:
    """A stepper that records ``g_t = grad f_t(theta_{t-1})`` (the ``p.grad`` that
    :func:`~wdproof.numerics.optimizers.trajectory.run` set) before ``inner`` takes step ``t``:
    the gradients a run actually used."""

    def __init__(self, inner: Stepper):
        self.inner = inner
        self.gradients: list[Params] = []

    def start(self, params: Params) -> None:
        self.inner.start(params)

    def step(self, params: Params, t: int) -> None:
        self.gradients.append([p.grad.detach().clone() for p in params])
        self.inner.step(params, t)


def resumed(problem: Problem, theta: Params, steps_taken: int) -> Problem:
    """``problem`` from ``theta`` after ``steps_taken`` steps: its step ``t`` is ``f_{taken+t}``."""
    return dataclasses.replace(
        problem,
        initial_values=tuple(theta),
        loss=lambda params, t: problem.loss(params, steps_taken + t),
    )
