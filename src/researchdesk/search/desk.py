"""The search index of a desk: kept in step with the store, and searched with the desk's settings.

Indexing has two steps. ``sync_index(..., embed=False)`` stores the new passages' words (seconds for
the sample library): the library is searchable at once. ``embed_pending`` then gives the passages
their vectors, a checkpoint at a time, each checkpoint saved before the next is started, so a crash or
a kill loses at most the checkpoint under way and the next run goes on from there. Until every passage
has its vector, hybrid search fuses the embedded ones and finds the rest by their words
(``SearchResults.semantic_index`` says how far it got).

The embedded index is files in ``<home>/index``: whoever changes them holds ``index.lock`` while it
reads and writes (a lexical sync, or merging a checkpoint's vectors); embedding itself runs outside
that lock, under ``embed.lock``, so one process at a time embeds a desk and searches never wait for
the model. On PostgreSQL the terms and vectors are rows of the store's database, vectors committed a
checkpoint at a time, and several processes split the work (``search/postgres_sync.py``). Which of
the two a store gets is ``backend_kind``'s one decision; both are searched by ``pipeline.search``.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

from researchdesk.errors import DeskError
from researchdesk.models import Document, IndexedPassage, Passage
from researchdesk.search.catalog import DocumentInfo
from researchdesk.search.embed import Progress, encode_in_chunks, get_embedder
from researchdesk.search.filters import Filters
from researchdesk.search.index import SearchIndex
from researchdesk.search.pipeline import Cap
from researchdesk.search.postgres import PostgresIndex
from researchdesk.search.profiles import load_profiles
from researchdesk.search.results import SearchResults, SemanticCoverage
from researchdesk.settings import Settings

# Passages embedded between two saves: at most this much work is lost to a crash or a kill.
CHECKPOINT_PASSAGES = 2048

BackendKind = Literal["files", "postgresql"]
# What sync_index returns: a search backend with ``search`` (both run ``pipeline.search``).
DeskIndex = SearchIndex | PostgresIndex


class PassageSource(Protocol):
    """What the index needs from a store: its passages in id order, its documents and their passages."""

    def iter_indexed_passages(self, after_passage_id: int = 0) -> Iterator[IndexedPassage]: ...

    def document_ids(self) -> set[int]: ...

    def documents(self) -> list[Document]: ...

    def passages(self, document_id: int) -> list[Passage]: ...


def sync_index(
    store: PassageSource,
    settings: Settings,
    progress: Progress | None = None,
    embed: bool = True,
    checkpoint: int = CHECKPOINT_PASSAGES,
) -> DeskIndex:
    """Return the desk's search index brought up to date with the store (and saved when it changed).

    Passages the store has beyond the index's highest passage id are added, documents the store no
    longer has are removed, and a document whose passages were rewritten (it reappears among the new
    passages) loses its old ones, its unchanged texts keeping their vectors. An index that is missing,
    damaged, or built with another tokenizer or embedding model is rebuilt from the store. The words
    are saved first; then, with ``embed``, every passage still without a vector is embedded
    (``embed_pending``, saved every ``checkpoint`` passages) and the documents' profiles are made.
    Without ``embed`` the index is searchable by words at once and hybrid for what is embedded.

    For a PostgreSQL store the index lives in the database: the returned ``PostgresIndex`` reads its
    BM25 postings and pgvector embeddings there (``search/postgres.py``); nothing is written to
    ``index_dir``.
    """
    if backend_kind(store) == "postgresql":
        from researchdesk.search.postgres_sync import sync_postgres

        server_index = sync_postgres(store, settings, progress, embed=embed, checkpoint=checkpoint)
        if embed:
            load_profiles(store, server_index.embedder, settings.profiles_dir, progress)
        return server_index
    embedder = get_embedder(settings.embedder)
    directory = settings.index_dir
    with index_lock(settings):
        index = _sync_words(store, embedder, directory, settings)
    if embed:
        index = _embed_local(index, settings, progress, checkpoint)
        # Each document's profile (what the scan reads to decide what a document is about) keeps step too.
        load_profiles(store, embedder, settings.profiles_dir, progress)
    elif progress is not None:
        progress(len(index), len(index))
    return index


def _sync_words(store: PassageSource, embedder: Any, directory: Path, settings: Settings) -> SearchIndex:
    """Return the embedded index with the store's passages in it (words; known vectors), saved."""
    changed = False
    try:
        index = SearchIndex.load(directory, embedder, settings.search)
    except DeskError:
        index = SearchIndex(embedder, settings.search)
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
        index.add(new, known_vectors=carried, embed=False)
        changed = True
    if changed:
        index.save(directory)
    return index


