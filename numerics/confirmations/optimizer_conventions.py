"""Paper vs PyTorch conventions for Adam/AdamW, confirmed with torch.optim (Q2.a).

* ``adamw-paper-decay-equals-torch-decay``: ``torch.optim.AdamW(lr=alpha, weight_decay=lambda/
  alpha)`` with learning rate ``alpha eta_t`` at step ``t`` against paper Alg. 2 built from
  ``torch.optim.Adam`` plus the paper's decay ``theta <- (1 - eta_t lambda) theta`` before each
  step (cosine ``eta_t``). Copying the paper's ``lambda`` into ``weight_decay`` is the control.
* ``adam-bias-correction-constant-gradient``: ``torch.optim.Adam`` on ``f(theta) = g . theta``
  moves every coordinate by exactly ``lr g/(|g| + eps)`` per step.
* ``adam-eps-hat-equals-torch-eps``: a hand-written efficient-form Adam (Kingma & Ba Sec. 2)
  with ``epsilonhat_t = eps sqrt(1 - beta_2^t)`` against ``torch.optim.Adam``; a constant
  ``epsilonhat = eps`` is the control.
* ``adam-eps-inside-sqrt``: the claim's counterexample, one ``torch.optim.Adam`` step: the
  ``eps'_j`` each coordinate needs inside the root, recovered from torch's step, differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from wdproof.derivations.adam_epsilon import EPS_INSIDE_SQRT
from wdproof.numerics.confirmation import DTYPE, Confirmation, confirms
from wdproof.numerics.optimizer_cases import OptimizerCase, cosine_schedule, run_torch_case
from wdproof.numerics.problems import Problem, max_deviation, mlp_regression
from wdproof.numerics.reference_optimizers import run_rule

STEPS = 100
TOLERANCE = 1e-12
EPS_SPREAD_TOLERANCE = 1e-9  # eps'_j are recovered to about 1e-15


@confirms("adamw-paper-decay-equals-torch-decay")
def torch_adamw_matches_paper_decay() -> Confirmation:
    eta = cosine_schedule(STEPS)
    rows = []
    for alpha, lam in ((0.05, 4e-3), (0.01, 1e-3), (0.2, 2e-2)):
        common = {"problem": lambda: mlp_regression(seed=3), "schedule": eta, "steps": STEPS}
        paper = run_torch_case(
            OptimizerCase(
                "paper",
                (),
                lambda ps, a=alpha: torch.optim.Adam(ps, lr=a, foreach=False),
                shrink=lambda t, lam=lam: eta(t) * lam,
                **common,
            )
        )
        mapped, naive = (
            run_torch_case(
                OptimizerCase(
                    "torch",
                    (),
                    lambda ps, a=alpha, w=w: torch.optim.AdamW(
                        ps, lr=a, weight_decay=w, foreach=False
                    ),
                    **common,
                )
            )
            for w in (lam / alpha, lam)
        )
        rows.append(
            (alpha, lam, lam / alpha, max_deviation(paper, mapped), max_deviation(paper, naive))
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


def linear_problem(gradient: list[float]) -> Problem:
    """``f(theta) = g . theta`` from ``theta_0 = 0``: every gradient is ``g``."""
    g = torch.tensor(gradient, dtype=DTYPE)
    return Problem("linear", (torch.zeros_like(g),), lambda params, _t: (g * params[0]).sum())


@confirms("adam-bias-correction-constant-gradient")
def constant_gradient_steps() -> Confirmation:
    gradient, lr, eps, (beta1, beta2) = [1e-3, -0.5, 2.0, 10.0], 0.1, 1e-8, (0.9, 0.999)
    problem = linear_problem(gradient)
    history = run_torch_case(
        OptimizerCase(
            "adam",
            (),
            lambda ps: torch.optim.Adam(ps, lr=lr, eps=eps, foreach=False),
            problem=lambda: problem,
            steps=STEPS,
        )
    )
    g = torch.tensor(gradient, dtype=DTYPE)
    per_step = lr * g / (g.abs() + eps)
    predicted = [[-t * per_step] for t in range(1, STEPS + 1)]
    rows = []
    for t in (1, 2, 10, STEPS):
        moved = float(history[t - 1][0][2] - (history[t - 2][0][2] if t > 1 else 0.0))
        uncorrected = -lr * (1 - beta1**t) * 2.0 / (math.sqrt(1 - beta2**t) * 2.0 + eps)
        rows.append((t, moved, float(-per_step[2]), uncorrected))
    return Confirmation(
        quantity=f"max |theta_t - (-t lr g/(|g| + eps))| over {STEPS} steps",
        value=max_deviation(history, predicted),
        tolerance=TOLERANCE,
        columns=("t", "torch step (g = 2)", "-lr g/(|g|+eps)", "without bias correction"),
        rows=tuple(rows),
        note=(
            f"float64; torch.optim.Adam(lr={lr}, eps={eps}) on f(theta) = g . theta with "
            f"g = {gradient} from theta_0 = 0, {STEPS} steps."
        ),
    )


@dataclass(frozen=True)
class EfficientFormAdam:
    """Kingma & Ba's form: ``alpha_t = lr sqrt(1-beta2^t)/(1-beta1^t)``, ``sqrt(v) + eps_hat``."""

    lr: float
    eps: float
    step_dependent_eps: bool
    betas: tuple[float, float] = (0.9, 0.999)

    def init(self, theta):
        return (torch.zeros_like(theta), torch.zeros_like(theta))

    def update(self, theta, grad, state, t):
        beta1, beta2 = self.betas
        m = beta1 * state[0] + (1 - beta1) * grad
        v = beta2 * state[1] + (1 - beta2) * grad * grad
        alpha_t = self.lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        eps_hat = self.eps * math.sqrt(1 - beta2**t) if self.step_dependent_eps else self.eps
        return theta - alpha_t * m / (v.sqrt() + eps_hat), (m, v)


