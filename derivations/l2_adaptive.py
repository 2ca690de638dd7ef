"""Adaptive methods: L2 regularization is not weight decay (paper Prop. 2, problem set Q1.b).

An adaptive gradient method steps ``theta_{t+1} = theta_t - alpha M_t g_t`` with a preconditioner
``M_t`` (for bias-corrected RMSProp, the diagonal matrix of
:mod:`wdproof.derivations.bias_corrected_rmsprop`). On the L2-regularized loss
``f_t + lambda'/2 ||theta||^2`` it steps

.. math:: \\theta_t - \\alpha M_t (g_t + \\lambda' \\theta_t),

with decoupled weight decay ``lambda`` it steps

.. math:: (1 - \\lambda) \\theta_t - \\alpha M_t g_t .

The residual is ``(lambda I - alpha lambda' M_t) theta_t``; it vanishes for every ``theta_t``
exactly when ``alpha lambda' M_t = lambda I``. So for ``lambda > 0`` an L2 coefficient exists iff
``M_t = k I`` (then ``lambda' = lambda / (alpha k)``), and the regularizer's pull on coordinate
``j`` is ``alpha lambda' (M_t)_{jj}``: weaker where the gradients are large.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, eps, lam, lam_l2, matrix, n, t, vector

theta = vector("theta_t")
grad = vector("g_t")  # g_t = grad f_t(theta_t), any vector
precond = matrix("M_t")
identity = sp.Identity(n)
row = sp.Symbol("i", integer=True, nonnegative=True)
col = sp.Symbol("k", integer=True, nonnegative=True)
scalar_k = sp.Symbol("k", positive=True)  # M_t = k I
m1, m2 = sp.symbols("m_1 m_2", positive=True)  # M_t = diag(m_1, m_2)
decay_positive = sp.Symbol("lambda", positive=True)  # lambda > 0 where a step needs it
l2_positive = sp.Symbol("lambda'", positive=True)  # lambda' = 0 leaves the residual lambda theta
entry_off = sp.Symbol("(M_t)_{ik}", real=True)  # an off-diagonal entry, i != k
entry_diag = sp.Symbol("(M_t)_{ii}", real=True)

adaptive_l2_step = theta - alpha * precond * (grad + lam_l2 * theta)
adaptive_decay_step = (1 - lam) * theta - alpha * precond * grad
residual = (lam * identity - alpha * lam_l2 * precond) * theta

#: The counterexample of the ledger: alpha, lambda and M_t = diag(m_1, m_2) with m_1 != m_2.
COUNTEREXAMPLE = {"alpha": sp.Rational(1, 10), "lambda": sp.Rational(1, 100), "m": (1, 4)}
_a, _l, (_m1, _m2) = COUNTEREXAMPLE["alpha"], COUNTEREXAMPLE["lambda"], COUNTEREXAMPLE["m"]

ADAPTIVE_L2_NOT_WEIGHT_DECAY = Claim(
    id="adaptive-l2-not-weight-decay",
    title="Adaptive methods with M_t != kI (k > 0): no L2 coefficient reproduces weight decay",
    source="Loshchilov & Hutter 2019, Prop. 2; problem set Q1.b (second part)",
    question="Q1.b",
    statement=sp.Eq(adaptive_l2_step - adaptive_decay_step, residual),
    statement_text=(
        r"For every dimension $n$, $\alpha > 0$ and $\lambda > 0$: there is an $L_2$ coefficient "
        r"$\lambda'$ with $\theta - \alpha M_t (g + \lambda'\theta) = (1 - \lambda)\theta - \alpha M_t g$ "
        r"for every $\theta$ and $g$ if and only if $M_t = kI$ for a scalar $k > 0$, and then "
        r"$\lambda' = \lambda/(\alpha k)$. In particular, if $M_t$ is not a multiple of the identity, "
        r"no $\lambda'$ exists."
    ),
    conventions=(
        r"Adaptive step $\theta_{t+1} = \theta_t - \alpha M_t g_t$, $g_t = \nabla f_t(\theta_t)$ (paper "
        r"Prop. 2; the schedule multiplier $\eta_t$ is folded into $\alpha$ and $\lambda$). Weight "
        r"decay multiplies $\theta_t$ by $1 - \lambda$ in the same step; PyTorch's AdamW uses "
        r"$\lambda = \mathrm{lr}\cdot\mathrm{weight\_decay}$. $M_t$ is the same matrix in both methods."
    ),
    steps=(
        Identity(
            r"The gradient of the $L_2$ term $\frac{\lambda'}{2}\theta^\top\theta$ is $\lambda'\theta$ "
            r"(any $n$).",
            (lam_l2 / 2 * (theta.T * theta)).diff(theta),
            lam_l2 * theta,
        ),
        Identity(
            r"The preconditioner multiplies the regularizer's gradient too ($M_t$ is an $n \times n$ "
            r"matrix; no commutation is assumed).",
            adaptive_l2_step,
            theta - alpha * precond * grad - alpha * lam_l2 * precond * theta,
        ),
        Identity(
            r"The two one-step maps differ by $(\lambda I - \alpha\lambda' M_t)\theta$; $g_t$ cancels.",
            adaptive_l2_step - adaptive_decay_step,
            residual,
        ),
        Identity(
            r"Differentiating entry $i$ of the residual by $\theta_k$ recovers the matrix entry, so the "
            r"residual vanishes for every $\theta$ iff $\lambda\delta_{ik} = \alpha\lambda'(M_t)_{ik}$ "
            r"for all $i, k$, i.e. $\alpha\lambda' M_t = \lambda I$.",
            sp.diff(residual[row, 0], theta[col, 0]),
            lam * sp.KroneckerDelta(row, col, (0, n - 1)) - alpha * lam_l2 * precond[row, col],
        ),
        Solution(
            r"Only if: $\lambda' = 0$ leaves the residual $\lambda\theta \ne 0$, so $\lambda' > 0$; "
            r"then every off-diagonal entry ($\delta_{ik} = 0$) must vanish.",
            sp.Eq(alpha * l2_positive * entry_off, 0),
            entry_off,
            sp.FiniteSet(0),
        ),
        Solution(
            r"Every diagonal entry must equal the same $k = \lambda/(\alpha\lambda') > 0$, so "
            r"$M_t = kI$ (any $n$).",
            sp.Eq(decay_positive - alpha * l2_positive * entry_diag, 0),
            entry_diag,
            sp.FiniteSet(decay_positive / (alpha * l2_positive)),
        ),
        Solution(
            r"If: for $M_t = kI$ the condition is one scalar equation, solved by "
            r"$\lambda' = \lambda/(\alpha k)$.",
            sp.Eq(lam - alpha * lam_l2 * scalar_k, 0),
            lam_l2,
            sp.FiniteSet(lam / (alpha * scalar_k)),
        ),
        Identity(
            r"Then the $L_2$ step is exactly the weight-decay step (the converse direction).",
            adaptive_l2_step,
            adaptive_decay_step,
            given={precond: scalar_k * identity, lam: alpha * lam_l2 * scalar_k},
        ),
        Solution(
            r"If $M_t = \mathrm{diag}(m_1, m_2)$: the first diagonal equation forces "
            r"$\lambda' = \lambda/(\alpha m_1)$; the second then holds ($\lambda > 0$) only for $m_2 = m_1$.",
            sp.Eq(decay_positive - alpha * (decay_positive / (alpha * m1)) * m2, 0),
            m2,
            sp.FiniteSet(m1),
        ),
        Solution(
            r"Concrete counterexample: $\alpha = 1/10$, $\lambda = 1/100$, $M_t = \mathrm{diag}(1, 4)$; "
            r"the two diagonal equations, written as one sum of squares over the reals, have no "
            r"solution $\lambda'$.",
            sp.Eq((_l - _a * lam_l2 * _m1) ** 2 + (_l - _a * lam_l2 * _m2) ** 2, 0),
            lam_l2,
            sp.EmptySet,
            domain=sp.S.Reals,
        ),
    ),
    verdict=Verdict.proved(
        r"Exact for every $n$: an $L_2$ coefficient reproducing weight decay $\lambda > 0$ exists iff "
        r"$M_t = kI$ with $k > 0$ ($\lambda = \alpha\lambda' k$); for any other $M_t$ (including "
        r"$M_t = 0$) none exists."
    ),
)

vhat = sp.Symbol(r"\hat{v}_{t,j}", positive=True)  # bias-corrected second moment of coordinate j
vhat_other = sp.Symbol(r"\hat{v}_{t,l}", positive=True)
theta_j = sp.IndexedBase("theta")[t, sp.Symbol("j")]


def effective_decay(second_moment: sp.Expr) -> sp.Expr:
    """Per-coordinate shrink factor of L2 under RMSProp: ``alpha lambda' / (sqrt(vhat) + eps)``."""
    return alpha * lam_l2 / (sp.sqrt(second_moment) + eps)


