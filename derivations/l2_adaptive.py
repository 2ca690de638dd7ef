"""Adaptive methods: L2 regularization is not weight decay (paper Prop. 2, problem set Q1.b).

An adaptive gradient method steps ``theta_{t+1} = theta_t - alpha M_t g_t`` with a preconditioner
``M_t`` (for bias-corrected RMSProp, the diagonal matrix of
:mod:`wdproof.derivations.bias_corrected_rmsprop`). On the L2-regularized loss
``f_t + lambda'/2 ||theta||^2`` it steps

.. math:: \\theta_t - \\alpha M_t (g_t + \\lambda' \\theta_t),

with decoupled weight decay ``lambda`` it steps

.. math:: (1 - \\lambda) \\theta_t - \\alpha M_t g_t .

Prop. 2 (main text): for ``M_t != kI`` no ``lambda'`` makes the two steps agree for every
``theta_t`` and ``g_t`` when ``lambda > 0``. The kernel derives the necessary conditions from the
statement itself: entry ``i`` of the difference of the two steps, differentiated by
``theta_k``, is ``lambda delta_{ik} - alpha lambda' (M_t)_{ik}``, and must vanish. ``M_t != kI``
splits into two exhaustive cases (for ``n >= 2``), one claim each, the vectors and ``M_t`` of
symbolic size ``n``:

* ``adaptive-l2-not-weight-decay``: two diagonal entries differ, ``(M_t)_{jj} = m != 0`` and
  ``(M_t)_{j+d,j+d} = m + delta``, ``delta != 0`` (every diagonal preconditioner that is not
  ``kI``: RMSProp, Adam). The conditions ``lambda = alpha lambda' m`` and
  ``lambda = alpha lambda' (m + delta)`` have no common solution.
* ``adaptive-l2-not-weight-decay-off-diagonal``: an off-diagonal entry
  ``(M_t)_{j,j+d} = mu != 0``. Its condition forces ``lambda' = 0``, and then the diagonal
  condition reads ``lambda = 0``.
* ``adaptive-l2-equals-decay-for-scalar-preconditioner`` (the converse): for ``M_t = kI``,
  ``k > 0``, the set of ``lambda'`` that work is exactly ``{lambda/(alpha k)}``.

Prop. 2 also explains *how* the two differ: the L2 term's pull on coordinate ``j`` is
``alpha lambda' (M_t)_{jj} theta_j`` with ``(M_t)_{jj} = 1/(sqrt(vhat_{t,j}) + eps)`` for
RMSProp, so

* ``l2-decay-weaker-for-large-gradients``: the pull's rate ``alpha lambda'/(sqrt(vhat) + eps)``
  strictly decreases in ``vhat`` (its derivative has sign ``-1`` for ``lambda' > 0``);
* ``l2-decay-ratio-between-coordinates``: of two coordinates with second moments ``vhat`` and
  ``vhat + Delta``, ``Delta > 0``, the first is decayed by the factor
  ``(sqrt(vhat + Delta) + eps)/(sqrt(vhat) + eps) > 1`` more; decoupled decay has ratio ``1``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Entries,
    Instance,
    Lemma,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, eps, matrix, n, vector

theta = vector("theta_t")
grad = vector("g_t")  # g_t = grad f_t(theta_t), any vector
precond = matrix("M_t")
identity = sp.Identity(n)
decay = sp.Symbol("lambda", positive=True)  # Prop. 2: decay lambda in R_+
l2 = sp.Symbol("lambda'", real=True)  # the unknown L2 coefficient: any real number
coord = sp.Symbol("j", integer=True, nonnegative=True)
offset = sp.Symbol("d", integer=True, nonzero=True)  # a second coordinate j + d != j
other = coord + offset
row = sp.Symbol("r", integer=True, nonnegative=True)  # entry r of the difference ...
col = sp.Symbol("c", integer=True, nonnegative=True)  # ... differentiated by theta_c
m = sp.Symbol("m", real=True, nonzero=True)
delta = sp.Symbol("delta", real=True, nonzero=True)
mu = sp.Symbol("mu", real=True, nonzero=True)
scale = sp.Symbol("k", positive=True)  # M_t = k I

adaptive_l2_step = theta - alpha * precond * (grad + l2 * theta)
adaptive_decay_step = (1 - decay) * theta - alpha * precond * grad

#: At theta_t = g_t = 0 both steps are 0: a necessary condition that pins the constant part.
AT_ZERO = Instance({theta: sp.ZeroMatrix(n, 1), grad: sp.ZeroMatrix(n, 1)})

PROP2_SOURCE = (
    "Loshchilov & Hutter 2019 (ICLR), Prop. 2 (main text: an optimizer stepping "
    "theta - alpha M_t grad f_t, or (1 - lambda) theta - alpha M_t grad f_t with weight decay, "
    "M_t != kI: there exists no L2 coefficient lambda' such that running it on "
    "f_t + lambda'/2 ||theta||^2 is equivalent to running it on f_t with decay lambda in R_+); "
    "problem set Q1.b (seed 000, Q1.b.b)"
)
PROP2_CONVENTIONS = (
    r"Adaptive step $\theta_{t+1} = \theta_t - \alpha M_t g_t$, $g_t = \nabla f_t(\theta_t)$ "
    r"(paper Prop. 2; the schedule multiplier $\eta_t$ is folded into $\alpha$ and $\lambda$). "
    r"Weight decay multiplies $\theta_t$ by $1 - \lambda$ in the same step (PyTorch's AdamW: "
    r"$\lambda = \mathrm{lr}\cdot\mathrm{weight\_decay}$). As in Prop. 2, $M_t$ is the same "
    r"matrix in both methods. $\theta_t$, $g_t$ are $n \times 1$ and $M_t$ is $n \times n$ "
    r"matrix symbols, $n$ symbolic; $\lambda'$ ranges over all reals. Agreement is required "
    r"for every $\theta_t$ and $g_t$ (the one-step maps are equal)."
)


def entry_conditions(*pairs: tuple[sp.Expr, sp.Expr]) -> tuple:
    """Derivations: d(entry r of lhs - rhs)/d(theta_c) and d(...)/d(g_c) at ``pairs``;
    ``AT_ZERO``."""
    return (
        Entries(theta, pairs, row, col),
        Entries(grad, pairs, row, col),
        AT_ZERO,
    )


ADAPTIVE_L2_NOT_WEIGHT_DECAY = Claim(
    id="adaptive-l2-not-weight-decay",
    title=(
        "Adaptive methods whose M_t has two different diagonal entries: no L2 coefficient "
        "reproduces weight decay"
    ),
    source=PROP2_SOURCE,
    question="Q1.b",
    statement=Statement.not_exists(
        [l2],
        adaptive_l2_step,
        adaptive_decay_step,
        hypotheses=(
            sp.Eq(precond[coord, coord], m),
            sp.Eq(precond[other, other], m + delta),
            sp.Ne(m, 0, evaluate=False),
            sp.Ne(delta, 0, evaluate=False),
        ),
    ),
    statement_text=(
        r"Prop. 2, for a preconditioner with two different diagonal entries (so $M_t \ne kI$; "
        r"this is every diagonal $M_t \ne kI$, such as RMSProp's and Adam's): for every "
        r"dimension $n \ge 2$, $\alpha > 0$ and $\lambda > 0$, there is no $\lambda' \in "
        r"\mathbb{R}$ with $\theta_t - \alpha M_t (g_t + \lambda'\theta_t) = (1 - \lambda)\theta_t "
        r"- \alpha M_t g_t$ for every $\theta_t$ and $g_t$, when $(M_t)_{jj} = m$ and "
        r"$(M_t)_{j+d,j+d} = m + \delta$ with $\delta \ne 0$ (of two different entries at least "
        r"one is nonzero: call it $m$)."
    ),
    conventions=PROP2_CONVENTIONS,
    proof=Proof(
        Conditions(
            entry_conditions((coord, coord), (other, other)),
            (decay - alpha * l2 * m, decay - alpha * l2 * (m + delta)),
        ),
        remarks=(
            (
                r"Entry $r$ of the difference of the two steps is linear in $\theta_t$; its "
                r"derivative by $\theta_{t,c}$ is $\lambda\delta_{rc} - \alpha\lambda'(M_t)_{rc}$ "
                r"(the $g_t$ terms cancel: their derivatives are $0$). Agreement for every "
                r"$\theta_t$ needs it to vanish at $(j, j)$ and $(j+d, j+d)$: "
                r"$\lambda' = \lambda/(\alpha m)$ and $\lambda' = \lambda/(\alpha(m+\delta))$."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $n \ge 2$: the two coordinates would need the different coefficients "
        r"$\lambda/(\alpha m)$ and $\lambda/(\alpha(m + \delta))$. With the off-diagonal case "
        r"(claim adaptive-l2-not-weight-decay-off-diagonal) this covers every $M_t \ne kI$: an "
        r"$M_t$ with no nonzero off-diagonal entry is diagonal, and a diagonal $M_t \ne kI$ has "
        r"two different diagonal entries. The instance $\alpha = 1/10$, $\lambda = 1/100$, "
        r"$M_t = \mathrm{diag}(1, 4)$ needs $\lambda' = 1/10$ on one coordinate and $1/40$ on "
        r"the other; the torch confirmation re-runs it."
    ),
    instance={"alpha": 0.1, "lambda": 0.01, "m": 1.0, "delta": 3.0, "M_diagonal": (1.0, 4.0)},
)

ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL = Claim(
    id="adaptive-l2-not-weight-decay-off-diagonal",
    title=(
        "Adaptive methods whose M_t has a nonzero off-diagonal entry: no L2 coefficient "
        "reproduces weight decay"
    ),
    source=PROP2_SOURCE,
    question="Q1.b",
    statement=Statement.not_exists(
        [l2],
        adaptive_l2_step,
        adaptive_decay_step,
        hypotheses=(sp.Eq(precond[coord, other], mu), sp.Ne(mu, 0, evaluate=False)),
    ),
    statement_text=(
        r"Prop. 2, for a preconditioner that is not diagonal (so $M_t \ne kI$): for every "
        r"dimension $n \ge 2$, $\alpha > 0$ and $\lambda > 0$, there is no $\lambda' \in "
        r"\mathbb{R}$ with $\theta_t - \alpha M_t (g_t + \lambda'\theta_t) = (1 - \lambda)\theta_t "
        r"- \alpha M_t g_t$ for every $\theta_t$ and $g_t$, when $(M_t)_{j,j+d} = \mu \ne 0$ "
        r"for some $d \ne 0$."
    ),
    conventions=PROP2_CONVENTIONS,
    proof=Proof(
        Conditions(
            entry_conditions((coord, other), (coord, coord)),
            (alpha * l2 * mu, decay - alpha * l2 * precond[coord, coord]),
        ),
        remarks=(
            (
                r"The derivative of entry $j$ of the difference by $\theta_{t,j+d}$ is "
                r"$-\alpha\lambda'\mu$ ($\delta_{j,j+d} = 0$), so $\lambda' = 0$; then the "
                r"derivative by $\theta_{t,j}$ is $\lambda \ne 0$."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $n \ge 2$: an off-diagonal entry forces $\lambda' = 0$, and "
        r"$\lambda' = 0$ leaves the residual $\lambda\theta_t$. The instance $\alpha = 1/10$, "
        r"$\lambda = 1/100$, $M_t = \begin{pmatrix} 2 & 1 \\ 1 & 2 \end{pmatrix}$ is re-run in "
        r"torch: at $\theta_t = e_1$ no $\lambda'$ brings the difference of the steps below "
        r"$\lambda/\sqrt{5}$ in the Euclidean norm."
    ),
    instance={"alpha": 0.1, "lambda": 0.01, "M": ((2.0, 1.0), (1.0, 2.0))},
)

SCALAR_PRECONDITIONER = sp.Eq(precond, scale * identity)

SCALAR_PRECONDITIONER_CLAIM = Claim(
    id="adaptive-l2-equals-decay-for-scalar-preconditioner",
    title=(
        "For M_t = kI, L2 with lambda' = lambda/(alpha k) is weight decay, and no other lambda' is"
    ),
    source=(
        "Loshchilov & Hutter 2019 (ICLR), Prop. 2 (main text: the exclusion M_t != kI); problem "
        "set Q1.b (seed 000, Q1.b.b: 'if M_t is not a multiple of identity')"
    ),
    question="Q1.b",
    statement=Statement.solution_set(
        [l2],
        adaptive_l2_step,
        adaptive_decay_step,
        sp.FiniteSet(decay / (alpha * scale)),
        hypotheses=(SCALAR_PRECONDITIONER,),
    ),
    statement_text=(
        r"The case Prop. 2 excludes: for $M_t = kI$, $k > 0$, every dimension $n$, $\alpha > 0$ "
        r"and $\lambda > 0$, the $\lambda' \in \mathbb{R}$ with "
        r"$\theta_t - \alpha M_t (g_t + \lambda'\theta_t) = (1 - \lambda)\theta_t - \alpha M_t "
        r"g_t$ for every $\theta_t$ and $g_t$ are exactly $\lambda' = \lambda/(\alpha k)$."
    ),
    conventions=PROP2_CONVENTIONS,
    proof=Proof(
        Characterization(
            necessary=Conditions((Coefficients((theta, grad)),), (decay - alpha * scale * l2,)),
            sufficient=(
                Chain(
                    adaptive_l2_step.subs(l2, decay / (alpha * scale)),
                    (
                        Link(
                            (1 - decay) * theta - alpha * scale * grad,
                            r"With $M_t = kI$ the $L_2$ term is $\alpha k \lambda'\theta_t = "
                            r"\lambda\theta_t$: it shrinks $\theta_t$ by $1 - \lambda$.",
                            cites=(SCALAR_PRECONDITIONER,),
                        ),
                        Link(
                            adaptive_decay_step,
                            r"$\alpha k g_t = \alpha M_t g_t$: the decay step.",
                            cites=(SCALAR_PRECONDITIONER,),
                        ),
                    ),
                ),
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $n$: with $M_t = kI$ the difference of the steps is "
        r"$(\lambda - \alpha k\lambda')\theta_t$, zero for every $\theta_t$ iff "
        r"$\lambda' = \lambda/(\alpha k)$ (Prop. 1 is the case $k = 1$). The coefficient depends "
        r"on $\alpha$ and $k$, so $\lambda$ and $\alpha$ stay coupled."
    ),
    instance={"alpha": 0.1, "lambda": 0.01, "k": 2.5},
)

# --- how the two differ: the L2 term's effective decay per coordinate ------------------------
vhat = sp.Symbol(r"\hat{v}_{t,j}", positive=True)  # bias-corrected second moment of coordinate j
gap = sp.Symbol(r"\Delta", positive=True)  # a second coordinate's second moment exceeds it by gap
l2_active = sp.Symbol("lambda'", positive=True)  # lambda' > 0: an active L2 term


def effective_decay(second_moment: sp.Expr) -> sp.Expr:
    """Per-coordinate shrink rate of L2 under RMSProp: ``alpha lambda' (M_t)_jj``."""
    return alpha * l2_active / (sp.sqrt(second_moment) + eps)


