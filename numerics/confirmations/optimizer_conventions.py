"""Paper vs PyTorch conventions for Adam/AdamW, confirmed with torch.optim (Q2.a).

Every number a confirmation checks against is computed from the claim's own SymPy objects (its
stated solution set, closed form or ratio, turned into a function with ``lambdify``) or read
from ``claim.instance``, so a confirmation tests the statement the kernel judged.

* ``adamw-paper-decay-equals-torch-decay``: ``torch.optim.AdamW`` with the claim's
  ``(gamma_t, w) = (alpha eta_t, lambda/alpha)`` against paper Alg. 2 built from
  ``torch.optim.Adam`` plus the paper's decay ``theta <- (1 - eta_t lambda) theta`` (cosine
  ``eta_t``). Copying the paper's ``lambda`` into ``weight_decay`` is the control.
* ``adam-moments-constant-gradient``: ``torch.optim.Adam``'s ``exp_avg``/``exp_avg_sq`` on
  ``f(theta) = g . theta`` against ``(1 - beta^t) c`` at ``(beta_1, g)`` and ``(beta_2, g^2)``.
* ``adam-bias-correction-constant-gradient``: the same run moves every coordinate by exactly
  ``lr g/(|g| + eps)`` per step.
* ``adam-uncorrected-step-constant-gradient``: ``lr m_t/(sqrt(v_t) + eps)`` from torch's raw
  moments against the claim's closed form.
* ``adam-eps-hat-equals-torch-eps``: a hand-written efficient-form Adam (Kingma & Ba Sec. 2)
  with the claim's ``epsilonhat_t = eps sqrt(1 - beta_2^t)`` against ``torch.optim.Adam``; a
  constant ``epsilonhat = eps`` is the control.
* ``adam-constant-eps-hat-not-torch-eps``: the claim's instance: a constant ``epsilonhat``
  fitted to step 1 misses torch's step 2.
* ``adam-eps-inside-sqrt``: the claim's instance, one ``torch.optim.Adam`` step: the ``eps'_j``
  each coordinate needs inside the root, recovered from torch's step, differ.
* ``adam-eps-inside-sqrt-required-eps``: along a ``torch.optim.Adam`` run, the ``eps'`` each
  coordinate needs at each step is the claim's ``eps^2 + 2 eps sqrt(vhat)``.
* ``adam-eps-inside-sqrt-step-ratio``: along the same kind of run, the lecture's step from
  torch's moments over torch's step is the claim's ``(sqrt(vhat) + eps)/sqrt(vhat + eps)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp
import torch

from wdproof.derivations import adam_epsilon as epsilon
from wdproof.derivations import optimizer_conventions as conventions
from wdproof.derivations.notation import alpha, beta1, beta2, eps, eta, lam, t
from wdproof.numerics.confirmation import DTYPE, Confirmation, confirms
from wdproof.numerics.optimizer_cases import OptimizerCase, run_torch_case
from wdproof.numerics.problems import Problem, linear_problem, max_deviation, mlp_regression
from wdproof.numerics.reference_optimizers import cosine_schedule, run_rule

STEPS = 100
TOLERANCE = 1e-12
SEPARATION = 1e-9  # a gap a refutation must exceed (float64 rounding is ~1e-15 here)
EPS_SPREAD_TOLERANCE = 1e-9  # eps'_j are recovered to about 1e-15
BETAS = (0.9, 0.999)


def _stated_solution(claim, point: int = 0) -> tuple[sp.Basic, ...]:
    """The ``point``-th element of a solutions statement's set, as a tuple of expressions."""
    element = list(claim.statement.solutions.args)[point]
    return tuple(element.args) if isinstance(element, sp.Tuple) else (element,)


