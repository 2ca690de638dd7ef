"""The grading rubric of the solution key: what earns the points of each question.

Each question's items carry *weights* that sum to its default points
(:data:`wdproof.report.documents.DEFAULT_POINTS`); when the instructor sets other points
(``--points Q1.b=30``) the weights are scaled to them by the largest-remainder method, so the
items of a question always add up to exactly the points the problem set prints. Item texts are
LaTeX prose (math in ``$...$``). Q2.a's items are the autograder's checks, whose points are the
grader's own (:data:`wdproof.numerics.grading.checks.CHECKS`); they are scaled the same way.
"""

from __future__ import annotations

import math

#: ``question -> ((part, criterion, weight), ...)``; ``part`` is the sub-question ("a", "b", ...)
#: or "" for a question without parts.
RUBRIC: dict[str, tuple[tuple[str, str, int], ...]] = {
    "Q1.a.i": (
        (
            "",
            (
                r"The $L_2$ step: $\nabla\frac{\lambda'}{2}\lVert\theta\rVert^2 = \lambda'\theta$, "
                r"so "
                r"$\theta_{t+1} = (1-\alpha\lambda')\theta_t - \alpha\nabla f_t(\theta_t)$."
            ),
            4,
        ),
        (
            "",
            (
                r"$\lambda = \alpha\lambda'$, and only this value (the steps must agree for every "
                r"$\theta_t$)."
            ),
            4,
        ),
        (
            "",
            (
                r"Independent of the dimension and of $t$: a vector identity, coordinate by "
                r"coordinate; with a step-dependent rate $\alpha_t$ it reads $\lambda_t = "
                r"\alpha_t\lambda'$."
            ),
            2,
        ),
    ),
    "Q1.a.ii": (
        (
            "a",
            (
                r"Both updates of Algorithm 1 written out, with $\eta_t$ in the momentum line and "
                r"the decay $-\eta_t\lambda\theta_{t-1}$ outside it."
            ),
            5,
        ),
        (
            "b",
            (
                r"$\lambda = \alpha\lambda'$ for every schedule $\eta_t$ (the decay factor "
                r"$1-\eta_t\lambda$ against $1-\eta_t\alpha\lambda'$)."
            ),
            5,
        ),
        (
            "c",
            (
                r"No constant decay does it; the $L_2$ buffer also decays older iterates, weighted "
                r"by powers of $\beta_1$ (a counterexample or the unrolled buffer)."
            ),
            5,
        ),
        (
            "d",
            (
                r"$\mu = \beta_1$ and $\mathrm{lr} = \alpha\eta$ for constant $\eta$; with a "
                r"varying "
                r"$\eta_t$ the buffer differs by $\alpha\beta_1(\eta_{t-1}-\eta_t)v_{t-1}$."
            ),
            5,
        ),
    ),
    "Q1.b": (
        (
            "a",
            (
                r"$v_t$ unrolled to $(1-\beta_2)\sum_i\beta_2^{t-i}g_i^2$ and corrected by "
                r"$1-\beta_2^t$."
            ),
            4,
        ),
        (
            "a",
            (
                r"$M_t$ as a diagonal matrix built from the diagonals of the $G_i$, with "
                r"$\epsilon$ where the algorithm puts it."
            ),
            3,
        ),
        (
            "b",
            (
                r"Equal steps for every $\theta_t$ force $\alpha\lambda' M_t = \lambda I$, "
                r"impossible when $M_t \neq kI$."
            ),
            5,
        ),
        (
            "b",
            (
                r"Weights with large gradient history (large $\hat v_{t,j}$) are regularized "
                r"less."
            ),
            3,
        ),
        (
            "c",
            (
                r"Adam+$L_2$ differs from AdamW (e.g.\ already at its first step); the momentum "
                r"argument's premise is false."
            ),
            5,
        ),
        (
            "d",
            (
                r"The regularizer $\frac{\lambda}{2\alpha}\theta^\top M_t^{-1}\theta$ and the "
                r"conditions: $M_t$ symmetric, invertible, not built from the regularizer's "
                r"gradient."
            ),
            5,
        ),
    ),
    "Q2.b": (
        (
            "",
            (
                r"Both algorithms swept on the stated grid, with the stated steps, network and "
                r"split."
            ),
            4,
        ),
        (
            "",
            (
                r"Accuracy and loss heatmaps with log axes named by their quantity ($\lambda'$, "
                r"PyTorch's weight\_decay, or $\lambda$) and colour bars."
            ),
            4,
        ),
        ("", r"The settings (grid, steps, seeds) reported with the figures.", 2),
    ),
    "Q2.c": (
        (
            "a",
            (
                r"Accuracy and loss heatmaps compared: best values, where the good region lies "
                r"and its shape, with numbers."
            ),
            5,
        ),
        (
            "b",
            (
                r"At least one harder or easier data set, compared with part (a) and between the "
                r"algorithms."
            ),
            5,
        ),
        (
            "c",
            (
                r"A conjecture about tuning that the numbers support, with best accuracies and "
                r"the share of settings above the threshold, and what the data cannot decide."
            ),
            5,
        ),
    ),
}


def scale(weights: list[int], total: int) -> list[int]:
    """``weights`` rescaled to whole numbers summing to ``total`` (largest remainder)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    exact = [w * total / whole for w in weights]
    points = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - points[i], reverse=True)
    for i in order[: total - sum(points)]:
        points[i] += 1
    return points


def rubric(question: str, total: int) -> list[dict[str, object]]:
    """The items of ``question`` with their points out of ``total``."""
    items = RUBRIC[question]
    points = scale([w for _, _, w in items], total)
    return [
        {"part": part, "criterion": text, "points": p}
        for (part, text, _), p in zip(items, points, strict=True)
    ]


def check_rubric(checks, total: int) -> list[dict[str, object]]:
    """Q2.a: one item per autograder check, its points scaled to ``total``."""
    points = scale([c.points for c in checks], total)
    return [
        {"part": "", "criterion": c.description, "name": c.name, "points": p}
        for c, p in zip(checks, points, strict=True)
    ]
