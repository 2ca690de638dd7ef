"""Weight decay as an iteration-dependent L2 term (problem set Q1.b, last part; paper Prop. 3).

Prop. 2 rules out a constant L2 coefficient, but a regularizer that moves with the
preconditioner works. With the adaptive step ``theta - alpha M_t grad`` and

.. math:: f_t^{reg}(\\theta) = f_t(\\theta) + \\frac{\\lambda}{2\\alpha} \\theta^\\top M_t^{-1} \\theta,

the gradient of the extra term is ``(lambda/alpha) M_t^{-1} theta`` (``M_t`` symmetric), so

.. math:: \\theta - \\alpha M_t (g_t + \\tfrac{\\lambda}{\\alpha} M_t^{-1}\\theta)
          = (1 - \\lambda)\\theta - \\alpha M_t g_t,

exactly decoupled decay. The catch is the order of definitions: ``M_t`` must be built from
``grad f_1 .. grad f_t`` alone. If the second moment accumulates the regularized gradient, the
step uses another matrix ``Mtilde_t`` and the residual ``lambda (I - Mtilde_t M_t^{-1}) theta -
alpha (Mtilde_t - M_t) g`` remains.

The paper's Prop. 3 is the special case of a fixed ``M_t = diag(s)^{-1}``: the regularizer
``lambda'/(2 alpha) ||theta . sqrt(s)||^2`` with ``lambda' = lambda``. The constant ``1/(2 alpha)``
is the only consistent one: with ``c ||theta . sqrt(s)||^2`` the step decays by ``2 alpha c``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, lam, lam_l2, matrix, n, t, vector

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
        r"$\nabla f_1, \dots, \nabla f_t$ only."
    ),
    conventions=(
        r"Adaptive step $\theta_{t+1} = \theta_t - \alpha M_t \nabla f_t^{reg}(\theta_t)$; decoupled "
        r"decay $(1 - \lambda)\theta_t - \alpha M_t g_t$, PyTorch AdamW with "
        r"$\lambda = \mathrm{lr}\cdot\mathrm{weight\_decay}$ (betas $= (0, \beta_2)$: bias-corrected "
        r"RMSProp, $M_t = \mathrm{diag}(1/(\sqrt{\hat v_t} + \epsilon))$)."
    ),
    steps=(
        Identity(
            r"The gradient of $\frac{\lambda}{2\alpha}\theta^\top M_t^{-1}\theta$ is "
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
    ),
    verdict=Verdict.conditional(
        r"$M_t$ is built from $\nabla f_1, \dots, \nabla f_t$ only (the optimizer's second "
        r"moment does not accumulate the regularizer's gradient), and $M_t$ is symmetric and "
        r"invertible",
        explanation=(
            r"Exact for every $n$ and every $t$ under the condition; otherwise the residual "
            r"$\lambda(I - \tilde M_t M_t^{-1})\theta - \alpha(\tilde M_t - M_t) g_t$ remains."
        ),
    ),
)

s_j = sp.Symbol("s_j", positive=True)
theta_j = sp.IndexedBase("theta")[t, sp.Symbol("j")]
g_j = sp.IndexedBase("g")[t, sp.Symbol("j")]


def scale_adjusted_step(constant: sp.Expr) -> sp.Expr:
    """Coordinate j of ``theta - alpha diag(s)^{-1} grad(f + constant ||theta . sqrt(s)||^2)``."""
    return theta_j - alpha / s_j * (g_j + sp.diff(constant * s_j * theta_j**2, theta_j))


fixed_decay_step = (1 - lam) * theta_j - alpha / s_j * g_j

PROP3_NORMALIZATION = Claim(
    id="prop3-scale-adjusted-l2-normalization",
    title="Prop. 3 with a fixed preconditioner: the constant lambda'/(2 alpha) is the consistent one",
    source="Loshchilov & Hutter 2019, Prop. 3; problem set Q1.b (last part)",
    question="Q1.b",
    statement=sp.Eq(scale_adjusted_step(lam_l2 / (2 * alpha)), fixed_decay_step.subs(lam, lam_l2)),
    statement_text=(
        r"For a fixed preconditioner $\mathrm{diag}(s)^{-1}$, $s_j > 0$, and every $\theta$, $g$: the "
        r"step on $f_t + \frac{\lambda'}{2\alpha}\lVert\theta\odot\sqrt{s}\rVert^2$ equals decoupled "
        r"decay $\lambda$ iff $\lambda' = \lambda$; a regularizer $c\lVert\theta\odot\sqrt{s}\rVert^2$ "
        r"gives decay $2\alpha c$, so writing $\lambda'/\alpha$ instead would decay by $2\lambda'$."
    ),
    conventions=(
        r"Paper Prop. 3: $\theta_{t+1} = \theta_t - \alpha\,\mathrm{diag}(s)^{-1}\nabla "
        r"f^{sreg}_t(\theta_t)$ vs $(1 - \lambda)\theta_t - \alpha\,\mathrm{diag}(s)^{-1}\nabla "
        r"f_t(\theta_t)$; $\lVert\theta\odot\sqrt{s}\rVert^2 = \sum_j s_j\theta_j^2$ is separable, so "
        r"every step is per coordinate $j$."
    ),
    steps=(
        Identity(
            r"Per coordinate $j$, the gradient of $\frac{\lambda'}{2\alpha} s_j\theta_j^2$ is "
            r"$\frac{\lambda'}{\alpha} s_j\theta_j$.",
            sp.Derivative(lam_l2 / (2 * alpha) * s_j * theta_j**2, theta_j),
            lam_l2 / alpha * s_j * theta_j,
        ),
        Identity(
            r"$\mathrm{diag}(s)^{-1}$ cancels $s_j$: with $\lambda' = \lambda$ the step is decoupled "
            r"decay $\lambda$.",
            scale_adjusted_step(lam_l2 / (2 * alpha)),
            fixed_decay_step,
            given={lam_l2: lam},
        ),
        Solution(
            r"With a constant $c$ the decay is $2\alpha c$; it equals $\lambda$ iff "
            r"$c = \lambda/(2\alpha)$.",
            sp.Eq(scale_adjusted_step(const) - fixed_decay_step, 0),
            const,
            sp.FiniteSet(lam / (2 * alpha)),
        ),
        Identity(
            r"The reading $\lambda'/\alpha$ (no $\frac12$) with $\lambda' = \lambda$ decays by "
            r"$2\lambda$: it matches decoupled decay $2\lambda$, not $\lambda$.",
            scale_adjusted_step(lam_l2 / alpha),
            fixed_decay_step.subs(lam, 2 * lam),
            given={lam_l2: lam},
        ),
    ),
    verdict=Verdict.proved(
        r"The statement as the paper gives it ($\frac{\lambda'}{2\alpha}$, $\lambda' = \lambda$) is "
        r"consistent per coordinate for every step; it is the fixed-$M_t$ case of the "
        r"iteration-dependent schedule, where the condition on $M_t$ holds trivially."
    ),
)

CLAIMS = (ITERATION_DEPENDENT_L2, PROP3_NORMALIZATION)
