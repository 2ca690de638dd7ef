"""torch.optim.lr_scheduler.CosineAnnealingLR against the paper's cosine (Sec. 3): equal over the
first period (``schedule-torch-cosine-annealing-lr``), then it climbs back along the cosine
(``...-second-branch``) instead of restarting (``...-restarts``, refuted)."""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.kernel import Chain, Counterexample, Induction, Link, Proof, Statement
from wdproof.derivations.notation import alpha
from wdproof.derivations.schedules import (
    SEC3,
    T_i,
    cosine,
    schedule_claim,
)

# --- torch.optim.lr_scheduler.CosineAnnealingLR ------------------------------------------------
#: torch's lr after k scheduler steps (k = t - 1 at step t, stepping once per optimizer step),
#: base lr alpha, torch's absolute eta_min written l_min (the paper's eta_min is l_min/alpha).
torch_lr = sp.IndexedBase(r"\ell")
lr_min = sp.Symbol(r"\ell_{min}", nonnegative=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
#: CosineAnnealingLR.get_lr, first branch (the one taken unless (k - 1 - T_max) % (2 T_max) == 0).
TORCH_RECURSION = sp.Eq(
    torch_lr[k + 1],
    lr_min
    + (torch_lr[k] - lr_min) * (1 + sp.cos(sp.pi * (k + 1) / T_i)) / (1 + sp.cos(sp.pi * k / T_i)),
)
TORCH_START = sp.Eq(torch_lr[0], alpha)


def torch_closed(m: sp.Basic) -> sp.Basic:
    """``alpha eta(T_cur = m; T_i)`` with ``eta_max = 1``, ``eta_min = l_min / alpha``."""
    return alpha * cosine(m, T_i, lr_min / alpha, 1)


TORCH_COSINE = schedule_claim(
    "schedule-torch-cosine-annealing-lr",
    r"torch's recursive CosineAnnealingLR ($T_{\max} = T_i$) runs step $t$ at "
    r"$\alpha\eta(T_{\mathrm{cur}} = t - 1)$: the paper's cosine, $\eta_{\min} = "
    r"\ell_{\min}/\alpha$",
    f"{SEC3} (the cosine multiplier); PyTorch source of "
    "CosineAnnealingLR.get_lr in torch.optim.lr_scheduler (torch 2.x)",
    Statement.forall(torch_lr[k], torch_closed(k), definitions=(TORCH_RECURSION, TORCH_START)),
    statement_text=(
        r"Stepping the scheduler once per optimizer step, torch's learning rate after $k$ "
        r"scheduler steps, $\ell_{k+1} = \ell_{\min} + (\ell_k - \ell_{\min})\frac{1 + "
        r"\cos(\pi(k+1)/T_i)}{1 + \cos(\pi k/T_i)}$ from $\ell_0 = \alpha$, is "
        r"$\alpha\eta(T_{\mathrm{cur}} = k)$ with $\eta_{\max} = 1$, $\eta_{\min} = "
        r"\ell_{\min}/\alpha$: the lr of step $t$ is $\alpha\eta(T_{\mathrm{cur}} = t - 1)$."
    ),
    conventions=(
        r"torch's minimum lr $\ell_{\min}$ is an absolute rate, not a multiplier. The recursion is "
        r"torch's first branch; it divides by $1 + \cos(\pi k/T_i)$, which vanishes only at "
        r"$k \equiv T_i \pmod{2T_i}$, where torch takes its second branch (claim "
        r"schedule-torch-cosine-annealing-lr-second-branch); the induction's cancellation is "
        r"valid for the steps $k + 1 \le T_i$ of the first period and every step at which torch "
        r"takes this branch."
    ),
    proof=Proof(
        Induction(
            k,
            0,
            base=Chain(torch_lr[0], (Link(torch_closed(0), r"$\ell_0 = \alpha$: $\cos 0 = 1$."),)),
            step=Chain(
                torch_lr[k + 1],
                (
                    Link(TORCH_RECURSION.rhs, r"torch's recursion."),
                    Link(
                        TORCH_RECURSION.rhs.subs(torch_lr[k], torch_closed(k)),
                        r"Induction hypothesis at $k$.",
                        ("hypothesis",),
                    ),
                    Link(
                        torch_closed(k + 1),
                        r"$\ell_k - \ell_{\min} = \frac{\alpha - \ell_{\min}}{2}(1 + \cos(\pi "
                        r"k/T_i))$: the factor $1 + \cos(\pi k/T_i)$ cancels.",
                    ),
                ),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact (in exact arithmetic; torch's float64 recursion agrees with the closed form to "
        r"about $10^{-16}$ per step). No indexing shift: scheduler stepped after each optimizer "
        r"step, step $t$ runs at $\alpha\eta(T_{\mathrm{cur}} = t - 1)$, as in the cosine schedule "
        r"of one period over the whole run (paper Sec. 3, counted in steps); "
        r"only the minimum differs in meaning (an absolute lr in torch)."
    ),
)

#: The second branch, taken after T_i + 1 scheduler steps (k - 1 - T_max = 0 mod 2 T_max).
LR_AT_T = sp.Eq(torch_lr[T_i], lr_min)  # claim schedule-torch-cosine-annealing-lr at k = T_i
second_branch = torch_lr[T_i] + (alpha - lr_min) * (1 - sp.cos(sp.pi / T_i)) / 2
TORCH_SECOND_BRANCH = schedule_claim(
    "schedule-torch-cosine-annealing-lr-second-branch",
    r"Past $T_{\max}$, CosineAnnealingLR's second branch climbs back along the cosine to "
    r"$\alpha\eta(T_{\mathrm{cur}} = T_{\max} + 1)$: not $\eta_{\min}$, no restart",
    f"{SEC3} "
    r"(restart when $T_{\mathrm{cur}} = T_i$); PyTorch source of CosineAnnealingLR.get_lr, "
    r"second branch",
    Statement.forall(second_branch, torch_closed(T_i + 1), hypotheses=(LR_AT_T,)),
    statement_text=(
        r"After $T_i + 1$ scheduler steps torch sets $\ell_{T_i+1} = \ell_{T_i} + (\alpha - "
        r"\ell_{\min})(1 - \cos(\pi/T_i))/2$; with $\ell_{T_i} = \ell_{\min}$ this is "
        r"$\alpha\eta(T_{\mathrm{cur}} = T_i + 1)$: the unwrapped cosine, rising towards $\alpha$ "
        r"at $k = 2T_i$ (period $2T_i$), not SGDR's restart."
    ),
    conventions=(
        r"$\ell_{T_i} = \ell_{\min}$ is claim schedule-torch-cosine-annealing-lr at $k = T_i$ "
        r"($\cos\pi = -1$). From $k = T_i + 1$ on torch takes its first branch again, whose "
        r"induction step holds wherever $1 + \cos(\pi k/T_i) \ne 0$."
    ),
    proof=Proof(
        Chain(
            second_branch,
            (
                Link(
                    lr_min + (alpha - lr_min) * (1 - sp.cos(sp.pi / T_i)) / 2,
                    r"$\ell_{T_i} = \ell_{\min}$.",
                    cites=(LR_AT_T,),
                ),
                Link(
                    torch_closed(T_i + 1),
                    r"$\cos(\pi(T_i + 1)/T_i) = \cos(\pi + \pi/T_i) = -\cos(\pi/T_i)$.",
                ),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact. torch's CosineAnnealingLR is the closed form $\alpha\eta(T_{\mathrm{cur}} = k)$ "
        r"for every $k$, periodic with period $2T_{\max}$: past $T_{\max}$ it anneals back up. "
        r"The cosine schedule of one period over the whole run (paper Sec. 3) holds "
        r"$\eta_{\min}$ past its period instead, and SGDR restarts; a run "
        r"of exactly $T_{\max}$ steps never sees the difference."
    ),
)

TORCH_NOT_RESTART = schedule_claim(
    "schedule-torch-cosine-annealing-lr-restarts",
    r"CosineAnnealingLR with $T_{\max} = T_i$ continues past $T_{\max}$ like SGDR with "
    r"$T_0 = T_i$, $T_{\mathrm{mult}} = 1$ (a restart at $T_{\mathrm{cur}} = T_i$)",
    f"{SEC3} "
    r"(a restart when $T_{\mathrm{cur}} = T_i$); PyTorch's CosineAnnealingLR documentation (it "
    r"cites SGDR but 'implements the cosine annealing part of SGDR, and not the restarts')",
    Statement.forall(torch_closed(T_i + 1), torch_closed(1)),
    statement_text=(
        r"Run past $T_{\max} = T_i$, CosineAnnealingLR behaves like SGDR with $T_0 = T_i$, "
        r"$T_{\mathrm{mult}} = 1$: after $T_i + 1$ scheduler steps its lr is SGDR's $\alpha\eta("
        r"T_{\mathrm{cur}} = 1)$ of the second period."
    ),
    conventions=(
        r"Left: torch after $T_i + 1$ steps (claims schedule-torch-cosine-annealing-lr and "
        r"schedule-torch-cosine-annealing-lr-second-branch); right: SGDR restarted at $T_i$ "
        r"steps, one step into its second period."
    ),
    proof=Proof(
        Counterexample({T_i: 3, alpha: 1, lr_min: 0}, sp.Rational(-1, 2)),
        remarks=(
            (
                r"At $T_i = 3$, $\alpha = 1$, $\ell_{\min} = 0$: torch gives $(1 - \cos(\pi/3))/2 "
                r"= 1/4$, SGDR $(1 + \cos(\pi/3))/2 = 3/4$. ($T_i = 2$ is no counterexample here: "
                r"$\cos(\pi/2) = 0$ makes both $1/2$.)"
            ),
        ),
    ),
    expect="refuted",
    explanation=(
        r"It fails, and PyTorch says so in its documentation: CosineAnnealingLR anneals back up "
        r"along the cosine after $T_{\max}$ (claim "
        r"schedule-torch-cosine-annealing-lr-second-branch), it does not restart; at "
        r"$T_{\max} = 3$ the step after the restart step runs at $\alpha/4$ instead of "
        r"$3\alpha/4$. SGDR's restarts, the cosine schedule with warm restarts (paper Sec. 3), "
        r"are PyTorch's CosineAnnealingWarmRestarts. Not a misprint: a different schedule beyond "
        r"$T_{\max}$."
    ),
)


CLAIMS = (
    TORCH_COSINE,
    TORCH_SECOND_BRANCH,
    TORCH_NOT_RESTART,
)
