"""Search on the real sample library: the articles a careful researcher would open come first."""

from __future__ import annotations

import pytest

from researchdesk.desk import Desk
from researchdesk.errors import QueryError, UnknownChoice
from researchdesk.search.desk import search
from researchdesk.search.filters import Filters, parse_filters


@pytest.mark.parametrize(
    ("query", "expected_file"),
    [
        ("barriers to passing local flavored tobacco policies", "23_0283.htm"),
        ("partnerships between researchers and state legislators", "24_0171.htm"),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "lexical", "semantic"])
def test_the_right_article_comes_first(indexed_desk: Desk, query: str, expected_file: str, mode: str) -> None:
    # Briefs other tests delivered into this desk quote these articles; the test is about the articles.
    articles = Filters(our_products="exclude")
    res = search(indexed_desk.store, indexed_desk.settings, query, top_k=10, mode=mode, filters=articles)
    files = [h.file_name for h in res.hits]
    assert expected_file in files[:3], files


def test_hits_are_small_records_that_slice_their_document(indexed_desk: Desk) -> None:
    res = search(indexed_desk.store, indexed_desk.settings, "cross-sector collaboration facilitators", top_k=8)
    assert res.expanded_terms  # the thesaurus added synonyms, shown to the user
    assert len({h.document_id for h in res.hits}) >= 3  # diversified across sources
    for h in res.hits:
        doc = indexed_desk.store.get_document(h.document_id)
        assert doc.text[h.start : h.end] == h.text
        assert h.title == doc.meta.title and h.file_name == doc.file_name


def test_filters_and_bad_queries(indexed_desk: Desk) -> None:
    none = search(indexed_desk.store, indexed_desk.settings, "tobacco", filters=Filters(our_products="only"))
    assert all(h.source_type == "our product" for h in none.hits)
    dated = search(indexed_desk.store, indexed_desk.settings, "tobacco", filters=parse_filters(["date_to=2024-03"]))
    assert dated.hits and all(h.date <= "2024-03-99" for h in dated.hits)
    with pytest.raises(QueryError):
        search(indexed_desk.store, indexed_desk.settings, "   ")
    with pytest.raises(QueryError):
        search(indexed_desk.store, indexed_desk.settings, "the and of which")
    with pytest.raises(UnknownChoice):
        search(indexed_desk.store, indexed_desk.settings, "tobacco", mode="magic")
    with pytest.raises(UnknownChoice):
        parse_filters(["colour=red"])
    long = search(indexed_desk.store, indexed_desk.settings, "tobacco policy coalition " * 3400, top_k=3)
    assert long.hits and long.notes
