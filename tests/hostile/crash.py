"""Crashes: Adam.step runs out of memory (MemoryError, no message); AdamW.step dereferences
NULL (SIGSEGV). The Adam checks run first, so both are seen."""

import ctypes

import torch


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        self.hoard = bytearray(8 << 30)  # over the 2 GiB address-space limit: MemoryError()


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr)

    def step(self, closure=None):
        ctypes.string_at(0)
