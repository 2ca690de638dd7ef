"""Hostile submission: a fork bomb, bounded so that it can never hurt the machine.

At most 2000 children, for at most 3 s of forking; each child execs a Python that sleeps for
at most 60 s with the test's token in its command line. RLIMIT_NPROC should stop it early, and
stopping the sandbox must take every child with it.
"""

import os
import sys
import time

import torch

TOKEN = "__TOKEN__"
started, forked = time.monotonic(), 0
while forked < 2000 and time.monotonic() - started < 3.0:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            os.execv(
                sys.executable,
                [sys.executable, "-S", "-c", "import time; time.sleep(60)", TOKEN],
            )
        finally:
            os._exit(0)
    forked += 1


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        raise RuntimeError(f"FORKED {forked}")


AdamW = Adam
