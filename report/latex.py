"""LaTeX helpers: escaping user text, formatting numbers, and the Jinja2 environment.

Templates use LaTeX-safe delimiters so braces stay LaTeX's: ``\\VAR{x}`` prints a value,
``\\BLOCK{for ...}`` is a statement, ``\\#{...}`` a comment.
"""

from __future__ import annotations

import math
import re
import unicodedata

import jinja2
from pylatexenc.latexencode import UnicodeToLatexEncoder

_ENCODER = UnicodeToLatexEncoder(unknown_char_policy="replace", non_ascii_only=False)


def escape(text: object) -> str:
    """User or program text as LaTeX that typesets it literally (``% _ & # $ { } \\ ~ ^`` ...)."""
    # "--" would become an en dash through the font's ligatures; a zero kern between the hyphens
    # keeps both, under pdfLaTeX and LuaLaTeX alike (LuaLaTeX ligatures "-{}-" all the same).
    latex = _ENCODER.unicode_to_latex(str(text))
    latex = latex.replace("--", r"-\kern0pt-").replace("--", r"-\kern0pt-")
    # Code-like tokens (paths, calls, keyword arguments) may break after these characters.
    for breakable in ("/", "=", "\\_", ","):
        latex = latex.replace(breakable, breakable + r"\allowbreak{}")
    return latex


#: The last code point of Latin Extended-A: user text beyond it needs LuaLaTeX's Unicode fonts.
LAST_LATIN = 0x17F
_KNOWN = UnicodeToLatexEncoder(unknown_char_policy="keep", non_ascii_only=True)


def _pdflatex_safe(ch: str) -> bool:
    """ASCII, or a Latin-1/Extended-A letter pylatexenc writes as a macro (``é`` -> ``\\'e``)."""
    return ch.isascii() or (ord(ch) <= LAST_LATIN and _KNOWN.unicode_to_latex(ch) != ch)


def _clean(text: object) -> str:
    """NFC-normalised, control characters dropped, whitespace runs (blank lines too) one space."""
    kept = (
        " " if ch.isspace() else ch
        for ch in unicodedata.normalize("NFC", str(text))
        if ch.isspace() or unicodedata.category(ch) != "Cc"
    )
    return " ".join("".join(kept).split())


def needs_unicode_engine(*texts: object) -> bool:
    """True when a text has characters pdfLaTeX cannot typeset (Cyrillic, Greek, CJK, ơ, emoji ...).

    Such a document is typeset with LuaLaTeX and Unicode fonts; Latin text (accents included)
    keeps pdfLaTeX, about four times faster on the solution key (measured: 6.5 s vs 0.9 s a pass).
    """
    return not all(_pdflatex_safe(ch) for text in texts for ch in _clean(text))


def user_text(text: object, unicode_engine: bool = False) -> str:
    """A person's text (title, course, author) as LaTeX, in any script.

    The text is cleaned (:func:`_clean`: no control characters, no line or paragraph breaks), so
    no input can end a paragraph or a ``\\title``. For pdfLaTeX it is escaped as :func:`escape`
    does (accents become ``\\'e``); for LuaLaTeX (``unicode_engine``) only ASCII is escaped and
    every other character (Cyrillic, Greek, CJK, accents) passes through as itself, for the
    Unicode fonts of ``preamble.tex.j2``, never turned into math or ``?``.
    """
    words = _clean(text)
    if not unicode_engine:
        return escape(words)
    runs = re.split(r"([\x00-\x7f]+)", words)
    return "".join(escape(run) if run.isascii() else run for run in runs)


def prose(text: object) -> str:
    """Program text with inline math: ``$...$`` spans pass through as LaTeX, the rest is escaped.

    Lets a derivation step say ``"shrinks $\\theta_t$ by $1 - \\alpha\\lambda'$"`` and still
    have its plain words escaped. An unpaired ``$`` is escaped as a literal dollar sign.
    """
    text = _opening_quotes(str(text))
    parts = text.split("$")
    if len(parts) % 2 == 0:  # odd number of dollars: treat all as literal text
        return escape(text)
    return "".join(f"${part}$" if i % 2 else escape(part) for i, part in enumerate(parts))


def mask_math(text: str) -> str:
    """``text`` with each ``$...$`` span replaced by as many ``x``: positions found in the
    result (a sentence's end, a quote) are positions in ``text`` that lie outside math."""
    return re.sub(r"\$[^$]*\$", lambda m: "x" * len(m.group(0)), text)


#: An ASCII quote that opens a quotation: after a space or bracket, before a non-space.
_OPENING_QUOTE = re.compile(r"(?:^|(?<=[\s(\[]))'(?=\S)")


def _opening_quotes(text: str) -> str:
    """``'Adam property I'`` with its opening quote as ``‘`` (LaTeX types an ASCII ``'`` as a
    closing quote); apostrophes and primes inside math (``$\\lambda'$``) are left alone."""
    starts = [m.start() for m in _OPENING_QUOTE.finditer(mask_math(text))]
    for i in starts:
        text = text[:i] + "\u2018" + text[i + 1 :]
    return text


def claim_id(text: object) -> str:
    """A claim id for ``\\texttt``: escaped, with a line break allowed after each hyphen."""
    return escape(text).replace("-", r"-\allowbreak{}")


def claim_linker(ids):
    """A ``prose`` filter that also turns every claim id it names ("claim sgd-l2-equals-...")
    into a link to that claim's entry, typeset like the key's other claim ids.

    Only words outside math are linked; an id inside a longer name is not.
    """
    pattern = re.compile(
        r"(?<![\w\-:{\[])("
        + "|".join(map(re.escape, sorted(ids, key=len, reverse=True)))
        + r")(?![\w\-])"
    )

    def link(match: re.Match) -> str:
        return rf"\hyperref[claim:{match.group(1)}]{{\texttt{{{claim_id(match.group(1))}}}}}"

    def linked(text: object) -> str:
        parts = re.split(r"(?<!\\)\$", prose(text))  # an escaped \$ is a dollar, not math
        return "$".join(p if i % 2 else pattern.sub(link, p) for i, p in enumerate(parts))

    return linked if ids else prose


def plain(text: object) -> str:
    """LaTeX prose as terminal text: ``$\\lambda = \\alpha\\lambda'$`` -> ``λ = αλ'``."""
    from pylatexenc.latex2text import LatexNodes2Text

    return " ".join(LatexNodes2Text(math_mode="text").latex_to_text(str(text)).split())


def number(value: object, digits: int = 3) -> str:
    """A table cell: numbers in math mode (``1.9\\times10^{-15}``, ``0.05``, ``200``), ``None`` as
    a dash, booleans as yes/no, text as :func:`prose` (its ``$...$`` math typeset)."""
    if value is None:
        return "---"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return prose(value)
    if isinstance(value, int):
        return f"${value}$"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return r"$\infty$" if value > 0 else r"$-\infty$"
    if value == 0:
        return "$0$"
    if 1e-3 <= abs(value) < 1e4:
        text = f"{value:.{digits}g}"
        # 1000 to 9999 need four digits: .3g would write 1e+03
        return f"${round(value) if 'e' in text else text}$"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return rf"${mantissa}\times 10^{{{int(exponent)}}}$"


def environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader,
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["e"] = escape
    env.filters["num"] = number
    env.filters["prose"] = prose
    env.filters["claimid"] = claim_id
    return env


def template_environment() -> jinja2.Environment:
    return environment(jinja2.PackageLoader("wdproof.report", "templates"))
