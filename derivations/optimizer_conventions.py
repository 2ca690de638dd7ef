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

For a constant gradient ``g`` the moments have closed forms, proved by induction over ``k`` for
any exponential moving average ``e_{k+1} = beta e_k + (1 - beta) c``, ``e_0 = 0``:
``e_k = (1 - beta^k) c`` (claim ``adam-moments-constant-gradient``; ``m_t`` is the case
``(beta, c) = (beta_1, g)``, ``v_t`` the case ``(beta_2, g^2)``). With them the bias-corrected
step is ``alpha g/(|g| + eps)`` at every ``t`` (``adam-bias-correction-constant-gradient``) and
the uncorrected one is ``(1-beta_1^t)/sqrt(1-beta_2^t)`` times ``alpha g/(|g| + eps/sqrt(1 -
beta_2^t))`` (``adam-uncorrected-step-constant-gradient``).

:data:`DEFINITIONS` holds the update rules as their sources write them; :data:`UPDATE_RULES`
the same equations as ``(name, Eq)`` pairs for the solution key's Q2.a section.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Definition
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Induction,
    Lemma,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, beta1, beta2, eps, eta, lam, t

# --- Symbols (one coordinate: Adam is element-wise) -------------------------------------------
theta_prev, theta_next = sp.symbols(r"\theta_{t-1} \theta_t", real=True)
grad_f = sp.Symbol(r"\nabla f_t(\theta_{t-1})", real=True)  # the minibatch gradient
g_t, m_prev, v_prev = sp.symbols("g_t m_{t-1} v_{t-1}", real=True)
m_t = sp.Symbol("m_t", real=True)
v_t = sp.Symbol("v_t", real=True)  # no sign assumption: sqrt(v_t/(1 - beta_2^t)) stays whole
m_hat = sp.Symbol(r"\hat{m}_t", real=True)
v_hat = sp.Symbol(r"\hat{v}_t", nonnegative=True)
#: PyTorch's learning rate at step t (``lr`` times any scheduler factor) and ``weight_decay``
#: (PyTorch's documentation calls it lambda; ``w`` here, to keep it apart from the paper's).
lr = sp.Symbol(r"\gamma_t", positive=True)
wd = sp.Symbol("w", nonnegative=True)

adam_direction = m_hat / (sp.sqrt(v_hat) + eps)
#: Paper Alg. 2 line 12 (AdamW): decay eta_t lambda, not scaled by alpha.
paper_adamw_step = theta_prev - eta * (alpha * adam_direction + lam * theta_prev)
#: torch.optim.AdamW: theta <- theta (1 - gamma_t w), then theta <- theta - gamma_t u_t.
torch_adamw_step = theta_prev * (1 - lr * wd) - lr * adam_direction

first_moment = sp.Eq(m_t, beta1 * m_prev + (1 - beta1) * g_t)
second_moment = sp.Eq(v_t, beta2 * v_prev + (1 - beta2) * g_t**2)
bias_corrections = sp.Eq(
    sp.Tuple(m_hat, v_hat), sp.Tuple(m_t / (1 - beta1**t), v_t / (1 - beta2**t))
)

#: ``(name, equation)`` pairs: the Adam/AdamW update of paper Alg. 2 and of torch.optim.
UPDATE_RULES: tuple[tuple[str, sp.Eq], ...] = (
    ("first moment", first_moment),
    ("second moment", second_moment),
    ("bias corrections", bias_corrections),
    (
        "Adam (torch.optim.Adam, L2 weight_decay added to g_t)",
        sp.Eq(theta_next, theta_prev - lr * adam_direction),
    ),
    ("AdamW, torch.optim.AdamW", sp.Eq(theta_next, torch_adamw_step)),
    ("AdamW, paper Alg. 2", sp.Eq(theta_next, paper_adamw_step)),
)

PAPER_ALG2 = Definition(
    id="adamw-paper-alg2",
    title="Adam with L2 regularization and AdamW, as paper Alg. 2 writes them",
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
        ("line 6, Adam with L2", sp.Eq(g_t, grad_f + lam * theta_prev)),
        ("line 6, AdamW", sp.Eq(g_t, grad_f)),
        ("line 7", first_moment),
        ("line 8", second_moment),
        ("lines 9-10", bias_corrections),
        ("line 12, Adam with L2", sp.Eq(theta_next, theta_prev - eta * alpha * adam_direction)),
        ("line 12, AdamW", sp.Eq(theta_next, paper_adamw_step)),
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
        ("Adam: gradient with weight_decay", sp.Eq(g_t, grad_f + wd * theta_prev)),
        ("Adam: step", sp.Eq(theta_next, theta_prev - lr * adam_direction)),
        ("AdamW: gradient", sp.Eq(g_t, grad_f)),
        ("AdamW: decay, then step", sp.Eq(theta_next, torch_adamw_step)),
    ),
)

