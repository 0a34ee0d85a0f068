"""Character spans of the words in a passage that match a query, for bold or <mark> display."""

from __future__ import annotations

from collections.abc import Iterable

from researchdesk.search.tokenize import TOKEN_RE, _lower_word_tokens, tokenize, word_spans


def matched_words(text: str, tokens: Iterable[str]) -> list[str]:
    """Return the distinct words of ``text`` (lower-cased, in order) whose tokens are among ``tokens``."""
    wanted = set(tokens)
    if not wanted:
        return []
    return [
        word
        for word in dict.fromkeys(TOKEN_RE.findall(text.lower()))
        if not wanted.isdisjoint(_lower_word_tokens(word))
    ]


def highlight(text: str, matched_terms: Iterable[str]) -> list[tuple[int, int]]:
    """Return sorted, non-overlapping (start, end) character spans of the words matching the terms.

    Terms are compared by their tokens, so "policy" marks "policies" and "Policy"; a compound
    ("cross-sector") is marked whole when it matches as a compound, otherwise only its matching part.
    """
    wanted: set[str] = set()
    for term in matched_terms:
        wanted.update(tokenize(term))
    spans: list[tuple[int, int]] = []
    for span in word_spans(text):
        hit = span.tokens[0] in wanted if span.compound else bool(wanted.intersection(span.tokens))
        if hit:
            if spans and span.start < spans[-1][1]:
                continue  # a part inside a compound already marked whole
            spans.append((span.start, span.end))
    return spans