def embed_pending(
    store: PassageSource,
    settings: Settings,
    progress: Progress | None = None,
    checkpoint: int = CHECKPOINT_PASSAGES,
) -> SemanticCoverage:
    """Give every passage of the desk still without a vector its vector; return the coverage after.

    The index is brought up to date with the store first (words only). Work is saved every
    ``checkpoint`` passages; ``progress(done, total)`` counts passages. Interrupted, it loses at most
    the checkpoint under way, and the next call goes on from there.
    """
    if backend_kind(store) == "postgresql":
        from researchdesk.search.postgres_sync import sync_postgres

        server_index = sync_postgres(store, settings, progress, embed=True, checkpoint=checkpoint)
        load_profiles(store, server_index.embedder, settings.profiles_dir)
        coverage = server_index.coverage()
        server_index.close()
        return coverage
    index = sync_index(store, settings, progress, embed=True, checkpoint=checkpoint)
    return index.coverage()


def _embed_local(
    index: SearchIndex, settings: Settings, progress: Progress | None, checkpoint: int
) -> SearchIndex:
    """Embed the passages of the saved index that wait for a vector, a checkpoint at a time; return it.

    One process embeds a desk at a time (``embed.lock``; another waits, then finds the work done).
    The vectors of each checkpoint are merged into the index as it is on disk then (other processes
    may have added or removed passages meanwhile) and saved before the next checkpoint starts.
    """
    if index.embedder is None or not index.pending():
        return index
    directory = settings.index_dir
    with _flock(settings.home / "embed.lock"):
        index = _current(index, directory)
        index.embedded_now = 0
        done, total = 0, index.pending()
        if progress is not None:
            progress(0, total)
        while True:
            keys, texts = index.pending_texts(max(1, checkpoint))
            if not keys:
                break
            step = _offset(progress, done, total) if progress is not None else None
            assert index.embedder is not None
            vectors = encode_in_chunks(
                index.embedder, texts, batch_size=settings.embed_batch_size, progress=step
            )
            with index_lock(settings):
                index = _current(index, directory)
                done += index.set_vectors(keys, vectors)
                index.save(directory)
            index.embedded_now = done
            total = done + index.pending()
            if progress is not None:
                progress(done, total)
    return index


def _current(index: SearchIndex, directory: Path) -> SearchIndex:
    """Return ``index``, or the one saved in ``directory`` when another process saved it since."""
    if saved_generation(directory) == index.generation:
        return index
    try:
        return SearchIndex.load(directory, index.embedder, index.tuning)
    except DeskError:
        return index  # removed or replaced meanwhile: the next sync rebuilds it


def saved_generation(directory: Path) -> int:
    """Return the generation of the index saved in ``directory`` (-1 when there is none)."""
    try:
        meta = json.loads((Path(directory) / "meta.json").read_text(encoding="utf-8"))
        return int(meta.get("generation", 0))
    except (OSError, ValueError):
        return -1


def index_stamp(store: PassageSource, settings: Settings) -> tuple[int, ...]:
    """Return what changes when the desk's saved search index does (its words or its vectors).

    A cached embedded index is out of date when this differs (its saved generation). A PostgreSQL
    index reads its vectors live from the database, so only its passages matter (callers compare them).
    """
    if backend_kind(store) == "postgresql":
        return ()
    return (saved_generation(settings.index_dir),)


def semantic_coverage(store: PassageSource, settings: Settings) -> SemanticCoverage:
    """Return how much of the desk's library has its vector, without embedding anything."""
    index = sync_index(store, settings, embed=False)
    coverage = index.coverage()
    index.close()
    return coverage


def backend_kind(store: PassageSource) -> BackendKind:
    """Return the search backend a store gets: "postgresql" (``PostgresIndex``, in the server store's
    database) for the server store, "files" (``SearchIndex``, under ``<home>/index``) for any other."""
    from researchdesk.store.postgres import PostgresStore

    return "postgresql" if isinstance(store, PostgresStore) else "files"


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """Hold the desk's index lock (one process at a time reads-and-writes ``<home>/index``)."""
    with _flock(settings.home / "index.lock"):
        yield


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor lets go of the lock


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
    max_per_document: Cap = "setting",
    index: DeskIndex | None = None,
    embed: bool = True,
) -> SearchResults:
    """Return the results of one search of the desk's library.

    ``expand`` defaults to ``settings.expand_queries``. Pass ``index`` (from ``sync_index``) to run
    many queries without loading the index each time. Without ``embed`` the search does not wait for
    passages still to be embedded (it is hybrid for those that are; ``semantic_index`` says how many).
    """
    if index is None:
        index = sync_index(store, settings, embed=embed)
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
