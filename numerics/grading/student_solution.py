"""Problem set Q2.a: Adam and AdamW as ``torch.optim.Optimizer`` subclasses.

Fill in the blocks marked TODO so that ``Adam`` and ``AdamW`` behave exactly like
``torch.optim.Adam`` and ``torch.optim.AdamW`` (same constructor arguments, same defaults, same
numbers in float64). Both follow Loshchilov & Hutter 2019, Algorithm 2, with PyTorch's
conventions: the learning rate ``lr`` already includes any schedule multiplier, ``eps`` is added
*outside* the square root, and the step counter ``t`` starts at 1.

For every parameter ``p`` with gradient ``g``::

    m_t     = beta1 * m_{t-1} + (1 - beta1) * g            # first moment, m_0 = 0
    v_t     = beta2 * v_{t-1} + (1 - beta2) * g * g        # second moment, v_0 = 0
    m_hat   = m_t / (1 - beta1 ** t)                       # bias corrections
    v_hat   = v_t / (1 - beta2 ** t)
    p       = p - lr * m_hat / (sqrt(v_hat) + eps)

Adam's ``weight_decay`` is L2 regularization: it adds ``weight_decay * p`` to ``g`` before the
moments. AdamW's ``weight_decay`` is decoupled: it multiplies ``p`` by ``1 - lr * weight_decay``
(using the parameter *before* this step's update) and leaves ``g`` alone.

Check your work with ``wdproof grade THIS_FILE.py``.
"""

from __future__ import annotations

import torch


def _check_hyperparameters(lr, betas, eps, weight_decay) -> None:
    if lr < 0.0:
        raise ValueError(f"invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"invalid epsilon: {eps}")
    if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
        raise ValueError(f"invalid betas: {betas}")
    if weight_decay < 0.0:
        raise ValueError(f"invalid weight_decay: {weight_decay}")


class Adam(torch.optim.Optimizer):
    """Adam with L2 regularization through ``weight_decay`` (like ``torch.optim.Adam``)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        _check_hyperparameters(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                # TODO: update p with one step of Adam (L2-regularized when weight_decay > 0).
                # BEGIN SOLUTION Adam.step: update p with one Adam step
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                grad = p.grad
                if weight_decay != 0:
                    grad = grad.add(p, alpha=weight_decay)  # L2: the penalty's gradient
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                denom = (exp_avg_sq / bias_correction2).sqrt().add_(eps)
                p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
                # END SOLUTION
        return loss


class AdamW(torch.optim.Optimizer):
    """Adam with decoupled weight decay (like ``torch.optim.AdamW``; paper Algorithm 2)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        _check_hyperparameters(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                # TODO: update p with one step of AdamW (decoupled weight decay).
                # BEGIN SOLUTION AdamW.step: update p with one AdamW step
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                grad = p.grad
                p.mul_(1 - lr * weight_decay)  # decoupled decay of the pre-step parameter
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                denom = (exp_avg_sq / bias_correction2).sqrt().add_(eps)
                p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
                # END SOLUTION
        return loss
