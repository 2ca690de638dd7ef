"""AdamW's decay does not depend on the gradient history (lecture notes 002, slide 'ADAMW').

Per coordinate, AdamW steps ``theta_{t+1} = theta_t - gamma mhat_t/(sqrt(vhat_t) + eps) -
gamma lambda theta_t``. Its *decay part*, the step minus the same step with ``lambda = 0`` from
the same state, is ``-gamma lambda theta_t`` for every ``mhat_t`` and ``vhat_t``: the moments,
the only place the gradient history enters, cancel (``lecture-adamw-decay-independent-of-history``).

Adam + L2 is the contrast, proved elsewhere and not repeated here: its decay part is
``-gamma lambda' theta_t/(sqrt(vhat_t) + eps)``, strictly decreasing in ``vhat_t``
(``l2-decay-weaker-for-large-gradients``), and no ``lambda'`` makes it weight decay
(``adaptive-l2-not-weight-decay``).
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Link, Proof, Statement
from wdproof.derivations.notation import decay_rate, eps
from wdproof.derivations.optimizer_conventions import m_hat, v_hat

theta_t = sp.Symbol(r"\theta_t", real=True)
decayed = sp.Symbol(r"\theta_{t+1}^{(\lambda)}", real=True)  # AdamW's step at decay rate lambda
undecayed = sp.Symbol(r"\theta_{t+1}^{(0)}", real=True)  # ... and at lambda = 0, same state


def adamw_step(rate: sp.Expr) -> sp.Expr:
    """The slide's ``theta_t - gamma D_t mhat_t - gamma lambda theta_t``, torch's ``D_t``."""
    return theta_t - gamma * m_hat / (sp.sqrt(v_hat) + eps) - gamma * rate * theta_t


DECAY_INDEPENDENT_OF_HISTORY = Claim(
    id="lecture-adamw-decay-independent-of-history",
    title=(
        r"AdamW's decay part is $-\gamma\lambda\theta_t$, whatever the moments $\hat m_t$, "
        r"$\hat v_t$ are"
    ),
    source=(
        "lecture notes 002, slide 'ADAMW' (AdamW update rule): 'The amount of weight shrinkage "
        "is now independent of the gradient history'"
    ),
    question="lecture-notes",
    statement=Statement.forall(
        decayed - undecayed,
        -gamma * decay_rate * theta_t,
        definitions=(sp.Eq(decayed, adamw_step(decay_rate)), sp.Eq(undecayed, adamw_step(0))),
    ),
    statement_text=(
        r"AdamW's step $\theta_{t+1} = \theta_t - \gamma D_t\hat m_t - \gamma\lambda\theta_t$ "
        r"applies the weight decay $-\gamma\lambda\theta_t$ separately from the adaptive step, "
        r"so the amount of weight shrinkage is independent of the gradient history: per "
        r"coordinate, the step minus the same step with $\lambda = 0$ is "
        r"$-\gamma\lambda\theta_t$ for every $\hat m_t$ and $\hat v_t$."
    ),
    conventions=(
        r"Per coordinate, torch.optim.AdamW's step with $D_t = 1/(\sqrt{\hat v_t} + \epsilon)$ "
        r"(the slide's $(\hat v_t + \epsilon)^{-1/2}$ gives the same decay part: $D_t$ cancels); "
        r"$\gamma > 0$ the learning rate, $\lambda \ge 0$ the decay rate in the lecture's and "
        r"torch's convention ($\gamma\lambda\theta_t$ per step), $\hat m_t$ real, "
        r"$\hat v_t \ge 0$: the gradient history enters the step only through $\hat m_t$, "
        r"$\hat v_t$. Both steps start from the same $\theta_t$ and moments."
    ),
    proof=Proof(
        Chain(
            decayed - undecayed,
            (
                Link(
                    (1 - gamma * decay_rate) * theta_t - theta_t,
                    r"The two steps from the same $\theta_t$, $\hat m_t$, $\hat v_t$ subtract "
                    r"the same adaptive step $\gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)$, "
                    r"which cancels.",
                ),
                Link(-gamma * decay_rate * theta_t, r"Expand."),
            ),
        ),
        per_coordinate=True,
        remarks=(
            (
                r"Adam + $L_2$ by contrast shrinks coordinate $j$ at the rate "
                r"$\gamma\lambda'/(\sqrt{\hat v_{t,j}} + \epsilon)$, which falls as the "
                r"coordinate's gradients grow (claims l2-decay-weaker-for-large-gradients, "
                r"adaptive-l2-not-weight-decay)."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Proved for every $\hat m_t$, $\hat v_t$: the right side contains neither, so two "
        r"coordinates (or two runs) with the same $\theta_t$ but different gradient histories "
        r"are shrunk by the same $\gamma\lambda\theta_t$. With Adam + $L_2$ the shrinkage is "
        r"divided by $\sqrt{\hat v_t} + \epsilon$ (claim l2-decay-weaker-for-large-gradients); "
        r"the torch confirmation shows both."
    ),
)

CLAIMS = (DECAY_INDEPENDENT_OF_HISTORY,)
