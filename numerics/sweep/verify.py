"""Verification of stored sweep arrays: nothing read from disk is trusted.

:func:`checksum` is a SHA-256 over the name, dtype, shape and bytes of every array, in name
order, so any change to a stored value, shape or type changes it. :func:`read_npz` never
unpickles (a damaged file cannot run code) and turns every failure to decode into
:class:`Damaged`; :func:`verify_arrays` requires every metric of
:data:`wdproof.numerics.sweep.engine.METRICS` with its exact shape and dtype. Every
:class:`Damaged` carries one line that says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from wdproof.numerics.sweep import engine as sweep


class Damaged(Exception):
    """A stored file failed verification; the message (one line) says how."""


def checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the name, dtype, shape and bytes of every array (in name order)."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def one_line(err: BaseException) -> str:
    """``Type: message`` of ``err`` on one line, at most 120 characters."""
    text = " ".join(f"{type(err).__name__}: {err}".split())
    return text if len(text) <= 120 else text[:117] + "..."


def read_npz(path: Path, label: str | None = None) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path`` (:class:`Damaged` if missing or undecodable)."""
    label = label or path.name
    try:
        with np.load(path) as stored:  # allow_pickle=False: a damaged file cannot run code
            return {name: stored[name] for name in stored.files}
    except FileNotFoundError:
        raise Damaged(f"{label} is missing") from None
    except Exception as err:  # noqa: BLE001 (any failure to decode untrusted bytes: damaged)
        raise Damaged(f"{label} is unreadable, truncated or corrupt ({one_line(err)})") from None


def verify_arrays(arrays: dict[str, np.ndarray], shape: tuple[int, ...], what: str) -> None:
    """Require every metric in ``arrays`` with ``shape`` and its dtype (int64 or float64)."""
    for name in sweep.METRICS:
        if name not in arrays:
            raise Damaged(f"{what} lacks the array '{name}'")
        dtype = np.int64 if name == "diverged_step" else np.float64
        if arrays[name].shape != shape or arrays[name].dtype != dtype:
            raise Damaged(
                f"{what}: '{name}' is {arrays[name].dtype}{list(arrays[name].shape)}, "
                f"expected {np.dtype(dtype)}{list(shape)}"
            )
