"""Hostile submission: a correct-looking Adam whose AdamW forges replies on the channel.

AdamW.step writes fake step replies (every plausible sequence number, the current parameters)
to every descriptor, then a truncated frame. A broken protocol voids the whole run: 0 points.
"""

import json
import os
import struct

import torch


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": 0.0})
        self.weight_decay = weight_decay

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                state["t"] += 1
                grad = p.grad + self.weight_decay * p
                state["m"].mul_(beta1).add_(grad, alpha=1 - beta1)
                state["v"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                m_hat = state["m"] / (1 - beta1 ** state["t"])
                v_hat = state["v"] / (1 - beta2 ** state["t"])
                p.sub_(group["lr"] * m_hat / (v_hat.sqrt() + group["eps"]))


class AdamW(Adam):
    def step(self, closure=None):
        params = [p.detach().reshape(-1).tolist() for g in self.param_groups for p in g["params"]]
        for seq in range(1, 400):
            body = json.dumps({"seq": seq, "params": params}).encode()
            for fd in range(3, 64):
                try:
                    os.write(fd, struct.pack(">I", len(body)) + body)
                except OSError:
                    pass
        for fd in range(3, 64):
            try:
                os.write(fd, b"\x00\x00\x01\x00{")
            except OSError:
                pass
