"""Reference optimizers: each update rule written once, as a small pure function of one tensor.

A rule is a frozen dataclass of hyperparameters with two methods: ``init(theta)`` returns the
per-tensor state (a tuple of tensors) and ``update(theta, grad, state, t)`` returns the new
``(theta, state)`` for step ``t = 1, 2, ...`` without touching its inputs. ``schedule(t)`` is
the paper's schedule multiplier ``eta_t`` (default 1); PyTorch's learning rate at step ``t`` is
then ``lr * eta_t``. The table in :mod:`wdproof.numerics.optimizer_cases` checks every rule
against ``torch.optim`` in float64.

* :class:`SGD` -- ``torch.optim.SGD``: L2 ``g + lambda' theta``, momentum buffer
  ``b_1 = g_1``, ``b_t = mu b_{t-1} + (1 - dampening) g_t``, optional Nesterov.
* :class:`SGDW` -- paper Alg. 1: ``m_t = beta1 m_{t-1} + eta_t alpha g_t``,
  ``theta_t = theta_{t-1} - m_t - eta_t lambda theta_{t-1}``.
* :class:`AdamRule` -- paper Alg. 2 and ``torch.optim.Adam/AdamW``; ``decay`` selects
  ``"l2"`` (Adam's ``weight_decay``), ``"torch"`` (AdamW: ``theta <- theta - lr eta_t lambda
  theta``) or ``"paper"`` (Alg. 2 line 12: ``theta <- theta - eta_t lambda theta``,
  independent of ``alpha``). ``amsgrad=True`` takes PyTorch's max over the *raw* second
  moment ``v_t`` and bias-corrects the maximum. Each piece of the step is its own method so
  that :mod:`wdproof.numerics.grading.mistakes` can override exactly one of them.
* :class:`BiasCorrectedRMSProp` -- the problem set's Q1.b method: Adam with ``beta1 = 0``.
* :class:`AdaGrad` -- ``torch.optim.Adagrad``: ``s_t = s_{t-1} + g_t^2``,
  ``theta_t = theta_{t-1} - lr_t g_t / (sqrt(s_t) + eps)``, ``lr_t = lr / (1 + (t-1) decay)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import torch

from wdproof.numerics.problems import Params, Problem, gradients

State = tuple[torch.Tensor, ...]
Schedule = Callable[[int], float]
DecayConvention = Literal["none", "l2", "torch", "paper"]


def constant_schedule(_t: int) -> float:
    return 1.0


def cosine_schedule(steps: int, eta_min: float = 0.0) -> Schedule:
    r"""Cosine annealing without restarts: the multiplier ``eta_t`` of step ``t = 1, ..., steps``.

    SGDR's ``eta_t = eta_min + (eta_max - eta_min)(1 + cos(pi T_cur / T_i))/2`` (paper Sec. 3)
    with ``eta_max = 1``, ``T_i = steps = T`` and ``T_cur = t - 1``, the steps already taken:

    .. math:: \eta_t = \eta_{min} + (1 - \eta_{min}) (1 + \cos(\pi (t - 1) / T)) / 2

    so ``eta_1 = 1`` and ``eta_T = eta_min + (1 - eta_min)(1 + cos(pi (T - 1)/T))/2``, just
    above ``eta_min`` (which step ``T + 1`` would reach). ``t`` is the step being taken, as in
    every rule here.
    """

    def eta(t: int) -> float:
        return eta_min + (1.0 - eta_min) * 0.5 * (1.0 + math.cos(math.pi * (t - 1) / steps))

    return eta


class Rule(Protocol):
    def init(self, theta: torch.Tensor) -> State: ...

    def update(
        self, theta: torch.Tensor, grad: torch.Tensor, state: State, t: int
    ) -> tuple[torch.Tensor, State]: ...


@dataclass(frozen=True)
class SGD:
    """``torch.optim.SGD`` (``maximize=False``): L2, momentum, dampening, Nesterov."""

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: Schedule = constant_schedule

    def init(self, theta):
        return (torch.zeros_like(theta),)

    def update(self, theta, grad, state, t):
        g = grad + self.weight_decay * theta
        (buffer,) = state
        if self.momentum:
            # PyTorch's first buffer is the raw gradient: no dampening on step 1.
            buffer = g if t == 1 else self.momentum * buffer + (1 - self.dampening) * g
            g = g + self.momentum * buffer if self.nesterov else buffer
        return theta - self.lr * self.schedule(t) * g, (buffer,)


@dataclass(frozen=True)
class SGDW:
    """Paper Alg. 1: SGD with momentum and decoupled weight decay ``lambda`` (L2 via ``l2``)."""

    alpha: float
    beta1: float = 0.0
    weight_decay: float = 0.0
    l2: float = 0.0
    schedule: Schedule = constant_schedule

    def init(self, theta):
        return (torch.zeros_like(theta),)

    def update(self, theta, grad, state, t):
        eta = self.schedule(t)
        g = grad + self.l2 * theta  # Alg. 1 line 6: the L2 term enters the gradient
        m = self.beta1 * state[0] + eta * self.alpha * g  # line 8
        return theta - m - eta * self.weight_decay * theta, (m,)  # line 9


@dataclass(frozen=True)
class AdamRule:
    """Adam / AdamW, paper Alg. 2 with PyTorch's ``eps`` placement ``sqrt(v_hat) + eps``.

    .. math::
        g_t = \\nabla f_t(\\theta_{t-1}) [+ \\lambda\\theta_{t-1}\\text{ if L2}], \\quad
        m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad
        v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2,

        \\theta_t = \\theta_{t-1} - \\eta_t \\alpha \\frac{m_t / (1-\\beta_1^t)}
            {\\sqrt{v_t / (1-\\beta_2^t)} + \\epsilon} - d_t \\theta_{t-1},

    with ``d_t = eta_t alpha lambda`` (``decay="torch"``), ``eta_t lambda`` (``"paper"``) or 0.
    """

    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    decay: DecayConvention = "none"
    amsgrad: bool = False
    schedule: Schedule = constant_schedule

    def init(self, theta):
        zeros = torch.zeros_like(theta)
        return (zeros, zeros, zeros)  # m, v, max v (AMSGrad)

    def gradient(self, theta, grad):
        return grad + self.weight_decay * theta if self.decay == "l2" else grad

    def moments(self, g, m, v):
        beta1, beta2 = self.betas
        return beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g

    def bias_corrections(self, t):
        beta1, beta2 = self.betas
        return 1 - beta1**t, 1 - beta2**t

    def denominator(self, v_hat):
        return v_hat.sqrt() + self.eps

    def decay_rate(self, t):
        """``d_t``: the fraction of ``theta_{t-1}`` removed by decoupled decay at step ``t``."""
        if self.decay == "torch":
            return self.lr * self.schedule(t) * self.weight_decay
        if self.decay == "paper":
            return self.schedule(t) * self.weight_decay
        return 0.0

    def decoupled_decay(self, theta, stepped, t):
        """Apply ``- d_t theta_{t-1}`` to the iterate after the adaptive step."""
        return stepped - self.decay_rate(t) * theta

    def update(self, theta, grad, state, t):
        m, v, v_max = state
        g = self.gradient(theta, grad)
        m, v = self.moments(g, m, v)
        v_max = torch.maximum(v_max, v) if self.amsgrad else v_max
        correction1, correction2 = self.bias_corrections(t)
        v_hat = (v_max if self.amsgrad else v) / correction2
        step = self.lr * self.schedule(t) * (m / correction1) / self.denominator(v_hat)
        return self.decoupled_decay(theta, theta - step, t), (m, v, v_max)


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, **kw) -> AdamRule:
    """``torch.optim.Adam``: ``weight_decay`` is an L2 coefficient added to the gradient."""
    return AdamRule(lr, tuple(betas), eps, weight_decay, "l2" if weight_decay else "none", **kw)


def adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, **kw) -> AdamRule:
    """``torch.optim.AdamW``: decoupled decay ``theta <- theta - lr weight_decay theta``."""
    return AdamRule(lr, tuple(betas), eps, weight_decay, "torch", **kw)


@dataclass(frozen=True)
class BiasCorrectedRMSProp:
    """Problem set Q1.b: ``v_t = beta2 v_{t-1} + (1-beta2) g_t^2``, step
    ``g / (sqrt(v_hat)+eps)``."""

    lr: float
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0  # L2
    schedule: Schedule = constant_schedule

    def init(self, theta):
        return (torch.zeros_like(theta),)

    def update(self, theta, grad, state, t):
        g = grad + self.weight_decay * theta
        v = self.beta2 * state[0] + (1 - self.beta2) * g * g
        v_hat = v / (1 - self.beta2**t)
        return theta - self.lr * self.schedule(t) * g / (v_hat.sqrt() + self.eps), (v,)


@dataclass(frozen=True)
class AdaGrad:
    """``torch.optim.Adagrad``: accumulated squares, ``eps`` outside the square root."""

    lr: float = 1e-2
    lr_decay: float = 0.0
    eps: float = 1e-10
    weight_decay: float = 0.0  # L2
    initial_accumulator_value: float = 0.0
    schedule: Schedule = constant_schedule

    def init(self, theta):
        return (torch.full_like(theta, self.initial_accumulator_value),)

    def update(self, theta, grad, state, t):
        g = grad + self.weight_decay * theta
        total = state[0] + g * g
        lr_t = self.lr * self.schedule(t) / (1 + (t - 1) * self.lr_decay)
        return theta - lr_t * g / (total.sqrt() + self.eps), (total,)


def run_rule(problem: Problem, rules: Rule | Sequence[Rule], steps: int) -> list[Params]:
    """Run ``rules`` (one for all tensors, or one per tensor) on ``f_1, f_2, ...``.

    Returns the parameters after each step, like :func:`wdproof.numerics.problems.run_torch`
    (whose loop calls minibatch ``t - 1`` at step ``t``).
    """
    params = problem.initial()
    per_tensor = list(rules) if isinstance(rules, Sequence) else [rules] * len(params)
    if len(per_tensor) != len(params):
        raise ValueError(f"{len(per_tensor)} rules for {len(params)} parameter tensors")
    with torch.no_grad():
        states = [rule.init(p.detach()) for rule, p in zip(per_tensor, params, strict=True)]
    history: list[Params] = []
    for t in range(1, steps + 1):
        grads = gradients(problem, params, t - 1)
        with torch.no_grad():
            stepped = [
                rule.update(p.detach(), g, s, t)
                for rule, p, g, s in zip(per_tensor, params, grads, states, strict=True)
            ]
        states = [s for _, s in stepped]
        params = [theta.clone().requires_grad_(True) for theta, _ in stepped]
        history.append([theta.detach().clone() for theta, _ in stepped])
    return history
