"""Adam's moments under a constant gradient, read from torch.optim.Adam's state (Q2.a).

:func:`adam_trace` runs ``torch.optim.Adam`` through the one trajectory runner with a stepper
(:class:`AdamTracer`) that records, after every step ``t``, the move and the optimizer's
``exp_avg``/``exp_avg_sq``; the eps confirmations read the same trace.

* ``adam-moments-constant-gradient``: ``torch.optim.Adam``'s ``exp_avg``/``exp_avg_sq`` on
  ``f(theta) = g . theta`` against ``(1 - beta^t) c`` at ``(beta_1, g)`` and ``(beta_2, g^2)``.
* ``adam-bias-correction-constant-gradient``: the same run moves every coordinate by exactly
  ``lr g/(|g| + eps)`` per step.
* ``adam-uncorrected-step-constant-gradient``: ``lr m_t/(sqrt(v_t) + eps)`` from torch's raw
  moments against the claim's closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp
import torch

from wdproof.derivations import optimizer_moments as moments
from wdproof.derivations.notation import alpha, beta1, beta2, eps, t
from wdproof.numerics.confirmation import Confirmation, confirms, tex_number
from wdproof.numerics.optimizers.problems import DTYPE, Params, Problem, linear_problem
from wdproof.numerics.optimizers.rules import AdamRule
from wdproof.numerics.optimizers.trajectory import TorchStepper, run

STEPS = 100
TOLERANCE = 1e-12
BETAS = (0.9, 0.999)


@dataclass(frozen=True)
class AdamStep:
    """One ``torch.optim.Adam`` step of one tensor (flattened): the state after it and the move
    it made."""

    t: int
    moved: torch.Tensor  # theta_{t-1} - theta_t
    exp_avg: torch.Tensor  # m_t
    exp_avg_sq: torch.Tensor  # v_t
    m_hat: torch.Tensor
    v_hat: torch.Tensor


class AdamTracer(TorchStepper):
    """``torch.optim.Adam(lr, betas, eps)``, recording an :class:`AdamStep` per tensor and step.

    The bias corrections ``1 - beta_i^t`` applied to torch's raw moments are the reference
    rule's (:meth:`AdamRule.bias_corrections`).
    """

    def __init__(self, lr: float, eps: float, betas: tuple[float, float] = BETAS):
        super().__init__(
            lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps, foreach=False)
        )
        self.rule = AdamRule(lr, betas, eps)
        self.trace: list[AdamStep] = []

    def step(self, params: Params, t: int) -> None:
        before = [p.clone() for p in params]
        super().step(params, t)
        correction1, correction2 = self.rule.bias_corrections(t)
        for p, old in zip(params, before, strict=True):
            state = self.optimizer.state[p]
            m, v = state["exp_avg"].flatten().clone(), state["exp_avg_sq"].flatten().clone()
            # mhat_t = m_t / (1 - beta1^t), vhat_t = v_t / (1 - beta2^t)
            self.trace.append(
                AdamStep(t, (old - p).flatten(), m, v, m / correction1, v / correction2)
            )


def adam_trace(
    problem: Problem, steps: int, lr: float, eps: float, betas: tuple[float, float] = BETAS
) -> list[AdamStep]:
    """Run ``torch.optim.Adam`` on ``problem`` for ``t = 1..steps``; every step of every
    parameter, in order."""
    tracer = AdamTracer(lr, eps, betas)
    run(problem, tracer, steps)
    return tracer.trace


CONSTANT_GRADIENT = [1e-3, -0.5, 2.0, 10.0]
CONSTANT_LR, CONSTANT_EPS = 0.1, 1e-8
#: The steps shown in the tables; the headline is over every step.
SHOWN = (1, 2, 10, STEPS)
SHOWN_COORDINATE = 2  # g = 2
#: The constant gradient and the optimizer's arguments as a note writes them.
CONSTANT_SETTING = (
    f"torch.optim.Adam(lr={CONSTANT_LR}, eps=${tex_number(CONSTANT_EPS)}$) on "
    r"$f(\theta) = g^\top\theta$ with "
    f"$g = ({', '.join(tex_number(g, 'g') for g in CONSTANT_GRADIENT)})$"
)


def constant_gradient_trace() -> list[AdamStep]:
    """``torch.optim.Adam`` on ``f_t(theta) = g . theta`` for every ``t``: every gradient is
    ``g`` (:data:`CONSTANT_GRADIENT`), from ``theta_0 = 0``."""
    problem = linear_problem([0.0] * len(CONSTANT_GRADIENT), [CONSTANT_GRADIENT])
    return adam_trace(problem, STEPS, lr=CONSTANT_LR, eps=CONSTANT_EPS, betas=BETAS)


@confirms("adam-moments-constant-gradient")
def constant_gradient_moments() -> Confirmation:
    closed = sp.lambdify(
        (moments.beta, moments.c, moments.k), moments.MOMENTS.statement.rhs, modules="math"
    )
    g = torch.tensor(CONSTANT_GRADIENT, dtype=DTYPE)
    j = SHOWN_COORDINATE
    worst, rows = 0.0, []
    for step in constant_gradient_trace():
        m_pred = torch.tensor(
            [closed(BETAS[0], gj, step.t) for gj in CONSTANT_GRADIENT], dtype=DTYPE
        )
        v_pred = torch.tensor(
            [closed(BETAS[1], gj**2, step.t) for gj in CONSTANT_GRADIENT], dtype=DTYPE
        )
        miss = max(
            float(((step.exp_avg - m_pred) / g.abs()).abs().max()),
            float(((step.exp_avg_sq - v_pred) / g**2).abs().max()),
        )
        worst = max(worst, miss)
        if step.t in SHOWN:
            moments_shown = (step.exp_avg[j], m_pred[j], step.exp_avg_sq[j], v_pred[j])
            rows.append((step.t, *map(float, moments_shown)))
    return Confirmation(
        quantity=(
            r"max relative $|$torch moment $- (1 - \beta^t)c|$ over "
            f"{STEPS} steps, both moments"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            "$t$",
            "exp_avg ($g = 2$)",
            r"$(1-\beta_1^t)g$",
            "exp_avg_sq ($g = 2$)",
            r"$(1-\beta_2^t)g^2$",
        ),
        rows=tuple(rows),
        note=(
            f"{CONSTANT_SETTING}, betas {BETAS}; the claim's closed form at "
            r"$(\beta_1, g)$ and $(\beta_2, g^2)$, from its statement, evaluated numerically "
            "in float64."
        ),
    )


@confirms("adam-bias-correction-constant-gradient")
def constant_gradient_steps() -> Confirmation:
    closed = sp.lambdify(
        (alpha, moments.g, eps), moments.BIAS_CORRECTION.statement.rhs, modules="math"
    )
    trace = constant_gradient_trace()
    per_step = torch.tensor(
        [closed(CONSTANT_LR, gj, CONSTANT_EPS) for gj in CONSTANT_GRADIENT], dtype=DTYPE
    )
    worst = max(float((step.moved - per_step).abs().max()) for step in trace)
    g_shown = CONSTANT_GRADIENT[SHOWN_COORDINATE]
    rows = tuple(
        (
            step.t,
            float(step.moved[SHOWN_COORDINATE]),
            float(per_step[SHOWN_COORDINATE]),
            # lr (1 - beta1^t) g / (sqrt(1 - beta2^t) |g| + eps): the step without the corrections
            CONSTANT_LR
            * (1 - BETAS[0] ** step.t)
            * g_shown
            / (math.sqrt(1 - BETAS[1] ** step.t) * g_shown + CONSTANT_EPS),
        )
        for step in trace
        if step.t in SHOWN
    )
    return Confirmation(
        quantity=r"max $|$torch step $- \mathrm{lr}\,g/(|g| + \epsilon)|$ over " + f"{STEPS} steps",
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            "$t$",
            "torch step ($g = 2$)",
            r"$\mathrm{lr}\,g/(|g|+\epsilon)$",
            "without bias correction",
        ),
        rows=rows,
        note=(f"{CONSTANT_SETTING} from " + r"$\theta_0 = 0$, " + f"{STEPS} steps."),
    )


@confirms("adam-uncorrected-step-constant-gradient")
def uncorrected_steps() -> Confirmation:
    closed = sp.lambdify(
        (alpha, moments.g, eps, beta1, beta2, t), moments.UNCORRECTED.statement.rhs, modules="math"
    )
    j = SHOWN_COORDINATE
    worst, rows = 0.0, []
    for step in constant_gradient_trace():
        # lr m_t / (sqrt(v_t) + eps): Adam without lines 9-10 of Alg. 2, from torch's raw moments
        uncorrected = CONSTANT_LR * step.exp_avg / (step.exp_avg_sq.sqrt() + CONSTANT_EPS)
        predicted = torch.tensor(
            [closed(CONSTANT_LR, gj, CONSTANT_EPS, *BETAS, step.t) for gj in CONSTANT_GRADIENT],
            dtype=DTYPE,
        )
        worst = max(worst, float((uncorrected - predicted).abs().max()))
        if step.t in SHOWN:
            ratio = uncorrected[j] / step.moved[j]
            rows.append((step.t, float(uncorrected[j]), float(predicted[j]), float(ratio)))
    return Confirmation(
        quantity=(
            r"max $|\mathrm{lr}\,m_t/(\sqrt{v_t} + \epsilon) -{}$closed form$|$ over "
            f"{STEPS} steps"
        ),
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            "$t$",
            r"$\mathrm{lr}\,m_t/(\sqrt{v_t}+\epsilon)$, $g = 2$",
            "closed form",
            "over torch's corrected step",
        ),
        rows=tuple(rows),
        note=(
            r"Raw moments $m_t$, $v_t$ from " + f"{CONSTANT_SETTING}; the last column is the "
            r"factor $(1-\beta_1^t)/\sqrt{1-\beta_2^t}$ when $\epsilon \ll |g|$."
        ),
    )
