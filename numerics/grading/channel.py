"""The contained student process and the grader's end of its channel.

:class:`StudentProcess` starts the runner (:mod:`.runner`, copied with the siblings it loads)
in the sandbox that :mod:`.sandbox` builds, or unsandboxed from a temporary copy, and owns the
only pipe ends that matter: the requests it writes, the replies it reads
(:meth:`StudentProcess.request`). The student's stdout and stderr go to a third pipe, of which
only the last :data:`OUTPUT_TAIL_BYTES` are kept.

**Channel**: frames of :func:`~.runner.encode_frame` (length, JSON), one reply per request,
each carrying its request's sequence number. A reply that is garbled, oversized, out of
sequence, truncated, has unexpected fields, or extra bytes that nobody asked for raises
:class:`ProtocolViolation`; silence past the deadline :class:`ChannelTimeout`; a closed channel
:class:`ChannelClosed`. The student's code shares the runner's process and can write to the
reply pipe, but all it can ever do is answer the grader's own requests with values the grader
judges itself (:mod:`.protocol`), never a verdict.

**Stopping** (:meth:`StudentProcess.stop`, also on leaving the ``with`` block, on a timeout or on
Ctrl-C): ``SIGKILL`` to the sandbox's first process (bwrap's ``--info-fd`` names it), whose
death ends its PID namespace and every process in it, and to bwrap's process group; then bwrap
is reaped and the grader waits, on a pidfd, until the namespace is empty. Unsandboxed, the
process group is killed. Nothing the student started outlives :meth:`StudentProcess.close`
(unsandboxed: nothing that stayed in the group); the temporary folder is removed.
"""

from __future__ import annotations

import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

from wdproof.numerics.grading import runner as grading_runner
from wdproof.numerics.grading.exits import exit_signal
from wdproof.numerics.grading.frames import (
    MAX_REPLY_BYTES,
    ChannelClosed,
    ChannelTimeout,
    ProtocolViolation,
    read_available,
    take_reply,
)
from wdproof.numerics.grading.sandbox import (
    SANDBOX_DIR,
    Limits,
    choose_mode,
    environment,
    sandbox_command,
)

OUTPUT_TAIL_BYTES = 4000


