"""Weight decay as a scheduled L2 term, against torch.optim.AdamW (Q1.b; Prop. 3 generalized).

The regularizer ``lambda/(2 alpha) sum_j theta_j^2 / (M_t)_jj`` with ``1/(M_t)_jj =
sqrt(vhat_{t,j}) + eps`` is differentiated by autograd. Two implementations of "bias-corrected RMSProp on f_t^reg":

- ``condition holds``: the second moment accumulates ``grad f_t`` only; the step
  ``theta - lr M_t grad f_t^reg`` is applied explicitly. Compared with
  ``torch.optim.AdamW(betas=(0, beta_2), weight_decay=lambda/lr)`` (PyTorch decays by
  ``lr * weight_decay``): must agree to 1e-12.
- ``condition violated``: ``grad f_t^reg`` (same regularizer) is handed to
  ``torch.optim.Adam(betas=(0, beta_2))``, whose second moment then accumulates it. The
  deviation from AdamW is measured and reported.

``M_t`` is held fixed when the regularizer is differentiated, as the claim states. The
fixed-preconditioner case (Prop. 3) is confirmed in ``prop3_normalization``.
"""

from __future__ import annotations

import torch

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.problems import Params, Problem, max_deviation, mlp_regression, run_torch

STEPS = 50
TOLERANCE = 1e-12
SETTINGS = ((1e-2, 0.999, 1e-3), (3e-2, 0.9, 1e-2))  # (lr alpha, beta_2, decay lambda)
EPS = 1e-8


def scheduled_l2_run(
    problem: Problem, lr: float, beta2: float, decay: float, contaminate: bool
) -> list[Params]:
    """RMSProp on ``f_t + decay/(2 lr) theta^T M_t^{-1} theta``; ``M_t`` from ``grad f`` only.

    With ``contaminate=False`` the adaptive step uses that ``M_t`` (the claim's condition).
    With ``contaminate=True`` torch.optim.Adam takes the step and its second moment
    accumulates the regularized gradient, so it preconditions with another matrix.
    """
    params = problem.initial()
    adam = torch.optim.Adam(params, lr=lr, betas=(0.0, beta2), eps=EPS) if contaminate else None
    second_moment = [torch.zeros_like(p) for p in params]  # of grad f_t only
    history = []
    for t in range(STEPS):
        loss_grads = torch.autograd.grad(problem.loss(params, t), params)
        inverse_precond = []  # 1/(M_t)_jj = sqrt(vhat_t) + eps, held fixed (not differentiated)
        for v, g in zip(second_moment, loss_grads, strict=True):
            v.mul_(beta2).add_((1 - beta2) * g * g)
            inverse_precond.append((v / (1 - beta2 ** (t + 1))).sqrt() + EPS)
        regularizer = sum(
            (p * p * m_inv).sum() for p, m_inv in zip(params, inverse_precond, strict=True)
        ) * (decay / (2 * lr))
        reg_grads = torch.autograd.grad(regularizer, params)
        full = [g + r for g, r in zip(loss_grads, reg_grads, strict=True)]  # grad f_t^reg
        with torch.no_grad():
            if adam is None:
                for p, g, m_inv in zip(params, full, inverse_precond, strict=True):
                    p.sub_(lr * g / m_inv)  # theta - lr M_t grad f_t^reg
            else:
                for p, g in zip(params, full, strict=True):
                    p.grad = g
                adam.step()
        history.append([p.detach().clone() for p in params])
    return history


def adamw(lr: float, beta2: float, decay: float):
    return lambda params: torch.optim.AdamW(
        params, lr=lr, betas=(0.0, beta2), eps=EPS, weight_decay=decay / lr
    )


@confirms("iteration-dependent-l2-schedule")
def scheduled_l2_matches_adamw() -> Confirmation:
    rows = []
    problem = mlp_regression(seed=7)
    for lr, beta2, decay in SETTINGS:
        reference = run_torch(problem, adamw(lr, beta2, decay), STEPS)
        for contaminate in (False, True):
            run = scheduled_l2_run(problem, lr, beta2, decay, contaminate)
            rows.append((lr, beta2, decay, not contaminate, max_deviation(run, reference)))
    held = [row[-1] for row in rows if row[3]]
    violated = [row[-1] for row in rows if not row[3]]
    return Confirmation(
        quantity=f"max |theta_sched - theta_AdamW| over {STEPS} steps, M_t from grad f_t only",
        value=max(held),
        tolerance=TOLERANCE,
        columns=(
            r"lr $\alpha$",
            r"$\beta_2$",
            r"decay $\lambda$",
            r"$M_t$ from $\nabla f_t$ only",
            r"$\max_t \lVert\theta_t - \theta^{AdamW}_t\rVert_\infty$",
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on a 4-16-8-1 tanh MLP; regularizer gradient by "
            "autograd; reference torch.optim.AdamW(betas=(0, beta_2), weight_decay=lambda/lr). "
            f"When the second moment accumulates grad f_t^reg (torch.optim.Adam) the deviation is "
            f"{min(violated):.2g} to {max(violated):.2g}."
        ),
        extra={"deviation_when_violated": min(violated)},
    )