# --- AdamW decay ----------------------------------------------------------------------------
@confirms("adamw-paper-decay-equals-torch-decay")
def torch_adamw_matches_paper_decay() -> Confirmation:
    schedule = cosine_schedule(STEPS, eta_min=0.1)
    lr_of, wd_of = (
        sp.lambdify((alpha, eta, lam), expr, modules="math")
        for expr in _stated_solution(conventions.DECAY_CONVENTIONS)
    )
    rows = []
    for base, decay in ((0.05, 4e-3), (0.01, 1e-3), (0.2, 2e-2)):
        common = {"problem": lambda: mlp_regression(seed=3), "schedule": schedule, "steps": STEPS}
        paper = run_torch_case(
            OptimizerCase(
                "paper",
                (),
                lambda ps, a=base: torch.optim.Adam(ps, lr=a, foreach=False),
                shrink=lambda step, lam=decay: schedule(step) * lam,
                **common,
            )
        )
        # The claim's pair: gamma_t = alpha eta_t is lr = alpha under the schedule eta_t;
        # weight_decay is the claim's w (it does not depend on eta_t).
        assert math.isclose(lr_of(base, 0.5, decay), base * 0.5)
        mapped_w = float(wd_of(base, 1.0, decay))
        mapped, naive = (
            run_torch_case(
                OptimizerCase(
                    "torch",
                    (),
                    lambda ps, a=base, w=w: torch.optim.AdamW(
                        ps, lr=a, weight_decay=w, foreach=False
                    ),
                    **common,
                )
            )
            for w in (mapped_w, decay)
        )
        rows.append(
            (base, decay, mapped_w, max_deviation(paper, mapped), max_deviation(paper, naive))
        )
    return Confirmation(
        quantity=f"max |theta_paper - theta_AdamW(weight_decay = lambda/alpha)| over {STEPS} steps",
        value=max(row[3] for row in rows),
        tolerance=TOLERANCE,
        columns=(
            "alpha",
            "paper lambda",
            "weight_decay = lambda/alpha",
            "max deviation",
            "control: weight_decay = lambda",
        ),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on a 4-16-8-1 tanh MLP; cosine eta_t from 1 to 0.1 "
            "set as every group's lr = alpha eta_t; paper side: torch.optim.Adam(lr = alpha eta_t) "
            "after theta <- (1 - eta_t lambda) theta."
        ),
    )


# --- A constant gradient --------------------------------------------------------------------
# ``linear_problem(zeros, [g])`` is ``f_t(theta) = g . theta`` for every t: every gradient is g.
@dataclass(frozen=True)
class AdamStep:
    """One ``torch.optim.Adam`` step of one tensor: the state after it and the move it made."""

    t: int
    moved: torch.Tensor  # theta_{t-1} - theta_t
    exp_avg: torch.Tensor  # m_t
    exp_avg_sq: torch.Tensor  # v_t
    m_hat: torch.Tensor
    v_hat: torch.Tensor


def adam_trace(problem: Problem, steps: int, **hyper) -> list[AdamStep]:
    """Run ``torch.optim.Adam`` on ``problem``; every step of every parameter, flattened."""
    beta_1, beta_2 = hyper.get("betas", BETAS)
    params = problem.initial()
    optimizer = torch.optim.Adam(params, foreach=False, **hyper)
    trace: list[AdamStep] = []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        problem.loss(params, step - 1).backward()
        before = [p.detach().clone() for p in params]
        optimizer.step()
        for p, old in zip(params, before, strict=True):
            state = optimizer.state[p]
            m, v = state["exp_avg"].flatten().clone(), state["exp_avg_sq"].flatten().clone()
            trace.append(
                AdamStep(
                    step,
                    (old - p.detach()).flatten(),
                    m,
                    v,
                    m / (1 - beta_1**step),
                    v / (1 - beta_2**step),
                )
            )
    return trace


CONSTANT_GRADIENT = [1e-3, -0.5, 2.0, 10.0]
CONSTANT_LR, CONSTANT_EPS = 0.1, 1e-8


