"""Search filters: each kind, parsing `key=value` specs, and errors for bad ones."""

from __future__ import annotations

import pytest

from researchdesk.errors import InputError, UnknownChoice
from researchdesk.models import IndexedPassage
from researchdesk.search import Filters, SearchIndex, parse_filters

DOCS = [
    # (document id, source type, date, publisher, container)
    (
        1,
        "journal article",
        "2021-05-03",
        "Centers for Disease Control and Prevention",
        "Preventing Chronic Disease",
    ),
    (2, "report", "2019", "National Conference of State Legislatures", ""),
    (3, "journal article", "2023-02", "Project HOPE", "Health Affairs"),
    (4, "our product", "2024-03-01", "Research Service", ""),
    (5, "news/web", "", "City Gazette", ""),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    passages = [
        IndexedPassage(
            passage_id=doc_id * 10,
            document_id=doc_id,
            text=f"Local tobacco policy example number {doc_id} with community partners.",
            section="",
            page=None,
            start=0,
            end=60,
            title=f"Document {doc_id}",
            date=date,
            source_type=source_type,
            publisher=publisher,
            container=container,
            file_name=f"doc{doc_id}.html",
        )
        for doc_id, source_type, date, publisher, container in DOCS
    ]
    return SearchIndex.build(passages, embedder=None)


def found(index: SearchIndex, filters: Filters) -> set[int]:
    return {
        h.document_id for h in index.search("tobacco policy", top_k=10, mode="lexical", filters=filters).hits
    }


def test_no_filters_finds_all(index: SearchIndex) -> None:
    assert found(index, Filters()) == {1, 2, 3, 4, 5}
    assert Filters().is_empty()


def test_source_type_filter(index: SearchIndex) -> None:
    assert found(index, Filters(source_types=("journal article",))) == {1, 3}
    assert found(index, Filters(source_types=("Report", "news/web"))) == {2, 5}


def test_date_filters_compare_on_prefix_and_skip_undated(index: SearchIndex) -> None:
    assert found(index, Filters(date_from="2021")) == {1, 3, 4}
    assert found(index, Filters(date_to="2021")) == {1, 2}  # 2021-05-03 is within "to 2021"
    assert found(index, Filters(date_from="2021-06", date_to="2023-12-31")) == {3}


def test_publisher_matches_publisher_or_container_case_insensitively(index: SearchIndex) -> None:
    assert found(index, Filters(publisher="disease control")) == {1}
    assert found(index, Filters(publisher="health affairs")) == {3}  # the journal counts as publisher
    assert found(index, Filters(container="PREVENTING")) == {1}
    assert found(index, Filters(container="Research Service")) == set()


def test_our_products_only_and_exclude(index: SearchIndex) -> None:
    assert found(index, Filters(our_products="only")) == {4}
    assert found(index, Filters(our_products="exclude")) == {1, 2, 3, 5}


def test_document_ids_filter(index: SearchIndex) -> None:
    assert found(index, Filters(document_ids=(2, 5, 99))) == {2, 5}


def test_filters_that_exclude_everything_say_so(index: SearchIndex) -> None:
    results = index.search("tobacco", filters=Filters(document_ids=(99,)))
    assert results.hits == []
    assert any("filters" in note for note in results.notes)


def test_parse_filters_builds_each_field() -> None:
    filters = parse_filters(
        [
            "source_type=report,journal article",
            "date-from=2020",
            "date_to=2024-06",
            "publisher=CDC",
            "journal=Preventing Chronic Disease",
            "our_products=exclude",
            "document_id=3,4",
            "document_id=9",
        ]
    )
    assert filters == Filters(
        source_types=("report", "journal article"),
        date_from="2020",
        date_to="2024-06",
        publisher="CDC",
        container="Preventing Chronic Disease",
        our_products="exclude",
        document_ids=(3, 4, 9),
    )
    assert parse_filters([]).is_empty()


def test_unknown_filter_key_lists_the_valid_keys() -> None:
    with pytest.raises(UnknownChoice) as info:
        parse_filters(["colour=blue"])
    assert "source_type" in str(info.value) and "date_from" in str(info.value)


@pytest.mark.parametrize(
    ("spec", "error", "needle"),
    [
        ("source_type=blog", UnknownChoice, "journal article"),
        ("our_products=maybe", UnknownChoice, "exclude"),
        ("date_from=last year", InputError, "YYYY"),
        ("document_id=seven", InputError, "number"),
        ("publisher", InputError, "key=value"),
    ],
)
def test_bad_filter_values_say_what_to_write(spec: str, error: type[Exception], needle: str) -> None:
    with pytest.raises(error) as info:
        parse_filters([spec])
    assert needle in str(info.value)


def test_single_valued_filter_given_twice_is_an_error() -> None:
    with pytest.raises(InputError):
        parse_filters(["date_from=2020", "date_from=2021"])
