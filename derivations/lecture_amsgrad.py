"""Adam's non-convergence and AMSGrad's fix (lecture notes 002, slides 'AMSGRAD').

The example (after Reddi, Kale & Kumar 2018): ``f_t(x) = C x`` if ``t mod 3 = 1``, ``-x``
otherwise, ``x in [-1, 1]``, ``C > 2``; a period's gradients are ``(C, -1, -1)`` and the
cumulative loss ``(C - 2) x`` per period is minimised at ``x = -1``. Per coordinate:

* ``vhat_{t-1} <= max(vhat_{t-1}, v_t)`` and ``gamma/sqrt(vhat_t) <= gamma/sqrt(vhat_{t-1})``,
  proved with the certificate ``max(a, b) - a = max(0, b - a)``; torch checks both every step;
* the limit the slides describe (``beta_1 = beta_2 = eps = 0``: ``v_t = g_t^2``, Adam steps
  ``-gamma sign(g_t)``), exactly: one period moves Adam by ``+gamma`` and AMSGrad by
  ``-gamma (C - 2)/C``, so AMSGrad's ``x_3 <= x_0``;
* with Reddi's ``beta_2 = 1/(1 + C^2)`` only a torch run shows where the projected iterates end
  (``Evidence``: numerical evidence, verdict ``unproved``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Evidence, Link, Proof, Statement
from wdproof.derivations.optimizer_conventions import v_t

SOURCE = "lecture notes 002, slide 'AMSGRAD' (after Reddi, Kale & Kumar 2018)"

# --- (a) The running maximum, and the step size it allows -------------------------------------
vhat_prev = sp.Symbol(r"\hat{v}_{t-1}", nonnegative=True)
vhat_prev_pos = sp.Symbol(r"\hat{v}_{t-1}", positive=True)  # > 0 once a gradient was nonzero
vhat_next = sp.Symbol(r"\hat{v}_t", nonnegative=True)


MAX_CONVENTIONS = (
    r"AMSGrad as the lecture writes it: $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$, "
    r"$\hat v_t = \max(\hat v_{t-1}, v_t)$, step $\gamma\, m_t/\sqrt{\hat v_t}$; per coordinate, "
    r"$v_t$ any real. torch.optim.Adam with its amsgrad option on keeps the same running "
    r"maximum of the "
    r"uncorrected $v_t$ (state max_exp_avg_sq) and divides it by $1-\beta_2^t$ only when "
    r"forming the denominator. The kernel reduces $\max$ through "
    r"$\max(a, b) = (a + b + |a - b|)/2$ (reals)."
)

MAX_NONDECREASING = Claim(
    id="lecture-amsgrad-max-nondecreasing",
    title=r"AMSGrad's second-moment estimate $\max(\hat v_{t-1}, v_t)$ never decreases",
    source=f"{SOURCE}: 'AMSGrad maintains the maximum of the second moment estimates'",
    question="lecture-notes",
    statement=Statement.at_most(vhat_prev, sp.Max(vhat_prev, v_t)),
    statement_text=(
        r"AMSGrad keeps $\hat v_t = \max(\hat v_{t-1}, v_t)$, so the denominator never shrinks: "
        r"$\hat v_{t-1} \le \max(\hat v_{t-1}, v_t)$ for every $v_t$."
    ),
    conventions=MAX_CONVENTIONS,
    proof=Proof(
        Chain(
            vhat_prev,
            (
                Link(
                    sp.Max(vhat_prev, v_t),
                    r"$\max(\hat v_{t-1}, v_t) - \hat v_{t-1} = \max(0, v_t - \hat v_{t-1}) "
                    r"\ge 0$ (a $\max$ with the argument $0$).",
                    relation="<=",
                    certificate=((sp.S.One, sp.Max(0, v_t - vhat_prev)),),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Holds as stated, for all reals (torch checks $\hat v_t = \hat v_{t-1} + "
        r"\max(0, v_t - \hat v_{t-1})$ at every step of an amsgrad run)."
    ),
)

step_size_gap = sp.Max(0, v_t - vhat_prev_pos)  # vhat_t - vhat_{t-1} >= 0
root_prev, root_next = sp.sqrt(vhat_prev_pos), sp.sqrt(vhat_prev_pos + step_size_gap)

STEP_SIZE_NONINCREASING = Claim(
    id="lecture-amsgrad-step-size-nonincreasing",
    title=r"AMSGrad's effective step size $\gamma/\sqrt{\hat v_t}$ never grows",
    source=(
        f"{SOURCE}: 'guaranteeing a non-increasing adaptive learning rate'; 'the denominator "
        "will remain large for all future steps'"
    ),
    question="lecture-notes",
    statement=Statement.at_most(
        gamma / sp.sqrt(vhat_next),
        gamma / sp.sqrt(vhat_prev_pos),
        definitions=(sp.Eq(vhat_next, sp.Max(vhat_prev_pos, v_t)),),
    ),
    statement_text=(
        r"AMSGrad guarantees a non-increasing adaptive learning rate: with "
        r"$\hat v_t = \max(\hat v_{t-1}, v_t)$ and $\hat v_{t-1} > 0$, "
        r"$\gamma/\sqrt{\hat v_t} \le \gamma/\sqrt{\hat v_{t-1}}$."
    ),
    conventions=MAX_CONVENTIONS
    + (
        r" A constant $\gamma > 0$; a non-increasing schedule $\gamma_t$ keeps the property. "
        r"torch's denominator $\sqrt{\hat v_t/(1-\beta_2^t)} + \epsilon$ is not this one: "
        r"$1 - \beta_2^t$ grows with $t$, so torch's effective step can grow."
    ),
    proof=Proof(
        Chain(
            gamma / sp.sqrt(vhat_next),
            (
                Link(
                    gamma / sp.sqrt(vhat_prev_pos),
                    r"$\frac{\gamma}{\sqrt a} - \frac{\gamma}{\sqrt b} = "
                    r"\frac{\gamma (b - a)}{\sqrt a \sqrt b (\sqrt a + \sqrt b)}$ with "
                    r"$a = \hat v_{t-1}$, $b = \hat v_t = a + \max(0, v_t - a) \ge a > 0$.",
                    relation="<=",
                    certificate=(
                        (gamma / (root_prev * root_next * (root_prev + root_next)), step_size_gap),
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Holds as stated, for all $v_t$ and $\hat v_{t-1} > 0$. torch keeps the running "
        r"maximum but divides it by "
        r"$1 - \beta_2^t$; the confirmation shows that torch's effective step "
        r"$\gamma\sqrt{1-\beta_2^t}/\sqrt{\hat v_t}$ can grow where the lecture's cannot."
    ),
)

# --- (b) The drift over one period, beta_1 = beta_2 = eps = 0 ---------------------------------
C = sp.Symbol("C", positive=True)  # the spike gradient
kappa = sp.Symbol("kappa", positive=True)
C_above_two = sp.Eq(C, kappa + 2)  # C > 2, as the lecture assumes
rho = sp.Symbol("rho", nonnegative=True)  # vhat entering the period is C^2 - rho <= C^2
grads = sp.symbols("g_1 g_2 g_3", real=True)  # the period's gradients (C, -1, -1)
squares = sp.symbols("v_1 v_2 v_3", nonnegative=True)  # v_k = g_k^2 (beta_2 = 0)
maxima = sp.symbols(r"\hat{v}_0 \hat{v}_1 \hat{v}_2 \hat{v}_3", nonnegative=True)

PERIOD = (sp.Eq(grads[0], C), sp.Eq(grads[1], -1), sp.Eq(grads[2], -1))
SQUARES = tuple(sp.Eq(v, g**2) for v, g in zip(squares, grads, strict=True))
#: vhat_k = max(vhat_{k-1}, v_k), from vhat_0 = C^2 - rho (0 at the start, C^2 afterwards).
MAXIMA = (
    *(sp.Eq(maxima[k], sp.Max(maxima[k - 1], squares[k - 1])) for k in (3, 2, 1)),
    sp.Eq(maxima[0], C**2 - rho),
)
#: x_3 - x_0 over one period: Adam (v_k = g_k^2) and AMSGrad (vhat_k).
adam_drift = sum(-gamma * g / sp.sqrt(v) for g, v in zip(grads, squares, strict=True))
amsgrad_drift = sum(-gamma * g / sp.sqrt(vh) for g, vh in zip(grads, maxima[1:], strict=True))
amsgrad_drift_closed = -gamma * (C - 2) / C


def over_root(numerator: sp.Expr, radicand: sp.Expr) -> sp.Expr:
    """``numerator/sqrt(radicand)`` as written, unevaluated (for typesetting a link)."""
    root = sp.Pow(radicand, sp.S.Half, evaluate=False)
    return sp.Mul(numerator, sp.Pow(root, -1, evaluate=False), evaluate=False)


DRIFT_CONVENTIONS = (
    r"The limit the lecture's slides describe ('$\beta_1 = 0$ and a small $\beta_2$'; "
    r"$\sqrt{v_t + \epsilon} \approx \sqrt{v_t}$), made exact: $\beta_1 = \beta_2 = 0$, "
    r"$\epsilon = 0$, so $m_t = g_t$, $v_t = g_t^2$, the bias corrections are $1$ and a step is "
    r"$-\gamma g_t/\sqrt{v_t}$ (Adam) or $-\gamma g_t/\sqrt{\hat v_t}$ (AMSGrad); constant "
    r"$\gamma$, no projection (a period away from the boundary). One period is $t \equiv 1, 2, 0 "
    r"\pmod 3$ with gradients $g_1 = C$, $g_2 = g_3 = -1$."
)

ADAM_DRIFT = Claim(
    id="lecture-adam-drift-per-period",
    title=(
        r"Adam ($\beta_1 = \beta_2 = \epsilon = 0$) moves $x$ by exactly $+\gamma$ per period, "
        r"toward $+1$"
    ),
    source=(
        f"{SOURCE}: "
        r"'Total change over 3 steps: $(-\gamma) + (+\gamma) + (+\gamma) = +\gamma$'"
    ),
    question="lecture-notes",
    statement=Statement.forall(adam_drift, gamma, definitions=(*SQUARES, *PERIOD)),
    statement_text=(
        r"Over one 3-step cycle Adam's steps are $\approx -\gamma$ (the spike $g_t = C$) and "
        r"$\approx +\gamma$ twice ($g_t = -1$): the total change is $\approx +\gamma$, so Adam "
        r"drifts toward $+1$, away from the minimum at $-1$. Exact in the limit "
        r"$\beta_1 = \beta_2 = \epsilon = 0$, for every $C > 0$."
    ),
    conventions=DRIFT_CONVENTIONS,
    proof=Proof(
        Chain(
            adam_drift,
            (
                Link(
                    sum(-gamma * g / sp.Abs(g) for g in grads),
                    r"$\sqrt{v_k} = \sqrt{g_k^2} = |g_k|$: each step is "
                    r"$-\gamma\,\mathrm{sign}(g_k)$.",
                ),
                Link(
                    sp.Add(-gamma, gamma, gamma, evaluate=False),
                    r"The spike $g_1 = C > 0$ moves $-\gamma$; each $g_k = -1$ moves $+\gamma$.",
                ),
                Link(gamma, r"Sum."),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact in the limit, for every $C > 0$: the rare large gradient is normalised to a "
        r"step of size $\gamma$, the same as each small one, so two small steps outweigh it."
    ),
)

AMSGRAD_DRIFT = Claim(
    id="lecture-amsgrad-drift-per-period",
    title=(
        r"AMSGrad ($\beta_1 = \beta_2 = \epsilon = 0$) moves $x$ by $-\gamma(C - 2)/C$ per "
        r"period"
    ),
    source=(
        f"{SOURCE}: "
        r"'Once it encounters a large squared gradient (like $C^2$ from our example), "
        r"the denominator will remain large for all future steps'"
    ),
    question="lecture-notes",
    statement=Statement.forall(
        amsgrad_drift,
        amsgrad_drift_closed,
        hypotheses=(C_above_two,),
        definitions=(*MAXIMA, *SQUARES, *PERIOD),
    ),
    statement_text=(
        r"With AMSGrad the denominator stays $\sqrt{C^2} = C$ after the spike, so the two "
        r"small gradients move $x$ by only $\gamma/C$ each: one period moves it by "
        r"$-\gamma + 2\gamma/C = -\gamma(C-2)/C$, toward the optimum $-1$ (this value is not "
        r"printed on the slides; it is what their argument gives)."
    ),
    conventions=DRIFT_CONVENTIONS
    + (
        r" $C = \kappa + 2$ with $\kappa > 0$ (the lecture's $C > 2$). AMSGrad enters the "
        r"period with $\hat v_0 = C^2 - \rho \le C^2$, $\rho \ge 0$: $0$ in the first period "
        r"(torch starts the maximum at $0$) and $C^2$ in every later one."
    ),
    proof=Proof(
        Chain(
            amsgrad_drift,
            (
                Link(
                    over_root(2 * gamma, C**2) - over_root(gamma * C, C**2),
                    r"$\hat v_1 = \max(C^2 - \rho, C^2) = C^2$, and $\hat v_2 = \hat v_3 = "
                    r"\max(C^2, 1) = C^2$ because $C = \kappa + 2 > 1$.",
                ),
                Link(-gamma + 2 * gamma / C, r"$\sqrt{C^2} = C$."),
                Link(amsgrad_drift_closed, r"Common denominator."),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact in the limit for every $C > 2$ and every period, the first included: the "
        r"maximum remembers $C^2$, so the spike's step $-\gamma$ is no longer undone. For "
        r"$C = 3$ the drift is $-\gamma/3$; it tends to $-\gamma$ as $C \to \infty$."
    ),
)

x_start = sp.Symbol("x_0", real=True)  # x entering the period

DRIFT_TOWARD_OPTIMUM = Claim(
    id="lecture-amsgrad-drift-toward-optimum",
    title=(
        r"AMSGrad ($\beta_1 = \beta_2 = \epsilon = 0$) never moves $x$ up over a period: toward "
        r"$x = -1$"
    ),
    source=f"{SOURCE}: 'How this solves the non-convergence issue'",
    question="lecture-notes",
    statement=Statement.at_most(
        x_start + amsgrad_drift,
        x_start,
        hypotheses=(C_above_two,),
        definitions=AMSGRAD_DRIFT.statement.definitions,
    ),
    statement_text=(
        r"AMSGrad fixes the non-convergence: in the example ($C > 2$) the iterate after a "
        r"period, $x_3 = x_0 + \sum_k \Delta x_k$, is at most the iterate $x_0$ before it: "
        r"AMSGrad moves toward the optimum $x = -1$, where Adam moves by $+\gamma$."
    ),
    conventions=AMSGRAD_DRIFT.conventions,
    proof=Proof(
        Chain(
            x_start + amsgrad_drift,
            (
                Link(
                    x_start - over_root(gamma * (C - 2), C**2),
                    r"The maximum stays $C^2$ through the period (as in "
                    r"lecture-amsgrad-drift-per-period).",
                ),
                Link(
                    x_start - gamma * kappa / (kappa + 2),
                    r"$C = \kappa + 2$, $\sqrt{C^2} = C$.",
                ),
                Link(
                    x_start,
                    r"$\gamma\kappa/(\kappa + 2) \ge 0$: positive factors only.",
                    relation="<=",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Proved for every $C > 2$ and every $x_0$; the drift is strictly negative, "
        r"$-\gamma\kappa/(\kappa+2)$, so away from the boundary every period moves AMSGrad's "
        r"iterate down by the same amount (the projection then stops it at $-1$)."
    ),
)


# --- (c) Reddi's setting: what only torch shows -----------------------------------------------
@dataclass(frozen=True)
class ReddiInstance:
    """The torch run of ``lecture-adam-amsgrad-torch-evidence``: the spike ``C``, Reddi's
    ``beta2 = 1/(1 + C^2)``, ``beta1 = 0``, learning rate ``lr/sqrt(t)``, ``x_0``, steps."""

    spike: float = 3.0
    beta1: float = 0.0
    eps: float = 1e-8
    lr: float = 0.5
    x0: float = 0.0
    steps: int = 900

    @property
    def beta2(self) -> float:
        return 1 / (1 + self.spike**2)


T = sp.Symbol("T", integer=True, positive=True)
x_adam, x_amsgrad = sp.IndexedBase(r"x^{\mathrm{Adam}}"), sp.IndexedBase(r"x^{\mathrm{AMSGrad}}")

TORCH_EVIDENCE = Claim(
    id="lecture-adam-amsgrad-torch-evidence",
    title=(
        r"With Reddi's $\beta_2 = 1/(1 + C^2)$, projected Adam ends at $x = +1$ and AMSGrad at "
        r"$-1$"
    ),
    source=(
        f"{SOURCE}: "
        r"'Adam consistently drifts in the wrong direction (towards $+1$)'; "
        "Theorem 2 ('Adam has non-zero average regret')"
    ),
    question="lecture-notes",
    statement=Statement.forall(
        sp.Tuple(sp.Limit(x_adam[T], T, sp.oo), sp.Limit(x_amsgrad[T], T, sp.oo)),
        sp.Tuple(1, -1),
    ),
    statement_text=(
        r"On the example, Adam's iterate drifts to the worst point $x = +1$ and its average "
        r"regret $R_T/T$ does not tend to $0$, while AMSGrad's reaches the optimum $x = -1$. "
        r"Stated here for Reddi's $\beta_1 = 0$, $\beta_2 = 1/(1 + C^2)$, where no exact "
        r"drift is proved."
    ),
    conventions=(
        r"torch.optim.Adam(betas $= (0, 1/(1+C^2))$, $\epsilon = 10^{-8}$, amsgrad off and "
        r"on) with $C = 3$, learning rate $\gamma_t = \gamma/\sqrt t$, $\gamma = 0.5$, from "
        r"$x_0 = 0$; after every step $x$ is projected onto $[-1, 1]$ (clamp; in one dimension "
        r"Reddi's weighted projection is the clamp). torch's AMSGrad takes the maximum of the "
        r"uncorrected $v_t$ and divides it by $1-\beta_2^t$."
    ),
    proof=Proof(
        Evidence(
            r"torch.optim.Adam without and with its amsgrad option, 900 projected steps on the "
            r"3-periodic gradient stream $(C, -1, -1)$, $C = 3$: final $x$ and average regret of "
            r"each"
        ),
    ),
    expect="unproved",
    explanation=(
        r"Numerical evidence only: a finite torch run, not a limit. The proved claims above "
        r"settle the $\beta_2 = 0$ limit exactly; for $\beta_2 = 1/(1+C^2)$ (the setting Reddi "
        r"et al. analyse, with $\gamma/\sqrt t$) the run shows the same separation at $C = 3$: "
        r"Adam ends at $+1$ with average regret near $2(C-2)/3$, AMSGrad near $-1$."
    ),
    instance=ReddiInstance(),
)

CLAIMS = (
    MAX_NONDECREASING,
    STEP_SIZE_NONINCREASING,
    ADAM_DRIFT,
    AMSGRAD_DRIFT,
    DRIFT_TOWARD_OPTIMUM,
    TORCH_EVIDENCE,
)
