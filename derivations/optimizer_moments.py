"""Adam's moments under a constant gradient, and what bias correction buys (problem set Q2.a).

For a constant gradient ``g`` the moments of paper Alg. 2 have closed forms, proved by induction
over ``k`` for any exponential moving average ``e_{k+1} = beta e_k + (1 - beta) c``, ``e_0 = 0``:
``e_k = (1 - beta^k) c`` (claim ``adam-moments-constant-gradient``; ``m_t`` is the case
``(beta, c) = (beta_1, g)``, ``v_t`` the case ``(beta_2, g^2)``). With them the bias-corrected
step is ``alpha g/(|g| + eps)`` at every ``t`` (``adam-bias-correction-constant-gradient``) and
the uncorrected one is ``(1-beta_1^t)/sqrt(1-beta_2^t)`` times ``alpha g/(|g| + eps/sqrt(1 -
beta_2^t))`` (``adam-uncorrected-step-constant-gradient``). The two step claims take the closed
forms as hypotheses (:data:`m_closed`, :data:`v_closed`), so the induction is proved once.

The update rules themselves (paper Alg. 2, torch.optim.Adam) are
:mod:`~wdproof.derivations.optimizer_conventions`.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Induction, Link, Proof, Statement
from wdproof.derivations.notation import alpha, beta1, beta2, eps, t
from wdproof.derivations.optimizer_conventions import m_hat, m_t, v_hat, v_t

# --- The moments of a constant gradient, by induction ----------------------------------------
ema = sp.IndexedBase("e")
k = sp.Symbol("k", integer=True, nonnegative=True)
beta = sp.Symbol("beta", nonnegative=True)
c = sp.Symbol("c", real=True)  # the constant input: g for m_t, g^2 for v_t
ema_recurrence = sp.Eq(ema[k + 1], beta * ema[k] + (1 - beta) * c)
ema_start = sp.Eq(ema[0], 0)
ema_closed_form = (1 - beta**k) * c

MOMENTS = Claim(
    id="adam-moments-constant-gradient",
    title=(
        r"A moment that averages a constant input $c$ from 0 is $(1 - \beta^k)c$ after $k$ steps"
    ),
    source=(
        r"paper Alg. 2 (main text), lines 7-8, with $m_0 = v_0 = 0$; lecture notes 002, second "
        r"slide 'Adam property I: bias correction' ($\mathbb{E}[m_t] = (1 - \beta_1^t)\mu$)"
    ),
    question="Q2.a",
    statement=Statement.forall(ema[k], ema_closed_form, definitions=(ema_recurrence, ema_start)),
    statement_text=(
        r"For every $k \ge 0$, the exponential moving average $e_{k+1} = \beta e_k + "
        r"(1-\beta)c$ of a constant input $c$ started at $e_0 = 0$ is $e_k = (1-\beta^k)c$. "
        r"Adam's first moment under a constant gradient $g$ is the case "
        r"$(\beta, c) = (\beta_1, g)$: $m_t = (1-\beta_1^t) g$; its second moment the case "
        r"$(\beta_2, g^2)$: $v_t = (1-\beta_2^t) g^2$."
    ),
    conventions=(
        r"Per coordinate; $\beta \ge 0$ and $c$ are real numbers, $k$ a nonnegative "
        r"integer: the closed form is proved for every $k$, not sampled. The recurrence and the "
        r"start $e_0 = 0$ are the statement's definitions (Alg. 2 lines 2, 7-8)."
    ),
    proof=Proof(
        Induction(
            k,
            0,
            base=Chain(ema[0], (Link(sp.S.Zero, r"The start: $e_0 = 0$ (Alg. 2 line 2)."),)),
            step=Chain(
                ema[k + 1],
                (
                    Link(
                        beta * ema[k] + (1 - beta) * c,
                        r"The recurrence (Alg. 2 lines 7-8).",
                    ),
                    Link(
                        beta * (1 - beta**k) * c + (1 - beta) * c,
                        r"Induction hypothesis $e_k = (1-\beta^k)c$.",
                        ("hypothesis",),
                    ),
                    Link(
                        (1 - beta ** (k + 1)) * c,
                        r"Collect: $\beta - \beta^{k+1} + 1 - \beta = 1 - \beta^{k+1}$.",
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $k$ by induction. The moments start at zero and reach only the "
        r"fraction $1 - \beta^k$ of the input: $m_1 = (1-\beta_1) g$, a tenth of $g$ for "
        r"$\beta_1 = 0.9$, and $v_1 = (1-\beta_2) g^2$, a thousandth of $g^2$ for "
        r"$\beta_2 = 0.999$. The lecture's computation of $\mathbb{E}[m_t]$ under "
        r"$\mathbb{E}[g_t] = \mu$ is this recurrence for $\mathbb{E}[m_t]$ (expectation is "
        r"linear) with $c = \mu$."
    ),
)

# --- What bias correction buys, for every t ---------------------------------------------------
g = sp.Symbol("g", real=True)  # the constant gradient of one coordinate
#: The closed forms of claim ``adam-moments-constant-gradient`` at (beta_1, g) and (beta_2, g^2).
m_closed = sp.Eq(m_t, ema_closed_form.subs({beta: beta1, c: g, k: t}))
v_closed = sp.Eq(v_t, ema_closed_form.subs({beta: beta2, c: g**2, k: t}))
m_hat_def = sp.Eq(m_hat, m_t / (1 - beta1**t))
v_hat_def = sp.Eq(v_hat, v_t / (1 - beta2**t))
corrected_step = alpha * m_hat / (sp.sqrt(v_hat) + eps)
constant_step = alpha * g / (sp.Abs(g) + eps)

CONSTANT_GRADIENT_CONVENTIONS = (
    r"Per coordinate; paper Alg. 2 and torch.optim.Adam ($\epsilon$ outside the "
    r"root), base rate $\alpha$; $g$ real, $t \ge 1$ an integer, "
    r"$0 \le \beta_1, \beta_2 < 1$ so that $1 - \beta_i^t > 0$. The hypotheses are the closed "
    r"forms of claim adam-moments-constant-gradient at $(\beta_1, g)$ and "
    r"$(\beta_2, g^2)$."
)

BIAS_CORRECTION = Claim(
    id="adam-bias-correction-constant-gradient",
    title=(
        r"With a constant gradient $g$, bias-corrected Adam steps $\alpha g/(|g| + \epsilon)$ at "
        r"every $t$"
    ),
    source="paper Alg. 2 (main text), lines 9-10 and 12; problem set Q2.a",
    question="Q2.a",
    statement=Statement.forall(
        corrected_step,
        constant_step,
        hypotheses=(m_closed, v_closed),
        definitions=(m_hat_def, v_hat_def),
    ),
    statement_text=(
        r"If every gradient of a coordinate equals $g$, then at every step $t \ge 1$ the "
        r"bias-corrected moments are $\hat m_t = g$ and $\hat v_t = g^2$, and Adam's step "
        r"$\alpha\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ is $\alpha g/(|g| + \epsilon)$, the "
        r"same from the first step on."
    ),
    conventions=CONSTANT_GRADIENT_CONVENTIONS,
    proof=Proof(
        Chain(
            corrected_step,
            (
                Link(
                    alpha * (m_t / (1 - beta1**t)) / (sp.sqrt(v_t / (1 - beta2**t)) + eps),
                    r"The bias corrections (Alg. 2 lines 9-10).",
                ),
                Link(
                    constant_step,
                    r"The closed forms: $1 - \beta_1^t$ and $1 - \beta_2^t$ cancel, "
                    r"$\sqrt{g^2} = |g|$.",
                    (m_closed, v_closed),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $t \ge 1$: the corrections divide out exactly the factors "
        r"$1 - \beta_i^t$ by which the zero-started moments fall short, so a constant gradient "
        r"moves $\theta$ by $\alpha g/(|g| + \epsilon) \approx \alpha\,\mathrm{sign}(g)$ from "
        r"the first step on."
    ),
)

uncorrected_step = alpha * m_t / (sp.sqrt(v_t) + eps)
root2 = sp.sqrt(1 - beta2**t)
uncorrected_closed = (1 - beta1**t) / root2 * (alpha * g / (sp.Abs(g) + eps / root2))

UNCORRECTED = Claim(
    id="adam-uncorrected-step-constant-gradient",
    title=(
        r"Without bias correction a constant gradient's step is "
        r"$(1 - \beta_1^t)/\sqrt{1 - \beta_2^t}$ times a step with $\epsilon$ inflated"
    ),
    source="paper Alg. 2 (main text), lines 7-12 with lines 9-10 left out; problem set Q2.a",
    question="Q2.a",
    statement=Statement.forall(
        uncorrected_step, uncorrected_closed, hypotheses=(m_closed, v_closed)
    ),
    statement_text=(
        r"If every gradient of a coordinate equals $g$, Adam without the bias corrections, "
        r"$\alpha m_t/(\sqrt{v_t} + \epsilon)$, steps $\frac{1-\beta_1^t}{\sqrt{1-\beta_2^t}}"
        r"\cdot\frac{\alpha g}{|g| + \epsilon/\sqrt{1-\beta_2^t}}$ at step $t$: the corrected "
        r"step scaled by $(1-\beta_1^t)/\sqrt{1-\beta_2^t}$, with $\epsilon$ inflated to "
        r"$\epsilon/\sqrt{1-\beta_2^t}$."
    ),
    conventions=CONSTANT_GRADIENT_CONVENTIONS,
    proof=Proof(
        Chain(
            uncorrected_step,
            (
                Link(
                    alpha * (1 - beta1**t) * g / (root2 * sp.Abs(g) + eps),
                    r"The closed forms; $\sqrt{(1-\beta_2^t) g^2} = \sqrt{1-\beta_2^t}\,|g|$.",
                    (m_closed, v_closed),
                ),
                Link(
                    uncorrected_closed,
                    r"Divide numerator and denominator by $\sqrt{1-\beta_2^t} > 0$.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $t \ge 1$. With the defaults $(\beta_1, \beta_2) = (0.9, 0.999)$ the "
        r"factor is $0.1/\sqrt{0.001} \approx 3.16$ at $t = 1$ (for $\epsilon \ll |g|$) and "
        r"$\epsilon$ acts as $\epsilon/\sqrt{0.001} \approx 31.6\,\epsilon$; both effects fade "
        r"as $\beta_i^t \to 0$. Bias correction removes exactly these factors (claim "
        r"adam-bias-correction-constant-gradient)."
    ),
)

CLAIMS = (MOMENTS, BIAS_CORRECTION, UNCORRECTED)