@confirms("adam-eps-hat-equals-torch-eps")
def eps_hat_mapping() -> Confirmation:
    rows = []
    for lr, eps in ((0.05, 1e-8), (0.01, 1e-1)):
        problem = mlp_regression(seed=4)
        oracle = run_torch_case(
            OptimizerCase(
                "adam",
                (),
                lambda ps, lr=lr, eps=eps: torch.optim.Adam(ps, lr=lr, eps=eps, foreach=False),
                problem=lambda problem=problem: problem,
                steps=STEPS,
            )
        )
        mapped, constant = (
            run_rule(problem, EfficientFormAdam(lr, eps, step_dependent), STEPS)
            for step_dependent in (True, False)
        )
        rows.append((lr, eps, max_deviation(mapped, oracle), max_deviation(constant, oracle)))
    return Confirmation(
        quantity=f"max |theta_eps-hat - theta_torch| over {STEPS} steps, eps_hat = eps sqrt(1-beta2^t)",
        value=max(row[2] for row in rows),
        tolerance=TOLERANCE,
        columns=("lr", "eps", "eps_hat = eps sqrt(1-beta2^t)", "control: constant eps_hat = eps"),
        rows=tuple(rows),
        note=(
            f"float64; {STEPS} minibatch steps on a 4-16-8-1 tanh MLP; "
            "torch.optim.Adam against a hand-written efficient-form Adam, betas (0.9, 0.999)."
        ),
    )


