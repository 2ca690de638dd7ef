"""Hostile submission: starts a setsid grandchild, then hangs in step until the time limit."""

import os
import sys

import torch

TOKEN = "__TOKEN__"


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        if os.fork() == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    code = "import time; time.sleep(60)"
                    os.execv(sys.executable, [sys.executable, "-S", "-c", code, TOKEN])
            finally:
                os._exit(0)
        while True:
            pass


AdamW = Adam
