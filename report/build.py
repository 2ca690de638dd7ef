"""Compile a ``.tex`` file to PDF with latexmk, turning failures into clear errors.

The engine is the one the file names on a ``% !TeX program = ...`` line (the convention TeX
editors read): pdfLaTeX, or LuaLaTeX when a title, course or author needs scripts beyond Latin.
The fonts ``templates/preamble.tex.j2`` names for LuaLaTeX come from Debian packages that
``make`` installs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Debian packages that provide everything the templates use (engine, LaTeX packages, fonts).
TEX_PACKAGES = (
    "texlive-latex-base texlive-latex-recommended texlive-latex-extra "
    "texlive-fonts-recommended texlive-luatex latexmk fonts-freefont-otf fonts-wqy-microhei"
)
#: "Missing character: There is no 😀 (U+1F600) in font ..." in a LuaLaTeX log.
_MISSING_GLYPH = re.compile(
    r"^Missing character: There is no (.+?) \((U\+[0-9A-F]+)\) in font", re.MULTILINE
)
_warned_glyphs: set[str] = set()
_PROGRAM = re.compile(r"^% !TeX program = (pdflatex|lualatex)$", re.MULTILINE)


_FILE_LINE_ERROR = re.compile(r"^\S+\.tex:\d+: ")


class LatexMissingError(RuntimeError):
    """No latexmk / pdflatex / lualatex on PATH."""

    def __init__(self) -> None:
        super().__init__(
            "no LaTeX engine found (latexmk, pdflatex, lualatex); on Debian/Ubuntu install: "
            f"apt-get install {TEX_PACKAGES}"
        )


class LatexFailedError(RuntimeError):
    """latexmk ran and failed; the message carries the first error lines of the log."""


def latex_available() -> bool:
    return all(shutil.which(tool) for tool in ("latexmk", "pdflatex", "lualatex"))


def engine(tex_text: str) -> str:
    """The engine a ``.tex`` file names on its ``% !TeX program`` line (default pdflatex)."""
    named = _PROGRAM.search(tex_text)
    return named.group(1) if named else "pdflatex"


def first_errors(log_text: str, limit: int = 6) -> str:
    """The first LaTeX error lines (``! ...`` plus the line-number context) of a log."""
    lines = log_text.splitlines()
    picked: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("!") or _FILE_LINE_ERROR.match(line):
            picked.extend(lines[i : i + 3])
        if len(picked) >= limit:
            break
    return "\n".join(picked[:limit]) or "\n".join(lines[-limit:])


def compile_pdf(tex_path: Path) -> Path:
    """Build ``tex_path`` into a PDF beside it; return the PDF's path."""
    if not latex_available():
        raise LatexMissingError()
    workdir = tex_path.parent
    mode = {"pdflatex": "-pdf", "lualatex": "-lualatex"}[
        engine(tex_path.read_text(encoding="utf-8"))
    ]
    result = subprocess.run(
        [
            "latexmk",
            mode,
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-file-line-error",
            tex_path.name,
        ],
        check=False,
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    log = workdir / (tex_path.stem + ".log")
    if result.returncode != 0:
        log_text = (
            log.read_text(errors="replace") if log.exists() else result.stdout + result.stderr
        )
        raise LatexFailedError(
            f"LaTeX failed on {tex_path} (full log: {log}):\n{first_errors(log_text)}"
        )
    if log.exists():
        warn_missing_glyphs(log.read_text(encoding="utf-8", errors="replace"))
    return tex_path.with_suffix(".pdf")


def warn_missing_glyphs(log_text: str) -> list[str]:
    """One stderr line naming the characters no installed font has (e.g. emoji), once each.

    Returns the characters newly reported; a character already reported by an earlier document
    of the same run is not repeated.
    """
    found = dict.fromkeys(f"{char} ({code})" for char, code in _MISSING_GLYPH.findall(log_text))
    new = [c for c in found if c not in _warned_glyphs]
    if new:
        _warned_glyphs.update(new)
        print(
            f"wdproof: warning: no installed font has {', '.join(new)}; left blank in the PDF",
            file=sys.stderr,
        )
    return new


def clean_auxiliary(tex_path: Path, keep_tex: bool = True) -> None:
    """Remove latexmk's auxiliary files (and the ``.tex`` unless ``keep_tex``)."""
    for suffix in (".aux", ".fdb_latexmk", ".fls", ".out", ".toc", ".log"):
        tex_path.with_suffix(suffix).unlink(missing_ok=True)
    if not keep_tex:
        tex_path.unlink(missing_ok=True)
