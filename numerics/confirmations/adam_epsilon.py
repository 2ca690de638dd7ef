"""Kingma & Ba's efficient form of Adam (eps-hat) against torch.optim.Adam (Q2.a).

* ``adam-eps-hat-equals-torch-eps``: the efficient form (:class:`EfficientFormAdam`) with the
  claim's ``epsilonhat_t = eps sqrt(1 - beta_2^t)`` against ``torch.optim.Adam``; a constant
  ``epsilonhat = eps`` is the control.
* ``adam-constant-eps-hat-not-torch-eps``: the claim's instance: a constant ``epsilonhat``
  fitted to step 1 misses torch's step 2.

Both sides run through :mod:`~wdproof.numerics.optimizers.trajectory`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp
import torch

from wdproof.derivations import adam_epsilon as epsilon
from wdproof.derivations.notation import eps
from wdproof.numerics.confirmation import Confirmation, confirms, tex_number
from wdproof.numerics.confirmations.optimizer_conventions import stated_solution
from wdproof.numerics.confirmations.optimizer_moments import adam_trace
from wdproof.numerics.optimizers.problems import linear_problem, mlp_regression
from wdproof.numerics.optimizers.rules import AdamRule
from wdproof.numerics.optimizers.trajectory import max_deviation, run_rule, run_torch

STEPS = 100
TOLERANCE = 1e-12
SEPARATION = 1e-9  # a gap a refutation must exceed (float64 rounding is ~1e-15 here)
BETAS = (0.9, 0.999)


@dataclass(frozen=True)
class EfficientFormAdam(AdamRule):
    r"""Kingma & Ba's efficient form (their Sec. 2): Adam's moments, corrections in the rate.

    .. math:: \alpha_t = \mathrm{lr}\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}, \quad
              \theta_t = \theta_{t-1} - \alpha_t\,\frac{m_t}{\sqrt{v_t} + \hat\epsilon_t}

    ``eps_hat(t)`` is added to ``sqrt(v_t)`` at step ``t``; it takes the place of
    :class:`AdamRule`'s ``eps``, which this form does not use.
    """

    eps_hat: Callable[[int], float] = field(kw_only=True)

    def update(self, theta, grad, state, t):
        m, v, v_max = state
        m, v = self.moments(self.gradient(theta, grad), m, v)
        correction1, correction2 = self.bias_corrections(t)
        # alpha_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)
        alpha_t = self.lr * math.sqrt(correction2) / correction1
        # theta_t = theta_{t-1} - alpha_t m_t / (sqrt(v_t) + eps_hat_t)
        return theta - alpha_t * m / (v.sqrt() + self.eps_hat(t)), (m, v, v_max)


def eps_hat_function() -> Callable[[float, float], float]:
    """The claim's ``eps_hat = eps sqrt(c_2)`` as a function of ``(eps, c_2)``."""
    (stated,) = stated_solution(epsilon.EPS_HAT)
    return sp.lambdify((eps, epsilon.correction2), stated, modules="math")


@confirms("adam-eps-hat-equals-torch-eps")
def eps_hat_mapping() -> Confirmation:
    eps_hat_of = eps_hat_function()
    problem = mlp_regression(seed=4)
    rows, deviations = [], []
    for lr, eps_ in ((0.05, 1e-8), (0.01, 1e-1)):
        oracle = run_torch(
            problem,
            lambda ps, lr=lr, e=eps_: torch.optim.Adam(ps, lr=lr, eps=e, foreach=False),
            STEPS,
        )
        mapped, constant = (
            run_rule(problem, EfficientFormAdam(lr, BETAS, eps_hat=eps_hat), STEPS)
            for eps_hat in (
                lambda t, e=eps_: eps_hat_of(e, 1 - BETAS[1] ** t),  # the claim's eps sqrt(c_2)
                lambda _t, e=eps_: e,  # the control: eps_hat = eps at every step
            )
        )
        deviations.append(max_deviation(mapped, oracle))
        rows.append((lr, eps_, deviations[-1], max_deviation(constant, oracle)))
    return Confirmation(
        quantity=(
            r"max $|\theta_{\hat\epsilon} - \theta_{\mathrm{torch}}|$ over "
            f"{STEPS} steps, "
            r"$\hat\epsilon = \epsilon\sqrt{1-\beta_2^t}$"
        ),
        value=max(deviations),
        tolerance=TOLERANCE,
        columns=(
            "lr",
            "eps",
            r"$\hat\epsilon = \epsilon\sqrt{1-\beta_2^t}$",
            r"control: constant $\hat\epsilon = \epsilon$",
        ),
        rows=tuple(rows),
        note=(
            f"{STEPS} minibatch steps on a 4-16-8-1 tanh MLP; "
            "torch.optim.Adam against a hand-written efficient-form Adam, betas (0.9, 0.999)."
        ),
    )


