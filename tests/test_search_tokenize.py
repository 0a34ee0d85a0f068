"""Tokenizer and highlighting: stemming, stop words, compounds (hyphen, slash, COVID-19)."""

from __future__ import annotations

from researchdesk.search import highlight, tokenize
from researchdesk.search.highlight import matched_words
from researchdesk.search.tokenize import STOP_WORDS, stem_parts


def test_lowercases_and_stems_inflections_alike() -> None:
    assert tokenize("Policies") == tokenize("policy") == ["polici"]
    assert tokenize("Partnerships") == tokenize("partnership")
    assert tokenize("implementing") == tokenize("implemented") == tokenize("implement")


def test_drops_stop_words_and_keeps_content_words() -> None:
    tokens = tokenize("The lack of funding is one of the barriers to the program")
    assert tokens == ["lack", "fund", "one", "barrier", "program"]
    assert "lack" not in STOP_WORDS and "without" not in STOP_WORDS
    assert tokenize("of the and to in") == []


def test_hyphenated_term_gives_compound_and_parts() -> None:
    assert tokenize("cross-sector") == ["cross-sector", "cross", "sector"]
    # a query without the hyphen still matches the parts of the indexed compound
    assert set(tokenize("cross sector")) <= set(tokenize("cross-sector"))


def test_slashed_term_gives_compound_and_parts() -> None:
    assert tokenize("PSE/policy") == ["pse/polici", "pse", "polici"]


def test_covid_19_keeps_compound_and_word_but_not_bare_number() -> None:
    tokens = tokenize("COVID-19 response")
    assert tokens == ["covid-19", "covid", "respons"]
    assert "19" not in tokens
    # a standalone number of two or more digits is a token (years matter)
    assert tokenize("in 2024") == ["2024"]


def test_possessive_and_unicode_hyphen() -> None:
    assert tokenize("the county’s health department") == ["counti", "health", "depart"]
    assert tokenize("multi‐sector") == tokenize("multi-sector")


def test_stem_parts_splits_compounds() -> None:
    assert stem_parts("cross-sector partnerships") == ["cross", "sector", "partnership"]


def test_highlight_marks_inflected_words_and_compounds() -> None:
    text = "Cross-sector partnerships shaped the Policies; sector leaders agreed."
    spans = highlight(text, ["policy", "cross-sector"])
    # the query "cross-sector" also searched its parts, so a lone "sector" is marked too
    assert [text[a:b] for a, b in spans] == ["Cross-sector", "Policies", "sector"]
    # a part of a compound is marked alone when only the part matches
    spans = highlight(text, ["sector"])
    assert [text[a:b] for a, b in spans] == ["sector", "sector"]
    assert spans[0] == (6, 12)
    assert highlight(text, []) == []


def test_matched_words_reports_surface_forms() -> None:
    text = "Barriers included a lack of staff; the barrier was funding."
    assert matched_words(text, tokenize("barrier funding")) == ["barriers", "barrier", "funding"]
