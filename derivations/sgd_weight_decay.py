"""Plain SGD: L2 regularization and weight decay are the same method (paper Prop. 1, Q1.a.i).

SGD on the L2-regularized loss ``f_t(theta) + lambda'/2 ||theta||^2`` steps

.. math:: \\theta_{t+1} = \\theta_t - \\alpha (\\nabla f_t(\\theta_t) + \\lambda' \\theta_t),

SGD with weight decay ``lambda`` steps

.. math:: \\theta_{t+1} = (1 - \\lambda) \\theta_t - \\alpha \\nabla f_t(\\theta_t).

The two one-step maps agree for every ``theta_t`` and every gradient exactly when
``lambda = alpha * lambda'``. Identical one-step maps from the same start give identical
trajectories for every step ``t`` by induction, so the statement holds for all steps and, the
vectors being ``MatrixSymbol``s of symbolic size ``n``, for every dimension.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, decay_rate, l2_coefficient, vector

theta = vector("theta_t")
grad = vector("g_t")  # g_t = grad f_t(theta_t), any vector

#: The L2 step as SGD takes it: the gradient of lambda'/2 ||theta||^2, lambda' theta, joins g_t.
sgd_l2_step = theta - alpha * (grad + l2_coefficient * theta)
sgd_weight_decay_step = (1 - decay_rate) * theta - alpha * grad

SGD_L2_EQUALS_WEIGHT_DECAY = Claim(
    id="sgd-l2-equals-weight-decay",
    title=(
        r"For SGD, $L_2$ regularization equals weight decay exactly when "
        r"$\lambda = \alpha\lambda'$"
    ),
    source="paper Prop. 1 (main text); problem set Q1.a.i",
    question="Q1.a.i",
    statement=Statement.solution_set(
        [decay_rate], sgd_l2_step, sgd_weight_decay_step, sp.FiniteSet(alpha * l2_coefficient)
    ),
    statement_text=(
        r"For every dimension $n$, every iterate $\theta_t$ and every gradient $g_t$, one SGD "
        r"step on $f_t + \frac{\lambda'}{2}\lVert\theta\rVert^2$ equals one SGD step with weight "
        r"decay $\lambda$ if and only if $\lambda = \alpha\lambda'$: the set of decay rates that "
        r"make the two steps agree for all $\theta_t$, $g_t$ is $\{\alpha\lambda'\}$. Equal "
        r"one-step maps from a common $\theta_0$ give equal iterates at every step $t$."
    ),
    conventions=(
        r"SGD with learning rate $\alpha$, no momentum; the $L_2$ term's gradient is "
        r"$\nabla\frac{\lambda'}{2}\lVert\theta\rVert^2 = \lambda'\theta$; weight decay "
        r"multiplies $\theta_t$ by $1 - \lambda$ in the same step (paper Eq. 1); "
        r"$g_t = \nabla f_t(\theta_t)$. $\theta_t$ and $g_t$ are $n \times 1$ vectors, "
        r"for every $n$."
    ),
    proof=Proof(
        Characterization(
            # Only if: both maps are linear in (theta_t, g_t); for them to agree for every
            # theta_t and g_t, each coefficient of the difference must vanish.
            necessary=Conditions(
                (Coefficients((theta, grad)),), (decay_rate - alpha * l2_coefficient,)
            ),
            # If: with lambda = alpha lambda' the L2 step is the weight-decay step.
            sufficient=(
                Chain(
                    sgd_l2_step,
                    (
                        Link(
                            (1 - alpha * l2_coefficient) * theta - alpha * grad,
                            r"Collect $\theta_t$: the $L_2$ step shrinks it by "
                            r"$1 - \alpha\lambda'$, the decay step of rate $\alpha\lambda'$.",
                        ),
                    ),
                ),
            ),
        ),
        remarks=(
            (
                r"Identical one-step maps from the same $\theta_0$ give identical trajectories "
                r"by induction on $t$."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $n$ and every $t$: the maps agree if and only if "
        r"$\lambda = \alpha\lambda'$, so an $L_2$ coefficient $\lambda'$ is weight decay of rate "
        r"$\alpha\lambda'$, a rate that changes with the learning rate."
    ),
)

CLAIMS = (SGD_L2_EQUALS_WEIGHT_DECAY,)
