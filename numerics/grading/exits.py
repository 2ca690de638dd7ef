"""How a student process ended, in plain English.

:func:`describe_signal` names every signal the sandbox's limits or a crash can end the runner
with (segmentation fault, CPU-time limit, file-size limit, the out-of-memory killer, ...) and
falls back to the signal's name or number for any other, so a verdict never shows a bare code.
:func:`exit_signal` reads the signal from an exit status, bwrap's ``128 + signal`` included.
"""

from __future__ import annotations

import signal

SIGNAL_REASONS = {
    signal.SIGSEGV: "crashed (segmentation fault, SIGSEGV)",
    signal.SIGBUS: "crashed (bus error, SIGBUS)",
    signal.SIGILL: "crashed (illegal instruction, SIGILL)",
    signal.SIGFPE: "crashed (arithmetic fault, SIGFPE)",
    signal.SIGABRT: "aborted (SIGABRT, e.g. a failed check in native code)",
    signal.SIGKILL: "was killed (SIGKILL, not by the grader: usually the system's out-of-memory "
    "killer)",
    signal.SIGXCPU: "used up its CPU time (SIGXCPU: the {cpu} s CPU-time limit)",
    signal.SIGXFSZ: "wrote a file over the 64 MiB file-size limit (SIGXFSZ)",
}


def describe_signal(number: int, cpu_s: int) -> str:
    """Plain English for a process ended by signal ``number``."""
    if number in SIGNAL_REASONS:
        return SIGNAL_REASONS[number].format(cpu=cpu_s)
    try:
        return f"was killed by {signal.Signals(number).name}"
    except ValueError:
        return f"was killed by signal {number}"


def exit_signal(returncode: int | None, sandboxed: bool) -> int | None:
    """The signal that ended the runner (bwrap reports it as exit status 128 + signal)."""
    if returncode is not None and returncode < 0:
        return -returncode
    if sandboxed and returncode is not None and 128 < returncode < 128 + 65:
        return returncode - 128
    return None
