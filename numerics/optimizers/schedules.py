r"""Schedule multipliers ``eta_t`` for steps ``t = 1, 2, ...`` (paper Sec. 3 and Alg. 1-2).

A schedule is a function of the step being taken, ``t = 1`` for the first update, as every
rule, trajectory and confirmation in wdproof counts steps. PyTorch's learning rate at step
``t`` is then ``lr * eta_t``.

Three schedules, each a frozen dataclass callable as ``s(t) -> eta_t``:

* :class:`Constant`: ``eta_t = 1``.
* :class:`Cosine`: one period of SGDR's cosine over the whole run, ``T_i = total_steps``.
* :class:`WarmRestarts`: SGDR's warm restarts, period ``i = 0, 1, ...`` lasting
  ``T_0 T_mult^i`` steps.

All periods and ``T_cur`` are measured in **steps** (optimizer updates), not epochs:
``T_cur = t - 1 - (steps in the periods before)``, so step ``t = 1`` has ``T_cur = 0`` and
``eta_1 = eta_max = 1``. Within a period

.. math:: \eta_t = \eta_{min} + \tfrac12 (\eta_{max} - \eta_{min})(1 + \cos(\pi T_{cur}/T_i)),

with ``eta_max = 1`` (the multiplier of the base rate ``alpha``). The value is lambdified from
:data:`wdproof.derivations.schedules.COSINE`, the one SymPy definition; the report typesets the
same expression (:meth:`Cosine.latex`). ``T_cur`` runs ``0, ..., T_i - 1`` within period ``i``
(as in ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``), so no step uses ``eta_min``
itself: the paper's ``eta_t = eta_min`` at ``T_cur = T_i`` is the restart instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import sympy as sp

from wdproof.derivations import schedules as sym
from wdproof.derivations.notation import latex as typeset

Schedule = Callable[[int], float]

#: The cosine multiplier, one SymPy expression, evaluated on floats and on numpy arrays.
_ARGS = (sym.T_cur, sym.T_i, sym.eta_min, sym.eta_max)
_cosine_scalar = sp.lambdify(_ARGS, sym.COSINE, "math")
_cosine_array = sp.lambdify(_ARGS, sym.COSINE, "numpy")
_period_length = sp.lambdify((sym.T_0, sym.T_mult, sym.period), sym.PERIOD_LENGTH, "math")
_ETA_T = r"\eta_t"


def _check_int(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def _check_eta_min(eta_min: object) -> None:
    if (
        isinstance(eta_min, bool)
        or not isinstance(eta_min, int | float)
        or not (0.0 <= eta_min <= 1.0)
    ):
        raise ValueError(f"eta_min must be a number in [0, 1] (eta_max is 1), got {eta_min!r}")


def _check_step(t: object) -> None:
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or t < 1:
        raise ValueError(f"steps are counted from t = 1; got t = {t!r}")


@dataclass(frozen=True)
class Constant:
    """``eta_t = 1``: the paper's fixed multiplier, PyTorch without a scheduler."""

    name: ClassVar[str] = "constant"

    def __call__(self, t: int) -> float:
        return 1.0

    def multipliers(self, steps: int) -> np.ndarray:
        _check_int("steps", steps, 0)
        return np.ones(steps, dtype=np.float64)

    def restarts(self, steps: int) -> list[int]:
        _check_int("steps", steps, 0)
        return []

    def latex(self) -> str:
        return rf"{_ETA_T} = 1"


@dataclass(frozen=True)
class Cosine:
    r"""Cosine annealing over the whole run: ``T_i = total_steps``, ``T_cur = t - 1``.

    ``eta_1 = 1``, ``eta_T`` just above ``eta_min`` (``torch.optim.lr_scheduler.
    CosineAnnealingLR(T_max=total_steps)`` gives the same values for ``t <= T + 1``). Past the
    run (``t > total_steps``) the multiplier holds ``eta_min``, the end of the period (torch's
    CosineAnnealingLR instead rises again: claim
    ``schedule-torch-cosine-annealing-lr-second-branch``).
    """

    total_steps: int
    eta_min: float = 0.0
    name: ClassVar[str] = "cosine"

    def __post_init__(self) -> None:
        _check_int("total_steps", self.total_steps, 1)
        _check_eta_min(self.eta_min)

    def __call__(self, t: int) -> float:
        _check_step(t)
        return float(
            _cosine_scalar(min(t - 1, self.total_steps), self.total_steps, self.eta_min, 1)
        )

    def multipliers(self, steps: int) -> np.ndarray:
        _check_int("steps", steps, 0)
        t_cur = np.minimum(np.arange(steps, dtype=np.float64), self.total_steps)
        out = _cosine_array(t_cur, float(self.total_steps), float(self.eta_min), 1.0)
        return np.asarray(np.broadcast_to(out, (steps,)), dtype=np.float64).copy()

    def restarts(self, steps: int) -> list[int]:
        _check_int("steps", steps, 0)
        return []

    def latex(self) -> str:
        return _typeset({sym.T_i: sp.Integer(self.total_steps)}, r"T_{cur} = t - 1", self.eta_min)


