r"""The schedule multiplier ``eta_t`` and normalized weight decay (paper Sec. 3, App. B).

SGDR's cosine (Loshchilov & Hutter 2019, Sec. 3), ``T_cur`` the steps taken in the current
period, ``T_i`` its length, both counted in **steps** (optimizer updates) here:

.. math:: \eta_t = \eta_{min} + \tfrac12(\eta_{max} - \eta_{min})(1 + \cos(\pi T_{cur}/T_i)).

Warm restarts: period ``i = 0, 1, ...`` lasts ``T_0 T_mult^i`` steps, and ``T_cur`` returns to
0 at its end. :data:`COSINE` and :data:`PERIOD_LENGTH` are the one definition: the numerics
(:mod:`wdproof.numerics.optimizers.schedules`) lambdify them, the report typesets them.
Normalized weight decay (App. B): ``lambda = lambda_norm sqrt(b/(B T))``, :data:`NORMALIZED`.

Claims (question ``schedules``), in four modules: the cosine and warm restarts here; decay
and the schedule in :mod:`~wdproof.derivations.schedules_decay`; torch's schedulers in
:mod:`~wdproof.derivations.schedules_torch`; normalized decay in
:mod:`~wdproof.derivations.schedules_normalized_decay`. The groups:

* decay and the schedule: ``schedule-decay-stays-decoupled``,
  ``schedule-torch-scheduler-scales-decay``;
* the cosine, symbolic in ``T_i``: ``schedule-cosine-endpoints``, ``schedule-cosine-symmetry``,
  ``schedule-cosine-partial-sums``, ``schedule-cosine-period-sum``,
  ``schedule-warm-restart-positions``, ``schedule-warm-restarts-last-step``;
* torch's schedulers: ``schedule-torch-cosine-annealing-lr``,
  ``schedule-torch-cosine-annealing-lr-second-branch``,
  ``schedule-torch-cosine-annealing-lr-restarts`` (refuted);
* normalized decay: ``normalized-decay-first-order-total``,
  ``normalized-decay-budget-invariant`` (refuted), ``normalized-decay-second-order-invariant``.
"""

from __future__ import annotations

import sympy as sp

from wdproof.derivations.claim import Claim
from wdproof.derivations.kernel import Chain, Induction, Link, Proof, Statement
from wdproof.derivations.notation import decay_rate, eta

# --- The one definition of the cosine multiplier ------------------------------------------------
T_cur = sp.Symbol("T_cur", integer=True, nonnegative=True)  # steps taken in the current period
T_i = sp.Symbol("T_i", integer=True, positive=True)  # the current period's length, in steps
eta_min = sp.Symbol("eta_min", nonnegative=True)
eta_max = sp.Symbol("eta_max", positive=True)


def cosine(t_cur: sp.Basic, period: sp.Basic = T_i, low=eta_min, high=eta_max) -> sp.Basic:
    """SGDR's multiplier at ``T_cur = t_cur`` of a period of length ``period`` (Sec. 3)."""
    # eta_min + 1/2 (eta_max - eta_min)(1 + cos(pi T_cur / T_i)); a three-factor Mul keeps the
    # paper's grouping (SymPy would distribute 1/2 over a two-factor product)
    return low + sp.Mul(sp.Rational(1, 2), high - low, 1 + sp.cos(sp.pi * t_cur / period))


COSINE = cosine(T_cur)
COSINE_RULE = sp.Eq(eta, COSINE)
SPREAD = eta_max - eta_min

