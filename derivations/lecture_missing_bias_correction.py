"""What leaving Adam's bias correction out does (lecture notes 004, the BERT remark).

Lecture 004 ('The Importance of Bias Correction I') recalls BERT's Adam without the correction.
With ``eps = 0`` its step is ``r_t = (1-beta_1^t)/sqrt(1-beta_2^t)`` times Adam's, for every
gradient history (``lecture-adam-uncorrected-step-ratio``); ``r_t -> 1`` (``...-ratio-limit``);
at the defaults ``r_t`` peaks at :data:`PEAK_T` (exact values below :data:`TAIL_START`, a kernel
bound from there: ``...-ratio-peak``) and ``r_t >= 1`` always (``...-ratio-above-one``).
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import sympy as sp

from wdproof.derivations.adam_epsilon import correction1, correction2, gamma, m, v
from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Link, Proof, Statement
from wdproof.derivations.notation import beta1, beta2, t
from wdproof.derivations.optimizer_conventions import m_hat, v_hat

i = sp.Symbol("i", integer=True, nonnegative=True)  # the index of geometric sums in certificates

# --- Without bias correction (eps = 0): the step is r_t times the corrected one -------------
BERT = "lecture notes 004, slide 'The Importance of Bias Correction I'"
ratio = correction1 / sp.sqrt(correction2)  # r_t, with c_i = 1 - beta_i^t
uncorrected_step = gamma * m / sp.sqrt(v)
corrected_step = gamma * m_hat / sp.sqrt(v_hat)
ratio_in_betas = ratio.subs({correction1: 1 - beta1**t, correction2: 1 - beta2**t})

STEP_RATIO = Claim(
    id="lecture-adam-uncorrected-step-ratio",
    title=(
        r"With $\epsilon = 0$, Adam without bias correction steps $r_t = c_1/\sqrt{c_2}$ times "
        r"Adam's step"
    ),
    source=f"{BERT}; paper Alg. 2 lines 7-12 with lines 9-10 left out",
    question="lecture-notes",
    statement=Statement.forall(
        uncorrected_step,
        sp.Mul(ratio, corrected_step, evaluate=False),
        definitions=(sp.Eq(m_hat, m / correction1), sp.Eq(v_hat, v / correction2)),
    ),
    statement_text=(
        r"``BERT ... forgot to do bias correction. This seems to cause lengthy "
        r"iterations.'' Quantified: for every gradient history, with $\epsilon = 0$ the "
        r"uncorrected step $\gamma m_t/\sqrt{v_t}$ is $r_t = (1-\beta_1^t)/\sqrt{1-\beta_2^t}$ "
        r"times the corrected step $\gamma\hat m_t/\sqrt{\hat v_t}$."
    ),
    conventions=(
        r"Per coordinate, $\epsilon = 0$; $m_t$ real and $v_t > 0$ are whatever moments the "
        r"history produced ($v_t > 0$ unless every gradient so far was 0), so the identity "
        r"holds for every history; $c_i = 1 - \beta_i^t > 0$ ($0 \le \beta_i < 1$, "
        r"$t \ge 1$), written as the positive numbers $c_1$, $c_2$ (as in claim "
        r"adam-eps-hat-equals-torch-eps)."
    ),
    proof=Proof(
        Chain(
            uncorrected_step,
            (
                Link(
                    gamma * (correction1 * m_hat) / sp.sqrt(correction2 * v_hat),
                    r"Undo the corrections: $m_t = c_1\hat m_t$, $v_t = c_2\hat v_t$.",
                ),
                Link(
                    sp.Mul(ratio, corrected_step, evaluate=False),
                    r"$\sqrt{c_2\hat v_t} = \sqrt{c_2}\sqrt{\hat v_t}$ ($c_2 > 0$).",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact, whatever the gradients: leaving the corrections out rescales every "
        r"coordinate's step by the same $r_t$, which depends on $t$ and the betas only. With "
        r"$\epsilon > 0$ and a constant gradient see claim "
        r"adam-uncorrected-step-constant-gradient. How large $r_t$ gets: the next claims."
    ),
)

# --- At the defaults: where r_t peaks, and r_t >= 1 --------------------------------------------
DEFAULTS = (sp.Eq(beta1, sp.Rational(9, 10)), sp.Eq(beta2, sp.Rational(999, 1000)))
VALUES = {d.lhs: d.rhs for d in DEFAULTS}
DEFAULT_FRACTIONS = tuple(Fraction(int(v.p), int(v.q)) for v in VALUES.values())
ratio_squared = ratio_in_betas**2  # (1 - beta_1^t)^2/(1 - beta_2^t): rational at an integer t
#: The claim's expression as plain arithmetic: exact when given Fractions.
_exact_square = sp.lambdify((beta1, beta2, t), ratio_squared)
s = sp.Symbol("s", integer=True, nonnegative=True)  # t = start + s covers every t >= start


@cache
def ratio_squared_at(step: int) -> Fraction:
    """``r_t^2`` at the default betas, exactly (an untrusted helper: the kernel re-derives)."""
    return _exact_square(*DEFAULT_FRACTIONS, step)


def _at_defaults(expr: sp.Basic) -> sp.Basic:
    """A certificate's weight or fact at the defaults: a number the order rule reads at once."""
    return expr.subs(VALUES)