decay_slope = -alpha * l2_active / (2 * sp.sqrt(vhat) * (sp.sqrt(vhat) + eps) ** 2)
EFFECTIVE_DECAY_CONVENTIONS = (
    r"Bias-corrected RMSProp (torch.optim.Adam with betas $= (0, \beta_2)$, weight\_decay "
    r"$= \lambda'$): $(M_t)_{jj} = 1/(\sqrt{\hat v_{t,j}} + \epsilon)$ (claim "
    r"rmsprop-preconditioner-closed-form), so the $L_2$ term $\alpha M_t \lambda'\theta_t$ "
    r"shrinks coordinate $j$ at the rate $\alpha\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$; "
    r"element-wise, so the argument is per coordinate. $\alpha, \lambda', \epsilon, \hat v > 0$. "
    r"As in Prop. 2 the rate is taken at a given $\hat v_{t,j}$ (the $L_2$ term also enters "
    r"$\hat v$; that does not change the comparison at given $\hat v$)."
)
SECTION2_SOURCE = (
    "Loshchilov & Hutter 2019 (ICLR), Sec. 2 (main text, after Prop. 2: with L2 regularization "
    "weights with large typical gradient magnitude are regularized by a smaller relative amount "
    "than other weights); problem set Q1.b"
)

SLOPE = Lemma(
    "slope",
    sp.Derivative(effective_decay(vhat), vhat),
    decay_slope,
    Chain(
        sp.Derivative(effective_decay(vhat), vhat),
        (
            Link(
                decay_slope,
                r"Quotient and chain rule: $\frac{d}{d\hat v}\sqrt{\hat v} = "
                r"\frac{1}{2\sqrt{\hat v}}$.",
            ),
        ),
    ),
)

