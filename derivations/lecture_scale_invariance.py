"""Adam's step under a rescaled gradient: lecture notes 002, slide 'Adam property II'.

The slide rescales every gradient by a constant, ``g'_t = c g_t``, and argues that the moments
scale by ``c`` and ``c^2``, so the step is unchanged up to ``sign(c)`` ("approximately": the
slide drops ``eps``). Bias-corrected moments are linear in the gradients and in their squares,

.. math:: \\hat m_t = \\sum_{k=1}^t w_k g_k, \\qquad \\hat v_t = \\sum_{k=1}^t u_k g_k^2, \\qquad
          w_k = \\frac{(1-\\beta_1)\\beta_1^{t-k}}{1-\\beta_1^t},\\
          u_k = \\frac{(1-\\beta_2)\\beta_2^{t-k}}{1-\\beta_2^t} \\ge 0

(lecture 004, 'Bias Correction in Adam III', divided by the corrections), so ``mhat' = c mhat``
and ``vhat' = c^2 vhat`` exactly (lemmas, any weights). Then, exactly:

* ``lecture-adam-scale-invariance-scaled-eps``: torch's step ``gamma mhat/(sqrt(vhat) + eps)``
  on ``c g`` with ``eps' = |c| eps`` is ``sign(c)`` times the step on ``g`` (``eps = 0``: the
  slide's computation);
* ``lecture-adam-scale-invariance-eps-inside-root``: the slide's own form
  ``gamma mhat/sqrt(vhat + eps)`` is invariant when ``eps`` is scaled by ``c^2``;
* ``lecture-adam-scale-deviation-fixed-eps``: with ``eps`` fixed (outside the root) the step
  changes by the relative amount ``eps (|c| - 1)/(|c| sqrt(vhat) + eps)``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.adam_epsilon import gamma
from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Lemma, Link, Proof, Statement
from wdproof.derivations.notation import t
from wdproof.derivations.optimizer_conventions import m_hat, v_hat

SOURCE = "lecture notes 002, slide 'Adam property II: scale invariance'"
k = sp.Symbol("k", integer=True, positive=True)
c = sp.Symbol("c", real=True, nonzero=True)  # the constant factor of every gradient
eps = sp.Symbol(r"\epsilon", nonnegative=True)  # eps = 0 allowed (torch accepts it)
g = sp.IndexedBase("g", real=True)  # the gradients of one coordinate, g_1 .. g_t
w = sp.IndexedBase("w", real=True)  # the first moment's weights
u = sp.IndexedBase("u", nonnegative=True)  # the second moment's weights
m_hat_scaled = sp.Symbol(r"\hat{m}'_t", real=True)  # the moments of the stream c g
v_hat_scaled = sp.Symbol(r"\hat{v}'_t", nonnegative=True)


def first_moment(gradient: sp.Basic) -> sp.Sum:
    return sp.Sum(w[k] * gradient, (k, 1, t))


def second_moment(gradient: sp.Basic) -> sp.Sum:
    return sp.Sum(u[k] * gradient**2, (k, 1, t))


MOMENTS = (
    sp.Eq(m_hat, first_moment(g[k])),
    sp.Eq(v_hat, second_moment(g[k])),
    sp.Eq(m_hat_scaled, first_moment(c * g[k])),
    sp.Eq(v_hat_scaled, second_moment(c * g[k])),
)
#: The moments are linear in g and in g^2 (the lemmas substitute after the definitions).
FIRST_SCALES = Lemma(
    "the first moment scales by $c$",
    first_moment(c * g[k]),
    c * first_moment(g[k]),
    Chain(first_moment(c * g[k]), (Link(c * first_moment(g[k]), r"$c$ leaves the sum."),)),
)
SECOND_SCALES = Lemma(
    "the second moment scales by $c^2$",
    second_moment(c * g[k]),
    c**2 * second_moment(g[k]),
    Chain(
        second_moment(c * g[k]),
        (Link(c**2 * second_moment(g[k]), r"$(c g_k)^2 = c^2 g_k^2$; $c^2$ leaves the sum."),),
    ),
)
LEMMAS = (FIRST_SCALES, SECOND_SCALES)
CONVENTIONS = (
    r"Per coordinate; any $t \ge 1$, any weights $w_k$ real and $u_k \ge 0$ (Adam's are "
    r"above), any real gradients $g_k$; $c \ne 0$ real; $\epsilon \ge 0$; the denominators "
    r"positive ($\hat v_t > 0$ or $\epsilon > 0$). The primed moments are those of the stream "
    r"$c g_k$; both streams start from $m_0 = v_0 = 0$."
)


def torch_step(first, second, guard):
    """torch.optim.Adam's step: gamma mhat/(sqrt(vhat) + eps), eps outside the root."""
    return gamma * first / (sp.sqrt(second) + guard)


