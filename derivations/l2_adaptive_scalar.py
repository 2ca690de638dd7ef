"""The converse of Prop. 2: for ``M_t = kI`` L2 is weight decay, with one coefficient.

Prop. 2 (:mod:`wdproof.derivations.l2_adaptive`) excludes ``M_t = kI``. There the L2 step
``theta_t - alpha k (g_t + lambda' theta_t)`` and the decay step
``(1 - lambda) theta_t - alpha k g_t`` differ by ``(lambda - alpha k lambda') theta_t``:

* ``adaptive-l2-equals-decay-for-scalar-preconditioner``: for ``M_t = kI``, ``k > 0``, the set
  of ``lambda'`` that make the steps agree for every ``theta_t`` and ``g_t`` is exactly
  ``{lambda/(alpha k)}`` (Prop. 1 is ``k = 1``): necessary conditions derived by the kernel,
  plus a sufficiency chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import (
    Chain,
    Characterization,
    Coefficients,
    Conditions,
    Link,
    Proof,
    Statement,
)
from wdproof.derivations.l2_adaptive import (
    PROP2_CONVENTIONS,
    STEPS_AGREE,
    adaptive_decay_step,
    adaptive_l2_step,
    decay_rate_pos,
    grad,
    l2_coefficient_real,
    precond,
    theta,
)
from wdproof.derivations.notation import alpha, n

scale = sp.Symbol("k", positive=True)  # M_t = k I
identity = sp.Identity(n)


@dataclass(frozen=True)
class ScalarInstance:
    """The numbers of ``adaptive-l2-equals-decay-for-scalar-preconditioner``: ``M_t = k I``
    with ``k = scale``."""

    alpha: float
    decay_rate: float
    scale: float


SCALAR_PRECONDITIONER = sp.Eq(precond, scale * identity)
#: lambda' = lambda/(alpha k): the one coefficient that works for M_t = kI.
scalar_coefficient = decay_rate_pos / (alpha * scale)

SCALAR_PRECONDITIONER_CLAIM = Claim(
    id="adaptive-l2-equals-decay-for-scalar-preconditioner",
    title=(
        r"For $M_t = kI$, $L_2$ with $\lambda' = \lambda/(\alpha k)$ is weight decay, and no other "
        r"$\lambda'$ is"
    ),
    source=(
        r"Loshchilov & Hutter 2019 (ICLR), Prop. 2 (main text: the exclusion $M_t \neq kI$); "
        r"problem set Q1.b (seed 000, Q1.b.b: 'if $M_t$ is not a multiple of identity')"
    ),
    question="Q1.b",
    statement=Statement.solution_set(
        [l2_coefficient_real],
        adaptive_l2_step,
        adaptive_decay_step,
        sp.FiniteSet(scalar_coefficient),
        hypotheses=(SCALAR_PRECONDITIONER,),
    ),
    statement_text=(
        r"The case Prop. 2 excludes: for $M_t = kI$, $k > 0$, every dimension $n$, $\alpha > 0$ "
        r"and $\lambda > 0$, the $\lambda' \in \mathbb{R}$ with " + STEPS_AGREE + r" are "
        r"exactly $\lambda' = \lambda/(\alpha k)$."
    ),
    conventions=PROP2_CONVENTIONS,
    proof=Proof(
        Characterization(
            # the coefficient of theta_t in the difference: lambda - alpha k lambda' = 0
            necessary=Conditions(
                (Coefficients((theta, grad)),),
                (decay_rate_pos - alpha * scale * l2_coefficient_real,),
            ),
            sufficient=(
                Chain(
                    adaptive_l2_step.subs(l2_coefficient_real, scalar_coefficient),
                    (
                        Link(
                            (1 - decay_rate_pos) * theta - alpha * scale * grad,
                            r"With $M_t = kI$ the $L_2$ term is $\alpha k \lambda'\theta_t = "
                            r"\lambda\theta_t$: it shrinks $\theta_t$ by $1 - \lambda$.",
                            cites=(SCALAR_PRECONDITIONER,),
                        ),
                        Link(
                            adaptive_decay_step,
                            r"$\alpha k g_t = \alpha M_t g_t$: the decay step.",
                            cites=(SCALAR_PRECONDITIONER,),
                        ),
                    ),
                ),
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $n$: with $M_t = kI$ the difference of the steps is "
        r"$(\lambda - \alpha k\lambda')\theta_t$, zero for every $\theta_t$ iff "
        r"$\lambda' = \lambda/(\alpha k)$ (Prop. 1 is the case $k = 1$). The coefficient depends "
        r"on $\alpha$ and $k$, so $\lambda$ and $\alpha$ stay coupled."
    ),
    instance=ScalarInstance(alpha=0.1, decay_rate=0.01, scale=2.5),
)

CLAIMS = (SCALAR_PRECONDITIONER_CLAIM,)