DEFINITIONS = (PAPER_ALG2, TORCH_ADAM)

# --- Claim 1: the decay conventions --------------------------------------------------------
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
        "torch.optim.AdamW takes paper Alg. 2's step iff lr_t = alpha eta_t, weight_decay = "
        "lambda/alpha"
    ),
    source=(
        "paper Alg. 2 (main text), line 12; PyTorch documentation of torch.optim.AdamW; problem "
        "set Q2.a"
    ),
    question="Q2.a",
    statement=Statement.solution_set(
        [lr, wd], torch_step, paper_step, sp.FiniteSet(sp.Tuple(alpha * eta, lam / alpha))
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
        r"Per coordinate (Adam is element-wise). Both methods compute $u_t$ from the raw "
        r"gradient at $\theta_{t-1}$ with the same moments and bias corrections (Alg. 2 lines "
        r"7-10; PyTorch documents the same recurrences and implements the first one as "
        r"exp_avg.lerp_(g, 1 - beta1), checked as a lemma), with $\epsilon$ outside "
        r"the square root in both. PyTorch decays first, $\theta \leftarrow \theta(1 - "
        r"\gamma_t w)$, then subtracts $\gamma_t u_t$. $u_t$ and $\theta_{t-1}$ are real symbols; "
        r"$\gamma_t > 0$, $w \ge 0$."
    ),
    proof=Proof(
        Characterization(
            # Only if: torch - paper = (alpha eta_t - gamma_t) u_t + (eta_t lambda - gamma_t w)
            # theta_{t-1}; it vanishes for every u_t, theta_{t-1} only if both coefficients do.
            necessary=Conditions(
                (Coefficients((u, theta_prev)),),
                (alpha * eta - lr, eta * lam - lr * wd),
            ),
            # If: with gamma_t = alpha eta_t and w = lambda/alpha, PyTorch's step is the paper's.
            sufficient=(
                Chain(
                    torch_step.subs(lr, alpha * eta).subs(wd, lam / alpha),
                    (
                        Link(
                            theta_prev - eta * lam * theta_prev - alpha * eta * u,
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

# --- Claim 2: the moments of a constant gradient, by induction --------------------------------
ema = sp.IndexedBase("e")
k = sp.Symbol("k", integer=True, nonnegative=True)
beta = sp.Symbol("beta", nonnegative=True)
c = sp.Symbol("c", real=True)  # the constant input: g for m_t, g^2 for v_t
ema_recurrence = sp.Eq(ema[k + 1], beta * ema[k] + (1 - beta) * c)
ema_start = sp.Eq(ema[0], 0)
ema_closed_form = (1 - beta**k) * c

MOMENTS = Claim(
    id="adam-moments-constant-gradient",
    title="A moment that averages a constant input c from 0 is (1 - beta^k) c after k steps",
    source=(
        "paper Alg. 2 (main text), lines 7-8, with m_0 = v_0 = 0; lecture notes 002, second "
        "slide 'Adam property I: bias correction' (E[m_t] = (1 - beta_1^t) mu)"
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
        r"Per coordinate; $\beta \ge 0$ and $c$ real are symbols, $k$ a nonnegative integer "
        r"symbol: the closed form is proved for every $k$, not sampled. The recurrence and the "
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

# --- Claim 3: what bias correction buys, for every t ------------------------------------------
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
    r"root), base rate $\alpha$; $g$ real, $t \ge 1$ an integer symbol, "
    r"$0 \le \beta_1, \beta_2 < 1$ so that $1 - \beta_i^t > 0$. The hypotheses are the closed "
    r"forms of claim adam-moments-constant-gradient at $(\beta_1, g)$ and "
    r"$(\beta_2, g^2)$."
)

BIAS_CORRECTION = Claim(
    id="adam-bias-correction-constant-gradient",
    title="With a constant gradient g, bias-corrected Adam steps alpha g/(|g| + eps) at every t",
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
        "Without bias correction a constant gradient's step is (1 - beta1^t)/sqrt(1 - beta2^t) "
        "times a step with eps inflated"
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

CLAIMS = (DECAY_CONVENTIONS, MOMENTS, BIAS_CORRECTION, UNCORRECTED)