def _constant_gradient_trace() -> list[AdamStep]:
    return adam_trace(
        linear_problem([0.0] * len(CONSTANT_GRADIENT), [CONSTANT_GRADIENT]),
        STEPS,
        lr=CONSTANT_LR,
        eps=CONSTANT_EPS,
        betas=BETAS,
    )


@confirms("adam-moments-constant-gradient")
def constant_gradient_moments() -> Confirmation:
    closed = sp.lambdify(
        (conventions.beta, conventions.c, conventions.k),
        conventions.MOMENTS.statement.rhs,
        modules="math",
    )
    g = torch.tensor(CONSTANT_GRADIENT, dtype=DTYPE)
    worst, rows = 0.0, []
    for step in _constant_gradient_trace():
        m_pred = torch.tensor(
            [closed(BETAS[0], gj, step.t) for gj in CONSTANT_GRADIENT], dtype=DTYPE
        )
        v_pred = torch.tensor(
            [closed(BETAS[1], gj**2, step.t) for gj in CONSTANT_GRADIENT], dtype=DTYPE
        )
        miss = max(
            float(((step.exp_avg - m_pred) / g.abs()).abs().max()),
            float(((step.exp_avg_sq - v_pred) / g**2).abs().max()),
        )
        worst = max(worst, miss)
        if step.t in (1, 2, 10, STEPS):
            rows.append(
                (
                    step.t,
                    float(step.exp_avg[2]),
                    float(m_pred[2]),
                    float(step.exp_avg_sq[2]),
                    float(v_pred[2]),
                )
            )
    return Confirmation(
        quantity=f"max relative |torch moment - (1 - beta^t) c| over {STEPS} steps, both moments",
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            "t",
            "exp_avg (g = 2)",
            "(1-beta_1^t) g",
            "exp_avg_sq (g = 2)",
            "(1-beta_2^t) g^2",
        ),
        rows=tuple(rows),
        note=(
            f"float64; torch.optim.Adam(lr={CONSTANT_LR}, eps={CONSTANT_EPS}, betas={BETAS}) on "
            f"f(theta) = g . theta with g = {CONSTANT_GRADIENT}; the claim's closed form at "
            "(beta_1, g) and (beta_2, g^2), lambdified from its statement."
        ),
    )


@confirms("adam-bias-correction-constant-gradient")
def constant_gradient_steps() -> Confirmation:
    closed = sp.lambdify(
        (alpha, conventions.g, eps), conventions.BIAS_CORRECTION.statement.rhs, modules="math"
    )
    trace = _constant_gradient_trace()
    per_step = torch.tensor(
        [closed(CONSTANT_LR, gj, CONSTANT_EPS) for gj in CONSTANT_GRADIENT], dtype=DTYPE
    )
    worst = max(float((step.moved - per_step).abs().max()) for step in trace)
    beta_1, beta_2 = BETAS
    rows = tuple(
        (
            step.t,
            float(step.moved[2]),
            float(per_step[2]),
            CONSTANT_LR
            * (1 - beta_1**step.t)
            * 2.0
            / (math.sqrt(1 - beta_2**step.t) * 2.0 + CONSTANT_EPS),
        )
        for step in trace
        if step.t in (1, 2, 10, STEPS)
    )
    return Confirmation(
        quantity=f"max |torch step - lr g/(|g| + eps)| over {STEPS} steps",
        value=worst,
        tolerance=TOLERANCE,
        columns=("t", "torch step (g = 2)", "lr g/(|g|+eps)", "without bias correction"),
        rows=rows,
        note=(
            f"float64; torch.optim.Adam(lr={CONSTANT_LR}, eps={CONSTANT_EPS}) on "
            f"f(theta) = g . theta with g = {CONSTANT_GRADIENT} from theta_0 = 0, {STEPS} steps."
        ),
    )


