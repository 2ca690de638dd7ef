"""Delegation: Adam calls torch.optim._functional.adam; AdamW calls the fused kernel itself.

Both give torch's own numbers, so only the own-work check can stop them from passing.
"""

import torch


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(
            params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        )

    def buffers(self, group, count):
        lists = ([], [], [], [], [])
        for p in group["params"]:
            state = self.state[p]
            if not state:
                state.update(step=torch.tensor(0.0, dtype=torch.float64))
                state.update(m=torch.zeros_like(p), v=torch.zeros_like(p))
            if count:
                state["step"] += 1
            for bucket, value in zip(lists, (p, p.grad, state["m"], state["v"], state["step"])):
                bucket.append(value)
        return lists

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params, grads, m, v, steps = self.buffers(group, count=False)
            beta1, beta2 = group["betas"]
            torch.optim._functional.adam(
                params,
                grads,
                m,
                v,
                [],
                steps,
                foreach=False,
                amsgrad=False,
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=False,
            )


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params, grads, m, v, steps = self.buffers(group, count=True)
            beta1, beta2 = group["betas"]
            torch._fused_adamw_(
                params,
                grads,
                m,
                v,
                [],
                steps,
                lr=group["lr"],
                beta1=beta1,
                beta2=beta2,
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                amsgrad=False,
                maximize=False,
            )
