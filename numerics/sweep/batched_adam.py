"""Adam with L2, AdamW (PyTorch) and AdamW (paper) for many cells at once, per-cell lr and wd.

All three share one Adam core (torch.optim.Adam's single-tensor algorithm, bias-corrected):

.. math::

    g \\leftarrow g + \\lambda_{L2}\\,\\theta,\\quad
    m \\leftarrow \\beta_1 m + (1-\\beta_1) g,\\quad
    v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2,

.. math::

    \\theta \\leftarrow (1 - \\delta)\\,\\theta
        - s\\,\\frac{m / (1-\\beta_1^t)}{\\sqrt{v / (1-\\beta_2^t)} + \\epsilon}.

The variants differ only in the three per-cell coefficients ``(lambda_L2, delta, s)`` built
by :func:`coefficients` -- the single switch between L2 and decoupled decay (paper Alg. 2):

===============  ================  ===================  =============================
variant          ``lambda_L2``     decay ``delta``      step ``s``
===============  ================  ===================  =============================
``adam-l2``      ``lambda``        0                    ``alpha``  (torch Adam)
``adamw-torch``  0                 ``alpha * lambda``   ``alpha``  (torch AdamW)
``adamw-paper``  0                 ``eta * lambda``     ``eta * alpha`` (Alg. 2, line 12)
===============  ================  ===================  =============================

``alpha`` is the learning rate, ``lambda`` the grid's weight decay and ``eta`` the schedule
multiplier ``eta_t`` (constant, 1 by default). The paper's line 12,
``theta <- theta - eta_t (alpha m_hat / (sqrt(v_hat) + eps) + lambda theta)``, is therefore
torch AdamW with ``lr = eta alpha`` and ``weight_decay = lambda / alpha``: its decay does not
scale with ``alpha``. The optional ``sgd-l2`` / ``sgdw`` rows (paper Fig. 2) use plain SGD,
``theta <- (1 - delta) theta - s g``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

ADAM_VARIANTS = ("adam-l2", "adamw-torch", "adamw-paper")
SGD_VARIANTS = ("sgd-l2", "sgdw")
VARIANTS = ADAM_VARIANTS + SGD_VARIANTS

#: Human-readable names for figures and tables.
VARIANT_LABELS = {
    "adam-l2": "Adam + L2",
    "adamw-torch": "AdamW (PyTorch: decay $\\alpha\\lambda$)",
    "adamw-paper": "AdamW (paper: decay $\\eta\\lambda$)",
    "sgd-l2": "SGD + L2",
    "sgdw": "SGDW (decay $\\eta\\lambda$)",
}


@dataclass(frozen=True)
class Coefficients:
    """Per-cell ``(cells, 1)`` columns: L2 coefficient, decoupled decay, step size.

    A value: nothing writes into its tensors; :meth:`zeroed` returns a new one.
    """

    l2: torch.Tensor
    decay: torch.Tensor
    step: torch.Tensor

    def zeroed(self, cells: torch.Tensor) -> Coefficients:
        """These coefficients with the boolean-masked ``cells`` (shape ``(cells,)``) set to 0."""
        rows = cells.reshape(-1, 1)
        return Coefficients(
            l2=self.l2.masked_fill(rows, 0),
            decay=self.decay.masked_fill(rows, 0),
            step=self.step.masked_fill(rows, 0),
        )


def coefficients(
    variant: str, lr: torch.Tensor, wd: torch.Tensor, eta: float = 1.0
) -> Coefficients:
    """The table of the module docstring, for per-cell ``lr`` and ``wd`` of shape ``(cells,)``."""
    lr, wd = lr.reshape(-1, 1), wd.reshape(-1, 1)
    zero = torch.zeros_like(lr)
    if variant in ("adam-l2", "sgd-l2"):
        return Coefficients(l2=wd, decay=zero, step=lr)
    if variant == "adamw-torch":
        return Coefficients(l2=zero, decay=lr * wd, step=lr)
    if variant in ("adamw-paper", "sgdw"):
        return Coefficients(l2=zero, decay=eta * wd, step=eta * lr)
    raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")


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
        self._has_l2 = bool((coeffs.l2 != 0).any())
        self._has_decay = bool((coeffs.decay != 0).any())

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        """One update of every cell; ``grad`` may be overwritten."""
        c, p = self.coeffs, self.params
        self.t += 1
        if self._has_l2:
            grad.addcmul_(p, c.l2)  # L2: the penalty's gradient joins the adaptive statistics
        self.m.lerp_(grad, 1 - self.beta1)
        self.v.mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
        # m_hat / (sqrt(v_hat) + eps) = (sqrt(b2) / b1) * m / (sqrt(v) + eps sqrt(b2)) with
        # b_i = 1 - beta_i^t; dividing the denominator by the per-cell step s lets one
        # addcdiv_ apply s, the bias corrections and the update (fewer passes over memory).
        bias1 = 1 - self.beta1**self.t
        bias2_sqrt = math.sqrt(1 - self.beta2**self.t)
        denom = self.v.sqrt().add_(self.eps * bias2_sqrt).div_(c.step)
        if self._has_decay:
            p.mul_(1 - c.decay)  # decoupled: shrink theta outside the adaptive step
        p.addcdiv_(self.m, denom, value=-bias2_sqrt / bias1)

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
    """Plain SGD (no momentum) with the same coefficient table; ``sgd-l2`` vs ``sgdw``.

    ``params`` is updated in place; ``coeffs`` is replaced, never written into.
    """

    def __init__(self, params: torch.Tensor, coeffs: Coefficients):
        self.params, self.coeffs = params, coeffs

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        c, p = self.coeffs, self.params
        grad.addcmul_(p, c.l2)
        p.mul_(1 - c.decay)
        p.addcmul_(grad, c.step, value=-1)

    def freeze(self, cells: torch.Tensor) -> None:
        """Zero the boolean-masked ``cells``' parameters and coefficients (see BatchedAdam)."""
        self.params[cells] = 0
        self.coeffs = self.coeffs.zeroed(cells)


def make_optimizer(variant: str, params: torch.Tensor, coeffs: Coefficients, betas, eps):
    """``BatchedAdam`` for the Adam rows of the table, ``BatchedSGD`` for the SGD rows."""
    if variant in ADAM_VARIANTS:
        return BatchedAdam(params, coeffs, betas, eps)
    return BatchedSGD(params, coeffs)
