"""Two more claims the lecture notes make about the update rules they print.

* Lecture 004, slide "Adam (Adaptive Moments) I", prints Adam's last line as
  ``theta <- theta - eps/(sqrt(r) + delta) * s_hat``: the *uncorrected* second moment ``r``
  beside the corrected first moment ``s_hat``. Kingma & Ba (Alg. 1), paper Alg. 2 and the same
  lecture's slide "AdamW I" divide by ``sqrt(r_hat) + delta``. Claim
  ``lecture-adam-slide-uses-corrected-r`` states the slide's line as Adam's and is refuted: a
  misprint, since the lecture's own derivation ("Bias Correction in Adam I") corrects both.
* Lecture 002, slide "AdaGrad": "The accumulator ``s_t`` grows monotonically. As a result, the
  effective learning rate for all parameters steadily decreases": with
  ``s_t = s_{t-1} + g_t^2`` the factor ``gamma/sqrt(s_t + eps)`` never grows (claim
  ``lecture-adagrad-effective-rate-never-grows``, an inequality proved by the kernel).
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Counterexample, Link, Proof, Statement

# --- Lecture 004's printed Adam line ---------------------------------------------------------
# The slide's names: step size epsilon, guard delta, moments s (first) and r (second), rho_1/2.
step_size = sp.Symbol(r"\epsilon", positive=True)
guard = sp.Symbol(r"\delta", positive=True)
rho1 = sp.Symbol(r"\rho_1", positive=True)
rho2 = sp.Symbol(r"\rho_2", positive=True)
g = sp.Symbol("g", real=True)  # the first gradient of one coordinate
s_hat = sp.Symbol(r"\hat{s}", real=True)
r, r_hat = sp.symbols(r"r \hat{r}", nonnegative=True)
#: At step t = 1 from s = r = 0: s = (1 - rho_1) g, r = (1 - rho_2) g^2, and the corrections.
first_step = (
    sp.Eq(s_hat, g),  # s/(1 - rho_1) with s = (1 - rho_1) g
    sp.Eq(r, (1 - rho2) * g**2),
    sp.Eq(r_hat, g**2),  # r/(1 - rho_2)
)
printed_step = step_size * s_hat / (sp.sqrt(r) + guard)
adam_step = step_size * s_hat / (sp.sqrt(r_hat) + guard)
COUNTER = {
    g: 1,
    step_size: sp.Rational(1, 1000),
    guard: sp.Rational(1, 10**8),
    rho2: sp.Rational(999, 1000),
}

PRINTED_ADAM = Claim(
    id="lecture-adam-slide-uses-corrected-r",
    title=(
        r"Lecture 004's printed step $\theta \leftarrow \theta - \frac{\epsilon}{\sqrt{r} + "
        r"\delta}\odot \hat s$ is Adam's"
    ),
    source="lecture notes 004, slide 'Adam (Adaptive Moments) I' (last line of the update)",
    question="lecture-notes",
    statement=Statement.forall(printed_step, adam_step, hypotheses=first_step),
    statement_text=(
        r"The slide's update $\theta \leftarrow \theta - \frac{\epsilon}{\sqrt{r} + \delta}"
        r"\odot \hat s$ is Adam's (Kingma & Ba 2015, Alg. 1), which divides by "
        r"$\sqrt{\hat r} + \delta$ with $\hat r = r/(1-\rho_2^t)$."
    ),
    conventions=(
        r"Per coordinate, the slide's names: step size $\epsilon$, guard $\delta$, moments "
        r"$s$, $r$ with factors $\rho_1, \rho_2$. The hypotheses are the first step from "
        r"$s = r = 0$: $\hat s = g$, $r = (1-\rho_2)g^2$, $\hat r = g^2$."
    ),
    proof=Proof(
        Counterexample(
            COUNTER,
            sp.simplify(
                (printed_step - adam_step)
                .subs(first_step[0].lhs, g)
                .subs({r: (1 - rho2) * g**2, r_hat: g**2})
                .subs(COUNTER)
            ),
        ),
        per_coordinate=True,
    ),
    expect="refuted",
    explanation=(
        r"A misprint, not a different method: the same lecture corrects both moments on its "
        r"slides 'Bias Correction in Adam I' and 'AdamW I' ($\sqrt{\hat r}$). Read literally, "
        r"the first step with the default $\rho_2 = 0.999$ is $1/\sqrt{0.001} \approx 31.6$ "
        r"times Adam's, and the ratio $\sqrt{\hat r/r} = 1/\sqrt{1-\rho_2^t}$ fades only over "
        r"thousands of steps."
    ),
)

# --- Lecture 002's AdaGrad: the effective rate never grows ------------------------------------
gamma = sp.Symbol(r"\gamma", positive=True)
eps = sp.Symbol(r"\epsilon", positive=True)
s_prev = sp.Symbol("s_{t-1}", nonnegative=True)
g_t = sp.Symbol("g_t", real=True)
s_t = sp.Symbol("s_t", nonnegative=True)
accumulate = sp.Eq(s_t, s_prev + g_t**2)
rate_now, rate_before = gamma / sp.sqrt(s_t + eps), gamma / sp.sqrt(s_prev + eps)
root_now, root_before = sp.sqrt(s_prev + g_t**2 + eps), sp.sqrt(s_prev + eps)

ADAGRAD = Claim(
    id="lecture-adagrad-effective-rate-never-grows",
    title=r"AdaGrad's effective learning rate $\gamma/\sqrt{s_t + \epsilon}$ never grows",
    source="lecture notes 002, slide 'AdaGrad' (Limitation)",
    question="lecture-notes",
    statement=Statement.at_most(rate_now, rate_before, hypotheses=(accumulate,)),
    statement_text=(
        r"``The accumulator $s_t$ grows monotonically. As a result, the effective learning "
        r"rate for all parameters steadily decreases'': with $s_t = s_{t-1} + g_t^2$, "
        r"$\gamma/\sqrt{s_t + \epsilon} \le \gamma/\sqrt{s_{t-1} + \epsilon}$ at every step."
    ),
    conventions=(
        r"Per coordinate, the slide's AdaGrad ($\epsilon$ inside the root); $\gamma, \epsilon "
        r"> 0$, $s_{t-1} \ge 0$, $g_t$ real."
    ),
    proof=Proof(
        Chain(
            rate_now,
            (
                Link(
                    rate_before,
                    r"The difference is $\gamma g_t^2/(\sqrt{s_{t-1}+\epsilon}\sqrt{s_t+\epsilon}"
                    r"(\sqrt{s_{t-1}+\epsilon} + \sqrt{s_t+\epsilon})) \ge 0$.",
                    relation="<=",
                    certificate=(
                        (
                            gamma / (root_now * root_before * (root_now + root_before)),
                            g_t**2,
                        ),
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Holds as stated (``steadily'' meaning never increasing: a zero gradient keeps it). "
        r"It strictly decreases whenever $g_t \ne 0$; RMSProp replaces the sum by an average so "
        r"that the rate can grow again."
    ),
)

CLAIMS = (PRINTED_ADAM, ADAGRAD)
