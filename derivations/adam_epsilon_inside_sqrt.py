"""Epsilon inside the square root: lecture notes 002's Adam against PyTorch's (problem set Q2.a).

Lecture notes 002 *define* Adam with ``sqrt(vhat_t + eps')`` (definition ``adam-lecture-002`` in
:mod:`~wdproof.derivations.adam_epsilon`); PyTorch divides by ``sqrt(vhat_t) + eps``. For one
coordinate ``sqrt(vhat + eps') = sqrt(vhat) + eps`` iff ``eps' = eps^2 + 2 eps sqrt(vhat)``
(``adam-eps-inside-sqrt-required-eps``), a value that depends on the gradient, so no constant
``eps'`` reproduces PyTorch's step for every gradient (``adam-eps-inside-sqrt``: first steps
with ``g = eps`` and ``g = 2 eps`` need ``3 eps^2`` and ``5 eps^2``). With the same ``eps`` in
both, the lecture's step is PyTorch's times ``(sqrt(vhat) + eps)/sqrt(vhat + eps)``
(``adam-eps-inside-sqrt-step-ratio``).

All are per-coordinate statements (Adam is element-wise).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from wdproof.derivations.adam_epsilon import eps_inside, gamma
from wdproof.derivations.claim import Claim
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
from wdproof.derivations.notation import eps
from wdproof.derivations.optimizer_conventions import m_hat, v_hat


@dataclass(frozen=True)
class FirstSteps:
    """One torch.optim.Adam(lr, eps) step on ``f_1(theta) = g_1 . theta``, one coordinate per
    entry of ``g_1``."""

    g_1: tuple[float, ...]
    lr: float
    eps: float


# --- The value one coordinate needs -----------------------------------------------------------
sigma = sp.Symbol(r"\sigma_t", positive=True)  # sqrt(vhat_t) > 0
lecture_step = gamma * m_hat / sp.sqrt(v_hat + eps_inside)
torch_adam_step = gamma * m_hat / (sp.sqrt(v_hat) + eps)
#: eps' = eps^2 + 2 eps sqrt(vhat_t): what sqrt(vhat + eps') = sqrt(vhat) + eps asks.
required_eps = eps**2 + 2 * eps * sigma
SIGMA = sp.Eq(v_hat, sigma**2)

REQUIRED_EPS = Claim(
    id="adam-eps-inside-sqrt-required-eps",
    title=(
        r"The lecture's $\sqrt{\hat v_t + \epsilon'}$ matches PyTorch's "
        r"$\sqrt{\hat v_t} + \epsilon$ for a coordinate iff "
        r"$\epsilon' = \epsilon^2 + 2\epsilon\sqrt{\hat v_t}$"
    ),
    source=(
        r"lecture notes 002, slide 'Adam', step 6 ($\epsilon$ inside the root) against "
        r"torch.optim.Adam's documented step ($\epsilon$ outside); problem set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.solution_set(
        [eps_inside],
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
                (gamma * (sigma + eps - sp.sqrt(sigma**2 + eps_inside)),),
            ),
            sufficient=(
                Chain(
                    lecture_step.subs(eps_inside, required_eps),
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
        r"with $|g_1| = 1$ needs $\epsilon' \approx 2\times 10^{-8}$, one with "
        r"$|g_1| = 10^{-4}$ needs $\approx 2\times 10^{-12}$."
    ),
)

# --- No constant eps' works for every gradient ------------------------------------------------
gradient = sp.Symbol("g_1", real=True)  # the first gradient of a coordinate
lecture_first = gamma * gradient / sp.sqrt(gradient**2 + eps_inside)  # mhat_1 = g_1, vhat_1 = g_1^2
torch_first = gamma * gradient / (sp.Abs(gradient) + eps)
GRADIENTS_CHECKED = ({gradient: eps}, {gradient: 2 * eps})
#: The numbers the torch confirmation runs: the checked gradients at eps = 1e-3.
EPS_NUMERIC = sp.Rational(1, 1000)

EPS_INSIDE_SQRT = Claim(
    id="adam-eps-inside-sqrt",
    title=(
        r"No constant $\epsilon'$ makes the lecture's Adam, $\sqrt{\hat v_t + \epsilon'}$, take "
        r"PyTorch's step for every gradient"
    ),
    source=(
        r"lecture notes 002, slides 'Adam' and 'Adam: default setting', step 6 (the lecture's "
        r"definition, $\epsilon$ inside the root) against torch.optim.Adam's documented step "
        r"($\epsilon$ outside); problem set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.not_exists([eps_inside], lecture_first, torch_first),
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
                gamma * eps / sp.sqrt(eps**2 + eps_inside) - gamma / 2,
                2 * gamma * eps / sp.sqrt(4 * eps**2 + eps_inside) - 2 * gamma / 3,
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
    instance=FirstSteps(
        g_1=tuple(float(values[gradient].subs(eps, EPS_NUMERIC)) for values in GRADIENTS_CHECKED),
        lr=0.1,
        eps=float(EPS_NUMERIC),
    ),
)

# --- How far apart the two are, with the same eps ---------------------------------------------
lecture_same_eps = lecture_step.subs(eps_inside, eps)
step_ratio = (sp.sqrt(v_hat) + eps) / sp.sqrt(v_hat + eps)

STEP_RATIO = Claim(
    id="adam-eps-inside-sqrt-step-ratio",
    title=(
        r"With the same $\epsilon$, the lecture's Adam step is PyTorch's times "
        r"$(\sqrt{\hat v_t} + \epsilon)/\sqrt{\hat v_t + \epsilon}$"
    ),
    source=(
        r"lecture notes 002, slides 'Adam' and 'Adam: default setting', step 6, against "
        r"torch.optim.Adam's documented step, both with the default $\epsilon = 10^{-8}$; "
        r"problem set Q2.a"
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
        r"first gradient is $|g_1| = 10^{-8}$ moves $\approx 2\times 10^{-4}$ times PyTorch's "
        r"step, one with $|g_1| = 10^{-4}$ about $0.71$ times it, one with $|g_1| = 1$ the "
        r"same to $10^{-8}$. Put differently, the lecture's $\epsilon$ acts like PyTorch's "
        r"$\sqrt{\hat v_t + \epsilon} - \sqrt{\hat v_t}$, up to $\sqrt{\epsilon} = 10^{-4}$."
    ),
)

CLAIMS = (REQUIRED_EPS, EPS_INSIDE_SQRT, STEP_RATIO)