def slide_step(first, second, guard):
    """The slide's step: gamma mhat/sqrt(vhat + eps), eps inside the root."""
    return gamma * first / sp.sqrt(second + guard)


MOMENTS_SCALE = r"The moments scale by $c$ and $c^2$ (lemmas)"
#: The first link's text where the display already takes the root: ``sqrt(c^2 vhat) = |c|
#: sqrt(vhat)`` (``vhat >= 0``) happens as the moments are substituted.
ROOT_TAKEN = r"$\sqrt{\hat v'_t} = \sqrt{c^2\hat v_t} = |c|\sqrt{\hat v_t}$ ($\hat v_t \ge 0$)"


def _rescaled(start: sp.Basic, *steps: tuple[sp.Basic, str], why: str = "") -> Proof:
    """A chain from ``start``: the lemmas put ``c mhat``, ``c^2 vhat`` for the primed moments
    (the first link, its text ``why``, or :data:`MOMENTS_SCALE`), then ``steps``
    (``(expr, why)``) follow."""
    scaled = start.subs({m_hat_scaled: c * m_hat, v_hat_scaled: c**2 * v_hat})
    first = Link(scaled, why or MOMENTS_SCALE + ".", LEMMAS)
    links = (first, *(Link(expr, why) for expr, why in steps))
    return Proof(Chain(start, links), lemmas=LEMMAS, per_coordinate=True)


SIGN = r"$c/|c| = \mathrm{sign}(c)$."
scaled_eps = torch_step(m_hat_scaled, v_hat_scaled, sp.Abs(c) * eps)
invariant = sp.sign(c) * torch_step(m_hat, v_hat, eps)

SCALED_EPS = Claim(
    id="lecture-adam-scale-invariance-scaled-eps",
    title=(
        r"Rescaling the gradients by $c$ and $\epsilon$ by $|c|$ multiplies torch's Adam step by "
        r"$\mathrm{sign}(c)$"
    ),
    source=SOURCE,
    question="lecture-notes",
    statement=Statement.forall(scaled_eps, invariant, definitions=MOMENTS),
    statement_text=(
        r"``If we rescale the gradient by a constant factor $c$ ($g'_t = c\cdot g_t$)'', "
        r"$\hat m'_t = c\cdot\hat m_t$, $\hat v'_t = c^2\cdot\hat v_t$, and ``the magnitude of "
        r"the update is unaffected by the scaling factor $c$'': exactly so for torch's step "
        r"$\gamma\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ when $\epsilon$ is scaled to "
        r"$|c|\epsilon$ (for $\epsilon = 0$: the slide's $c\hat m_t/\sqrt{c^2\hat v_t} = "
        r"\mathrm{sign}(c)\hat m_t/\sqrt{\hat v_t}$)."
    ),
    conventions=CONVENTIONS,
    proof=_rescaled(
        scaled_eps,
        (
            gamma * c * m_hat / (sp.Abs(c) * (sp.sqrt(v_hat) + eps)),
            r"Factor $|c|$ out of the denominator.",
        ),
        (invariant, SIGN),
        why=MOMENTS_SCALE + r": $\hat m'_t = c\hat m_t$ and " + ROOT_TAKEN + ".",
    ),
    expect="proved",
    explanation=(
        r"Exact for every gradient history and every $c \ne 0$: Adam on $c g$ with "
        r"$\epsilon' = |c|\epsilon$ moves by $\mathrm{sign}(c)$ times Adam's step on $g$ with "
        r"$\epsilon$ (for $c < 0$ the trajectory is mirrored). With $\epsilon$ fixed the "
        r"invariance is only approximate: claim lecture-adam-scale-deviation-fixed-eps."
    ),
)

inside = slide_step(m_hat_scaled, v_hat_scaled, c**2 * eps)
inside_invariant = sp.sign(c) * slide_step(m_hat, v_hat, eps)