@confirms("adam-uncorrected-step-constant-gradient")
def uncorrected_steps() -> Confirmation:
    claim = conventions.UNCORRECTED
    closed = sp.lambdify(
        (alpha, conventions.g, eps, beta1, beta2, t), claim.statement.rhs, modules="math"
    )
    worst, rows = 0.0, []
    for step in _constant_gradient_trace():
        uncorrected = CONSTANT_LR * step.exp_avg / (step.exp_avg_sq.sqrt() + CONSTANT_EPS)
        predicted = torch.tensor(
            [closed(CONSTANT_LR, gj, CONSTANT_EPS, *BETAS, step.t) for gj in CONSTANT_GRADIENT],
            dtype=DTYPE,
        )
        worst = max(worst, float((uncorrected - predicted).abs().max()))
        if step.t in (1, 2, 10, STEPS):
            rows.append(
                (
                    step.t,
                    float(uncorrected[2]),
                    float(predicted[2]),
                    float(uncorrected[2] / step.moved[2]),
                )
            )
    return Confirmation(
        quantity=f"max |lr m_t/(sqrt(v_t) + eps) - closed form| over {STEPS} steps",
        value=worst,
        tolerance=TOLERANCE,
        columns=(
            "t",
            "lr m_t/(sqrt(v_t)+eps), g = 2",
            "closed form",
            "over torch's corrected step",
        ),
        rows=tuple(rows),
        note=(
            f"float64; raw moments m_t, v_t from torch.optim.Adam(lr={CONSTANT_LR}, "
            f"eps={CONSTANT_EPS}) on f(theta) = g . theta, g = {CONSTANT_GRADIENT}; the last "
            "column is the factor (1-beta_1^t)/sqrt(1-beta_2^t) when eps << |g|."
        ),
    )


# --- Where eps sits ------------------------------------------------------------------------
@dataclass(frozen=True)
class EfficientFormAdam:
    """Kingma & Ba's form: ``alpha_t = lr sqrt(1-beta2^t)/(1-beta1^t)``, ``sqrt(v) + eps_hat``.

    ``eps_hat(t)`` gives the constant added to ``sqrt(v_t)`` at step ``t``.
    """

    lr: float
    eps_hat: object
    betas: tuple[float, float] = BETAS

    def init(self, theta):
        return (torch.zeros_like(theta), torch.zeros_like(theta))

    def update(self, theta, grad, state, t):
        beta_1, beta_2 = self.betas
        m = beta_1 * state[0] + (1 - beta_1) * grad
        v = beta_2 * state[1] + (1 - beta_2) * grad * grad
        alpha_t = self.lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        return theta - alpha_t * m / (v.sqrt() + self.eps_hat(t)), (m, v)


@confirms("adam-eps-hat-equals-torch-eps")
def eps_hat_mapping() -> Confirmation:
    (stated,) = _stated_solution(epsilon.EPS_HAT)  # eps sqrt(c_2)
    eps_hat_of = sp.lambdify((eps, epsilon.correction2), stated, modules="math")
    rows = []
    for lr, eps_ in ((0.05, 1e-8), (0.01, 1e-1)):
        problem = mlp_regression(seed=4)
        oracle = run_torch_case(
            OptimizerCase(
                "adam",
                (),
                lambda ps, lr=lr, e=eps_: torch.optim.Adam(ps, lr=lr, eps=e, foreach=False),
                problem=lambda problem=problem: problem,
                steps=STEPS,
            )
        )
        mapped = run_rule(
            problem,
            EfficientFormAdam(lr, lambda step, e=eps_: eps_hat_of(e, 1 - BETAS[1] ** step)),
            STEPS,
        )
        constant = run_rule(problem, EfficientFormAdam(lr, lambda _step, e=eps_: e), STEPS)
        rows.append((lr, eps_, max_deviation(mapped, oracle), max_deviation(constant, oracle)))
    return Confirmation(
        quantity=(
            f"max |theta_eps-hat - theta_torch| over {STEPS} steps, eps_hat = eps sqrt(1-beta2^t)"
        ),
        value=max(row[2] for row in rows),
        tolerance=TOLERANCE,
        columns=("lr", "eps", "eps_hat = eps sqrt(1-beta2^t)", "control: constant eps_hat = eps"),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on a 4-16-8-1 tanh MLP; "
            "torch.optim.Adam against a hand-written efficient-form Adam, betas (0.9, 0.999)."
        ),
    )


