"""Q2.b / Q2.c material for the solution key: sweep figures and the computed answers."""

from __future__ import annotations

from pathlib import Path


def sweep_context(preset: str, out: Path, compute: bool) -> dict:
    return {"available": False, "note": "The sweep is not built yet.", "data_figure": None}
