"""Paper vs PyTorch decay conventions for AdamW, confirmed with torch.optim (Q2.a).

Every number a confirmation of this claim family checks against is computed from the claim's
own SymPy objects (its stated solution set, closed form or ratio, turned into a function with
``lambdify``; :func:`stated_solution`) or read from ``claim.instance``, so a confirmation tests
the statement the kernel judged. The family's other confirmations:
:mod:`~wdproof.numerics.confirmations.optimizer_moments` (a constant gradient),
:mod:`~wdproof.numerics.confirmations.adam_epsilon` (eps-hat) and
:mod:`~wdproof.numerics.confirmations.adam_epsilon_inside_sqrt` (eps inside the root).

* ``adamw-paper-decay-equals-torch-decay``: ``torch.optim.AdamW`` with the claim's
  ``(gamma_t, w) = (alpha eta_t, lambda/alpha)`` against paper Alg. 2 built from
  ``torch.optim.Adam`` plus the paper's decay ``theta <- (1 - eta_t lambda) theta`` (cosine
  ``eta_t``), both through :func:`~wdproof.numerics.optimizers.trajectory.run_torch`. Copying
  the paper's ``lambda`` into ``weight_decay`` is the control.
"""

from __future__ import annotations

import math

import sympy as sp
import torch

from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations.claim import Claim
from wdproof.derivations.notation import alpha, decay_rate, eta
from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.optimizers.problems import Params, mlp_regression
from wdproof.numerics.optimizers.schedules import cosine_schedule
from wdproof.numerics.optimizers.trajectory import max_deviation, run_torch

STEPS = 100
TOLERANCE = 1e-12
#: ``(alpha, lambda)``: the paper's base rate and decay rate of each row.
SETTINGS = ((0.05, 4e-3), (0.01, 1e-3), (0.2, 2e-2))


def stated_solution(claim: Claim, point: int = 0) -> tuple[sp.Basic, ...]:
    """The ``point``-th element of a solutions statement's set, as a tuple of expressions."""
    element = list(claim.statement.solutions.args)[point]
    return tuple(element.args) if isinstance(element, sp.Tuple) else (element,)


@confirms("adamw-paper-decay-equals-torch-decay")
def torch_adamw_matches_paper_decay() -> Confirmation:
    schedule = cosine_schedule(STEPS, eta_min=0.1)
    lr_of, weight_decay_of = (
        sp.lambdify((alpha, eta, decay_rate), expr, modules="math")
        for expr in stated_solution(conventions.DECAY_CONVENTIONS)
    )
    problem = mlp_regression(seed=3)
    rows, deviations = [], []
    for base, rate in SETTINGS:

        def paper_decay(params: Params, t: int, rate: float = rate) -> None:
            # paper Alg. 2 line 12: theta <- theta - eta_t lambda theta_{t-1}, beside Adam's step
            for p in params:
                p.mul_(1 - schedule(t) * rate)

        # Paper Alg. 2: torch.optim.Adam at lr = alpha eta_t, after the paper's decay.
        paper = run_torch(
            problem,
            lambda ps, a=base: torch.optim.Adam(ps, lr=a, foreach=False),
            STEPS,
            schedule,
            paper_decay,
        )
        # The claim's pair: gamma_t = alpha eta_t is lr = alpha under the schedule eta_t;
        # weight_decay is the claim's w (it does not depend on eta_t).
        assert math.isclose(lr_of(base, 0.5, rate), base * 0.5)
        mapped_weight_decay = float(weight_decay_of(base, 1.0, rate))
        mapped, naive = (
            run_torch(
                problem,
                lambda ps, a=base, w=w: torch.optim.AdamW(ps, lr=a, weight_decay=w, foreach=False),
                STEPS,
                schedule,
            )
            for w in (mapped_weight_decay, rate)
        )
        deviations.append(max_deviation(paper, mapped))
        rows.append((base, rate, mapped_weight_decay, deviations[-1], max_deviation(paper, naive)))
    return Confirmation(
        quantity=(
            r"max $|\theta_{\mathrm{paper}} - \theta_{\mathrm{AdamW}}|$ with weight_decay "
            rf"$= \lambda/\alpha$, over {STEPS} steps"
        ),
        value=max(deviations),
        tolerance=TOLERANCE,
        columns=(
            r"$\alpha$",
            r"paper $\lambda$",
            r"weight_decay $= \lambda/\alpha$",
            "max deviation",
            r"control: weight_decay $= \lambda$",
        ),
        rows=tuple(rows),
        note=(
            f"{STEPS} minibatch steps on a 4-16-8-1 tanh MLP; cosine "
            r"$\eta_t$ from 1 to 0.1 set as every group's lr $= \alpha\eta_t$; paper side: "
            r"torch.optim.Adam with lr $= \alpha\eta_t$ after "
            r"$\theta \leftarrow (1 - \eta_t\lambda)\theta$."
        ),
    )
