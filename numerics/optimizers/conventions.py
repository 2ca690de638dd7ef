r"""The decay convention: how a method regularizes ``theta`` -- the paper's whole distinction.

Loshchilov & Hutter (2019), Sec. 2 and Algs. 1-2. With learning rate ``alpha`` (PyTorch's
``lr``) and schedule multiplier ``eta_t``:

* :attr:`DecayConvention.L2` -- L2 regularization with coefficient ``lambda'``
  (``l2_coefficient``): ``g_t <- grad f_t(theta_{t-1}) + lambda' theta_{t-1}``, so the penalty
  passes through the method's preconditioner. ``torch.optim.Adam``/``SGD``'s
  ``weight_decay``.
* :attr:`DecayConvention.TORCH` -- decoupled decay at PyTorch's ``weight_decay`` ``w``
  scaled by the learning rate: ``theta <- theta - lr eta_t w theta``.
  ``torch.optim.AdamW``'s ``weight_decay``; the paper's rate is ``lambda = lr w``.
* :attr:`DecayConvention.PAPER` -- decoupled decay scaled by the schedule only:
  ``theta <- theta - eta_t lambda theta`` (Alg. 1 line 9, Alg. 2 line 12), independent of
  ``alpha``. PyTorch's AdamW at ``weight_decay = lambda / lr`` takes the same steps (claim
  ``adamw-paper-decay-equals-torch-decay``).

A sweep *variant* is a method family with one convention; :data:`VARIANTS` is their one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DecayConvention(Enum):
    """L2 coefficient ``lambda'`` in the gradient, or decoupled decay: PyTorch's
    ``weight_decay`` ``w`` scaled by ``lr eta_t``, or the paper's rate ``lambda`` by ``eta_t``."""

    L2 = "l2"
    TORCH = "torch"
    PAPER = "paper"

    @property
    def decoupled(self) -> bool:
        return self is not DecayConvention.L2

    def decay_fraction(self, lr: float, eta: float, decay_rate: float) -> float:
        r"""``d_t``, the fraction of ``theta_{t-1}`` decoupled decay removes at step ``t``.

        .. math:: d_t = \mathrm{lr}\,\eta_t\,\lambda \text{ (TORCH)},\quad
                  \eta_t\,\lambda \text{ (PAPER)}
        """
        if self is DecayConvention.L2:
            raise ValueError("L2 regularization has no decoupled decay fraction")
        # d_t = lr eta_t lambda (PyTorch AdamW) or eta_t lambda (paper Alg. 2 line 12)
        return (lr if self is DecayConvention.TORCH else 1.0) * eta * decay_rate


@dataclass(frozen=True)
class Variant:
    """A sweep variant: a method family (``"adam"`` or ``"sgd"``) with one decay convention.

    The grid's weight-decay value ``wd`` is the variant's own hyperparameter: ``lambda'`` under
    L2, PyTorch's ``weight_decay`` ``w`` under :attr:`DecayConvention.TORCH` (its decay per
    step is ``lr w``, the paper's ``lambda``), ``lambda`` under :attr:`DecayConvention.PAPER`.
    """

    name: str
    family: str
    convention: DecayConvention
    label: str

    @property
    def hyperparameter(self) -> str:
        """The symbol the grid's ``wd`` axis stands for, in LaTeX: ``lambda'`` (L2), ``w``
        (PyTorch's ``weight_decay`` of AdamW, not the paper's ``lambda``) or ``lambda``."""
        return {DecayConvention.L2: r"\lambda'", DecayConvention.TORCH: "w"}.get(
            self.convention, r"\lambda"
        )

    @property
    def quantity(self) -> str:
        """What the grid's ``wd`` is, in words (LaTeX), without its symbol: the axis name of
        the figures (``$L_2$ coefficient``, ``PyTorch weight_decay``, ``decay rate``)."""
        return {
            DecayConvention.L2: "$L_2$ coefficient",
            DecayConvention.TORCH: "PyTorch weight_decay",
        }.get(self.convention, "decay rate")

    def wd_name(self, normalized: bool = False) -> str:
        """The ``wd`` axis's name with its symbol, e.g. ``$L_2$ coefficient $\\lambda'$``,
        ``PyTorch weight_decay $w$`` or ``decay rate $\\lambda$ (paper)``; ``normalized``
        prefixes "normalized" and subscripts the symbol (``lambda_norm``)."""
        symbol = self.hyperparameter + (r"_{norm}" if normalized else "")
        name = f"{self.quantity} ${symbol}$"
        if self.convention is DecayConvention.PAPER:
            name += " (paper)"
        return f"normalized {name}" if normalized else name


#: The sweep's variants, one table for the engine, CLI, figures, tests and benchmarks.
VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("adam-l2", "adam", DecayConvention.L2, "Adam + L2"),
        Variant("adamw-torch", "adam", DecayConvention.TORCH, "AdamW (PyTorch: decay $\\alpha w$)"),
        Variant(
            "adamw-paper", "adam", DecayConvention.PAPER, "AdamW (paper: decay $\\eta\\lambda$)"
        ),
        Variant("sgd-l2", "sgd", DecayConvention.L2, "SGD + L2"),
        Variant("sgdw", "sgd", DecayConvention.PAPER, "SGDW (decay $\\eta\\lambda$)"),
    )
}
ADAM_VARIANTS = tuple(name for name, v in VARIANTS.items() if v.family == "adam")
SGD_VARIANTS = tuple(name for name, v in VARIANTS.items() if v.family == "sgd")


def variant(name: str) -> Variant:
    """The variant called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}") from None
