"""The sandbox for student code: bubblewrap where it can start, limits, and the fallback.

:func:`choose_mode` decides, :func:`sandbox_command` builds the command line;
:class:`~wdproof.numerics.grading.channel.StudentProcess` runs it.

**Sandbox** (``bwrap`` mode, when bubblewrap can start here): the runner
(:mod:`wdproof.numerics.grading.runner`) runs inside ``bwrap`` with its own PID, IPC, UTS,
cgroup, network and mount namespaces (no network at all), ``--die-with-parent`` and
``--new-session``. It sees a read-only root holding only ``/usr`` (and the ``/bin``, ``/lib*``
links), the Python installation (``sys.prefix``, ``sys.base_prefix``, the site-packages and
torch's folder; never the repository, so ``wdproof`` and its reference solution are not there to
read or import, and a wdproof installed inside those folders is masked), ``/grading/student.py``,
``/grading/runner.py`` and its siblings (copies), a fresh ``/proc``, a minimal ``/dev`` and a
private 64 MiB ``/tmp``. A grader running as root starts the runner through ``setpriv`` inside
the sandbox as ``nobody`` (uid 65534, no groups, ``no_new_privs``): the Python installation
may sit where ``nobody`` cannot reach it (``/root/.pyenv``), so bwrap itself binds it as root,
with no user namespace. Otherwise bwrap's user namespace maps the grader's user to ``nobody``
inside.

**Fallback** (``none`` mode, when bwrap is missing or cannot start, or ``WDPROOF_SANDBOX=none``):
the runner runs from a temporary copy as the grader's own user, in its own session. That
contains accidents, not an adversary (no filesystem or network isolation; a ``setsid``
grandchild escapes the process group that is killed), so the grader says so once, on stderr.
``WDPROOF_SANDBOX=bwrap`` demands the sandbox (:class:`SandboxUnavailable`, an
:class:`~wdproof.numerics.errors.InputError`, where it cannot start); ``auto``, the default,
probes bwrap once per process (:func:`bwrap_problem`).

**Limits** (:class:`Limits`): the wall clock (``time_limit``, over the whole run; the sandbox is
then killed), and, set by the runner before the student's file loads: ``RLIMIT_AS`` (2 GiB by
default: grading the reference solution fails at 0.5 GiB and passes at 0.7 GiB, measured),
``RLIMIT_CPU`` (the time limit + 5 s), ``RLIMIT_FSIZE`` 64 MiB, no core dumps, and, in the
sandbox, ``RLIMIT_NPROC`` 64: a fork bomb stops there. It counts the processes of a real user:
as root with ``setpriv``, all of ``nobody``'s (parallel sandboxes share the 64); in a user
namespace, the sandbox's own, except where the grader is root without ``setpriv`` (root is
exempt). Unsandboxed it is not set (a user's other processes would count too). Where it does
not hold, killing the PID namespace or process group at the time limit is the bound.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from wdproof.numerics.errors import InputError

TIME_LIMIT_S = 60.0
TIME_LIMIT_RANGE_S = (1.0, 3600.0)
MEMORY_LIMIT_BYTES = 2 << 30
MEMORY_LIMIT_RANGE_BYTES = (256 << 20, 1 << 40)
FILE_SIZE_LIMIT_BYTES = 64 << 20
TMP_SIZE_BYTES = 64 << 20
PROCESS_LIMIT = 64
NOBODY = 65534
SANDBOX_ENV = "WDPROOF_SANDBOX"
FALLBACK_WARNING = (
    "warning: bubblewrap (bwrap) not available ({why}): student code runs without a "
    "filesystem/network sandbox, as your user; install it with 'apt-get install bubblewrap'"
)
SANDBOX_DIR = "/grading"
_warned = False


class SandboxUnavailable(InputError):
    """``WDPROOF_SANDBOX=bwrap`` where bubblewrap cannot start a sandbox."""


@dataclass(frozen=True)
class Limits:
    """What the student process may use; see the module docstring."""

    time_s: float = TIME_LIMIT_S
    memory_bytes: int = MEMORY_LIMIT_BYTES

    @property
    def cpu_s(self) -> int:
        """``RLIMIT_CPU``: the time limit (clamped to its range, so never overflowing) + 5 s."""
        low, high = TIME_LIMIT_RANGE_S
        return math.ceil(min(max(self.time_s, low), high)) + 5

    def for_runner(self, sandboxed: bool) -> str:
        """The runner's ``resource`` limits, as the JSON argument it reads."""
        return json.dumps(
            {
                "memory": int(min(self.memory_bytes, MEMORY_LIMIT_RANGE_BYTES[1])),
                "cpu": self.cpu_s,
                "file_size": FILE_SIZE_LIMIT_BYTES,
                "processes": PROCESS_LIMIT if sandboxed else None,
            }
        )


