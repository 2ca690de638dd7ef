"""Q2.a material for the solution key: the reference code, its match with torch.optim, the checks.

The listings are the solution blocks of the student template itself
(:func:`wdproof.numerics.grading.assignment.solution_code`), so the key shows exactly what the
autograder's reference runs. The deviation printed next to them is measured here, at report
time, by running those classes and ``torch.optim.Adam`` / ``torch.optim.AdamW`` side by side.
"""

from __future__ import annotations

import torch

from wdproof.derivations.notation import latex
from wdproof.derivations.optimizer_conventions import UPDATE_RULES
from wdproof.numerics.grading import student_solution
from wdproof.numerics.grading.assignment import solution_code
from wdproof.numerics.grading.grader import CHECKS, MAX_SCORE
from wdproof.numerics.grading.mistakes import MISTAKES
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


def _ascii(source: str) -> str:
    """listings cannot typeset non-ASCII characters; spell the few Greek letters out."""
    for greek, name in {
        "θ": "theta",
        "λ": "lambda",
        "α": "alpha",
        "β": "beta",
        "η": "eta",
        "ε": "eps",
        "·": "*",
        "−": "-",
        "≤": "<=",
    }.items():
        source = source.replace(greek, name)
    return source.encode("ascii", "replace").decode()


def grading_context() -> dict:
    return {
        "available": True,
        "max_deviation": reference_vs_torch(),
        "steps": STEPS,
        "listings": [
            {"name": f"{name}.step, the solution block", "source": _ascii(solution_code(name))}
            for name in ("Adam", "AdamW")
        ],
        "rules": [{"name": name, "latex": latex(equation)} for name, equation in UPDATE_RULES],
        "checks": CHECKS,
        "max_score": MAX_SCORE,
        "mistakes": [m.description for m in MISTAKES],
    }
