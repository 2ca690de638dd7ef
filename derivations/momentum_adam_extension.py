"""From bias-corrected RMSProp to Adam: momentum does not restore the equivalence (Q1.b, i.1-i.2).

Adam adds a first moment ``m_t = beta_1 m_{t-1} + (1-beta_1) g_t`` with bias correction
``mhat_t = m_t/(1-beta_1^t)`` to bias-corrected RMSProp. The problem set argues by analogy that
neither should rescue the L2/weight-decay equivalence. Two exact statements settle it:

* ``adam-l2-not-adamw``: the bias correction makes Adam's first step *identical* to the
  RMSProp step for every ``beta_1, beta_2`` (``mhat_1 = g_1``, ``vhat_1 = g_1^2``), so the Prop. 2
  obstruction is already there at ``t = 1``: with zero loss gradient and two coordinates of
  different size, no ``lambda'`` gives both the shrink ``1 - lambda`` of AdamW.
* ``adam-momentum-breaks-equivalence``: momentum is a second, independent obstruction. Even with
  a fixed scalar preconditioner ``M = k I`` (where Prop. 2 does not bite), step 1 forces
  ``lambda = alpha k lambda'`` and step 2 then differs by
  ``alpha k lambda' beta_1/(1+beta_1) (theta_1 - theta_0)``. The analogy of argument i.1 fails
  (momentum *breaks* SGD's equivalence too, Q1.a.ii), although its conclusion holds.

Adam is element-wise and ``M = k I`` acts per coordinate, so every step is per coordinate ``j``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, beta1, beta2, eps, lam, lam_l2

PAPER_AND_TORCH = (
    r"Adam: $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$, "
    r"$m_0 = v_0 = 0$, $\hat m_t = m_t/(1-\beta_1^t)$, $\hat v_t = v_t/(1-\beta_2^t)$, "
    r"$\theta_t = \theta_{t-1} - \alpha\hat m_t/(\sqrt{\hat v_t} + \epsilon)$ (PyTorch: "
    r"$\epsilon$ outside the square root). $L_2$: $g_t = \nabla f_t(\theta_{t-1}) + "
    r"\lambda'\theta_{t-1}$ (torch.optim.Adam weight_decay $= \lambda'$). Decoupled (paper "
    r"Alg. 2, $\eta_t = 1$): subtract $\lambda\theta_{t-1}$ in the same step; torch.optim.AdamW "
    r"first multiplies $\theta$ by $1 - \mathrm{lr}\cdot\mathrm{wd}$, so "
    r"$\lambda = \mathrm{lr}\cdot\mathrm{wd}$."
)

grad_tilde = sp.Symbol(r"\tilde{g}_{1,j}", real=True)  # the first gradient the optimizer sees
m_0, v_0 = sp.symbols("m_0 v_0", real=True)  # the moments start at zero
theta0 = sp.Symbol(r"\theta_{0,j}", positive=True)  # a positive coordinate of the start
gap = sp.Symbol("delta", positive=True)  # a second coordinate theta_{0,j} + delta
decay_positive = sp.Symbol("lambda", positive=True)


def first_step_l2(start: sp.Expr) -> sp.Expr:
    """Adam + L2, step 1, zero loss gradient: ``gtilde_1 = lambda' theta_0``, mhat = gtilde."""
    g = lam_l2 * start
    return start - alpha * g / (sp.sqrt(g**2) + eps)


def decay_condition(start: sp.Expr) -> sp.Expr:
    """``first_step_l2(start) = (1 - lambda) start``, cleared of denominators (``= 0``)."""
    return decay_positive * (lam_l2 * start + eps) - alpha * lam_l2


#: The counterexample, re-run with torch.optim.Adam / AdamW: f = 0, theta_0 = (1, 2).
FIRST_STEP_COUNTEREXAMPLE = {"theta_0": (1.0, 2.0), "loss": "f_t = 0", "lr": 0.1, "L2": 0.1}

