"""Print every paragraph of the key's appendix once.

Claims that share a source share text: the conventions of paper Alg. 1, the set-up of a torch
run, a lemma two proofs both use. Printed in full under each claim, a reader meets the same
paragraph two or three times (the leak scan's repeated-paragraph check). :func:`first_printing`
walks the claims in the key's order and, for each text field, keeps what is new and names the
earlier claim for what is not:

- a field identical to an earlier one is replaced by "those of claim ...";
- a sentence of at least :data:`SHARED_MIN_CHARS` characters of LaTeX that an earlier claim
  printed is dropped, and the field says "as for claim ..." before the rest;
- a confirmation table an earlier claim printed is named, not printed again;
- a lemma whose checked chain an earlier proof printed, step for step, becomes one item naming
  that proof (its steps keep their numbers, so remarks that cite "step 3" stay true).

The kernel checks every proof on its own; only the printing is shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from wdproof.report.latex import mask_math
from wdproof.report.leaks import FULL_STOP

#: A sentence this long (LaTeX source) is printed once. Shorter than the leak scan's
#: :data:`~wdproof.report.leaks.REPEAT_MIN_CHARS`: on paper a sentence runs on into the words
#: the template puts before it ("Numeric confirmation (torch.optim, float64). torch.optim...").
SHARED_MIN_CHARS = 60

#: Where one sentence ends and the next begins: a full stop before a capital (as in the leak scan).
_SENTENCE_BREAK = re.compile(FULL_STOP)
#: A full stop that ends an abbreviation, not a sentence ("App. B", "Alg. 1", "Prop. 2").
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:App|Alg|Sec|Prop|Eq|Fig|Thm|cf|e\.g|i\.e|vs)\.$")


def sentences(text: str) -> list[str]:
    """``text`` (prose with ``$...$`` math) cut into sentences; math spans and abbreviations
    ("App. B") are never cut."""
    masked = mask_math(text)
    cuts = [0] + [m.start() for m in _SENTENCE_BREAK.finditer(masked)] + [len(text)]
    found: list[str] = []
    for piece in (text[a:b].strip() for a, b in pairwise(cuts)):
        if found and _ABBREVIATION.search(found[-1]):
            found[-1] += " " + piece
        elif piece:
            found.append(piece)
    return found


@dataclass(frozen=True)
class Printed:
    """A text field as the key prints it: ``whole``, the claim that printed the same text
    first (the field then reads "those of claim ..."); otherwise ``text``, what is new, after
    ``refs``, the claims whose sentences it leaves out."""

    whole: str | None = None
    refs: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class ProofItem:
    """One item of a printed proof: a checked step (``number`` its place in the proof), or a
    lemma already printed (``lemma``, by claim ``claim``, steps ``number`` to ``last``)."""

    number: int
    step: object
    lemma: str = ""
    claim: str = ""
    last: int = 0


@dataclass
class _Seen:
    texts: dict[tuple[str, object], str] = field(default_factory=dict)
    sentences: dict[str, str] = field(default_factory=dict)
    lemmas: dict[tuple, str] = field(default_factory=dict)

    def field(self, kind: str, text: str, claim_id: str) -> Printed:
        if not text:
            return Printed()
        owner = self.texts.setdefault((kind, text), claim_id)
        if owner != claim_id:
            return Printed(whole=owner)
        refs: list[str] = []
        kept: list[str] = []
        for sentence in sentences(text):
            first = claim_id
            if len(sentence) >= SHARED_MIN_CHARS:
                first = self.sentences.setdefault(sentence, claim_id)
            if first == claim_id:
                kept.append(sentence)
            elif first not in refs:
                refs.append(first)
        return Printed(refs=tuple(refs), text=" ".join(kept))

    def table(self, columns, rows, claim_id: str) -> Printed:
        """A confirmation's table: ``whole`` names the claim that printed the same one."""
        if not rows:
            return Printed()
        key = ("table", repr((list(columns), [list(r) for r in rows])))
        owner = self.texts.setdefault(key, claim_id)
        return Printed(whole=owner) if owner != claim_id else Printed()

    def proof(self, steps, claim_id: str) -> list[ProofItem]:
        """The steps, each run that ends in a lemma and was printed before folded into one."""
        items: list[ProofItem] = []
        start = 0
        for end, step in enumerate(steps):
            lemma = re.match(r"Lemma \((.*)\):", step.text)
            if not lemma:
                continue
            run = tuple((s.text, s.latex, s.ok) for s in steps[start : end + 1])
            owner = self.lemmas.setdefault(run, claim_id)
            if owner == claim_id:
                items += [ProofItem(n + 1, steps[n]) for n in range(start, end + 1)]
            else:
                items.append(ProofItem(start + 1, step, lemma.group(1), owner, end + 1))
            start = end + 1
        items += [ProofItem(n + 1, steps[n]) for n in range(start, len(steps))]
        return items


def first_printing(entries) -> dict[str, dict[str, object]]:
    """Per claim id (``entries`` in the key's order): its statement's words, conventions,
    explanation,
    confirmation note, remarks and table as :class:`Printed`, and its proof as
    :class:`ProofItem`\\ s."""
    seen = _Seen()
    return {
        e.claim.id: {
            "statement": seen.field("statement", e.claim.statement_text, e.claim.id),
            "conventions": seen.field("conventions", e.claim.conventions, e.claim.id),
            "proof": seen.proof(list(e.verdict.steps), e.claim.id),
            "remarks": [seen.field("remark", r, e.claim.id) for r in e.claim.proof.remarks],
            "explanation": seen.field("explanation", e.claim.explanation, e.claim.id),
            "note": seen.field("note", e.confirmation.note, e.claim.id),
            "table": seen.table(e.confirmation.columns, e.confirmation.rows, e.claim.id),
        }
        for e in entries
    }
