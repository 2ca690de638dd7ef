"""Adam's step is not bounded by gamma: lecture 002's property III, refuted and corrected.

Bias-corrected Adam's moments are weighted sums of the gradients seen so far (per coordinate,
``m_0 = v_0 = 0``):

.. math::
    \\hat m_t = \\sum_{k=1}^t w_k g_k, \\quad
    w_k = \\frac{(1-\\beta_1)\\beta_1^{t-k}}{1-\\beta_1^t}, \\qquad
    \\hat v_t = \\sum_{k=1}^t u_k g_k^2, \\quad
    u_k = \\frac{(1-\\beta_2)\\beta_2^{t-k}}{1-\\beta_2^t}.

Lecture 002 (slide "Adam property III: bounded step size") says Cauchy–Schwarz gives
``|mhat| <= sqrt(vhat)``, so ``|Delta theta| <= gamma``. Cauchy–Schwarz with the two
*different* weightings gives instead (claim ``lecture-bounded-step-tight-bound``)

.. math:: \\Delta\\theta_t^2 \\le \\gamma^2 S_t, \\qquad S_t = \\sum_{k=1}^t \\frac{w_k^2}{u_k},

attained by ``g_k = w_k/u_k`` (``lecture-bounded-step-attained``), with
``S_t = (1-beta_1)^2 (1-beta_2^t)(1-rho^t) / ((1-beta_1^t)^2 (1-beta_2)(1-rho))`` for
``rho = beta_1^2/beta_2`` (``lecture-bounded-step-weight-sum``), whose limit is
``(1-beta_1)^2/((1-beta_2)(1-rho))`` when ``rho < 1``: about ``7.27^2`` for the defaults. And
``S_t - 1 = sum (w_k - u_k)^2/u_k`` (``lecture-bounded-step-excess``): ``gamma`` is the bound
exactly when the two weightings coincide, ``beta_1 = beta_2``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import (
    CauchySchwarz,
    Chain,
    Counterexample,
    Induction,
    Lemma,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.kernel.equality import substitute
from wdproof.derivations.notation import beta1, beta2, t

SOURCE = "lecture notes 002, slide 'Adam property III: bounded step size'"
k = sp.Symbol("k", integer=True, positive=True)
lr = sp.Symbol(r"\gamma", positive=True)  # the lecture's gamma: torch's lr
eps = sp.Symbol(r"\epsilon", nonnegative=True)  # eps = 0 allowed (torch accepts it)
g = sp.IndexedBase("g", real=True)  # the gradients of one coordinate, g_1 .. g_t
m_hat = sp.Symbol(r"\hat{m}_t", real=True)
v_hat = sp.Symbol(r"\hat{v}_t", positive=True)  # v_hat > 0: the step is defined for eps = 0

#: Adam's weights (the EMA unrolled and bias-corrected): explicit in t, beta_1, beta_2.
adam_w = (1 - beta1) * beta1 ** (t - k) / (1 - beta1**t)
adam_u = (1 - beta2) * beta2 ** (t - k) / (1 - beta2**t)
step = lr * m_hat / (sp.sqrt(v_hat) + eps)  # |Delta theta_t| = gamma |mhat|/(sqrt(vhat) + eps)

# --- The slide's statement, refuted -----------------------------------------------------------
adam_m = sp.Eq(m_hat, sp.Sum(adam_w * g[k], (k, 1, t)))
adam_v = sp.Eq(v_hat, sp.Sum(adam_u * g[k] ** 2, (k, 1, t)))
#: The defaults (lecture 002, slide 'Adam: default setting'), t = 2, and g_k = w_k/u_k there:
#: g_1/g_2 = beta_1/beta_2 = 100/111.
DEFAULTS = {lr: sp.Rational(1, 1000), beta1: sp.Rational(9, 10), beta2: sp.Rational(999, 1000)}
COUNTER = {**DEFAULTS, eps: sp.Rational(1, 10**8), t: 2, g[1]: sp.Rational(100, 111), g[2]: 1}


def _gap_at(values: dict) -> sp.Basic:
    """The exact ``|step| - gamma`` at ``values`` (an untrusted helper: the kernel recomputes)."""
    gap = substitute(sp.Abs(step) - lr, [(adam_m.lhs, adam_m.rhs), (adam_v.lhs, adam_v.rhs)])
    gap = substitute(substitute(gap, list(values.items())).doit(), list(values.items()))
    return sp.simplify(gap.doit())


AS_STATED = Claim(
    id="lecture-bounded-step-as-stated",
    title=r"Lecture 002's bounded step: each coordinate of Adam's step is at most $\gamma$",
    source=SOURCE,
    question="lecture-notes",
    statement=Statement.at_most(sp.Abs(step), lr, hypotheses=(adam_m, adam_v)),
    statement_text=(
        r"``Each coordinate's step is effectively capped by $\gamma$ in stationary regimes'': "
        r"$|\Delta\theta_{t,i}| = \gamma|\hat m_{t,i}|/(\sqrt{\hat v_{t,i}} + \epsilon)$, and "
        r"``by Cauchy-Schwarz on EMAs'' $|\hat m_{t,i}| \le \sqrt{\hat v_{t,i}}$, hence "
        r"$|\Delta\theta_{t,i}| \le \gamma$."
    ),
    conventions=(
        r"Per coordinate; bias-corrected Adam from $m_0 = v_0 = 0$, so $\hat m_t$ and "
        r"$\hat v_t$ are the weighted sums above; $\epsilon$ outside the root as on the slide; "
        r"$\hat v_t > 0$."
    ),
    proof=Proof(Counterexample(COUNTER, _gap_at(COUNTER)), per_coordinate=True),
    expect="refuted",
    explanation=(
        r"The statement fails, and the argument is wrong, not misprinted: Cauchy-Schwarz bounds "
        r"$\hat m_t^2 = (\sum_k w_k g_k)^2$ by $\hat v_t \sum_k w_k^2/u_k$, not by $\hat v_t$, "
        r"because $m_t$ and $v_t$ average with different weights ($\beta_1 \ne \beta_2$). With "
        r"the default setting two gradients $g_1 = 100/111$, $g_2 = 1$ already give a second "
        r"step above $\gamma$; the gradient sequence $g_k = (\beta_2/\beta_1)^k$ gives steps of "
        r"$5.78\gamma$ at $t = 1000$ and $6.76\gamma$ at $t = 2000$, tending to $7.27\gamma$ "
        r"(claims lecture-bounded-step-tight-bound and lecture-bounded-step-weight-sum). What "
        r"holds under stationarity is the bound on expectations, "
        r"$|\mathbb{E}\hat m_t| = |\mu| \le \sqrt{\nu} = \sqrt{\mathbb{E}\hat v_t}$ (Jensen), "
        r"which says nothing about the step actually taken."
    ),
)

# --- The tight bound, for any positive weights ------------------------------------------------
w = sp.IndexedBase("w", positive=True)
u = sp.IndexedBase("u", positive=True)
weighted_m = sp.Eq(m_hat, sp.Sum(w[k] * g[k], (k, 1, t)))
weighted_v = sp.Eq(v_hat, sp.Sum(u[k] * g[k] ** 2, (k, 1, t)))
weight_sum = sp.Sum(w[k] ** 2 / u[k], (k, 1, t))
a_k, b_k = w[k] / sp.sqrt(u[k]), sp.sqrt(u[k]) * g[k]  # sum a_k b_k = mhat, sum b_k^2 = vhat


def _sum(body: sp.Basic) -> sp.Sum:
    return sp.Sum(body, (k, 1, t))


TIGHT_BOUND = Claim(
    id="lecture-bounded-step-tight-bound",
    title=r"Adam's step is at most $\gamma\sqrt{\sum_k w_k^2/u_k}$, by Cauchy-Schwarz",
    source=SOURCE + " (corrected)",
    question="lecture-notes",
    statement=Statement.at_most(
        step**2,
        lr**2 * weight_sum,
        hypotheses=(weighted_m, weighted_v, sp.StrictGreaterThan(v_hat, 0, evaluate=False)),
    ),
    statement_text=(
        r"If $\hat m_t = \sum_{k=1}^t w_k g_k$ and $\hat v_t = \sum_{k=1}^t u_k g_k^2 > 0$ with "
        r"positive weights, then for every gradient sequence and every $\epsilon \ge 0$, "
        r"$|\Delta\theta_t| = \gamma|\hat m_t|/(\sqrt{\hat v_t} + \epsilon) \le "
        r"\gamma\sqrt{\sum_k w_k^2/u_k}$ (stated squared: both sides are nonnegative)."
    ),
    conventions=(
        r"Per coordinate; any $t \ge 1$, weights $w_k, u_k > 0$ arbitrary (Adam's are "
        r"$w_k = (1-\beta_1)\beta_1^{t-k}/(1-\beta_1^t)$, $u_k = (1-\beta_2)\beta_2^{t-k}/"
        r"(1-\beta_2^t)$); the gradients $g_k$ are arbitrary reals."
    ),
    proof=Proof(
        Chain(
            step**2,
            (
                Link(
                    lr**2 * m_hat**2 / v_hat,
                    r"Drop $\epsilon \ge 0$: the difference is "
                    r"$\gamma^2\hat m_t^2(2\epsilon\sqrt{\hat v_t} + \epsilon^2)/"
                    r"(\hat v_t(\sqrt{\hat v_t} + \epsilon)^2) \ge 0$.",
                    relation="<=",
                    certificate=(
                        (
                            lr**2 * m_hat**2 / (v_hat * (sp.sqrt(v_hat) + eps) ** 2),
                            2 * eps * sp.sqrt(v_hat) + eps**2,
                        ),
                    ),
                ),
                Link(
                    lr**2 * _sum(a_k * b_k) ** 2 / v_hat,
                    r"Write $w_k g_k = (w_k/\sqrt{u_k})(\sqrt{u_k} g_k)$.",
                ),
                Link(
                    lr**2 * _sum(a_k**2) * _sum(b_k**2) / v_hat,
                    r"Cauchy-Schwarz with $a_k = w_k/\sqrt{u_k}$, $b_k = \sqrt{u_k}g_k$, "
                    r"weighted by $\gamma^2/\hat v_t > 0$.",
                    relation="<=",
                    certificate=((lr**2 / v_hat, CauchySchwarz(a_k, b_k, k, 1, t)),),
                ),
                Link(lr**2 * weight_sum, r"$\sum_k b_k^2 = \sum_k u_k g_k^2 = \hat v_t$."),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"The slide's Cauchy-Schwarz step, done with the two weightings: the factor "
        r"$\sqrt{\sum_k w_k^2/u_k}$ is 1 only when $w = u$ (claim "
        r"lecture-bounded-step-excess). The bound is tight (claim "
        r"lecture-bounded-step-attained)."
    ),
)

# --- Attained by g_k = w_k/u_k ------------------------------------------------------------------
attaining_m = sp.Eq(m_hat, _sum(w[k] * (w[k] / u[k])))
attaining_v = sp.Eq(v_hat, _sum(u[k] * (w[k] / u[k]) ** 2))
plain_step = lr * m_hat / sp.sqrt(v_hat)

ATTAINED = Claim(
    id="lecture-bounded-step-attained",
    title=(
        r"The bound is attained: with $g_k = w_k/u_k$ and $\epsilon = 0$ the step is "
        r"$\gamma\sqrt{S_t}$"
    ),
    source=SOURCE + " (corrected)",
    question="lecture-notes",
    statement=Statement.forall(
        plain_step, lr * sp.sqrt(weight_sum), hypotheses=(attaining_m, attaining_v)
    ),
    statement_text=(
        r"For the gradients $g_k = w_k/u_k$ ($k = 1, \dots, t$) and $\epsilon = 0$, "
        r"$\hat m_t = \hat v_t = \sum_k w_k^2/u_k$, so the step is "
        r"$\gamma\hat m_t/\sqrt{\hat v_t} = \gamma\sqrt{\sum_k w_k^2/u_k}$: the bound of claim "
        r"lecture-bounded-step-tight-bound is reached. For Adam's weights "
        r"$w_k/u_k \propto (\beta_2/\beta_1)^k$: one sequence attains the bound at every $t$."
    ),
    conventions=TIGHT_BOUND.conventions,
    proof=Proof(
        Chain(
            plain_step,
            (
                Link(
                    lr * sp.sqrt(weight_sum),
                    r"Both moments are $S = \sum_k w_k^2/u_k > 0$, and $S/\sqrt{S} = \sqrt{S}$.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Cauchy-Schwarz is an equality when $b \propto a$, i.e. $\sqrt{u_k}g_k \propto "
        r"w_k/\sqrt{u_k}$. The torch run feeds $g_k = (\beta_2/\beta_1)^k$ for 2000 steps."
    ),
)

# --- S_t in closed form for Adam's weights ------------------------------------------------------
rho = beta1**2 / beta2
geometric_sum = _sum(rho ** (t - k))
geometric_closed = (1 - rho**t) / (1 - rho)
GEOMETRIC = Lemma(
    "geometric sum",
    geometric_sum,
    geometric_closed,
    Induction(
        t,
        1,
        base=Chain(geometric_sum.subs(t, 1), (Link(sp.S.One, r"One term, $\rho^0 = 1$."),)),
        step=Chain(
            geometric_sum.subs(t, t + 1),
            (
                Link(rho * geometric_sum + 1, r"Peel the last term; the rest carries $\rho$."),
                Link(rho * geometric_closed + 1, r"Induction hypothesis.", ("hypothesis",)),
                Link(geometric_closed.subs(t, t + 1), r"Collect over $1 - \rho$."),
            ),
        ),
    ),
)
scale = (1 - beta1) ** 2 * (1 - beta2**t) / ((1 - beta1**t) ** 2 * (1 - beta2))
adam_weight_sum = _sum(adam_w**2 / adam_u)
weight_sum_closed = scale * geometric_closed
#: lim S_t for rho = beta_1^2/beta_2 < 1; its root is the supremum of |Delta theta|/gamma.
weight_sum_limit = (1 - beta1) ** 2 / ((1 - beta2) * (1 - rho))

WEIGHT_SUM = Claim(
    id="lecture-bounded-step-weight-sum",
    title=(
        r"For Adam's weights, $S_t = \sum_k w_k^2/u_k$ in closed form (limit "
        r"$9990/189 \approx 52.86 \approx 7.27^2$ at the defaults)"
    ),
    source=SOURCE + " (corrected)",
    question="lecture-notes",
    statement=Statement.forall(adam_weight_sum, weight_sum_closed),
    statement_text=(
        r"With Adam's weights and $\rho = \beta_1^2/\beta_2 \ne 1$, "
        r"$S_t = \sum_{k=1}^t w_k^2/u_k = \frac{(1-\beta_1)^2(1-\beta_2^t)(1-\rho^t)}"
        r"{(1-\beta_1^t)^2(1-\beta_2)(1-\rho)}$; for $\rho < 1$ it tends to "
        r"$(1-\beta_1)^2/((1-\beta_2)(1-\rho))$, so the supremum of the step over $\gamma$ is "
        r"$(1-\beta_1)/\sqrt{(1-\beta_2)(1-\beta_1^2/\beta_2)}$."
    ),
    conventions=(
        r"Per coordinate; any $t \ge 1$; $0 < \beta_1, \beta_2 < 1$ and "
        r"$\beta_1^2 \ne \beta_2$. The geometric sum is a lemma proved by induction over $t$."
    ),
    proof=Proof(
        Chain(
            adam_weight_sum,
            (
                Link(
                    _sum(scale * rho ** (t - k)),
                    r"Each term: $w_k^2/u_k = \frac{(1-\beta_1)^2(1-\beta_2^t)}"
                    r"{(1-\beta_1^t)^2(1-\beta_2)}\,(\beta_1^2/\beta_2)^{t-k}$.",
                ),
                Link(scale * geometric_sum, r"The factor does not depend on $k$."),
                Link(weight_sum_closed, r"The geometric sum (lemma).", (GEOMETRIC,)),
            ),
        ),
        lemmas=(GEOMETRIC,),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"As $t \to \infty$ with $\beta_1, \beta_2 < 1$ and $\rho < 1$, $\beta_1^t, "
        r"\beta_2^t, \rho^t \to 0$. At the defaults $(0.9, 0.999)$: $\rho = 0.81/0.999$, "
        r"$\lim S_t = 9990/189 \approx 52.86$, a supremum of $\approx 7.27\gamma$; "
        r"$\sqrt{S_{1000}} \approx 5.78$ and $\sqrt{S_{2000}} \approx 6.76$ (the tests and the "
        r"torch confirmation evaluate these from the closed form)."
    ),
)

# --- gamma is the bound exactly when the weightings coincide ------------------------------------
excess = _sum((w[k] - u[k]) ** 2 / u[k])
excess_lhs = weight_sum - 2 * _sum(w[k]) + _sum(u[k])

EXCESS = Claim(
    id="lecture-bounded-step-excess",
    title=(
        r"$S_t - 1 = \sum_k (w_k - u_k)^2/u_k$: $\gamma$ is the bound only when the weightings "
        r"coincide"
    ),
    source=SOURCE + " (corrected)",
    question="lecture-notes",
    statement=Statement.forall(excess_lhs, excess),
    statement_text=(
        r"For positive weights, $\sum_k w_k^2/u_k - 2\sum_k w_k + \sum_k u_k = "
        r"\sum_k (w_k - u_k)^2/u_k$. Adam's bias correction makes both weightings sum to one, "
        r"so $S_t - 1 = \sum_k (w_k - u_k)^2/u_k \ge 0$: the factor of claim "
        r"lecture-bounded-step-tight-bound is at least 1, and equals 1 exactly when "
        r"$w_k = u_k$ for every $k$, which for Adam's weights ($t \ge 2$) means "
        r"$\beta_1 = \beta_2$."
    ),
    conventions=TIGHT_BOUND.conventions,
    proof=Proof(
        Chain(
            excess_lhs,
            (Link(excess, r"Expand $(w_k - u_k)^2/u_k = w_k^2/u_k - 2w_k + u_k$."),),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"A sum of nonnegative terms, zero only if every $w_k = u_k$. Adam's weights satisfy "
        r"$w_{k-1}/w_k = \beta_1$ and $u_{k-1}/u_k = \beta_2$, so for $t \ge 2$ they coincide "
        r"exactly when $\beta_1 = \beta_2$; the slide's bound $\gamma$ is then right, and for "
        r"every other choice (the defaults included) it is exceeded."
    ),
)

CLAIMS = (AS_STATED, TIGHT_BOUND, ATTAINED, WEIGHT_SUM, EXCESS)
