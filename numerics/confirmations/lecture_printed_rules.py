"""The lecture's printed update rules, re-run in torch.optim (float64).

* ``lecture-adam-slide-uses-corrected-r``: at the counterexample (``g = 1``, step size 1e-3,
  guard 1e-8, rho_2 = 0.999), torch.optim.Adam's first step against lecture 004's printed line
  evaluated on torch's own state (``exp_avg_sq`` uncorrected): they differ by the kernel's gap.
* ``lecture-adagrad-effective-rate-never-grows``: torch.optim.Adagrad's ``sum`` state over a
  random stream: ``lr/sqrt(sum + eps)`` never grows from one step to the next.
"""

from __future__ import annotations

import math

import torch

from wdproof.derivations import lecture_printed_rules as printed
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.optimizers.problems import DTYPE


@confirms("lecture-adam-slide-uses-corrected-r")
def printed_adam() -> Confirmation:
    values = {str(k): float(v) for k, v in printed.COUNTER.items()}
    lr, guard, rho2, g = values[r"\epsilon"], values[r"\delta"], values[r"\rho_2"], values["g"]
    theta = torch.zeros(1, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr, betas=(0.9, rho2), eps=guard, foreach=False)
    theta.grad = torch.full((1,), g, dtype=DTYPE)
    opt.step()
    state = opt.state[theta]
    s_hat = float(state["exp_avg"][0]) / (1 - 0.9)
    r = float(state["exp_avg_sq"][0])
    # The slide's line: epsilon s_hat / (sqrt(r) + delta), r uncorrected.
    slide = lr * s_hat / (math.sqrt(r) + guard)
    torch_step = -float(theta.detach()[0])
    gap = float(printed.PRINTED_ADAM.proof.argument.gap)
    require((abs((slide - torch_step) - gap) <= 1e-15, "torch's gap differs from the kernel's"))
    return Confirmation(
        quantity="printed step $-$ torch.optim.Adam's first step ($g = 1$)",
        value=slide - torch_step,
        tolerance=1e-6,
        relation=">",
        columns=("first step", "value"),
        rows=(
            ("torch.optim.Adam", torch_step),
            (r"lecture 004's line, $\sqrt{r}$", slide),
            ("ratio", slide / torch_step),
        ),
        note=(
            f"torch.optim.Adam(lr={lr}, betas=(0.9, {rho2}), eps=${tex_number(guard)}$) one "
            "step with $g = 1$; the printed line evaluated on torch's exp_avg_sq; the "
            f"difference is the kernel's exact gap ${tex_number(gap, '.6e')}$ "
            r"(within $10^{-15}$)."
        ),
    )


@confirms("lecture-adagrad-effective-rate-never-grows")
def adagrad_rate() -> Confirmation:
    gen = torch.Generator().manual_seed(5)
    grads = torch.randn(200, 50, generator=gen, dtype=DTYPE)
    grads[50:60] = 0.0  # zero gradients: the rate must stay, not grow
    lr, eps = 0.1, 1e-10
    theta = torch.zeros(50, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.Adagrad([theta], lr=lr, eps=eps, foreach=False)
    rates = []
    for g in grads:
        theta.grad = g.clone()
        opt.step()
        # torch's Adagrad divides by sqrt(sum) + eps; the slide's rate is gamma/sqrt(s_t + eps).
        rates.append(lr / (opt.state[theta]["sum"] + eps).sqrt())
    rates = torch.stack(rates)
    growth = float((rates[1:] - rates[:-1]).max())
    return Confirmation(
        quantity=(
            r"largest one-step growth of $\gamma/\sqrt{s_t + \epsilon}$ over 200 steps, "
            "50 coordinates"
        ),
        value=max(growth, 0.0),
        tolerance=0.0,
        columns=("$t$", "rate, coordinate 0", "rate, smallest", "rate, largest"),
        rows=tuple(
            (s, float(rates[s - 1, 0]), float(rates[s - 1].min()), float(rates[s - 1].max()))
            for s in (1, 2, 10, 50, 60, 200)
        ),
        note=(
            f"torch.optim.Adagrad(lr={lr}, eps=${tex_number(eps)}$) fed Gaussian gradients "
            "with steps 51-60 zero; $s_t$ is torch's state 'sum'."
        ),
    )
