"""Adam and AdamW as the paper writes them and as PyTorch runs them (problem set Q2.a).

Paper Alg. 2 (per coordinate, ``g_t = grad f_t(theta_{t-1})``, ``m_0 = v_0 = 0``):

.. math::
    m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2,
    \\quad \\hat m_t = \\frac{m_t}{1-\\beta_1^t}, \\quad \\hat v_t = \\frac{v_t}{1-\\beta_2^t},

    \\theta_t = \\theta_{t-1} - \\eta_t \\Big(\\alpha
        \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}
        + \\lambda \\theta_{t-1}\\Big).

``torch.optim.AdamW`` (as PyTorch documents it) with learning rate ``gamma_t`` at step ``t`` and
``weight_decay = w`` first multiplies ``theta_{t-1}`` by ``1 - gamma_t w``, then subtracts
``gamma_t u_t`` with the same direction ``u_t = mhat_t/(sqrt(vhat_t) + eps)``. So

.. math:: \\text{torch} - \\text{paper} = (\\alpha\\eta_t - \\gamma_t)\\,u_t
          + (\\eta_t\\lambda - \\gamma_t w)\\,\\theta_{t-1},

and the two steps agree for every ``u_t`` and ``theta_{t-1}`` iff both coefficients vanish:
``(gamma_t, w) = (alpha eta_t, lambda/alpha)`` (claim ``adamw-paper-decay-equals-torch-decay``).

:data:`DEFINITIONS` holds the update rules as their sources write them; :data:`UPDATE_RULES`
the same equations as ``(name, Eq)`` pairs for the solution key's Q2.a section. What Adam's
moments do under a constant gradient is :mod:`~wdproof.derivations.optimizer_moments`.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Definition
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Lemma,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, beta1, beta2, decay_rate, eps, eta, t

# --- Symbols (one coordinate: Adam is element-wise) -------------------------------------------
theta_prev, theta_next = sp.symbols(r"\theta_{t-1} \theta_t", real=True)
grad_f = sp.Symbol(r"\nabla f_t(\theta_{t-1})", real=True)  # the minibatch gradient
g_t, m_prev, v_prev = sp.symbols("g_t m_{t-1} v_{t-1}", real=True)
m_t = sp.Symbol("m_t", real=True)
v_t = sp.Symbol("v_t", real=True)  # no sign assumption: sqrt(v_t/(1 - beta_2^t)) stays whole
m_hat = sp.Symbol(r"\hat{m}_t", real=True)
v_hat = sp.Symbol(r"\hat{v}_t", nonnegative=True)
#: PyTorch's arguments, named as torch.optim.AdamW names them: ``lr`` at step t (lr times any
#: scheduler factor, typeset gamma_t) and ``weight_decay`` (PyTorch's documentation calls it
#: lambda; typeset ``w`` here, to keep it apart from the paper's decay rate lambda).
lr = sp.Symbol(r"\gamma_t", positive=True)
weight_decay = sp.Symbol("w", nonnegative=True)

adam_direction = m_hat / (sp.sqrt(v_hat) + eps)
#: Paper Alg. 2 line 12 (AdamW): decay eta_t lambda, not scaled by alpha.
paper_adamw_step = theta_prev - eta * (alpha * adam_direction + decay_rate * theta_prev)
#: torch.optim.AdamW: theta <- theta (1 - gamma_t w), then theta <- theta - gamma_t u_t.
torch_adamw_step = theta_prev * (1 - lr * weight_decay) - lr * adam_direction

first_moment = sp.Eq(m_t, beta1 * m_prev + (1 - beta1) * g_t)
second_moment = sp.Eq(v_t, beta2 * v_prev + (1 - beta2) * g_t**2)
bias_corrections = sp.Eq(
    sp.Tuple(m_hat, v_hat), sp.Tuple(m_t / (1 - beta1**t), v_t / (1 - beta2**t))
)
# The three updates of theta, each written once: the definitions and UPDATE_RULES cite them.
torch_adam_update = sp.Eq(theta_next, theta_prev - lr * adam_direction)
torch_adamw_update = sp.Eq(theta_next, torch_adamw_step)
paper_adamw_update = sp.Eq(theta_next, paper_adamw_step)

#: ``(name, equation)`` pairs: the Adam/AdamW update of paper Alg. 2 and of torch.optim.
UPDATE_RULES: tuple[tuple[str, sp.Eq], ...] = (
    ("first moment", first_moment),
    ("second moment", second_moment),
    ("bias corrections", bias_corrections),
    ("Adam (torch.optim.Adam, L2 weight_decay added to g_t)", torch_adam_update),
    ("AdamW, torch.optim.AdamW", torch_adamw_update),
    ("AdamW, paper Alg. 2", paper_adamw_update),
)

PAPER_ALG2 = Definition(
    id="adamw-paper-alg2",
    title=r"Adam with $L_2$ regularization and AdamW, as paper Alg. 2 writes them",
    source="Loshchilov & Hutter 2019, Alg. 2 (main text), lines 6-12",
    question="Q2.a",
    text=(
        r"Per coordinate (Alg. 2: 'all operations are element-wise'), from $m_0 = v_0 = 0$, "
        r"base rate $\alpha$, schedule multiplier $\eta_t$, factor $\lambda$. Adam with $L_2$ "
        r"regularization adds $\lambda\theta_{t-1}$ to the gradient in line 6 and has no "
        r"decay term in line 12; AdamW keeps the raw gradient in line 6 and decays by "
        r"$\eta_t\lambda\theta_{t-1}$ in line 12."
    ),
    equations=(
        # Alg. 2 writes one lambda for lines 6 and 12; quoted as printed. In line 6 it is what
        # wdproof calls the L2 coefficient lambda' (l2_coefficient), in line 12 the decay rate.
        (r"line 6, Adam with $L_2$", sp.Eq(g_t, grad_f + decay_rate * theta_prev)),
        ("line 6, AdamW", sp.Eq(g_t, grad_f)),
        ("line 7", first_moment),
        ("line 8", second_moment),
        ("lines 9-10", bias_corrections),
        (r"line 12, Adam with $L_2$", sp.Eq(theta_next, theta_prev - eta * alpha * adam_direction)),
        ("line 12, AdamW", paper_adamw_update),
    ),
)

TORCH_ADAM = Definition(
    id="torch-optim-adam",
    title="torch.optim.Adam and torch.optim.AdamW, as PyTorch documents them",
    source="PyTorch documentation of torch.optim.Adam and torch.optim.AdamW (algorithm boxes)",
    question="Q2.a",
    text=(
        r"Learning rate $\gamma_t$ at step $t$ (lr times any scheduler factor), "
        r"weight_decay written $w$ here (PyTorch's documentation calls it $\lambda$), "
        r"$\epsilon$ outside the square root, the same moments and bias corrections as paper "
        r"Alg. 2 (lines 7-10). Adam's weight_decay adds $w\theta_{t-1}$ to the "
        r"gradient ($L_2$); AdamW's multiplies $\theta_{t-1}$ by $1 - \gamma_t w$ before the "
        r"Adam step."
    ),
    equations=(
        ("Adam: gradient with weight_decay", sp.Eq(g_t, grad_f + weight_decay * theta_prev)),
        ("Adam: step", torch_adam_update),
        ("AdamW: gradient", sp.Eq(g_t, grad_f)),
        ("AdamW: decay, then step", torch_adamw_update),
    ),
)

DEFINITIONS = (PAPER_ALG2, TORCH_ADAM)

# --- The decay conventions ------------------------------------------------------------------
u = sp.Symbol("u_t", real=True)  # mhat_t/(sqrt(vhat_t)+eps): any real, the same for both methods
paper_step = paper_adamw_step.subs(adam_direction, u)
torch_step = torch_adamw_step.subs(adam_direction, u)
#: torch's implementation of the documented first moment: exp_avg.lerp_(grad, 1 - beta_1).
lerp_moment = m_prev + (1 - beta1) * (g_t - m_prev)

LERP_IS_EMA = Lemma(
    "lerp",
    lerp_moment,
    first_moment.rhs,
    Chain(
        lerp_moment,
        (Link(beta1 * m_prev + (1 - beta1) * g_t, r"Expand: $m_{t-1}$ keeps weight $\beta_1$."),),
    ),
)

DECAY_CONVENTIONS = Claim(
    id="adamw-paper-decay-equals-torch-decay",
    title=(
        r"torch.optim.AdamW takes paper Alg. 2's step iff its learning rate is $\alpha\eta_t$ and "
        r"weight_decay $= \lambda/\alpha$"
    ),
    source=(
        "paper Alg. 2 (main text), line 12; PyTorch documentation of torch.optim.AdamW; problem "
        "set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.solution_set(
        [lr, weight_decay],
        torch_step,
        paper_step,
        sp.FiniteSet(sp.Tuple(alpha * eta, decay_rate / alpha)),
    ),
    statement_text=(
        r"Per coordinate, at every step $t$: torch.optim.AdamW with learning rate "
        r"$\gamma_t$ and weight_decay $w$ takes the step of paper Alg. 2 (base rate "
        r"$\alpha$, schedule multiplier $\eta_t$, decay $\lambda$) for every Adam direction "
        r"$u_t = \hat m_t/(\sqrt{\hat v_t} + \epsilon)$ and every iterate $\theta_{t-1}$ if and "
        r"only if $(\gamma_t, w) = (\alpha\eta_t, \lambda/\alpha)$: the set of such pairs is "
        r"$\{(\alpha\eta_t, \lambda/\alpha)\}$."
    ),
    conventions=(
        r"Per coordinate (Adam is element-wise). Both methods compute $u_t$ from the raw gradient "
        r"at $\theta_{t-1}$ with the same moments and bias corrections (Alg. 2 lines 7-10; PyTorch "
        r"documents the same recurrences and implements the first one as a linear interpolation "
        r"(lerp) with weight $1 - \beta_1$, checked as a lemma), with $\epsilon$ outside the "
        r"square root in both. PyTorch decays first, $\theta \leftarrow \theta(1 - \gamma_t w)$, "
        r"then subtracts $\gamma_t u_t$. $u_t$ and $\theta_{t-1}$ are arbitrary reals; $\gamma_t > "
        r"0$, $w \ge 0$."
    ),
    proof=Proof(
        Characterization(
            # Only if: torch - paper = (alpha eta_t - gamma_t) u_t + (eta_t lambda - gamma_t w)
            # theta_{t-1}; it vanishes for every u_t, theta_{t-1} only if both coefficients do.
            necessary=Conditions(
                (Coefficients((u, theta_prev)),),
                (alpha * eta - lr, eta * decay_rate - lr * weight_decay),
            ),
            # If: with gamma_t = alpha eta_t and w = lambda/alpha, PyTorch's step is the paper's.
            sufficient=(
                Chain(
                    torch_step.subs(lr, alpha * eta).subs(weight_decay, decay_rate / alpha),
                    (
                        Link(
                            theta_prev - eta * decay_rate * theta_prev - alpha * eta * u,
                            r"Expand: PyTorch's decay $\gamma_t w = \alpha\eta_t\cdot"
                            r"\lambda/\alpha$ is $\eta_t\lambda$.",
                        ),
                        Link(
                            paper_step,
                            r"Factor $\eta_t$: the step of Alg. 2 line 12.",
                        ),
                    ),
                ),
            ),
        ),
        lemmas=(LERP_IS_EMA,),
        per_coordinate=True,
        remarks=(
            (
                r"Equal one-step maps from a common $\theta_0$, fed the same minibatch "
                r"gradients, give equal moments and iterates at every step."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact at every step and for every coordinate: the only dictionary is "
        r"$\gamma_t = \alpha\eta_t$ (a schedule such as LambdaLR on "
        r"lr $= \alpha$) and $w = \lambda/\alpha$, i.e. the paper's "
        r"$\lambda = \alpha w$. Copying the paper's $\lambda$ into weight_decay "
        r"decays $\alpha$ times as fast as the paper (too slowly for $\alpha < 1$); PyTorch's "
        r"default $w = 10^{-2}$ with "
        r"lr $= 10^{-3}$ is the paper's $\lambda = 10^{-5}$."
    ),
)

CLAIMS = (DECAY_CONVENTIONS,)
