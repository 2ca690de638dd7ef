r"""Reference optimizers: each update rule written once, as a pure function of one tensor.

A rule is a frozen dataclass of hyperparameters, checked once in ``__post_init__`` (as
torch.optim checks them in ``__init__``), with two methods: ``init(theta)`` returns the
per-tensor state (a tuple of tensors) and ``update(theta, grad, state, t)`` returns the new
``(theta, state)`` for step ``t = 1, 2, ...`` without touching its inputs. ``schedule(t)`` is
the paper's multiplier ``eta_t`` (:mod:`~wdproof.numerics.optimizers.schedules`). Names
follow :mod:`~wdproof.numerics.optimizers.conventions`: ``l2_coefficient`` is ``lambda'``,
``decay_rate`` is the decoupled ``lambda`` and ``convention`` says how it is scaled. The case table
(:mod:`~wdproof.numerics.optimizers.cases`) matches every rule against ``torch.optim``.

* :class:`SGD` -- ``torch.optim.SGD``: momentum buffer ``b_1 = g_1``,
  ``b_t = mu b_{t-1} + (1 - dampening) g_t``, optional Nesterov.
* :class:`SGDW` -- paper Alg. 1: ``m_t = beta1 m_{t-1} + eta_t alpha g_t``,
  ``theta_t = theta_{t-1} - m_t - eta_t lambda theta_{t-1}``.
* :class:`AdamRule` -- paper Alg. 2, ``torch.optim.Adam`` and ``AdamW``. ``amsgrad=True``
  takes PyTorch's max over the raw ``v_t`` and bias-corrects the maximum. Each piece of the
  step is its own method so that :mod:`wdproof.numerics.grading.mistakes` can override one.
* :func:`bias_corrected_rmsprop` -- the problem set's Q1.b method: Adam with ``beta1 = 0``.
* :class:`AdaGrad` -- ``torch.optim.Adagrad``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch

from wdproof.numerics.optimizers.conventions import DecayConvention
from wdproof.numerics.optimizers.schedules import Schedule, constant_schedule

State = tuple[torch.Tensor, ...]


class Rule(Protocol):
    def init(self, theta: torch.Tensor) -> State: ...

    def update(
        self, theta: torch.Tensor, grad: torch.Tensor, state: State, t: int
    ) -> tuple[torch.Tensor, State]: ...


def check_hyperparameters(**values: float) -> None:
    """``ValueError`` naming the first invalid value, with torch.optim's bounds.

    Rates, coefficients and ``eps`` must be finite and ``>= 0``; each of ``betas`` in
    ``[0, 1)``; a momentum factor in ``[0, 1]``.
    """
    for name, value in values.items():
        if name == "betas":
            for i, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
            continue
        upper = 1.0 if name in ("momentum", "beta1", "dampening") else math.inf
        if not (math.isfinite(value) and 0.0 <= value <= upper):
            raise ValueError(f"Invalid {name}: {value}")


def _add_l2_gradient(
    grad: torch.Tensor, theta: torch.Tensor, l2_coefficient: float
) -> torch.Tensor:
    # g_t = grad f_t(theta_{t-1}) + lambda' theta_{t-1}: the penalty's gradient
    return grad + l2_coefficient * theta if l2_coefficient else grad


@dataclass(frozen=True)
class SGD:
    """``torch.optim.SGD`` (``maximize=False``): L2, momentum, dampening, Nesterov."""

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    l2_coefficient: float = 0.0
    schedule: Schedule = constant_schedule

    def __post_init__(self):
        check_hyperparameters(
            lr=self.lr,
            momentum=self.momentum,
            dampening=self.dampening,
            l2_coefficient=self.l2_coefficient,
        )

    def init(self, theta):
        return (torch.zeros_like(theta),)

    def update(self, theta, grad, state, t):
        g = _add_l2_gradient(grad, theta, self.l2_coefficient)
        (buffer,) = state
        if self.momentum:
            # b_1 = g_1 (PyTorch: no dampening on step 1); b_t = mu b_{t-1} + (1 - d) g_t
            buffer = g if t == 1 else self.momentum * buffer + (1 - self.dampening) * g
            # Nesterov: g_t + mu b_t; otherwise b_t
            g = g + self.momentum * buffer if self.nesterov else buffer
        # theta_t = theta_{t-1} - lr eta_t g
        return theta - self.lr * self.schedule(t) * g, (buffer,)


@dataclass(frozen=True)
class SGDW:
    """Paper Alg. 1: SGD with momentum, L2 (line 6) and decoupled decay (line 9)."""

    alpha: float
    beta1: float = 0.0
    decay_rate: float = 0.0
    l2_coefficient: float = 0.0
    schedule: Schedule = constant_schedule

    def __post_init__(self):
        check_hyperparameters(
            alpha=self.alpha,
            beta1=self.beta1,
            decay_rate=self.decay_rate,
            l2_coefficient=self.l2_coefficient,
        )

    def init(self, theta):
        return (torch.zeros_like(theta),)

    def update(self, theta, grad, state, t):
        eta = self.schedule(t)
        g = _add_l2_gradient(grad, theta, self.l2_coefficient)  # line 6
        # line 8: m_t = beta1 m_{t-1} + eta_t alpha g_t
        m = self.beta1 * state[0] + eta * self.alpha * g
        # line 9: theta_t = theta_{t-1} - m_t - eta_t lambda theta_{t-1}
        return theta - m - eta * self.decay_rate * theta, (m,)


@dataclass(frozen=True)
class AdamRule:
    r"""Adam / AdamW, paper Alg. 2 with PyTorch's ``eps`` placement ``sqrt(v_hat) + eps``.

    .. math::
        g_t = \nabla f_t(\theta_{t-1}) + \lambda'\theta_{t-1}, \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

        \theta_t = \theta_{t-1} - \eta_t \alpha \frac{m_t / (1-\beta_1^t)}
            {\sqrt{v_t / (1-\beta_2^t)} + \epsilon} - d_t \theta_{t-1},

    with ``d_t = lr eta_t lambda`` (``convention=TORCH``) or ``eta_t lambda`` (``PAPER``).
    """

    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    l2_coefficient: float = 0.0
    decay_rate: float = 0.0
    convention: DecayConvention = DecayConvention.TORCH
    amsgrad: bool = False
    schedule: Schedule = constant_schedule

    def __post_init__(self):
        check_hyperparameters(
            lr=self.lr,
            betas=self.betas,
            eps=self.eps,
            l2_coefficient=self.l2_coefficient,
            decay_rate=self.decay_rate,
        )
        if not self.convention.decoupled:
            raise ValueError("convention scales decay_rate: TORCH or PAPER (L2 is l2_coefficient)")

    def init(self, theta):
        zeros = torch.zeros_like(theta)
        return (zeros, zeros, zeros)  # m, v, max v (AMSGrad)

    def gradient(self, theta, grad):
        return _add_l2_gradient(grad, theta, self.l2_coefficient)

    def moments(self, g, m, v):
        beta1, beta2 = self.betas
        # m_t = beta1 m_{t-1} + (1 - beta1) g_t;  v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
        return beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g

    def bias_corrections(self, t):
        beta1, beta2 = self.betas
        # 1 - beta1^t, 1 - beta2^t
        return 1 - beta1**t, 1 - beta2**t

    def denominator(self, v_hat):
        # sqrt(v_hat_t) + eps
        return v_hat.sqrt() + self.eps

    def decay_fraction(self, t):
        """``d_t``: the fraction of ``theta_{t-1}`` removed by decoupled decay at step ``t``."""
        return self.convention.decay_fraction(self.lr, self.schedule(t), self.decay_rate)

    def decoupled_decay(self, theta, stepped, t):
        """Apply ``- d_t theta_{t-1}`` to the iterate after the adaptive step."""
        return stepped - self.decay_fraction(t) * theta

    def update(self, theta, grad, state, t):
        m, v, v_max = state
        g = self.gradient(theta, grad)
        m, v = self.moments(g, m, v)
        v_max = torch.maximum(v_max, v) if self.amsgrad else v_max
        correction1, correction2 = self.bias_corrections(t)
        # v_hat_t = v_t / (1 - beta2^t)  (AMSGrad: max_{i <= t} v_i / (1 - beta2^t))
        v_hat = (v_max if self.amsgrad else v) / correction2
        # lr eta_t m_hat_t / (sqrt(v_hat_t) + eps), m_hat_t = m_t / (1 - beta1^t)
        step = self.lr * self.schedule(t) * (m / correction1) / self.denominator(v_hat)
        return self.decoupled_decay(theta, theta - step, t), (m, v, v_max)


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, **kw) -> AdamRule:
    """``torch.optim.Adam(lr, betas, eps, weight_decay)``: ``weight_decay`` is ``lambda'``."""
    return AdamRule(lr, tuple(betas), eps, l2_coefficient=weight_decay, **kw)


def adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, **kw) -> AdamRule:
    """``torch.optim.AdamW(lr, betas, eps, weight_decay)``: ``weight_decay`` is ``lambda``,
    scaled by ``lr`` (:attr:`DecayConvention.TORCH`)."""
    return AdamRule(lr, tuple(betas), eps, decay_rate=weight_decay, **kw)


def bias_corrected_rmsprop(
    lr: float,
    beta2: float = 0.999,
    eps: float = 1e-8,
    l2_coefficient: float = 0.0,
    schedule: Schedule = constant_schedule,
) -> AdamRule:
    """Problem set Q1.b: ``v_t = beta2 v_{t-1} + (1-beta2) g_t^2``, step
    ``lr eta_t g_t / (sqrt(v_t / (1 - beta2^t)) + eps)``: Adam with ``beta1 = 0``
    (then ``m_t = g_t`` and ``1 - beta1^t = 1``, exactly)."""
    return AdamRule(lr, (0.0, beta2), eps, l2_coefficient=l2_coefficient, schedule=schedule)


@dataclass(frozen=True)
class AdaGrad:
    """``torch.optim.Adagrad``: accumulated squares, ``eps`` outside the square root."""

    lr: float = 1e-2
    lr_decay: float = 0.0
    eps: float = 1e-10
    l2_coefficient: float = 0.0
    initial_accumulator_value: float = 0.0
    schedule: Schedule = constant_schedule

    def __post_init__(self):
        check_hyperparameters(
            lr=self.lr,
            lr_decay=self.lr_decay,
            eps=self.eps,
            l2_coefficient=self.l2_coefficient,
            initial_accumulator_value=self.initial_accumulator_value,
        )

    def init(self, theta):
        return (torch.full_like(theta, self.initial_accumulator_value),)

    def update(self, theta, grad, state, t):
        g = _add_l2_gradient(grad, theta, self.l2_coefficient)
        # s_t = s_{t-1} + g_t^2
        total = state[0] + g * g
        # lr_t = lr eta_t / (1 + (t - 1) lr_decay)
        lr_t = self.lr * self.schedule(t) / (1 + (t - 1) * self.lr_decay)
        # theta_t = theta_{t-1} - lr_t g_t / (sqrt(s_t) + eps)
        return theta - lr_t * g / (total.sqrt() + self.eps), (total,)
