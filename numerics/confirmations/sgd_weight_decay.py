"""torch.optim.SGD with L2 against explicit decoupled decay (paper Prop. 1, Q1.a.i).

``torch.optim.SGD(weight_decay=lambda')`` adds ``lambda' theta`` to the gradient (L2). The
weight-decay side uses ``torch.optim.SGD(weight_decay=0)`` and multiplies ``theta`` by
``1 - lambda`` with ``lambda = lr * lambda'`` just before each step. Prop. 1 predicts identical
trajectories; the tolerance 1e-12 allows float64 rounding over the run.
"""

from __future__ import annotations

import torch

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.problems import logistic_regression, max_deviation, mlp_regression, run_torch

STEPS = 200
TOLERANCE = 1e-12
SETTINGS = ((0.1, 1e-2), (0.5, 1e-1), (0.05, 1.0))  # (lr, lambda')


@confirms("sgd-l2-equals-weight-decay")
def sgd_l2_matches_explicit_decay() -> Confirmation:
    rows = []
    for problem in (logistic_regression(seed=1), mlp_regression(seed=2)):
        for lr, l2 in SETTINGS:
            decay = lr * l2  # Prop. 1: lambda = alpha * lambda'

            def shrink(params, _t, decay=decay):
                for p in params:
                    p.mul_(1 - decay)

            with_l2 = run_torch(
                problem, lambda ps, lr=lr, l2=l2: torch.optim.SGD(ps, lr=lr, weight_decay=l2), STEPS
            )
            with_decay = run_torch(
                problem, lambda ps, lr=lr: torch.optim.SGD(ps, lr=lr), STEPS, shrink
            )
            rows.append((problem.name, lr, l2, decay, max_deviation(with_l2, with_decay)))
    return Confirmation(
        quantity=f"max |theta_L2 - theta_WD| over {STEPS} steps",
        value=max(row[-1] for row in rows),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            "lr alpha",
            "L2 lambda'",
            "decay lambda = alpha lambda'",
            "max deviation",
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on logistic regression (8 features) and a "
            "4-16-8-1 tanh MLP; torch.optim.SGD(weight_decay=lambda') vs torch.optim.SGD with "
            "theta *= 1 - lambda before each step."
        ),
    )