def required_inside_eps(lr: float, eps: float, gradient: list[float]) -> dict[str, torch.Tensor]:
    """One ``torch.optim.Adam`` step, and the ``eps'_j`` each coordinate needs inside the root.

    ``sqrt(vhat_j + eps'_j)`` reproduces torch's step ``|step_j| = lr |mhat_j|/(sqrt(vhat_j) + eps)``
    iff ``eps'_j = (lr mhat_j/step_j)^2 - vhat_j``; ``mhat_1``, ``vhat_1`` are read from the
    optimizer's bias-corrected state. At ``t = 1`` (``mhat = g``, ``vhat = g^2``) this is
    ``eps'_j = eps^2 + 2 eps |g_j|``: it depends on ``g_j``, so no constant ``eps'`` fits all.
    """
    beta1, beta2 = 0.9, 0.999
    theta = torch.zeros(len(gradient), dtype=DTYPE, requires_grad=True)
    optimizer = torch.optim.Adam([theta], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    theta.grad = torch.tensor(gradient, dtype=DTYPE)
    optimizer.step()
    state = optimizer.state[theta]
    mhat, vhat = state["exp_avg"] / (1 - beta1), state["exp_avg_sq"] / (1 - beta2)
    step = -theta.detach()  # theta_0 = 0
    return {"step": step, "mhat": mhat, "vhat": vhat, "eps_in": (lr * mhat / step) ** 2 - vhat}


@confirms("adam-eps-inside-sqrt")
def eps_inside_sqrt_counterexample() -> Confirmation:
    """Headline: the spread ``max_j eps'_j - min_j eps'_j`` of the required constants.

    Guards (a failed one fails the confirmation): every coordinate reproduces torch's step with
    its own ``eps'_j`` to 1e-12, and coordinate 0's ``eps'_0`` is the derivation's ``eps_inside``.
    """
    example = EPS_INSIDE_SQRT.verdict.counterexample
    gradient, lr, eps, eps_inside = (
        example["g_1"],
        example["lr"],
        example["eps"],
        example["eps_inside"],
    )
    run = required_inside_eps(lr, eps, gradient)
    step, mhat, vhat, eps_in = run["step"], run["mhat"], run["vhat"], run["eps_in"]
    own = lr * mhat / (vhat + eps_in).sqrt()  # each coordinate with its own eps'_j
    fitted_0 = lr * mhat / (vhat + eps_in[0]).sqrt()  # every coordinate with eps'_0
    own_miss, fitted_miss = (own - step).abs(), (fitted_0 - step).abs()
    rows = tuple(
        (j, g, float(step[j]), float(eps_in[j]), float(own_miss[j]), float(fitted_miss[j]))
        for j, g in enumerate(gradient)
    )
    _require(
        (
            float(own_miss.max()) <= TOLERANCE,
            "a coordinate misses torch's step with its own eps'_j",
        ),
        (
            abs(float(eps_in[0]) - eps_inside) <= 1e-9 * eps_inside,
            f"eps'_0 = {float(eps_in[0]):.6g} is not the derivation's eps_inside = {eps_inside:g}",
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
            r"$|$step with own $\epsilon'_j$ $-$ torch$|$",
            r"$|$step with $\epsilon'_0$ $-$ torch$|$",
        ),
        rows=rows,
        note=(
            f"float64; one torch.optim.Adam(lr={lr}, eps={eps}) step on f(theta) = g . theta, "
            f"g = {gradient}; mhat_1, vhat_1 from the optimizer state. Each coordinate reproduces "
            f"torch's step with its own eps'_j (max miss {float(own_miss.max()):.1g} <= "
            f"{TOLERANCE:g}); eps'_0 = {float(eps_in[0]):.6g} = eps^2 + 2 eps g_0 misses coordinate "
            f"1 by {float(fitted_miss[1]):.3g}. Rounding in eps'_j is about 1e-15."
        ),
        extra={"eps_required": eps_in.tolist(), "own_eps_max_miss": float(own_miss.max())},
    )


def _require(*checks: tuple[bool, str]) -> None:
    """Fail the confirmation (the ledger records the message) unless every check holds."""
    failed = [why for ok, why in checks if not ok]
    if failed:
        raise RuntimeError("; ".join(failed))
