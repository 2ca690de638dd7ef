"""torch.optim.SGD with L2 against explicit decoupled decay (paper Prop. 1, Q1.a.i).

``torch.optim.SGD(weight_decay=lambda')`` adds ``lambda' theta`` to the gradient (L2). The
weight-decay side uses ``torch.optim.SGD(weight_decay=0)`` and multiplies ``theta`` by
``1 - lambda`` with ``lambda = lr * lambda'`` just before each step: both are Alg. 1 without
momentum on ``torch.optim.SGD`` (:func:`~wdproof.numerics.confirmations.sgd_torch.torch_sgd`).
Prop. 1 predicts identical trajectories; the tolerance 1e-12 allows float64 rounding over the
run.
"""

from __future__ import annotations

from wdproof.numerics.confirmation import Confirmation, confirms
from wdproof.numerics.confirmations.sgd_torch import torch_sgd_trajectory
from wdproof.numerics.optimizers.problems import logistic_regression, mlp_regression
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.trajectory import max_deviation

STEPS = 200
TOLERANCE = 1e-12
SETTINGS = ((0.1, 1e-2), (0.5, 1e-1), (0.05, 1.0))  # (lr, lambda')


@confirms("sgd-l2-equals-weight-decay")
def sgd_l2_matches_explicit_decay() -> Confirmation:
    rows, deviations = [], []
    for problem in (logistic_regression(seed=1), mlp_regression(seed=2)):
        for lr, l2_coefficient in SETTINGS:
            decay_rate = lr * l2_coefficient  # Prop. 1: lambda = alpha lambda'
            with_l2, with_decay = (
                torch_sgd_trajectory(problem, rule, STEPS)
                for rule in (
                    SGDW(lr, l2_coefficient=l2_coefficient),
                    SGDW(lr, decay_rate=decay_rate),
                )
            )
            deviations.append(max_deviation(with_l2, with_decay))
            rows.append((problem.name, lr, l2_coefficient, decay_rate, deviations[-1]))
    return Confirmation(
        quantity=(r"$\max \lvert\theta_{L_2} - \theta_{\mathrm{WD}}\rvert$ over " f"{STEPS} steps"),
        value=max(deviations),
        tolerance=TOLERANCE,
        columns=(
            "problem",
            r"lr $\alpha$",
            r"$L_2$ coefficient $\lambda'$",
            r"decay $\lambda = \alpha\lambda'$",
            "max deviation",
        ),
        rows=tuple(rows),
        note=(
            f"{STEPS} minibatch steps on logistic regression (8 features) and a "
            r"4-16-8-1 tanh MLP; torch.optim.SGD(weight_decay $= \lambda'$) vs torch.optim.SGD "
            r"with $\theta \leftarrow (1 - \lambda)\theta$ before each step."
        ),
    )
