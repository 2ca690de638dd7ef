"""The autograder's case table (problem set Q2.a): one row per check, read by every consumer.

Each :class:`GradingCheck` constructs an ``Adam`` or ``AdamW`` with stated hyperparameters (or
parameter groups) on a small deterministic problem -- three tensors of different shapes,
:func:`make_problem` -- for ``STEPS`` steps. :data:`CHECKS` drives, row by row:

* the grader (:mod:`~wdproof.numerics.grading.grader`): the student's class, run in the
  sandbox (:meth:`GradingCheck.spec`), against :func:`trajectory_of`, the reference rule of
  :mod:`wdproof.numerics.optimizers.rules` (a known mistake's trajectory: the same rule with that
  mistake applied, :mod:`wdproof.numerics.grading.mistakes`);
* the solution key's comparison (:mod:`~wdproof.numerics.grading.solution_match`): the model
  solution and the reference rule against ``torch.optim`` on the same rows, which the report's
  table renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from wdproof.numerics.grading.mistakes import Mistake
from wdproof.numerics.optimizers.problems import Params, Problem
from wdproof.numerics.optimizers.rules import AdamRule, adam, adamw
from wdproof.numerics.optimizers.trajectory import run_rule

STEPS = 25
SHAPES = ((3, 4), (4,), (2, 3))
Trajectory = list[list[torch.Tensor]]


def make_problem(seed: int, shapes=SHAPES, n_targets: int = 8) -> Problem:
    """``f_t(p) = sum_i 1/2 sum s_i (p_i - c_{i,t})^2 + 1/20 (sum_i sum tanh p_i)^2``, ``t >= 1``.

    Scales ``s_i`` span three orders of magnitude per coordinate, so L2 and decoupled decay
    (and the other known mistakes) separate quickly; targets ``c_{i,t}`` cycle over
    ``n_targets`` draws (a stochastic objective).
    """
    dtype = torch.float64
    gen = torch.Generator().manual_seed(seed)
    initial, scales, targets = [], [], []
    for shape in shapes:
        initial.append(torch.randn(*shape, generator=gen, dtype=dtype))
        scales.append(10.0 ** (3 * torch.rand(*shape, generator=gen, dtype=dtype) - 1.5))
        targets.append(torch.randn(n_targets, *shape, generator=gen, dtype=dtype))

    def loss(params, t: int):
        # c_{i,t}: the targets cycle, step t = 1 takes the first draw
        fit = sum(
            0.5 * (s * (p - c[(t - 1) % n_targets]) ** 2).sum()
            for p, s, c in zip(params, scales, targets, strict=True)
        )
        coupling = sum(torch.tanh(p).sum() for p in params)
        return fit + 0.05 * coupling**2

    return Problem(f"grading-seed-{seed}", tuple(initial), loss)


@dataclass(frozen=True)
class GradingCheck:
    """One autograder check: ``class_name(params, **hyper)`` (or with parameter ``groups``,
    whose ``"params"`` are indices into the problem's tensors)."""

    name: str
    description: str
    points: int
    class_name: str
    hyper: dict = field(default_factory=dict)
    groups: tuple[dict, ...] = ()
    seed: int = 0

    def spec(self) -> dict:
        """The JSON the student-side runner receives."""
        return {
            "name": self.name,
            "class": self.class_name,
            "hyper": self.hyper,
            "groups": list(self.groups),
            "seed": self.seed,
            "shapes": [list(s) for s in SHAPES],
            "steps": STEPS,
        }

    def problem(self) -> Problem:
        return make_problem(self.seed)

    def construct(self, cls: type[torch.optim.Optimizer], params: Params) -> torch.optim.Optimizer:
        """``cls`` built as this check builds the student's class (in-process, for the key)."""
        groups = [
            {
                **{k: v for k, v in g.items() if k != "params"},
                "params": [params[i] for i in g["params"]],
            }
            for g in self.groups
        ]
        return cls(groups or params, **self.hyper)

    def reference_rules(self) -> list[AdamRule]:
        """The reference rule of every tensor (a group's settings override the defaults)."""
        build = adam if self.class_name == "Adam" else adamw
        settings = [dict(self.hyper) for _ in SHAPES]
        for group in self.groups:
            for index in group["params"]:
                settings[index].update({k: v for k, v in group.items() if k != "params"})
        return [build(**s) for s in settings]


CHECKS: tuple[GradingCheck, ...] = (
    GradingCheck("adam-defaults", "Adam(params) with PyTorch's defaults", 2, "Adam", seed=1),
    GradingCheck(
        "adam-betas",
        "Adam with lr=0.05, betas=(0.8, 0.95)",
        2,
        "Adam",
        {"lr": 0.05, "betas": (0.8, 0.95)},
        seed=2,
    ),
    GradingCheck(
        "adam-large-lr", "Adam with a large learning rate, lr=0.5", 2, "Adam", {"lr": 0.5}, seed=3
    ),
    GradingCheck(
        "adam-large-eps",
        "Adam with eps=0.5: where eps enters the denominator",
        2,
        "Adam",
        {"lr": 0.05, "eps": 0.5},
        seed=4,
    ),
    GradingCheck(
        "adam-l2",
        "Adam with weight_decay=0.1 (L2 regularization)",
        2,
        "Adam",
        {"lr": 0.02, "weight_decay": 0.1},
        seed=5,
    ),
    GradingCheck(
        "adamw-defaults",
        "AdamW(params) with PyTorch's defaults (weight_decay=0.01)",
        2,
        "AdamW",
        seed=6,
    ),
    GradingCheck(
        "adamw-no-decay",
        "AdamW with weight_decay=0 (must equal Adam)",
        2,
        "AdamW",
        {"lr": 0.05, "weight_decay": 0.0},
        seed=7,
    ),
    GradingCheck(
        "adamw-strong-decay",
        "AdamW with lr=0.1, weight_decay=0.5",
        2,
        "AdamW",
        {"lr": 0.1, "weight_decay": 0.5},
        seed=8,
    ),
    GradingCheck(
        "adamw-large-lr-eps",
        "AdamW with lr=0.3, betas=(0.5, 0.9), eps=0.1, weight_decay=0.1",
        2,
        "AdamW",
        {"lr": 0.3, "betas": (0.5, 0.9), "eps": 0.1, "weight_decay": 0.1},
        seed=9,
    ),
    GradingCheck(
        "adamw-param-groups",
        "AdamW with two parameter groups: lr=0.05, weight_decay=0.2 and the defaults "
        "lr=0.01, weight_decay=0",
        2,
        "AdamW",
        {"lr": 0.01, "weight_decay": 0.0},
        ({"params": [0], "lr": 0.05, "weight_decay": 0.2}, {"params": [1, 2]}),
        seed=10,
    ),
)


def trajectory_of(check: GradingCheck, mistake: Mistake | None = None) -> Trajectory:
    """The reference trajectory of ``check`` (or the one ``mistake`` produces)."""
    rules = check.reference_rules()
    if mistake is not None:
        rules = [mistake.variant(rule) for rule in rules]
    return run_rule(check.problem(), rules, STEPS)