@confirms("adam-constant-eps-hat-not-torch-eps")
def constant_eps_hat_misses_step_two() -> Confirmation:
    """The claim's instance: the constant that step 1 forces, ``eps sqrt(1 - beta_2)``, misses
    step 2 of ``torch.optim.Adam``; the step-dependent value of the previous claim does not."""
    setting = epsilon.CONSTANT_EPS_HAT.instance
    lr, eps_, betas, steps = setting["lr"], setting["eps"], setting["betas"], setting["steps"]
    (stated,) = _stated_solution(epsilon.EPS_HAT)
    eps_hat_of = sp.lambdify((eps, epsilon.correction2), stated, modules="math")
    fitted = eps_hat_of(eps_, 1 - betas[1] ** steps[0])  # the constant step 1 forces
    problem = linear_problem([0.0], [[setting["gradient"]]])
    torch_trace = adam_trace(problem, max(steps), lr=lr, eps=eps_, betas=betas)
    constant = run_rule(problem, EfficientFormAdam(lr, lambda _t: fitted, betas), max(steps))
    varying = run_rule(
        problem,
        EfficientFormAdam(lr, lambda step: eps_hat_of(eps_, 1 - betas[1] ** step), betas),
        max(steps),
    )
    previous = [0.0] + [float(-history[0][0]) for history in constant]
    previous_varying = [0.0] + [float(-history[0][0]) for history in varying]
    rows = []
    for step in torch_trace:
        moved_constant = previous[step.t] - previous[step.t - 1]
        moved_varying = previous_varying[step.t] - previous_varying[step.t - 1]
        rows.append(
            (
                step.t,
                float(step.moved[0]),
                moved_constant,
                moved_varying,
                abs(moved_constant - float(step.moved[0])),
            )
        )
    first_miss = rows[0][4]
    if first_miss > TOLERANCE or max(abs(r[3] - r[1]) for r in rows) > TOLERANCE:
        raise RuntimeError(
            f"the fitted constant misses step 1 by {first_miss:g}, or the step-dependent "
            "eps_hat misses torch"
        )
    return Confirmation(
        quantity="|efficient-form step 2 with the constant eps_hat of step 1 - torch's step 2|",
        value=rows[-1][4],
        tolerance=SEPARATION,
        relation=">",
        columns=(
            "t",
            "torch.optim.Adam step",
            r"constant $\hat\epsilon = \epsilon\sqrt{1-\beta_2}$",
            r"$\hat\epsilon_t = \epsilon\sqrt{1-\beta_2^t}$",
            "miss of the constant",
        ),
        rows=tuple(rows),
        note=(
            f"float64; f(theta) = g theta with g = {setting['gradient']}, lr = {lr}, "
            f"eps = {eps_}, betas = {betas}; the constant eps_hat = {fitted:.6g} matches step 1 "
            "(guard, 1e-12) and misses step 2."
        ),
    )


def required_inside_eps(lr: float, eps_: float, gradient: list[float]) -> dict[str, torch.Tensor]:
    """One ``torch.optim.Adam`` step, and the ``eps'_j`` each coordinate needs inside the root.

    ``sqrt(vhat_j + eps'_j)`` reproduces torch's step
    ``|step_j| = lr |mhat_j|/(sqrt(vhat_j) + eps)`` iff ``eps'_j = (lr mhat_j/step_j)^2 - vhat_j``;
    ``mhat_1``, ``vhat_1`` are read from the optimizer's bias-corrected state.
    """
    (step,) = adam_trace(
        linear_problem([0.0] * len(gradient), [gradient]), 1, lr=lr, eps=eps_, betas=BETAS
    )
    return {
        "step": step.moved,
        "mhat": step.m_hat,
        "vhat": step.v_hat,
        "eps_in": (lr * step.m_hat / step.moved) ** 2 - step.v_hat,
    }


