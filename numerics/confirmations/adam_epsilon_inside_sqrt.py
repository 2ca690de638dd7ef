"""Lecture notes 002's Adam (eps inside the root) against torch.optim.Adam (Q2.a).

The lecture's step is computed from torch's own moments (read along an
:func:`~wdproof.numerics.confirmations.optimizer_moments.adam_trace`) with
:class:`LectureAdam`'s denominator ``sqrt(vhat_t + eps')``.

* ``adam-eps-inside-sqrt``: the claim's instance, one ``torch.optim.Adam`` step: the ``eps'_j``
  each coordinate needs inside the root, recovered from torch's step, differ.
* ``adam-eps-inside-sqrt-required-eps``: along a ``torch.optim.Adam`` run, the ``eps'`` each
  coordinate needs at each step is the claim's ``eps^2 + 2 eps sqrt(vhat)``.
* ``adam-eps-inside-sqrt-step-ratio``: along the same kind of run, the lecture's step from
  torch's moments over torch's step is the claim's ``(sqrt(vhat) + eps)/sqrt(vhat + eps)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
import torch

from wdproof.derivations import adam_epsilon_inside_sqrt as inside
from wdproof.derivations.notation import eps
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.confirmations.optimizer_conventions import stated_solution
from wdproof.numerics.confirmations.optimizer_moments import AdamStep, adam_trace
from wdproof.numerics.optimizers.problems import DTYPE, linear_problem, mlp_regression
from wdproof.numerics.optimizers.rules import AdamRule

TOLERANCE = 1e-12
EPS_SPREAD_TOLERANCE = 1e-9  # eps'_j are recovered to about 1e-15
BETAS = (0.9, 0.999)
RUN_STEPS = 20
#: torch's step is measured as theta_{t-1} - theta_t: relative rounding ~1e-16 |theta|/|step|,
#: up to ~1e-11 for the smallest steps kept.
RATIO_TOLERANCE = 1e-10


@dataclass(frozen=True)
class LectureAdam(AdamRule):
    """Adam as lecture notes 002 define it (step 6): ``eps`` (their ``eps'``) inside the root."""

    def denominator(self, v_hat):
        # sqrt(v_hat_t + eps')
        return (v_hat + self.eps).sqrt()


def lecture_step(lr: float, m_hat: torch.Tensor, v_hat: torch.Tensor, eps_inside: float):
    """The lecture's step ``lr mhat_t / sqrt(vhat_t + eps')`` from given moments."""
    return lr * m_hat / LectureAdam(lr, BETAS, eps_inside).denominator(v_hat)


def recovered_inside_eps(lr: float, step: AdamStep, keep=slice(None)) -> torch.Tensor:
    """The ``eps'_j`` with which the lecture's step takes torch's step ``step.moved``.

    ``sqrt(vhat_j + eps'_j)`` reproduces ``|moved_j| = lr |mhat_j|/(sqrt(vhat_j) + eps)`` iff
    ``eps'_j = (lr mhat_j/moved_j)^2 - vhat_j``; ``keep`` selects the coordinates.
    """
    # eps'_j = (lr mhat_j / moved_j)^2 - vhat_j
    return (lr * step.m_hat[keep] / step.moved[keep]) ** 2 - step.v_hat[keep]


def required_inside_eps(lr: float, eps_: float, g_1: list[float]) -> tuple[AdamStep, torch.Tensor]:
    """One ``torch.optim.Adam`` step on ``f(theta) = g_1 . theta``, and the ``eps'_j`` each
    coordinate needs inside the root (:func:`recovered_inside_eps`); ``mhat_1``, ``vhat_1`` are
    torch's state, bias-corrected."""
    problem = linear_problem([0.0] * len(g_1), [g_1])
    (step,) = adam_trace(problem, 1, lr=lr, eps=eps_, betas=BETAS)
    return step, recovered_inside_eps(lr, step)


def required_eps_function() -> Callable[[float, float], float]:
    """The claim's ``eps^2 + 2 eps sigma_t`` as a function of ``(eps, sigma_t)``."""
    (stated,) = stated_solution(inside.REQUIRED_EPS)
    return sp.lambdify((eps, inside.sigma), stated, modules="math")


@confirms("adam-eps-inside-sqrt")
def eps_inside_sqrt_counterexample() -> Confirmation:
    """Headline: the spread ``max_j eps'_j - min_j eps'_j`` of the required constants.

    Guards (a failed one fails the confirmation): every coordinate reproduces torch's step with
    its own ``eps'_j`` to 1e-12, and each ``eps'_j`` is the value ``eps^2 + 2 eps |g_j|`` of
    claim ``adam-eps-inside-sqrt-required-eps``.
    """
    setting = inside.EPS_INSIDE_SQRT.instance
    g_1, lr, eps_ = list(setting.g_1), setting.lr, setting.eps
    step, eps_inside = required_inside_eps(lr, eps_, g_1)
    stated = required_eps_function()
    predicted = torch.tensor([stated(eps_, abs(g)) for g in g_1], dtype=DTYPE)
    # each coordinate with its own eps'_j, and every coordinate with eps'_0
    own = torch.stack(
        [lecture_step(lr, step.m_hat[j], step.v_hat[j], float(e)) for j, e in enumerate(eps_inside)]
    )
    fitted_0 = lecture_step(lr, step.m_hat, step.v_hat, float(eps_inside[0]))
    own_miss, fitted_miss = (own - step.moved).abs(), (fitted_0 - step.moved).abs()
    rows = tuple(
        (
            j,
            g,
            float(step.moved[j]),
            float(eps_inside[j]),
            float(predicted[j]),
            float(fitted_miss[j]),
        )
        for j, g in enumerate(g_1)
    )
    require(
        (
            float(own_miss.max()) <= TOLERANCE,
            "a coordinate misses torch's step with its own eps'_j",
        ),
        (
            float(((eps_inside - predicted) / predicted).abs().max()) <= 1e-6,
            (
                f"eps'_j = {eps_inside.tolist()} are not the claim's eps^2 + 2 eps |g_j| = "
                f"{predicted.tolist()}"
            ),
        ),
    )
    spread = float(eps_inside.max() - eps_inside.min())
    return Confirmation(
        quantity=(
            r"spread $\max_j \epsilon'_j - \min_j \epsilon'_j$ of the $\epsilon'$ each coordinate "
            r"needs inside the root"
        ),
        value=spread,
        tolerance=EPS_SPREAD_TOLERANCE,
        relation=">",
        columns=(
            "coordinate",
            "gradient",
            "torch.optim.Adam step",
            r"required $\epsilon'_j = (\mathrm{lr}\,\hat m_j/\mathrm{step}_j)^2 - \hat v_j$",
            r"$\epsilon^2 + 2\epsilon|g_j|$",
            r"$|$step with $\epsilon'_0$ $-$ torch$|$",
        ),
        rows=rows,
        note=(
            f"One torch.optim.Adam(lr={lr}, eps={eps_}) step on "
            r"$f(\theta) = g^\top\theta$, "
            f"$g = ({', '.join(tex_number(g, 'g') for g in g_1)})$ "
            r"(the gradients $g = \epsilon, 2\epsilon$ at which the kernel derives its "
            r"conditions); $\hat m_1$, $\hat v_1$ from the optimizer state. Each coordinate "
            r"reproduces torch's step with its own $\epsilon'_j$ (max miss "
            f"${tex_number(float(own_miss.max()), '.1g')}$); "
            rf"$\epsilon'_0 = {tex_number(float(eps_inside[0]), '.6g')}$ misses coordinate 1 by "
            f"${tex_number(float(fitted_miss[1]), '.3g')}$."
        ),
        extra={"eps_required": eps_inside.tolist(), "own_eps_max_miss": float(own_miss.max())},
    )


@confirms("adam-eps-inside-sqrt-required-eps")
def required_eps_along_a_run() -> Confirmation:
    stated = required_eps_function()
    rows, worst = [], 0.0
    for lr, eps_ in ((0.01, 0.1), (0.05, 1e-2)):
        for step in adam_trace(mlp_regression(seed=5), RUN_STEPS, lr=lr, eps=eps_, betas=BETAS):
            keep = step.m_hat.abs() > 1e-6  # eps' is recovered from a nonzero step only
            recovered = recovered_inside_eps(lr, step, keep)
            predicted = stated(eps_, step.v_hat[keep].sqrt())
            miss = float(((recovered - predicted) / predicted).abs().max())
            worst = max(worst, miss)
        rows.append((lr, eps_, RUN_STEPS, miss))
    return Confirmation(
        quantity=(
            r"max relative $|$recovered $\epsilon' - (\epsilon^2 + 2\epsilon\sqrt{\hat v_t})|$ "
            f"over {RUN_STEPS} steps"
        ),
        value=worst,
        tolerance=1e-8,
        columns=("lr", "eps", "steps", "max relative miss (last step)"),
        rows=tuple(rows),
        note=(
            r"torch.optim.Adam on a 4-16-8-1 tanh MLP; at every step and every coordinate with "
            r"$|\hat m_j| > 10^{-6}$, "
            r"$\epsilon'_j = (\mathrm{lr}\,\hat m_j/\mathrm{step}_j)^2 - \hat v_j$ against the "
            r"claim's solution; the tolerance covers the cancellation in $(\dots)^2 - \hat v_j$."
        ),
    )


@confirms("adam-eps-inside-sqrt-step-ratio")
def lecture_over_torch_ratio() -> Confirmation:
    ratio = sp.lambdify((inside.v_hat, eps), inside.step_ratio, modules="torch")
    worst, rows = 0.0, []
    lr, eps_ = 0.01, 1e-3
    for step in adam_trace(mlp_regression(seed=6), RUN_STEPS, lr=lr, eps=eps_, betas=BETAS):
        keep = step.m_hat.abs() > 1e-9
        measured = lecture_step(lr, step.m_hat[keep], step.v_hat[keep], eps_) / step.moved[keep]
        worst = max(worst, float((measured - ratio(step.v_hat[keep], eps_)).abs().max()))
    for g_1 in (1e-8, 1e-4, 1.0):  # first steps at the lecture's default eps = 1e-8
        problem = linear_problem([0.0], [[g_1]])
        (first,) = adam_trace(problem, 1, lr=1e-3, eps=1e-8, betas=BETAS)
        lecture = lecture_step(1e-3, first.m_hat, first.v_hat, 1e-8)
        rows.append(
            (
                g_1,
                float(first.moved[0]),
                float(lecture[0]),
                float(lecture[0] / first.moved[0]),
                float(ratio(first.v_hat, 1e-8)[0]),
            )
        )
    return Confirmation(
        quantity=(
            r"max $|$lecture step/torch step $- (\sqrt{\hat v_t} + \epsilon)/"
            r"\sqrt{\hat v_t + \epsilon}|$ "
            f"over {RUN_STEPS} steps"
        ),
        value=worst,
        tolerance=RATIO_TOLERANCE,
        columns=("first gradient", "torch step", "lecture step", "ratio", "claim's ratio"),
        rows=tuple(rows),
        note=(
            f"torch.optim.Adam(lr={lr}, eps={eps_}) on a 4-16-8-1 tanh MLP, the lecture's "
            r"step computed from torch's moments at every step; table: first steps with the "
            r"defaults lr $= 10^{-3}$, eps $= 10^{-8}$ on $f(\theta) = g\theta$. The tolerance "
            r"covers the rounding of the measured step $\theta_{t-1} - \theta_t$."
        ),
    )
