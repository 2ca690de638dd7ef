"""Trajectories compared: where a student's departs from the reference, and which mistake it is.

Two values *agree* when both are finite and ``|student - expected| <= ATOL + RTOL |expected|``.
:func:`first_departure` finds the first step and tensor (over the common steps) where they do
not; a NaN or inf never agrees with anything, not even with the same non-finite value, so a
trajectory that blows up is never mistaken for a known mistake. :func:`diagnose` names the
known-wrong variant (:mod:`wdproof.numerics.grading.mistakes`) whose trajectory the student's
reproduces under the same tolerance, or ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from wdproof.numerics.grading.checks import SHAPES, GradingCheck, Trajectory, trajectory_of
from wdproof.numerics.grading.mistakes import Mistake, mistakes_for

ATOL = RTOL = 1e-9


@dataclass(frozen=True)
class Departure:
    step: int
    tensor: int
    deviation: float
    non_finite: bool

    def describe(self) -> str:
        where = f"at step {self.step} in tensor {self.tensor} (shape {list(SHAPES[self.tensor])})"
        if self.non_finite:
            return f"non-finite values (NaN or inf) {where}"
        return (
            f"departs from the reference {where}: max |student - reference| = {self.deviation:.3g}"
        )


def first_departure(student: Trajectory, expected: Trajectory) -> Departure | None:
    """The first step/tensor where ``student`` leaves ``expected`` (over their common steps).

    Agreement means finite and within ``ATOL + RTOL |expected|``: a NaN or inf never agrees,
    not even with the same non-finite value.
    """
    for step, (ours, theirs) in enumerate(zip(student, expected, strict=False), start=1):
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            a, b = a.reshape(-1), b.reshape(-1)
            if a.shape != b.shape:
                return Departure(step, index, float("inf"), False)
            finite = torch.isfinite(a) & torch.isfinite(b)
            close = finite & ((a - b).abs() <= ATOL + RTOL * b.abs())
            if not bool(close.all()):
                gap = (a - b).abs().nan_to_num(nan=math.inf, posinf=math.inf)
                deviation = float(gap.max())
                return Departure(step, index, deviation, not bool(torch.isfinite(a).all()))
    return None


def diagnose(check: GradingCheck, student: Trajectory, arithmetic_error: bool) -> Mistake | None:
    """The known mistake whose trajectory the student's reproduces, if any.

    A complete run matches a variant it agrees with (finite, within tolerance) at every step.
    A run cut short by an arithmetic error at step ``s`` (say ``ZeroDivisionError``) matches a
    variant whose finite steps ``1 .. s-1`` it agrees with and that turns non-finite exactly at
    step ``s``: the same division by zero, done in tensors.
    """
    for mistake in mistakes_for(check.class_name):
        variant = trajectory_of(check, mistake)
        if first_departure(student, variant) is not None:
            continue
        if not arithmetic_error:
            if len(student) == len(variant):
                return mistake
            continue
        if len(student) < len(variant) and not all(
            bool(torch.isfinite(x).all()) for x in variant[len(student)]
        ):
            return mistake
    return None