def _required_eps_function():
    """The claim's ``eps^2 + 2 eps sigma_t`` as a function of ``(eps, sigma_t)``."""
    (stated,) = _stated_solution(epsilon.REQUIRED_EPS)
    return sp.lambdify((eps, epsilon.sigma), stated, modules="math")


@confirms("adam-eps-inside-sqrt")
def eps_inside_sqrt_counterexample() -> Confirmation:
    """Headline: the spread ``max_j eps'_j - min_j eps'_j`` of the required constants.

    Guards (a failed one fails the confirmation): every coordinate reproduces torch's step with
    its own ``eps'_j`` to 1e-12, and each ``eps'_j`` is the value ``eps^2 + 2 eps |g_j|`` of
    claim ``adam-eps-inside-sqrt-required-eps``.
    """
    setting = epsilon.EPS_INSIDE_SQRT.instance
    gradient, lr, eps_ = setting["gradient"], setting["lr"], setting["eps"]
    run = required_inside_eps(lr, eps_, gradient)
    step, mhat, vhat, eps_in = run["step"], run["mhat"], run["vhat"], run["eps_in"]
    stated = _required_eps_function()
    predicted = torch.tensor([stated(eps_, abs(g)) for g in gradient], dtype=DTYPE)
    own = lr * mhat / (vhat + eps_in).sqrt()  # each coordinate with its own eps'_j
    fitted_0 = lr * mhat / (vhat + eps_in[0]).sqrt()  # every coordinate with eps'_0
    own_miss, fitted_miss = (own - step).abs(), (fitted_0 - step).abs()
    rows = tuple(
        (j, g, float(step[j]), float(eps_in[j]), float(predicted[j]), float(fitted_miss[j]))
        for j, g in enumerate(gradient)
    )
    _require(
        (
            float(own_miss.max()) <= TOLERANCE,
            "a coordinate misses torch's step with its own eps'_j",
        ),
        (
            float(((eps_in - predicted) / predicted).abs().max()) <= 1e-6,
            (
                f"eps'_j = {eps_in.tolist()} are not the claim's eps^2 + 2 eps |g_j| = "
                f"{predicted.tolist()}"
            ),
        ),
    )
    spread = float(eps_in.max() - eps_in.min())
    return Confirmation(
        quantity="spread max_j eps'_j - min_j eps'_j of the eps' each coordinate needs inside sqrt",
        value=spread,
        tolerance=EPS_SPREAD_TOLERANCE,
        relation=">",
        columns=(
            "coordinate",
            "gradient",
            "torch.optim.Adam step",
            r"required $\epsilon'_j = (\mathrm{lr}\,\hat m_j/\mathrm{step}_j)^2 - \hat v_j$",
            r"$\epsilon^2 + 2\epsilon|g_j|$",
            r"$|$step with $\epsilon'_0$ $-$ torch$|$",
        ),
        rows=rows,
        note=(
            f"float64; one torch.optim.Adam(lr={lr}, eps={eps_}) step on f(theta) = g . theta, "
            f"g = {gradient} (the gradients g = eps, 2 eps at which the kernel derives its "
            f"conditions); mhat_1, vhat_1 from the optimizer state. Each coordinate reproduces "
            f"torch's step with its own eps'_j (max miss {float(own_miss.max()):.1g}); "
            f"eps'_0 = {float(eps_in[0]):.6g} misses coordinate 1 by {float(fitted_miss[1]):.3g}."
        ),
        extra={"eps_required": eps_in.tolist(), "own_eps_max_miss": float(own_miss.max())},
    )


RUN_STEPS = 20
#: torch's step is measured as theta_{t-1} - theta_t: relative rounding ~1e-16 |theta|/|step|,
#: up to ~1e-11 for the smallest steps kept.
RATIO_TOLERANCE = 1e-10


