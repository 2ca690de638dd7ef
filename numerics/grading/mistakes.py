"""Known-wrong Adam/AdamW variants: each one small change to the reference rule and the solution.

A :class:`Mistake` carries the same error twice:

* ``variant(rule)`` -- the reference :class:`~wdproof.numerics.optimizers.rules.AdamRule`
  with exactly one method overridden or one field changed; the grader runs it to recognise a
  student's trajectory;
* ``patches`` -- text substitutions that put the same error into the solution file; the tests
  grade the patched file and expect the diagnosis to name this mistake.

``applies_to`` names the classes (``"Adam"``, ``"AdamW"``) the mistake can occur in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from wdproof.numerics.optimizers.conventions import DecayConvention
from wdproof.numerics.optimizers.rules import AdamRule


def _as(cls: type[AdamRule]) -> Callable[[AdamRule], AdamRule]:
    """Rebuild a rule as an instance of the subclass ``cls`` (same hyperparameters)."""
    return lambda rule: cls(**{f.name: getattr(rule, f.name) for f in fields(rule)})


class _NoBiasCorrection(AdamRule):
    def bias_corrections(self, t):
        return 1.0, 1.0


class _BiasCorrectionTMinus1(AdamRule):
    def bias_corrections(self, t):
        return super().bias_corrections(t - 1)  # 1 - beta^0 = 0 at the first step


class _BiasCorrectionTPlus1(AdamRule):
    def bias_corrections(self, t):
        return super().bias_corrections(t + 1)


class _NoFirstMomentCorrection(AdamRule):
    def bias_corrections(self, t):
        return 1.0, super().bias_corrections(t)[1]


class _NoSecondMomentCorrection(AdamRule):
    def bias_corrections(self, t):
        return super().bias_corrections(t)[0], 1.0


class _NoSqrt(AdamRule):
    def denominator(self, v_hat):
        return v_hat + self.eps


class _EpsInsideSqrt(AdamRule):
    def denominator(self, v_hat):
        return (v_hat + self.eps).sqrt()


class _DecayAfterUpdate(AdamRule):
    def decoupled_decay(self, theta, stepped, t):
        return stepped - self.decay_fraction(t) * stepped


@dataclass(frozen=True)
class Patch:
    """Replace ``old`` by ``new`` (every occurrence) inside class ``in_class`` of the solution."""

    in_class: str
    old: str
    new: str


@dataclass(frozen=True)
class Mistake:
    name: str
    description: str
    applies_to: frozenset[str]
    variant: Callable[[AdamRule], AdamRule]
    patches: tuple[Patch, ...]


BOTH = frozenset({"Adam", "AdamW"})
ADAMW = frozenset({"AdamW"})
ADAM = frozenset({"Adam"})


def _in_both(old: str, new: str) -> tuple[Patch, ...]:
    return (Patch("Adam", old, new), Patch("AdamW", old, new))


#: The solution's lines that use ``weight_decay``: Adam's L2 gradient, AdamW's decoupled decay.
_ADAM_PENALTY = "grad = grad.add(p, alpha=weight_decay)  # L2: the penalty's gradient"
_ADAMW_DECAY = "p.mul_(1 - lr * weight_decay)  # decoupled decay of the pre-step parameter\n"
_ADAMW_UPDATE = "p.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)\n"
_INDENT = " " * 16

MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "missing-bias-correction",
        "no bias correction: m_t and v_t are used instead of m_t/(1-beta1^t), v_t/(1-beta2^t)",
        BOTH,
        _as(_NoBiasCorrection),
        _in_both("1 - beta1**t", "1.0") + _in_both("1 - beta2**t", "1.0"),
    ),
    Mistake(
        "bias-correction-t-minus-1",
        "bias correction with t-1 instead of t: 1 - beta^(t-1) is 0 at the first step",
        BOTH,
        _as(_BiasCorrectionTMinus1),
        _in_both("1 - beta1**t", "1 - beta1 ** (t - 1)")
        + _in_both("1 - beta2**t", "1 - beta2 ** (t - 1)"),
    ),
    Mistake(
        "bias-correction-t-plus-1",
        "bias correction with t+1 instead of t: 1 - beta^(t+1), as if the step counter were "
        "incremented twice (or started at 1 and incremented before use)",
        BOTH,
        _as(_BiasCorrectionTPlus1),
        _in_both("1 - beta1**t", "1 - beta1 ** (t + 1)")
        + _in_both("1 - beta2**t", "1 - beta2 ** (t + 1)"),
    ),
    Mistake(
        "missing-first-moment-bias-correction",
        "only the second moment is bias-corrected: m_t is used instead of m_t/(1-beta1^t)",
        BOTH,
        _as(_NoFirstMomentCorrection),
        _in_both("1 - beta1**t", "1.0"),
    ),
    Mistake(
        "missing-second-moment-bias-correction",
        "only the first moment is bias-corrected: v_t is used instead of v_t/(1-beta2^t)",
        BOTH,
        _as(_NoSecondMomentCorrection),
        _in_both("1 - beta2**t", "1.0"),
    ),
    Mistake(
        "missing-sqrt",
        "no square root on the second moment: v_hat + eps in the denominator instead of "
        "sqrt(v_hat) + eps",
        BOTH,
        _as(_NoSqrt),
        _in_both(".sqrt().add_(eps)", ".add_(eps)"),
    ),
    Mistake(
        "eps-inside-sqrt",
        "epsilon inside the square root: sqrt(v_hat + eps) instead of sqrt(v_hat) + eps",
        BOTH,
        _as(_EpsInsideSqrt),
        _in_both(".sqrt().add_(eps)", ".add(eps).sqrt()"),
    ),
    Mistake(
        "betas-swapped",
        "beta1 and beta2 swapped: the first moment decays with beta2, the second with beta1",
        BOTH,
        lambda rule: replace(rule, betas=rule.betas[::-1]),
        _in_both('beta1, beta2 = group["betas"]', 'beta2, beta1 = group["betas"]'),
    ),
    Mistake(
        "weight-decay-ignored",
        "weight_decay has no effect: neither added to the gradient (Adam) nor decaying the "
        "parameters (AdamW)",
        BOTH,
        lambda rule: replace(rule, l2_coefficient=0.0, decay_rate=0.0),
        (
            Patch("Adam", _ADAM_PENALTY, "pass  # weight_decay forgotten"),
            Patch("AdamW", _ADAMW_DECAY, "pass  # weight_decay forgotten\n"),
        ),
    ),
    Mistake(
        "l2-instead-of-decoupled-decay",
        "AdamW with L2 regularization: weight_decay * p added to the gradient instead of "
        "decaying p outside the adaptive step",
        ADAMW,
        # lambda' = weight_decay in the gradient, no decoupled decay
        lambda rule: replace(rule, l2_coefficient=rule.decay_rate, decay_rate=0.0),
        (Patch("AdamW", _ADAMW_DECAY, "grad = grad.add(p, alpha=weight_decay)\n"),),
    ),
    Mistake(
        "decay-after-update",
        "decoupled decay applied to the already-updated parameter instead of the pre-step one",
        ADAMW,
        _as(_DecayAfterUpdate),
        (
            Patch("AdamW", _INDENT + _ADAMW_DECAY, ""),
            Patch(
                "AdamW", _ADAMW_UPDATE, _ADAMW_UPDATE + _INDENT + "p.mul_(1 - lr * weight_decay)\n"
            ),
        ),
    ),
    Mistake(
        "decay-in-paper-convention",
        "decayed by weight_decay * p, the paper's eta_t lambda convention (Alg. 2, line 12), "
        "where torch.optim.AdamW's API scales the decay by lr: p *= 1 - lr * weight_decay",
        ADAMW,
        # d_t = eta_t lambda (eta_t = 1 here) instead of lr eta_t lambda
        lambda rule: replace(rule, convention=DecayConvention.PAPER),
        (Patch("AdamW", _ADAMW_DECAY, "p.mul_(1 - weight_decay)\n"),),
    ),
    Mistake(
        "decoupled-decay-in-adam",
        "Adam with decoupled decay: torch.optim.Adam's weight_decay is L2 (added to the "
        "gradient), not AdamW's decay",
        ADAM,
        # lambda = weight_decay decays p (scaled by lr, as AdamW), nothing joins the gradient
        lambda rule: replace(rule, decay_rate=rule.l2_coefficient, l2_coefficient=0.0),
        (Patch("Adam", _ADAM_PENALTY, "p.mul_(1 - lr * weight_decay)"),),
    ),
)


def mistakes_for(class_name: str) -> list[Mistake]:
    return [m for m in MISTAKES if class_name in m.applies_to]


def _class_span(source: str, class_name: str) -> tuple[int, int]:
    start = source.index(f"\nclass {class_name}(")
    end = source.find("\nclass ", start + 1)
    return start, len(source) if end < 0 else end


def apply_mistake(source: str, mistake: Mistake) -> str:
    """The solution ``source`` with ``mistake`` written into it (raises if a patch misses)."""
    for patch in mistake.patches:
        start, end = _class_span(source, patch.in_class)
        body = source[start:end]
        if patch.old not in body:
            raise ValueError(f"{mistake.name}: {patch.old!r} not found in class {patch.in_class}")
        source = source[:start] + body.replace(patch.old, patch.new) + source[end:]
    return source
