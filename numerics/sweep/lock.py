"""The per-folder sweep lock, and the one-line notices a sweep prints.

:func:`folder_lock` holds an exclusive ``flock`` on ``<folder>/.lock`` for the duration of a
``with`` block and writes who holds it (pid, host, start time) into the file. A second sweep
into the same folder says who holds it, waits, and gets the lock when the first one is done;
a caller that must not wait (the class gradebook) passes ``busy`` and is refused at once.
The kernel drops a ``flock`` when its holder dies, so a lock is never stale; the file is
emptied again when the holder leaves the block.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wdproof.numerics.errors import InputError

LOCK_FILE = ".lock"

#: Receives one-line notices (waiting for a lock, discarded damaged files).
Log = Callable[[str], None]


def notice(line: str) -> None:
    """Print one notice line on stderr (the default :data:`Log`)."""
    print(f"wdproof sweep: {line}", file=sys.stderr, flush=True)


def holder(lock: Path) -> str:
    """Who holds ``lock``, as it wrote itself into the file."""
    try:
        info = json.loads(lock.read_text())
        return f"pid {info['pid']} on {info['host']} (started {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "(it has not said who it is yet)"


@contextmanager
def folder_lock(
    directory: Path, log: Log = notice, busy: Callable[[str], Exception] | None = None
) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``directory/.lock``; wait (saying for whom) if it is taken,
    or, given ``busy``, raise ``busy(holder)`` at once."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    try:
        handle = open(path, "a+")  # noqa: SIM115 -- held open as long as the lock
    except OSError as err:
        raise InputError(f"cannot lock {path}: {err.strerror or err}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            time.sleep(0.2)  # the holder writes who it is right after locking
            if busy is not None:
                raise busy(holder(path)) from None
            who = holder(path)
            log(f"waiting for sweep {who} to finish with {directory} (Ctrl-C to give up) ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as err:
            raise InputError(f"cannot lock {path}: {err.strerror or err}") from None
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started})
        )
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # closing the file releases the lock
