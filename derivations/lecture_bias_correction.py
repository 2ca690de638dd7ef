"""Bias correction in expectation (lecture notes 002 and 004).

Lecture 004 ('Bias Correction in Adam III-V') unrolls ``m_t = (1-beta_1) sum_k beta_1^{t-k} g_k``
and sums the weights: ``(1-beta) sum_{k=1}^t beta^{t-k} = 1 - beta^t`` (``lecture-ema-weight-sum``,
induction over t). Lecture 002 (second slide 'Adam property I') assumes ``E[g_t] = mu``,
``E[g_t^2] = nu`` and concludes ``E[m_t] = (1-beta_1^t) mu``, ``E[mhat_t] = mu`` (and the same
for v). Expectation is linear, so Alg. 2 line 7 gives the recurrence ``E[m_{t+1}] = beta_1
E[m_t] + (1-beta_1) E[g_{t+1}]``, ``E[m_0] = 0`` (the statements' definitions); stationarity is
the proofs' assumption, so those verdicts are conditional on it. The deterministic recurrence
is claim ``adam-moments-constant-gradient``. What leaving the correction out does is
:mod:`~wdproof.derivations.lecture_missing_bias_correction`.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Induction, Link, Proof, Statement
from wdproof.derivations.notation import beta1, beta2, t
from wdproof.derivations.optimizer_moments import beta

LECTURE_002 = "lecture notes 002, second slide 'Adam property I: bias correction'"
LECTURE_004 = "lecture notes 004, slides 'Bias Correction in Adam III-V'"
k = sp.Symbol("k", integer=True, positive=True)  # the summation index of the unrolled EMA
i = sp.Symbol("i", integer=True, nonnegative=True)  # the index of geometric sums in certificates


class Expectation(sp.Function):
    """``E[x]``: an uninterpreted value, constrained only by the statement's definitions."""

    is_real = True

    def _latex(self, printer) -> str:
        return rf"\mathbb{{E}}[{printer._print(self.args[0])}]"


# --- (1 - beta) sum_{k=1}^t beta^{t-k} = 1 - beta^t, by induction over t --------------------
weight_sum = (1 - beta) * sp.Sum(beta ** (t - k), (k, 1, t))

