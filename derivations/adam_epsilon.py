"""Where epsilon sits in Adam's denominator, and what maps to what (problem set Q2.a).

PyTorch (and paper Alg. 2) divide by ``sqrt(vhat_t) + eps``. Two other placements circulate:

* Kingma & Ba's "efficient" form, used by TensorFlow/Keras: fold the corrections into the
  rate, ``alpha_t = alpha sqrt(1-beta_2^t)/(1-beta_1^t)``, and divide by ``sqrt(v_t) + epsilonhat``.
  Claim ``adam-eps-hat-equals-torch-eps``: this is PyTorch's step exactly when
  ``epsilonhat = eps sqrt(1-beta_2^t)`` -- a step-dependent value, so a constant ``epsilonhat``
  is a different method (it agrees only as ``t -> infinity``).
* ``sqrt(vhat_t + eps)`` (as some lecture notes write it): claim ``adam-eps-inside-sqrt``
  shows no constant ``eps'`` inside the root reproduces PyTorch's step; the required value
  ``eps^2 + 2 eps |g|`` depends on the gradient. It is also one of the autograder's known
  mistakes (``eps-inside-sqrt``).

Both are per-coordinate statements (Adam is element-wise).
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict, is_zero
from wdproof.derivations.notation import alpha, eps

m, v = sp.symbols("m_t v_t", positive=True)  # a coordinate of the raw moments (v_t > 0)
eps_hat = sp.Symbol(r"\hat{\epsilon}", positive=True)
# c_1 = 1 - beta_1^t and c_2 = 1 - beta_2^t, both in (0, 1] for beta in [0, 1), t >= 1
correction1, correction2 = sp.symbols("c_1 c_2", positive=True)

torch_step = alpha * (m / correction1) / (sp.sqrt(v / correction2) + eps)
efficient_step = alpha * sp.sqrt(correction2) / correction1 * m / (sp.sqrt(v) + eps_hat)
beta2_open = sp.Symbol("beta_2", positive=True)  # beta_2 in (0, 1) for the last step

CONVENTIONS = (
    "Per coordinate; m_t, v_t the raw moments of paper Alg. 2 (v_t > 0), 0 < beta_2 < 1, "
    "t >= 1, c_1 = 1 - beta_1^t, c_2 = 1 - beta_2^t. PyTorch: alpha mhat_t/(sqrt(vhat_t) + eps). Efficient form (Kingma & Ba 2015, "
    "Sec. 2; TensorFlow's epsilon): alpha_t m_t/(sqrt(v_t) + epsilonhat), "
    "alpha_t = alpha sqrt(1-beta_2^t)/(1-beta_1^t)."
)

EPS_HAT = Claim(
    id="adam-eps-hat-equals-torch-eps",
    title="The eps-hat (TensorFlow) form of Adam is PyTorch's iff eps_hat = eps sqrt(1 - beta2^t)",
    source="Kingma & Ba 2015, Sec. 2 (efficient form); Loshchilov & Hutter 2019, Alg. 2; Q2.a",
    question="Q2.a",
    statement=sp.Eq(
        efficient_step.subs(eps_hat, eps * sp.sqrt(correction2)), torch_step, evaluate=False
    ),
    statement_text=(
        "At step t the efficient-form update alpha_t m_t/(sqrt(v_t) + epsilonhat) equals "
        "PyTorch's alpha mhat_t/(sqrt(vhat_t) + eps) for every m_t, v_t if and only if "
        "epsilonhat = eps sqrt(1 - beta_2^t). No constant epsilonhat does this at every step: "
        "the values needed at t = 1 and t = 2 differ for every beta_2 in (0, 1). A constant "
        "epsilonhat = eps is effectively a larger eps, eps/sqrt(1-beta_2^t), early in training."
    ),
    conventions=CONVENTIONS,
    steps=(
        Identity(
            "Pull sqrt(c_2) = sqrt(1 - beta_2^t) > 0 out of PyTorch's denominator.",
            torch_step,
            alpha
            * sp.sqrt(correction2)
            / correction1
            * m
            / (sp.sqrt(v) + eps * sp.sqrt(correction2)),
        ),
        Solution(
            "With equal prefactors the two steps agree iff the denominators agree.",
            sp.Eq(sp.sqrt(v) + eps_hat, sp.sqrt(v) + eps * sp.sqrt(correction2)),
            eps_hat,
            sp.FiniteSet(eps * sp.sqrt(correction2)),
        ),
        Identity(
            "With that epsilonhat the efficient form is PyTorch's step.",
            efficient_step,
            torch_step,
            given={eps_hat: eps * sp.sqrt(correction2)},
        ),
        Solution(
            "A constant epsilonhat would need eps sqrt(1-beta_2) = eps sqrt(1-beta_2^2): no "
            "beta_2 in (0, 1) satisfies it.",
            sp.Eq(sp.sqrt(1 - beta2_open), sp.sqrt(1 - beta2_open**2)),
            beta2_open,
            sp.EmptySet,
            domain=sp.Interval.open(0, 1),
        ),
    ),
    verdict=Verdict.conditional(
        "epsilonhat_t = eps sqrt(1 - beta_2^t) at every step t; with a constant epsilonhat the "
        "methods differ (most at early steps)",
        "Exact at each t under the step-dependent mapping; refuted for any constant epsilonhat.",
    ),
)


def _factor_radicands(difference: sp.Expr) -> bool:
    """``is_zero`` after factoring the radicand of every square root (sqrt((a+b)^2) = a+b, a+b > 0)."""
    return is_zero(
        difference.replace(
            lambda e: e.is_Pow and e.exp in (sp.S.Half, -sp.S.Half),
            lambda e: sp.factor(e.base) ** e.exp,
        )
    )


# --- eps inside the square root ---------------------------------------------------------------
g1, delta = sp.symbols("g_1 delta", positive=True)  # |first gradient| and a second coordinate's gap
eps_in = sp.Symbol(r"\epsilon'", nonnegative=True)
torch_first = alpha * g1 / (sp.sqrt(g1**2) + eps)  # t = 1: mhat_1 = g_1, vhat_1 = g_1^2
inside_first = alpha * g1 / sp.sqrt(g1**2 + eps_in)
required = eps**2 + 2 * eps * g1

#: Two coordinates with first gradients 1e-3 and 1; eps' fitted to the first misses the second.
INSIDE_COUNTEREXAMPLE = {"g_1": [1e-3, 1.0], "lr": 0.1, "eps": 1e-3, "eps_inside": 1e-3**2 + 2e-6}

EPS_INSIDE_SQRT = Claim(
    id="adam-eps-inside-sqrt",
    title="eps inside the square root, sqrt(vhat + eps'), is not PyTorch's Adam for any constant eps'",
    source="Lecture notes (seed 002) write sqrt(vhat_t + eps); torch.optim.Adam; problem set Q2.a",
    question="Q2.a",
    statement=sp.Eq(inside_first, torch_first),
    statement_text=(
        "Claim under test: some constant eps' makes alpha mhat_t/sqrt(vhat_t + eps') equal "
        "PyTorch's alpha mhat_t/(sqrt(vhat_t) + eps) for all gradients. False: at t = 1 a "
        "coordinate with gradient of size g_1 needs eps' = eps^2 + 2 eps g_1, which differs "
        "between coordinates."
    ),
    conventions=CONVENTIONS + " First step: mhat_1 = g_1, vhat_1 = g_1^2 (any beta_1, beta_2).",
    steps=(
        Identity(
            "Both sides positive, so the first steps agree iff the squared denominators agree.",
            (g1 + eps) ** 2 - (g1**2 + eps_in),
            eps**2 + 2 * eps * g1 - eps_in,
        ),
        Solution(
            "That fixes eps' = eps^2 + 2 eps g_1: it depends on the gradient.",
            sp.Eq(g1**2 + eps_in, (g1 + eps) ** 2),
            eps_in,
            sp.FiniteSet(required),
        ),
        Identity(
            "With that eps' the first steps agree for this coordinate.",
            inside_first,
            torch_first,
            given={eps_in: required},
            check=_factor_radicands,
        ),
        Solution(
            "A second coordinate with gradient g_1 + delta needs the same eps': only delta = 0.",
            sp.Eq(required, required.subs(g1, g1 + delta)),
            delta,
            sp.EmptySet,
            domain=sp.Interval.open(0, sp.oo),
        ),
    ),
    verdict=Verdict.refuted(
        INSIDE_COUNTEREXAMPLE,
        "One torch.optim.Adam step on f(theta) = g . theta with g = (1e-3, 1), lr = 0.1, "
        "eps = 1e-3: eps' = eps^2 + 2 eps g_1 matches the first coordinate and misses the second.",
    ),
)

CLAIMS = (EPS_HAT, EPS_INSIDE_SQRT)
