"""The preconditioner M_t of bias-corrected RMSProp (problem set Q1.b, first part).

Bias-corrected RMSProp is Adam with ``beta_1 = 0`` (PyTorch: ``torch.optim.Adam(betas=(0,
beta_2))``). With ``v_0 = 0`` and ``g_t = grad f_t(theta_{t-1})`` it steps

.. math::

    v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2, \\quad
    \\hat v_t = \\frac{v_t}{1-\\beta_2^t}, \\quad
    \\theta_t = \\theta_{t-1} - \\alpha \\frac{g_t}{\\sqrt{\\hat v_t} + \\epsilon},

all element-wise. Written as an adaptive gradient method ``theta_t = theta_{t-1} - alpha M_t g_t``
(the form of the paper's Prop. 2), the preconditioner is

.. math::

    M_t = \\Big(\\operatorname{diag}\\Big(\\sqrt{\\tfrac{1-\\beta_2}{1-\\beta_2^t}
    \\textstyle\\sum_{i=1}^t \\beta_2^{t-i} G_i}\\Big) + \\epsilon I\\Big)^{-1},
    \\qquad G_i = g_i g_i^\\top,

where ``diag`` keeps the diagonal (and the square root acts on it entry-wise). The derivation
works per coordinate ``j`` (RMSProp is element-wise): the closed form of ``v_{t,j}`` satisfies the
recurrence for a symbolic number of steps ``t``, and ``(G_i)_{jj} = g_{i,j}^2`` for vectors of
symbolic size ``n``, so the diagonal of the weighted sum of outer products is the second moment.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from wdproof.derivations.claim import Claim, Identity, Verdict, is_zero
from wdproof.derivations.notation import alpha, beta2, eps, n, t, vector

step = sp.Symbol("i", integer=True, positive=True)  # summation index over past steps
history_index = sp.Symbol("k", integer=True, nonnegative=True)  # column index of H
coord = sp.Symbol("j", integer=True, nonnegative=True)  # the coordinate every step looks at
#: ``g[i, j]`` is coordinate ``j`` of the gradient ``g_i``; ``G[i, j, j]`` is ``(G_i)_{jj}``.
grad = sp.IndexedBase("g")
outer = sp.IndexedBase("G")
theta_prev = sp.Indexed(sp.IndexedBase("theta"), t - 1, coord)


def second_moment_closed_form(steps: sp.Expr) -> sp.Expr:
    """``v_{steps,j} = (1-beta_2) sum_{i=1}^{steps} beta_2^{steps-i} g_{i,j}^2`` (from ``v_0 = 0``)."""
    return (1 - beta2) * sp.Sum(beta2 ** (steps - step) * grad[step, coord] ** 2, (step, 1, steps))


def peel_last_term(expr: sp.Basic, top: sp.Expr) -> sp.Basic:
    """Rewrite every ``Sum_{i=lo}^{top} f(i)`` as ``Sum_{i=lo}^{top-1} f(i) + f(top)``.

    Valid for any integer ``top >= lo``; it is how a recurrence in ``t`` is checked on a sum
    whose upper limit is ``t``.
    """

    def split(s: sp.Sum) -> sp.Basic:
        (var, low, high), = s.limits
        if high != top:
            return s
        return sp.Sum(s.function, (var, low, high - 1)) + s.function.subs(var, high)

    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, split)


_BOUND = sp.Symbol("i_bound", integer=True)


def rename_bound_variables(expr: sp.Basic) -> sp.Basic:
    """Give every single sum the same bound variable (alpha-renaming), so equal sums cancel."""

    def rename(s: sp.Sum) -> sp.Sum:
        (var, low, high), = s.limits
        return sp.Sum(s.function.xreplace({var: _BOUND}), (_BOUND, low, high))

    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, rename)


def sums_cancel(difference: sp.Basic) -> bool:
    """Step check for sums over a symbolic range ``t``.

    Peels the top term off every sum to ``t``, renames bound variables alike, then lets
    ``simplify`` merge sums with equal limits and cancel them term by term. A wrong closed form
    (or a wrong range) leaves a residue and the check fails.
    """
    entries = difference.replace(  # expand matrix entries such as (H H^T)_jj into their sums
        lambda e: isinstance(e, MatrixElement), lambda e: e.parent[e.i, e.j]
    )
    return is_zero(sp.simplify(rename_bound_variables(peel_last_term(entries, t))))


second_moment = second_moment_closed_form(t)
bias_corrected_second_moment = second_moment / (1 - beta2**t)
#: ``(M_t)_{jj}`` in terms of the diagonal entries of the outer products ``G_i``.
preconditioner_entry = 1 / (
    sp.sqrt((1 - beta2) / (1 - beta2**t) * sp.Sum(beta2 ** (t - step) * outer[step, coord, coord], (step, 1, t)))
    + eps
)
#: ``(G_i)_{jj} = g_{i,j}^2``, proved below; used to rewrite M_t in terms of the gradients.
DIAGONAL_IS_SQUARE = {outer[step, coord, coord]: grad[step, coord] ** 2}
rmsprop_coordinate_step = theta_prev - alpha * grad[t, coord] / (sp.sqrt(bias_corrected_second_moment) + eps)

g_i = vector("g_i")
history = sp.MatrixSymbol("H", n, t)  # column k holds one past gradient h_k, for symbolic t
weight = sp.Symbol("w_i", positive=True)  # the factor beta_2^{t-i} of one outer product

RMSPROP_PRECONDITIONER = Claim(
    id="rmsprop-preconditioner-closed-form",
    title="Bias-corrected RMSProp steps theta - alpha M_t g_t, M_t from the outer products G_i = g_i g_i^T",
    source="Problem set Q1.b (first part); paper Prop. 2 (adaptive methods theta - alpha M_t g_t)",
    question="Q1.b",
    statement=sp.Eq(sp.Symbol("(M_t)_{jj}"), preconditioner_entry.xreplace(DIAGONAL_IS_SQUARE)),
    statement_text=(
        r"For every number of steps $t \ge 1$, every dimension $n$ and every gradient sequence "
        r"$g_1, \dots, g_t$, bias-corrected RMSProp from $v_0 = 0$ steps "
        r"$\theta_t = \theta_{t-1} - \alpha M_t g_t$ with "
        r"$M_t = \big(\mathrm{diag}\big(\sqrt{\tfrac{1-\beta_2}{1-\beta_2^t}\sum_{i=1}^t "
        r"\beta_2^{t-i} G_i}\big) + \epsilon I\big)^{-1}$, $G_i = g_i g_i^\top$; its $j$-th "
        r"diagonal entry is $1/(\sqrt{\hat v_{t,j}} + \epsilon)$."
    ),
    conventions=(
        r"PyTorch's Adam with betas $= (0, \beta_2)$: $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$, "
        r"$v_0 = 0$, $\hat v_t = v_t/(1-\beta_2^t)$, $\epsilon$ added outside the square root; "
        r"no schedule multiplier ($\eta_t = 1$; with the paper's Alg. 2, $\alpha$ becomes "
        r"$\eta_t\alpha$). Every step is per coordinate $j$: every operation is element-wise."
    ),
    steps=(
        Identity(
            r"Base case (per coordinate $j$): from $v_0 = 0$ one update gives "
            r"$(1-\beta_2) g_{1,j}^2$, the closed form at $t = 1$.",
            second_moment_closed_form(sp.Integer(1)).doit(),
            beta2 * 0 + (1 - beta2) * grad[1, coord] ** 2,
        ),
        Identity(
            r"Recurrence for symbolic $t$ (per coordinate $j$): the closed form satisfies "
            r"$v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$; checked by peeling the $i = t$ term "
            r"off the sum and cancelling the sums to $t - 1$.",
            second_moment,
            beta2 * second_moment_closed_form(t - 1) + (1 - beta2) * grad[t, coord] ** 2,
            check=sums_cancel,
        ),
        Identity(
            r"The $j$-th diagonal entry of an outer product is a squared coordinate: "
            r"$(g_i g_i^\top)_{jj} = g_{i,j}^2$ for vectors of symbolic size $n$.",
            MatrixElement(g_i * g_i.T, coord, coord),  # unevaluated, so the report shows it
            g_i[coord, 0] ** 2,
        ),
        Identity(
            r"Weighting a gradient by $\sqrt{w_i}$ weights its outer product by $w_i$ "
            r"($w_i = \beta_2^{t-i}$).",
            sp.MatMul(sp.sqrt(weight) * g_i, (sp.sqrt(weight) * g_i).T, evaluate=False),
            weight * (g_i * g_i.T),
        ),
        Identity(
            r"The diagonal of a sum of $t$ outer products $h_k h_k^\top$ (the columns of $H$, "
            r"here $h_k = \beta_2^{(t-i)/2} g_i$) is the sum of squared coordinates, for symbolic "
            r"$t$ and $n$; so $\big(\sum_i \beta_2^{t-i} G_i\big)_{jj} = \sum_i \beta_2^{t-i} "
            r"g_{i,j}^2 = v_{t,j}/(1-\beta_2)$.",
            MatrixElement(history * history.T, coord, coord),
            sp.Sum(history[coord, history_index] ** 2, (history_index, 0, t - 1)),
            check=sums_cancel,
        ),
        Identity(
            r"Substituting $(G_i)_{jj} = g_{i,j}^2$ and the bias correction "
            r"$\hat v_t = v_t/(1-\beta_2^t)$: $\theta_{t-1,j} - \alpha (M_t)_{jj} g_{t,j}$ is the "
            r"RMSProp step of coordinate $j$.",
            theta_prev - alpha * preconditioner_entry.xreplace(DIAGONAL_IS_SQUARE) * grad[t, coord],
            rmsprop_coordinate_step,
        ),
    ),
    verdict=Verdict.proved(
        r"Holds for every $t$ (induction on the recurrence) and every $n$ (per-coordinate "
        r"argument; $M_t$ is diagonal, only the diagonal of $\sum_i \beta_2^{t-i} G_i$ enters)."
    ),
)

CLAIMS = (RMSPROP_PRECONDITIONER,)
