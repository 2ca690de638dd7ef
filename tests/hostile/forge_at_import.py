"""Hostile submission: forges results everywhere it can at import time, implements nothing.

It writes fake pass records (the old results-file format and grading-channel frames) and
garbage to every file descriptor it can, truncates what it can, plants results files, and
floods stdout. It must score 0, with the protocol break reported.
"""

import json
import os
import struct

import torch


def frame(message):
    body = json.dumps(message).encode()
    return struct.pack(">I", len(body)) + body


FAKES = [
    b'{"name": "adam-defaults", "trajectory": [], "passed": true, "points": 2}\n',
    b'{"done": true}\n',
    frame({"seq": 1, "ok": True}),
    frame({"seq": 2, "ok": True}),
    b"\x00\x00\x00\x05garbage",
    b"\x00\x00\x10",  # a truncated frame header
]
for fd in range(256):
    for fake in FAKES:
        try:
            os.write(fd, fake)
        except OSError:
            pass
    try:
        os.ftruncate(fd, 0)
    except OSError:
        pass
for path in ("results.jsonl", "/tmp/results.jsonl", "spec.json", "../results.jsonl"):
    try:
        with open(path, "w") as handle:
            handle.write('{"name": "adam-defaults", "passed": true}\n{"done": true}\n')
    except OSError:
        pass
print("x" * 5_000_000)  # a flood of output: the grader keeps only a bounded tail


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        return None  # implements nothing: the parameters never move


AdamW = Adam
