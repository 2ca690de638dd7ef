"""torch.optim.Adam(weight_decay) is not torch.optim.AdamW (paper Prop. 2, Q1.b).

Both confirmations run bias-corrected RMSProp -- ``betas = (0, beta_2)``, the method of Q1.b --
on a 4-16-8-1 tanh MLP in float64.

* Prop. 2: ``Adam(weight_decay=lambda')`` (L2) against ``AdamW(weight_decay=wd)`` (decoupled,
  ``theta <- theta (1 - lr wd)``) for a log grid of decays ``lambda = lr wd``. Prop. 2 predicts
  that no decay reproduces the L2 trajectory: the smallest separation over the grid must stay
  clearly above float64 rounding (tolerance 1e-6).
* Effective decay: with L2 the regularizer shrinks coordinate ``j`` by ``lr lambda' (M_t)_jj``,
  read from Adam's own state. Coordinates are binned by the RMS of ``grad f_t`` over the run;
  the claim predicts the small-gradient quartile is decayed more than the large-gradient one.
"""

from __future__ import annotations

import torch

from wdproof.numerics.confirmation import DTYPE, Confirmation, confirms
from wdproof.numerics.problems import gradients, max_deviation, mlp_regression, run_torch

STEPS = 30
LR, BETA2, EPS = 1e-2, 0.999, 1e-8
L2 = 1e-1  # lambda'
DECAY_GRID = tuple(10.0**e for e in (-6, -4, -3, -2.5, -2, -1.5, -1))  # lambda = lr * wd
SEPARATION_TOLERANCE = 1e-6


def l2_adam(params):
    return torch.optim.Adam(params, lr=LR, betas=(0.0, BETA2), eps=EPS, weight_decay=L2)


def decoupled_adam(decay: float):
    """AdamW with PyTorch's convention ``theta <- theta (1 - lr wd)``, so ``wd = lambda / lr``."""
    return lambda params: torch.optim.AdamW(
        params, lr=LR, betas=(0.0, BETA2), eps=EPS, weight_decay=decay / LR
    )


@confirms("adaptive-l2-not-weight-decay")
def adam_l2_separates_from_adamw() -> Confirmation:
    problem = mlp_regression(seed=5)
    with_l2 = run_torch(problem, l2_adam, STEPS)
    rows = []
    for decay in DECAY_GRID:
        with_decay = run_torch(problem, decoupled_adam(decay), STEPS)
        rows.append((decay, decay / LR, max_deviation(with_l2, with_decay)))
    return Confirmation(
        quantity=f"min over lambda of max |theta_L2 - theta_WD(lambda)| over {STEPS} steps",
        value=min(row[-1] for row in rows),
        tolerance=SEPARATION_TOLERANCE,
        relation=">",
        columns=(
            r"decay $\lambda = \mathrm{lr}\cdot\mathrm{wd}$",
            "AdamW weight_decay",
            r"$\max_t \lVert\theta^{L_2}_t - \theta^{W}_t\rVert_\infty$",
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on a 4-16-8-1 tanh MLP; torch.optim.Adam(lr={LR}, "
            f"betas=(0, {BETA2}), weight_decay={L2}) vs torch.optim.AdamW(lr={LR}, "
            f"betas=(0, {BETA2}), weight_decay=lambda/lr) for each lambda of the grid."
        ),
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


def effective_decay_run(steps: int = 2 * STEPS) -> tuple[torch.Tensor, torch.Tensor]:
    """RMS of ``grad f_t`` per coordinate, and ``lr lambda' (M_t)_jj`` at the last step."""
    problem = mlp_regression(seed=6)
    params = problem.initial()
    optimizer = l2_adam(params)
    grad_squares = torch.zeros(sum(p.numel() for p in params), dtype=DTYPE)
    for t in range(steps):
        grad = gradients(problem, params, t)
        grad_squares += torch.cat([g.reshape(-1) for g in grad]) ** 2
        for p, g in zip(params, grad, strict=True):
            p.grad = g  # Adam adds lambda' theta itself (L2)
        optimizer.step()
    preconditioner = []
    for p in params:
        state = optimizer.state[p]
        vhat = state["exp_avg_sq"] / (1 - BETA2 ** float(state["step"]))
        preconditioner.append((1 / (vhat.sqrt() + EPS)).reshape(-1))  # (M_t)_jj
    return (grad_squares / steps).sqrt(), LR * L2 * torch.cat(preconditioner)


@confirms("l2-decay-weaker-for-large-gradients")
def large_gradient_coordinates_decay_less() -> Confirmation:
    grad_rms, decay = effective_decay_run()
    order = torch.argsort(grad_rms)
    quartiles = torch.chunk(order, 4)
    uniform = float(decay.mean())  # the AdamW lambda with the same average shrink
    rows = tuple(
        (
            f"Q{k + 1}",
            len(q),
            float(grad_rms[q].mean()),
            float(decay[q].mean()),
            float(decay[q].mean()) / uniform,
        )
        for k, q in enumerate(quartiles)
    )
    ratio = float(decay[quartiles[0]].mean() / decay[quartiles[-1]].mean())
    rho = spearman(grad_rms, decay)
    return Confirmation(
        quantity="mean effective decay of the smallest-gradient quartile / largest-gradient quartile",
        value=ratio,
        tolerance=1.0,
        relation=">",
        columns=(
            "gradient quartile",
            "coordinates",
            r"mean RMS of $\nabla f_t$",
            r"mean $\alpha\lambda'(M_t)_{jj}$",
            r"ratio to uniform $\lambda$",
        ),
        rows=rows,
        note=(
            f"float64; {2 * STEPS} steps of torch.optim.Adam(lr={LR}, betas=(0, {BETA2}), "
            f"weight_decay={L2}) on a 4-16-8-1 tanh MLP (225 coordinates); (M_t)_jj from the "
            f"optimizer's exp_avg_sq; uniform lambda = {uniform:.3g} is the decoupled decay with "
            f"the same mean; Spearman correlation of RMS gradient and effective decay = {rho:.3f}."
        ),
        extra={"spearman": rho, "uniform_decay": uniform},
    )
