"""The own-work audit of the Q2.a runner: is the student's ``step`` torch's Adam in disguise?

A standalone module (stdlib only; torch is handed in), copied into the sandbox beside
:mod:`wdproof.numerics.grading.runner`, which loads it from its own folder (the sandbox cannot
import wdproof). :class:`Originals` saves torch's Adam classes and module namespaces before
the student's file loads; :meth:`Originals.inherited` names the torch class a student class is
or derives from; :func:`audited` runs one step under a profiler and says why it is not the
student's own update, or ``None``.

The audit is in-process, so a student who sets out to defeat it (say, by switching the profiler
off through C code and back on) can; it catches the direct ways of handing the update to torch.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

#: Code of these torch files running inside ``step`` means the update is torch's, not the student's.
TORCH_ADAM_FILES = ("torch/optim/adam.py", "torch/optim/adamw.py", "torch/optim/_functional.py")
FUSED_ADAM_KERNELS = frozenset({"_fused_adam_", "_fused_adamw_", "_fused_adam", "_fused_adamw"})
#: Calls inside ``step`` that switch the audit off or move work out of its sight.
TAMPERING_CALLS = frozenset(
    {"setprofile", "settrace", "fork", "forkpty", "fork_exec", "posix_spawn", "system"}
)


class Originals:
    """torch's Adam classes and module namespaces, saved before the student's file loads."""

    def __init__(self, torch) -> None:
        self.classes = (torch.optim.Adam, torch.optim.AdamW)
        self.namespaces = tuple(
            vars(importlib.import_module(f"torch.optim.{name}"))
            for name in ("adam", "adamw", "_functional")
        )

    def inherited(self, cls: type) -> str | None:
        """The torch class ``cls`` is or derives from (walking ``__bases__``, not ``mro()``)."""
        seen, todo = set(), [cls]
        while todo:
            current = todo.pop()
            if current in self.classes:
                return f"{current.__module__}.{current.__qualname__}"
            if id(current) not in seen:
                seen.add(id(current))
                todo.extend(getattr(current, "__bases__", ()))
        return None


def audited(call, originals: Originals) -> str | None:
    """Run ``call()`` under ``sys.setprofile``; say why it is not the student's own update.

    Flags Python frames of torch's Adam modules (by file name and by module namespace, so a
    copied function is caught too), calls of the fused Adam kernels (``torch._fused_adam_``,
    ``torch.ops.aten._fused_adam*``), calls that switch the audit off or start processes, and a
    profiler found removed or replaced when ``call`` returns.
    """
    findings: list[str] = []
    active = [True]

    def check(frame, event, arg) -> str | None:
        if event == "call":
            code = frame.f_code
            filename = code.co_filename.replace(os.sep, "/")
            if filename.endswith(TORCH_ADAM_FILES) or any(
                frame.f_globals is ns for ns in originals.namespaces
            ):
                where = filename[filename.rfind("torch/") :]
                return f"step runs torch's Adam ({code.co_name} in {where})"
            if filename.endswith("torch/_ops.py") and code.co_name == "__call__":
                op = frame.f_locals.get("self")
                if "_fused_adam" in str(getattr(op, "__name__", "")):
                    return f"step calls torch's fused Adam kernel (torch.ops.aten.{op.__name__})"
        elif event == "c_call":
            name = getattr(arg, "__name__", "")
            if name in FUSED_ADAM_KERNELS:
                return f"step calls torch's fused Adam kernel (torch.{name})"
            if name in TAMPERING_CALLS:
                return f"step calls {name}(), which tampers with the grader's audit"
        return None

    def profile(frame, event, arg):
        if findings or not active[0]:
            return
        try:
            if found := check(frame, event, arg):
                findings.append(found)
        except Exception:  # noqa: BLE001 - never let the audit break the student's step
            return

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        call()
    finally:
        hooks = (sys.getprofile(), threading.getprofile())
        active[0] = False
        sys.setprofile(None)
        threading.setprofile(None)
    if findings:
        return findings[0]
    if any(hook is not profile for hook in hooks):
        return "step removed or replaced the grader's audit hook (sys.setprofile)"
    return None
