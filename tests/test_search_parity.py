"""Both search backends rank alike: the same library in a SQLite desk (the embedded index's files)
and in a PostgreSQL desk (BM25 postings and pgvector in the database) gives the same hits, in the same
order, with the same scores, for the same searches, every mode, filters, caps and a pasted page of
more than 64 distinct terms included. Needs RESEARCHDESK_TEST_DATABASE_URL (skipped without it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PG_SKIP_REASON, PG_URL, SAMPLE_LIBRARY, reset_postgres
from researchdesk.desk import Desk, init_desk
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.models import SearchHit
from researchdesk.search import Filters, SearchResults
from researchdesk.search.desk import DeskIndex, backend_kind, sync_index
from researchdesk.search.index import SearchIndex
from researchdesk.search.pipeline import MAX_QUERY_TERMS
from researchdesk.search.postgres import PostgresIndex
from researchdesk.search.tokenize import tokenize
from researchdesk.settings import Settings

pytestmark = pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)

FILES = sorted(SAMPLE_LIBRARY.glob("*.htm*"))[:3]
QUERIES = (
    "barriers to tobacco policy",
    "working with lawmakers on health policy",
    "cross-sector partnership for community health",  # thesaurus expansions, phrases among them
    "policy makers and collective impact",
    "diabetes prevention program enrollment",
    "quokka",  # in no passage
)


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeskIndex, DeskIndex, Desk]]:
    """The first sample files in a SQLite desk and in a PostgreSQL desk, both embedded with MiniLM."""
    reset_postgres(PG_URL)
    desks = []
    for url in ("", PG_URL):
        home = tmp_path_factory.mktemp("parity") / "desk"
        desk = init_desk(Settings(home=home, database_url=url, embedder="minilm"))
        assert ingest_paths(desk, FILES).added == len(FILES)
        desks.append(desk)
    files, server = (sync_index(d.store, d.settings) for d in desks)
    yield files, server, desks[0]
    server.close()
    for d in desks:
        d.close()


def key(hit: SearchHit) -> tuple[str, int, int]:
    """A passage named by what it is (its document and offsets), not by a store's ids."""
    return (hit.title, hit.start, hit.end)


def assert_same(a: SearchResults, b: SearchResults) -> None:
    assert [key(h) for h in a.hits] == [key(h) for h in b.hits]
    assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], rel=1e-4, abs=1e-5)
    assert [(h.lexical_rank, h.semantic_rank) for h in a.hits] == [
        (h.lexical_rank, h.semantic_rank) for h in b.hits
    ]
    assert [h.matched_terms for h in a.hits] == [h.matched_terms for h in b.hits]
    assert (a.mode, a.terms, a.expanded_terms, a.notes) == (b.mode, b.terms, b.expanded_terms, b.notes)


def test_each_store_gets_its_backend(indexes: tuple[DeskIndex, DeskIndex, Desk]) -> None:
    files, server, desk = indexes
    assert isinstance(files, SearchIndex) and isinstance(server, PostgresIndex)
    assert backend_kind(desk.store) == "files"
    assert len(files) == len(server) >= 200  # enough passages for embedding feedback to run
    assert files.coverage().complete and server.coverage().complete


@pytest.mark.parametrize("mode", ["lexical", "semantic", "hybrid"])
@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_rank_alike(indexes: tuple[DeskIndex, DeskIndex, Desk], query: str, mode: str) -> None:
    files, server, _desk = indexes
    if mode == "semantic" or query == "quokka":
        pairs = [(files.search(query, mode=mode), server.search(query, mode=mode))]
    else:
        pairs = [
            (files.search(query, mode=mode, **options), server.search(query, mode=mode, **options))  # type: ignore[arg-type]
            for options in (
                {},
                {"top_k": 40, "max_per_document": None},
                {"expand": False},
                {"feedback": False},
            )
        ]
    for ours, theirs in pairs:
        assert_same(ours, theirs)
    if mode == "lexical" and query != "quokka":
        assert pairs[0][0].hits, query


def test_filters_rank_alike(indexes: tuple[DeskIndex, DeskIndex, Desk]) -> None:
    files, server, _desk = indexes
    by_title = {d.title: d.document_id for d in files.documents()}
    server_ids = {d.title: d.document_id for d in server.documents()}
    title = sorted(by_title)[0]
    for mode in ("lexical", "hybrid"):
        ours = files.search("health policy", mode=mode, filters=Filters(document_ids=(by_title[title],)))
        theirs = server.search("health policy", mode=mode, filters=Filters(document_ids=(server_ids[title],)))
        assert ours.hits and {h.title for h in ours.hits} == {title}
        assert_same(ours, theirs)
    nothing = Filters(source_types=("our product",))
    assert_same(files.search("health", filters=nothing), server.search("health", filters=nothing))


def test_a_query_of_more_than_64_terms_keeps_the_same_rarest_terms(
    indexes: tuple[DeskIndex, DeskIndex, Desk],
) -> None:
    files, server, desk = indexes
    # A pasted page: the text of a document's passages until it holds well over 64 distinct terms.
    doc = desk.store.documents()[0]
    words: list[str] = []
    for passage in desk.store.passages(doc.id):
        words.append(passage.text)
        if len(set(tokenize(" ".join(words)))) > 3 * MAX_QUERY_TERMS:
            break
    page = " ".join(words)
    assert len(set(tokenize(page))) > MAX_QUERY_TERMS
    for mode in ("lexical", "hybrid"):
        ours, theirs = files.search(page, mode=mode), server.search(page, mode=mode)
        assert len(ours.terms) == MAX_QUERY_TERMS and any("most specific" in n for n in ours.notes)
        assert ours.hits
        assert_same(ours, theirs)
    # The terms kept are the rarest in the library: none left out is rarer than one kept.
    df = files.document_frequencies(sorted(set(tokenize(page))))
    kept, dropped = set(ours.terms), set(tokenize(page)) - set(ours.terms)
    assert max(df.get(t, 0) for t in kept) <= min(df.get(t, 0) or 10**9 for t in dropped)
    assert df == {t: n for t, n in server.document_frequencies(sorted(df)).items() if n}


def test_the_server_index_follows_the_store_like_the_files(tmp_path: Path) -> None:
    """A removed document and a retitled one reach both backends' rankings after a sync."""
    reset_postgres(PG_URL)
    desks = [
        init_desk(Settings(home=tmp_path / name, database_url=url, embedder="none"))
        for name, url in (("files", ""), ("server", PG_URL))
    ]
    indexes = []
    for d in desks:
        ingest_paths(d, FILES)
        docs = sorted(d.store.documents(), key=lambda x: x.meta.title)
        d.store.remove_document(docs[0].id)
        d.store.update_document_meta(
            docs[1].id, {"title": "Tobacco retail licensing in small towns"}, "staff"
        )
        indexes.append(sync_index(d.store, d.settings))
    for query in (*QUERIES[:3], "tobacco licensing"):
        assert_same(indexes[0].search(query, mode="lexical"), indexes[1].search(query, mode="lexical"))
    for index in indexes:
        index.close()
    for d in desks:
        d.close()