L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS = Claim(
    id="l2-decay-weaker-for-large-gradients",
    title=(
        "Under L2 + RMSProp, a coordinate's decay rate strictly decreases as its second moment "
        "grows"
    ),
    source=SECTION2_SOURCE,
    question="Q1.b",
    statement=Statement.forall(
        sp.sign(sp.Derivative(effective_decay(vhat), vhat)),
        -1,
        hypotheses=(sp.Gt(l2_active, 0, evaluate=False),),
    ),
    statement_text=(
        r"Per coordinate $j$, the $L_2$ term of bias-corrected RMSProp shrinks $\theta_{t,j}$ at "
        r"the rate $\alpha\lambda'(M_t)_{jj} = \alpha\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$, "
        r"whose derivative in the coordinate's second moment $\hat v_{t,j}$ is negative for "
        r"every $\hat v_{t,j} > 0$ when $\lambda' > 0$: coordinates with larger gradients are "
        r"decayed less. Decoupled weight decay shrinks every coordinate at the same rate "
        r"$\lambda$."
    ),
    conventions=EFFECTIVE_DECAY_CONVENTIONS,
    proof=Proof(
        Chain(
            sp.sign(sp.Derivative(effective_decay(vhat), vhat)),
            (
                Link(
                    sp.sign(decay_slope, evaluate=False),
                    r"The derivative (lemma slope).",
                    cites=(SLOPE,),
                ),
                Link(
                    sp.Integer(-1),
                    r"$\alpha$, $\lambda'$, $\sqrt{\hat v}$ and $\sqrt{\hat v} + \epsilon$ are "
                    r"positive, so the derivative is negative.",
                ),
            ),
        ),
        lemmas=(SLOPE,),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact per coordinate for every $t$: the rate "
        r"$\alpha\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$ is strictly decreasing in "
        r"$\hat v_{t,j}$ when $\lambda' > 0$. The torch confirmation measures the decay part of "
        r"torch's L2 step per coordinate on an MLP: the small-gradient quartile decays more."
    ),
)