# --- choosing and building the sandbox -------------------------------------------------------


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def python_paths() -> list[str]:
    """The folders the runner needs read-only: the Python installation and torch's folder."""
    import torch

    candidates = [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        *site.getsitepackages(),
        str(Path(torch.__file__).resolve().parent.parent),
    ]
    found = {c for c in candidates if os.path.isdir(c)}
    found |= {os.path.realpath(c) for c in found}
    kept: list[str] = []
    for path in sorted(found, key=lambda p: (p.count("/"), p)):
        if path != "/" and not any(_inside(path, k) for k in ["/usr", *kept]):
            kept.append(path)
    return kept


def _wdproof_folders() -> list[str]:
    """wdproof's package folders (its reference solution), hidden if a bound path holds them."""
    folders = []
    for name in ("wdproof.derivations", "wdproof.numerics", "wdproof.report"):
        spec = importlib.util.find_spec(name)
        folders += [os.path.realpath(p) for p in (spec.submodule_search_locations or [])]
    return folders


def _drops_to_nobody_with_setpriv() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def _bwrap_prefix() -> list[str]:
    """bwrap, its namespaces and the read-only view of the system and of Python."""
    command = [shutil.which("bwrap") or "bwrap"]
    if _drops_to_nobody_with_setpriv():  # root: no user namespace; setpriv drops to nobody
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    command += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    command += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    command += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/", name)
        if host.is_symlink():
            command += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            command += ["--ro-bind", str(host), str(host)]
    # The private /tmp comes before the Python binds: a venv under /tmp (a clone in /tmp/...)
    # is then bound on top of it instead of being hidden by it.
    command += ["--perms", "1777", "--size", str(TMP_SIZE_BYTES), "--tmpfs", "/tmp"]
    bound = python_paths()
    made: set[str] = set()
    for path in bound:
        for parent in reversed(Path(path).parents[:-1]):
            if str(parent) not in made and not _inside(str(parent), "/usr"):
                made.add(str(parent))
                command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--ro-bind", path, path]
    for folder in _wdproof_folders():
        if any(_inside(folder, b) for b in bound):
            command += ["--tmpfs", folder]  # a non-editable install: mask the package
    return command


def _bwrap_tail(info_fd: int, python_args: list[str]) -> list[str]:
    """The private ``/proc`` and ``/dev``, a read-only root, the environment, the command."""
    command = ["--proc", "/proc", "--dev", "/dev"]
    command += ["--remount-ro", "/", "--chdir", "/tmp", "--clearenv", "--info-fd", str(info_fd)]
    for name, value in environment("/tmp").items():
        command += ["--setenv", name, value]
    command.append("--")
    if _drops_to_nobody_with_setpriv():
        command += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        command += ["--no-new-privs"]
    return command + [sys.executable, "-I", *python_args]


def environment(home: str) -> dict[str, str]:
    """The student process's whole environment (one thread for torch's math libraries)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


@functools.cache
def bwrap_problem() -> str | None:
    """Why bubblewrap cannot run the sandbox here, or ``None`` (probed once per process)."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    read, write = os.pipe()
    try:
        command = _bwrap_prefix() + _bwrap_tail(write, ["-c", ""])
        done = subprocess.run(
            command,
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            pass_fds=[write],
        )
    except (OSError, subprocess.SubprocessError) as err:
        return f"bwrap failed to start: {err}"
    finally:
        os.close(read)
        os.close(write)
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"bwrap exited with status {done.returncode}"
    return None


def choose_mode(requested: str | None = None) -> str:
    """``"bwrap"`` or ``"none"`` for ``requested``, else ``$WDPROOF_SANDBOX``, else ``auto``.

    Falling back to ``"none"`` prints :data:`FALLBACK_WARNING` once per process.
    """
    mode = (requested or os.environ.get(SANDBOX_ENV) or "auto").strip().lower()
    if mode not in ("auto", "bwrap", "none"):
        raise InputError(f"{SANDBOX_ENV} must be auto, bwrap or none, got {mode!r}")
    problem = f"{SANDBOX_ENV}=none" if mode == "none" else bwrap_problem()
    if problem is None:
        return "bwrap"
    if mode == "bwrap":
        raise SandboxUnavailable(f"{SANDBOX_ENV}=bwrap, but bubblewrap cannot start: {problem}")
    global _warned
    if not _warned:
        _warned = True
        print(FALLBACK_WARNING.format(why=problem), file=sys.stderr)
    return "none"


def sandbox_command(files: dict[str, int], info_fd: int, runner_args: list[str]) -> list[str]:
    """bwrap running ``python -I /grading/runner.py RUNNER_ARGS`` in the sandbox.

    ``files`` maps names (``student.py``, ``runner.py`` and the runner's siblings) to open
    files that bwrap copies to ``/grading/NAME`` (read-only, readable by ``nobody`` whatever
    their modes); ``info_fd`` gets bwrap's JSON status, which names the sandbox's first process.
    """
    command = _bwrap_prefix()
    for name, fd in files.items():
        command += ["--perms", "0444", "--ro-bind-data", str(fd), f"{SANDBOX_DIR}/{name}"]
    return command + _bwrap_tail(info_fd, [f"{SANDBOX_DIR}/runner.py", *runner_args])