def _tail_start() -> tuple[int, int]:
    """The least ``n`` with ``1/(1 - beta_2^n) <= max_{t < n} r_t^2`` (from there on the
    kernel's bound applies), and the ``t < n`` of that maximum."""
    best = 1
    for n in range(2, 10_000):
        if ratio_squared_at(best) * (1 - DEFAULT_FRACTIONS[1] ** n) >= 1:
            return n, best
        best = max(best, n, key=ratio_squared_at)
    raise ValueError("no tail found")


TAIL_START, PEAK_T = _tail_start()
PEAK_SQUARED = ratio_squared.subs(t, PEAK_T)  # in the betas: (1 - beta_1^12)^2/(1 - beta_2^12)
#: The least t from which 2 beta_1^t <= beta_2^t, so 1 - beta_2^t <= (1 - beta_1^t)^2 follows.
ABOVE_ONE_START = next(
    n for n in range(1, 999) if (DEFAULT_FRACTIONS[1] / DEFAULT_FRACTIONS[0]) ** n >= 2
)
RATIO_AT = {n: float(ratio_squared_at(n)) ** 0.5 for n in (1, PEAK_T, TAIL_START, 100, 1000, 4000)}
EARLY_MIN = min(range(1, ABOVE_ONE_START), key=ratio_squared_at)  # the smallest r_t below
PEAK = RATIO_AT[PEAK_T]
tail = TAIL_START + s
first_power = beta1**tail

# --- r_t -> 1, written with x = b^t, kappa_i = ln beta_i/ln b (so beta_i^t = x^kappa_i) -----
x = sp.Symbol("x", positive=True)
kappa1, kappa2 = sp.symbols("kappa_1 kappa_2", positive=True)
ratio_in_x = ratio_in_betas.subs({beta1**t: x**kappa1, beta2**t: x**kappa2})

