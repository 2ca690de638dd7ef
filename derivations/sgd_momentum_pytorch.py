"""PyTorch's momentum buffer against paper Alg. 1's: equal under a constant schedule only.

``torch.optim.SGD`` keeps the learning rate outside its buffer, ``v_t = mu v_{t-1} + g_t`` and
``theta_t = theta_{t-1} - lr_t v_t``; Alg. 1 puts it inside, ``m_t = beta_1 m_{t-1} +
eta_t alpha g_t`` and ``theta_t = theta_{t-1} - m_t``. Two claims, per coordinate (the updates
are element-wise), judged by the kernel:

* ``pytorch-sgd-momentum-matches-alg1`` (induction, conditional): with ``mu = beta_1`` and
  ``lr_t = alpha eta_t`` the buffers satisfy ``m_t = alpha eta_t v_t`` at every step, so the
  iterates of Alg. 1 and PyTorch coincide -- under the assumption of a constant schedule,
  ``eta_{t+1} = eta_t``, which the verdict names.
* ``pytorch-sgd-momentum-schedule-gap`` (for all): if ``m_{t-1} = alpha eta_{t-1} v_{t-1}``
  then ``m_t - alpha eta_t v_t = alpha beta_1 (eta_{t-1} - eta_t) v_{t-1}``: when the schedule
  moves, PyTorch rescales the whole buffer by the current rate while Alg. 1 scales only the
  newest gradient.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Induction, Link, Proof, Statement
from wdproof.derivations.notation import alpha, beta1, t
from wdproof.derivations.sgd_momentum_history import PER_COORDINATE, PYTORCH_CONVENTION, g, mu, v

m = sp.IndexedBase("m")  # Alg. 1's momentum buffer
eta = sp.IndexedBase("eta")  # Alg. 1's schedule multiplier eta_t

# --- PyTorch's buffer vs Alg. 1's buffer ---------------------------------------------------
ALG1_AND_PYTORCH_BUFFERS = (
    # Alg. 1 line 8 from m_0 = 0 (g_t may include lambda' theta_{t-1}: both add it first).
    sp.Eq(m[t + 1], beta1 * m[t] + eta[t + 1] * alpha * g[t + 1]),
    sp.Eq(m[1], eta[1] * alpha * g[1]),
    # torch.optim.SGD, dampening 0; its first step copies the gradient.
    sp.Eq(v[t + 1], mu * v[t] + g[t + 1]),
    sp.Eq(v[1], g[1]),
)
same_momentum = sp.Eq(mu, beta1)
schedule_is_constant = sp.Eq(eta[t + 1], eta[t])

SETTING = (
    r"With $\mu = \beta_1$ and PyTorch's learning rate $\mathrm{lr}_t = \alpha\eta_t$, and the "
    r"same gradients $g_t$ fed to both buffers"
)

PYTORCH_SGD_MOMENTUM_MATCHES_ALG1 = Claim(
    id="pytorch-sgd-momentum-matches-alg1",
    title=r"torch.optim.SGD with momentum follows paper Alg. 1 ($m_t = \alpha\eta_t v_t$) "
    "when the schedule multiplier is constant",
    source="Loshchilov & Hutter 2019, Alg. 1 (main text); torch.optim.SGD; problem set Q1.a.ii",
    question="Q1.a.ii",
    statement=Statement.forall(
        m[t],
        alpha * eta[t] * v[t],
        hypotheses=(same_momentum,),
        definitions=ALG1_AND_PYTORCH_BUFFERS,
    ),
    statement_text=(
        SETTING + r", Alg. 1's buffer is PyTorch's scaled by the learning rate, "
        r"$m_t = \alpha\eta_t v_t$, at every step $t \ge 1$; then Alg. 1's step "
        r"$\theta_{t-1} - m_t$ is PyTorch's $\theta_{t-1} - \mathrm{lr}_t v_t$, so from a common "
        r"$\theta_0$ the iterates (and hence the gradients) coincide. Here $g_t$ is whatever the "
        r"buffer receives, so SGD + $L_2$ (added before the buffer in both) is covered, and "
        r"SGDW's decay $\eta_t\lambda\theta_{t-1}$ acts outside both buffers."
    ),
    conventions=PYTORCH_CONVENTION
    + r" Paper Alg. 1: $m_0 = 0$, $m_t = \beta_1 m_{t-1} + \eta_t\alpha g_t$, "
    r"$\theta_t = \theta_{t-1} - m_t$." + PER_COORDINATE,
    proof=Proof(
        Induction(
            t,
            1,
            base=Chain(
                m[1],
                (
                    Link(
                        alpha * eta[1] * g[1], r"Alg. 1 from $m_0 = 0$: $m_1 = \eta_1\alpha g_1$."
                    ),
                    Link(alpha * eta[1] * v[1], r"PyTorch's first buffer is $v_1 = g_1$."),
                ),
            ),
            step=Chain(
                m[t + 1],
                (
                    Link(
                        beta1 * m[t] + alpha * eta[t] * g[t + 1],
                        r"Alg. 1 line 8, with the constant schedule $\eta_{t+1} = \eta_t$.",
                    ),
                    Link(
                        beta1 * alpha * eta[t] * v[t] + alpha * eta[t] * g[t + 1],
                        r"The invariant at $t$ (induction hypothesis).",
                        cites=("hypothesis",),
                    ),
                    Link(
                        alpha * eta[t + 1] * v[t + 1],
                        r"PyTorch's buffer recurrence with $\mu = \beta_1$, and "
                        r"$\eta_t = \eta_{t+1}$ again.",
                    ),
                ),
            ),
        ),
        assumptions=(schedule_is_constant,),
        per_coordinate=True,
        remarks=(
            (
                r"Without the constant schedule the step fails by "
                r"$\alpha\beta_1(\eta_t - \eta_{t+1})v_t$ (claim "
                r"pytorch-sgd-momentum-schedule-gap); with $\beta_1 = 0$ that gap is zero for "
                r"every schedule."
            ),
        ),
    ),
    expect="conditional",
    explanation=(
        r"Identical iterates for every $t$ when the schedule multiplier is constant (induction "
        r"on the invariant $m_t = \alpha\eta_t v_t$, conditional on $\eta_{t+1} = \eta_t$); with "
        r"a changing learning rate PyTorch rescales the accumulated buffer by the current rate, "
        r"Alg. 1 only the newest gradient."
    ),
)

# --- One step under a moving schedule ---------------------------------------------------------
# One coordinate, one step: scalars for m_t, v_t and their predecessors, eta_{t-1} != eta_t.
m_c, m_prev_c, v_c, v_prev_c, g_c = sp.symbols("m_t m_t-1 v_t v_t-1 g_t", real=True)
eta_c, eta_prev_c = sp.symbols("eta_t eta_t-1", positive=True)
#: The buffers agree at t - 1: m_{t-1} = alpha eta_{t-1} v_{t-1}.
invariant_before = sp.Eq(m_prev_c, alpha * eta_prev_c * v_prev_c)
#: m_t - alpha eta_t v_t = alpha beta_1 (eta_{t-1} - eta_t) v_{t-1}.
schedule_gap = alpha * beta1 * (eta_prev_c - eta_c) * v_prev_c

PYTORCH_SGD_MOMENTUM_SCHEDULE_GAP = Claim(
    id="pytorch-sgd-momentum-schedule-gap",
    title="With a moving schedule, PyTorch's SGD buffer leaves Alg. 1's by "
    r"$\alpha\beta_1(\eta_{t-1} - \eta_t)v_{t-1}$",
    source="Loshchilov & Hutter 2019, Alg. 1 (main text); torch.optim.SGD; problem set Q1.a.ii",
    question="Q1.a.ii",
    statement=Statement.forall(
        m_c - alpha * eta_c * v_c,
        schedule_gap,
        hypotheses=(same_momentum, invariant_before),
        definitions=(
            sp.Eq(m_c, beta1 * m_prev_c + eta_c * alpha * g_c),
            sp.Eq(v_c, mu * v_prev_c + g_c),
        ),
    ),
    statement_text=(
        SETTING + r", if the buffers agree at step $t - 1$ ($m_{t-1} = \alpha\eta_{t-1}v_{t-1}$), "
        r"then at step $t$ Alg. 1's step $m_t$ exceeds PyTorch's $\mathrm{lr}_t v_t$ by exactly "
        r"$\alpha\beta_1(\eta_{t-1} - \eta_t)v_{t-1}$, for every $\eta_{t-1}, \eta_t > 0$: the "
        r"iterates part at the first step where the multiplier changes, unless $\beta_1 = 0$ or "
        r"$v_{t-1} = 0$."
    ),
    conventions=PYTORCH_CONVENTION
    + r" Paper Alg. 1: $m_t = \beta_1 m_{t-1} + \eta_t\alpha g_t$, $\theta_t = \theta_{t-1} - m_t$."
    + PER_COORDINATE,
    proof=Proof(
        Chain(
            m_c - alpha * eta_c * v_c,
            (
                Link(
                    beta1 * alpha * eta_prev_c * v_prev_c
                    + eta_c * alpha * g_c
                    - alpha * eta_c * (beta1 * v_prev_c + g_c),
                    r"Alg. 1 line 8 with the agreement at $t - 1$; PyTorch's buffer with "
                    r"$\mu = \beta_1$.",
                ),
                Link(
                    schedule_gap,
                    r"The new gradient enters both with the same factor $\alpha\eta_t$ and "
                    r"cancels; the old buffer is scaled by $\alpha\eta_{t-1}$ in Alg. 1 and by "
                    r"$\alpha\eta_t$ in PyTorch.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every coordinate: a schedule breaks the correspondence of claim "
        r"pytorch-sgd-momentum-matches-alg1 by $\alpha\beta_1(\eta_{t-1} - \eta_t)v_{t-1}$ at "
        r"the first step where $\eta_t$ changes; the gap is zero for $\beta_1 = 0$, which is "
        r"why the schedule does not matter without momentum."
    ),
)

CLAIMS = (PYTORCH_SGD_MOMENTUM_MATCHES_ALG1, PYTORCH_SGD_MOMENTUM_SCHEDULE_GAP)
