"""What SGD + L2 with momentum does instead of weight decay, and PyTorch's vs the paper's buffer.

PyTorch's ``torch.optim.SGD(lr, momentum=mu, weight_decay=lambda', dampening=0)`` steps

.. math::
    v_t = \\mu v_{t-1} + (g_t + \\lambda' \\theta_{t-1}) \\;(v_1 = g_1 + \\lambda' \\theta_0), \\qquad
    \\theta_t = \\theta_{t-1} - \\mathrm{lr}_t\\, v_t,

so (claim ``sgd-l2-momentum-closed-form``, symbolic ``t``, per coordinate)

.. math:: v_t = \\sum_{i=1}^{t} \\mu^{t-i} (g_i + \\lambda' \\theta_{i-1}):

the L2 decay at step ``t`` acts through the exponentially weighted history of iterates, not
on ``theta_{t-1}`` alone. Claim ``pytorch-sgd-momentum-matches-alg1``: with a constant schedule
PyTorch's iterates equal paper Alg. 1's (invariant ``m_t = alpha eta v_t``); when the learning
rate changes over time PyTorch rescales the whole buffer by the current rate while Alg. 1
scales only the newest gradient, and the two differ.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, beta1, eta, lam_l2, t, vector

mu = sp.Symbol("mu", nonnegative=True)  # PyTorch's momentum factor
i = sp.Symbol("i", integer=True, positive=True)
g = sp.IndexedBase("g")  # one coordinate of g_i = grad f_i(theta_{i-1})
theta = sp.IndexedBase("theta")  # the same coordinate of theta_i
v = sp.IndexedBase("v")

PYTORCH_CONVENTION = (
    r"PyTorch's torch.optim.SGD with dampening 0 and no Nesterov: $g_t = \nabla f_t(\theta_{t-1})$; "
    r"weight_decay $\lambda'$ is added to the gradient before the buffer, "
    r"$v_t = \mu v_{t-1} + g_t + \lambda'\theta_{t-1}$, and the first step sets "
    r"$v_1 = g_1 + \lambda'\theta_0$ (as if $v_0 = 0$); $\theta_t = \theta_{t-1} - "
    r"\mathrm{lr}_t v_t$, the learning rate outside the buffer."
)


def sums_cancel(expr: sp.Basic, top: sp.Expr = t) -> bool:
    """True when ``expr``, a combination of ``Sum``s over ``i`` and plain terms, is zero.

    Every ``Sum`` with upper limit ``top + k`` (integer ``k``) is rewritten with upper limit
    ``top`` by peeling off (``k > 0``) or adding back (``k < 0``) its last terms; scalar factors
    are moved inside; sums with the same lower limit are merged. The check passes only if each
    merged summand and the remaining plain terms both simplify to zero -- a sufficient
    condition, so it can fail but cannot pass a false identity.
    """

    def normalise(s: sp.Sum) -> sp.Expr:
        ((index, low, high),) = s.limits
        body = s.function.subs(index, i)
        k = sp.simplify(high - top)
        if not k.is_integer:
            raise ValueError(f"upper limit {high} is not {top} + integer")
        k = int(k)
        head = sp.Sum(body, (i, low, top))
        if k >= 0:
            return head + sum((body.subs(i, top + j) for j in range(1, k + 1)), sp.S.Zero)
        return head - sum((body.subs(i, top + j) for j in range(k + 1, 1)), sp.S.Zero)

    expr = sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum), normalise))
    merged: dict[sp.Expr, sp.Expr] = {}
    rest = sp.S.Zero
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            if sums:
                return False
            rest += term
            continue
        (s,) = sums
        factor = term / s
        if i in factor.free_symbols:
            return False
        low = s.limits[0][1]
        merged[low] = merged.get(low, sp.S.Zero) + factor * s.function
    summands_vanish = all(
        sp.simplify(sp.powsimp(sp.expand(body), force=True)) == 0 for body in merged.values()
    )
    return summands_vanish and sp.simplify(rest) == 0


def buffer_closed_form(upper: sp.Expr) -> sp.Sum:
    """``v_T = sum_{i=1}^{T} mu^{T-i} (g_i + lambda' theta_{i-1})`` (one coordinate)."""
    return sp.Sum(mu ** (upper - i) * (g[i] + lam_l2 * theta[i - 1]), (i, 1, upper))


def gradient_history(upper: sp.Expr) -> sp.Sum:
    return sp.Sum(mu ** (upper - i) * g[i], (i, 1, upper))


def iterate_history(upper: sp.Expr) -> sp.Sum:
    return sp.Sum(mu ** (upper - i) * theta[i - 1], (i, 1, upper))


SGD_L2_MOMENTUM_CLOSED_FORM = Claim(
    id="sgd-l2-momentum-closed-form",
    title="SGD + L2 with momentum decays an exponentially weighted history of iterates",
    source="Loshchilov & Hutter 2019, Alg. 1 (SGD with L2 and momentum); problem set Q1.a.ii",
    question="Q1.a.ii",
    statement=sp.Eq(v[t], buffer_closed_form(t)),
    statement_text=(
        r"For every step $t \ge 1$, every coordinate, every gradient sequence and every momentum "
        r"$\mu$, PyTorch's SGD + $L_2$ buffer is "
        r"$v_t = \sum_{i=1}^{t} \mu^{t-i}(g_i + \lambda'\theta_{i-1})$, so "
        r"$\theta_t = \theta_{t-1} - \mathrm{lr}\, v_t$ applies the decay "
        r"$\mathrm{lr}\,\lambda' \sum_{i=1}^{t} \mu^{t-i}\theta_{i-1}$ to an exponentially weighted "
        r"history of iterates: the SGDW-like decay of $\theta_{t-1}$ plus a momentum tail of "
        r"older iterates."
    ),
    conventions=PYTORCH_CONVENTION
    + " The update is element-wise, so every step below is stated for one coordinate.",
    steps=(
        Identity(
            r"Base case $t = 1$: the closed form is PyTorch's first buffer "
            r"$g_1 + \lambda'\theta_0$.",
            buffer_closed_form(1),
            g[1] + lam_l2 * theta[0],
        ),
        Identity(
            r"Induction step, per coordinate: the closed form at $t + 1$ is $\mu$ times the closed "
            r"form at $t$ plus the new regularized gradient, which is the buffer recurrence.",
            buffer_closed_form(t + 1),
            mu * buffer_closed_form(t) + g[t + 1] + lam_l2 * theta[t],
            check=sums_cancel,
        ),
        Identity(
            r"By linearity the buffer splits into a gradient history and $\lambda'$ times an "
            r"iterate history.",
            buffer_closed_form(t),
            gradient_history(t) + lam_l2 * iterate_history(t),
            check=sums_cancel,
        ),
        Identity(
            r"The iterate history is the current iterate $\theta_{t-1}$, which SGDW would decay, "
            r"plus older iterates weighted by $\mu^{t-i}$, which SGDW never revisits.",
            iterate_history(t),
            theta[t - 1] + sp.Sum(mu ** (t - i) * theta[i - 1], (i, 1, t - 1)),
            check=sums_cancel,
        ),
    ),
    verdict=Verdict.proved(
        r"Holds for symbolic $t$ (induction with SymPy Sum objects) and every coordinate; with "
        r"$\mu = 0$ the history collapses to $\theta_{t-1}$ and Prop. 1 is recovered."
    ),
)

# --- PyTorch's buffer vs Alg. 1's buffer ---------------------------------------------------
m_prev, v_prev, grad = vector("m_t-1"), vector("v_t-1"), vector("g_t")
eta_prev = sp.Symbol("eta_t-1", positive=True)
paper_buffer = beta1 * m_prev + eta * alpha * grad  # Alg. 1 line 8 (g_t may include lambda' theta)
pytorch_buffer = mu * v_prev + grad  # torch.optim.SGD, dampening 0
first_buffer = sp.ZeroMatrix(*grad.shape)  # m_0 = v_0 = 0
eta_first, grad_first = sp.Symbol("eta_1", positive=True), vector("g_1")
lr = alpha * eta  # PyTorch learning rate that Alg. 1's alpha eta_t corresponds to

PYTORCH_SGD_MOMENTUM_MATCHES_ALG1 = Claim(
    id="pytorch-sgd-momentum-matches-alg1",
    title="torch.optim.SGD with momentum equals paper Alg. 1 when the schedule multiplier is constant",
    source="Loshchilov & Hutter 2019, Alg. 1; torch.optim.SGD; problem set Q1.a.ii",
    question="Q1.a.ii",
    statement=sp.Eq(vector("m_t"), lr * vector("v_t")),
    statement_text=(
        r"With $\mu = \beta_1$, $\mathrm{lr} = \alpha\eta$ and a constant multiplier "
        r"$\eta_t = \eta$, PyTorch's SGD (with or without weight_decay $\lambda'$) and Alg. 1 "
        r"produce identical iterates at every step, the buffers related by "
        r"$m_t = \alpha\eta\, v_t$; if the multiplier changes between steps (a schedule) and "
        r"$\beta_1 > 0$, the invariant breaks at the first step where $\eta_t \ne \eta_{t-1}$ "
        r"and the iterates differ there unless the buffer $v_{t-1}$ is zero."
    ),
    conventions=PYTORCH_CONVENTION
    + r" Paper Alg. 1: $m_0 = 0$, $m_t = \beta_1 m_{t-1} + \eta_t\alpha g_t$, "
    r"$\theta_t = \theta_{t-1} - m_t$. Here $g_t$ is whatever gradient the buffer receives, so "
    r"the $L_2$ variant (added before the buffer in both) is covered.",
    steps=(
        Identity(
            r"Base case: from $m_0 = 0$ the first buffers are $\eta_1\alpha g_1$ and $g_1$, so "
            r"$m_1 = \alpha\eta_1 v_1$.",
            vector("m_1"),
            alpha * eta_first * vector("v_1"),
            given={
                vector("m_1"): beta1 * first_buffer + eta_first * alpha * grad_first,
                vector("v_1"): grad_first,  # PyTorch's first step copies the gradient
            },
        ),
        Identity(
            r"Induction step: if $m_{t-1} = \alpha\eta\, v_{t-1}$, $\mu = \beta_1$ and $\eta$ is "
            r"unchanged, then $m_t = \alpha\eta\, v_t$.",
            paper_buffer,
            lr * pytorch_buffer,
            given={m_prev: lr * v_prev, mu: beta1},
        ),
        Identity(
            r"Under that invariant the iterate updates agree: "
            r"$\theta_{t-1} - m_t = \theta_{t-1} - \mathrm{lr}\, v_t$.",
            vector("theta_t-1") - paper_buffer,
            vector("theta_t-1") - lr * pytorch_buffer,
            given={m_prev: lr * v_prev, mu: beta1},
        ),
        Identity(
            r"With a schedule, $m_{t-1} = \alpha\eta_{t-1} v_{t-1}$ leaves a gap between $m_t$ and "
            r"$\mathrm{lr}_t v_t = \alpha\eta_t v_t$ proportional to $\eta_{t-1} - \eta_t$.",
            paper_buffer - lr * pytorch_buffer,
            beta1 * alpha * (eta_prev - eta) * v_prev,
            given={m_prev: alpha * eta_prev * v_prev, mu: beta1},
        ),
        Solution(
            r"For $\beta_1 > 0$ and $v_{t-1} \ne 0$ the gap vanishes only if "
            r"$\eta_t = \eta_{t-1}$.",
            sp.Eq(sp.Symbol("beta_1", positive=True) * alpha * (eta_prev - eta), 0),
            eta,
            sp.FiniteSet(eta_prev),
        ),
    ),
    verdict=Verdict.conditional(
        r"the schedule multiplier is constant ($\eta_t = \eta$ for all $t$, "
        r"$\mathrm{lr} = \alpha\eta$, $\mu = \beta_1$), or $\beta_1 = 0$",
        r"Identical iterates for every $n$ and $t$ under a constant schedule (induction on the "
        r"invariant $m_t = \alpha\eta\, v_t$); with a changing learning rate PyTorch rescales "
        r"the accumulated buffer by the current rate, Alg. 1 only the newest gradient.",
    ),
)

CLAIMS = (SGD_L2_MOMENTUM_CLOSED_FORM, PYTORCH_SGD_MOMENTUM_MATCHES_ALG1)
