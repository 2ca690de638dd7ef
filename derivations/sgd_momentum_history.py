"""What SGD + L2 with momentum does instead of weight decay: it decays a history of iterates.

PyTorch's ``torch.optim.SGD(lr, momentum=mu, weight_decay=lambda', dampening=0)`` steps

.. math::
    v_t = \\mu v_{t-1} + g_t + \\lambda' \\theta_{t-1} \\;(v_1 = g_1 + \\lambda' \\theta_0), \\qquad
    \\theta_t = \\theta_{t-1} - \\mathrm{lr}_t\\, v_t.

Claim ``sgd-l2-momentum-closed-form`` (induction over ``t``, SymPy ``Sum`` objects, per
coordinate: the update is element-wise): the buffer is

.. math:: v_t = \\sum_{i=1}^{t} \\mu^{t-i} g_i + \\lambda' \\theta_{t-1}
              + \\lambda' \\sum_{i=1}^{t-1} \\mu^{t-i} \\theta_{i-1},

so the L2 decay at step ``t`` acts on ``theta_{t-1}`` (what SGDW would decay) *and* on an
exponentially weighted tail of older iterates (what SGDW never revisits). How PyTorch's buffer
relates to Alg. 1's is :mod:`~wdproof.derivations.sgd_momentum_pytorch`; the symbols of
PyTorch's recurrence (``mu``, ``g``, ``theta``, ``v``) are shared with it from here.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Induction, Link, Proof, Statement
from wdproof.derivations.notation import l2_coefficient, t

mu = sp.Symbol("mu", nonnegative=True)  # PyTorch's momentum factor
i = sp.Symbol("i", integer=True, positive=True)
g = sp.IndexedBase("g")  # one coordinate of g_i = grad f_i(theta_{i-1})
theta = sp.IndexedBase("theta")  # the same coordinate of theta_i
v = sp.IndexedBase("v")  # PyTorch's momentum buffer

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
    return (
        gradient_history(upper)
        + l2_coefficient * theta[upper - 1]
        + l2_coefficient * iterate_tail(upper)
    )


#: PyTorch's buffer recurrence, one coordinate: v_{t+1} = mu v_t + g_{t+1} + lambda' theta_t
#: (t >= 1) from v_1 = g_1 + lambda' theta_0.
PYTORCH_L2_BUFFER = (
    sp.Eq(v[t + 1], mu * v[t] + g[t + 1] + l2_coefficient * theta[t]),
    sp.Eq(v[1], g[1] + l2_coefficient * theta[0]),
)

closed_form_statement = Statement.forall(v[t], buffer_closed_form(t), definitions=PYTORCH_L2_BUFFER)
#: The statement at t + 1 as the kernel writes it (the end of the induction step's chain).
closed_form_next = closed_form_statement.rhs.subs(t, t + 1)

SGD_L2_MOMENTUM_CLOSED_FORM = Claim(
    id="sgd-l2-momentum-closed-form",
    title=r"SGD + $L_2$ with momentum decays $\theta_{t-1}$ and an exponentially weighted tail "
    "of older iterates",
    source=r"Loshchilov & Hutter 2019, Alg. 1 (SGD with $L_2$ and momentum); torch.optim.SGD; "
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
                        g[1] + l2_coefficient * theta[0],
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
                        mu * v[t] + g[t + 1] + l2_coefficient * theta[t],
                        r"PyTorch's buffer recurrence.",
                    ),
                    Link(
                        mu * buffer_closed_form(t) + g[t + 1] + l2_coefficient * theta[t],
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
        r"Holds for every $t$ (induction over $t$, sums of $t$ terms) and every coordinate: with "
        r"momentum, $L_2$ decays the exponentially weighted history of iterates, which is why "
        r"no constant decoupled decay reproduces it (claim "
        r"sgd-momentum-l2-equals-constant-decay); with $\mu = 0$ the tail is empty."
    ),
)

CLAIMS = (SGD_L2_MOMENTUM_CLOSED_FORM,)
