"""The reference solution against torch.optim, as the solution key reports it (Q2.a).

The autograder's reference is the student template's own solution blocks
(:mod:`wdproof.numerics.grading.student_solution`); :func:`reference_vs_torch` runs those
classes and ``torch.optim.Adam`` / ``torch.optim.AdamW`` side by side in float64 on one MLP
problem, for :data:`SETTINGS`, and returns the largest parameter gap over :data:`STEPS` steps:

    max over settings, classes, steps t <= STEPS of  max_j |theta_t,j(reference) - theta_t,j(torch)|
"""

from __future__ import annotations

import torch

from wdproof.numerics.grading import student_solution
from wdproof.numerics.problems import max_deviation, mlp_regression, run_torch

STEPS = 100
SETTINGS = (
    {"lr": 0.01},
    {"lr": 0.05, "betas": (0.8, 0.95), "weight_decay": 0.1},
    {"lr": 0.3, "betas": (0.5, 0.9), "eps": 0.1, "weight_decay": 0.5},
)


def reference_vs_torch() -> float:
    """Max |theta_reference - theta_torch| over the settings, both classes, ``STEPS`` steps."""
    problem = mlp_regression(seed=11)
    worst = 0.0
    for ours, theirs in (
        (student_solution.Adam, torch.optim.Adam),
        (student_solution.AdamW, torch.optim.AdamW),
    ):
        for hyper in SETTINGS:
            a = run_torch(problem, lambda ps, h=hyper, cls=ours: cls(ps, **h), STEPS)
            b = run_torch(problem, lambda ps, h=hyper, cls=theirs: cls(ps, **h), STEPS)
            worst = max(worst, max_deviation(a, b))
    return worst
