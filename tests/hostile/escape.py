"""Hostile submission: tries to break out of the sandbox at import time, then reports.

tests/test_hostile_students.py fills in the placeholders. Every attempt that works is named
in the RuntimeError that ``step`` raises, which the grader shows as feedback: the test reads it
there (a sandboxed process has no other way out).
"""

import os
import signal
import socket
import sys

import torch

TOKEN = "__TOKEN__"
OUTSIDE = "__OUTSIDE__"  # a folder of the test's, by absolute path
REPO = "__REPO__"
OTHER = "__OTHER__"  # another student's submission
PORT = int("__PORT__")  # a TCP server of the test's, on the grader's 127.0.0.1
GRANDCHILD = """
import sys, time
end = time.time() + 60  # self-bounded, even if containment broke
while time.time() < end:
    for folder in (sys.argv[2], "/tmp"):
        try:
            with open(folder + "/grandchild.txt", "a") as handle:
                handle.write("alive\\n")
        except OSError:
            pass
    time.sleep(0.05)
"""
tried, worked = [], []


def attempt(name, action):
    tried.append(name)
    try:
        action()
    except Exception:  # noqa: BLE001 - any failure means the attempt was stopped
        return
    worked.append(name)


def read(path):
    with open(path, "rb") as handle:
        handle.read(1)


def write(path):
    with open(path, "x") as handle:
        handle.write("escaped")


def kill_visible():
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass


def spawn_grandchild():
    """A double fork with setsid: the grandchild belongs to no process group of the grader's."""
    if os.fork() == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-S", "-c", GRANDCHILD, TOKEN, OUTSIDE])
        finally:
            os._exit(0)
    os.wait()


if os.getuid() == 65534:  # only inside the sandbox: unsandboxed, these would hit the machine
    kill_visible()  # the test checks the outcome: grading still completes
    for target in (-1, 1, os.getppid()):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
else:
    worked.append("not-sandboxed")
spawn_grandchild()
attempt("write-outside", lambda: write(f"{OUTSIDE}/escaped.txt"))
attempt("write-repo", lambda: write(f"{REPO}/ESCAPED-{TOKEN}"))
attempt("read-reference", lambda: read(f"{REPO}/numerics/optimizers/rules.py"))
attempt("read-solution", lambda: read(f"{REPO}/numerics/grading/student_solution.py"))
attempt("read-other-student", lambda: read(OTHER))
attempt("read-via-proc-1", lambda: read(f"/proc/1/root{REPO}/numerics/optimizers/rules.py"))
attempt("import-wdproof", lambda: __import__("wdproof.numerics.optimizers.rules"))
attempt("network", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=2).close())
REPORT = f"REPORT tried={len(tried)} worked={worked}"


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        raise RuntimeError(REPORT)


AdamW = Adam
