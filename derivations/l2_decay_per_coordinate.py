"""How L2 differs from weight decay per coordinate under RMSProp (paper Sec. 2, after Prop. 2).

Prop. 2 (:mod:`wdproof.derivations.l2_adaptive`) says L2 is not weight decay for an adaptive
method; this module says *how* the two differ. The L2 term's pull on coordinate ``j`` is
``alpha lambda' (M_t)_{jj} theta_j`` with ``(M_t)_{jj} = 1/(sqrt(vhat_{t,j}) + eps)`` for
bias-corrected RMSProp (:mod:`wdproof.derivations.bias_corrected_rmsprop`), so

* ``l2-decay-weaker-for-large-gradients``: the pull's rate ``alpha lambda'/(sqrt(vhat) + eps)``
  strictly decreases in ``vhat`` (its derivative has sign ``-1`` for ``lambda' > 0``);
* ``l2-decay-ratio-between-coordinates``: of two coordinates with second moments ``vhat`` and
  ``vhat + Delta``, ``Delta > 0``, the first is decayed by the factor
  ``(sqrt(vhat + Delta) + eps)/(sqrt(vhat) + eps) > 1`` more; decoupled decay has ratio ``1``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Lemma, Link, Proof, Statement
from wdproof.derivations.notation import alpha, eps

vhat = sp.Symbol(r"\hat{v}_{t,j}", positive=True)  # bias-corrected second moment of coordinate j
gap = sp.Symbol(r"\Delta", positive=True)  # a second coordinate's second moment exceeds it by gap
l2_coefficient_pos = sp.Symbol("lambda'", positive=True)  # lambda' > 0: an active L2 term


def l2_shrink_rate(second_moment: sp.Expr) -> sp.Expr:
    """Per-coordinate shrink rate of L2 under RMSProp: ``alpha lambda' (M_t)_jj``."""
    # alpha lambda' (M_t)_jj = alpha lambda' / (sqrt(vhat_{t,j}) + eps)
    return alpha * l2_coefficient_pos / (sp.sqrt(second_moment) + eps)


CONVENTIONS = (
    r"Bias-corrected RMSProp (torch.optim.Adam with betas $= (0, \beta_2)$, weight_decay "
    r"$= \lambda'$): $(M_t)_{jj} = 1/(\sqrt{\hat v_{t,j}} + \epsilon)$ (claim "
    r"rmsprop-preconditioner-closed-form), so the $L_2$ term $\alpha M_t \lambda'\theta_t$ "
    r"shrinks coordinate $j$ at the rate $\alpha\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$; "
    r"element-wise, so the argument is per coordinate. $\alpha, \lambda', \epsilon, \hat v > 0$. "
    r"As in Prop. 2 the rate is taken at a given $\hat v_{t,j}$ (the $L_2$ term also enters "
    r"$\hat v$; that does not change the comparison at given $\hat v$)."
)
SECTION2_SOURCE = (
    r"Loshchilov & Hutter 2019 (ICLR), Sec. 2 (main text, after Prop. 2: with $L_2$ regularization "
    "weights with large typical gradient magnitude are regularized by a smaller relative amount "
    "than other weights); problem set Q1.b"
)

#: d/d vhat of the shrink rate, unevaluated, and its value.
rate_derivative = sp.Derivative(l2_shrink_rate(vhat), vhat)
rate_slope = -alpha * l2_coefficient_pos / (2 * sp.sqrt(vhat) * (sp.sqrt(vhat) + eps) ** 2)

SLOPE = Lemma(
    "slope",
    rate_derivative,
    rate_slope,
    Chain(
        rate_derivative,
        (
            Link(
                rate_slope,
                r"Quotient and chain rule: $\frac{d}{d\hat v}\sqrt{\hat v} = "
                r"\frac{1}{2\sqrt{\hat v}}$.",
            ),
        ),
    ),
)

L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS = Claim(
    id="l2-decay-weaker-for-large-gradients",
    title=(
        r"Under $L_2$ + RMSProp, a coordinate's decay rate strictly decreases as its second "
        "moment grows"
    ),
    source=SECTION2_SOURCE,
    question="Q1.b",
    statement=Statement.forall(
        sp.sign(rate_derivative),
        -1,
        hypotheses=(sp.Gt(l2_coefficient_pos, 0, evaluate=False),),
    ),
    statement_text=(
        r"Per coordinate $j$, the $L_2$ term of bias-corrected RMSProp shrinks $\theta_{t,j}$ at "
        r"the rate $\alpha\lambda'(M_t)_{jj} = \alpha\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$, "
        r"whose derivative in the coordinate's second moment $\hat v_{t,j}$ is negative for "
        r"every $\hat v_{t,j} > 0$ when $\lambda' > 0$: coordinates with larger gradients are "
        r"decayed less. Decoupled weight decay shrinks every coordinate at the same rate "
        r"$\lambda$."
    ),
    conventions=CONVENTIONS,
    proof=Proof(
        Chain(
            sp.sign(rate_derivative),
            (
                Link(
                    sp.sign(rate_slope, evaluate=False),
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
        r"torch's $L_2$ step per coordinate on an MLP: the small-gradient quartile decays more."
    ),
)

#: rate(vhat)/rate(vhat + gap) - 1 over the common denominator, and rationalized.
ratio_excess = (sp.sqrt(vhat + gap) - sp.sqrt(vhat)) / (sp.sqrt(vhat) + eps)
rationalized_excess = gap / ((sp.sqrt(vhat + gap) + sp.sqrt(vhat)) * (sp.sqrt(vhat) + eps))

RATIONALIZED = Lemma(
    "rationalized",
    ratio_excess,
    rationalized_excess,
    Chain(
        ratio_excess,
        (
            Link(
                rationalized_excess,
                r"$(\sqrt{a} - \sqrt{b})(\sqrt{a} + \sqrt{b}) = a - b$ with "
                r"$a = \hat v + \Delta$, $b = \hat v$.",
            ),
        ),
    ),
)
shrink_ratio = l2_shrink_rate(vhat) / l2_shrink_rate(vhat + gap)

L2_DECAY_RATIO = Claim(
    id="l2-decay-ratio-between-coordinates",
    title=(
        r"Under $L_2$ + RMSProp, of two coordinates the smaller-moment one decays "
        r"$(\sqrt{\hat v + \Delta} + \epsilon)/(\sqrt{\hat v} + \epsilon) > 1$ times more"
    ),
    source=SECTION2_SOURCE,
    question="Q1.b",
    statement=Statement.forall(
        sp.sign(shrink_ratio - 1),
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
    conventions=CONVENTIONS,
    proof=Proof(
        Chain(
            sp.sign(shrink_ratio - 1),
            (
                Link(
                    sp.sign(ratio_excess, evaluate=False),
                    r"Over the common denominator $\sqrt{\hat v} + \epsilon$.",
                ),
                Link(
                    sp.sign(rationalized_excess, evaluate=False),
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

CLAIMS = (L2_DECAY_WEAKER_FOR_LARGE_GRADIENTS, L2_DECAY_RATIO)