L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS = Claim(
    id="l2-decay-weaker-for-large-gradients",
    title="Under L2 + RMSProp, coordinates with large gradients are decayed less",
    source=(
        "Loshchilov & Hutter 2019, Sec. 2 (weights with large gradients are regularized less); "
        "problem set Q1.b"
    ),
    question="Q1.b",
    statement=sp.Eq(sp.Symbol("d_{t,j}"), effective_decay(vhat)),
    statement_text=(
        r"Per coordinate $j$, the $L_2$ term of bias-corrected RMSProp shrinks $\theta_{t,j}$ by "
        r"$d_{t,j} = \alpha\lambda'(M_t)_{jj} = \alpha\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$, which "
        r"for $\lambda' > 0$ strictly decreases as the coordinate's second moment grows; decoupled "
        r"weight decay shrinks every coordinate by the same $\lambda$."
    ),
    conventions=(
        r"Bias-corrected RMSProp (torch.optim.Adam with betas $= (0, \beta_2)$, weight_decay "
        r"$= \lambda'$): $(M_t)_{jj} = 1/(\sqrt{\hat v_{t,j}} + \epsilon)$; element-wise, so every "
        r"step is per coordinate."
    ),
    steps=(
        Identity(
            r"Per coordinate $j$, the regularizer's share of the $L_2$ step is $d_{t,j}\theta_{t,j}$.",
            alpha * (1 / (sp.sqrt(vhat) + eps)) * lam_l2 * theta_j,
            effective_decay(vhat) * theta_j,
        ),
        Identity(
            r"Its derivative in the second moment $\hat v_{t,j}$.",
            sp.Derivative(effective_decay(vhat), vhat),
            -alpha * lam_l2 / (2 * sp.sqrt(vhat) * (sp.sqrt(vhat) + eps) ** 2),
        ),
        Identity(
            r"The derivative has the sign of $-\lambda'$: negative for every $\lambda' > 0$, so "
            r"$d_{t,j}$ strictly decreases in $\hat v_{t,j}$.",
            sp.sign(sp.Derivative(effective_decay(vhat), vhat)),
            -sp.sign(lam_l2),
        ),
        Identity(
            r"Two coordinates $j, l$ are decayed in the inverse ratio of their RMS gradients (plus "
            r"$\epsilon$); under weight decay the ratio is $1$.",
            effective_decay(vhat) / effective_decay(vhat_other),
            (sp.sqrt(vhat_other) + eps) / (sp.sqrt(vhat) + eps),
        ),
    ),
    verdict=Verdict.proved(
        r"Exact per coordinate for every $t$: the effective decay $\alpha\lambda'(M_t)_{jj}$ is "
        r"strictly decreasing in $\hat v_{t,j}$ when $\lambda' > 0$."
    ),
)

CLAIMS = (ADAPTIVE_L2_NOT_WEIGHT_DECAY, L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS)
