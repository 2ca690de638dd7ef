"""Code and markup that must never reach a handout: a scanner over a PDF's extracted text.

The documents are typeset from SymPy objects, Python values and LaTeX templates; what a reader
sees must be mathematics and prose, never the source they came from. :func:`find_leaks` reads
the text ``pdftotext`` extracts and names every leak it finds: LaTeX that was not typeset
(``$``, ``\\command``), Python values (``None``, ``True``, ``False``), ASCII operators (``!=``,
``*``, ``sqrt(``), Greek letters spelt out as identifiers (``alpha``, ``lambda_t``,
``epsilon``), SymPy's ``+ −`` (a sum with a negative term printed as such) and two
sentences glued together (``step.Measured``).
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
    # on one line; a big delimiter extracts as a control character and leaves its line, so a
    # "+ -" just after one is "+ (-" on paper (the filter in find_leaks)
    ("plus minus", re.compile("\\+[ \\t]*[\u2212-]")),
    # "1].Measured": two sentences with no space between (a template line joined to the
    # next); a Python path such as torch.optim.Adam is not one (the filter in find_leaks)
    ("glued sentences", re.compile(r"\S*[^\s.]\.[A-Z][a-z]{2,}")),
)


#: A sentence this long that a document prints twice is a repeated paragraph, not a phrase.
REPEAT_MIN_CHARS = 100
#: Where a sentence ends: a full stop before a capital, a proof step's verdict mark (the item
#: ends there; its display and the next paragraph follow), or a big delimiter, which pdftotext
#: extracts as a control character and which only a display has.
FULL_STOP = r"(?<=[.!?])\s+(?=[A-Z(])"
_SENTENCE_BREAK = re.compile(
    FULL_STOP + r"|\s+(?:verified|NOT VERIFIED)\s+|\s*[\x01-\x08\x0e-\x1f]\s*"
)
#: A claim's citation ("Source: lecture notes 002, ..."): claims from one slide each cite it.
CITATION = "Source:"


def repeated_sentences(text: str, min_chars: int = REPEAT_MIN_CHARS) -> list[str]:
    """Sentences of at least ``min_chars`` characters that ``text`` contains more than once
    (whitespace and line breaks ignored): a paragraph printed twice. A citation is not one."""
    flat = " ".join(text.replace("-\n", "").split())
    seen: dict[str, int] = {}
    for sentence in _SENTENCE_BREAK.split(flat):
        if len(sentence) >= min_chars and not sentence.startswith(CITATION):
            seen[sentence] = seen.get(sentence, 0) + 1
    return [s for s, n in seen.items() if n > 1]


def find_leaks(text: str) -> list[tuple[str, str]]:
    """Every leak in ``text`` as ``(kind, the text matched)``, in the order of
    :data:`LEAK_PATTERNS`, then every repeated paragraph; an empty list for clean text."""
    return [
        (name, match.group(0))
        for name, pattern in LEAK_PATTERNS
        for match in pattern.finditer(text)
        if not (
            name == "plus minus"
            and _DELIMITER.search(text, max(0, match.start() - 80), match.end() + 40)
        )
        and not (name == "glued sentences" and _python_path(match.group(0)))
    ] + [("repeated paragraph", s[:60]) for s in repeated_sentences(text)]


#: What pdftotext leaves of a big delimiter (``\\left(``): a control character.
_DELIMITER = re.compile("[\\x01-\\x08\\x0e-\\x1f]")


def _python_path(token: str) -> bool:
    """Whether ``token`` (``torch.optim.Adam``) names a Python object: a path from a package
    through lower-case modules to its last part, so that ``torch.optim.AdamW.Measured`` is not."""
    parts = token.lstrip("(").split(".")
    return parts[0] in _PACKAGES and all(p[:1].islower() for p in parts[:-1])


#: Packages whose dotted paths the documents name in prose.
_PACKAGES = frozenset({"torch", "numpy", "sklearn", "dask", "wdproof"})


def _outside_math(text: str) -> str:
    """The words of a prose field (``$...$`` spans removed): what is typeset as text."""
    parts = str(text).split("$")
    return " ".join(parts[::2]) if len(parts) % 2 else str(text)


def prose_fields(entry) -> list[tuple[str, str]]:
    """``(field, text)`` for every text of a ledger entry the key typesets as prose."""
    claim, verdict, conf = entry.claim, entry.verdict, entry.confirmation
    fields = [
        ("title", claim.title),
        ("source", claim.source),
        ("statement_text", claim.statement_text),
        ("conventions", claim.conventions),
        ("explanation", claim.explanation),
        ("reason", verdict.reason),
        ("confirmation.note", conf.note),
        ("confirmation.quantity", conf.quantity),
    ]
    fields += [(f"remark {i}", r) for i, r in enumerate(claim.proof.remarks, 1)]
    fields += [(f"step {i}", s.text) for i, s in enumerate(verdict.steps, 1)]
    fields += [(f"column {i}", c) for i, c in enumerate(conf.columns, 1)]
    fields += [
        (f"row {i}", cell)
        for i, row in enumerate(conf.rows, 1)
        for cell in row
        if isinstance(cell, str)
    ]
    return fields


def ledger_leaks(entries) -> list[tuple[str, str, str, str]]:
    """``(claim id, field, kind, match)`` for every leak in the words of the ledger's prose
    (math spans excluded: they are typeset) and every SymPy ``+ -`` in its LaTeX."""
    found = []
    for entry in entries:
        for name, text in prose_fields(entry):
            found += [(entry.claim.id, name, *leak) for leak in find_leaks(_outside_math(text))]
        latexes = [("statement", entry.claim.statement_latex())]
        latexes += [(f"step {i} latex", s.latex) for i, s in enumerate(entry.verdict.steps, 1)]
        for name, text in latexes:
            found += [
                (entry.claim.id, name, "plus minus", m.group(0))
                for m in re.finditer(r"\+\s*-", text)
            ]
    return found


def definition_leaks(definitions) -> list[tuple[str, str, str, str]]:
    """``(definition id, field, kind, match)`` for the words of every definition's prose."""
    found = []
    for d in definitions:
        fields = [("title", d.title), ("source", d.source), ("text", d.text)]
        fields += [(f"equation {name}", name) for name, _ in d.equations]
        for name, text in fields:
            found += [(d.id, name, *leak) for leak in find_leaks(_outside_math(text))]
    return found
