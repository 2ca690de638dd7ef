r"""Schedule multipliers ``eta_t`` for steps ``t = 1, 2, ...`` (paper Sec. 3 and Alg. 1-2).

A schedule is a function of the step being taken, ``t = 1`` for the first update, as every
rule, trajectory and confirmation in wdproof counts steps. PyTorch's learning rate at step
``t`` is then ``lr * eta_t``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Schedule = Callable[[int], float]


def constant_schedule(_t: int) -> float:
    """``eta_t = 1``: the paper's fixed multiplier, PyTorch without a scheduler."""
    return 1.0


def cosine_schedule(steps: int, eta_min: float = 0.0) -> Schedule:
    r"""Cosine annealing without restarts: the multiplier ``eta_t`` of step ``t = 1, ..., steps``.

    SGDR's ``eta_t = eta_min + (eta_max - eta_min)(1 + cos(pi T_cur / T_i))/2`` (paper Sec. 3)
    with ``eta_max = 1``, ``T_i = steps = T`` and ``T_cur = t - 1``, the steps already taken:

    .. math:: \eta_t = \eta_{min} + (1 - \eta_{min}) (1 + \cos(\pi (t - 1) / T)) / 2

    so ``eta_1 = 1`` and ``eta_T`` is just above ``eta_min`` (which step ``T + 1`` would reach).
    """

    def eta(t: int) -> float:
        # eta_t = eta_min + (1 - eta_min)(1 + cos(pi (t - 1) / T)) / 2
        return eta_min + (1.0 - eta_min) * 0.5 * (1.0 + math.cos(math.pi * (t - 1) / steps))

    return eta
