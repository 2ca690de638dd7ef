"""Weight decay as an iteration-dependent L2 term (problem set Q1.b, last part; Prop. 3 generalized).

Prop. 2 rules out a constant L2 coefficient, but a regularizer that moves with the
preconditioner works. With the adaptive step ``theta - alpha M_t grad`` and

.. math:: f_t^{reg}(\\theta) = f_t(\\theta) + \\frac{\\lambda}{2\\alpha} \\theta^\\top M_t^{-1} \\theta,

where ``M_t`` is a constant matrix at step ``t`` (its value at ``theta_t``: it depends on
``theta_t`` through ``g_t``, but is not differentiated), the gradient of the extra term is
``(lambda/alpha) M_t^{-1} theta`` (``M_t`` symmetric), so

.. math:: \\theta - \\alpha M_t (g_t + \\tfrac{\\lambda}{\\alpha} M_t^{-1}\\theta)
          = (1 - \\lambda)\\theta - \\alpha M_t g_t,

exactly decoupled decay. The catch is the order of definitions: ``M_t`` must be built from
``grad f_1 .. grad f_t`` alone. If the second moment accumulates the regularized gradient, the
step uses another matrix ``Mtilde_t`` and leaves the residual ``lambda (I - Mtilde_t M_t^{-1})
theta - alpha (Mtilde_t - M_t) g``; on one coordinate with ``theta, g > 0`` it vanishes only if
``Mtilde_t = M_t`` (e.g. ``11/200`` for ``m = 1``, ``mtilde = 1/2``).

The fixed-preconditioner special case, the paper's Prop. 3, and its constant are in
:mod:`wdproof.derivations.prop3_normalization`.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, lam, matrix, n, vector

theta = vector("theta_t")
grad = vector("g_t")  # g_t = grad f_t(theta_t)
precond = matrix("M_t")  # built from grad f_1 .. grad f_t only
precond_used = matrix("Mtilde_t")  # what the optimizer uses if it also accumulates the regularizer
identity = sp.Identity(n)
const = sp.Symbol("c", positive=True)  # a candidate constant in front of theta^T M_t^{-1} theta

schedule_regularizer = lam / (2 * alpha) * (theta.T * precond.inverse() * theta)
schedule_step = theta - alpha * precond * (grad + lam / alpha * precond.inverse() * theta)
decoupled_step = (1 - lam) * theta - alpha * precond * grad
contaminated_step = theta - alpha * precond_used * (grad + lam / alpha * precond.inverse() * theta)

# One coordinate of a diagonal M_t (RMSProp): m = (M_t)_jj, mtilde = (Mtilde_t)_jj, all positive.
m_j, mtilde_j, theta_j, g_j = sp.symbols("m_j mtilde_j theta_j g_j", positive=True)
coordinate_residual = (
    theta_j
    - alpha * mtilde_j * (g_j + lam / alpha / m_j * theta_j)
    - ((1 - lam) * theta_j - alpha * m_j * g_j)
)
RESIDUAL_INSTANCE = {
    lam: sp.Rational(1, 100),
    alpha: sp.Rational(1, 10),
    m_j: 1,
    mtilde_j: sp.Rational(1, 2),
    theta_j: 1,
    g_j: 1,
}

ITERATION_DEPENDENT_L2 = Claim(
    id="iteration-dependent-l2-schedule",
    title="The L2 schedule lambda/(2 alpha) theta^T M_t^{-1} theta gives weight decay if M_t ignores it",
    source="Problem set Q1.b (last part); Loshchilov & Hutter 2019, Prop. 3 (generalized)",
    question="Q1.b",
    statement=sp.Eq(schedule_step, decoupled_step),
    statement_text=(
        r"For every dimension $n$, every symmetric invertible $M_t$, every $\theta$ and $g_t$: "
        r"$\theta - \alpha M_t \nabla f_t^{reg}(\theta) = (1 - \lambda)\theta - \alpha M_t g_t$ with "
        r"$f_t^{reg} = f_t + \frac{\lambda}{2\alpha}\theta^\top M_t^{-1}\theta$; for every step $t$, "
        r"provided the $M_t$ of the step is the one of the regularizer, i.e. built from "
        r"$\nabla f_1, \dots, \nabla f_t$ only. $M_t$ depends on $\theta_t$ through $g_t$; "
        r"$f_t^{reg}$ treats it as a constant matrix at step $t$ (not differentiated), as the "
        r"optimizer does."
    ),
    conventions=(
        r"Adaptive step $\theta_{t+1} = \theta_t - \alpha M_t \nabla f_t^{reg}(\theta_t)$; decoupled "
        r"decay $(1 - \lambda)\theta_t - \alpha M_t g_t$, PyTorch AdamW with "
        r"$\lambda = \mathrm{lr}\cdot\mathrm{weight\_decay}$ (betas $= (0, \beta_2)$: bias-corrected "
        r"RMSProp, $M_t = \mathrm{diag}(1/(\sqrt{\hat v_t} + \epsilon))$)."
    ),
    steps=(
        Identity(
            r"With $M_t$ held constant, the gradient of "
            r"$\frac{\lambda}{2\alpha}\theta^\top M_t^{-1}\theta$ is "
            r"$\frac{\lambda}{\alpha} M_t^{-1}\theta$, given $M_t^\top = M_t$ (RMSProp's $M_t$ is "
            r"diagonal). Without symmetry it is "
            r"$\frac{\lambda}{2\alpha}(M_t^{-1} + M_t^{-\top})\theta$.",
            schedule_regularizer.diff(theta),
            lam / alpha * precond.inverse() * theta,
            given={precond.T: precond},
        ),
        Identity(
            r"$M_t M_t^{-1} = I$: the preconditioner cancels on the regularizer's gradient and the step "
            r"is decoupled decay $\lambda$, for every $n$ and every $t$.",
            schedule_step,
            decoupled_step,
        ),
        Identity(
            r"With a constant $c$ in front of $\theta^\top M_t^{-1}\theta$, the step shrinks $\theta$ by "
            r"$1 - 2\alpha c$.",
            theta - alpha * precond * (grad + 2 * const * precond.inverse() * theta),
            (1 - 2 * alpha * const) * theta - alpha * precond * grad,
        ),
        Solution(
            r"So decay $\lambda$ requires $c = \lambda/(2\alpha)$: the normalization is forced.",
            sp.Eq(2 * alpha * const, lam),
            const,
            sp.FiniteSet(lam / (2 * alpha)),
        ),
        Identity(
            r"The condition: if the second moment accumulates $\nabla f_t^{reg}$, the step uses another "
            r"matrix $\tilde M_t$, and the residual against decoupled decay keeps both $\theta$ and $g_t$.",
            contaminated_step - decoupled_step,
            lam * (identity - precond_used * precond.inverse()) * theta
            - alpha * (precond_used - precond) * grad,
        ),
        Identity(
            r"The residual vanishes when $\tilde M_t = M_t$, i.e. when the regularizer's gradient does "
            r"not enter the second moment.",
            contaminated_step,
            decoupled_step,
            given={precond_used: precond},
        ),
        Identity(
            r"On one coordinate $j$ of a diagonal $M_t$ ($m = (M_t)_{jj}$, "
            r"$\tilde m = (\tilde M_t)_{jj}$) the residual is "
            r"$\lambda(1 - \tilde m/m)\theta_j - \alpha(\tilde m - m) g_j$.",
            coordinate_residual,
            lam * (1 - mtilde_j / m_j) * theta_j - alpha * (mtilde_j - m_j) * g_j,
        ),
        Solution(
            r"For $\theta_j, g_j > 0$ (and $\alpha, m, \tilde m > 0$) it vanishes iff "
            r"$\tilde m = m$: any other $\tilde m$ leaves a nonzero residual.",
            sp.Eq(coordinate_residual, 0),
            mtilde_j,
            sp.FiniteSet(m_j),
        ),
        Identity(
            r"A concrete instance: $\lambda = 1/100$, $\alpha = 1/10$, $m = 1$, $\tilde m = 1/2$, "
            r"$\theta_j = g_j = 1$ leaves the residual $11/200 \neq 0$.",
            coordinate_residual,
            sp.Rational(11, 200),
            given=RESIDUAL_INSTANCE,
        ),
    ),
    verdict=Verdict.conditional(
        r"$M_t$ is built from $\nabla f_1, \dots, \nabla f_t$ only (the optimizer's second "
        r"moment does not accumulate the regularizer's gradient), is held constant when "
        r"$f_t^{reg}$ is differentiated, and is symmetric and invertible",
        explanation=(
            r"Exact for every $n$ and every $t$ under the condition. Otherwise the step leaves "
            r"the residual $\lambda(I - \tilde M_t M_t^{-1})\theta - \alpha(\tilde M_t - M_t) g_t$, "
            r"which is not zero in general: on a coordinate with $\theta_j, g_j > 0$ it vanishes "
            r"only if $\tilde m = m$ (e.g. $11/200$ for $m = 1$, $\tilde m = 1/2$), and the "
            r"torch run with Adam's contaminated second moment deviates from AdamW."
        ),
    ),
)

CLAIMS = (ITERATION_DEPENDENT_L2,)