LIMIT = Claim(
    id="lecture-adam-uncorrected-ratio-limit",
    title=(
        r"$r_t = (1 - \beta_1^t)/\sqrt{1 - \beta_2^t}$ tends to 1 for every "
        r"$0 < \beta_1, \beta_2 < 1$"
    ),
    source=BERT,
    question="lecture-notes",
    statement=Statement.forall(sp.Limit(ratio_in_x, x, 0, "+"), sp.S.One),
    statement_text=(
        r"$\lim_{t\to\infty} (1-\beta_1^t)/\sqrt{1-\beta_2^t} = 1$ for $0 < \beta_1, "
        r"\beta_2 < 1$: without bias correction Adam's steps end up equal to the corrected ones."
    ),
    conventions=(
        r"Written with $x = b^t$ for a fixed $0 < b < 1$ (say $e^{-1}$) and $\kappa_i = "
        r"\ln\beta_i/\ln b > 0$, so $\beta_i^t = x^{\kappa_i}$ and $t \to \infty$ is "
        r"$x \to 0^+$; $\kappa_1, \kappa_2 > 0$ arbitrary: every pair of betas in $(0, 1)$ "
        r"($\beta_i = 0$ makes $\beta_i^t = 0$ outright)."
    ),
    proof=Proof(Chain(sp.Limit(ratio_in_x, x, 0, "+"), (Link(sp.S.One, r"$x^{\kappa} \to 0$."),))),
    expect="proved",
    explanation=(
        r"The limit is taken for arbitrary $\kappa_1, \kappa_2 > 0$: writing $\beta_i^t = "
        r"x^{\kappa_i}$ builds in $0 < \beta_i < 1$, which the form in $\beta_i$ and $t$ would "
        r"have to carry as a hypothesis. The "
        r"approach is slow for $\beta_2$ near 1: at the defaults $r_{100} = "
        rf"{RATIO_AT[100]:.4f}$, $r_{{1000}} = {RATIO_AT[1000]:.4f}$, "
        rf"$r_{{4000}} = {RATIO_AT[4000]:.4f}$ (computed exactly)."
    ),
)

