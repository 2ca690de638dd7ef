"""From bias-corrected RMSProp to Adam: the problem set's extension to momentum (Q1.b, i.1-i.2).

Adam adds a first moment ``m_t = beta_1 m_{t-1} + (1 - beta_1) g_t`` with bias correction
``mhat_t = m_t/(1 - beta_1^t)`` to bias-corrected RMSProp. The problem set (seed 000, Q1.b,
arguments i.1-i.2) argues that neither should change the L2/weight-decay inequivalence. Two
claims, per coordinate ``j`` (Adam is element-wise):

* ``adam-l2-not-adamw`` (not-exists, proved): no constant L2 coefficient ``lambda'`` makes
  Adam's first step on ``f + lambda'/2 ||theta||^2`` the AdamW step of decay ``lambda > 0`` from
  every start, even for ``f = 0``. With ``m_0 = v_0 = 0`` the bias correction gives
  ``mhat_1 = gtilde_1``, ``vhat_1 = gtilde_1^2`` for every ``beta_1, beta_2``, so with
  ``gtilde_1 = lambda' theta_0`` the difference of the two steps, cleared of its positive
  denominator ``lambda' theta_0 + epsilon``, is

  .. math:: \\lambda\\lambda'\\theta_0^2 + (\\lambda\\epsilon - \\alpha\\lambda')\\theta_0 .

  For every start both coefficients vanish: ``lambda lambda' = 0`` gives ``lambda' = 0``, and
  then ``lambda epsilon = 0`` is false. The kernel derives these conditions from the statement.
* ``adam-momentum-keeps-equivalence`` (for all, refuted): argument i.1's premise, transported to
  the one adaptive case where an equivalence exists without momentum (a fixed scalar
  preconditioner ``M = k I``: L2 ``lambda'`` is decay ``lambda = alpha k lambda'``, Prop. 1
  scaled by ``k``): "momentum does not affect the equivalence". A lemma gives the step-2 residual

  .. math:: \\theta^{L_2}_2 - \\theta^W_2 = \\frac{\\alpha k\\lambda'\\beta_1}{1+\\beta_1}
            (\\theta^{L_2}_1 - \\theta_0),

  and the exact counterexample ``f = 0``, ``theta_0 = 1``, ``alpha = 1/10``, ``k = 1``,
  ``beta_1 = 9/10``, ``lambda' = 1`` has gap ``-9/1900``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import (
    Chain,
    Coefficients,
    Conditions,
    Counterexample,
    Lemma,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, beta1, beta2, decay_rate, eps, l2_coefficient

PAPER_AND_TORCH = (
    r"Adam (paper Alg. 2, $\eta_t = 1$; torch.optim.Adam): $m_t = \beta_1 m_{t-1} + "
    r"(1-\beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$, $m_0 = v_0 = 0$, "
    r"$\hat m_t = m_t/(1-\beta_1^t)$, $\hat v_t = v_t/(1-\beta_2^t)$, $\theta_t = \theta_{t-1} - "
    r"\alpha\hat m_t/(\sqrt{\hat v_t} + \epsilon)$, with $0 \le \beta_1, \beta_2 < 1$. $L_2$: "
    r"the moments see $g_t + \lambda'\theta_{t-1}$, $g_t = \nabla f_t(\theta_{t-1})$ "
    r"(torch.optim.Adam weight_decay $= \lambda'$). Decoupled (AdamW, paper Alg. 2): the moments "
    r"see $g_t$ and the step also subtracts $\lambda\theta_{t-1}$ (torch.optim.AdamW: "
    r"$\lambda = \mathrm{lr}\cdot\mathrm{weight\_decay}$). Everything is per coordinate $j$."
)

# --- adam-l2-not-adamw: step 1 from m_0 = v_0 = 0, f = 0 -------------------------------------
theta0 = sp.Symbol(r"\theta_{0,j}", positive=True)  # a coordinate of the start (any size > 0)
grad_1 = sp.Symbol(r"g_{1,j}", real=True)  # coordinate j of grad f_1(theta_0)
#: AdamW's decay rate lambda, switched on: > 0 here (notation.decay_rate is only >= 0).
positive_decay_rate = sp.Symbol("lambda", positive=True)
m_0, v_0 = sp.Symbol("m_{0,j}", real=True), sp.Symbol("v_{0,j}", real=True)
# Moments of Adam + L2 (they see g_1 + lambda' theta_0) and of AdamW (they see g_1).
m_1, v_1 = sp.Symbol("m_{1,j}", real=True), sp.Symbol("v_{1,j}", real=True)
mhat_1, vhat_1 = sp.Symbol(r"\hat{m}_{1,j}", real=True), sp.Symbol(r"\hat{v}_{1,j}", real=True)
mw_1, vw_1 = sp.Symbol("m^{W}_{1,j}", real=True), sp.Symbol("v^{W}_{1,j}", real=True)
mhatw_1 = sp.Symbol(r"\hat{m}^{W}_{1,j}", real=True)
vhatw_1 = sp.Symbol(r"\hat{v}^{W}_{1,j}", real=True)

#: Adam's step 1 as the source writes it (the definitions below unfold it; order matters: each
#: is substituted once, outermost first).
ADAM_STEP_1 = (
    sp.Eq(mhat_1, m_1 / (1 - beta1)),
    sp.Eq(vhat_1, v_1 / (1 - beta2)),
    sp.Eq(m_1, beta1 * m_0 + (1 - beta1) * (grad_1 + l2_coefficient * theta0)),
    sp.Eq(v_1, beta2 * v_0 + (1 - beta2) * (grad_1 + l2_coefficient * theta0) ** 2),
    sp.Eq(mhatw_1, mw_1 / (1 - beta1)),
    sp.Eq(vhatw_1, vw_1 / (1 - beta2)),
    sp.Eq(mw_1, beta1 * m_0 + (1 - beta1) * grad_1),
    sp.Eq(vw_1, beta2 * v_0 + (1 - beta2) * grad_1**2),
    sp.Eq(m_0, 0),
    sp.Eq(v_0, 0),
)
ZERO_LOSS = sp.Eq(grad_1, 0)  # f = 0: the loss contributes no gradient

adam_l2_step_1 = theta0 - alpha * mhat_1 / (sp.sqrt(vhat_1) + eps)
adamw_step_1 = theta0 - alpha * mhatw_1 / (sp.sqrt(vhatw_1) + eps) - positive_decay_rate * theta0

#: Coefficients of theta_0^2 and theta_0 in the step difference times (lambda' theta_0 + eps).
quadratic_coefficient = positive_decay_rate * l2_coefficient
linear_coefficient = positive_decay_rate * eps - alpha * l2_coefficient


@dataclass(frozen=True)
class ZeroLossFirstStep:
    """Step 1 on ``f_t = 0`` from ``theta_0`` of torch.optim.Adam(lr, eps, weight_decay =
    l2_coefficient) and of torch.optim.AdamW with the same arguments."""

    theta_0: tuple[float, ...]
    lr: float
    l2_coefficient: float
    eps: float


#: The setting torch re-runs: f = 0, two coordinates of different size.
FIRST_STEP_INSTANCE = ZeroLossFirstStep(theta_0=(1.0, 2.0), lr=0.1, l2_coefficient=0.1, eps=1e-8)

ADAM_L2_NOT_ADAMW = Claim(
    id="adam-l2-not-adamw",
    title=r"No $L_2$ coefficient makes Adam's first step the AdamW step, whatever the momentum",
    source=(
        r'problem set seed 000, key concepts 1 and 4 (Q1.b: "$L_2$ regularization does not equal '
        'weight decay in Adam", the conclusion of arguments i.1-i.2); Loshchilov & Hutter 2019, '
        "Sec. 2 and Alg. 2"
    ),
    question="Q1.b",
    statement=Statement(
        "not-exists",
        adam_l2_step_1,
        adamw_step_1,
        unknowns=(l2_coefficient,),
        hypotheses=(ZERO_LOSS, sp.Gt(positive_decay_rate, 0, evaluate=False)),
        domain=sp.Interval(0, sp.oo),
        definitions=ADAM_STEP_1,
    ),
    statement_text=(
        r"For every $\beta_1, \beta_2 \in [0, 1)$, $\epsilon > 0$, $\alpha > 0$ and decay "
        r"$\lambda > 0$ there is no constant $\lambda' \ge 0$ such that Adam on "
        r"$f + \frac{\lambda'}{2}\lVert\theta\rVert^2$ takes the AdamW step of decay $\lambda$ "
        r"from every start: already for $f = 0$, the first steps of a coordinate "
        r"$\theta_{0,j} > 0$ differ for some $\theta_{0,j}$."
    ),
    conventions=PAPER_AND_TORCH,
    proof=Proof(
        Conditions(
            # The two steps agree for every theta_0 > 0; the difference times the positive
            # denominator lambda' theta_0 + eps is a polynomial in theta_0, so each of its
            # coefficients vanishes.
            (Coefficients((theta0,)),),
            (quadratic_coefficient, linear_coefficient),
        ),
        per_coordinate=True,
        remarks=(
            (
                r"With $m_0 = v_0 = 0$ the bias correction gives $\hat m_1 = g_1 + "
                r"\lambda'\theta_0$ and $\hat v_1 = (g_1 + \lambda'\theta_0)^2$ for every "
                r"$\beta_1, \beta_2$: Adam's first step is the bias-corrected RMSProp step, so "
                r"momentum cannot help at $t = 1$."
            ),
            (
                r"The $\theta_0^2$ coefficient $\lambda\lambda'$ is the size dependence of Adam's "
                r"shrink $\alpha\lambda'/(\lambda'\theta_0 + \epsilon)$: two coordinates "
                r"$\theta_{0,j} \ne \theta_{0,k}$ are shrunk by different factors, AdamW shrinks "
                r"both by $1 - \lambda$."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $\beta_1, \beta_2$: the bias correction reduces Adam's first step to "
        r"the RMSProp step, so Prop. 2's obstruction applies at $t = 1$ whatever the momentum "
        r"does later. The conclusion of the problem set's arguments i.1-i.2 holds; argument "
        r"i.1's reason for it does not (claim adam-momentum-keeps-equivalence)."
    ),
    instance=FIRST_STEP_INSTANCE,
)

# --- adam-momentum-keeps-equivalence: M = k I, two steps ---------------------------------------
k = sp.Symbol("k", positive=True)  # the fixed scalar preconditioner M = k I
theta_0 = sp.Symbol(r"\theta_{0,j}", real=True)
g_1, g_2 = sp.Symbol("g_{1,j}", real=True), sp.Symbol("g_{2,j}", real=True)
# Adam + L2 with M = k I (superscript L2) and AdamW with M = k I (superscript W).
l2_theta_1, l2_theta_2 = (sp.Symbol(rf"\theta^{{L_2}}_{{{t},j}}", real=True) for t in (1, 2))
w_theta_1, w_theta_2 = (sp.Symbol(rf"\theta^{{W}}_{{{t},j}}", real=True) for t in (1, 2))
l2_m_1, w_m_1 = sp.Symbol("m^{L_2}_{1,j}", real=True), sp.Symbol("m^{W}_{1,j}", real=True)
l2_mhat_2 = sp.Symbol(r"\hat{m}^{L_2}_{2,j}", real=True)
w_mhat_2 = sp.Symbol(r"\hat{m}^{W}_{2,j}", real=True)

#: Two steps of each method with 1/(sqrt(vhat_t) + eps) replaced by k (outermost first).
TWO_STEPS_SCALAR_PRECONDITIONER = (
    sp.Eq(l2_theta_2, l2_theta_1 - alpha * k * l2_mhat_2),
    sp.Eq(
        l2_mhat_2,
        (beta1 * l2_m_1 + (1 - beta1) * (g_2 + l2_coefficient * l2_theta_1)) / (1 - beta1**2),
    ),
    sp.Eq(l2_theta_1, theta_0 - alpha * k * l2_m_1 / (1 - beta1)),
    sp.Eq(l2_m_1, beta1 * m_0 + (1 - beta1) * (g_1 + l2_coefficient * theta_0)),
    sp.Eq(w_theta_2, w_theta_1 - alpha * k * w_mhat_2 - decay_rate * w_theta_1),
    sp.Eq(w_mhat_2, (beta1 * w_m_1 + (1 - beta1) * g_2) / (1 - beta1**2)),
    sp.Eq(w_theta_1, theta_0 - alpha * k * w_m_1 / (1 - beta1) - decay_rate * theta_0),
    sp.Eq(w_m_1, beta1 * m_0 + (1 - beta1) * g_1),
    sp.Eq(m_0, 0),
)
#: The equivalence without momentum (beta_1 = 0: Prop. 1 scaled by k).
SCALAR_EQUIVALENCE = sp.Eq(decay_rate, alpha * k * l2_coefficient)

#: theta^L2_2 - theta^W_2 = momentum's memory of the first step's L2 term.
step2_residual = alpha * k * l2_coefficient * beta1 / (1 + beta1) * (l2_theta_1 - theta_0)

STEP2_RESIDUAL = Lemma(
    "step-2 residual",
    l2_theta_2 - w_theta_2,
    step2_residual,
    Chain(
        l2_theta_2 - w_theta_2,
        (
            Link(
                step2_residual,
                r"Unfold both two-step maps: with $\lambda = \alpha k\lambda'$ step 1 agrees "
                r"($\hat m_1 = m_1/(1-\beta_1)$ removes $\beta_1$), and at step 2 the bias "
                r"correction $(1-\beta_1)/(1-\beta_1^2) = 1/(1+\beta_1)$ leaves "
                r"$\frac{\alpha k\lambda'}{1+\beta_1}(\beta_1\theta_0 + \theta_1)$ of $L_2$ "
                r"against the decay $\alpha k\lambda'\theta_1$.",
            ),
        ),
    ),
)

#: The exact counterexample (f = 0), re-run with torch.optim.Adam / AdamW (eps huge: M = k I).
TWO_STEP_COUNTEREXAMPLE = {
    alpha: sp.Rational(1, 10),
    k: sp.Integer(1),
    beta1: sp.Rational(9, 10),
    l2_coefficient: sp.Integer(1),
    theta_0: sp.Integer(1),
    g_1: sp.Integer(0),
    g_2: sp.Integer(0),
}
#: theta^L2_2 = 153/190 against theta^W_2 = (9/10)^2 = 81/100.
TWO_STEP_GAP = sp.Rational(-9, 1900)

ADAM_MOMENTUM_KEEPS_EQUIVALENCE = Claim(
    id="adam-momentum-keeps-equivalence",
    title=r"Momentum does not affect the equivalence of $L_2$ and weight decay (argument i.1's "
    r"premise, for $M = kI$)",
    source=(
        "problem set seed 000, key concept 4.a.i, argument 1 of Q1.b (momentum \"shouldn't "
        'affect" the inequivalence, because in Q1.a.ii momentum "did not affect the '
        'equivalence"); cf. '
        "claim sgd-momentum-l2-equals-constant-decay"
    ),
    question="Q1.b",
    statement=Statement.forall(
        l2_theta_2,
        w_theta_2,
        hypotheses=(SCALAR_EQUIVALENCE,),
        definitions=TWO_STEPS_SCALAR_PRECONDITIONER,
    ),
    statement_text=(
        r"Argument i.1 of the course's original problem set (Q1.b) says Adam's momentum "
        r"``shouldn't affect'' the relation between $L_2$ and weight decay, because with SGD "
        r"momentum ``did not affect the equivalence''. Where Adam has that equivalence without "
        r"momentum, a fixed scalar preconditioner $M = kI$ ($L_2$ coefficient $\lambda'$ is decay "
        r"$\lambda = \alpha k\lambda'$, Prop. 1 scaled by $k$), the premise reads: for every "
        r"$\beta_1 \in [0, 1)$, Adam with momentum on $f + \frac{\lambda'}{2}\lVert\theta\rVert^2$ "
        r"and AdamW with decay $\lambda = \alpha k\lambda'$ take the same iterates from every "
        r"$\theta_0$ for every gradient sequence; in particular the same $\theta_2$."
    ),
    conventions=(
        PAPER_AND_TORCH + r" Here the preconditioner is fixed: $1/(\sqrt{\hat v_t} + \epsilon)$ "
        r"is replaced by $k > 0$ (torch: $\epsilon \gg \sqrt{\hat v_t}$ with "
        r"$\mathrm{lr} = \alpha k\epsilon$); $g_t$ is the loss gradient at the common iterate "
        r"(step 1 agrees under $\lambda = \alpha k\lambda'$)."
    ),
    proof=Proof(
        Counterexample(TWO_STEP_COUNTEREXAMPLE, TWO_STEP_GAP),
        lemmas=(STEP2_RESIDUAL,),
        per_coordinate=True,
        remarks=(
            (
                r"The lemma locates the gap: the buffer still holds the first step's $L_2$ term "
                r"$\lambda'\theta_0$, weighted by $\beta_1/(1+\beta_1)$, which AdamW never stored. "
                r"At the counterexample $\theta^{L_2}_1 - \theta_0 = -1/10$ and "
                r"$\frac{\alpha k\lambda'\beta_1}{1+\beta_1} = \frac{9}{190}$."
            ),
            (
                r"No other constant decay helps: step 1 alone forces $\lambda = \alpha k\lambda'$, "
                r"since $\hat m_1$ is the first gradient for every $\beta_1$."
            ),
        ),
    ),
    expect="refuted",
    explanation=(
        r"Refuted exactly: at $f = 0$, $\theta_0 = 1$, $\alpha = 1/10$, $k = 1$, "
        r"$\beta_1 = 9/10$, $\lambda' = 1$ ($\lambda = 1/10$) the runs reach "
        r"$\theta^{L_2}_2 = 153/190$ and $\theta^W_2 = 81/100$, a gap of $-9/1900$; torch "
        r"re-runs it. For $\beta_1 > 0$ momentum itself breaks the equivalence, as it does for "
        r"SGD (claim sgd-momentum-l2-equals-constant-decay), so argument i.1 reasons from a "
        r"false premise; its conclusion (Adam + $L_2$ is not AdamW) holds for another reason "
        r"(claim adam-l2-not-adamw). With $\beta_1 = 0$ the residual vanishes."
    ),
)

CLAIMS = (ADAM_L2_NOT_ADAMW, ADAM_MOMENTUM_KEEPS_EQUIVALENCE)
