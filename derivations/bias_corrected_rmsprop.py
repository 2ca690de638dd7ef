"""The preconditioner M_t of bias-corrected RMSProp (problem set Q1.b, first part).

Bias-corrected RMSProp is Adam with ``beta_1 = 0`` (PyTorch: ``torch.optim.Adam(betas=(0,
beta_2))``). With ``g_t = grad f_t(theta_{t-1})`` it steps, element-wise,

.. math::

    v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2, \\quad v_0 = 0, \\quad
    \\hat v_t = \\frac{v_t}{1-\\beta_2^t}, \\quad
    \\theta_t = \\theta_{t-1} - \\alpha \\frac{g_t}{\\sqrt{\\hat v_t} + \\epsilon}.

Two claims, both per coordinate ``j`` (every operation is element-wise):

* ``rmsprop-second-moment-closed-form``: the recurrence (the statement's definition) has the
  closed form ``v_{t,j} = (1-beta_2) sum_{i=1}^t beta_2^{t-i} g_{i,j}^2`` for every ``t >= 0``,
  proved by induction over ``t``: base case ``t = 0`` (``v_0 = 0`` is the empty sum), step
  ``t -> t + 1`` (the new term ``i = t + 1`` joins the sum; the sums are compared for symbolic
  ``t``).
* ``rmsprop-preconditioner-closed-form``: given that closed form, the RMSProp step of coordinate
  ``j`` is ``theta_{t-1,j} - alpha (M_t)_{jj} g_{t,j}`` with

  .. math::

      M_t = \\Big(\\operatorname{diag}\\Big(\\sqrt{\\tfrac{1-\\beta_2}{1-\\beta_2^t}
      \\textstyle\\sum_{i=1}^t \\beta_2^{t-i} G_i}\\Big) + \\epsilon I\\Big)^{-1},
      \\qquad G_i = g_i g_i^\\top,

  i.e. ``(M_t)_{jj} = 1/(sqrt((1-beta_2)/(1-beta_2^t) sum_i beta_2^{t-i} (G_i)_{jj}) + eps)``
  (``diag`` keeps the diagonal; the square root acts on it entry-wise). The outer products are
  SymPy matrix products of the gradient rows (``g`` is an ``N x n`` matrix symbol whose row
  ``i`` is ``g_i^T``, ``n`` symbolic), so ``(G_i)_{jj} = g_{i,j}^2`` is matrix algebra the
  kernel checks, not a definition.

The kernel cannot chain one claim's induction into another claim's proof, so the second claim
states the closed form as its hypothesis, and the first claim proves exactly that hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.slice import MatrixSlice

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Induction, Link, Proof, Statement
from wdproof.derivations.notation import alpha, beta2, eps, n

#: Number of steps: ``t >= 0`` for the second moment (``v_0 = 0``), ``t >= 1`` for the step.
steps = sp.Symbol("t", integer=True, nonnegative=True)
t = sp.Symbol("t", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)  # summation index over past steps
coord = sp.Symbol("j", integer=True, nonnegative=True)  # the coordinate every step looks at
runs = sp.Symbol("N", integer=True, positive=True)  # rows of the gradient history (N > t)

#: The gradient history: row ``i`` of ``g`` is ``g_i^T``, so ``g[i, j]`` is ``g_{i,j}``.
grad = sp.MatrixSymbol("g", runs, n)
second = sp.IndexedBase("v")  # ``v[t, j]``: the second moment of coordinate j after t steps
theta = sp.IndexedBase("theta")


class OuterProduct(sp.MatMul):
    """``G_i = g_i g_i^T`` as SymPy's matrix product of the gradient row ``i``; typeset ``G_i``.

    Only the typesetting is new: entries, substitution and simplification are ``MatMul``'s.
    """

    def _latex(self, printer) -> str:
        rows = [a for a in self.args if isinstance(a, MatrixSlice)]
        return f"G_{{{printer._print(rows[0].rowslice[0])}}}"


def outer_product(index: sp.Expr) -> OuterProduct:
    """``G_index = g_index g_index^T`` (``n x n``): the transposed row times the row."""
    row = grad[index, :]  # 1 x n: g_index^T
    return OuterProduct(row.T, row)


def second_moment_closed_form(upto: sp.Expr) -> sp.Expr:
    """``(1-beta_2) sum_{i=1}^{upto} beta_2^{upto-i} g_{i,j}^2``."""
    return (1 - beta2) * sp.Sum(beta2 ** (upto - i) * grad[i, coord] ** 2, (i, 1, upto))


#: The RMSProp pseudocode as the definition of v (coordinate j): the recurrence and its start.
RECURRENCE = sp.Eq(
    second[steps + 1, coord],
    beta2 * second[steps, coord] + (1 - beta2) * grad[steps + 1, coord] ** 2,
)
START = sp.Eq(second[0, coord], 0)


def second_moment_induction(closed_form: Callable[[sp.Expr], sp.Expr]) -> Induction:
    """Induction over ``t >= 0`` that ``v_{t,j} = closed_form(t)`` follows from the recurrence.

    The claim runs it on :func:`second_moment_closed_form`; a wrong candidate fails a link.
    """
    return Induction(
        steps,
        0,
        base=Chain(
            second[0, coord],
            (
                Link(
                    closed_form(sp.Integer(0)),
                    r"The start of the recurrence, $v_{0,j} = 0$, is the closed form at "
                    r"$t = 0$: an empty sum.",
                ),
            ),
        ),
        step=Chain(
            second[steps + 1, coord],
            (
                Link(RECURRENCE.rhs, r"The recurrence: one RMSProp update of coordinate $j$."),
                Link(
                    RECURRENCE.rhs.subs(second[steps, coord], closed_form(steps)),
                    r"The induction hypothesis: the closed form at $t$.",
                    cites=("hypothesis",),
                ),
                Link(
                    closed_form(steps + 1),
                    r"$\beta_2$ raises every exponent $t - i$ to $t + 1 - i$, and the new "
                    r"term is the $i = t + 1$ term of the sum to $t + 1$ (checked for "
                    r"every $t$ by peeling it off that sum).",
                ),
            ),
        ),
    )


SECOND_MOMENT_CLOSED_FORM = Claim(
    id="rmsprop-second-moment-closed-form",
    title=(
        r"RMSProp's second moment from $v_0 = 0$ is the discounted sum "
        r"$(1 - \beta_2)\sum_{i=1}^t \beta_2^{t-i} g_i^2$"
    ),
    source=(
        "problem set Q1.b (seed 000, Q1.b.a: RMSProp with a bias-corrected second moment, the "
        "pseudocode students unroll); lecture notes 002, slide 'Adam property I: bias "
        r"correction' (unrolls $v_t = (1 - \beta_2)\sum_k \beta_2^{t-k} g_k^2$, there in "
        "expectation)"
    ),
    question="Q1.b",
    statement=Statement.forall(
        second[steps, coord],
        second_moment_closed_form(steps),
        definitions=(RECURRENCE, START),
    ),
    statement_text=(
        r"For every number of steps $t \ge 0$ and every coordinate $j$, the second moment "
        r"defined by $v_{t+1,j} = \beta_2 v_{t,j} + (1-\beta_2) g_{t+1,j}^2$, $v_{0,j} = 0$ is "
        r"$v_{t,j} = (1-\beta_2)\sum_{i=1}^{t}\beta_2^{t-i} g_{i,j}^2$."
    ),
    conventions=(
        r"PyTorch's Adam with betas $= (0, \beta_2)$ (its exp_avg_sq); $g_{i,j}$ is "
        r"coordinate $j$ of the gradient $g_i$ of step $i$; element-wise, so the argument is "
        r"per coordinate $j$. $t$ is any integer, so the sums have a variable number of terms."
    ),
    proof=Proof(
        second_moment_induction(second_moment_closed_form),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $t \ge 0$ (induction over $t$, sums of $t$ terms) and every "
        r"coordinate $j$: the recurrence weights the gradient of step $i$ by "
        r"$(1-\beta_2)\beta_2^{t-i}$."
    ),
)

#: ``(M_t)_{jj}`` from the outer products:
#: ``1/(sqrt((1-b2)/(1-b2^t) sum b2^{t-i} (G_i)_jj) + eps)``.
weighted_outer_diagonal = sp.Sum(
    beta2 ** (t - i) * MatrixElement(outer_product(i), coord, coord), (i, 1, t)
)
preconditioner_entry = 1 / (sp.sqrt((1 - beta2) / (1 - beta2**t) * weighted_outer_diagonal) + eps)
#: theta_{t-1} - alpha M_t g_t, coordinate j (M_t is diagonal).
preconditioned_step = theta[t - 1, coord] - alpha * preconditioner_entry * grad[t, coord]


def rmsprop_step_with(second_moment: sp.Expr) -> sp.Expr:
    """Coordinate j of the RMSProp step with second moment ``v_{t,j} = second_moment``."""
    # theta_{t-1,j} - alpha g_{t,j} / (sqrt(v_{t,j} / (1 - beta_2^t)) + eps)
    return theta[t - 1, coord] - alpha * grad[t, coord] / (
        sp.sqrt(second_moment / (1 - beta2**t)) + eps
    )


#: The RMSProp step as the pseudocode writes it: bias-corrected v_t, eps outside the root.
rmsprop_step = rmsprop_step_with(second[t, coord])
#: The hypothesis: the closed form proved by ``rmsprop-second-moment-closed-form``.
CLOSED_FORM = sp.Eq(second[t, coord], second_moment_closed_form(t))

RMSPROP_PRECONDITIONER = Claim(
    id="rmsprop-preconditioner-closed-form",
    title=(
        r"Bias-corrected RMSProp steps $\theta - \alpha M_t g_t$, $M_t$ from the outer products "
        r"$G_i = g_i g_i^\top$"
    ),
    source=(
        r"problem set Q1.b (seed 000, Q1.b.a: solve for $M_t$ in terms of the outer products "
        r"$G_t$ and $\beta_2$); Loshchilov & Hutter 2019 (ICLR), Prop. 2 (main text: adaptive "
        r"methods step $\theta - \alpha M_t \nabla f_t$)"
    ),
    question="Q1.b",
    statement=Statement.forall(rmsprop_step, preconditioned_step, hypotheses=(CLOSED_FORM,)),
    statement_text=(
        r"For every number of steps $t \ge 1$, every dimension $n$ and every gradient sequence "
        r"$g_1, \dots, g_t$: given the closed form of the second moment (claim "
        r"rmsprop-second-moment-closed-form), bias-corrected RMSProp steps "
        r"$\theta_t = \theta_{t-1} - \alpha M_t g_t$ with "
        r"$M_t = \big(\mathrm{diag}\big(\sqrt{\tfrac{1-\beta_2}{1-\beta_2^t}\sum_{i=1}^t "
        r"\beta_2^{t-i} G_i}\big) + \epsilon I\big)^{-1}$, $G_i = g_i g_i^\top$: coordinate $j$ "
        r"of the step is $\theta_{t-1,j} - \alpha (M_t)_{jj}\, g_{t,j}$ with "
        r"$(M_t)_{jj} = 1/\big(\sqrt{\tfrac{1-\beta_2}{1-\beta_2^t}\sum_i\beta_2^{t-i}"
        r"(G_i)_{jj}} + \epsilon\big)$."
    ),
    conventions=(
        r"PyTorch's Adam with betas $= (0, \beta_2)$: $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$, "
        r"$v_0 = 0$, $\hat v_t = v_t/(1-\beta_2^t)$, $\epsilon$ added outside the square root; "
        r"no schedule multiplier ($\eta_t = 1$; with the paper's Alg. 2, $\alpha$ becomes "
        r"$\eta_t\alpha$). $M_t$ is diagonal, so coordinate $j$ of $M_t g_t$ is "
        r"$(M_t)_{jj} g_{t,j}$: the argument is per coordinate $j$. The gradients are the rows "
        r"of an $N \times n$ matrix, for every $n$, and $G_i = g_i g_i^\top$."
    ),
    proof=Proof(
        Chain(
            rmsprop_step,
            (
                Link(
                    rmsprop_step_with(second_moment_closed_form(t)),
                    r"The closed form of $v_{t,j}$ (the hypothesis), bias-corrected: "
                    r"$\hat v_{t,j} = \frac{1-\beta_2}{1-\beta_2^t}\sum_i \beta_2^{t-i} "
                    r"g_{i,j}^2$.",
                    cites=(CLOSED_FORM,),
                ),
                Link(
                    preconditioned_step,
                    r"The $j$-th diagonal entry of an outer product is a squared coordinate, "
                    r"$(G_i)_{jj} = (g_i g_i^\top)_{jj} = g_{i,j}^2$ (a matrix product "
                    r"of any size $n$), so the denominator is $1/(M_t)_{jj}$.",
                ),
            ),
        ),
        per_coordinate=True,
    ),
    expect="proved",
    explanation=(
        r"Exact for every $t \ge 1$ and every $n$: $M_t$ is diagonal and only the diagonal of "
        r"$\sum_i \beta_2^{t-i} G_i$ enters it; its $j$-th entry is $v_{t,j}/(1-\beta_2)$, so "
        r"$(M_t)_{jj} = 1/(\sqrt{\hat v_{t,j}} + \epsilon)$, the RMSProp denominator. $M_t$ is a "
        r"multiple of $I$ only if every coordinate has the same $\hat v_{t,j}$, which is the "
        r"case Prop. 2 excludes."
    ),
)

CLAIMS = (SECOND_MOMENT_CLOSED_FORM, RMSPROP_PRECONDITIONER)
