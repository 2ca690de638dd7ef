"""A ReLU MLP stacked over grid cells: one flat parameter row per cell, hand-written backprop.

Each cell ``c`` owns a parameter vector ``theta_c`` (one row of a ``(cells, n_params)``
tensor) holding, layer by layer, ``W_l`` (shape ``(fan_out, fan_in)``, as ``torch.nn.Linear``)
then ``b_l``. All cells see the same minibatch ``x`` (``(batch, in_dim)``); the network is

.. math::

    h_0 = x,\\quad z_l = h_{l-1} W_l^\\top + b_l,\\quad h_l = \\mathrm{relu}(z_l)\\ (l \\le L),
    \\quad \\ell_c = \\tfrac1B \\sum_i \\mathrm{softplus}(z_{L+1,i}) - y_i z_{L+1,i},

the mean binary cross-entropy of the logit, exactly ``F.binary_cross_entropy_with_logits``.
With ``K > 2`` classes (the digits) the output layer has ``K`` logits and the loss is the mean
softmax cross-entropy ``logsumexp(z_{L+1,i}) - z_{L+1,i,y_i}``, exactly ``F.cross_entropy``,
whose gradient is ``dz_{L+1} = (softmax(z) - onehot(y))/B``. Every layer is one
``torch.baddbmm`` over the cell dimension, and the backward pass is written out
(``dz_{L+1} = (sigmoid(z) - y)/B``, ``dW_l = dz_l^T h_{l-1}``, ``dh_{l-1} = dz_l W_l``,
``dz_l = dh_l [z_l > 0]``): no cross-cell operation exists, so a NaN in one cell cannot reach
another. The hand-written pass avoids autograd's graph bookkeeping; ``benchmarks/
sweep_benchmark.py`` times both, and ``tests/test_sweep.py`` checks it against autograd.

Default width 32: the spiral of :mod:`wdproof.numerics.sweep.spiral` needs a boundary with a few
dozen kinks; 3 x 32 ReLU units fit it to > 95% in a few hundred Adam steps, while width 64 would
quadruple the cost of the sweep for no visible change in the heatmaps.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class MLPShape:
    """``in_dim -> width x hidden_layers (ReLU) -> out_dim``: one logit for two classes, else
    one per class."""

    in_dim: int = 2
    width: int = 32
    hidden_layers: int = 3
    out_dim: int = 1

    @property
    def layer_dims(self) -> list[tuple[int, int]]:
        """``(fan_in, fan_out)`` of each linear layer."""
        dims = [self.in_dim] + [self.width] * self.hidden_layers + [self.out_dim]
        return list(itertools.pairwise(dims))

    @property
    def n_params(self) -> int:
        return sum(fan_out * (fan_in + 1) for fan_in, fan_out in self.layer_dims)


def split_params(flat: torch.Tensor, shape: MLPShape) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Views ``(W_l (cells, out, in), b_l (cells, out))`` into a ``(cells, n_params)`` tensor."""
    layers, offset = [], 0
    for fan_in, fan_out in shape.layer_dims:
        weight = flat[:, offset : offset + fan_out * fan_in].view(-1, fan_out, fan_in)
        offset += fan_out * fan_in
        bias = flat[:, offset : offset + fan_out]
        offset += fan_out
        layers.append((weight, bias))
    return layers


def init_params(shape: MLPShape, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """One flat parameter vector with ``torch.nn.Linear``'s default law ``U(-1/sqrt(fan_in), +)``.

    Drawn in float64 from ``torch.Generator(seed)`` and then cast, so the float32 and float64
    sweeps start from the same point up to rounding.
    """
    gen = torch.Generator().manual_seed(seed)
    pieces = []
    for fan_in, fan_out in shape.layer_dims:
        bound = 1 / math.sqrt(fan_in)
        for n in (fan_out * fan_in, fan_out):
            pieces.append((2 * torch.rand(n, generator=gen, dtype=torch.float64) - 1) * bound)
    return torch.cat(pieces).to(dtype)


def _bce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean BCE-with-logits per cell (``y`` broadcast over cells)."""
    return F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(1)


def _softmax_ce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean softmax cross-entropy per cell (``logits`` ``(cells, batch, K)``, ``y`` classes)."""
    picked = logits.gather(2, y.long().expand(logits.shape[0], -1).unsqueeze(2)).squeeze(2)
    return (torch.logsumexp(logits, dim=2) - picked).mean(1)


def _loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return _bce(logits, y) if logits.dim() == 2 else _softmax_ce(logits, y)


def _output_grad(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``dloss/dz_{L+1}`` per cell, ``(cells, batch, out)``."""
    batch = logits.shape[1]
    if logits.dim() == 2:
        return ((torch.sigmoid(logits) - y) / batch).unsqueeze(2)
    dz = torch.softmax(logits, dim=2)
    dz[:, torch.arange(batch), y.long()] -= 1
    return dz / batch


def _forward(flat: torch.Tensor, x: torch.Tensor, shape: MLPShape):
    """Logits ``(cells, batch)`` (one logit) or ``(cells, batch, out)``, and each layer's input
    ``h_{l-1}`` (ReLU applied in place)."""
    cells = flat.shape[0]
    h = x.expand(cells, *x.shape)
    inputs = []
    layers = split_params(flat, shape)
    for i, (weight, bias) in enumerate(layers):
        inputs.append(h)
        h = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
        if i + 1 < len(layers):
            h = h.relu_()  # [z > 0] == [relu(z) > 0]: the backward pass needs only h
    return (h.squeeze(2) if shape.out_dim == 1 else h), inputs


def loss_and_grad(
    flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor, shape: MLPShape
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-cell mean cross-entropy loss ``(cells,)`` and its gradient ``(cells, n_params)``."""
    logits, inputs = _forward(flat, x, shape)
    cells = logits.shape[0]
    loss = _loss(logits, y)
    layers = split_params(flat, shape)
    dz = _output_grad(logits, y)  # (cells, batch, out)
    grads: list[torch.Tensor] = []
    for i in range(len(layers) - 1, -1, -1):
        weight, _ = layers[i]
        grads.append(dz.sum(dim=1))  # d bias
        grads.append(torch.bmm(dz.transpose(1, 2), inputs[i]).reshape(cells, -1))  # d weight
        if i > 0:
            dz = torch.bmm(dz, weight)  # dh_{l-1}, masked in place by the ReLU below
            torch.ops.aten.threshold_backward.grad_input(dz, inputs[i], 0, grad_input=dz)
    return loss, torch.cat(grads[::-1], dim=1)


@torch.no_grad()
def evaluate(
    flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor, shape: MLPShape
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-cell mean loss and accuracy on ``(x, y)``: one logit predicts class 1 when > 0,
    several predict the class of the largest."""
    logits, _ = _forward(flat, x, shape)
    loss = _loss(logits, y)
    if logits.dim() == 2:
        accuracy = ((logits > 0) == (y > 0.5)).to(flat.dtype).mean(dim=1)
    else:
        accuracy = (logits.argmax(dim=2) == y.long()).to(flat.dtype).mean(dim=1)
    return loss, accuracy


def autograd_loss_and_grad(
    flat: torch.Tensor, x: torch.Tensor, y: torch.Tensor, shape: MLPShape
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same loss and gradient through autograd: the reference for tests and timings."""
    with torch.enable_grad():
        leaf = flat.detach().requires_grad_(True)
        logits, _ = _forward(leaf, x, shape)
        loss = _loss(logits, y)
        (grad,) = torch.autograd.grad(loss.sum(), leaf)
    return loss.detach(), grad