@confirms("adam-constant-eps-hat-not-torch-eps")
def constant_eps_hat_misses_step_two() -> Confirmation:
    """The claim's instance: the constant that step 1 forces, ``eps sqrt(1 - beta_2)``, misses
    step 2 of ``torch.optim.Adam``; the step-dependent value of the previous claim does not."""
    setting = epsilon.CONSTANT_EPS_HAT.instance
    lr, eps_, betas, steps = setting.lr, setting.eps, setting.betas, max(setting.steps)
    eps_hat_of = eps_hat_function()
    fitted = eps_hat_of(eps_, 1 - betas[1] ** setting.steps[0])  # the constant step 1 forces
    problem = linear_problem([0.0], [[setting.g]])
    torch_trace = adam_trace(problem, steps, lr=lr, eps=eps_, betas=betas)
    constant, varying = (
        run_rule(problem, EfficientFormAdam(lr, betas, eps_hat=eps_hat), steps)
        for eps_hat in (
            lambda _t: fitted,
            lambda t: eps_hat_of(eps_, 1 - betas[1] ** t),
        )
    )
    # theta_0 = 0: the move up to step t is -theta_t
    previous = [0.0] + [float(-history[0][0]) for history in constant]
    previous_varying = [0.0] + [float(-history[0][0]) for history in varying]
    rows, misses, varying_misses = [], [], []
    for step in torch_trace:
        moved_constant = previous[step.t] - previous[step.t - 1]
        moved_varying = previous_varying[step.t] - previous_varying[step.t - 1]
        moved_torch = float(step.moved[0])
        misses.append(abs(moved_constant - moved_torch))
        varying_misses.append(abs(moved_varying - moved_torch))
        rows.append((step.t, moved_torch, moved_constant, moved_varying, misses[-1]))
    first_miss = misses[0]
    if first_miss > TOLERANCE or max(varying_misses) > TOLERANCE:
        raise RuntimeError(
            f"the fitted constant misses step 1 by {first_miss:g}, or the step-dependent "
            "eps_hat misses torch"
        )
    return Confirmation(
        quantity=(
            r"$|$efficient-form step 2 with the constant $\hat\epsilon$ of step 1 $-$ "
            r"torch's step 2$|$"
        ),
        value=misses[-1],
        tolerance=SEPARATION,
        relation=">",
        columns=(
            "$t$",
            "torch.optim.Adam step",
            r"constant $\hat\epsilon = \epsilon\sqrt{1-\beta_2}$",
            r"$\hat\epsilon_t = \epsilon\sqrt{1-\beta_2^t}$",
            "miss of the constant",
        ),
        rows=tuple(rows),
        note=(
            rf"On $f(\theta) = g\theta$ with $g = {setting.g}$, lr $= {lr}$, "
            rf"$\epsilon = {eps_}$, betas $= {betas}$; the constant "
            rf"$\hat\epsilon = {tex_number(fitted, '.6g')}$ matches step 1 to within "
            rf"${tex_number(TOLERANCE)}$ and misses step 2."
        ),
    )
