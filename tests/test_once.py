"""Each paragraph of the key's appendix printed once (report/once.py): nothing lost, nothing
twice, a folded lemma only where an earlier proof printed the very same checked steps."""

from __future__ import annotations

from types import SimpleNamespace

from wdproof.derivations.kernel.verdict import Step
from wdproof.report.once import SHARED_MIN_CHARS, first_printing, sentences

FIELDS = ("statement", "conventions", "explanation", "note")


def texts(entry) -> dict[str, str]:
    """The fields :func:`first_printing` prints once, as the claim carries them."""
    return {
        "statement": entry.claim.statement_text,
        "conventions": entry.claim.conventions,
        "explanation": entry.claim.explanation,
        "note": entry.confirmation.note,
    }


def test_sentences_keep_math_and_abbreviations_whole():
    text = r"App. B scales $x. Y$ by Alg. 1. Then (a) holds. Done."
    assert sentences(text) == [r"App. B scales $x. Y$ by Alg. 1.", "Then (a) holds.", "Done."]


def test_every_sentence_is_printed_once_and_none_is_lost(ledger):
    """Over the whole ledger: a long sentence is printed by one claim only, and every sentence a
    claim leaves out is printed by a claim it names that comes before it."""
    entries = list(ledger.values())
    order = {e.claim.id: i for i, e in enumerate(entries)}
    printed = first_printing(entries)
    shown: dict[str, set[str]] = {}
    owner_of: dict[str, str] = {}
    for entry in entries:
        cid = entry.claim.id
        own = set()
        for name in FIELDS:
            field = printed[cid][name]
            if field.whole:
                assert order[field.whole] < order[cid]
                assert texts(ledger[field.whole])[name] == texts(entry)[name]
                continue
            own |= set(sentences(field.text))
            for sentence in sentences(texts(entry)[name]):
                if sentence in own:
                    continue
                assert any(sentence in shown.get(ref, set()) for ref in field.refs), (cid, sentence)
                assert all(order[ref] < order[cid] for ref in field.refs)
        for sentence in own:
            if len(sentence) >= SHARED_MIN_CHARS:
                assert owner_of.setdefault(sentence, cid) == cid, sentence
        shown[cid] = own
    assert any(printed[e.claim.id][f].refs for e in entries for f in FIELDS)


def claim(cid: str, steps: list[Step]):
    """A ledger entry with only the parts :func:`first_printing` reads."""
    return SimpleNamespace(
        claim=SimpleNamespace(
            id=cid,
            statement_text="",
            conventions="",
            explanation="",
            proof=SimpleNamespace(remarks=()),
        ),
        confirmation=SimpleNamespace(note="", columns=(), rows=()),
        verdict=SimpleNamespace(steps=steps),
    )


LEMMA = [Step("c leaves the sum.", r"\sum c g = c \sum g", True)]
LEMMA.append(
    Step("Lemma (scaling): the chain above runs from one side to the other.", "a = b", True)
)


def test_a_lemma_printed_before_is_folded_and_steps_keep_their_numbers():
    tail = [Step("The chain's ends are the statement's two sides.", "x = y", True)]
    printed = first_printing([claim("first", LEMMA + tail), claim("second", LEMMA + tail)])
    assert [(i.number, i.lemma) for i in printed["first"]["proof"]] == [(1, ""), (2, ""), (3, "")]
    folded, last = printed["second"]["proof"]
    assert (folded.number, folded.last, folded.lemma, folded.claim) == (1, 2, "scaling", "first")
    assert (last.number, last.step) == (3, tail[0])


def test_a_lemma_whose_steps_differ_is_printed_in_full():
    """Folding needs the same steps, displays and verdicts: a changed display or a failed step
    is printed."""
    changed = [LEMMA[0], Step(LEMMA[1].text, "a = c", True)]
    failed = [LEMMA[0], Step(LEMMA[1].text, LEMMA[1].latex, False)]
    printed = first_printing([claim("a", LEMMA), claim("b", changed), claim("c", failed)])
    for cid in "bc":
        assert [i.lemma for i in printed[cid]["proof"]] == ["", ""], cid


def test_a_table_printed_before_is_named_not_printed_again():
    def with_table(cid, rows):
        entry = claim(cid, [])
        entry.confirmation = SimpleNamespace(note="", columns=("t", "gap"), rows=rows)
        return entry

    rows = [(1, 0.5), (2, 0.25)]
    printed = first_printing(
        [with_table("a", rows), with_table("b", list(rows)), with_table("c", [(1, 0.5)])]
    )
    assert printed["a"]["table"].whole is None
    assert printed["b"]["table"].whole == "a"
    assert printed["c"]["table"].whole is None
