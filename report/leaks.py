"""Code and markup that must never reach a handout: a scanner over a PDF's extracted text.

The documents are typeset from SymPy objects, Python values and LaTeX templates; what a reader
sees must be mathematics and prose, never the source they came from. :func:`find_leaks` reads
the text ``pdftotext`` extracts and names every leak it finds: LaTeX that was not typeset
(``$``, ``\\command``), Python values (``None``, ``True``, ``False``), ASCII operators (``!=``,
``*``, ``sqrt(``), Greek letters spelt out as identifiers (``alpha``, ``lambda_t``,
``epsilon``) and SymPy's ``+ −`` (a sum with a negative term printed as such).
"""

from __future__ import annotations

import re

#: ``(name, pattern)``: one entry per kind of leak, in the order :func:`find_leaks` reports.
LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dollar sign", re.compile(r"\$")),
    ("LaTeX command", re.compile(r"\\[A-Za-z]+")),
    ("Python value", re.compile(r"\b(?:None|True|False)\b")),
    ("ASCII operator", re.compile(r"!=|\*|\bsqrt\(")),
    (
        "Greek letter spelt out",
        re.compile(r"\b(?:alpha|beta[12]?|lambda|epsilon|eps_hat|theta|eta)(?:_\w+)?\b"),
    ),
    ("plus minus", re.compile("\\+\\s*[\u2212-]")),
)


def find_leaks(text: str) -> list[tuple[str, str]]:
    """Every leak in ``text`` as ``(kind, the text matched)``, in the order of
    :data:`LEAK_PATTERNS`; an empty list for clean text."""
    return [
        (name, match.group(0))
        for name, pattern in LEAK_PATTERNS
        for match in pattern.finditer(text)
    ]
