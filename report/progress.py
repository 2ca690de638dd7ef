"""The sweep's progress bar on stderr, shared by ``wdproof sweep`` and ``wdproof report``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing ``sweep LABEL`` with tqdm, closed on exit.

    The bar appears on the first call (a cache hit draws nothing) and hides itself when stderr
    is not a terminal (``disable=None``).
    """
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(
                total=total,
                desc=f"sweep {label}",
                unit="step",
                file=sys.stderr,
                disable=None,
                mininterval=0.5,
                leave=False,
            )
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()
