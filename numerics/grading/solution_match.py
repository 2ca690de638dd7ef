"""The Q2.a material of the solution key, measured here so that the report only renders it.

For every row of the autograder's case table :data:`~wdproof.numerics.grading.checks.CHECKS`,
:func:`grading_material` runs three optimizers side by side in float64 on the check's problem
(:meth:`~wdproof.numerics.grading.checks.GradingCheck.problem`, ``STEPS`` steps, through the one
runner of :mod:`wdproof.numerics.optimizers.trajectory`):

* the model solution handed to students (:mod:`wdproof.numerics.grading.student_solution`),
* the grader's reference rule (:func:`~wdproof.numerics.grading.checks.trajectory_of`),
* ``torch.optim.Adam`` / ``torch.optim.AdamW``, built as the check builds the student's class,

and records, per check, the largest parameter gap of each against ``torch.optim``::

    max over steps t <= STEPS, tensors i, entries j of |theta_t,i,j(ours) - theta_t,i,j(torch)|

with the grader's tolerance, the listings of the solution blocks and the known mistakes: plain
numbers and strings (:class:`GradingMaterial`), no tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from wdproof.numerics.grading import student_solution
from wdproof.numerics.grading.assignment import solution_code
from wdproof.numerics.grading.checks import CHECKS, STEPS, GradingCheck, trajectory_of
from wdproof.numerics.grading.compare import ATOL, RTOL
from wdproof.numerics.grading.mistakes import MISTAKES
from wdproof.numerics.optimizers.trajectory import max_deviation, run_torch


@dataclass(frozen=True)
class CheckRow:
    """One check of the table with its measured gaps to ``torch.optim``."""

    name: str
    description: str
    points: int
    solution_vs_torch: float
    reference_vs_torch: float


@dataclass(frozen=True)
class Listing:
    name: str
    source: str


@dataclass(frozen=True)
class MistakeEntry:
    name: str
    classes: str
    description: str


@dataclass(frozen=True)
class GradingMaterial:
    """Everything the key's Q2.a section shows; the grader accepts
    ``|student - reference| <= atol + rtol |reference|``."""

    steps: int
    atol: float
    rtol: float
    checks: tuple[CheckRow, ...]
    listings: tuple[Listing, ...]
    mistakes: tuple[MistakeEntry, ...]

    @property
    def max_score(self) -> int:
        return sum(row.points for row in self.checks)

    @property
    def max_deviation(self) -> float:
        """The largest gap of the model solution or the reference to ``torch.optim``."""
        return max(max(r.solution_vs_torch, r.reference_vs_torch) for r in self.checks)


def compare_with_torch(check: GradingCheck) -> CheckRow:
    """Model solution and reference rule against ``torch.optim`` on ``check``."""
    problem = check.problem()

    def run(cls):
        return run_torch(problem, lambda params: check.construct(cls, params), STEPS)

    oracle = run(getattr(torch.optim, check.class_name))
    return CheckRow(
        check.name,
        check.description,
        check.points,
        max_deviation(run(getattr(student_solution, check.class_name)), oracle),
        max_deviation(trajectory_of(check), oracle),
    )


def grading_material() -> GradingMaterial:
    """The measured rows of :data:`CHECKS`, the solution listings and the known mistakes."""
    return GradingMaterial(
        steps=STEPS,
        atol=ATOL,
        rtol=RTOL,
        checks=tuple(compare_with_torch(check) for check in CHECKS),
        listings=tuple(
            Listing(f"{name}.step, the solution block", solution_code(name))
            for name in ("Adam", "AdamW")
        ),
        mistakes=tuple(
            MistakeEntry(m.name, "/".join(sorted(m.applies_to)), m.description) for m in MISTAKES
        ),
    )
