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

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, lam, lam_l2, vector

theta = vector("theta_t")
grad = vector("g_t")  # g_t = grad f_t(theta_t), any vector

l2_regularizer = lam_l2 / 2 * (theta.T * theta)
l2_gradient = l2_regularizer.diff(theta)
sgd_l2_step = theta - alpha * (grad + lam_l2 * theta)
sgd_weight_decay_step = (1 - lam) * theta - alpha * grad

SGD_L2_EQUALS_WEIGHT_DECAY = Claim(
    id="sgd-l2-equals-weight-decay",
    title="For SGD, L2 regularization equals weight decay with lambda = alpha * lambda'",
    source="Loshchilov & Hutter 2019, Prop. 1; problem set Q1.a.i",
    question="Q1.a.i",
    statement=sp.Eq(sgd_l2_step, sgd_weight_decay_step.subs(lam, alpha * lam_l2)),
    statement_text=(
        r"For every dimension $n$, every iterate $\theta_t$ and every gradient $g_t$, one SGD "
        r"step on $f_t + \frac{\lambda'}{2}\lVert\theta\rVert^2$ equals one SGD step with weight "
        r"decay $\lambda$ if and only if $\lambda = \alpha\lambda'$; hence the two trajectories "
        r"coincide at every step $t$."
    ),
    conventions=(
        r"SGD with learning rate $\alpha$, no momentum; weight decay multiplies $\theta_t$ by "
        r"$1 - \lambda$ in the same step (paper Eq. 1); $g_t = \nabla f_t(\theta_t)$."
    ),
    steps=(
        Identity(
            r"SymPy's matrix calculus gives the gradient of the $L_2$ term "
            r"$\frac{\lambda'}{2}\theta_t^\top\theta_t$ for any $n$:",
            l2_gradient,
            lam_l2 * theta,
        ),
        Identity(
            r"One SGD step on the regularized loss shrinks $\theta_t$ by the factor "
            r"$1 - \alpha\lambda'$.",
            sgd_l2_step,
            (1 - alpha * lam_l2) * theta - alpha * grad,
        ),
        Identity(
            r"The two one-step maps differ by a multiple of $\theta_t$; the gradient cancels.",
            sgd_l2_step - sgd_weight_decay_step,
            (lam - alpha * lam_l2) * theta,
        ),
        Solution(
            r"The difference vanishes for every $\theta_t$ exactly when its coefficient is zero.",
            sp.Eq(lam - alpha * lam_l2, 0),
            lam,
            sp.FiniteSet(alpha * lam_l2),
        ),
        Identity(
            r"With $\lambda = \alpha\lambda'$ the maps are identical, so by induction on $t$ the "
            r"trajectories from a common $\theta_0$ coincide at every step.",
            sgd_l2_step,
            sgd_weight_decay_step,
            given={lam: alpha * lam_l2},
        ),
    ),
    verdict=Verdict.proved(
        r"Holds exactly, for every $n$ and every $t$, if and only if $\lambda = \alpha\lambda'$."
    ),
)

CLAIMS = (SGD_L2_EQUALS_WEIGHT_DECAY,)
