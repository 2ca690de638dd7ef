"""Adam and AdamW as the paper writes them and as PyTorch runs them (problem set Q2.a).

Paper Alg. 2 (per coordinate, ``g_t = grad f_t(theta_{t-1})``, ``m_0 = v_0 = 0``):

.. math::
    m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2,
    \\quad \\hat m_t = \\frac{m_t}{1-\\beta_1^t}, \\quad \\hat v_t = \\frac{v_t}{1-\\beta_2^t},

    \\theta_t = \\theta_{t-1} - \\eta_t \\Big(\\alpha \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}
        + \\lambda \\theta_{t-1}\\Big).

``torch.optim.AdamW(lr, weight_decay=w)`` with learning rate ``gamma_t`` at step ``t`` instead
multiplies ``theta_{t-1}`` by ``1 - gamma_t w`` and subtracts ``gamma_t mhat_t/(sqrt(vhat_t)+eps)``:
its decay is scaled by the learning rate, the paper's is not scaled by ``alpha``. Claim
``adamw-paper-decay-equals-torch-decay`` gives the exact dictionary; claim
``adam-bias-correction-constant-gradient`` shows what bias correction buys, for every ``t``.
:data:`UPDATE_RULES` holds the update rules as SymPy equations for the solution key.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim, Identity, Solution, Verdict
from wdproof.derivations.notation import alpha, beta1, beta2, eps, eta, lam, t

# --- The update rules, typeset in the solution key (Q2.a) -------------------------------------
theta_prev, theta_next = sp.symbols(r"\theta_{t-1} \theta_t", real=True)
g_t, m_prev, v_prev = sp.symbols("g_t m_{t-1} v_{t-1}", real=True)
m_t, v_t = sp.symbols("m_t v_t", real=True)
m_hat, v_hat = sp.symbols(r"\hat{m}_t \hat{v}_t", real=True)
lr, wd = sp.symbols(
    r"\gamma_t \lambda_{\mathrm{torch}}", positive=True
)  # PyTorch's lr_t, weight_decay

adam_direction = m_hat / (sp.sqrt(v_hat) + eps)
paper_adamw_step = theta_prev - eta * (alpha * adam_direction + lam * theta_prev)
torch_adamw_step = theta_prev * (1 - lr * wd) - lr * adam_direction

#: ``(name, equation)`` pairs: the Adam/AdamW update of paper Alg. 2 and of torch.optim.
UPDATE_RULES: tuple[tuple[str, sp.Eq], ...] = (
    ("first moment", sp.Eq(m_t, beta1 * m_prev + (1 - beta1) * g_t)),
    ("second moment", sp.Eq(v_t, beta2 * v_prev + (1 - beta2) * g_t**2)),
    (
        "bias corrections",
        sp.Eq(sp.Tuple(m_hat, v_hat), sp.Tuple(m_t / (1 - beta1**t), v_t / (1 - beta2**t))),
    ),
    (
        "Adam (torch.optim.Adam, L2 weight_decay added to g_t)",
        sp.Eq(theta_next, theta_prev - lr * adam_direction),
    ),
    ("AdamW, torch.optim.AdamW", sp.Eq(theta_next, torch_adamw_step)),
    ("AdamW, paper Alg. 2", sp.Eq(theta_next, paper_adamw_step)),
)

# --- Claim 1: the decay conventions --------------------------------------------------------
u = sp.Symbol("u_t", real=True)  # mhat_t/(sqrt(vhat_t)+eps): any real, the same for both methods
theta = sp.Symbol(r"\theta_{t-1}", real=True)
paper_step = theta - eta * (alpha * u + lam * theta)
torch_step = theta * (1 - lr * wd) - lr * u
lerp_moment = m_prev + (1 - beta1) * (g_t - m_prev)  # torch: exp_avg.lerp_(grad, 1 - beta1)

DECAY_CONVENTIONS = Claim(
    id="adamw-paper-decay-equals-torch-decay",
    title="PyTorch AdamW is paper Alg. 2 iff lr_t = alpha eta_t and weight_decay = lambda / alpha",
    source="Loshchilov & Hutter 2019, Alg. 2 line 12; torch.optim.AdamW; problem set Q2.a",
    question="Q2.a",
    statement=sp.Eq(torch_step.subs({lr: alpha * eta, wd: lam / alpha}), paper_step),
    statement_text=(
        "For every step t, every iterate and every gradient history, torch.optim.AdamW with "
        "learning rate gamma_t at step t and weight_decay w takes the step of paper Alg. 2 with "
        "base rate alpha, schedule multiplier eta_t and decay lambda if and only if "
        "gamma_t = alpha eta_t (a LambdaLR schedule) and w = lambda / alpha; equivalently "
        "lambda_paper = alpha w = gamma_t w / eta_t. PyTorch's default w = 1e-2 with "
        "lr = 1e-3 is the paper's lambda = 1e-5."
    ),
    conventions=(
        "Per coordinate (Adam is element-wise). u_t = mhat_t/(sqrt(vhat_t) + eps) is computed "
        "from the raw gradient at theta_{t-1} in both methods (decay never enters the moments), "
        "with eps outside the square root in both. PyTorch decays first, "
        "theta <- theta (1 - gamma_t w), then subtracts gamma_t u_t."
    ),
    steps=(
        Identity(
            "PyTorch's first moment, exp_avg.lerp_(g, 1 - beta_1), is the paper's m_t.",
            lerp_moment,
            beta1 * m_prev + (1 - beta1) * g_t,
        ),
        Identity(
            "PyTorch's AdamW step expands to theta - gamma_t u_t - gamma_t w theta.",
            torch_step,
            theta - lr * u - lr * wd * theta,
        ),
        Identity(
            "The two steps differ by a multiple of u_t plus a multiple of theta_{t-1}.",
            torch_step - paper_step,
            (eta * alpha - lr) * u + (eta * lam - lr * wd) * theta,
        ),
        Solution(
            "They agree for every u_t only if its coefficient vanishes: gamma_t = alpha eta_t.",
            sp.Eq(eta * alpha - lr, 0),
            lr,
            sp.FiniteSet(alpha * eta),
        ),
        Solution(
            "Then they agree for every theta_{t-1} only if w = lambda / alpha.",
            sp.Eq(eta * lam - alpha * eta * wd, 0),
            wd,
            sp.FiniteSet(lam / alpha),
        ),
        Identity(
            "With gamma_t = alpha eta_t and w = lambda / alpha the steps are identical; the "
            "moments see the same gradients, so by induction on t the trajectories coincide.",
            torch_step,
            paper_step,
            given={lr: alpha * eta, wd: lam / alpha},
        ),
    ),
    verdict=Verdict.proved(
        "Exact for every t and every coordinate, iff gamma_t = alpha eta_t and w = lambda/alpha."
    ),
)

# --- Claim 2: bias correction, closed form for every t --------------------------------------
g = sp.Symbol("g", real=True)  # a constant gradient coordinate
k = sp.Symbol("k", integer=True, nonnegative=True)


def mean_after(steps: sp.Expr) -> sp.Expr:
    """Closed form of ``m_k`` for a constant gradient ``g`` from ``m_0 = 0``."""
    return (1 - beta1**steps) * g


step_with_correction = alpha * g / (sp.sqrt(g**2) + eps)
step_without_correction = alpha * mean_after(t) / (sp.sqrt((1 - beta2**t) * g**2) + eps)

def _corrected_step_statement() -> sp.Eq:
    """``alpha (m_t/(1-beta1^t)) / (sqrt(v_t/(1-beta2^t)) + eps) = alpha g/(|g| + eps)``, as written."""
    with sp.evaluate(False):
        m_hat = ((1 - beta1**t) * g) / (1 - beta1**t)
        v_hat = ((1 - beta2**t) * g**2) / (1 - beta2**t)
        return sp.Eq(alpha * m_hat / (sp.sqrt(v_hat) + eps), step_with_correction)


BIAS_CORRECTION = Claim(
    id="adam-bias-correction-constant-gradient",
    title="With a constant gradient, bias-corrected Adam steps alpha g/(|g| + eps) at every t",
    source="Loshchilov & Hutter 2019, Alg. 2 lines 9-10; problem set Q2.a",
    question="Q2.a",
    statement=_corrected_step_statement(),
    statement_text=(
        "If every gradient coordinate equals g, then m_t = (1 - beta_1^t) g and "
        "v_t = (1 - beta_2^t) g^2 for every t >= 0, so mhat_t = g, vhat_t = g^2 and Adam's "
        "step is alpha g/(|g| + eps) from the first step on; without the corrections the step "
        "is alpha (1-beta_1^t) g/(sqrt(1-beta_2^t)|g| + eps), (1-beta_1)/sqrt(1-beta_2) "
        "= 3.16 times larger at t = 1 for the defaults (beta_1, beta_2) = (0.9, 0.999) when "
        "eps << |g|."
    ),
    conventions="Per coordinate; m_0 = v_0 = 0; paper Alg. 2 and torch.optim.Adam (eps outside).",
    steps=(
        Identity("Base case: the closed form gives m_0 = 0.", mean_after(0), 0),
        Identity(
            "Induction step: the closed form satisfies m_k = beta_1 m_{k-1} + (1 - beta_1) g "
            "for every k >= 1, so m_t = (1 - beta_1^t) g for every t.",
            beta1 * mean_after(k) + (1 - beta1) * g,
            mean_after(k + 1),
        ),
        Identity(
            "The same recursion with beta_2 and g^2 gives v_t = (1 - beta_2^t) g^2; "
            "its induction step:",
            beta2 * (1 - beta2**k) * g**2 + (1 - beta2) * g**2,
            (1 - beta2 ** (k + 1)) * g**2,
        ),
        Identity(
            "Hence the bias-corrected step is alpha g/(|g| + eps) at every t.",
            alpha
            * (mean_after(t) / (1 - beta1**t))
            / (sp.sqrt((1 - beta2**t) * g**2 / (1 - beta2**t)) + eps),
            step_with_correction,
        ),
        Identity(
            "Without bias correction (and eps = 0) the step at t is (1-beta_1^t)/sqrt(1-beta_2^t) "
            "times the corrected one.",
            step_without_correction.subs(eps, 0) / step_with_correction.subs(eps, 0),
            (1 - beta1**t) / sp.sqrt(1 - beta2**t),
        ),
    ),
    verdict=Verdict.proved("Exact for every t >= 1 by induction (symbolic t)."),
)

CLAIMS = (DECAY_CONVENTIONS, BIAS_CORRECTION)
