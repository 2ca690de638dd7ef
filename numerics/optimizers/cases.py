"""The table of reference-optimizer cases: rule x hyperparameters x problem -> torch.optim.

Like torch's ``OptimizerInfo``, one table drives the test that matches every rule of
:mod:`wdproof.numerics.optimizers.rules` against ``torch.optim`` step by step in float64.
Each :class:`OptimizerCase` names the reference rule(s), the ``torch.optim`` constructor they
must reproduce, and how the paper's conventions map onto PyTorch's:

* the schedule multiplier ``eta_t`` becomes PyTorch's learning rate ``lr * eta_t`` (set on
  every parameter group before step ``t``, as ``LambdaLR`` would);
* the paper's AdamW decay ``eta_t lambda`` becomes ``weight_decay = lambda / alpha``
  (claim ``adamw-paper-decay-equals-torch-decay``);
* SGDW's decoupled decay (paper Alg. 1, constant ``eta``) becomes ``torch.optim.SGD`` with
  ``lr = eta alpha`` after multiplying ``theta`` by ``1 - eta lambda`` (``shrink``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from wdproof.numerics.optimizers.conventions import DecayConvention
from wdproof.numerics.optimizers.problems import (
    Params,
    Problem,
    logistic_regression,
    mlp_regression,
)
from wdproof.numerics.optimizers.rules import (
    SGD,
    SGDW,
    AdaGrad,
    AdamRule,
    Rule,
    adam,
    adamw,
    bias_corrected_rmsprop,
)
from wdproof.numerics.optimizers.schedules import Schedule, constant_schedule, cosine_schedule
from wdproof.numerics.optimizers.trajectory import run_rule, run_torch

STEPS = 120
TOLERANCE = 1e-12

TorchFactory = Callable[[Params], torch.optim.Optimizer]


@dataclass(frozen=True)
class OptimizerCase:
    """One row: reference ``rules`` must reproduce ``make_torch`` on ``problem``.

    ``schedule`` scales every group's PyTorch learning rate at step ``t``; ``shrink(t)``, if
    set, multiplies the parameters by ``1 - shrink(t)`` before PyTorch's step.
    """

    id: str
    rules: Rule | Sequence[Rule]
    make_torch: TorchFactory
    problem: Callable[[], Problem] = logistic_regression
    schedule: Schedule = constant_schedule
    shrink: Callable[[int], float] | None = None
    steps: int = STEPS


def run_torch_case(case: OptimizerCase) -> list[Params]:
    """Run the ``torch.optim`` side of ``case``; parameters after each step."""

    def shrink(params: Params, t: int) -> None:
        for p in params:
            p.mul_(1 - case.shrink(t))

    hook = shrink if case.shrink is not None else None
    return run_torch(case.problem(), case.make_torch, case.steps, case.schedule, hook)


def run_rule_case(case: OptimizerCase) -> list[Params]:
    """Run the reference side of ``case``; parameters after each step."""
    return run_rule(case.problem(), case.rules, case.steps)


def _torch(cls, **hyper) -> TorchFactory:
    return lambda params: cls(params, foreach=False, **hyper)


COSINE = cosine_schedule(STEPS, eta_min=0.1)
MLP = mlp_regression

CASES: tuple[OptimizerCase, ...] = (
    OptimizerCase("sgd-plain", SGD(lr=0.5), _torch(torch.optim.SGD, lr=0.5)),
    OptimizerCase(
        "sgd-momentum",
        SGD(lr=0.1, momentum=0.9),
        _torch(torch.optim.SGD, lr=0.1, momentum=0.9),
        problem=MLP,
    ),
    OptimizerCase(
        "sgd-dampening-l2",
        SGD(lr=0.2, momentum=0.8, dampening=0.3, l2_coefficient=1e-2),
        _torch(torch.optim.SGD, lr=0.2, momentum=0.8, dampening=0.3, weight_decay=1e-2),
    ),
    OptimizerCase(
        "sgd-nesterov-l2-scheduled",
        SGD(lr=0.1, momentum=0.9, nesterov=True, l2_coefficient=5e-3, schedule=COSINE),
        _torch(torch.optim.SGD, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-3),
        problem=MLP,
        schedule=COSINE,
    ),
    OptimizerCase(
        "sgdw-momentum-eta",  # alpha = 0.2, eta = 0.5 constant, lambda = 0.02
        SGDW(alpha=0.2, beta1=0.9, decay_rate=0.02, schedule=lambda t: 0.5),
        _torch(torch.optim.SGD, lr=0.1, momentum=0.9),
        problem=MLP,
        shrink=lambda t: 0.5 * 0.02,
    ),
    OptimizerCase(
        # L2 alone: torch's L2 would see the shrunk theta if decay were on as well
        "sgdw-l2",
        SGDW(alpha=0.3, beta1=0.5, l2_coefficient=1e-3),
        _torch(torch.optim.SGD, lr=0.3, momentum=0.5, weight_decay=1e-3),
    ),
    OptimizerCase("adam-defaults", adam(), _torch(torch.optim.Adam)),
    OptimizerCase(
        "adam-large-lr",
        adam(lr=0.3, betas=(0.8, 0.99)),
        _torch(torch.optim.Adam, lr=0.3, betas=(0.8, 0.99)),
    ),
    OptimizerCase(
        "adam-l2-large-eps",
        adam(lr=0.05, eps=0.1, weight_decay=0.1),
        _torch(torch.optim.Adam, lr=0.05, eps=0.1, weight_decay=0.1),
        problem=MLP,
    ),
    OptimizerCase(
        "amsgrad",
        adam(lr=0.05, betas=(0.9, 0.99), amsgrad=True),
        _torch(torch.optim.Adam, lr=0.05, betas=(0.9, 0.99), amsgrad=True),
        problem=MLP,
    ),
    OptimizerCase("adamw-defaults", adamw(), _torch(torch.optim.AdamW), problem=MLP),
    OptimizerCase(
        "adamw-strong-decay-amsgrad",
        adamw(lr=0.1, weight_decay=0.5, amsgrad=True),
        _torch(torch.optim.AdamW, lr=0.1, weight_decay=0.5, amsgrad=True),
    ),
    OptimizerCase(
        "adamw-torch-decay-scheduled",
        adamw(lr=0.05, weight_decay=0.1, schedule=COSINE),
        _torch(torch.optim.AdamW, lr=0.05, weight_decay=0.1),
        problem=MLP,
        schedule=COSINE,
    ),
    OptimizerCase(
        # paper Alg. 2: alpha = 0.05, lambda = 0.004 -> PyTorch weight_decay = lambda / alpha
        "adamw-paper-decay-scheduled",
        AdamRule(lr=0.05, decay_rate=0.004, convention=DecayConvention.PAPER, schedule=COSINE),
        _torch(torch.optim.AdamW, lr=0.05, weight_decay=0.004 / 0.05),
        problem=MLP,
        schedule=COSINE,
    ),
    OptimizerCase(
        "adamw-param-groups",
        [adamw(lr=0.1, weight_decay=0.3)] + [adamw(lr=0.01, weight_decay=0.0)],
        lambda ps: torch.optim.AdamW(
            [
                {"params": ps[:1], "lr": 0.1, "weight_decay": 0.3},
                {"params": ps[1:], "weight_decay": 0.0},
            ],
            lr=0.01,
            foreach=False,
        ),
    ),
    OptimizerCase(
        "rmsprop-bias-corrected",
        bias_corrected_rmsprop(lr=0.01, beta2=0.99),
        _torch(torch.optim.Adam, lr=0.01, betas=(0.0, 0.99)),
        problem=MLP,
    ),
    OptimizerCase(
        "rmsprop-bias-corrected-l2",
        bias_corrected_rmsprop(lr=0.05, beta2=0.9, l2_coefficient=0.1),
        _torch(torch.optim.Adam, lr=0.05, betas=(0.0, 0.9), weight_decay=0.1),
    ),
    OptimizerCase("adagrad-defaults", AdaGrad(), _torch(torch.optim.Adagrad), problem=MLP),
    OptimizerCase(
        "adagrad-decay-l2-accumulator",
        AdaGrad(lr=0.5, lr_decay=0.01, l2_coefficient=1e-2, initial_accumulator_value=0.1),
        _torch(
            torch.optim.Adagrad,
            lr=0.5,
            lr_decay=0.01,
            weight_decay=1e-2,
            initial_accumulator_value=0.1,
        ),
    ),
)
