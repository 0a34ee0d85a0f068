"""The PostgreSQL column of search_speed.py: the same passages and queries in the server store.

Rows are loaded with COPY (not timed: the store's rows exist before any index, as for SQLite); the
index build is what `sync_index` does on a server store: the passages' and titles' term counts
(BM25 postings, `postgres_sync.index_terms`), the embeddings written (the same vectors as the embedded index) and the HNSW graph built.
Latency is `PostgresIndex.search`, one query at a time, query encoding included, as for SQLite.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from _timing import time_modes
from researchdesk.models import IndexedPassage
from researchdesk.search import MiniLMEmbedder
from researchdesk.search.postgres import PostgresIndex
from researchdesk.search.postgres_sync import build_vector_index, index_terms, write_embeddings
from researchdesk.store.postgres import PostgresStore

STAMP = "2024-01-01T00:00:00+00:00"


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """Yield a PostgreSQL URL: the given one, or a throwaway server started for the run."""
    if url:
        yield url
        return
    path = Path(__file__).resolve().parents[1] / "scripts" / "pg_test_server.py"
    spec = importlib.util.spec_from_file_location("pg_test_server", path)
    assert spec is not None and spec.loader is not None
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="researchdesk-bench-pg-"))
    started = server.start(folder, None)
    try:
        yield started
    finally:
        server.stop(folder)


def _load_rows(store: PostgresStore, passages: list[IndexedPassage]) -> None:
    """COPY documents and passages into the empty store."""
    conn = store.pg.raw()
    docs: dict[int, IndexedPassage] = {}
    for p in passages:
        docs.setdefault(p.document_id, p)
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy(
            "COPY documents (id, content_hash, title, date, source_type, publisher, container, file_name, "
            "format, size, text, added_at, updated_at) FROM STDIN"
        ) as copy:
            for did, p in docs.items():
                copy.write_row(
                    (
                        did,
                        f"h{did}",
                        p.title,
                        p.date,
                        p.source_type,
                        p.publisher,
                        p.container,
                        p.file_name,
                        "text",
                        0,
                        "",
                        STAMP,
                        STAMP,
                    )
                )
        with cur.copy(
            'COPY passages (id, document_id, seq, start, "end", section, kind, text) FROM STDIN'
        ) as copy:
            for p in passages:
                copy.write_row(
                    (
                        p.passage_id,
                        p.document_id,
                        p.passage_id,
                        p.start,
                        p.end,
                        p.section,
                        "paragraph",
                        p.text,
                    )
                )
    conn.execute("ANALYZE documents")
    conn.execute("ANALYZE passages")


def postgres_column(
    url: str | None, passages: list[IndexedPassage], vectors: np.ndarray, queries: list[str], model: str
) -> dict[str, Any]:
    """Return build times and per-mode latencies (p50, p95 ms) of the server store on these passages."""
    out: dict[str, Any] = {}
    with database(url) as db:
        store = PostgresStore(db, create=True)
        if store.count_documents():
            raise SystemExit(f"The benchmark needs an empty database; {db} holds documents.")
        t = time.perf_counter()
        _load_rows(store, passages)
        out["load_s"] = time.perf_counter() - t
        conn = store.pg.raw()
        t = time.perf_counter()
        index_terms(store)
        out["lexical_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        conn.execute("DROP INDEX IF EXISTS passage_embeddings_hnsw")
        write_embeddings(store, [(p.passage_id, p.document_id) for p in passages], vectors, model)
        out["vector_write_s"] = time.perf_counter() - t
        t = time.perf_counter()
        build_vector_index(store)
        out["hnsw_build_s"] = time.perf_counter() - t
        out["size_mb"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
        embedder = MiniLMEmbedder()
        index = PostgresIndex(store, embedder)
        index.search("warm up the model", top_k=10)
        out.update(time_modes(index, queries))
        store.close()
    return out