@dataclass(frozen=True)
class WarmRestarts:
    r"""SGDR's warm restarts, in steps: period ``i = 0, 1, ...`` lasts ``T_i = T_0 T_mult^i``
    steps (``first_period = T_0``, ``period_factor = T_mult``); a restart sets ``T_cur = 0`` at the
    end of each period, so period ``i`` starts at step ``1 + T_0 (1 + T_mult + ... +
    T_mult^{i-1})``. Matches ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0,
    T_mult, eta_min)`` stepped once per optimizer step."""

    first_period: int
    period_factor: int = 2
    eta_min: float = 0.0
    name: ClassVar[str] = "warm-restarts"

    def __post_init__(self) -> None:
        _check_int("first_period", self.first_period, 1)
        _check_int("period_factor", self.period_factor, 1)
        _check_eta_min(self.eta_min)

    def _periods(self, steps: int) -> tuple[list[int], list[int]]:
        """The starts (0-based steps taken before) and lengths of the periods covering
        ``steps`` steps."""
        starts, lengths, taken, i = [], [], 0, 0
        while taken < steps:
            length = int(_period_length(self.first_period, self.period_factor, i))
            starts.append(taken)
            lengths.append(length)
            taken += length
            i += 1
        return starts, lengths

    def __call__(self, t: int) -> float:
        _check_step(t)
        starts, lengths = self._periods(t)
        return float(_cosine_scalar(t - 1 - starts[-1], lengths[-1], self.eta_min, 1))

    def multipliers(self, steps: int) -> np.ndarray:
        _check_int("steps", steps, 0)
        t_cur = np.empty(steps, dtype=np.float64)
        t_i = np.empty(steps, dtype=np.float64)
        for start, length in zip(*self._periods(steps), strict=True):
            end = min(start + length, steps)
            t_cur[start:end] = np.arange(end - start)
            t_i[start:end] = length
        out = _cosine_array(t_cur, t_i, float(self.eta_min), 1.0)
        return np.asarray(out, dtype=np.float64)

    def restarts(self, steps: int) -> list[int]:
        """Steps ``t <= steps`` that begin a new period (``t = 1`` excluded)."""
        _check_int("steps", steps, 0)
        return [start + 1 for start in self._periods(steps)[0][1:]]

    def latex(self) -> str:
        return _typeset(
            {},
            rf"T_i = {self.first_period} \cdot {self.period_factor}^i,\ T_{{cur}} = t - 1 - "
            r"\sum_{j < i} T_j",
            self.eta_min,
        )


def _typeset(values: dict, where: str, eta_min: float) -> str:
    """``eta_t = <the COSINE expression, eta_max = 1>`` with the object's numbers, and ``where``."""
    expr = sym.COSINE.subs({sym.eta_max: 1, **values})
    return (
        rf"{_ETA_T} = {typeset(expr)},\quad {where},\ "
        rf"\eta_{{min}} = {typeset(sp.nsimplify(eta_min))}"
    )


def default_first_period(steps: int, period_factor: int = 2) -> int:
    """``T_0`` such that three periods ``T_0 (1 + T_mult + T_mult^2)`` cover ``steps``: ``steps /
    7`` for ``T_mult = 2``, rounded up (so the run never ends just after a restart; the third
    period is cut short by fewer than 7 steps), at least 1."""
    _check_int("steps", steps, 1)
    _check_int("period_factor", period_factor, 1)
    cycle = 1 + period_factor + period_factor**2
    return max(1, -(-steps // cycle))


SCHEDULES = ("constant", "cosine", "warm-restarts")


def make_schedule(
    name: str,
    steps: int,
    first_period: int | None = None,
    period_factor: int = 2,
    eta_min: float = 0.0,
) -> Constant | Cosine | WarmRestarts:
    """The schedule ``name`` for a run of ``steps`` optimizer steps (CLI and sweep engine).

    ``cosine`` anneals over the whole run; ``warm-restarts`` defaults to
    :func:`default_first_period` (three periods 1 + 2 + 4 = 7 units for ``period_factor = 2``).
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    _check_int("steps", steps, 1)
    if name == "constant":
        return Constant()
    if name == "cosine":
        return Cosine(steps, eta_min)
    if first_period is None:
        first_period = default_first_period(steps, period_factor)
    return WarmRestarts(first_period, period_factor, eta_min)


# --- The original functional API (kept: rules, trajectories and confirmations use it) ----------
def constant_schedule(_t: int) -> float:
    """``eta_t = 1``: the paper's fixed multiplier, PyTorch without a scheduler."""
    return 1.0


def cosine_schedule(steps: int, eta_min: float = 0.0) -> Schedule:
    r"""Cosine annealing without restarts: the multiplier ``eta_t`` of step ``t = 1, ..., steps``,
    ``T_i = steps``, ``T_cur = t - 1`` (lambdified
    :data:`~wdproof.derivations.schedules.COSINE`).

    ``eta_1 = 1`` and ``eta_T`` is just above ``eta_min``. Unlike :class:`Cosine` it continues
    the cosine past ``t = steps`` (callers only use ``t <= steps``).
    """

    def eta(t: int) -> float:
        return float(_cosine_scalar(t - 1, steps, eta_min, 1))

    return eta