ADAM_L2_NOT_ADAMW = Claim(
    id="adam-l2-not-adamw",
    title="Adam's momentum and bias correction do not restore L2 = weight decay (already at t = 1)",
    source=(
        "Problem set Q1.b, arguments i.1-i.2 (extension to Adam); Loshchilov & Hutter 2019, "
        "Sec. 2 and Alg. 2"
    ),
    question="Q1.b",
    statement=sp.Eq(first_step_l2(theta0), (1 - lam) * theta0),
    statement_text=(
        r"For every $\beta_1, \beta_2 \in [0, 1)$, $\epsilon > 0$, $\alpha > 0$ and $\lambda > 0$ there "
        r"is no constant $\lambda'$ such that Adam on $f_t + \frac{\lambda'}{2}\lVert\theta\rVert^2$ "
        r"takes the steps of AdamW with decay $\lambda$ for every start and every gradient sequence: "
        r"with $f = 0$ and a start with two different positive coordinates the first steps already "
        r"differ."
    ),
    conventions=PAPER_AND_TORCH,
    steps=(
        Identity(
            r"Bias correction at $t = 1$ cancels $\beta_1$: $\hat m_1 = \tilde g_1$ for every $\beta_1$.",
            (beta1 * m_0 + (1 - beta1) * grad_tilde) / (1 - beta1),
            grad_tilde,
            given={m_0: 0},
        ),
        Identity(
            r"Likewise $\hat v_1 = \tilde g_1^2$ for every $\beta_2$: Adam's first step is the "
            r"bias-corrected RMSProp step, $M_1 = \mathrm{diag}(1/(|\tilde g_1| + \epsilon))$.",
            (beta2 * v_0 + (1 - beta2) * grad_tilde**2) / (1 - beta2),
            grad_tilde**2,
            given={v_0: 0},
        ),
        Identity(
            r"With $f = 0$ (per coordinate $j$, $\theta_{0,j} > 0$) Adam + $L_2$ sees "
            r"$\tilde g_{1,j} = \lambda'\theta_{0,j}$ and shrinks the coordinate by a factor that depends "
            r"on $\theta_{0,j}$.",
            first_step_l2(theta0),
            theta0 * (1 - alpha * lam_l2 / (lam_l2 * theta0 + eps)),
        ),
        Identity(
            r"AdamW with $f = 0$ has $m = v = 0$, so its step is the pure decay "
            r"$(1 - \lambda)\theta_{0,j}$; equality of the two first steps, times "
            r"$(\lambda'\theta_{0,j} + \epsilon)/\theta_{0,j}$, is "
            r"$\lambda(\lambda'\theta_{0,j} + \epsilon) - \alpha\lambda' = 0$.",
            (first_step_l2(theta0) - (1 - decay_positive) * theta0)
            * (lam_l2 * theta0 + eps) / theta0,
            decay_condition(theta0),
        ),
        Solution(
            r"Two coordinates $\theta_{0,j}$ and $\theta_{0,j} + \delta$ ($\delta > 0$) need the same "
            r"$\lambda'$: subtracting the two conditions leaves $\lambda\lambda'\delta = 0$, so "
            r"$\lambda' = 0$.",
            sp.Eq(decay_condition(theta0), decay_condition(theta0 + gap)),
            lam_l2,
            sp.FiniteSet(0),
        ),
        Solution(
            r"With $\lambda' = 0$ the condition reads $\lambda\epsilon = 0$: no $\lambda > 0$ satisfies it.",
            sp.Eq(decay_condition(theta0).subs({lam_l2: 0, decay_positive: lam}), 0),
            lam,
            sp.EmptySet,
            domain=sp.Interval.open(0, sp.oo),
        ),
    ),
    verdict=Verdict.proved(
        r"Exact for every $\beta_1, \beta_2$: the bias correction reduces Adam's first step to the "
        r"RMSProp step, so Prop. 2's obstruction applies at $t = 1$ whatever the momentum does later."
    ),
)

k = sp.Symbol("k", positive=True)  # the fixed scalar preconditioner M = k I
theta_0, g_1, g_2 = (
    sp.Symbol(name, real=True) for name in (r"\theta_{0,j}", "g_{1,j}", "g_{2,j}")
)
x_1, x_2 = sp.symbols("x_1 x_2", real=True)  # any two inputs of the first moment


def bias_corrected_mean_2(first: sp.Expr, second: sp.Expr) -> sp.Expr:
    """``mhat_2`` from ``m_0 = 0`` and the inputs ``first``, ``second``."""
    m_1 = beta1 * 0 + (1 - beta1) * first
    return (beta1 * m_1 + (1 - beta1) * second) / (1 - beta1**2)


def l2_second_step(theta_1: sp.Expr) -> sp.Expr:
    """Adam + L2 with ``M = k I``, step 2 from ``theta_1`` (``mhat_2`` of the L2 gradients)."""
    return theta_1 - alpha * k * (beta1 * (g_1 + lam_l2 * theta_0) + g_2 + lam_l2 * theta_1) / (1 + beta1)


def decoupled_second_step(theta_1: sp.Expr) -> sp.Expr:
    """AdamW with ``M = k I``, step 2 from ``theta_1``."""
    return theta_1 - alpha * k * (beta1 * g_1 + g_2) / (1 + beta1) - lam * theta_1


# Adam with M = k I on the L2 loss, and AdamW with M = k I (per coordinate j).
l2_theta_1 = theta_0 - alpha * k * (g_1 + lam_l2 * theta_0)
wd_theta_1 = theta_0 - alpha * k * g_1 - lam * theta_0
l2_theta_2 = l2_second_step(l2_theta_1)
wd_theta_2 = decoupled_second_step(wd_theta_1)
theta_1 = sp.Symbol(r"\theta_{1,j}", real=True)  # the common iterate once step 1 agrees
step2_residual = alpha * k * lam_l2 * beta1 / (1 + beta1) * (theta_1 - theta_0)

#: The two-step counterexample, re-run with torch.optim.Adam / AdamW (eps huge: M = k I).
TWO_STEP_COUNTEREXAMPLE = {
    "alpha": 0.1, "k": 1.0, "beta_1": 0.9, "L2": 1.0, "lambda": 0.1, "theta_0": 1.0,
    "loss": "f_t = 0", "step2_difference": -9 / 1900,
}
_numbers = {alpha: sp.Rational(1, 10), k: 1, beta1: sp.Rational(9, 10), theta_0: 1}

