"""Quote verification: exact, relocated with each tolerance (true offsets), not found, pieces."""

from __future__ import annotations

import pytest

from researchdesk.evidence import join_pieces, locate, verify

QUOTE = "Building strong community support and collaborative partnerships was critical."


def _doc(middle: str) -> str:
    return "Introduction paragraph here.\n\nResults. " + middle + " Other findings follow here."


def test_exact() -> None:
    text = _doc(QUOTE)
    start = text.index(QUOTE)
    result = verify(QUOTE, start, start + len(QUOTE), text)
    assert result.status == "exact"
    assert (result.start, result.end) == (start, start + len(QUOTE))


def test_moved_text_is_relocated_to_the_nearest_occurrence() -> None:
    text = "Prefix added later. " + QUOTE + " Middle. " + QUOTE + " End."
    second = text.rindex(QUOTE)
    result = verify(QUOTE, second - 5, second - 5 + len(QUOTE), text)
    assert result.status == "relocated"
    assert result.start == second
    assert text[result.start : result.end] == QUOTE


@pytest.mark.parametrize(
    ("in_document", "tolerance"),
    [
        ("Building strong  community\n support and collaborative\tpartnerships was critical.", "whitespace"),
        ("Building strong community support and collaborative\u00a0partnerships was critical.", "NBSP"),
        ("Building strong community support and collab- orative partnerships was critical.", "hyphen break"),
        (
            "Building strong community support and collab-\norative partnerships was critical.",
            "hyphen newline",
        ),
        (
            "Building strong community support and collabo\u00adrative partnerships was criti\u00adcal.",
            "soft hyphen",
        ),
    ],
)
def test_relocated_with_tolerance(in_document: str, tolerance: str) -> None:
    text = _doc(in_document)
    start = text.index("Building")
    result = verify(QUOTE, start + 3, start + 3 + len(QUOTE), text)
    assert result.status == "relocated", tolerance
    # True offsets in the original text: the span is the document's own version of the quote.
    assert (result.start, result.end) == (start, start + len(in_document))
    assert result.quote == in_document


def test_ligatures() -> None:
    quote = "The final office workflow was efficient."
    in_document = "The \ufb01nal o\ufb03ce work\ufb02ow was e\ufb03cient."
    text = _doc(in_document)
    start = text.index("The \ufb01nal")
    result = verify(quote, 0, len(quote), text)
    assert result.status == "relocated"
    assert (result.start, result.end) == (start, start + len(in_document))


def test_curly_and_straight_quotes() -> None:
    quote = 'One FER noted that "it\'s absolutely critical" to have champions.'
    in_document = "One FER noted that \u201cit\u2019s absolutely critical\u201d to have champions."
    text = _doc(in_document)
    result = verify(quote, 0, 5, text)
    assert result.status == "relocated"
    assert text[result.start : result.end] == in_document
    # And the other way round: a curly quote found in straight text.
    straight = _doc(quote)
    back = verify(in_document, 0, 5, straight)
    assert back.status == "relocated"
    assert straight[back.start : back.end] == quote


def test_not_found() -> None:
    text = _doc(QUOTE)
    result = verify("Funding was never a problem for the coalition.", 10, 50, text)
    assert result.status == "not found"
    assert not result.ok
    assert "not in the document" in result.message


def test_changed_word_is_not_found() -> None:
    text = _doc(QUOTE)
    changed = QUOTE.replace("critical", "crucial")
    assert verify(changed, 0, len(changed), text).status == "not found"


def test_out_of_range_offsets_do_not_crash() -> None:
    text = _doc(QUOTE)
    result = verify(QUOTE, 10_000, 10_100, text)
    assert result.status == "relocated"
    assert verify("", 0, 0, text).status == "not found"


def test_pieces_with_ellipsis() -> None:
    text = "Youth engagement is critical. Figure 2. Coalitions built momentum over time."
    pieces = [(0, 29), (40, len(text))]
    quote = join_pieces(text, pieces)
    assert quote == "Youth engagement is critical. … Coalitions built momentum over time."
    assert verify(quote, 0, len(text), text, pieces=pieces).status == "exact"
    shifted = "New sentence. " + text
    moved = verify(quote, 0, len(text), shifted, pieces=pieces)
    assert moved.status == "relocated"
    assert [shifted[s:e] for s, e in moved.pieces] == [text[s:e] for s, e in pieces]
    broken = verify("Youth engagement is critical. … Nothing like this.", 0, 10, text, pieces=pieces)
    assert broken.status == "not found"


def test_locate_prefers_nearest() -> None:
    text = "alpha beta. alpha beta. alpha beta."
    assert locate("alpha beta", text, near=13) == (12, 22)
    assert locate("gamma", text) is None
