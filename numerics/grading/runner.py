"""The student-side runner of the Q2.a autograder: a standalone script (torch + stdlib only).

:mod:`wdproof.numerics.grading.channel` copies it, with the modules of :data:`SIBLINGS` (the
own-work audit, :mod:`wdproof.numerics.grading.audit`), into one folder and starts ``python -I
runner.py REQUESTS REPLIES STUDENT LIMITS`` (in the sandbox of
:mod:`wdproof.numerics.grading.sandbox`): ``REQUESTS``/``REPLIES`` are the numbers of two
inherited pipe ends, the grading channel; the student's ``stdout`` and ``stderr`` go elsewhere.
The runner sets its resource limits and makes ``wdproof`` unimportable, then answers the
grader's requests, one reply per request, in order:

* ``load`` -- compile the student's file, import torch (saving the original
  ``torch.optim.Adam``/``AdamW`` and torch's Adam modules before any student code runs), run
  the file: ``{"ok": true}`` or ``{"import_error": ERROR}``;
* ``construct`` -- build ``class(params, **hyper)`` on parameters with the grader's initial
  values: ``{"ok": true}``, ``{"missing_class": true}``, ``{"delegation": WHY}`` (the class is
  or derives from ``torch.optim.Adam``/``AdamW``) or ``{"error": ERROR}``;
* ``step`` -- set each parameter's ``.grad`` to the grader's gradient, call ``step()`` and reply
  the parameters, ``{"params": [[float, ...], ...]}``, or ``{"error": ERROR}``, or
  ``{"delegation": WHY}`` when the step ran torch's Adam (see :func:`.audit.audited`);
* ``done`` -- ``{"ok": true}``, then exit.

``ERROR`` is ``{"type", "message", "where": {"line", "code"} or null}`` (the deepest line of the
student's file in the traceback). Every frame is :func:`encode_frame`: a 4-byte big-endian
length and a UTF-8 JSON object that carries the request's ``seq``; the grader imports the
framing from here. The runner never sees the objective: the grader sends the gradients.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import sys
import traceback
import types

FRAME_HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 1 << 20
#: The standalone modules the runner loads from its own folder (copied with it into the sandbox).
SIBLINGS = ("audit",)


def runner_files() -> dict[str, str]:
    """This script and its siblings, name to path: what the grader copies into one folder."""
    folder = os.path.dirname(os.path.abspath(__file__))
    return {f"{name}.py": os.path.join(folder, f"{name}.py") for name in ("runner", *SIBLINGS)}


def _sibling(name: str) -> types.ModuleType:
    """The module ``name.py`` beside this file, loaded by path (the sandbox has no wdproof)."""
    spec = importlib.util.spec_from_file_location(f"grading_{name}", runner_files()[f"{name}.py"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _sibling("audit")


def encode_frame(message: dict) -> bytes:
    """``message`` as one frame: its JSON length (4 bytes, big-endian), then the JSON."""
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return FRAME_HEADER.pack(len(body)) + body


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError("the grading channel closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int) -> dict:
    (size,) = FRAME_HEADER.unpack(_read_exact(fd, FRAME_HEADER.size))
    if size > MAX_FRAME_BYTES:
        raise EOFError("oversized request")
    return json.loads(_read_exact(fd, size))


def _send(fd: int, message: dict) -> None:
    data = encode_frame(message)
    while data:
        data = data[os.write(fd, data) :]


def _error(err: BaseException, student_file: str, memory_limit: int) -> dict:
    """Type, message and the deepest line of the student's file in the traceback."""
    where = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == student_file:
            where = {"line": frame.lineno, "code": (frame.line or "").strip()}
    if isinstance(err, SystemExit):
        message = f"sys.exit({err.code!r})"
    elif isinstance(err, ImportError) and (err.name or "").partition(".")[0] == "wdproof":
        message = "imports wdproof, which is not available to submissions"
    elif isinstance(err, MemoryError) and not str(err):
        message = f"out of memory (the {memory_limit / 2**30:g} GiB memory limit)"
    else:
        message = str(err)
    return {"type": type(err).__name__, "message": message[:300], "where": where}


def _apply_limits(limits: dict) -> None:
    """Address space, CPU time, file size, process count and core dumps, before student code."""
    import resource

    for name, value in (
        ("RLIMIT_AS", limits["memory"]),
        ("RLIMIT_CPU", limits["cpu"]),
        ("RLIMIT_FSIZE", limits["file_size"]),
        ("RLIMIT_NPROC", limits["processes"]),  # None: not enforceable here (no sandbox)
        ("RLIMIT_CORE", 0),
    ):
        if value is not None:
            resource.setrlimit(getattr(resource, name), (value, value))