# --- Warm restarts: period i (i = 0, 1, ...) lasts T_0 T_mult^i steps --------------------------
T_0 = sp.Symbol("T_0", integer=True, positive=True)
T_mult = sp.Symbol("T_mult", integer=True, positive=True)
period = sp.Symbol("i", integer=True, nonnegative=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
PERIOD_LENGTH = T_0 * T_mult**period
#: Steps taken before period i starts: sum_{j < i} T_0 T_mult^j.
PERIOD_START = sp.Sum(PERIOD_LENGTH.subs(period, j), (j, 0, period - 1))

# --- Normalized weight decay (App. B) ---------------------------------------------------------
batch = sp.Symbol("b", integer=True, positive=True)
points = sp.Symbol("B", integer=True, positive=True)
epochs = sp.Symbol("T", positive=True)
decay_norm = sp.Symbol("lambda_norm", nonnegative=True)
passes = sp.Symbol("N", positive=True)  # batch passes (steps) of the run: B T / b
NORMALIZED = sp.Eq(decay_rate, decay_norm * sp.sqrt(batch / (points * epochs)))
PASSES = sp.Eq(passes, points * epochs / batch)

SEC3 = "Loshchilov & Hutter 2019, Sec. 3"
APP_B = "Loshchilov & Hutter 2019, App. B"
STEPS_NOTE = (
    r"$T_{\mathrm{cur}}$ and $T_i$ count optimizer steps (the paper counts epochs, advancing "
    r"$T_{\mathrm{cur}}$ by a fraction at every batch); step $t = 1$ has $T_{\mathrm{cur}} = 0$. "
    r"$\eta_{\max} > 0$ and $\eta_{\min} \ge 0$ are real numbers, $T_i \ge 1$ an integer."
)


def schedule_claim(claim_id: str, title: str, source: str, statement: Statement, **rest) -> Claim:
    """A claim of this family: its section of the key is ``schedules``."""
    return Claim(claim_id, title, source, "schedules", statement, **rest)


# --- (c) The cosine's closed-form properties, symbolic in T_i ---------------------------------
ENDPOINTS = schedule_claim(
    "schedule-cosine-endpoints",
    r"The cosine starts each period at $\eta_{\max}$ and reaches $\eta_{\min}$ at "
    r"$T_{\mathrm{cur}} = T_i$",
    f"{SEC3} "
    r"($\eta_t = \eta_{\max}$ at a restart, $T_{\mathrm{cur}} = 0$; $\eta_t = \eta_{\min}$ "
    r"when $T_{\mathrm{cur}} = T_i$)",
    Statement.forall(
        sp.Matrix([sp.Subs(COSINE, T_cur, 0), sp.Subs(COSINE, T_cur, T_i)]),
        sp.Matrix([eta_max, eta_min]),
    ),
    statement_text=(
        r"For every period length $T_i$: $\eta_t = \eta_{\max}$ at $T_{\mathrm{cur}} = 0$ (right "
        r"after a restart) and $\eta_t = \eta_{\min}$ at $T_{\mathrm{cur}} = T_i$."
    ),
    conventions=STEPS_NOTE,
    proof=Proof(
        Chain(
            sp.Matrix([sp.Subs(COSINE, T_cur, 0), sp.Subs(COSINE, T_cur, T_i)]),
            (
                Link(
                    sp.Matrix([eta_max, eta_min]),
                    r"$\cos 0 = 1$, $\cos\pi = -1$.",
                ),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact for every $T_i$. With $T_{\mathrm{cur}}$ in steps, $T_{\mathrm{cur}} = T_i$ is the "
        r"restart instant: no step of a period uses $\eta_{\min}$ itself (claim "
        r"schedule-warm-restarts-last-step)."
    ),
)

mirrored = cosine(T_i - T_cur)
SYMMETRY = schedule_claim(
    "schedule-cosine-symmetry",
    r"The cosine is symmetric about $T_i/2$: $\eta(T_{\mathrm{cur}}) + \eta(T_i - "
    r"T_{\mathrm{cur}}) = \eta_{\max} + \eta_{\min}$",
    f"{SEC3} (the cosine multiplier)",
    Statement.forall(COSINE + mirrored, eta_max + eta_min),
    statement_text=(
        r"For every $T_i$ and $T_{\mathrm{cur}}$: $\eta(T_{\mathrm{cur}}) + \eta(T_i - "
        r"T_{\mathrm{cur}}) = \eta_{\max} + \eta_{\min}$; the schedule is point-symmetric about "
        r"$(T_i/2, (\eta_{\max} + \eta_{\min})/2)$."
    ),
    conventions=STEPS_NOTE,
    proof=Proof(
        Chain(
            COSINE + mirrored,
            (
                Link(
                    2 * eta_min
                    + sp.Mul(sp.Rational(1, 2), SPREAD, 1 + sp.cos(sp.pi * T_cur / T_i))
                    + sp.Mul(sp.Rational(1, 2), SPREAD, 1 - sp.cos(sp.pi * T_cur / T_i)),
                    r"$\cos(\pi - x) = -\cos x$ with $x = \pi T_{\mathrm{cur}}/T_i$.",
                ),
                Link(eta_max + eta_min, r"The cosines cancel."),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact. Half of the annealing happens in each half period, and the terms "
        r"$T_{\mathrm{cur}}$ and $T_i - T_{\mathrm{cur}}$ of a sum over a period pair up to "
        r"$\eta_{\max} + \eta_{\min}$."
    ),
)

n = sp.Symbol("n", integer=True, nonnegative=True)
half_step = sp.pi / (2 * T_i)


def dirichlet(m: sp.Basic) -> sp.Basic:
    """``sum_{k=0}^{m} cos(pi k / T_i)`` in closed form (telescoping against sin(pi/(2 T_i)))."""
    return (sp.sin((2 * m + 1) * half_step) + sp.sin(half_step)) / (2 * sp.sin(half_step))


def partial_sum_closed(m: sp.Basic) -> sp.Basic:
    return (m + 1) * (eta_max + eta_min) / 2 + SPREAD / 2 * dirichlet(m)


PARTIAL_SUMS = schedule_claim(
    "schedule-cosine-partial-sums",
    r"A period's first $n + 1$ multipliers sum to $(n+1)(\eta_{\max}+\eta_{\min})/2 + "
    r"(\eta_{\max}-\eta_{\min})/2 \cdot (\sin((2n+1)a) + \sin a)/(2\sin a)$, "
    r"$a = \pi/(2T_i)$",
    f"{SEC3} (the cosine multiplier; the sum is what a period contributes to the decay "
    r"$\sum_t\eta_t\lambda$)",
    Statement.forall(sp.Sum(COSINE, (T_cur, 0, n)), partial_sum_closed(n)),
    statement_text=(
        r"For every $T_i \ge 1$ and $n \ge 0$: "
        r"$\sum_{T_{\mathrm{cur}}=0}^{n}\eta(T_{\mathrm{cur}}) = "
        r"(n+1)\frac{\eta_{\max}+\eta_{\min}}{2} + "
        r"\frac{\eta_{\max}-\eta_{\min}}{2}\cdot\frac{\sin((2n+1)\pi/(2T_i)) + "
        r"\sin(\pi/(2T_i))}{2\sin(\pi/(2T_i))}$."
    ),
    conventions=STEPS_NOTE + r" $\sin(\pi/(2T_i)) > 0$ for $T_i \ge 1$.",
    proof=Proof(
        Induction(
            n,
            0,
            base=Chain(
                sp.Sum(COSINE, (T_cur, 0, 0)),
                (
                    Link(
                        partial_sum_closed(0),
                        r"One term, $T_{\mathrm{cur}} = 0$: $\cos 0 = 1$; the closed form at $n = "
                        r"0$ is $\eta_{\max}$ too ($\sin(\pi/(2T_i))$ cancels).",
                    ),
                ),
            ),
            step=Chain(
                sp.Sum(COSINE, (T_cur, 0, n + 1)),
                (
                    Link(
                        sp.Sum(COSINE, (T_cur, 0, n)) + cosine(n + 1), r"Split off the last term."
                    ),
                    Link(
                        partial_sum_closed(n) + cosine(n + 1),
                        r"Induction hypothesis at $n$.",
                        ("hypothesis",),
                    ),
                    Link(
                        partial_sum_closed(n + 1),
                        r"$2\sin a\cos b = \sin(b + a) - \sin(b - a)$ with $a = \pi/(2T_i)$, "
                        r"$b = (n+1)\pi/T_i$: the new cosine telescopes.",
                    ),
                ),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact for every $T_i$ and $n$, by induction on $n$; the cosine terms telescope because "
        r"$2\sin\frac{\pi}{2T_i}\cos\frac{\pi k}{T_i} = \sin\frac{(2k+1)\pi}{2T_i} - "
        r"\sin\frac{(2k-1)\pi}{2T_i}$."
    ),
)

PERIOD_SUM_VALUE = T_i * (eta_max + eta_min) / 2 + SPREAD / 2
PERIOD_SUM = schedule_claim(
    "schedule-cosine-period-sum",
    r"Over a whole period the multipliers sum to $T_i(\eta_{\max}+\eta_{\min})/2 + "
    r"(\eta_{\max}-\eta_{\min})/2$",
    f"{SEC3} "
    r"(the cosine multiplier over one period $T_{\mathrm{cur}} = 0, \dots, T_i - 1$)",
    Statement.forall(partial_sum_closed(T_i - 1), PERIOD_SUM_VALUE),
    statement_text=(
        r"For every $T_i \ge 1$: $\sum_{T_{\mathrm{cur}}=0}^{T_i-1}\eta(T_{\mathrm{cur}}) = "
        r"T_i\frac{\eta_{\max}+\eta_{\min}}{2} + \frac{\eta_{\max}-\eta_{\min}}{2}$, i.e. "
        r"$\sum_{k=0}^{T_i-1}\cos(\pi k/T_i) = 1$. Stated as the closed form of claim "
        r"schedule-cosine-partial-sums at $n = T_i - 1$."
    ),
    conventions=STEPS_NOTE,
    proof=Proof(
        Chain(
            partial_sum_closed(T_i - 1),
            (
                Link(
                    T_i * (eta_max + eta_min) / 2
                    + SPREAD
                    / 2
                    * (sp.sin(sp.pi - half_step) + sp.sin(half_step))
                    / (2 * sp.sin(half_step)),
                    r"$(2T_i - 1)\pi/(2T_i) = \pi - \pi/(2T_i)$.",
                ),
                Link(PERIOD_SUM_VALUE, r"$\sin(\pi - x) = \sin x$: the ratio is 1."),
            ),
        ),
        remarks=(
            (
                r"The kernel checks the closed form at $n = T_i - 1$; that it is the period sum is "
                r"claim schedule-cosine-partial-sums with $n = T_i - 1$ (the kernel applies a "
                r"proved identity only where its left side appears verbatim, so this "
                r"instantiation is the one step it does not re-check)."
            ),
        ),
    ),
    expect="proved",
    explanation=(
        r"Exact for every $T_i$: the mean multiplier over a period is "
        r"$\frac{\eta_{\max}+\eta_{\min}}{2} + \frac{\eta_{\max}-\eta_{\min}}{2T_i}$, just above "
        r"the midpoint because $T_{\mathrm{cur}} = 0$ is in the period and $T_{\mathrm{cur}} = "
        r"T_i$ is not. A cosine period applies about half the decay $\sum_t\eta_t\lambda$ of a "
        r"constant $\eta = \eta_{\max}$."
    ),
)

# --- Warm restarts: where the periods start ------------------------------------------------------
RESTART_POSITIONS = schedule_claim(
    "schedule-warm-restart-positions",
    r"Restart $i$ comes after $T_0(T_{\mathrm{mult}}^i - 1)/(T_{\mathrm{mult}} - 1)$ steps: "
    r"$(T_{\mathrm{mult}} - 1)\sum_{j<i}T_0T_{\mathrm{mult}}^j = T_0(T_{\mathrm{mult}}^i - 1)$",
    f"{SEC3} " r"($T_i$ is multiplied by $T_{\mathrm{mult}}$ after each restart)",
    Statement.forall((T_mult - 1) * PERIOD_START, T_0 * (T_mult**period - 1)),
    statement_text=(
        r"With periods $T_0, T_0T_{\mathrm{mult}}, T_0T_{\mathrm{mult}}^2, \dots$, the $i$-th "
        r"restart comes after $\sum_{j<i}T_0T_{\mathrm{mult}}^j$ steps, and "
        r"$(T_{\mathrm{mult}}-1)\sum_{j<i}T_0T_{\mathrm{mult}}^j = T_0(T_{\mathrm{mult}}^i - 1)$ "
        r"(for $T_{\mathrm{mult}} = 1$: after $iT_0$ steps)."
    ),
    conventions=r"$T_0, T_{\mathrm{mult}} \ge 1$ and $i \ge 0$ integers; lengths in steps.",
    proof=Proof(
        Induction(
            period,
            0,
            base=Chain(
                (T_mult - 1) * PERIOD_START.subs(period, 0),
                (Link(sp.S.Zero, r"An empty sum: no restart before period 0."),),
            ),
            step=Chain(
                (T_mult - 1) * PERIOD_START.subs(period, period + 1),
                (
                    Link(
                        (T_mult - 1) * PERIOD_START + (T_mult - 1) * PERIOD_LENGTH,
                        r"Split off period $i$.",
                    ),
                    Link(
                        T_0 * (T_mult**period - 1) + (T_mult - 1) * PERIOD_LENGTH,
                        r"Induction hypothesis at $i$.",
                        ("hypothesis",),
                    ),
                    Link(T_0 * (T_mult ** (period + 1) - 1), r"Collect $T_0T_{\mathrm{mult}}^i$."),
                ),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact. With $T_0 = 10$, $T_{\mathrm{mult}} = 2$ the restarts come after 10, 30, 70, 150 "
        r"steps (steps 11, 31, 71, 151 start a period); torch's CosineAnnealingWarmRestarts "
        r"restarts at the same steps."
    ),
)

LAST_STEP_VALUE = eta_min + sp.Mul(sp.Rational(1, 2), SPREAD, 1 - sp.cos(sp.pi / T_i))
LAST_STEP = schedule_claim(
    "schedule-warm-restarts-last-step",
    r"Counting $T_{\mathrm{cur}}$ in steps, a period's last step uses $\eta_{\min} + "
    r"(\eta_{\max}-\eta_{\min})(1 - \cos(\pi/T_i))/2 > \eta_{\min}$: no step uses "
    r"$\eta_{\min}$ itself",
    f"{SEC3} "
    r"($\eta_t = \eta_{\min}$ when $T_{\mathrm{cur}} = T_i$, where the restart happens)",
    Statement.forall(cosine(T_i - 1), LAST_STEP_VALUE),
    statement_text=(
        r"For every $T_i$: the last step of a period ($T_{\mathrm{cur}} = T_i - 1$) uses "
        r"$\eta_{\min} + \frac{\eta_{\max}-\eta_{\min}}{2}(1 - \cos(\pi/T_i))$; $T_{\mathrm{cur}} "
        r"= T_i$, where the paper's $\eta_t = \eta_{\min}$, is the restart itself."
    ),
    conventions=STEPS_NOTE,
    proof=Proof(
        Chain(
            cosine(T_i - 1),
            (
                Link(
                    cosine(T_i - 1).subs(
                        sp.cos(sp.pi * (T_i - 1) / T_i), sp.cos(sp.pi - sp.pi / T_i)
                    ),
                    r"$\pi(T_i - 1)/T_i = \pi - \pi/T_i$.",
                ),
                Link(LAST_STEP_VALUE, r"$\cos(\pi - x) = -\cos x$."),
            ),
        )
    ),
    expect="proved",
    explanation=(
        r"Exact. An indexing fact, not an error: torch's CosineAnnealingWarmRestarts and the "
        r"cosine schedule with warm restarts (paper Sec. 3) counted in steps both run "
        r"$T_{\mathrm{cur}} = 0, \dots, T_i-1$, so the lowest multiplier of "
        r"a period of 10 steps is $\eta_{\min} + 0.0245(\eta_{\max}-\eta_{\min})$; the paper's "
        r"epoch counter (advanced per batch) gets within one batch of $\eta_{\min}$."
    ),
)


CLAIMS = (
    ENDPOINTS,
    SYMMETRY,
    PARTIAL_SUMS,
    PERIOD_SUM,
    RESTART_POSITIONS,
    LAST_STEP,
)
