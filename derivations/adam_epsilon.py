"""Where epsilon sits in Adam's denominator, and what maps to what (problem set Q2.a).

PyTorch (and paper Alg. 2) divide by ``sqrt(vhat_t) + eps``. Two other placements circulate;
:data:`DEFINITIONS` writes both as their sources do:

* Kingma & Ba's "efficient" form (their Sec. 2; TensorFlow's ``epsilon``): fold the corrections
  into the rate, ``alpha_t = alpha sqrt(c_2)/c_1`` with ``c_i = 1 - beta_i^t``, and divide the raw
  moments, ``m_t/(sqrt(v_t) + epsilonhat)``. Pulling ``sqrt(c_2)`` out of PyTorch's denominator,

  .. math:: \\frac{\\alpha\\,m_t/c_1}{\\sqrt{v_t/c_2} + \\epsilon}
            = \\frac{\\alpha\\sqrt{c_2}}{c_1}\\,\\frac{m_t}{\\sqrt{v_t} + \\epsilon\\sqrt{c_2}},

  so the two agree for every ``m_t`` iff ``epsilonhat = eps sqrt(1 - beta_2^t)``
  (``adam-eps-hat-equals-torch-eps``): a step-dependent value. A constant ``epsilonhat`` would
  need ``eps sqrt(1 - beta_2) = eps sqrt(1 - beta_2^2)`` (steps 1 and 2), false for
  ``0 < beta_2 < 1`` (``adam-constant-eps-hat-not-torch-eps``; the kernel checks it at
  ``beta_2 = 0.999``). Both claims are in this module.
* ``sqrt(vhat_t + eps')``, the placement lecture notes 002 use to *define* Adam: its claims are
  :mod:`~wdproof.derivations.adam_epsilon_inside_sqrt`.

All are per-coordinate statements (Adam is element-wise).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    m_hat,
    m_t,
    second_moment,
    theta_next,
    theta_prev,
    v_hat,
    v_t,
)
from wdproof.derivations.optimizer_moments import g, m_closed, v_closed


@dataclass(frozen=True)
class ConstantGradientSteps:
    """torch.optim.Adam(lr, betas, eps) on ``f_t(theta) = g theta``, compared at ``steps``."""

    g: float
    lr: float
    eps: float
    betas: tuple[float, float]
    steps: tuple[int, ...]


gamma = sp.Symbol("gamma", positive=True)  # the learning rate, as the lecture and PyTorch write it
eps_hat = sp.Symbol(r"\hat{\epsilon}", real=True)
eps_inside = sp.Symbol(r"\epsilon'", real=True)  # the constant under the lecture's square root
alpha_t = sp.Symbol(r"\alpha_t", positive=True)

# --- Definitions: Adam as the lecture and as Kingma & Ba's efficient form write it ------------
LECTURE_ADAM = Definition(
    id="adam-lecture-002",
    title=r"Adam as lecture notes 002 define it ($\epsilon$ inside the square root)",
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
    source=(
        r"Kingma & Ba 2015 (Adam), Sec. 2, last paragraph; TensorFlow's Adam, whose $\epsilon$ "
        r"is this $\hat\epsilon$"
    ),
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

# --- eps-hat at step t ------------------------------------------------------------------------
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
        r"Adam's efficient (TensorFlow) form with $\hat\epsilon$ is PyTorch's at step $t$ iff "
        r"$\hat\epsilon = \epsilon\sqrt{1 - \beta_2^t}$"
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
        r"($0 \le \beta_i < 1$, $t \ge 1$), written as the positive numbers $c_1$, $c_2$; "
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

# --- No constant eps-hat ----------------------------------------------------------------------
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
#: The number the torch confirmation runs: the checked gradient g = eps at eps = 1/10.
EPS_NUMERIC = sp.Rational(1, 10)

CONSTANT_EPS_HAT = Claim(
    id="adam-constant-eps-hat-not-torch-eps",
    title=r"No constant $\hat\epsilon$ makes the efficient form of Adam PyTorch's at every step",
    source=(
        r"Kingma & Ba 2015, Sec. 2 (constant $\hat\epsilon$); torch.optim.Adam; problem set Q2.a"
    ),
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
        r"$\epsilon$ but not on $t$ or $g$. The proof is at $\beta_2 = 0.999$ (PyTorch's "
        r"default), an assumption the verdict is conditional on. The kernel derives the "
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
    instance=ConstantGradientSteps(
        g=float(STEPS_CHECKED[0][g].subs(eps, EPS_NUMERIC)),
        lr=0.1,
        eps=float(EPS_NUMERIC),
        betas=(0.9, float(DEFAULT_BETA2.rhs)),
        steps=tuple(int(values[t]) for values in STEPS_CHECKED),
    ),
)

CLAIMS = (EPS_HAT, CONSTANT_EPS_HAT)
