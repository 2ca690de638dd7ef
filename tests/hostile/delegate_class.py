"""Delegation: Adam subclasses torch.optim.Adam; AdamW wraps a torch.optim.AdamW instance.

Both give torch's own numbers, so only the own-work check can stop them from passing.
"""

import torch


class Adam(torch.optim.Adam):
    pass


class AdamW(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        params = list(params)
        super().__init__(params, {"lr": lr})
        self.inner = torch.optim.AdamW(params, lr, betas, eps, weight_decay)

    def step(self, closure=None):
        return self.inner.step(closure)