WEIGHT_SUM = Claim(
    id="lecture-ema-weight-sum",
    title=r"The weights of the unrolled moving average sum to $1 - \beta^t$",
    source=f"{LECTURE_004}; {LECTURE_002}",
    question="lecture-notes",
    statement=Statement.forall(weight_sum, 1 - beta**t),
    statement_text=(
        r"Slide V: $(1-\rho_1)\sum_{i=1}^t \rho_1^{t-i} = (1-\rho_1)(1 + \dots + "
        r"\rho_1^{t-1}) = 1 - \rho_1^t$, the total weight of the unrolled first moment "
        r"$s_t = (1-\rho_1)\sum_{i=1}^t \rho_1^{t-i} g_i$ (slide III); lecture 002 uses the "
        r"same sum for both moments."
    ),
    conventions=(
        r"$\beta \ge 0$ stands for $\rho_1 = \beta_1$ or $\rho_2 = \beta_2$; $t \ge 1$ an "
        r"integer: the identity is proved for every $t$ by induction, not sampled."
    ),
    proof=Proof(
        Induction(
            t,
            1,
            base=Chain(weight_sum.subs(t, 1), (Link(1 - beta, r"One term, $\beta^0 = 1$."),)),
            step=Chain(
                weight_sum.subs(t, t + 1),
                (
                    Link(beta * weight_sum + (1 - beta), r"Peel the term $k = t + 1$."),
                    Link(beta * (1 - beta**t) + 1 - beta, "Induction hypothesis.", ("hypothesis",)),
                    Link(1 - beta ** (t + 1), r"Collect: $\beta - \beta^{t+1} + 1 - \beta$."),
                ),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact for every $t \ge 1$ (and every $\beta$). It is the fraction of the gradient's "
        r"mean that the zero-started average has reached: $0.1$ at $t = 1$ for "
        r"$\beta_1 = 0.9$, $0.001$ for $\beta_2 = 0.999$."
    ),
)

# --- E[m_t] = (1 - beta_1^t) mu and E[mhat_t] = mu (the same for v_t, nu) -------------------
t0 = sp.Symbol("t", integer=True, nonnegative=True)  # t >= 0: the induction starts at m_0 = 0
g = sp.IndexedBase("g", real=True)  # the stochastic gradients of one coordinate
mu = sp.Symbol("mu", real=True)
nu = sp.Symbol("nu", nonnegative=True)
MOMENTS = (  # (name, moment, its factor, what it averages, that input's stationary mean)
    ("first", sp.IndexedBase("m"), sp.IndexedBase(r"\hat{m}"), beta1, lambda j: g[j], mu),
    ("second", sp.IndexedBase("v"), sp.IndexedBase(r"\hat{v}"), beta2, lambda j: g[j] ** 2, nu),
)


def _expectation_claims(name, moment, corrected, factor, observed, mean) -> tuple[Claim, Claim]:
    E, f, mn = Expectation, sp.latex(factor), sp.latex(mean)
    line = {"first": 7, "second": 8}[name]
    recurrence = sp.Eq(
        E(moment[t0 + 1]), factor * E(moment[t0]) + (1 - factor) * E(observed(t0 + 1))
    )
    stationary = sp.Eq(E(observed(t0 + 1)), mean)
    closed = (1 - factor**t0) * mean
    raw = Claim(
        id=f"lecture-adam-{name}-moment-expectation",
        title=rf"Under stationarity, $\mathbb{{E}}[{moment}_t] = (1 - {f}^t){mn}$",
        source=f"{LECTURE_002}; lecture notes 004, slides 'Bias Correction in Adam IV-VI'",
        question="lecture-notes",
        statement=Statement.forall(
            E(moment[t0]), closed, definitions=(recurrence, sp.Eq(E(moment[0]), 0))
        ),
        statement_text=(
            rf"``Assume a stationary process with $\mathbb{{E}}[g_t] = \mu$ and "
            rf"$\mathbb{{E}}[g_t^2] = \nu$'': $\mathbb{{E}}[{moment}_t] = "
            rf"(1-{f})\sum_{{k=1}}^t {f}^{{t-k}} {mn} = (1-{f}^t){mn}$."
        ),
        conventions=(
            rf"Per coordinate; $t \ge 0$ an integer. The definitions are Alg. 2 line "
            rf"{line} (lecture 002's step {line - 5}) with expectation taken on both sides "
            r"(linearity of expectation; $\beta_1, \beta_2$ are constants), and the start "
            r"$m_0 = v_0 = 0$. Stationarity is the proof's assumption, for every step."
        ),
        proof=Proof(
            Induction(
                t0,
                0,
                base=Chain(E(moment[0]), (Link(sp.S.Zero, r"The start: the moments are 0."),)),
                step=Chain(
                    E(moment[t0 + 1]),
                    (
                        Link(recurrence.rhs, f"Alg. 2 line {line}, in expectation."),
                        Link(
                            factor * E(moment[t0]) + (1 - factor) * mean,
                            "Stationarity.",
                            (stationary,),
                        ),
                        Link(
                            factor * closed + (1 - factor) * mean,
                            "Induction hypothesis.",
                            ("hypothesis",),
                        ),
                        Link(
                            closed.subs(t0, t0 + 1),
                            rf"Collect: ${f}(1 - {f}^t) + 1 - {f} = 1 - {f}^{{t+1}}$.",
                        ),
                    ),
                ),
            ),
            assumptions=(stationary,),
            per_coordinate=True,
        ),
        expect="conditional",
        explanation=(
            r"Exact under stationarity: the expected moment is the closed form of claim "
            r"adam-moments-constant-gradient with the constant input replaced by its mean. "
            r"Without stationarity (a drifting mean) it is the weighted sum of the means, "
            r"$(1-\beta)\sum_k \beta^{t-k}\mathbb{E}[\cdot_k]$, which bias correction does not "
            r"turn into any one of them."
        ),
    )
    at_t = sp.Eq(E(moment[t]), (1 - factor**t) * mean)  # claim `raw` at t >= 1
    shown = E(moment[t]) / (1 - factor**t)
    hat = Claim(
        id=f"lecture-adam-{name}-moment-corrected-expectation",
        title=(
            rf"Hence the bias-corrected {name} moment is unbiased: "
            rf"$\mathbb{{E}}[{sp.latex(corrected[t])}] = {mn}$"
        ),
        source=LECTURE_002,
        question="lecture-notes",
        statement=Statement.forall(
            E(corrected[t]), mean, hypotheses=(at_t,), definitions=(sp.Eq(E(corrected[t]), shown),)
        ),
        statement_text=(
            rf"``$\Rightarrow \mathbb{{E}}[{sp.latex(corrected[t])}] = {mn}$'', "
            rf"for ${sp.latex(corrected[t])} = {moment}_t/(1 - {f}^t)$: "
            r"``thus [the corrected moments] are nearly unbiased in the early phase''."
        ),
        conventions=(
            rf"Per coordinate; $t \ge 1$, $0 \le {f} < 1$; the hypothesis is claim "
            rf"lecture-adam-{name}-moment-expectation at $t$, so the verdict keeps its "
            "stationarity assumption; the definition is linearity (the correction is a constant)."
        ),
        proof=Proof(
            Chain(
                E(corrected[t]),
                (
                    Link(shown, "Lines 9-10: divide by the constant; expectation is linear."),
                    Link(
                        mean,
                        rf"$\mathbb{{E}}[{moment}_t] = (1-{f}^t){mn}$.",
                        (at_t,),
                    ),
                ),
            ),
            assumptions=(stationary,),
            per_coordinate=True,
        ),
        expect="conditional",
        explanation=(
            r"Exact, not only ``nearly'', at every $t \ge 1$ under stationarity: the factor "
            r"$1 - \beta^t$ by which the expected moment falls short is divided out. It says "
            r"nothing about a single run: the corrected moment of one run still fluctuates "
            r"around its mean (the torch confirmation averages many independent coordinates)."
        ),
    )
    return raw, hat


(FIRST, FIRST_HAT), (SECOND, SECOND_HAT) = (_expectation_claims(*spec) for spec in MOMENTS)

CLAIMS = (WEIGHT_SUM, FIRST, FIRST_HAT, SECOND, SECOND_HAT)
