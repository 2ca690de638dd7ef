"""Q2.a material for the solution key: the reference code, the case table, the known mistakes.

This module only renders. The numbers and listings come measured from
:func:`wdproof.numerics.grading.solution_match.grading_material` (the report pipeline calls it
and passes the result here): for every row of the autograder's case table, the gap of the model
solution and of the grader's reference rule to ``torch.optim``. The listings are the solution
blocks of the student template itself, so the key shows exactly what students are measured
against; the update rules are typeset from :mod:`wdproof.derivations.optimizer_conventions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wdproof.derivations.notation import latex
from wdproof.derivations.optimizer_conventions import UPDATE_RULES

if TYPE_CHECKING:
    from wdproof.numerics.grading.solution_match import GradingMaterial

#: listings cannot typeset non-ASCII characters; the few the solution's comments may use.
ASCII_SPELLING = {
    "θ": "theta",
    "λ": "lambda",
    "α": "alpha",
    "β": "beta",
    "η": "eta",
    "ε": "eps",
    "·": "*",
    "−": "-",
    "≤": "<=",
}


def _ascii(source: str) -> str:
    """``source`` with the Greek letters spelled out; anything else non-ASCII becomes ``?``."""
    for character, spelling in ASCII_SPELLING.items():
        source = source.replace(character, spelling)
    return source.encode("ascii", "replace").decode()


def update_rules() -> list[dict[str, str]]:
    """The update rules of :data:`UPDATE_RULES`, each as its name and LaTeX."""
    return [{"name": name, "latex": latex(equation)} for name, equation in UPDATE_RULES]


def grading_context(material: GradingMaterial) -> dict:
    """The template's ``grading`` variable, from the measured ``material``."""
    return {
        "available": True,
        "steps": material.steps,
        "atol": material.atol,
        "rtol": material.rtol,
        "max_deviation": material.max_deviation,
        "listings": [
            {"name": listing.name, "source": _ascii(listing.source)}
            for listing in material.listings
        ],
        "rules": update_rules(),
        "checks": material.checks,
        "max_score": material.max_score,
        "mistakes": material.mistakes,
    }
