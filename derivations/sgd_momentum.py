"""SGD with momentum: decoupling weight decay gives SGDW (paper Alg. 1; problem set Q1.a.ii).

Paper Algorithm 1 (main text; schedule multiplier ``eta_t``, learning rate ``alpha`` inside the
buffer, ``m_0 = 0``, gradient at the previous iterate ``g_t = grad f_t(theta_{t-1})``; the paper
writes one ``lambda`` for both methods, the ledger writes ``lambda'`` for the L2 coefficient):

.. math::
    m_t = \\beta_1 m_{t-1} + \\eta_t \\alpha (g_t + \\lambda' \\theta_{t-1}), \\qquad
    \\theta_t = \\theta_{t-1} - m_t                       \\quad\\text{(SGD + L2)}

.. math::
    m_t = \\beta_1 m_{t-1} + \\eta_t \\alpha g_t, \\qquad
    \\theta_t = \\theta_{t-1} - m_t - \\eta_t \\lambda \\theta_{t-1}  \\quad\\text{(SGDW)}

These update rules are :class:`~wdproof.derivations.claim.Definition` objects (``DEFINITIONS``),
as is the lecture's momentum rule and its "equivalent form" (lecture notes 004, slide
"Weight Decay V"); :func:`sgd_l2_momentum_step` and :func:`sgdw_momentum_step` write them once
for every claim of the family. Two one-step claims are judged here:

* ``sgdw-decay-independent-of-alpha`` (for all, per coordinate): at a fixed state
  ``(theta_{t-1}, m_{t-1}, g_t)`` the SGDW step responds to ``alpha`` only through the
  gradient, ``d theta_t / d alpha = -eta_t g_t``: its decay factor ``1 - eta_t lambda`` does not
  depend on ``alpha``. (For SGD + L2 the same derivative is ``-eta_t (g_t + lambda' theta_{t-1})``.)
* ``sgdw-equals-l2-without-momentum`` (solution set): with ``beta_1 = 0`` the one-step maps agree
  for every ``theta_{t-1}`` and ``g_t`` exactly when ``lambda = alpha lambda'``, for every
  ``eta_t > 0`` (Prop. 1 survives the schedule).

With ``beta_1 > 0`` no constant decay reproduces SGD + L2
(:mod:`~wdproof.derivations.sgd_momentum_constant_decay`). Vectors are ``n x 1``
``MatrixSymbol`` objects of symbolic size ``n`` (every dimension), except in the per-coordinate
derivative claim, whose update is the same scalar map in every coordinate.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Definition
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.notation import alpha, beta1, decay_rate, eta, l2_coefficient, vector

SOURCE = "Loshchilov & Hutter 2019, Alg. 1 (main text); problem set Q1.a.ii"
PAPER_CONVENTION = (
    r"Paper Alg. 1: $m_0 = 0$; $g_t = \nabla f_t(\theta_{t-1})$; "
    r"$m_t = \beta_1 m_{t-1} + \eta_t \alpha g_t$ (the learning rate $\alpha$ and the schedule "
    r"multiplier $\eta_t$ sit inside the buffer); SGD + $L_2$ replaces $g_t$ by "
    r"$g_t + \lambda'\theta_{t-1}$ before the buffer (line 6); SGDW subtracts "
    r"$\eta_t\lambda\theta_{t-1}$ from the iterate outside the buffer (line 9). The paper writes "
    r"$\lambda$ for both factors; here $\lambda'$ is the $L_2$ coefficient. PyTorch's "
    r"torch.optim.SGD keeps the learning rate outside its buffer (claim "
    r"pytorch-sgd-momentum-matches-alg1 relates the two)."
)

theta_prev = vector("theta_t-1")
m_prev = vector("m_t-1")
grad = vector("g_t")  # g_t = grad f_t(theta_{t-1}), any vector


def momentum_buffer(previous, gradient, eta=eta, beta1=beta1):
    """Alg. 1 line 8: ``m_t = beta_1 m_{t-1} + eta_t alpha g_t``."""
    # m_t = beta_1 m_{t-1} + eta_t alpha g_t
    return beta1 * previous + eta * alpha * gradient


def sgd_l2_momentum_step(theta, m, gradient, l2_coefficient=l2_coefficient, eta=eta, beta1=beta1):
    """SGD + L2 with momentum, one step: ``(theta_t, m_t)``; the L2 gradient joins the buffer."""
    # lines 6, 8: m_t = beta_1 m_{t-1} + eta_t alpha (g_t + lambda' theta_{t-1})
    m_new = momentum_buffer(m, gradient + l2_coefficient * theta, eta, beta1)
    # line 9: theta_t = theta_{t-1} - m_t
    return theta - m_new, m_new


def sgdw_momentum_step(theta, m, gradient, decay_rate=decay_rate, eta=eta, beta1=beta1):
    """SGDW with momentum, one step: ``(theta_t, m_t)``; the decay bypasses the buffer."""
    # line 8: m_t = beta_1 m_{t-1} + eta_t alpha g_t
    m_new = momentum_buffer(m, gradient, eta, beta1)
    # line 9: theta_t = theta_{t-1} - m_t - eta_t lambda theta_{t-1}
    return theta - m_new - eta * decay_rate * theta, m_new


# --- Definitions: the update rules as the sources write them --------------------------------
m_t, theta_t = vector("m_t"), vector("theta_t")

SGDW_MOMENTUM_UPDATE = Definition(
    id="sgdw-momentum-update",
    title=r"Paper Alg. 1: SGD with $L_2$ regularization and SGD with decoupled weight decay "
    "(SGDW), both with momentum",
    source="Loshchilov & Hutter 2019, Alg. 1 (main text)",
    question="Q1.a.ii",
    text=(
        r"From $m_0 = 0$, with $g_t = \nabla f_t(\theta_{t-1})$ and schedule multiplier "
        r"$\eta_t$: SGD + $L_2$ adds $\lambda'\theta_{t-1}$ to the gradient before the momentum "
        r"buffer (line 6), SGDW instead subtracts $\eta_t\lambda\theta_{t-1}$ from the iterate "
        r"outside the buffer (line 9). The paper writes $\lambda$ for both factors; the ledger "
        r"writes $\lambda'$ for the $L_2$ coefficient."
    ),
    equations=(
        (
            "SGD + $L_2$, buffer (lines 6, 8)",
            sp.Eq(m_t, momentum_buffer(m_prev, grad + l2_coefficient * theta_prev), evaluate=False),
        ),
        ("SGD + $L_2$, step (line 9)", sp.Eq(theta_t, theta_prev - m_t, evaluate=False)),
        ("SGDW, buffer (line 8)", sp.Eq(m_t, momentum_buffer(m_prev, grad), evaluate=False)),
        (
            "SGDW, step (line 9)",
            sp.Eq(theta_t, theta_prev - m_t - eta * decay_rate * theta_prev, evaluate=False),
        ),
    ),
)

# Lecture notes 004 in their own letters: alpha_mom the momentum factor, eta_lr the learning
# rate, C the regularization constant (theta^T theta / (2C)), v the velocity; g_t the minibatch
# gradient (1/|S|) grad sum_i xi(theta; y^i, Z^{1,i}).
alpha_mom = sp.Symbol("alpha", nonnegative=True)
eta_lr = sp.Symbol("eta", positive=True)
C = sp.Symbol("C", positive=True)
v_t, v_prev = vector("v_t"), vector("v_t-1")

LECTURE_MOMENTUM_DECAY = Definition(
    id="lecture-momentum-weight-decay",
    title="Lecture notes 004: momentum with regularization and its decoupled 'equivalent form'",
    source="lecture notes 004, slide 'Weight Decay V'",
    question="Q1.a.ii",
    text=(
        r"The slide writes the momentum method on the regularized loss (regularizer "
        r"$\theta^T\theta/(2C)$, momentum factor $\alpha$, learning rate $\eta$) and calls the "
        r"decoupled version below it the form Loshchilov and Hutter prefer, an "
        r"``equivalent form''. The slide's assignments $\leftarrow$ are written here with step "
        r"indices. In the paper's letters: $\alpha \to \beta_1$, $\eta \to \alpha$, "
        r"$1/C \to \lambda'$, $v \to -m$, and the decoupled decay is $\eta/C = \alpha\lambda'$."
    ),
    equations=(
        (
            "with regularization, velocity",
            sp.Eq(v_t, alpha_mom * v_prev - eta_lr * (theta_prev / C + grad), evaluate=False),
        ),
        ("with regularization, step", sp.Eq(theta_t, theta_prev + v_t, evaluate=False)),
        (
            "``equivalent form'', velocity",
            sp.Eq(v_t, alpha_mom * v_prev - eta_lr * grad, evaluate=False),
        ),
        (
            "``equivalent form'', step",
            sp.Eq(theta_t, theta_prev + v_t - eta_lr * theta_prev / C, evaluate=False),
        ),
    ),
)

DEFINITIONS = (SGDW_MOMENTUM_UPDATE, LECTURE_MOMENTUM_DECAY)

# --- SGDW's decay factor does not depend on alpha (per coordinate) ---------------------------
# One coordinate of the state: scalars (the update applies the same scalar map to each).
theta_c, m_c, g_c = sp.symbols("theta_t-1 m_t-1 g_t", real=True)
theta_w_c, m_w_c = sp.symbols("theta^W_t m^W_t", real=True)

#: SGDW in one coordinate: m_t = beta_1 m_{t-1} + eta_t alpha g_t, theta_t = theta_{t-1} - m_t
#: - eta_t lambda theta_{t-1}; its derivative in alpha at a fixed state is -eta_t g_t.
SGDW_SCALAR = (
    sp.Eq(theta_w_c, theta_c - m_w_c - eta * decay_rate * theta_c),
    sp.Eq(m_w_c, momentum_buffer(m_c, g_c)),
)

SGDW_DECAY_INDEPENDENT_OF_ALPHA = Claim(
    id="sgdw-decay-independent-of-alpha",
    title=r"SGDW with momentum depends on $\alpha$ only through the gradient: its decay factor "
    r"$1 - \eta_t\lambda$ is free of $\alpha$",
    source=SOURCE,
    question="Q1.a.ii",
    statement=Statement.forall(
        sp.Derivative(theta_w_c, alpha), -eta * g_c, definitions=SGDW_SCALAR
    ),
    statement_text=(
        r"At a fixed state (iterate $\theta_{t-1}$, buffer $m_{t-1}$, gradient $g_t$) and for "
        r"every $\eta_t$, $\lambda$, $\beta_1$, the SGDW step of Alg. 1 changes with the learning "
        r"rate only through the gradient, $d\theta_t/d\alpha = -\eta_t g_t$: the "
        r"factor $1 - \eta_t\lambda$ that multiplies $\theta_{t-1}$ does not depend on $\alpha$ "
        r"(weight decay is decoupled from the learning rate). Stated for one coordinate."
    ),
    conventions=PAPER_CONVENTION
    + r" The update is element-wise, so the statement is written for one coordinate.",
    proof=Proof(
        Chain(
            sp.Derivative(theta_w_c, alpha),
            (
                Link(
                    theta_c * sp.Derivative(1 - eta * decay_rate, alpha)
                    - m_c * sp.Derivative(beta1, alpha)
                    - g_c * sp.Derivative(eta * alpha, alpha),
                    r"Substitute the SGDW step, $\theta_t = (1 - \eta_t\lambda)\theta_{t-1} - "
                    r"\beta_1 m_{t-1} - \eta_t\alpha g_t$, and differentiate term by term at the "
                    r"fixed state $(\theta_{t-1}, m_{t-1}, g_t)$.",
                ),
                Link(
                    -eta * g_c,
                    r"Only the gradient's factor $\eta_t\alpha$ contains $\alpha$: the decay "
                    r"factor's derivative $\partial(1 - \eta_t\lambda)/\partial\alpha$ is $0$.",
                ),
            ),
        ),
        per_coordinate=True,
        remarks=(
            (
                r"For SGD + $L_2$ the same derivative is $-\eta_t(g_t + \lambda'\theta_{t-1})$: "
                r"its decay factor $1 - \eta_t\alpha\lambda'$ moves with $\alpha$."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"The derivative of SGDW's step in $\alpha$ has no $\theta_{t-1}$ term, so the factor "
        r"$1 - \eta_t\lambda$ on $\theta_{t-1}$ is the same for every learning rate; SGD + "
        r"$L_2$ multiplies $\theta_{t-1}$ by $1 - \eta_t\alpha\lambda'$ (and stores "
        r"$\eta_t\alpha\lambda'\theta_{t-1}$ in the buffer), so its decay moves with $\alpha$."
    ),
)

# --- beta_1 = 0: the Prop. 1 mapping, for every schedule multiplier ---------------------------
# With beta_1 = 0 the buffer is the current step (beta_1 m_{t-1} = 0): the state is theta alone.
l2_theta, _ = sgd_l2_momentum_step(theta_prev, m_prev, grad, beta1=0)
sgdw_theta, _ = sgdw_momentum_step(theta_prev, m_prev, grad, beta1=0)

SGDW_EQUALS_L2_WITHOUT_MOMENTUM = Claim(
    id="sgdw-equals-l2-without-momentum",
    title=r"Without momentum, SGD + $L_2$ equals SGDW iff $\lambda = \alpha\lambda'$, under any "
    "schedule",
    source=SOURCE,
    question="Q1.a.ii",
    statement=Statement.solution_set(
        [decay_rate], l2_theta, sgdw_theta, sp.FiniteSet(alpha * l2_coefficient)
    ),
    statement_text=(
        r"With $\beta_1 = 0$ (no momentum: the buffer is the current step, so the state is the "
        r"iterate alone), for every dimension $n$, every iterate $\theta_{t-1}$, gradient $g_t$ "
        r"and schedule multiplier $\eta_t > 0$, one step of Alg. 1's SGD + $L_2$ (coefficient "
        r"$\lambda'$) equals one SGDW step (decay $\lambda$) if and only if "
        r"$\lambda = \alpha\lambda'$: the set of decay rates that make the one-step maps agree "
        r"is $\{\alpha\lambda'\}$, whatever the schedule."
    ),
    conventions=PAPER_CONVENTION,
    proof=Proof(
        Characterization(
            # Only if: both maps are linear in (theta_{t-1}, g_t); for them to agree for every
            # theta_{t-1} and g_t each coefficient of the difference vanishes:
            # theta_{t-1}: eta_t (lambda - alpha lambda'); g_t: 0.
            necessary=Conditions(
                (Coefficients((theta_prev, grad)),), (eta * (decay_rate - alpha * l2_coefficient),)
            ),
            # If: with lambda = alpha lambda' the L2 step is the SGDW step.
            sufficient=(
                Chain(
                    l2_theta,
                    (
                        Link(
                            sgdw_theta.subs(decay_rate, alpha * l2_coefficient),
                            r"Collect $\theta_{t-1}$: the $L_2$ step shrinks it by "
                            r"$1 - \eta_t\alpha\lambda'$ and keeps the gradient step "
                            r"$-\eta_t\alpha g_t$; that is the SGDW step, whose factor is "
                            r"$1 - \eta_t\lambda$, at $\lambda = \alpha\lambda'$.",
                        ),
                    ),
                ),
            ),
        ),
        remarks=(
            (
                r"With $\beta_1 = 0$ the state is $\theta_{t-1}$ alone, so equal one-step maps "
                r"from a common $\theta_0$ give equal iterates at every step; the verdict is about "
                r"the one-step map only."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $n$ and every schedule $\eta_t$: Alg. 1 scales both the $L_2$ "
        r"gradient and the decoupled decay by $\eta_t$, so the mapping $\lambda = "
        r"\alpha\lambda'$ does not involve it; $\eta_t > 0$ lets the condition "
        r"$\eta_t(\lambda - \alpha\lambda') = 0$ be divided by it."
    ),
)

CLAIMS = (SGDW_DECAY_INDEPENDENT_OF_ALPHA, SGDW_EQUALS_L2_WITHOUT_MOMENTUM)