class _NoWdproof:
    """A meta-path finder that refuses ``wdproof`` (the reference solution lives there)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] == "wdproof":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _hide_wdproof() -> None:
    """Make the installed wdproof package (and its reference solution) unimportable."""
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
    sys.meta_path.insert(0, _NoWdproof)
    sys.path_hooks[:] = [h for h in sys.path_hooks if "__editable__" not in repr(h)]
    sys.path_importer_cache.clear()
    for name in [n for n in sys.modules if n.startswith(("wdproof", "__editable__"))]:
        del sys.modules[name]


def _skip_dynamo_import(torch) -> None:
    """Let ``Optimizer.add_param_group``/``zero_grad`` skip importing ``torch._dynamo``.

    Both are wrapped by ``torch._disable_dynamo``, which imports dynamo (about 1.5 s) on first
    use only to mark them as not-to-be-compiled; nothing here is compiled, so the wrapper may
    call the plain method. This halves the student process's run time. A torch that wraps them
    differently is left alone.
    """
    for name in ("add_param_group", "zero_grad"):
        wrapper = getattr(torch.optim.Optimizer, name, None)
        inner = getattr(wrapper, "__wrapped__", None)
        code = getattr(wrapper, "__code__", None)
        if inner is not None and code is not None and code.co_filename.endswith("_compile.py"):
            setattr(inner, "__dynamo_disable", inner)


class _Session:
    """The student's module and the current check's optimizer, driven by the grader's requests."""

    def __init__(self, student_file: str, memory_limit: int) -> None:
        self.student_file = student_file
        self.memory_limit = memory_limit
        self.torch = None
        self.originals = None
        self.module = None
        self.params: list = []
        self.optimizer = None

    def error(self, err: BaseException) -> dict:
        return {"error": _error(err, self.student_file, self.memory_limit)}

    def load(self, request: dict) -> dict:
        """Compile (a syntax error is reported before torch's slow import), save torch's Adam
        classes and modules, then run the student's file as module ``student``."""
        try:
            with open(self.student_file, "rb") as handle:
                code = compile(handle.read(), self.student_file, "exec")
        except BaseException as err:  # noqa: BLE001 - SyntaxError, ValueError (NUL bytes), ...
            return {"import_error": _error(err, self.student_file, self.memory_limit)}
        import torch

        torch.manual_seed(0)
        torch.set_num_threads(1)
        _skip_dynamo_import(torch)
        self.torch, self.originals = torch, audit.Originals(torch)
        module = types.ModuleType("student")
        module.__file__ = self.student_file
        sys.modules["student"] = module
        try:
            exec(code, vars(module))  # noqa: S102 - running the submission is the point
        except BaseException as err:  # noqa: BLE001 - import errors, sys.exit at import time
            return {"import_error": _error(err, self.student_file, self.memory_limit)}
        self.module = module
        return {"ok": True}

    def construct(self, request: dict) -> dict:
        torch = self.torch
        self.optimizer = None
        cls = getattr(self.module, request["class"], None)
        if cls is None:
            return {"missing_class": True}
        if inherited := self.originals.inherited(cls):
            return {"delegation": f"{request['class']} is or subclasses {inherited}"}
        self.params = [
            torch.tensor(values, dtype=torch.float64).reshape(shape).requires_grad_(True)
            for values, shape in zip(request["initial"], request["shapes"], strict=True)
        ]
        hyper = {k: tuple(v) if k == "betas" else v for k, v in request["hyper"].items()}
        groups = self.params
        if request["groups"]:
            groups = [
                {
                    **{k: tuple(v) if k == "betas" else v for k, v in g.items() if k != "params"},
                    "params": [self.params[i] for i in g["params"]],
                }
                for g in request["groups"]
            ]
        try:
            optimizer = cls(groups, **hyper)
        except BaseException as err:  # noqa: BLE001 - student code may raise anything
            return self.error(err)
        if inherited := self.originals.inherited(type(optimizer)):
            return {"delegation": f"{request['class']}(...) returned a {inherited}"}
        self.optimizer = optimizer
        return {"ok": True}

    def step(self, request: dict) -> dict:
        """``zero_grad()``, the grader's gradients into ``.grad``, ``step()``, all audited."""
        torch, optimizer = self.torch, self.optimizer
        shapes = [list(p.shape) for p in self.params]

        def one_step() -> None:
            optimizer.zero_grad()
            for p, values in zip(self.params, request["grads"], strict=True):
                p.grad = torch.tensor(values, dtype=torch.float64).reshape(p.shape)
            optimizer.step()

        try:
            if why := audit.audited(one_step, self.originals):
                return {"delegation": why}
        except BaseException as err:  # noqa: BLE001 - student code may raise anything, even SystemExit
            return self.error(err)
        for index, (p, shape) in enumerate(zip(self.params, shapes, strict=True)):
            if list(p.shape) != shape:
                message = (
                    f"step changed the shape of parameter {index} from {shape} to {list(p.shape)}"
                )
                return {"error": {"type": "ValueError", "message": message, "where": None}}
        return {"params": [p.detach().reshape(-1).tolist() for p in self.params]}


def main(argv: list[str]) -> int:
    requests, replies, student_file = int(argv[0]), int(argv[1]), argv[2]
    limits = json.loads(argv[3])
    _apply_limits(limits)
    _hide_wdproof()
    session = _Session(student_file, limits["memory"])
    handlers = {"load": session.load, "construct": session.construct, "step": session.step}
    while True:
        request = _receive(requests)
        if request["op"] == "done":
            _send(replies, {"seq": request["seq"], "ok": True})
            return 0
        reply = handlers[request["op"]](request)
        _send(replies, {"seq": request["seq"], **reply})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
