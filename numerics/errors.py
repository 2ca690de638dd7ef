"""Bad user input, shared by every layer: the exception type and the output-folder check.

The command line prints an :class:`InputError` as a single line and exits with status 2;
anything else that escapes is a bug and keeps its traceback.
"""

import argparse
import os
import tempfile
from pathlib import Path


class InputError(Exception):
    """Bad input from the user (an unknown id, an out-of-range hyperparameter, a missing file)."""


def writable_directory(directory: Path | str) -> Path:
    """Create ``directory`` and prove it writable before any work is spent on it (InputError)."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".write-test.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise InputError(
            f"cannot write to output folder {directory}: {err.strerror or err}"
        ) from None
    return directory


def output_folder(text: str) -> Path:
    """argparse ``type`` for ``--out``: a folder name, never empty (``""`` would mean the cwd)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an output folder is required, got an empty name")
    return Path(text)