ADAM_MOMENTUM_BREAKS_EQUIVALENCE = Claim(
    id="adam-momentum-breaks-equivalence",
    title="Even with M = kI, Adam's momentum makes L2 differ from weight decay from step 2 on",
    source="Problem set Q1.b, argument i.1 (momentum); cf. Q1.a.ii (SGD with momentum)",
    question="Q1.b",
    statement=sp.Eq(sp.Symbol(r"\theta^{L_2}_{2,j} - \theta^{W}_{2,j}"), step2_residual),
    statement_text=(
        r"For $\beta_1 \in (0, 1)$, a fixed preconditioner $M = kI$ and $\alpha, k > 0$: Adam's "
        r"bias-corrected momentum on $f_t + \frac{\lambda'}{2}\lVert\theta\rVert^2$ matches decoupled "
        r"decay $\lambda$ at step 1 iff $\lambda = \alpha k\lambda'$, and then differs at step 2 by "
        r"$\frac{\alpha k\lambda'\beta_1}{1+\beta_1}(\theta_1 - \theta_0)$, which is nonzero whenever "
        r"$\lambda' > 0$ and the first step moved $\theta$; so no constant $\lambda'$ reproduces decay "
        r"$\lambda > 0$ for all gradient sequences."
    ),
    conventions=(
        PAPER_AND_TORCH + r" Here the preconditioner is fixed: $1/(\sqrt{\hat v_t} + \epsilon)$ is "
        r"replaced by $k$ (torch: $\epsilon \gg \sqrt{\hat v_t}$ with $\mathrm{lr} = \alpha k\epsilon$)."
    ),
    steps=(
        Identity(
            r"Bias-corrected momentum after two steps is $(\beta_1 x_1 + x_2)/(1 + \beta_1)$, for "
            r"symbolic $\beta_1$ (per coordinate).",
            bias_corrected_mean_2(x_1, x_2),
            (beta1 * x_1 + x_2) / (1 + beta1),
        ),
        Identity(
            r"Step 1 ($\hat m_1 = g_1$): the two methods differ by $(\lambda - \alpha k\lambda')"
            r"\theta_{0,j}$.",
            l2_theta_1 - wd_theta_1,
            (lam - alpha * k * lam_l2) * theta_0,
        ),
        Solution(
            r"So step 1 agrees for every $\theta_0$ iff $\lambda' = \lambda/(\alpha k)$, as for SGD.",
            sp.Eq(lam - alpha * k * lam_l2, 0),
            lam_l2,
            sp.FiniteSet(lam / (alpha * k)),
        ),
        Identity(
            r"Then both methods reach the same $\theta_{1,j}$.",
            l2_theta_1,
            wd_theta_1,
            given={lam: alpha * k * lam_l2},
        ),
        Identity(
            r"From that common $\theta_{1,j}$, with $\lambda = \alpha k\lambda'$, the step-2 "
            r"residual is the momentum's memory of the old iterate: "
            r"$\frac{\alpha k\lambda'\beta_1}{1+\beta_1}(\theta_1 - \theta_0)$.",
            l2_second_step(theta_1) - decoupled_second_step(theta_1),
            step2_residual,
            given={lam: alpha * k * lam_l2},
        ),
        Identity(
            r"The first step moved $\theta$ by $-\alpha k(g_1 + \lambda'\theta_0)$, which is "
            r"nonzero in general (e.g. $f = 0$, $\theta_0 \ne 0$).",
            l2_theta_1 - theta_0,
            -alpha * k * (g_1 + lam_l2 * theta_0),
        ),
        Solution(
            r"Counterexample $f = 0$, $\theta_0 = 1$, $\alpha = 1/10$, $k = 1$, $\beta_1 = 9/10$: the "
            r"step-2 residual vanishes only for $\lambda' = 0$, i.e. $\lambda = 0$.",
            sp.Eq(step2_residual.subs(theta_1, l2_theta_1).subs({g_1: 0, g_2: 0}).subs(_numbers), 0),
            lam_l2,
            sp.FiniteSet(0),
        ),
        Identity(
            r"With $\lambda' = 1$ ($\lambda = 1/10$) the two $\theta_2$ differ by $-9/1900$.",
            (l2_theta_2 - wd_theta_2).subs(lam, alpha * k * lam_l2).subs({g_1: 0, g_2: 0})
            .subs(_numbers).subs(lam_l2, 1),
            sp.Rational(-9, 1900),
        ),
    ),
    verdict=Verdict.proved(
        r"Exact per coordinate: for $\beta_1 > 0$ momentum alone breaks the equivalence, even where "
        r"the preconditioner is scalar (as for SGD, claim sgd-momentum-l2-equals-constant-decay); "
        r"with $\beta_1 = 0$ the residual vanishes (Prop. 1 scaled by $k$)."
    ),
)

CLAIMS = (ADAM_L2_NOT_ADAMW, ADAM_MOMENTUM_BREAKS_EQUIVALENCE)
