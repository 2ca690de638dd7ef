"""Q2.a material for the solution key: the reference code, its match with torch.optim, the checks.

The listings are the solution blocks of the student template itself
(:func:`wdproof.numerics.grading.assignment.solution_code`), so the key shows exactly what the
autograder's reference runs. The deviation printed next to them is measured by
:func:`wdproof.numerics.grading.solution_match.reference_vs_torch` (this module only renders).
"""

from __future__ import annotations

from wdproof.derivations.notation import latex
from wdproof.derivations.optimizer_conventions import UPDATE_RULES
from wdproof.numerics.grading.assignment import solution_code
from wdproof.numerics.grading.grader import CHECKS, MAX_SCORE
from wdproof.numerics.grading.mistakes import MISTAKES
from wdproof.numerics.grading.solution_match import STEPS, reference_vs_torch


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
