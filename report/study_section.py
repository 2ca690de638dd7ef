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


def _figures(summary: dict, study: str, figures_dir: Path) -> list[str]:
    """Copy each figure's PDF next to the key; a missing file is left out."""
    copied = []
    for name, paths in sorted(summary.get("figures", {}).items()):
        source = Path(paths["pdf"]) if isinstance(paths, dict) else None
        if source is None or not source.is_file():
            continue
        figures_dir.mkdir(parents=True, exist_ok=True)
        target = f"study-{study}-{name}.pdf"
        shutil.copyfile(source, figures_dir / target)
        copied.append(f"figures/{target}")
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
                "figures": _figures(summary, study, out / "figures"),
                "file": str(path),
            }
        )
    return {"found": found, "missing": missing}
