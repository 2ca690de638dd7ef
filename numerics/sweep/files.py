"""Atomic file writes for the sweep store (and the plots beside it).

:func:`atomic_write` writes to a temporary name in the destination's folder, fsyncs the file,
moves it into place with ``os.replace`` and fsyncs the folder, so a final name only ever holds
a complete file, even after an interruption or a power cut. A temporary left by a killed
process keeps its ``.<name>.*.tmp`` name (the store removes those under its folder lock).
Written files get the ordinary permissions of the process umask, not ``mkstemp``'s 0600.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: The process umask, so that files written via a private temporary get ordinary permissions.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` to a temporary file beside ``path``, fsync it, then ``os.replace`` it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would make results private to their writer
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` as an uncompressed ``.npz`` at exactly ``path``, atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:  # a file object: np.savez must not append ".npz"
            np.savez(handle, **arrays)

    atomic_write(path, write)


def save_json(path: Path, payload: dict) -> None:
    """Store ``payload`` as indented JSON (with a final newline) at ``path``, atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(payload, indent=2) + "\n"))
