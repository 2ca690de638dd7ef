"""Where epsilon sits in Adam's denominator, and what maps to what (problem set Q2.a).

PyTorch (and paper Alg. 2) divide by ``sqrt(vhat_t) + eps``. Two other placements circulate:

* Kingma & Ba's "efficient" form (their Sec. 2; TensorFlow's ``epsilon``): fold the corrections
  into the rate, ``alpha_t = alpha sqrt(c_2)/c_1`` with ``c_i = 1 - beta_i^t``, and divide the raw
  moments, ``m_t/(sqrt(v_t) + epsilonhat)``. Pulling ``sqrt(c_2)`` out of PyTorch's denominator,

  .. math:: \\frac{\\alpha\\,m_t/c_1}{\\sqrt{v_t/c_2} + \\epsilon}
            = \\frac{\\alpha\\sqrt{c_2}}{c_1}\\,\\frac{m_t}{\\sqrt{v_t} + \\epsilon\\sqrt{c_2}},

  so the two agree for every ``m_t`` iff ``epsilonhat = eps sqrt(1 - beta_2^t)``
  (``adam-eps-hat-equals-torch-eps``): a step-dependent value. A constant ``epsilonhat`` would
  need ``eps sqrt(1 - beta_2) = eps sqrt(1 - beta_2^2)`` (steps 1 and 2), false for
  ``0 < beta_2 < 1`` (``adam-constant-eps-hat-not-torch-eps``; the kernel checks it at
  ``beta_2 = 0.999``).
* ``sqrt(vhat_t + eps')``, the placement lecture notes 002 use to *define* Adam. For one
  coordinate ``sqrt(vhat + eps') = sqrt(vhat) + eps`` iff ``eps' = eps^2 + 2 eps sqrt(vhat)``
  (``adam-eps-inside-sqrt-required-eps``), a value that depends on the gradient, so no constant
  ``eps'`` reproduces PyTorch's step for every gradient (``adam-eps-inside-sqrt``: first steps
  with ``g = eps`` and ``g = 2 eps`` need ``3 eps^2`` and ``5 eps^2``). With the same ``eps`` in
  both, the lecture's step is PyTorch's times ``(sqrt(vhat) + eps)/sqrt(vhat + eps)``
  (``adam-eps-inside-sqrt-step-ratio``).

All are per-coordinate statements (Adam is element-wise).
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Definition
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Instance,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, beta1, beta2, eps, t
from wdproof.derivations.optimizer_conventions import (
    bias_corrections,
    first_moment,
    g,
    m_closed,
    m_t,
    second_moment,
    theta_next,
    theta_prev,
    v_closed,
    v_t,
)

gamma = sp.Symbol("gamma", positive=True)  # the learning rate, as the lecture and PyTorch write it
m_hat = sp.Symbol(r"\hat{m}_t", real=True)
v_hat = sp.Symbol(r"\hat{v}_t", nonnegative=True)
eps_hat = sp.Symbol(r"\hat{\epsilon}", real=True)
eps_in = sp.Symbol(r"\epsilon'", real=True)  # the constant under the lecture's square root
alpha_t = sp.Symbol(r"\alpha_t", positive=True)

# --- Definitions: Adam as the lecture and as Kingma & Ba's efficient form write it -----------
LECTURE_ADAM = Definition(
    id="adam-lecture-002",
    title="Adam as lecture notes 002 define it (eps inside the square root)",
    source=(
        "lecture notes 002, slide 'Adam' (The Full Adam Algorithm, steps 1-6), repeated on "
        "slide 'Adam: default setting'"
    ),
    question="Q2.a",
    text=(
        r"Steps 2-5 are the moments and bias corrections of paper Alg. 2; step 6 updates "
        r"$\theta_t = \theta_{t-1} - \gamma\,\hat m_t/\sqrt{\hat v_t + \epsilon}$, with "
        r"$\epsilon$ inside the square root, and the defaults are $\gamma = 10^{-3}$, "
        r"$\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$. The lecture defines Adam "
        r"this way; it does not state that this is torch.optim.Adam (which puts "
        r"$\epsilon$ outside the root), and its slide 'Adam property III: bounded step size' "
        r"writes the step as $\gamma|\hat m_t|/(\sqrt{\hat v_t} + \epsilon)$, with $\epsilon$ "
        r"outside."
    ),
    equations=(
        ("step 2", first_moment),
        ("step 3", second_moment),
        ("steps 4-5", bias_corrections),
        ("step 6", sp.Eq(theta_next, theta_prev - gamma * m_hat / sp.sqrt(v_hat + eps))),
    ),
)

EFFICIENT_ADAM = Definition(
    id="adam-efficient-form",
    title="Adam's efficient form, with the corrections folded into the rate",
    source="Kingma & Ba 2015 (Adam), Sec. 2, last paragraph; TensorFlow's epsilon",
    question="Q2.a",
    text=(
        r"The last three lines of Adam's loop replaced by a step-size $\alpha_t$ and an "
        r"$\hat\epsilon$ added to $\sqrt{v_t}$ of the raw second moment; $m_t$, $v_t$ as in "
        r"paper Alg. 2."
    ),
    equations=(
        ("rate", sp.Eq(alpha_t, alpha * sp.sqrt(1 - beta2**t) / (1 - beta1**t))),
        ("step", sp.Eq(theta_next, theta_prev - alpha_t * m_t / (sp.sqrt(v_t) + eps_hat))),
    ),
)

DEFINITIONS = (LECTURE_ADAM, EFFICIENT_ADAM)

# --- Claim 1: eps-hat at step t ------------------------------------------------------------
m = sp.Symbol("m_t", real=True)  # a coordinate of the raw first moment
v = sp.Symbol("v_t", positive=True)  # ... and of the raw second moment
# c_1 = 1 - beta_1^t and c_2 = 1 - beta_2^t, both in (0, 1] for 0 <= beta_i < 1, t >= 1
correction1, correction2 = sp.symbols("c_1 c_2", positive=True)

torch_step = alpha * (m / correction1) / (sp.sqrt(v / correction2) + eps)
efficient_step = alpha * sp.sqrt(correction2) / correction1 * m / (sp.sqrt(v) + eps_hat)
#: epsilonhat = eps sqrt(c_2): the one value that maps the efficient form onto PyTorch's step.
eps_hat_value = eps * sp.sqrt(correction2)

EPS_HAT = Claim(
    id="adam-eps-hat-equals-torch-eps",
    title=(
        "The eps-hat (efficient, TensorFlow) form of Adam is PyTorch's at step t iff eps_hat = eps "
        "sqrt(1 - beta2^t)"
    ),
    source=(
        "Kingma & Ba 2015, Sec. 2 (efficient form); paper Alg. 2 line 12; torch.optim.Adam; "
        "problem set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.solution_set(
        [eps_hat], efficient_step, torch_step, sp.FiniteSet(eps_hat_value)
    ),
    statement_text=(
        r"At step $t$, the efficient-form update $\alpha\frac{\sqrt{c_2}}{c_1}\,"
        r"\frac{m_t}{\sqrt{v_t} + \hat\epsilon}$ equals PyTorch's "
        r"$\alpha\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ for every first moment $m_t$ if and "
        r"only if $\hat\epsilon = \epsilon\sqrt{c_2} = \epsilon\sqrt{1 - \beta_2^t}$."
    ),
    conventions=(
        r"Per coordinate; $m_t$, $v_t > 0$ the raw moments of paper Alg. 2, "
        r"$\hat m_t = m_t/c_1$, $\hat v_t = v_t/c_2$ with $c_i = 1 - \beta_i^t > 0$ "
        r"($0 \le \beta_i < 1$, $t \ge 1$), written as positive symbols $c_1$, $c_2$; "
        r"$\hat\epsilon$ real."
    ),
    proof=Proof(
        Characterization(
            # Only if: over the common denominator the difference is m_t times
            # alpha (eps sqrt(c_2) - epsilonhat) sqrt(c_2) / (...): that coefficient must vanish.
            necessary=Conditions(
                (Coefficients((m,)),),
                (alpha * (correction2 * eps - sp.sqrt(correction2) * eps_hat),),
            ),
            sufficient=(
                Chain(
                    efficient_step.subs(eps_hat, eps_hat_value),
                    (
                        Link(
                            torch_step,
                            r"Divide numerator and denominator by $\sqrt{c_2} > 0$: PyTorch's "
                            r"$\sqrt{\hat v_t} = \sqrt{v_t}/\sqrt{c_2}$.",
                        ),
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact at each step: the efficient form is PyTorch's Adam exactly when its "
        r"$\hat\epsilon$ follows $\epsilon\sqrt{1 - \beta_2^t}$. A constant "
        r"$\hat\epsilon = \epsilon$ acts as PyTorch's $\epsilon/\sqrt{1 - \beta_2^t}$, "
        r"$\approx 31.6\,\epsilon$ at $t = 1$ for $\beta_2 = 0.999$, and agrees only as "
        r"$t \to \infty$ (claim adam-constant-eps-hat-not-torch-eps)."
    ),
)

# --- Claim 2: no constant eps-hat ----------------------------------------------------------
#: The efficient form and PyTorch's step at step t, with the correction factors written out.
efficient_step_t = alpha * sp.sqrt(1 - beta2**t) / (1 - beta1**t) * m_t / (sp.sqrt(v_t) + eps_hat)
torch_step_t = alpha * (m_t / (1 - beta1**t)) / (sp.sqrt(v_t / (1 - beta2**t)) + eps)
#: beta_2 = 0.999 (Kingma & Ba's and PyTorch's default): SymPy cannot decide
#: sqrt(1 - beta_2) != sqrt(1 - beta_2^2) from beta_2's assumptions, so the proof fixes it.
DEFAULT_BETA2 = sp.Eq(beta2, sp.Rational(999, 1000))
c2_step1 = 1 - sp.Rational(999, 1000)  # 1 - beta_2 at t = 1
c2_step2 = 1 - sp.Rational(999, 1000) ** 2  # 1 - beta_2^2 at t = 2
#: Steps 1 and 2 of a constant gradient g = eps (at g = eps PyTorch's step is alpha/2).
STEPS_CHECKED = ({t: 1, g: eps}, {t: 2, g: eps})

CONSTANT_EPS_HAT = Claim(
    id="adam-constant-eps-hat-not-torch-eps",
    title="No constant eps_hat makes the efficient form of Adam PyTorch's at every step",
    source="Kingma & Ba 2015, Sec. 2 (constant eps-hat); torch.optim.Adam; problem set Q2.a",
    question="Q2.a",
    statement=Statement.not_exists(
        [eps_hat], efficient_step_t, torch_step_t, hypotheses=(m_closed, v_closed)
    ),
    statement_text=(
        r"There is no constant $\hat\epsilon$ for which the efficient form "
        r"$\alpha\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t} + \hat\epsilon}$ "
        r"takes PyTorch's step $\alpha\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ at every step "
        r"$t \ge 1$, not even for a constant gradient $g$ (moments $m_t = (1-\beta_1^t)g$, "
        r"$v_t = (1-\beta_2^t)g^2$, claim adam-moments-constant-gradient)."
    ),
    conventions=(
        r"Per coordinate; $\hat\epsilon$ may depend on $\alpha$, $\beta_1$, $\beta_2$, "
        r"$\epsilon$ but not on $t$ or $g$; $0 < \beta_2 < 1$. The kernel derives the "
        r"conditions at $(t, g) = (1, \epsilon)$ and $(2, \epsilon)$."
    ),
    proof=Proof(
        Conditions(
            tuple(Instance(values) for values in STEPS_CHECKED),
            (
                alpha * sp.sqrt(c2_step1) * eps / (sp.sqrt(c2_step1) * eps + eps_hat) - alpha / 2,
                alpha * sp.sqrt(c2_step2) * eps / (sp.sqrt(c2_step2) * eps + eps_hat) - alpha / 2,
            ),
        ),
        assumptions=(DEFAULT_BETA2,),
        per_coordinate=True,
        remarks=(
            (
                r"For any $0 < \beta_2 < 1$ the two conditions ask $\hat\epsilon = "
                r"\epsilon\sqrt{1-\beta_2}$ and $\hat\epsilon = \epsilon\sqrt{1-\beta_2^2} = "
                r"\epsilon\sqrt{1-\beta_2}\sqrt{1+\beta_2}$, which differ; the kernel decides "
                r"this only for a given $\beta_2$."
            ),
        ),
    ),
    expect="conditional",
    explanation=(
        r"Step 1 forces $\hat\epsilon = \epsilon\sqrt{0.001}$, step 2 "
        r"$\hat\epsilon = \epsilon\sqrt{0.001999}$: no constant fits both, so the efficient "
        r"form with a constant $\hat\epsilon$ is a different method from PyTorch's Adam (its "
        r"effective $\epsilon$ shrinks towards $\hat\epsilon$ as $t$ grows). Checked by the "
        r"kernel at PyTorch's default $\beta_2 = 0.999$, hence conditional on it; the same "
        r"argument holds for every $0 < \beta_2 < 1$ (at $\beta_2 = 0$ the constant "
        r"$\hat\epsilon = \epsilon$ works)."
    ),
    instance={
        "gradient": float(STEPS_CHECKED[0][g].subs(eps, sp.Rational(1, 10))),
        "lr": 0.1,
        "eps": 0.1,
        "betas": (0.9, float(DEFAULT_BETA2.rhs)),
        "steps": tuple(int(values[t]) for values in STEPS_CHECKED),
    },
)

# --- Claim 3: eps inside the square root: the value one coordinate needs -----------------------
sigma = sp.Symbol(r"\sigma_t", positive=True)  # sqrt(vhat_t) > 0
lecture_step = gamma * m_hat / sp.sqrt(v_hat + eps_in)
torch_adam_step = gamma * m_hat / (sp.sqrt(v_hat) + eps)
#: eps' = eps^2 + 2 eps sqrt(vhat_t): what sqrt(vhat + eps') = sqrt(vhat) + eps asks.
required_eps = eps**2 + 2 * eps * sigma
SIGMA = sp.Eq(v_hat, sigma**2)

REQUIRED_EPS = Claim(
    id="adam-eps-inside-sqrt-required-eps",
    title=(
        "The lecture's sqrt(vhat + eps') matches PyTorch's sqrt(vhat) + eps for a coordinate iff "
        "eps' = eps^2 + 2 eps sqrt(vhat)"
    ),
    source=(
        "lecture notes 002, slide 'Adam', step 6 (eps inside the root) against "
        "torch.optim.Adam's documented step (eps outside); problem set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.solution_set(
        [eps_in],
        lecture_step,
        torch_adam_step,
        sp.FiniteSet(required_eps),
        hypotheses=(SIGMA,),
    ),
    statement_text=(
        r"For a coordinate with bias-corrected second moment $\hat v_t = \sigma_t^2 > 0$, the "
        r"lecture's step $\gamma\hat m_t/\sqrt{\hat v_t + \epsilon'}$ equals PyTorch's "
        r"$\gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ for every $\hat m_t$ if and only if "
        r"$\epsilon' = \epsilon^2 + 2\epsilon\sigma_t$. At the first step $\sigma_1 = |g_1|$: "
        r"$\epsilon' = \epsilon^2 + 2\epsilon|g_1|$."
    ),
    conventions=(
        r"Per coordinate; both methods see the same $\hat m_t$, $\hat v_t$ (as at the first "
        r"step from a common $\theta_0$); $\sigma_t = \sqrt{\hat v_t} > 0$, $\epsilon > 0$, "
        r"$\epsilon'$ real; $\gamma$ the learning rate of both."
    ),
    proof=Proof(
        Characterization(
            # Only if: over the common denominator the difference is mhat_t times
            # gamma (sigma_t + eps - sqrt(sigma_t^2 + eps')): that coefficient must vanish.
            necessary=Conditions(
                (Coefficients((m_hat,)),),
                (gamma * (sigma + eps - sp.sqrt(sigma**2 + eps_in)),),
            ),
            sufficient=(
                Chain(
                    lecture_step.subs(eps_in, required_eps),
                    (
                        Link(
                            gamma * m_hat / sp.sqrt(sigma**2 + 2 * eps * sigma + eps**2),
                            r"$\hat v_t = \sigma_t^2$.",
                        ),
                        Link(
                            gamma * m_hat / (sigma + eps),
                            r"$\sigma_t^2 + 2\epsilon\sigma_t + \epsilon^2 = "
                            r"(\sigma_t + \epsilon)^2$ and $\sigma_t + \epsilon > 0$.",
                        ),
                        Link(torch_adam_step, r"$\sigma_t = \sqrt{\hat v_t}$: PyTorch's step."),
                    ),
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every coordinate and step: the $\epsilon'$ that reproduces PyTorch grows "
        r"with the gradient's size. For PyTorch's default $\epsilon = 10^{-8}$ a coordinate "
        r"with $|g_1| = 1$ needs $\epsilon' \approx 2\cdot 10^{-8}$, one with "
        r"$|g_1| = 10^{-4}$ needs $\approx 2\cdot 10^{-12}$."
    ),
)

# --- Claim 4: no constant eps' works for every gradient ---------------------------------------
gradient = sp.Symbol("g_1", real=True)  # the first gradient of a coordinate
lecture_first = gamma * gradient / sp.sqrt(gradient**2 + eps_in)  # mhat_1 = g_1, vhat_1 = g_1^2
torch_first = gamma * gradient / (sp.Abs(gradient) + eps)
GRADIENTS_CHECKED = ({gradient: eps}, {gradient: 2 * eps})
#: The numbers the torch confirmation runs: the checked gradients at eps = 1e-3.
EPS_NUMERIC = sp.Rational(1, 1000)

EPS_INSIDE_SQRT = Claim(
    id="adam-eps-inside-sqrt",
    title=(
        "No constant eps' makes the lecture's Adam, sqrt(vhat + eps'), take PyTorch's step for "
        "every gradient"
    ),
    source=(
        "lecture notes 002, slides 'Adam' and 'Adam: default setting', step 6 (the lecture's "
        "definition, eps inside the root) against torch.optim.Adam's documented step "
        "(eps outside); problem set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.not_exists([eps_in], lecture_first, torch_first),
    statement_text=(
        r"There is no constant $\epsilon'$ for which the lecture's Adam step "
        r"$\gamma\hat m_t/\sqrt{\hat v_t + \epsilon'}$ equals torch.optim.Adam's "
        r"$\gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ for every gradient, not even at the "
        r"first step ($\hat m_1 = g_1$, $\hat v_1 = g_1^2$): "
        r"$\neg\exists\,\epsilon'\ \forall g_1:\ \gamma g_1/\sqrt{g_1^2 + \epsilon'} = "
        r"\gamma g_1/(|g_1| + \epsilon)$."
    ),
    conventions=(
        r"Per coordinate, first step from a common $\theta_0$ (so both see the same $g_1$); "
        r"$\epsilon'$ may depend on $\gamma$, $\beta_1$, $\beta_2$, $\epsilon$ but not on "
        r"$g_1$. The kernel derives the conditions at $g_1 = \epsilon$ and $g_1 = 2\epsilon$."
    ),
    proof=Proof(
        Conditions(
            tuple(Instance(values) for values in GRADIENTS_CHECKED),
            (
                gamma * eps / sp.sqrt(eps**2 + eps_in) - gamma / 2,
                2 * gamma * eps / sp.sqrt(4 * eps**2 + eps_in) - 2 * gamma / 3,
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"$g_1 = \epsilon$ forces $\epsilon' = 3\epsilon^2$, $g_1 = 2\epsilon$ forces "
        r"$\epsilon' = 5\epsilon^2$ (the value $\epsilon^2 + 2\epsilon|g_1|$ of claim "
        r"adam-eps-inside-sqrt-required-eps), so the lecture's Adam is a different "
        r"method from torch.optim.Adam whatever its $\epsilon'$. This is not an error "
        r"of the lecture, which defines Adam this way and does not claim it is PyTorch's; it "
        r"matters for Q2.a, whose code must reproduce torch.optim.Adam. The lecture is "
        r"itself not uniform: its 'bounded step size' slide puts $\epsilon$ outside the root."
    ),
    instance={
        "gradient": [
            float(values[gradient].subs(eps, EPS_NUMERIC)) for values in GRADIENTS_CHECKED
        ],
        "lr": 0.1,
        "eps": float(EPS_NUMERIC),
    },
)

# --- Claim 5: how far apart the two are, with the same eps -----------------------------------
lecture_same_eps = lecture_step.subs(eps_in, eps)
step_ratio = (sp.sqrt(v_hat) + eps) / sp.sqrt(v_hat + eps)

STEP_RATIO = Claim(
    id="adam-eps-inside-sqrt-step-ratio",
    title=(
        "With the same eps, the lecture's Adam step is PyTorch's times (sqrt(vhat) + "
        "eps)/sqrt(vhat + eps)"
    ),
    source=(
        "lecture notes 002, slides 'Adam' and 'Adam: default setting', step 6, against "
        "torch.optim.Adam's documented step, both with the default eps = 1e-8; problem set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.forall(
        lecture_same_eps, sp.Mul(step_ratio, torch_adam_step, evaluate=False)
    ),
    statement_text=(
        r"For the same moments $\hat m_t$, $\hat v_t \ge 0$ and the same $\epsilon$, the "
        r"lecture's step $\gamma\hat m_t/\sqrt{\hat v_t + \epsilon}$ is PyTorch's step "
        r"$\gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ times "
        r"$(\sqrt{\hat v_t} + \epsilon)/\sqrt{\hat v_t + \epsilon}$."
    ),
    conventions=(
        r"Per coordinate; the same $\gamma$, $\epsilon > 0$ and moments in both (as at the "
        r"first step, where $\sqrt{\hat v_1} = |g_1|$)."
    ),
    proof=Proof(
        Chain(
            lecture_same_eps,
            (
                Link(
                    sp.Mul(step_ratio, torch_adam_step, evaluate=False),
                    r"Multiply and divide by $\sqrt{\hat v_t} + \epsilon > 0$.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact. The factor is $\sqrt{\epsilon}$ as $\hat v_t \to 0$ and tends to 1 for "
        r"$\hat v_t \gg \epsilon$: with the default $\epsilon = 10^{-8}$ a coordinate whose "
        r"first gradient is $|g_1| = 10^{-8}$ moves $\approx 2\cdot 10^{-4}$ times PyTorch's "
        r"step, one with $|g_1| = 10^{-4}$ about $0.71$ times it, one with $|g_1| = 1$ the "
        r"same to $10^{-8}$. Put differently, the lecture's $\epsilon$ acts like PyTorch's "
        r"$\sqrt{\hat v_t + \epsilon} - \sqrt{\hat v_t}$, up to $\sqrt{\epsilon} = 10^{-4}$."
    ),
)

CLAIMS = (EPS_HAT, CONSTANT_EPS_HAT, REQUIRED_EPS, EPS_INSIDE_SQRT, STEP_RATIO)