#: d(vhat)/d(vhat + gap) - 1 = (sqrt(vhat + gap) - sqrt(vhat))/(sqrt(vhat) + eps): rationalized.
RATIONALIZED = Lemma(
    "rationalized",
    (sp.sqrt(vhat + gap) - sp.sqrt(vhat)) / (sp.sqrt(vhat) + eps),
    gap / ((sp.sqrt(vhat + gap) + sp.sqrt(vhat)) * (sp.sqrt(vhat) + eps)),
    Chain(
        (sp.sqrt(vhat + gap) - sp.sqrt(vhat)) / (sp.sqrt(vhat) + eps),
        (
            Link(
                gap / ((sp.sqrt(vhat + gap) + sp.sqrt(vhat)) * (sp.sqrt(vhat) + eps)),
                r"$(\sqrt{a} - \sqrt{b})(\sqrt{a} + \sqrt{b}) = a - b$ with "
                r"$a = \hat v + \Delta$, $b = \hat v$.",
            ),
        ),
    ),
)
ratio = effective_decay(vhat) / effective_decay(vhat + gap)

L2_DECAY_RATIO = Claim(
    id="l2-decay-ratio-between-coordinates",
    title=(
        "Under L2 + RMSProp, of two coordinates the one with the smaller second moment is decayed "
        "by the factor (sqrt(vhat + Delta) + eps)/(sqrt(vhat) + eps) > 1 more"
    ),
    source=SECTION2_SOURCE,
    question="Q1.b",
    statement=Statement.forall(
        sp.sign(ratio - 1),
        1,
        hypotheses=(sp.Gt(gap, 0, evaluate=False),),
    ),
    statement_text=(
        r"Two coordinates with bias-corrected second moments $\hat v$ and $\hat v + \Delta$, "
        r"$\Delta > 0$: their $L_2$ decay rates under bias-corrected RMSProp ($\lambda' > 0$) "
        r"have the ratio "
        r"$\frac{\alpha\lambda'/(\sqrt{\hat v} + \epsilon)}{\alpha\lambda'/(\sqrt{\hat v + \Delta}"
        r" + \epsilon)} = \frac{\sqrt{\hat v + \Delta} + \epsilon}{\sqrt{\hat v} + \epsilon}$, "
        r"which exceeds $1$: the coordinate with the larger gradients is regularized by a "
        r"smaller relative amount. Under decoupled weight decay the ratio is $1$."
    ),
    conventions=EFFECTIVE_DECAY_CONVENTIONS,
    proof=Proof(
        Chain(
            sp.sign(ratio - 1),
            (
                Link(
                    sp.sign(
                        (sp.sqrt(vhat + gap) - sp.sqrt(vhat)) / (sp.sqrt(vhat) + eps),
                        evaluate=False,
                    ),
                    r"Over the common denominator $\sqrt{\hat v} + \epsilon$.",
                ),
                Link(
                    sp.sign(RATIONALIZED.rhs, evaluate=False),
                    r"Rationalize the numerator (lemma rationalized).",
                    cites=(RATIONALIZED,),
                ),
                Link(
                    sp.Integer(1),
                    r"$\Delta > 0$ and every square root is positive.",
                ),
            ),
        ),
        lemmas=(RATIONALIZED,),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $\hat v, \Delta > 0$: $\alpha\lambda'$ cancels from the ratio and the "
        r"remaining factor $(\sqrt{\hat v + \Delta} + \epsilon)/(\sqrt{\hat v} + \epsilon)$ "
        r"exceeds $1$; it grows like the ratio of the coordinates' RMS gradients when they are "
        r"much larger than $\epsilon$. The torch confirmation compares the measured ratio of "
        r"decay rates of every coordinate to the least-decayed one with this formula."
    ),
)

CLAIMS = (
    ADAPTIVE_L2_NOT_WEIGHT_DECAY,
    ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL,
    SCALAR_PRECONDITIONER_CLAIM,
    L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS,
    L2_DECAY_RATIO,
)
