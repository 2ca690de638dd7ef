"""The L2 term's shrink rate per coordinate under torch.optim.Adam(betas=(0, beta2)) (Sec. 2).

In the L2 run coordinate ``j`` is pulled by ``lr lambda' (M_t)_jj``. The part of torch's last
step that the ``lambda' theta`` term contributes is measured as the difference of two torch
steps from the same state with the same ``M_t`` (``weight_decay = lambda'`` vs 0); coordinates
binned by the RMS of ``grad f_t``: the small-gradient quartile decays more
(``l2-decay-weaker-for-large-gradients``), and the ratio of any two coordinates' rates is
``(sqrt(vhat_l) + eps)/(sqrt(vhat_j) + eps)`` (``l2-decay-ratio-between-coordinates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch

from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.confirmations.bias_corrected_rmsprop import flat
from wdproof.numerics.confirmations.l2_adaptive import (
    BETA2,
    EPS,
    L2_COEFFICIENT,
    LR,
    MATCH_TOLERANCE,
    STEPS,
    l2_adam,
)
from wdproof.numerics.optimizers.problems import DTYPE, Params, mlp_regression
from wdproof.numerics.optimizers.trajectory import run


@dataclass(frozen=True)
class ShrinkMeasurement:
    """Flat tensors over all coordinates of the MLP, from the last step of the L2 run.

    ``grad_rms``: RMS of ``grad f_t`` over the run; ``theta``: the iterate before the last step;
    ``measured``: the part of torch's last step the ``lambda' theta`` term contributes;
    ``predicted``: ``-lr lambda' theta_j/(sqrt(vhat_j) + eps)``; ``shrink_rate``:
    ``-measured/theta``, the measured rate ``lr lambda' (M_t)_jj``; ``vhat``: torch's
    bias-corrected second moment after the last step.
    """

    grad_rms: torch.Tensor
    theta: torch.Tensor
    measured: torch.Tensor
    predicted: torch.Tensor
    shrink_rate: torch.Tensor
    vhat: torch.Tensor


class TwinStepper:
    """Adam + L2 (:func:`l2_adam`); at step ``last`` also a ``weight_decay=0`` twin.

    Before the last step the twin gets clones of the parameters and state, its ``exp_avg_sq``
    shifted by ``(1 - beta2)/beta2 ((g + lambda' theta)^2 - g^2)`` so that after its update it
    holds the L2 run's ``v_t``: both steps use the same ``M_t``. Both get the gradient ``g``.
    ``shift=False`` is the control: the twin's ``v_t`` lacks the ``lambda' theta`` term.
    """

    def __init__(self, last: int, shift: bool = True):
        self.last, self.shift = last, shift

    def start(self, params: Params) -> None:
        self.optimizer = l2_adam(params)
        self.grad_squares = torch.zeros(sum(p.numel() for p in params), dtype=DTYPE)

    def step(self, params: Params, t: int) -> None:
        grads = [p.grad.clone() for p in params]
        self.grad_squares += flat(grads) ** 2
        if t == self.last:
            self.before = flat(params).clone()
            self.twin_params = [p.detach().clone().requires_grad_(True) for p in params]
            self.twin = torch.optim.Adam(
                self.twin_params, lr=LR, betas=(0.0, BETA2), eps=EPS, weight_decay=0.0
            )
            for p, q, g in zip(params, self.twin_params, grads, strict=True):
                state = {k: v.clone() for k, v in self.optimizer.state[p].items()}
                l2_grad = g + L2_COEFFICIENT * p  # g_t + lambda' theta_{t-1}
                if self.shift:
                    state["exp_avg_sq"] += (1 - BETA2) / BETA2 * (l2_grad * l2_grad - g * g)
                self.twin.state[q] = state
        self.optimizer.step()  # Adam adds lambda' theta itself (L2)
        if t == self.last:
            for q, g in zip(self.twin_params, grads, strict=True):
                q.grad = g
            self.twin.step()


@cache
def measure_l2_shrink(steps: int = 2 * STEPS, shift: bool = True) -> ShrinkMeasurement:
    """Run Adam + L2 (``betas = (0, beta2)``) on the MLP; measure the decay part of its last
    step as ``step_L2 - step_twin`` (:class:`TwinStepper`): ``-lr lambda' (M_t)_jj theta_j``."""
    stepper = TwinStepper(steps, shift)
    history = run(mlp_regression(seed=6), stepper, steps)
    measured = flat(history[-1]) - flat(stepper.twin_params)
    state = stepper.optimizer.state
    # vhat_t = v_t / (1 - beta2^t), torch's state after the last step
    vhat = flat(
        state[p]["exp_avg_sq"] / (1 - BETA2 ** float(state[p]["step"]))
        for p in stepper.optimizer.param_groups[0]["params"]
    )
    # -lr lambda' theta_j / (sqrt(vhat_j) + eps)
    predicted = -LR * L2_COEFFICIENT * stepper.before / (vhat.sqrt() + EPS)
    return ShrinkMeasurement(
        grad_rms=(stepper.grad_squares / steps).sqrt(),
        theta=stepper.before,
        measured=measured,
        predicted=predicted,
        shrink_rate=-measured / stepper.before,
        vhat=vhat,
    )


def _ranks(x: torch.Tensor) -> torch.Tensor:
    ranks = torch.empty_like(x)
    ranks[torch.argsort(x)] = torch.arange(len(x), dtype=x.dtype)
    return ranks


def spearman(x: torch.Tensor, y: torch.Tensor) -> float:
    """Rank correlation of two 1-D tensors (no ties expected for float64 data)."""
    rx, ry = _ranks(x), _ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / torch.sqrt((rx * rx).sum() * (ry * ry).sum()))


@confirms("l2-decay-weaker-for-large-gradients")
def large_gradient_coordinates_decay_less() -> Confirmation:
    """Headline: measured mean shrink rate, smallest- over largest-gradient quartile (> 1).

    Guard: the measured decay part equals ``-lr lambda' theta_j/(sqrt(vhat_j) + eps)`` to 1e-12.
    """
    shrink = measure_l2_shrink()
    grad_rms, rate = shrink.grad_rms, shrink.shrink_rate
    formula_gap = float((shrink.measured - shrink.predicted).abs().max())
    require(
        (
            formula_gap <= MATCH_TOLERANCE,
            (
                "decay part of torch's step differs from lr lambda' theta/(sqrt(vhat) + eps) by "
                f"{formula_gap:.3g}"
            ),
        )
    )
    quartiles = torch.chunk(torch.argsort(grad_rms), 4)
    uniform = float(rate.mean())  # the AdamW lambda with the same average shrink
    rows = tuple(
        (
            f"Q{k + 1}",
            len(q),
            float(grad_rms[q].mean()),
            float(rate[q].mean()),
            float(rate[q].mean()) / uniform,
        )
        for k, q in enumerate(quartiles)
    )
    rho = spearman(grad_rms, rate)
    return Confirmation(
        quantity=(
            r"measured mean $L_2$ shrink rate of the smallest-gradient quartile over that of the "
            "largest-gradient quartile"
        ),
        value=float(rate[quartiles[0]].mean() / rate[quartiles[-1]].mean()),
        tolerance=1.0,
        relation=">",
        columns=(
            "gradient quartile",
            "coordinates",
            r"mean RMS of $\nabla f_t$",
            r"mean measured shrink $\alpha\lambda'(M_t)_{jj}$",
            r"ratio to uniform $\lambda$",
        ),
        rows=rows,
        note=(
            f"{2 * STEPS} steps of torch.optim.Adam(lr $= {LR}$, betas $= (0, {BETA2})$, "
            f"weight_decay $= {L2_COEFFICIENT}$) on a 4-16-8-1 tanh MLP (225 coordinates). The "
            r"shrink rate of coordinate $j$ is the decay part of torch's last step over "
            r"$-\theta_j$, the decay part being that step minus a weight_decay $= 0$ twin's from "
            r"the same state and the same $M_t$; it matches "
            r"$\mathrm{lr}\,\lambda'\theta_j/(\sqrt{\hat v_j} + \epsilon)$ to "
            f"${tex_number(formula_gap, '.1g')}$. Uniform $\\lambda = {tex_number(uniform)}$ is "
            "the decoupled decay with the same mean; Spearman correlation of RMS gradient and "
            f"shrink rate is ${rho:.3f}$."
        ),
    )


@confirms("l2-decay-ratio-between-coordinates")
def decay_ratio_between_coordinates() -> Confirmation:
    """Headline: max relative gap between measured and predicted decay ratios (<= 1e-9).

    For every coordinate ``l`` against the coordinate ``j`` with the smallest ``vhat``: the
    measured ratio of shrink rates ``rate_j / rate_l`` against
    ``(sqrt(vhat_l) + eps)/(sqrt(vhat_j) + eps)``. Guard: every measured ratio is ``>= 1`` (the
    least-moment coordinate decays most).
    """
    shrink = measure_l2_shrink()
    vhat, rate = shrink.vhat, shrink.shrink_rate
    j = int(torch.argmin(vhat))
    measured = rate[j] / rate
    # (sqrt(vhat_l) + eps) / (sqrt(vhat_j) + eps)
    predicted = (vhat.sqrt() + EPS) / (vhat[j].sqrt() + EPS)
    gap = float(((measured - predicted) / predicted).abs().max())
    require(
        (bool((measured >= 1 - 1e-12).all()), "a coordinate decays more than the least-moment one")
    )
    order = torch.argsort(vhat)
    picks = [
        order[k] for k in (0, len(order) // 4, len(order) // 2, 3 * len(order) // 4, len(order) - 1)
    ]
    return Confirmation(
        quantity=(
            "max relative gap between the measured decay ratio and "
            r"$(\sqrt{\hat v_l} + \epsilon)/(\sqrt{\hat v_j} + \epsilon)$"
        ),
        value=gap,
        tolerance=1e-9,
        columns=(
            r"coordinate $l$",
            r"$\hat v_{t,l}$",
            r"measured rate $\alpha\lambda'(M_t)_{ll}$",
            r"measured $d_j/d_l$",
            r"$(\sqrt{\hat v_l} + \epsilon)/(\sqrt{\hat v_j} + \epsilon)$",
        ),
        rows=tuple(
            (int(l), float(vhat[l]), float(rate[l]), float(measured[l]), float(predicted[l]))
            for l in picks
        ),
        note=(
            f"The run of claim l2-decay-weaker-for-large-gradients ({2 * STEPS} steps of "
            f"torch.optim.Adam(lr $= {LR}$, betas $= (0, {BETA2})$, weight_decay "
            f"$= {L2_COEFFICIENT}$) on a 4-16-8-1 tanh MLP); $j$ is the coordinate with the "
            r"smallest $\hat v$; rows at the $\hat v$ quantiles. Decoupled decay would give every "
            "ratio 1."
        ),
    )
