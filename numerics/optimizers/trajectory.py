"""One trajectory runner: step ``t = 1, ..., T`` differentiates ``f_t`` and updates in place.

Every confirmation and test runs its methods through :func:`run`, so a reference rule and
``torch.optim`` see the same gradients at the same ``t``, with one step-indexing convention:
``t`` is the step being taken (``t = 1`` first), the minibatch of ``f_t``, the exponent of the
bias corrections and the argument of the schedule ``eta_t``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import torch

from wdproof.numerics.optimizers.problems import Params, Problem
from wdproof.numerics.optimizers.rules import Rule
from wdproof.numerics.optimizers.schedules import Schedule, constant_schedule

#: ``hook(params, t)`` runs under ``torch.no_grad()`` with ``p.grad`` set to ``grad f_t``.
Hook = Callable[[Params, int], None]


class Stepper(Protocol):
    """Updates ``params`` in place at step ``t`` from the gradients in ``p.grad``."""

    def start(self, params: Params) -> None: ...

    def step(self, params: Params, t: int) -> None: ...


def run(problem: Problem, stepper: Stepper, steps: int) -> list[Params]:
    """Run ``stepper`` on ``f_1, ..., f_steps``; the parameters after each step (copies)."""
    params = problem.initial()
    stepper.start(params)
    history: list[Params] = []
    for t in range(1, steps + 1):
        for p in params:
            p.grad = None
        problem.loss(params, t).backward()
        with torch.no_grad():
            stepper.step(params, t)
        history.append([p.detach().clone() for p in params])
    return history


class RuleStepper:
    """Reference rules, one for all tensors or one per tensor."""

    def __init__(self, rules: Rule | Sequence[Rule]):
        self.rules = rules

    def start(self, params):
        rules = self.rules
        self.per_tensor = list(rules) if isinstance(rules, Sequence) else [rules] * len(params)
        if len(self.per_tensor) != len(params):
            raise ValueError(f"{len(self.per_tensor)} rules for {len(params)} parameter tensors")
        with torch.no_grad():
            self.states = [r.init(p.detach()) for r, p in zip(self.per_tensor, params, strict=True)]

    def step(self, params, t):
        for i, (rule, p) in enumerate(zip(self.per_tensor, params, strict=True)):
            theta, self.states[i] = rule.update(p.detach().clone(), p.grad, self.states[i], t)
            p.copy_(theta)


class TorchStepper:
    """A ``torch.optim`` optimizer; its learning rates are ``lr * lr_multiplier(t)`` at step
    ``t`` (as ``LambdaLR`` would set them) and ``before_step(params, t)`` runs just before
    ``optimizer.step()`` (where explicit decoupled decay goes)."""

    def __init__(
        self,
        make_optimizer: Callable[[Params], torch.optim.Optimizer],
        lr_multiplier: Schedule = constant_schedule,
        before_step: Hook | None = None,
    ):
        self.make_optimizer = make_optimizer
        self.lr_multiplier = lr_multiplier
        self.before_step = before_step

    def start(self, params):
        self.optimizer = self.make_optimizer(params)
        self.base_lrs = [group["lr"] for group in self.optimizer.param_groups]

    def step(self, params, t):
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * self.lr_multiplier(t)
        if self.before_step is not None:
            self.before_step(params, t)
        self.optimizer.step()


def run_rule(problem: Problem, rules: Rule | Sequence[Rule], steps: int) -> list[Params]:
    """:func:`run` with reference rules."""
    return run(problem, RuleStepper(rules), steps)


def run_torch(
    problem: Problem,
    make_optimizer: Callable[[Params], torch.optim.Optimizer],
    steps: int,
    lr_multiplier: Schedule = constant_schedule,
    before_step: Hook | None = None,
) -> list[Params]:
    """:func:`run` with a ``torch.optim`` optimizer (see :class:`TorchStepper`)."""
    return run(problem, TorchStepper(make_optimizer, lr_multiplier, before_step), steps)


def max_deviation(a: Sequence[Params], b: Sequence[Params]) -> float:
    """``max_t max_i |a_t[i] - b_t[i]|`` over two trajectories of equal length."""
    if len(a) != len(b):
        raise ValueError(f"trajectories differ in length: {len(a)} vs {len(b)}")
    return max(
        float((x - y).abs().max())
        for pa, pb in zip(a, b, strict=True)
        for x, y in zip(pa, pb, strict=True)
    )
