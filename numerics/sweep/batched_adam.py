r"""Adam + L2, AdamW (PyTorch), AdamW (paper), SGD + L2 and SGDW for many cells at once.

The batched kernel of the sweep: one ``(cells, n_params)`` parameter tensor, per-cell learning
rate ``lr`` and grid value ``wd``. All Adam variants share one core (``torch.optim.Adam``'s
single-tensor algorithm, bias-corrected):

.. math::

    g \leftarrow g + \lambda'\theta,\quad
    m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
    v \leftarrow \beta_2 v + (1-\beta_2) g^2,

.. math::

    \theta \leftarrow (1 - \eta_t d)\,\theta
        - \eta_t s\,\frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}.

The variants (:data:`~wdproof.numerics.optimizers.conventions.VARIANTS`) differ only in the three
per-cell columns ``(lambda', d, s)`` of :class:`Coefficients`, built by :func:`coefficients`
from the variant's :class:`~wdproof.numerics.optimizers.conventions.DecayConvention` -- the single
switch between L2 and decoupled decay (paper Alg. 1-2):

==============  ======================  ==========================  ======================
convention      ``l2_coefficient``      ``decay_fraction`` ``d``    ``step`` ``s``
==============  ======================  ==========================  ======================
``L2``          ``wd`` (``lambda'``)    0                           ``eta lr``
``TORCH``       0                       ``eta lr wd``               ``eta lr``
``PAPER``       0                       ``eta wd`` (``eta lambda``) ``eta lr``
==============  ======================  ==========================  ======================

``wd`` is the per-step value of the variant's own hyperparameter (``lambda'`` under L2,
``lambda`` when decoupled); ``eta`` a constant factor of the schedule multiplier.

**The schedule, one rule for every variant.** Step ``t`` multiplies ``s`` and ``d`` by the
schedule's ``eta_t`` (:meth:`BatchedAdam.step`'s ``multiplier``; ``lambda'`` is never
scaled):

* the paper's convention: ``theta <- theta - eta_t (alpha step + lambda theta)`` (Alg. 1 line
  9, Alg. 2 line 12): ``eta_t`` multiplies both the adaptive step and the decay, ``alpha`` and
  ``lambda`` stay fixed, so the decay stays decoupled from ``alpha`` under any schedule. It is
  PyTorch's AdamW at ``lr = eta alpha``, ``weight_decay = lambda / alpha`` under the same
  scheduler.
* PyTorch's conventions behave as ``torch.optim.lr_scheduler`` does: ``lr_t = lr eta_t``, so
  ``torch.optim.AdamW`` decays by ``lr_t wd`` (the decay follows the schedule too) and
  ``torch.optim.Adam`` with ``weight_decay = lambda'`` steps by ``lr_t`` with ``lambda'`` fixed.

The SGD family (paper Fig. 2) is plain SGD, ``theta <- (1 - eta_t d) theta - eta_t s g``, with
the same rule (SGD + L2 under a scheduler; SGDW as paper Alg. 1 with ``beta1 = 0``).
:mod:`~wdproof.numerics.sweep.cells` gives each cell's reference rule and ``torch.optim``
set-up with its ``lr_scheduler``, against which the tests check this kernel
(``tests/test_sweep.py``, ``tests/test_sweep_schedules.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from wdproof.numerics.optimizers.conventions import DecayConvention, Variant


@dataclass(frozen=True)
class Coefficients:
    """Per-cell ``(cells, 1)`` columns: ``lambda'``, the decay fraction ``d``, the step ``s``.

    A value: nothing writes into its tensors; :meth:`zeroed` returns a new one.
    """

    l2_coefficient: torch.Tensor
    decay_fraction: torch.Tensor
    step: torch.Tensor

    def zeroed(self, cells: torch.Tensor) -> Coefficients:
        """These coefficients with the boolean-masked ``cells`` (shape ``(cells,)``) set to 0."""
        rows = cells.reshape(-1, 1)
        return Coefficients(
            l2_coefficient=self.l2_coefficient.masked_fill(rows, 0),
            decay_fraction=self.decay_fraction.masked_fill(rows, 0),
            step=self.step.masked_fill(rows, 0),
        )


def coefficients(
    variant: Variant, lr: torch.Tensor, wd: torch.Tensor, eta: float = 1.0
) -> Coefficients:
    """The table of the module docstring, for per-cell ``lr`` and ``wd`` of shape ``(cells,)``,
    at the multiplier ``eta`` (the schedule's ``eta_t`` multiplies ``d`` and ``s`` further)."""
    lr, wd = lr.reshape(-1, 1), wd.reshape(-1, 1)
    zero = torch.zeros_like(lr)
    convention = variant.convention
    if convention is DecayConvention.L2:
        # g <- g + lambda' theta: the penalty's gradient joins the method's statistics
        return Coefficients(l2_coefficient=wd, decay_fraction=zero, step=eta * lr)
    # d = lr eta lambda (PyTorch's AdamW, lr_t = lr eta) or eta lambda (paper Alg. 2 line 12);
    # s = eta alpha for both
    return Coefficients(zero, convention.decay_fraction(lr, eta, wd), step=eta * lr)


class BatchedAdam:
    """Adam state ``m, v`` for a ``(cells, n_params)`` parameter tensor, updated in place.

    ``params``, ``m`` and ``v`` are mutable state; ``coeffs`` is replaced, never written into.
    """

    def __init__(self, params: torch.Tensor, coeffs: Coefficients, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.coeffs = params, coeffs
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = torch.zeros_like(params)
        self.v = torch.zeros_like(params)
        self.t = 0
        self._has_l2_coefficient = bool((coeffs.l2_coefficient != 0).any())
        self._has_decay_fraction = bool((coeffs.decay_fraction != 0).any())

    @torch.no_grad()
    def step(self, grad: torch.Tensor, multiplier: float = 1.0) -> None:
        """One update of every cell at the schedule's ``multiplier`` ``eta_t`` (it scales the
        step ``s`` and the decay ``d``); ``grad`` may be overwritten."""
        c, p = self.coeffs, self.params
        self.t += 1
        if self._has_l2_coefficient:
            # g <- g + lambda' theta: the penalty's gradient joins the adaptive statistics
            grad.addcmul_(p, c.l2_coefficient)
        # m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2
        self.m.lerp_(grad, 1 - self.beta1)
        self.v.mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
        # m_hat / (sqrt(v_hat) + eps) = (sqrt(b2) / b1) * m / (sqrt(v) + eps sqrt(b2)) with
        # b_i = 1 - beta_i^t; dividing the denominator by the per-cell step s lets one
        # addcdiv_ apply s, the bias corrections and the update (fewer passes over memory).
        bias1 = 1 - self.beta1**self.t
        bias2_sqrt = math.sqrt(1 - self.beta2**self.t)
        denom = self.v.sqrt().add_(self.eps * bias2_sqrt).div_(c.step)
        if self._has_decay_fraction:
            # theta <- (1 - eta_t d) theta: decoupled, outside the adaptive step
            p.mul_(1 - multiplier * c.decay_fraction)
        # theta <- theta - eta_t s m_hat / (sqrt(v_hat) + eps): eta_t folds into the scalar
        p.addcdiv_(self.m, denom, value=-multiplier * bias2_sqrt / bias1)

    def freeze(self, cells: torch.Tensor) -> None:
        """Stop the boolean-masked ``cells`` for good: zero parameters and state in place, and
        swap in coefficients zeroed on those cells.

        A diverged cell then computes finite zeros for the rest of the run; no other row is
        read or written, so the remaining cells evolve exactly as without it.
        """
        for tensor in (self.params, self.m, self.v):
            tensor[cells] = 0
        self.coeffs = self.coeffs.zeroed(cells)


class BatchedSGD:
    """Plain SGD (no momentum) with the same coefficient table: ``sgd-l2`` and ``sgdw``.

    ``params`` is updated in place; ``coeffs`` is replaced, never written into.
    """

    def __init__(self, params: torch.Tensor, coeffs: Coefficients):
        self.params, self.coeffs = params, coeffs

    @torch.no_grad()
    def step(self, grad: torch.Tensor, multiplier: float = 1.0) -> None:
        """One update at the schedule's ``multiplier`` ``eta_t``; ``grad`` may be overwritten."""
        c, p = self.coeffs, self.params
        # g <- g + lambda' theta
        grad.addcmul_(p, c.l2_coefficient)
        # theta <- (1 - eta_t d) theta - eta_t s g
        p.mul_(1 - multiplier * c.decay_fraction)
        p.addcmul_(grad, c.step, value=-multiplier)

    def freeze(self, cells: torch.Tensor) -> None:
        """Zero the boolean-masked ``cells``' parameters and coefficients (see BatchedAdam)."""
        self.params[cells] = 0
        self.coeffs = self.coeffs.zeroed(cells)


def make_optimizer(variant: Variant, params: torch.Tensor, coeffs: Coefficients, betas, eps):
    """``BatchedAdam`` for the variants of the Adam family, ``BatchedSGD`` for the SGD family."""
    if variant.family == "adam":
        return BatchedAdam(params, coeffs, betas, eps)
    if variant.family == "sgd":
        return BatchedSGD(params, coeffs)
    raise ValueError(f"variant {variant.name!r} has no batched kernel (family {variant.family!r})")