@confirms("adam-eps-inside-sqrt-required-eps")
def required_eps_along_a_run() -> Confirmation:
    stated = _required_eps_function()
    rows, worst = [], 0.0
    for lr, eps_ in ((0.01, 0.1), (0.05, 1e-2)):
        for step in adam_trace(mlp_regression(seed=5), RUN_STEPS, lr=lr, eps=eps_, betas=BETAS):
            keep = step.m_hat.abs() > 1e-6  # eps' is recovered from a nonzero step only
            recovered = (lr * step.m_hat[keep] / step.moved[keep]) ** 2 - step.v_hat[keep]
            predicted = stated(eps_, step.v_hat[keep].sqrt())
            miss = float(((recovered - predicted) / predicted).abs().max())
            worst = max(worst, miss)
        rows.append((lr, eps_, RUN_STEPS, miss))
    return Confirmation(
        quantity=(
            f"max relative |recovered eps' - (eps^2 + 2 eps sqrt(vhat))| over {RUN_STEPS} steps"
        ),
        value=worst,
        tolerance=1e-8,
        columns=("lr", "eps", "steps", "max relative miss (last step)"),
        rows=tuple(rows),
        note=(
            "float64; torch.optim.Adam on a 4-16-8-1 tanh MLP; at every step and every "
            "coordinate with |mhat| > 1e-6, eps'_j = (lr mhat_j/step_j)^2 - vhat_j against the "
            "claim's solution; the tolerance covers the cancellation in (...)^2 - vhat."
        ),
    )


@confirms("adam-eps-inside-sqrt-step-ratio")
def lecture_over_torch_ratio() -> Confirmation:
    ratio = sp.lambdify((epsilon.v_hat, eps), epsilon.step_ratio, modules="torch")
    worst, rows = 0.0, []
    lr, eps_ = 0.01, 1e-3
    for step in adam_trace(mlp_regression(seed=6), RUN_STEPS, lr=lr, eps=eps_, betas=BETAS):
        keep = step.m_hat.abs() > 1e-9
        lecture = lr * step.m_hat[keep] / (step.v_hat[keep] + eps_).sqrt()
        measured = lecture / step.moved[keep]
        worst = max(worst, float((measured - ratio(step.v_hat[keep], eps_)).abs().max()))
    for g_1 in (1e-8, 1e-4, 1.0):  # first steps at the lecture's default eps = 1e-8
        (first,) = adam_trace(linear_problem([0.0], [[g_1]]), 1, lr=1e-3, eps=1e-8, betas=BETAS)
        lecture = 1e-3 * first.m_hat / (first.v_hat + 1e-8).sqrt()
        rows.append(
            (
                g_1,
                float(first.moved[0]),
                float(lecture[0]),
                float(lecture[0] / first.moved[0]),
                float(ratio(first.v_hat, 1e-8)[0]),
            )
        )
    return Confirmation(
        quantity=(
            f"max |lecture step / torch step - (sqrt(vhat)+eps)/sqrt(vhat+eps)| over {RUN_STEPS} "
            "steps"
        ),
        value=worst,
        tolerance=RATIO_TOLERANCE,
        columns=("first gradient", "torch step", "lecture step", "ratio", "claim's ratio"),
        rows=tuple(rows),
        note=(
            f"float64; torch.optim.Adam(lr={lr}, eps={eps_}) on a 4-16-8-1 tanh MLP, the lecture's "
            "step computed from torch's moments at every step; table: first steps with the "
            "defaults lr = 1e-3, eps = 1e-8 on f(theta) = g theta. The tolerance covers the "
            "rounding of the measured step theta_{t-1} - theta_t."
        ),
    )


def _require(*checks: tuple[bool, str]) -> None:
    """Fail the confirmation (the ledger records the message) unless every check holds."""
    failed = [why for ok, why in checks if not ok]
    if failed:
        raise RuntimeError("; ".join(failed))
