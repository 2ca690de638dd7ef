"""Where a report came from: package versions, platform, date and the git commit.

The commit is read from the checkout's ``.git`` files (``HEAD``, the ref it names, or
``packed-refs``); no git command runs, so building a report never touches the checkout (a
``git status`` would refresh and lock its index). Whether the tree has uncommitted changes is
not known without git and is not claimed.
"""

from __future__ import annotations

import datetime as dt
import platform
import re
from importlib import metadata
from pathlib import Path

PACKAGES = ("wdproof", "sympy", "torch", "numpy", "matplotlib", "jinja2", "pylatexenc")
REPO_ROOT = Path(__file__).resolve().parent.parent
_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def _git_dir(root: Path) -> Path | None:
    """``root/.git``, or the folder a ``.git`` file (worktree, submodule) points to."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            path = Path(text.removeprefix("gitdir:").strip())
            return path if path.is_absolute() else (root / path).resolve()
    return None


def git_commit(root: Path = REPO_ROOT) -> str | None:
    """``HEAD``'s commit hash read from the files of ``root/.git``; None when it cannot be read."""
    try:
        git_dir = _git_dir(root)
        if git_dir is None:
            return None
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if _SHA.fullmatch(head):  # detached HEAD
            return head
        ref = head.removeprefix("ref:").strip()
        common = git_dir
        if (git_dir / "commondir").is_file():  # a linked worktree keeps its refs in the main one
            common = (
                git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()
            ).resolve()
        for folder in (git_dir, common):
            loose = folder / ref
            if loose.is_file():
                sha = loose.read_text(encoding="utf-8").strip()
                return sha if _SHA.fullmatch(sha) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref and _SHA.fullmatch(sha):
                    return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None


def provenance() -> dict[str, object]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git_commit() or "not a git checkout",
        "versions": versions,
    }
