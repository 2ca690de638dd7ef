"""Adaptive methods: L2 regularization is not weight decay (paper Prop. 2, problem set Q1.b).

An adaptive gradient method steps ``theta_{t+1} = theta_t - alpha M_t g_t`` with a preconditioner
``M_t`` (for bias-corrected RMSProp, the diagonal matrix of
:mod:`wdproof.derivations.bias_corrected_rmsprop`). On the L2-regularized loss
``f_t + lambda'/2 ||theta||^2`` it steps

.. math:: \\theta_t - \\alpha M_t (g_t + \\lambda' \\theta_t),

with decoupled weight decay ``lambda`` it steps

.. math:: (1 - \\lambda) \\theta_t - \\alpha M_t g_t .

Prop. 2 (main text): for ``M_t != kI`` no ``lambda'`` makes the two steps agree for every
``theta_t`` and ``g_t`` when ``lambda > 0``. The kernel derives the necessary conditions from the
statement itself: entry ``i`` of the difference of the two steps, differentiated by
``theta_k``, is ``lambda delta_{ik} - alpha lambda' (M_t)_{ik}``, and must vanish. ``M_t != kI``
splits into two exhaustive cases (for ``n >= 2``), one claim each, the vectors and ``M_t`` of
symbolic size ``n``:

* ``adaptive-l2-not-weight-decay``: two diagonal entries differ, ``(M_t)_{jj} = m != 0`` and
  ``(M_t)_{j+d,j+d} = m + delta``, ``delta != 0`` (every diagonal preconditioner that is not
  ``kI``: RMSProp, Adam). The conditions ``lambda = alpha lambda' m`` and
  ``lambda = alpha lambda' (m + delta)`` have no common solution.
* ``adaptive-l2-not-weight-decay-off-diagonal``: an off-diagonal entry
  ``(M_t)_{j,j+d} = mu != 0``. Its condition forces ``lambda' = 0``, and then the diagonal
  condition reads ``lambda = 0``.

The converse, ``M_t = kI``, is :mod:`wdproof.derivations.l2_adaptive_scalar`; how the two
differ per coordinate (the L2 term's shrink rate under RMSProp) is
:mod:`wdproof.derivations.l2_decay_per_coordinate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Conditions, Entries, Instance, Proof, Statement
from wdproof.derivations.notation import alpha, matrix, n, vector

theta = vector("theta_t")
grad = vector("g_t")  # g_t = grad f_t(theta_t), any vector
precond = matrix("M_t")
decay_rate_pos = sp.Symbol("lambda", positive=True)  # Prop. 2: decay lambda in R_+
l2_coefficient_real = sp.Symbol("lambda'", real=True)  # the unknown L2 coefficient: any real
coord = sp.Symbol("j", integer=True, nonnegative=True)
offset = sp.Symbol("d", integer=True, nonzero=True)  # a second coordinate j + d != j
other = coord + offset
row = sp.Symbol("r", integer=True, nonnegative=True)  # entry r of the difference ...
col = sp.Symbol("c", integer=True, nonnegative=True)  # ... differentiated by theta_c
m = sp.Symbol("m", real=True, nonzero=True)
delta = sp.Symbol("delta", real=True, nonzero=True)
mu = sp.Symbol("mu", real=True, nonzero=True)

# theta_t - alpha M_t (g_t + lambda' theta_t): the method on f_t + lambda'/2 ||theta||^2
adaptive_l2_step = theta - alpha * precond * (grad + l2_coefficient_real * theta)
# (1 - lambda) theta_t - alpha M_t g_t: the method on f_t with decoupled decay lambda
adaptive_decay_step = (1 - decay_rate_pos) * theta - alpha * precond * grad

#: At theta_t = g_t = 0 both steps are 0: a necessary condition that pins the constant part.
AT_ZERO = Instance({theta: sp.ZeroMatrix(n, 1), grad: sp.ZeroMatrix(n, 1)})


@dataclass(frozen=True)
class DiagonalInstance:
    """The numbers of ``adaptive-l2-not-weight-decay``: ``M_t = diag(m, m + delta)``."""

    alpha: float
    decay_rate: float
    m: float
    delta: float

    @property
    def preconditioner_diagonal(self) -> tuple[float, float]:
        """``((M_t)_{jj}, (M_t)_{j+d,j+d}) = (m, m + delta)``."""
        return (self.m, self.m + self.delta)


@dataclass(frozen=True)
class OffDiagonalInstance:
    """The numbers of ``adaptive-l2-not-weight-decay-off-diagonal``: a full ``M_t``."""

    alpha: float
    decay_rate: float
    preconditioner: tuple[tuple[float, ...], ...]


PROP2_SOURCE = (
    "Loshchilov & Hutter 2019 (ICLR), Prop. 2 (main text: an optimizer stepping "
    r"$\theta - \alpha M_t \nabla f_t$, or $(1 - \lambda)\theta - \alpha M_t \nabla f_t$ with "
    r"weight decay, $M_t \neq kI$: there exists no $L_2$ coefficient $\lambda'$ such that running "
    r"it on $f_t + \frac{\lambda'}{2}\lVert\theta\rVert^2$ is equivalent to running it on $f_t$ "
    r"with decay $\lambda \in \mathbb{R}_+$); problem set Q1.b (seed 000, Q1.b.b)"
)
PROP2_CONVENTIONS = (
    r"Adaptive step $\theta_{t+1} = \theta_t - \alpha M_t g_t$, $g_t = \nabla f_t(\theta_t)$ "
    r"(paper Prop. 2; the schedule multiplier $\eta_t$ is folded into $\alpha$ and $\lambda$). "
    r"Weight decay multiplies $\theta_t$ by $1 - \lambda$ in the same step (PyTorch's AdamW: "
    r"$\lambda = \mathrm{lr}\cdot\mathrm{weight\_decay}$). As in Prop. 2, $M_t$ is the same "
    r"matrix in both methods. $\theta_t$, $g_t$ are $n \times 1$ and $M_t$ is $n \times n$, "
    r"for every $n$; $\lambda'$ ranges over all reals. Agreement is required "
    r"for every $\theta_t$ and $g_t$ (the one-step maps are equal)."
)
#: The steps agree, as every Prop. 2 statement writes it (here and in l2_adaptive_scalar).
STEPS_AGREE = (
    r"$\theta_t - \alpha M_t (g_t + \lambda'\theta_t) = (1 - \lambda)\theta_t - \alpha M_t "
    r"g_t$ for every $\theta_t$ and $g_t$"
)


def entry_conditions(*pairs: tuple[sp.Expr, sp.Expr]) -> tuple:
    """Derivations: d(entry r of lhs - rhs)/d(theta_c) and d(...)/d(g_c) at ``pairs``;
    ``AT_ZERO``."""
    return (
        Entries(theta, pairs, row, col),
        Entries(grad, pairs, row, col),
        AT_ZERO,
    )


def prop2_case(
    *,
    claim_id: str,
    title: str,
    case: str,
    entries: str,
    hypotheses: tuple[sp.Basic, ...],
    conditions: Conditions,
    remark: str,
    explanation: str,
    instance: object,
) -> Claim:
    """Prop. 2 for one way of ``M_t != kI`` (``case``, with ``hypotheses`` on ``M_t``'s
    ``entries``): no ``lambda'`` makes the L2 step the decay step; proved by ``conditions``."""
    return Claim(
        id=claim_id,
        title=title,
        source=PROP2_SOURCE,
        question="Q1.b",
        statement=Statement.not_exists(
            [l2_coefficient_real], adaptive_l2_step, adaptive_decay_step, hypotheses=hypotheses
        ),
        statement_text=(
            f"Prop. 2, for {case}: for every dimension $n \\ge 2$, $\\alpha > 0$ and "
            f"$\\lambda > 0$, there is no $\\lambda' \\in \\mathbb{{R}}$ with {STEPS_AGREE}, "
            f"when {entries}."
        ),
        conventions=PROP2_CONVENTIONS,
        proof=Proof(conditions, remarks=(remark,)),
        expect="proved",
        explanation=explanation,
        instance=instance,
    )


