"""AdamW's decay part after two gradient histories, against Adam + L2 (lecture notes 002).

Two gradient histories of 10 steps (small gradients, scale 0.01, and large ones, scale 10, on
4 coordinates) build two optimizer states with very different ``vhat``; the iterate is then set
to the same ``theta_t`` in both, and from each state two twins take the same last step: one with
the decay (``weight_decay``), one without (a deep copy of the state, ``weight_decay = 0``). The
decay part is the difference of the twins' iterates.

* ``torch.optim.AdamW``: the decay part must be the claim's ``-gamma lambda theta_t``
  (lambdified from the statement) in both histories, to 1e-12;
* ``torch.optim.Adam(weight_decay=lambda')`` (L2, the contrast of claims
  ``l2-decay-weaker-for-large-gradients`` and ``adaptive-l2-not-weight-decay``): its decay part
  must differ between the histories (the large-gradient history decays far less).
"""

from __future__ import annotations

import copy

import sympy as sp
import torch

from wdproof.derivations import lecture_decay_history as history
from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.notation import decay_rate
from wdproof.numerics.confirmation import Confirmation, confirms, require, tex_number
from wdproof.numerics.optimizers.problems import DTYPE

TOLERANCE = 1e-12
LR, WEIGHT_DECAY, EPS, BETAS = 1e-2, 0.1, 1e-8, (0.9, 0.999)
STEPS, SCALES = 10, (0.01, 10.0)
THETA_T = (1.0, -0.5, 2.0, 0.25)  # the iterate both histories share before the last step


def decay_part(optimizer_class, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The decay part of the last step after a history of gradients of size ``scale``, and the
    state's ``vhat`` (torch's ``exp_avg_sq / (1 - beta2^t)`` after the last step)."""
    gen = torch.Generator().manual_seed(7)
    grads = scale * torch.randn(STEPS + 1, len(THETA_T), generator=gen, dtype=DTYPE)
    x = torch.zeros(len(THETA_T), dtype=DTYPE, requires_grad=True)
    settings = {"lr": LR, "betas": BETAS, "eps": EPS, "foreach": False}
    opt = optimizer_class([x], weight_decay=0.0, **settings)
    for g in grads[:-1]:  # the gradient history, without decay
        x.grad = g.clone()
        opt.step()
    with torch.no_grad():
        x.copy_(torch.tensor(THETA_T, dtype=DTYPE))
    twin = x.detach().clone().requires_grad_(True)
    twin_opt = optimizer_class([twin], weight_decay=0.0, **settings)
    twin_opt.load_state_dict(copy.deepcopy(opt.state_dict()))
    opt.param_groups[0]["weight_decay"] = WEIGHT_DECAY
    for p, o in ((x, opt), (twin, twin_opt)):
        p.grad = grads[-1].clone()
        o.step()
    v_hat = opt.state[x]["exp_avg_sq"] / (1 - BETAS[1] ** (STEPS + 1))
    return (x - twin).detach(), v_hat


@confirms("lecture-adamw-decay-independent-of-history")
def decay_independent_of_history() -> Confirmation:
    claimed = sp.lambdify(
        (gamma, decay_rate, history.theta_t),
        history.DECAY_INDEPENDENT_OF_HISTORY.statement.rhs,
        modules="torch",
    )
    predicted = claimed(LR, WEIGHT_DECAY, torch.tensor(THETA_T, dtype=DTYPE))
    miss, rows, l2_parts = 0.0, [], []
    for scale in SCALES:
        adamw, v_hat = decay_part(torch.optim.AdamW, scale)
        adam_l2, _ = decay_part(torch.optim.Adam, scale)
        miss = max(miss, float((adamw - predicted).abs().max()))
        l2_parts.append(adam_l2)
        rows.append(
            (scale, float(v_hat[0]), float(adamw[0]), float(predicted[0]), float(adam_l2[0]))
        )
    ratio = float((l2_parts[0] / l2_parts[1]).abs().min())
    require((ratio > 10, f"Adam + L2's decay parts should differ between histories ({ratio})"))
    return Confirmation(
        quantity=(
            r"max over both histories and coordinates of $|$AdamW decay part "
            r"$+ \gamma\lambda\theta_t|$"
        ),
        value=miss,
        tolerance=TOLERANCE,
        columns=(
            "gradient scale",
            r"$\hat v_t$ (coord 0)",
            "AdamW decay part",
            r"$-\gamma\lambda\theta_t$",
            r"Adam + $L_2$ decay part",
        ),
        rows=tuple(rows),
        note=(
            f"torch.optim.AdamW and Adam(lr={LR}, betas={BETAS}, eps=${tex_number(EPS)}$), "
            f"weight_decay {WEIGHT_DECAY} vs 0 on the last of {STEPS + 1} steps, after "
            f"{STEPS} random gradients of scale {SCALES[0]} or {SCALES[1]}, "
            rf"$\theta_t = ({', '.join(f'{x:g}' for x in THETA_T)})$. Adam + $L_2$'s decay part "
            f"is at least {ratio:.0f} times smaller after the large-gradient history, in every "
            "coordinate."
        ),
        extra={
            "l2_ratio": ratio,
            "l2_small": l2_parts[0].tolist(),
            "l2_large": l2_parts[1].tolist(),
        },
    )