PEAK_CLAIM = Claim(
    id="lecture-adam-uncorrected-ratio-peak",
    title=(
        rf"At the default betas $r_t$ peaks at $t = {PEAK_T}$: "
        rf"$r_t \le r_{{{PEAK_T}}} = {PEAK:.4f}$"
    ),
    source=BERT,
    question="lecture-notes",
    statement=Statement.at_most(
        (1 - first_power) ** 2, PEAK_SQUARED * (1 - beta2**tail), hypotheses=DEFAULTS
    ),
    statement_text=(
        rf"For $(\beta_1, \beta_2) = (0.9, 0.999)$ and every $t \ge {TAIL_START}$ "
        rf"($t = {TAIL_START} + s$), $r_t^2 = (1-\beta_1^t)^2/(1-\beta_2^t) \le r_{{{PEAK_T}}}^2$, "
        r"stated with the positive denominator $1 - \beta_2^t$ cleared; with the exact values "
        rf"for $t < {TAIL_START}$, $r_t$ is largest at $t = {PEAK_T}$."
    ),
    conventions=(
        r"Per coordinate, $\epsilon = 0$, the defaults as hypotheses; $s \ge 0$ an "
        r"integer. Geometric sums $1 - \beta^n = (1-\beta)\sum_{i=0}^{n-1}\beta^i$ make each "
        r"difference a sum of nonnegative terms (the certificates)."
    ),
    proof=Proof(
        Chain(
            (1 - first_power) ** 2,
            (
                Link(
                    sp.S.One,
                    r"$1 - (1-\beta_1^t)^2 = \beta_1^t + \beta_1^t(1-\beta_1^t) \ge 0$.",
                    relation="<=",
                    certificate=(
                        (first_power, sp.S.One),
                        (
                            _at_defaults(first_power * (1 - beta1)),
                            sp.Sum(beta1**i, (i, 0, tail - 1)),
                        ),
                    ),
                ),
                Link(
                    PEAK_SQUARED * (1 - beta2**TAIL_START),
                    rf"Exact: $r_{{{PEAK_T}}}^2(1 - \beta_2^{{{TAIL_START}}}) \ge 1$.",
                    relation="<=",
                    certificate=((1, _at_defaults(PEAK_SQUARED * (1 - beta2**TAIL_START) - 1)),),
                ),
                Link(
                    PEAK_SQUARED * (1 - beta2**tail),
                    rf"$\beta_2^{{{TAIL_START}}} - \beta_2^t = \beta_2^{{{TAIL_START}}}"
                    r"(1 - \beta_2^s) \ge 0$.",
                    relation="<=",
                    certificate=(
                        (
                            _at_defaults(PEAK_SQUARED * beta2**TAIL_START * (1 - beta2)),
                            sp.Sum(beta2**i, (i, 0, s - 1)),
                        ),
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        rf"Proved by the kernel: $r_t \le r_{{{PEAK_T}}}$ for every $t \ge {TAIL_START}$. "
        rf"Computed exactly (rational $r_t^2$, not by the kernel): for $t < {TAIL_START}$ "
        rf"the largest $r_t$ is at $t = {PEAK_T}$, so $r_t$ peaks there, at "
        rf"$r_{{{PEAK_T}}} = {PEAK:.4f}$; $r_1 = {RATIO_AT[1]:.4f}$, "
        rf"$r_{{{TAIL_START}}} = {RATIO_AT[TAIL_START]:.4f}$, "
        rf"$r_{{100}} = {RATIO_AT[100]:.4f}$. That $r_t$ decreases after the peak is checked "
        r"exactly only over a finite range (the tests), not proved. So Adam without the "
        rf"correction ($\epsilon = 0$) takes early steps up to {PEAK:.2f} times Adam's (and "
        r"never smaller ones: claim lecture-adam-uncorrected-ratio-above-one)."
    ),
)

above = ABOVE_ONE_START + s
growth = beta2 / beta1  # beta_2^t = beta_1^t growth^t, and growth^t >= 2 from ABOVE_ONE_START on

ABOVE_ONE = Claim(
    id="lecture-adam-uncorrected-ratio-above-one",
    title=r"At the default betas $r_t \ge 1$: without bias correction every step is larger",
    source=BERT,
    question="lecture-notes",
    statement=Statement.at_most(1 - beta2**above, (1 - beta1**above) ** 2, hypotheses=DEFAULTS),
    statement_text=(
        rf"For $(\beta_1, \beta_2) = (0.9, 0.999)$ and every $t \ge {ABOVE_ONE_START}$ "
        rf"($t = {ABOVE_ONE_START} + s$), $1 - \beta_2^t \le (1 - \beta_1^t)^2$, i.e. "
        r"$r_t \ge 1$; with the exact values for smaller $t$, the uncorrected step is never "
        r"smaller than the corrected one."
    ),
    conventions=PEAK_CLAIM.conventions,
    proof=Proof(
        Chain(
            1 - beta2**above,
            (
                Link(
                    (1 - beta1**above) ** 2,
                    rf"The difference is $\beta_1^{{2t}} + \beta_1^t(\rho^t - 2)$, $\rho = "
                    rf"\beta_2/\beta_1$, and $\rho^t - 2 = \rho^{{{ABOVE_ONE_START}}}(\rho^s - 1) "
                    rf"+ (\rho^{{{ABOVE_ONE_START}}} - 2) \ge 0$.",
                    relation="<=",
                    certificate=(
                        (sp.S.One, beta1 ** (2 * above)),
                        (
                            _at_defaults(beta1**above * growth**ABOVE_ONE_START * (growth - 1)),
                            _at_defaults(sp.Sum(growth**i, (i, 0, s - 1))),
                        ),
                        (beta1**above, _at_defaults(growth**ABOVE_ONE_START - 2)),
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        rf"Proved by the kernel for $t \ge {ABOVE_ONE_START}$; computed exactly for "
        rf"$t < {ABOVE_ONE_START}$ (the smallest there is $r_{{{EARLY_MIN}}} = "
        rf"{float(ratio_squared_at(EARLY_MIN)) ** 0.5:.4f} > 1$). With "
        r"claim lecture-adam-uncorrected-ratio-limit: the uncorrected steps are larger at "
        rf"every step, up to {PEAK:.2f} times (at $t = {PEAK_T}$), and approach the "
        rf"corrected ones only slowly: $r_{{4000}} = {RATIO_AT[4000]:.4f}$. The slide says "
        r"only that forgetting the correction mattered for BERT; this is by how much, and in "
        r"which direction, for $\epsilon = 0$."
    ),
)


CLAIMS = (STEP_RATIO, LIMIT, PEAK_CLAIM, ABOVE_ONE)