ADAPTIVE_L2_NOT_WEIGHT_DECAY = prop2_case(
    claim_id="adaptive-l2-not-weight-decay",
    title=(
        r"Adaptive methods whose $M_t$ has two different diagonal entries: no $L_2$ coefficient "
        "reproduces weight decay"
    ),
    case=(
        r"a preconditioner with two different diagonal entries (so $M_t \ne kI$; this is every "
        r"diagonal $M_t \ne kI$, such as RMSProp's and Adam's)"
    ),
    entries=(
        r"$(M_t)_{jj} = m$ and $(M_t)_{j+d,j+d} = m + \delta$ with $\delta \ne 0$ (of two "
        r"different entries at least one is nonzero: call it $m$)"
    ),
    hypotheses=(
        sp.Eq(precond[coord, coord], m),
        sp.Eq(precond[other, other], m + delta),
        sp.Ne(m, 0, evaluate=False),
        sp.Ne(delta, 0, evaluate=False),
    ),
    # lambda = alpha lambda' m and lambda = alpha lambda' (m + delta): no common lambda'
    conditions=Conditions(
        entry_conditions((coord, coord), (other, other)),
        (
            decay_rate_pos - alpha * l2_coefficient_real * m,
            decay_rate_pos - alpha * l2_coefficient_real * (m + delta),
        ),
    ),
    remark=(
        r"Entry $r$ of the difference of the two steps is linear in $\theta_t$; its "
        r"derivative by $\theta_{t,c}$ is $\lambda\delta_{rc} - \alpha\lambda'(M_t)_{rc}$ "
        r"(the $g_t$ terms cancel: their derivatives are $0$). Agreement for every "
        r"$\theta_t$ needs it to vanish at $(j, j)$ and $(j+d, j+d)$: "
        r"$\lambda' = \lambda/(\alpha m)$ and $\lambda' = \lambda/(\alpha(m+\delta))$."
    ),
    explanation=(
        r"Exact for every $n \ge 2$: the two coordinates would need the different coefficients "
        r"$\lambda/(\alpha m)$ and $\lambda/(\alpha(m + \delta))$. With the off-diagonal case "
        r"(claim adaptive-l2-not-weight-decay-off-diagonal) this covers every $M_t \ne kI$: an "
        r"$M_t$ with no nonzero off-diagonal entry is diagonal, and a diagonal $M_t \ne kI$ has "
        r"two different diagonal entries. The instance $\alpha = 1/10$, $\lambda = 1/100$, "
        r"$M_t = \mathrm{diag}(1, 4)$ needs $\lambda' = 1/10$ on one coordinate and $1/40$ on "
        r"the other; the torch confirmation re-runs it."
    ),
    instance=DiagonalInstance(alpha=0.1, decay_rate=0.01, m=1.0, delta=3.0),
)

ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL = prop2_case(
    claim_id="adaptive-l2-not-weight-decay-off-diagonal",
    title=(
        r"Adaptive methods whose $M_t$ has a nonzero off-diagonal entry: no $L_2$ coefficient "
        "reproduces weight decay"
    ),
    case=r"a preconditioner that is not diagonal (so $M_t \ne kI$)",
    entries=r"$(M_t)_{j,j+d} = \mu \ne 0$ for some $d \ne 0$",
    hypotheses=(sp.Eq(precond[coord, other], mu), sp.Ne(mu, 0, evaluate=False)),
    # alpha lambda' mu = 0 forces lambda' = 0; then lambda - alpha lambda' (M_t)_jj = lambda != 0
    conditions=Conditions(
        entry_conditions((coord, other), (coord, coord)),
        (
            alpha * l2_coefficient_real * mu,
            decay_rate_pos - alpha * l2_coefficient_real * precond[coord, coord],
        ),
    ),
    remark=(
        r"The derivative of entry $j$ of the difference by $\theta_{t,j+d}$ is "
        r"$-\alpha\lambda'\mu$ ($\delta_{j,j+d} = 0$), so $\lambda' = 0$; then the "
        r"derivative by $\theta_{t,j}$ is $\lambda \ne 0$."
    ),
    explanation=(
        r"Exact for every $n \ge 2$: an off-diagonal entry forces $\lambda' = 0$, and "
        r"$\lambda' = 0$ leaves the residual $\lambda\theta_t$. The instance $\alpha = 1/10$, "
        r"$\lambda = 1/100$, $M_t = \begin{pmatrix} 2 & 1 \\ 1 & 2 \end{pmatrix}$ is re-run in "
        r"torch: at $\theta_t = e_1$ no $\lambda'$ brings the difference of the steps below "
        r"$\lambda/\sqrt{5}$ in the Euclidean norm."
    ),
    instance=OffDiagonalInstance(
        alpha=0.1, decay_rate=0.01, preconditioner=((2.0, 1.0), (1.0, 2.0))
    ),
)

CLAIMS = (ADAPTIVE_L2_NOT_WEIGHT_DECAY, ADAPTIVE_L2_NOT_WEIGHT_DECAY_OFF_DIAGONAL)
