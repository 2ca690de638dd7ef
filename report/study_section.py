"""The schedule and budget studies (paper Sec. 3, App. B) in the key's appendix.

``wdproof sweep --preset schedules`` and ``--preset budget`` save ``summary.json`` under
``<out>/sweep/<study>/``, with the paper's claims as measured there (statement, numbers with
their seed intervals, verdict) and the figures drawn from the saved results. The key shows what
is cached and names the command for what is not; nothing here trains.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

#: The studies, in the order the key shows them, with the command that runs each.
STUDIES = {
    "schedules": "wdproof sweep --preset schedules",
    "budget": "wdproof sweep --preset budget",
}
_FIELDS = ("statement", "source", "measured", "verdict")


def _claims(summary: dict) -> list[dict]:
    """The summary's claims, each with its text fields; anything else is refused."""
    claims = summary["claims"]
    if not isinstance(claims, list) or not claims:
        raise ValueError("no claims")
    rows = []
    for claim in claims:
        if not all(isinstance(claim.get(field), str) for field in _FIELDS):
            raise ValueError("a claim lacks its text")
        rows.append({field: claim[field] for field in _FIELDS})
    return rows


#: What each study figure shows, for its caption (the file and hash are added).
CAPTIONS = {
    "schedules": "The schedule multiplier $\\eta_t$ of each schedule over the run, restarts "
    "marked.",
    "heatmaps": "Validation accuracy (left) and loss (right) under one schedule, one row per "
    "algorithm, mean over seeds.",
    "budget": "Best decay against the run length $T$: raw $\\lambda$ and normalized "
    "$\\lambda_{\\mathrm{norm}}$, with 95\\% seed intervals.",
}


def _hash(summary: dict) -> str:
    """The configuration hash(es) the study's summary names, shortened."""
    value = summary.get("config_hash") or summary.get("config_hashes")
    if isinstance(value, dict):
        value = ", ".join(str(v)[:12] for v in value.values())
    return str(value)[:40] if value else "not recorded"


def _figures(summary: dict, study: str, figures_dir: Path, source_file: Path) -> list[dict]:
    """Copy each figure's PDF next to the key, with its caption; a missing file is left out."""
    copied = []
    for name, paths in sorted(summary.get("figures", {}).items()):
        source = Path(paths["pdf"]) if isinstance(paths, dict) else None
        if source is None or not source.is_file():
            continue
        figures_dir.mkdir(parents=True, exist_ok=True)
        target = f"study-{study}-{name}.pdf"
        shutil.copyfile(source, figures_dir / target)
        what = next((text for key, text in CAPTIONS.items() if key in name), "")
        copied.append(
            {
                "path": f"figures/{target}",
                "caption": f"{what} Data: {source_file}; configuration hash {_hash(summary)}.",
            }
        )
    return copied


def studies_context(out: Path) -> dict:
    """``found``: the cached studies (claims and figures); ``missing``: (study, command)."""
    found, missing = [], []
    for study, command in STUDIES.items():
        path = out / "sweep" / study / "summary.json"
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
            claims = _claims(summary)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            missing.append((study, command))
            continue
        found.append(
            {
                "study": study,
                "claims": claims,
                "figures": _figures(summary, study, out / "figures", path),
                "file": str(path),
            }
        )
    return {"found": found, "missing": missing}
