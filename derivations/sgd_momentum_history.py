"""What SGD + L2 with momentum does instead of weight decay, and PyTorch's vs the paper's buffer.

PyTorch's ``torch.optim.SGD(lr, momentum=mu, weight_decay=lambda', dampening=0)`` steps

.. math::
    v_t = \\mu v_{t-1} + g_t + \\lambda' \\theta_{t-1} \\;(v_1 = g_1 + \\lambda' \\theta_0), \\qquad
    \\theta_t = \\theta_{t-1} - \\mathrm{lr}_t\\, v_t.

Three claims, all per coordinate (the updates are element-wise), judged by the kernel:

* ``sgd-l2-momentum-closed-form`` (induction over ``t``, SymPy ``Sum`` objects): the buffer is

  .. math:: v_t = \\sum_{i=1}^{t} \\mu^{t-i} g_i + \\lambda' \\theta_{t-1}
                + \\lambda' \\sum_{i=1}^{t-1} \\mu^{t-i} \\theta_{i-1},

  so the L2 decay at step ``t`` acts on ``theta_{t-1}`` (what SGDW would decay) *and* on an
  exponentially weighted tail of older iterates (what SGDW never revisits).
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
from wdproof.derivations.notation import alpha, beta1, lam_l2, t

mu = sp.Symbol("mu", nonnegative=True)  # PyTorch's momentum factor
i = sp.Symbol("i", integer=True, positive=True)
g = sp.IndexedBase("g")  # one coordinate of g_i = grad f_i(theta_{i-1})
theta = sp.IndexedBase("theta")  # the same coordinate of theta_i
v = sp.IndexedBase("v")  # PyTorch's momentum buffer
m = sp.IndexedBase("m")  # Alg. 1's momentum buffer
eta = sp.IndexedBase("eta")  # Alg. 1's schedule multiplier eta_t

PYTORCH_CONVENTION = (
    r"PyTorch's torch.optim.SGD with dampening 0 and no Nesterov: "
    r"$g_t = \nabla f_t(\theta_{t-1})$; "
    r"weight_decay $\lambda'$ is added to the gradient before the buffer, "
    r"$v_t = \mu v_{t-1} + g_t + \lambda'\theta_{t-1}$, and the first step sets "
    r"$v_1 = g_1 + \lambda'\theta_0$ (as if $v_0 = 0$); $\theta_t = \theta_{t-1} - "
    r"\mathrm{lr}_t v_t$, the learning rate outside the buffer."
)
PER_COORDINATE = r" The update is element-wise, so the statement is written for one coordinate."


def gradient_history(upper: sp.Expr) -> sp.Sum:
    """``sum_{i=1}^{T} mu^{T-i} g_i``."""
    return sp.Sum(mu ** (upper - i) * g[i], (i, 1, upper))


def iterate_tail(upper: sp.Expr) -> sp.Sum:
    """``sum_{i=1}^{T-1} mu^{T-i} theta_{i-1}``: the older iterates the L2 buffer still decays."""
    return sp.Sum(mu ** (upper - i) * theta[i - 1], (i, 1, upper - 1))


def buffer_closed_form(upper: sp.Expr) -> sp.Expr:
    """``v_T = sum mu^{T-i} g_i + lambda' theta_{T-1} + lambda' sum_{i<T} mu^{T-i} theta_{i-1}``."""
    return gradient_history(upper) + lam_l2 * theta[upper - 1] + lam_l2 * iterate_tail(upper)


#: PyTorch's buffer recurrence, one coordinate: v_{t+1} = mu v_t + g_{t+1} + lambda' theta_t
#: (t >= 1) from v_1 = g_1 + lambda' theta_0.
PYTORCH_L2_BUFFER = (
    sp.Eq(v[t + 1], mu * v[t] + g[t + 1] + lam_l2 * theta[t]),
    sp.Eq(v[1], g[1] + lam_l2 * theta[0]),
)

closed_form_statement = Statement.forall(v[t], buffer_closed_form(t), definitions=PYTORCH_L2_BUFFER)
#: The statement at t + 1 as the kernel writes it (the end of the induction step's chain).
closed_form_next = closed_form_statement.rhs.subs(t, t + 1)

SGD_L2_MOMENTUM_CLOSED_FORM = Claim(
    id="sgd-l2-momentum-closed-form",
    title="SGD + L2 with momentum decays theta_{t-1} and an exponentially weighted tail of "
    "older iterates",
    source="Loshchilov & Hutter 2019, Alg. 1 (SGD with L2 and momentum); torch.optim.SGD; "
    "problem set Q1.a.ii",
    question="Q1.a.ii",
    statement=closed_form_statement,
    statement_text=(
        r"For every step $t \ge 1$, every coordinate, every gradient sequence and every momentum "
        r"$\mu$, PyTorch's SGD + $L_2$ buffer is "
        r"$v_t = \sum_{i=1}^{t} \mu^{t-i} g_i + \lambda'\theta_{t-1} + "
        r"\lambda'\sum_{i=1}^{t-1} \mu^{t-i}\theta_{i-1}$, so "
        r"$\theta_t = \theta_{t-1} - \mathrm{lr}\, v_t$ decays $\theta_{t-1}$ by "
        r"$\mathrm{lr}\,\lambda'$ (the SGDW-like part) and, in addition, the older iterates "
        r"$\theta_{i-1}$ with weights $\mathrm{lr}\,\lambda'\mu^{t-i}$ (a momentum tail SGDW never "
        r"applies)."
    ),
    conventions=PYTORCH_CONVENTION + PER_COORDINATE,
    proof=Proof(
        Induction(
            t,
            1,
            base=Chain(
                buffer_closed_form(1),
                (
                    Link(
                        g[1] + lam_l2 * theta[0],
                        r"At $t = 1$ the gradient history is $g_1$ and the tail is the empty sum.",
                    ),
                    Link(
                        v[1],
                        r"That is PyTorch's first buffer $v_1 = g_1 + \lambda'\theta_0$.",
                    ),
                ),
            ),
            step=Chain(
                v[t + 1],
                (
                    Link(
                        mu * v[t] + g[t + 1] + lam_l2 * theta[t],
                        r"PyTorch's buffer recurrence.",
                    ),
                    Link(
                        mu * buffer_closed_form(t) + g[t + 1] + lam_l2 * theta[t],
                        r"The statement at $t$ (induction hypothesis).",
                        cites=("hypothesis",),
                    ),
                    Link(
                        closed_form_next,
                        r"Multiply $\mu$ into the sums; the new gradient $g_{t+1}$ is the last "
                        r"term of the gradient history, $\mu\lambda'\theta_{t-1}$ the last term "
                        r"of the tail, and $\lambda'\theta_t$ the new current-iterate term.",
                    ),
                ),
            ),
        ),
        per_coordinate=True,
        remarks=(
            r"With $\mu = 0$ the tail vanishes and $v_t = g_t + \lambda'\theta_{t-1}$: Prop. 1.",
        ),
    ),
    expect="proved",
    explanation=(
        r"Holds for symbolic $t$ (induction with SymPy Sum objects) and every coordinate: with "
        r"momentum, $L_2$ decays the exponentially weighted history of iterates, which is why "
        r"no constant decoupled decay reproduces it (claim "
        r"sgd-momentum-l2-equals-constant-decay); with $\mu = 0$ the tail is empty."
    ),
)

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
constant_schedule = sp.Eq(eta[t + 1], eta[t])

SETTING = (
    r"With $\mu = \beta_1$ and PyTorch's learning rate $\mathrm{lr}_t = \alpha\eta_t$, and the "
    r"same gradients $g_t$ fed to both buffers"
)

PYTORCH_SGD_MOMENTUM_MATCHES_ALG1 = Claim(
    id="pytorch-sgd-momentum-matches-alg1",
    title="torch.optim.SGD with momentum follows paper Alg. 1 (buffers m_t = alpha eta_t v_t) "
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
        assumptions=(constant_schedule,),
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
    "alpha beta_1 (eta_{t-1} - eta_t) v_{t-1}",
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

CLAIMS = (
    SGD_L2_MOMENTUM_CLOSED_FORM,
    PYTORCH_SGD_MOMENTUM_MATCHES_ALG1,
    PYTORCH_SGD_MOMENTUM_SCHEDULE_GAP,
)