class StudentProcess:
    """The contained runner and the grader's end of its channel (a context manager).

    ``with StudentProcess(path, limits) as process: reply = process.request({"op": ...}, ...)``;
    leaving the block kills whatever is left and removes every temporary file.
    """

    def __init__(self, student_file: Path, limits: Limits, sandbox: str | None = None) -> None:
        self.limits = limits
        self.mode = choose_mode(sandbox)
        self.student_file = Path(student_file)
        self.process: subprocess.Popen | None = None
        self.returncode: int | None = None
        self.elapsed_s = 0.0
        self.output = bytearray()
        self.deadline = math.inf
        self._started = 0.0
        self._seq = 0
        self._buffer = bytearray()
        self._info = bytearray()
        self._fds: dict[str, int] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None

    @property
    def sandboxed(self) -> bool:
        return self.mode == "bwrap"

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- start and stop

    def _pipe(self, name: str) -> int:
        """A pipe: the grader keeps the end called ``name``, the child gets the other one."""
        read, write = os.pipe()
        keep, give = (write, read) if name == "requests" else (read, write)
        self._fds[name] = keep
        return give

    def _start(self) -> None:
        child_fds = [self._pipe("requests"), self._pipe("replies"), self._pipe("output")]
        try:
            command, cwd, env = self._command(child_fds)
            self._started = time.perf_counter()
            self.deadline = time.monotonic() + self.limits.time_s
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=child_fds[2],
                stderr=child_fds[2],
                pass_fds=child_fds,
                start_new_session=True,
            )
        finally:
            for fd in child_fds:
                os.close(fd)
        try:
            self._fds["pidfd"] = os.pidfd_open(self.process.pid)
        except OSError:  # an old kernel: poll instead
            pass
        for fd in self._fds.values():
            os.set_blocking(fd, False)

    def _command(self, child_fds: list[int]) -> tuple[list[str], str, dict[str, str]]:
        """Command, working folder and environment; appends the fds the child inherits."""
        requests, replies = str(child_fds[0]), str(child_fds[1])
        limits = self.limits.for_runner(self.sandboxed)
        files = {"student.py": self.student_file, **grading_runner.runner_files()}
        if self.sandboxed:
            child_fds.append(self._pipe("info"))
            fds: dict[str, int] = {}
            for name, path in files.items():  # in child_fds at once: closed on any error
                child_fds.append(fds.setdefault(name, os.open(path, os.O_RDONLY | os.O_CLOEXEC)))
            args = [requests, replies, f"{SANDBOX_DIR}/student.py", limits]
            command = sandbox_command(fds, child_fds[3], args)
            return command, "/", {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self._tmp = tempfile.TemporaryDirectory(prefix="wdproof-grade-")
        work = Path(self._tmp.name)
        for name, path in files.items():
            shutil.copyfile(path, work / name)
        command = [sys.executable, "-I", str(work / "runner.py"), requests, replies]
        return command + [str(work / "student.py"), limits], str(work), environment(str(work))

    def _open_inner_pidfd(self) -> None:
        """A pidfd on the sandbox's first process, named by bwrap's ``--info-fd``."""
        if "info" not in self._fds or "inner" in self._fds:
            return
        self._info += read_available(self._fds["info"]) or b""
        try:
            self._fds["inner"] = os.pidfd_open(int(json.loads(self._info)["child-pid"]))
        except (ValueError, KeyError, TypeError, OSError):  # not written yet, or gone
            pass

    def wait(self, timeout: float) -> None:
        """Give the process up to ``timeout`` s to end by itself (so its own status is kept)."""
        if self.process is not None:
            try:
                self.process.wait(timeout=max(0.0, timeout))
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        """Kill the sandbox's PID namespace (or the process group) and reap it; idempotent."""
        if self.process is None or self.returncode is not None:
            return
        status = self.process.poll()  # ended by itself: keep its status, still kill leftovers
        self._open_inner_pidfd()
        if "inner" in self._fds:  # the PID namespace ends with its first process
            try:
                signal.pidfd_send_signal(self._fds["inner"], signal.SIGKILL)
            except OSError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):  # nothing of the group is left
            pass
        self.returncode = self.process.wait() if status is None else status
        if "inner" in self._fds:  # readable once the namespace's last process is gone
            select.select([self._fds["inner"]], [], [], 10.0)
        self.elapsed_s = time.perf_counter() - self._started
        self._drain_output()

    def close(self) -> None:
        """:meth:`stop`, then close the grader's pipe ends and remove the temporary folder."""
        try:
            self.stop()
        finally:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def exit_signal(self) -> int | None:
        """The signal that ended the runner (see :func:`~.exits.exit_signal`)."""
        return exit_signal(self.returncode, self.sandboxed)

    def finish(self) -> None:
        """After the last reply: stop; any byte still on the channel is a violation."""
        self.stop()
        leftover = len(self._buffer) + len(read_available(self._fds["replies"]) or b"")
        if leftover:
            raise ProtocolViolation(
                f"{leftover} unrequested bytes on the grading channel after the last reply"
            )

    # -- the channel

    def request(self, message: dict, replies: frozenset[str]) -> dict:
        """Send ``message``; return its reply, which holds exactly one key of ``replies``."""
        self._seq += 1
        self._send(grading_runner.encode_frame({"seq": self._seq, **message}))
        reply = self._receive()
        self._open_inner_pidfd()
        if reply.get("seq") != self._seq:
            raise ProtocolViolation(
                f"a reply out of sequence (expected reply {self._seq}, got {reply.get('seq')!r})"
            )
        keys = set(reply) - {"seq"}
        if len(keys) != 1 or not keys <= replies:
            raise ProtocolViolation(f"a malformed reply to request {self._seq}: {sorted(keys)}")
        return reply

    def _check_time(self) -> None:
        if time.monotonic() >= self.deadline:
            raise ChannelTimeout(f"no reply within the {self.limits.time_s:g} s time limit")

    def _send(self, data: bytes) -> None:
        while data:
            self._check_time()
            try:
                data = data[os.write(self._fds["requests"], data) :]
            except BlockingIOError:
                if not self._pump(0.05):
                    raise ChannelClosed("the student process ended") from None
            except BrokenPipeError:
                raise ChannelClosed("the student process closed the grading channel") from None

    def _receive(self) -> dict:
        while (reply := take_reply(self._buffer)) is None:
            self._check_time()
            if not self._pump(self.deadline - time.monotonic()):
                if self._buffer:
                    raise ProtocolViolation("a truncated reply (the channel closed mid-frame)")
                raise ChannelClosed("the student process ended without replying")
        return reply

    def _pump(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s and move output and reply bytes in.

        ``False`` when no reply can come any more: the reply pipe is at end of file, or the
        runner has exited and nothing is left on the pipe.
        """
        watched = [self._fds[name] for name in ("output", "replies", "pidfd") if name in self._fds]
        ready, _, _ = select.select(watched, [], [], max(0.0, min(timeout, 0.5)))
        if self._fds.get("output") in ready:
            self._drain_output()
        if "pidfd" in self._fds:
            exited = self._fds["pidfd"] in ready
        else:
            exited = self.process.poll() is not None
        if self._fds["replies"] in ready or exited:
            chunk = read_available(self._fds["replies"])
            if chunk:
                self._buffer += chunk
                if len(self._buffer) > MAX_REPLY_BYTES:
                    raise ProtocolViolation("an oversized reply")
                return True
            if chunk is None or exited:
                return False
        return True

    def _drain_output(self) -> None:
        """Keep the last :data:`OUTPUT_TAIL_BYTES` of the student's stdout and stderr."""
        if "output" not in self._fds:
            return
        for _ in range(64):  # bounded: a flood of output cannot hold the grader here
            try:
                chunk = os.read(self._fds["output"], 65536)
            except BlockingIOError:
                return
            if not chunk:  # every writer closed it: stop watching
                os.close(self._fds.pop("output"))
                return
            self.output += chunk
            del self.output[:-OUTPUT_TAIL_BYTES]

    def output_tail(self) -> str:
        return self.output.decode("utf-8", "replace")