INSIDE_ROOT = Claim(
    id="lecture-adam-scale-invariance-eps-inside-root",
    title=(
        r"The slide's step $\gamma\hat m_t/\sqrt{\hat v_t + \epsilon}$ is invariant when "
        r"$\epsilon$ is scaled by $c^2$"
    ),
    source=SOURCE,
    question="lecture-notes",
    statement=Statement.forall(inside, inside_invariant, definitions=MOMENTS),
    statement_text=(
        r"The slide's update with $\epsilon$ inside the root: "
        r"$\hat m'_t/\sqrt{\hat v'_t + \epsilon} \approx c\hat m_t/\sqrt{c^2\hat v_t} = "
        r"\mathrm{sign}(c)\,\hat m_t/\sqrt{\hat v_t}$. Exactly: with $\epsilon$ scaled to "
        r"$c^2\epsilon$, $\gamma\hat m'_t/\sqrt{\hat v'_t + c^2\epsilon} = \mathrm{sign}(c)\,"
        r"\gamma\hat m_t/\sqrt{\hat v_t + \epsilon}$."
    ),
    conventions=CONVENTIONS,
    proof=_rescaled(
        inside,
        (
            gamma * c * m_hat / (sp.Abs(c) * sp.sqrt(v_hat + eps)),
            r"$\sqrt{c^2(\hat v_t + \epsilon)} = |c|\sqrt{\hat v_t + \epsilon}$.",
        ),
        (inside_invariant, SIGN),
    ),
    expect="proved",
    explanation=(
        r"Exact. Under the root $\epsilon$ plays the part of a squared gradient, so it must "
        r"scale like $\hat v_t$, by $c^2$; outside the root it scales like $\sqrt{\hat v_t}$, "
        r"by $|c|$ (claim lecture-adam-scale-invariance-scaled-eps)."
    ),
)

fixed = torch_step(m_hat_scaled, v_hat_scaled, eps)
deviation = fixed / (sp.sign(c) * torch_step(m_hat, v_hat, eps)) - 1
deviation_closed = eps * (sp.Abs(c) - 1) / (sp.Abs(c) * sp.sqrt(v_hat) + eps)

DEVIATION = Claim(
    id="lecture-adam-scale-deviation-fixed-eps",
    title=(
        r"With $\epsilon$ fixed, rescaling the gradients by $c$ changes torch's step by the "
        r"relative amount $\epsilon(|c| - 1)/(|c|\sqrt{\hat v_t} + \epsilon)$"
    ),
    source=SOURCE,
    question="lecture-notes",
    statement=Statement.forall(deviation, deviation_closed, definitions=MOMENTS),
    statement_text=(
        r"``The magnitude of the update is unaffected by the scaling factor $c$. This makes "
        r"Adam robust to objective functions that produce very large or very small "
        r"gradients.'' With $\epsilon$ fixed (outside the root) the step on $c g$ over "
        r"$\mathrm{sign}(c)$ times the step on $g$ is $1 + \epsilon(|c| - 1)/"
        r"(|c|\sqrt{\hat v_t} + \epsilon)$."
    ),
    conventions=CONVENTIONS + r" The step on $g$ is nonzero ($\hat m_t \ne 0$).",
    proof=_rescaled(
        deviation,
        (
            sp.Abs(c) * (sp.sqrt(v_hat) + eps) / (sp.Abs(c) * sp.sqrt(v_hat) + eps) - 1,
            r"$c/\mathrm{sign}(c) = |c|$.",
        ),
        (deviation_closed, r"Over the common denominator."),
        why=MOMENTS_SCALE + r": $\hat m'_t/\hat m_t = c$ and " + ROOT_TAKEN + ".",
    ),
    expect="proved",
    explanation=(
        r"Exact. The deviation vanishes only for $|c| = 1$ or $\epsilon = 0$; it is small "
        r"while $|c|\sqrt{\hat v_t} \gg \epsilon$ and tends to $-1$ as $c \to 0$ (the step "
        r"vanishes in proportion to $|c|$) and to $\epsilon/\sqrt{\hat v_t}$ as "
        r"$|c| \to \infty$. So the slide's ``robust to very small gradients'' holds only "
        r"down to $|c|\sqrt{\hat v_t} \approx \epsilon$; below, $\epsilon$ dominates and the "
        r"step shrinks with the gradient, as in SGD."
    ),
)

CLAIMS = (SCALED_EPS, INSIDE_ROOT, DEVIATION)
