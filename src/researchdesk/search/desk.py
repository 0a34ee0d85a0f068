"""The search index of a desk: kept in step with the store, and searched with the desk's settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from researchdesk.errors import DeskError
from researchdesk.models import Document, IndexedPassage, Passage
from researchdesk.search.catalog import DocumentInfo
from researchdesk.search.embed import Progress, get_embedder
from researchdesk.search.filters import Filters
from researchdesk.search.index import DEFAULT_MAX_PER_DOCUMENT, SearchIndex
from researchdesk.search.profiles import load_profiles
from researchdesk.search.results import SearchResults
from researchdesk.settings import Settings


class PassageSource(Protocol):
    """What the index needs from a store: its passages in id order, its documents and their passages."""

    def iter_indexed_passages(self, after_passage_id: int = 0) -> Iterator[IndexedPassage]: ...

    def document_ids(self) -> set[int]: ...

    def documents(self) -> list[Document]: ...

    def passages(self, document_id: int) -> list[Passage]: ...


def sync_index(store: PassageSource, settings: Settings, progress: Progress | None = None) -> SearchIndex:
    """Return the desk's search index brought up to date with the store (and saved when it changed).

    Passages the store has beyond the index's highest passage id are added (embedding only the texts
    that have no vector in the index yet),
    documents the store no longer has are removed, and a document whose passages were rewritten
    (it reappears among the new passages) loses its old ones. An index that is missing, damaged, or
    built with another tokenizer or embedding model is rebuilt from the store.

    For a PostgreSQL store the index lives in the database: the returned ``PostgresIndex`` searches
    there with full text and pgvector (``search/postgres.py``); nothing is written to ``index_dir``.
    """
    if getattr(store, "dialect", "sqlite") == "postgresql":
        from researchdesk.search.postgres import sync_postgres

        server_index = sync_postgres(store, settings, progress)
        load_profiles(store, server_index.embedder, settings.profiles_dir, progress)
        return server_index
    embedder = get_embedder(settings.embedder)
    directory = settings.index_dir
    changed = False
    try:
        index = SearchIndex.load(directory, embedder)
    except DeskError:
        index = SearchIndex(embedder)
        changed = True
    present = store.document_ids()
    gone = index.document_ids() - present
    # The vectors of a document's passages outlive it within this sync: a new version of a document
    # (or the same document read again) embeds only the passages whose text changed.
    carried = index.vectors_of(gone)
    if gone:
        index.remove_documents(gone)
        changed = True
    # Metadata corrected in the library (`library edit`) reaches filters and result records.
    if index.refresh_documents(_infos(store.documents())):
        changed = True
    new = list(store.iter_indexed_passages(after_passage_id=index.max_passage_id))
    if new:
        rewritten = {p.document_id for p in new} & index.document_ids()
        carried.update(index.vectors_of(rewritten))
        if rewritten:
            index.remove_documents(rewritten)
        # Saved every CHECKPOINT_PASSAGES (whole documents): embedding a large library is resumed, not
        # restarted, after a crash; the next sync adds the passages beyond the saved ones.
        done = 0
        for batch in _whole_documents(new, CHECKPOINT_PASSAGES):
            step = _offset(progress, done, len(new)) if progress is not None else None
            index.add(batch, progress=step, batch_size=settings.embed_batch_size, known_vectors=carried)
            done += len(batch)
            index.save(directory)
    elif changed:
        index.save(directory)
    # Each document's profile (what the scan reads to decide what a document is about) keeps step too.
    load_profiles(store, embedder, settings.profiles_dir, progress)
    return index


CHECKPOINT_PASSAGES = 2048


def _whole_documents(passages: list[IndexedPassage], size: int) -> Iterator[list[IndexedPassage]]:
    """Yield runs of about ``size`` passages, cut only between documents."""
    batch: list[IndexedPassage] = []
    for p in passages:
        if len(batch) >= size and batch[-1].document_id != p.document_id:
            yield batch
            batch = []
        batch.append(p)
    if batch:
        yield batch


def _offset(progress: Progress, done: int, total: int) -> Progress:
    return lambda d, _t: progress(done + d, total)


def search(
    store: PassageSource,
    settings: Settings,
    query: str,
    top_k: int = 10,
    mode: str = "hybrid",
    filters: Filters | None = None,
    expand: bool | None = None,
    max_per_document: int | None = DEFAULT_MAX_PER_DOCUMENT,
    index: SearchIndex | None = None,
) -> SearchResults:
    """Return the results of one search of the desk's library.

    ``expand`` defaults to ``settings.expand_queries``. Pass ``index`` (from ``sync_index``) to run
    many queries without loading the index each time.
    """
    if index is None:
        index = sync_index(store, settings)
    return index.search(
        query,
        top_k=top_k,
        mode=mode,
        filters=filters,
        expand=settings.expand_queries if expand is None else expand,
        max_per_document=max_per_document,
    )


def _infos(documents: list[Document]) -> list[DocumentInfo]:
    return [
        DocumentInfo(
            d.id,
            d.meta.title,
            d.meta.date,
            str(d.meta.source_type),
            d.meta.publisher,
            d.meta.container,
            d.file_name,
        )
        for d in documents
    ]
