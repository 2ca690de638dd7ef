"""The converse of Prop. 2 on torch.optim.SGD: for ``M = kI`` L2 is weight decay (Q1.b).

``adaptive-l2-equals-decay-for-scalar-preconditioner``: the claim's instance ``alpha = 1/10``,
``lambda = 1/100``, ``k = 5/2``. ``M = kI`` is a learning rate ``alpha k``:
``torch.optim.SGD(lr = alpha k, weight_decay = lambda/(alpha k))`` against the same SGD with
explicit decay ``theta *= 1 - lambda`` before each step (both built from paper Alg. 1 by
:func:`~wdproof.numerics.confirmations.sgd_torch.torch_sgd_trajectory`): identical
trajectories. The coefficient without ``k`` (Prop. 1's ``lambda/alpha``) separates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from wdproof.derivations.l2_adaptive_scalar import SCALAR_PRECONDITIONER_CLAIM, ScalarInstance
from wdproof.numerics.confirmation import Confirmation, confirms, require
from wdproof.numerics.confirmations.l2_adaptive import (
    MATCH_TOLERANCE,
    SEPARATION_TOLERANCE,
)
from wdproof.numerics.confirmations.sgd_torch import torch_sgd_trajectory
from wdproof.numerics.optimizers.problems import logistic_regression, mlp_regression
from wdproof.numerics.optimizers.rules import SGDW
from wdproof.numerics.optimizers.trajectory import max_deviation

STEPS = 200
#: The coefficient Prop. 2's converse derives, and Prop. 1's, which forgets ``k``.
EXACT, WITHOUT_SCALE = r"$\lambda/(\alpha k)$", r"$\lambda/\alpha$"


@dataclass(frozen=True)
class ScalarRun:
    """One problem, one reading of ``lambda'``: the max deviation of L2 from explicit decay."""

    problem: str
    reading: str
    l2_coefficient: float
    deviation: float


@cache
def scalar_runs(
    instance: ScalarInstance = SCALAR_PRECONDITIONER_CLAIM.instance,
) -> tuple[ScalarRun, ...]:
    """SGD(lr = alpha k) + L2 at both readings of ``lambda'`` against explicit decay ``lambda``,
    on logistic regression and a 4-16-8-1 tanh MLP, ``STEPS`` steps each."""
    lr = instance.alpha * instance.scale  # alpha M_t = alpha k I
    readings = {
        EXACT: instance.decay_rate / (instance.alpha * instance.scale),
        WITHOUT_SCALE: instance.decay_rate / instance.alpha,
    }
    runs = []
    for problem in (logistic_regression(seed=1), mlp_regression(seed=2)):
        with_decay = torch_sgd_trajectory(problem, SGDW(lr, decay_rate=instance.decay_rate), STEPS)
        for reading, coefficient in readings.items():
            with_l2 = torch_sgd_trajectory(problem, SGDW(lr, l2_coefficient=coefficient), STEPS)
            deviation = max_deviation(with_l2, with_decay)
            runs.append(ScalarRun(problem.name, reading, coefficient, deviation))
    return tuple(runs)


@confirms("adaptive-l2-equals-decay-for-scalar-preconditioner")
def scalar_preconditioner_l2_is_decay() -> Confirmation:
    """Headline: max deviation of SGD(lr = alpha k) + L2 lambda/(alpha k) from explicit decay.

    Guard: the coefficient without ``k`` (``lambda/alpha``, Prop. 1's) separates.
    """
    instance: ScalarInstance = SCALAR_PRECONDITIONER_CLAIM.instance
    runs = scalar_runs(instance)
    missed = min(run.deviation for run in runs if run.reading == WITHOUT_SCALE)
    require(
        (
            missed > SEPARATION_TOLERANCE,
            f"the coefficient lambda/alpha (k forgotten) comes within {missed:.3g}",
        ),
    )
    return Confirmation(
        quantity=(
            r"$\max \lvert\theta_{L_2} - \theta_{\mathrm{WD}}\rvert$ over "
            rf"{STEPS} steps, $M = {instance.scale} I$, $\lambda' = \lambda/(\alpha k)$"
        ),
        value=max(run.deviation for run in runs if run.reading == EXACT),
        tolerance=MATCH_TOLERANCE,
        columns=("problem", r"$\lambda'$", "value", "max deviation"),
        rows=tuple((r.problem, r.reading, r.l2_coefficient, r.deviation) for r in runs),
        note=(
            rf"The claim's instance $\alpha = {instance.alpha}$, $\lambda = "
            rf"{instance.decay_rate}$, $k = {instance.scale}$: torch.optim.SGD(lr $= \alpha k$, "
            r"weight_decay $= \lambda'$) against torch.optim.SGD(lr $= \alpha k$) with "
            r"$\theta \leftarrow (1 - \lambda)\theta$ before each step, "
            f"{STEPS} minibatch steps on logistic regression and a 4-16-8-1 tanh MLP."
        ),
    )
