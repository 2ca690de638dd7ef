"""The schedule multiplies the step and the decay alike (paper Sec. 3, Alg. 1-2): decoupling holds
for every schedule, and a torch scheduler on lr scales lr * weight_decay (claims
``schedule-decay-stays-decoupled``, ``schedule-torch-scheduler-scales-decay``)."""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.kernel import Chain, Link, Proof, Statement
from wdproof.derivations.notation import alpha, beta1, decay_rate, eta
from wdproof.derivations.optimizer_conventions import (
    g_t,
    lr,
    m_prev,
    paper_step,
    theta_prev,
    torch_step,
    u,
    weight_decay,
)
from wdproof.derivations.schedules import (
    SEC3,
    schedule_claim,
)

# --- (a) The schedule multiplies the step and the decay ---------------------------------------
#: Paper Alg. 1 (SGDW): m_t = beta_1 m_{t-1} + eta_t alpha g_t, theta_t = theta_{t-1} - m_t -
#: eta_t lambda theta_{t-1} (g_t the raw minibatch gradient).
sgdw_step = theta_prev - (beta1 * m_prev + eta * alpha * g_t) - eta * decay_rate * theta_prev
DECAY_DECOUPLED = schedule_claim(
    "schedule-decay-stays-decoupled",
    r"$\eta_t$ scales both the gradient step and the decay: the decay stays decoupled from "
    r"$\alpha$ for every schedule",
    f"{SEC3} and Alg. 1 line 9 (SGDW), Alg. 2 line 12 (AdamW)",
    Statement.forall(
        sp.Matrix(
            [
                sp.Derivative(paper_step, alpha, decay_rate),
                sp.Derivative(sgdw_step, alpha, decay_rate),
                paper_step - paper_step.subs(decay_rate, 0),
                sgdw_step - sgdw_step.subs(decay_rate, 0),
            ]
        ),
        sp.Matrix([0, 0, -eta * decay_rate * theta_prev, -eta * decay_rate * theta_prev]),
    ),
    statement_text=(
        r"For every schedule multiplier $\eta_t$ (Alg. 1-2 line 'SetScheduleMultiplier(t)': "
        r"'can be fixed, decay, or be used for warm restarts'), AdamW's step $\theta_t = "
        r"\theta_{t-1} - \eta_t(\alpha u_t + \lambda\theta_{t-1})$ and SGDW's $\theta_t = "
        r"\theta_{t-1} - m_t - \eta_t\lambda\theta_{t-1}$ have no $\alpha\lambda$ interaction "
        r"($\partial^2\theta_t/\partial\alpha\partial\lambda = 0$) and their decay part, the step "
        r"minus the step at $\lambda = 0$, is $-\eta_t\lambda\theta_{t-1}$."
    ),
    conventions=(
        r"One step, per coordinate, from a given $\theta_{t-1}$, $m_{t-1}$ and raw gradient "
        r"$g_t$: AdamW's direction $u_t = \hat m_t/(\sqrt{\hat v_t}+\epsilon)$ is built from "
        r"raw gradients, so it involves neither $\alpha$ nor $\lambda$ (for Adam with $L_2$ it "
        r"would involve $\lambda$). $\eta_t > 0$ is any value a schedule takes at step $t$."
    ),
    proof=Proof(
        Chain(
            sp.Matrix(
                [
                    sp.Derivative(paper_step, alpha, decay_rate),
                    sp.Derivative(sgdw_step, alpha, decay_rate),
                    paper_step - paper_step.subs(decay_rate, 0),
                    sgdw_step - sgdw_step.subs(decay_rate, 0),
                ]
            ),
            (
                Link(
                    sp.Matrix(
                        [
                            sp.Derivative(-eta * u, decay_rate),
                            sp.Derivative(-eta * g_t, decay_rate),
                            -eta * decay_rate * theta_prev,
                            -eta * decay_rate * theta_prev,
                        ]
                    ),
                    r"Differentiate in $\alpha$: only the gradient step $\eta_t\alpha u_t$ "
                    r"($\eta_t\alpha g_t$ in $m_t$) holds $\alpha$; subtract the $\lambda = 0$ "
                    r"step: what is left is the decay term.",
                ),
                Link(
                    sp.Matrix(
                        [0, 0, -eta * decay_rate * theta_prev, -eta * decay_rate * theta_prev]
                    ),
                    r"$\eta_t u_t$ and $\eta_t g_t$ do not involve $\lambda$.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $\eta_t$, hence for every schedule (constant, cosine, warm restarts): "
        r"the schedule scales the decay to $\eta_t\lambda$, but the decay never meets $\alpha$, "
        r"so $\alpha$ and $\lambda$ can be tuned separately whatever the schedule. Which torch "
        r"arguments give this step is claim adamw-paper-decay-equals-torch-decay."
    ),
)

# --- (b) A torch scheduler on lr scales lr * weight_decay -------------------------------------
SCHEDULED_LR = sp.Eq(lr, alpha * eta)  # LambdaLR(lr = alpha, factor eta_t), or CosineAnnealingLR
FIXED_WEIGHT_DECAY = sp.Eq(weight_decay, decay_rate / alpha)  # set once, never scheduled
TORCH_SCHEDULER = schedule_claim(
    "schedule-torch-scheduler-scales-decay",
    r"A torch scheduler on AdamW's lr $= \alpha$ also scales lr $\times$ weight_decay; "
    r"weight_decay $= \lambda/\alpha$ gives paper AdamW with $\eta_t$",
    f"{SEC3} and Alg. 2 line 12; PyTorch documentation of torch.optim.AdamW and "
    "torch.optim.lr_scheduler",
    Statement.forall(
        sp.Matrix([torch_step, lr * weight_decay]),
        sp.Matrix([paper_step, eta * decay_rate]),
        hypotheses=(SCHEDULED_LR, FIXED_WEIGHT_DECAY),
    ),
    statement_text=(
        r"If a scheduler sets AdamW's learning rate to $\gamma_t = \alpha\eta_t$ at step $t$ "
        r"(base lr $\alpha$, multiplier $\eta_t$) and weight_decay is fixed at $w = "
        r"\lambda/\alpha$, then torch's decay $\gamma_t w$ is $\eta_t\lambda$ and torch's step is "
        r"paper Alg. 2's step with schedule $\eta_t$, at every step."
    ),
    conventions=(
        r"Per coordinate; $\alpha$ and $\lambda$ fixed for the run; torch's schedulers change "
        r"only the learning rate of each parameter group (LambdaLR sets $\alpha\eta_t$; "
        r"CosineAnnealingLR and CosineAnnealingWarmRestarts with minimum lr "
        r"$\alpha\eta_{\min}$ set $\alpha\eta_t$ by the homogeneity of the cosine in "
        r"$(\eta_{\min}, \eta_{\max})$), never weight_decay. "
        r"torch: $\theta(1 - \gamma_t w) - \gamma_t u_t$."
    ),
    proof=Proof(
        Chain(
            sp.Matrix([torch_step, lr * weight_decay]),
            (
                Link(
                    sp.Matrix(
                        [
                            theta_prev * (1 - alpha * eta * decay_rate / alpha) - alpha * eta * u,
                            alpha * eta * decay_rate / alpha,
                        ]
                    ),
                    r"The scheduler's $\gamma_t = \alpha\eta_t$ and the fixed $w = "
                    r"\lambda/\alpha$.",
                    cites=(SCHEDULED_LR, FIXED_WEIGHT_DECAY),
                ),
                Link(
                    sp.Matrix([paper_step, eta * decay_rate]),
                    r"$\alpha$ cancels in the decay: $\gamma_t w = \eta_t\lambda$; factor "
                    r"$\eta_t$: Alg. 2 line 12.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact at every step. A scheduler scales the learning rate and with it torch's decay "
        r"$\gamma_t w$: the paper's $\eta_t\lambda$, as Alg. 2 asks, when $w = \lambda/\alpha$ "
        r"and $\alpha$, $\lambda$ stay fixed (a scheduler that changed weight_decay, or a base "
        r"lr changed mid-run without rescaling $w$, would break it). The one-step dictionary is "
        r"claim adamw-paper-decay-equals-torch-decay."
    ),
)


CLAIMS = (
    DECAY_DECOUPLED,
    TORCH_SCHEDULER,
)
