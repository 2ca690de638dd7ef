"""The student-side runner of the Q2.a autograder: a standalone script (torch + stdlib only).

:mod:`wdproof.numerics.sandbox` copies this file and the student's file into a fresh temporary
directory and runs ``python -I grading_runner.py spec.json results.jsonl`` there. The script
cannot import ``wdproof`` (it removes the editable-install finder before loading the student's
code), so the reference solution is not importable from the student process. It loads the
student module, runs every check of the spec, and appends one JSON line per check to the
results file as soon as the check ends, so a later hang or crash keeps earlier results.

Torch is imported only after the student's file loads, so a file that does not load is
reported in a fraction of a second. The grader imports :func:`make_problem` from here too, so the student process and the reference
see the same objective, bit for bit.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback


def make_problem(seed: int, shapes: list[list[int]], n_targets: int = 8):
    """``f_t(p) = sum_i 1/2 sum s_i (p_i - c_{i,t})^2 + 1/20 (sum_i sum tanh p_i)^2``.

    Scales ``s_i`` span three orders of magnitude per coordinate, so L2 and decoupled decay
    (and the other known mistakes) separate quickly; targets ``c_{i,t}`` cycle over
    ``n_targets`` draws (a stochastic objective). Returns ``(initial tensors, loss(params, t))``.
    """
    import torch  # imported lazily: a file that fails to load is reported without torch's start-up

    dtype = torch.float64
    gen = torch.Generator().manual_seed(seed)
    initial, scales, targets = [], [], []
    for shape in shapes:
        initial.append(torch.randn(*shape, generator=gen, dtype=dtype))
        scales.append(10.0 ** (3 * torch.rand(*shape, generator=gen, dtype=dtype) - 1.5))
        targets.append(torch.randn(n_targets, *shape, generator=gen, dtype=dtype))

    def loss(params, t: int):
        fit = sum(
            0.5 * (s * (p - c[t % n_targets]) ** 2).sum()
            for p, s, c in zip(params, scales, targets, strict=True)
        )
        coupling = sum(torch.tanh(p).sum() for p in params)
        return fit + 0.05 * coupling**2

    return initial, loss


def _error(err: BaseException, student_file: str, step: int | None) -> dict:
    """Type, message, step and the deepest line of the student's file in the traceback."""
    where = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.endswith(student_file):
            where = {"line": frame.lineno, "code": (frame.line or "").strip()}
    message = str(err) if not isinstance(err, SystemExit) else f"sys.exit({err.code!r})"
    return {"type": type(err).__name__, "message": message[:300], "step": step, "where": where}


def _apply_limits(limits: dict) -> None:
    """Address space, CPU time, file size and core-dump limits, before any student code runs."""
    import resource

    for name, value in (
        ("RLIMIT_AS", limits["memory"]),
        ("RLIMIT_CPU", limits["cpu"]),
        ("RLIMIT_FSIZE", limits["output"]),
        ("RLIMIT_CORE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))


def _hide_wdproof() -> None:
    """Make the installed wdproof package (and its reference solution) unimportable."""
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
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


def _run_check(module, check: dict, student_file: str) -> dict:
    cls = getattr(module, check["class"], None)
    if cls is None:
        return {"name": check["name"], "missing_class": True}
    initial, loss = make_problem(check["seed"], check["shapes"])
    params = [p.clone().requires_grad_(True) for p in initial]
    hyper = {k: tuple(v) if k == "betas" else v for k, v in check["hyper"].items()}
    if check.get("groups"):
        groups = [
            {
                **{k: tuple(v) if k == "betas" else v for k, v in g.items() if k != "params"},
                "params": [params[i] for i in g["params"]],
            }
            for g in check["groups"]
        ]
    else:
        groups = params
    trajectory: list[list[list[float]]] = []
    step = None
    try:
        optimizer = cls(groups, **hyper)
        for step in range(1, check["steps"] + 1):
            optimizer.zero_grad()
            loss(params, step - 1).backward()
            optimizer.step()
            trajectory.append([p.detach().reshape(-1).tolist() for p in params])
    except BaseException as err:  # noqa: BLE001 - student code may raise anything, even SystemExit
        return {
            "name": check["name"],
            "trajectory": trajectory,
            "error": _error(err, student_file, step),
        }
    return {"name": check["name"], "trajectory": trajectory}


def main(spec_path: str, results_path: str) -> int:
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    _apply_limits(spec["limits"])
    _hide_wdproof()
    student_file = spec["student"]
    with open(results_path, "a", encoding="utf-8") as out:

        def emit(record: dict) -> None:
            out.write(json.dumps(record, allow_nan=True) + "\n")
            out.flush()

        try:
            module_spec = importlib.util.spec_from_file_location("student", student_file)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules["student"] = module
            module_spec.loader.exec_module(module)
        except BaseException as err:  # noqa: BLE001 - import errors, sys.exit at import time
            emit({"import_error": _error(err, student_file, None)})
            return 0
        import torch

        torch.manual_seed(0)
        torch.set_num_threads(1)
        _skip_dynamo_import(torch)
        for check in spec["checks"]:
            emit(_run_check(module, check, student_file))
        emit({"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
