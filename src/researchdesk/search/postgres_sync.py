"""Keeping the server store's search tables in step with its library, and embedding its passages.

``sync_postgres`` counts the terms of passages not indexed yet (the desk's tokenizer, as the embedded
index counts them) into ``bm25_terms`` and ``bm25_passages``, and the titles of new documents and of
documents whose metadata changed since into ``bm25_titles``; removed documents and rewritten
passages leave with their rows (ON DELETE CASCADE). Then, with ``embed``, it embeds the passages
without a vector. Embedding is resumable and can be split: each checkpoint's passages are claimed in
a transaction (``FOR NO KEY UPDATE SKIP LOCKED``), embedded and written before it commits, so several
processes on one database (on one machine or several) each take passages no other is embedding, and
a process killed mid-checkpoint leaves its passages to the next one (its transaction rolls back). A
passage without its vector is found by its words alone. Embeddings of another model are replaced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from researchdesk.errors import ConfigError
from researchdesk.models import IndexedPassage
from researchdesk.search.embed import Embedder, Progress, get_embedder, passage_space
from researchdesk.search.index import embedding_text
from researchdesk.search.postgres import PostgresIndex, ensure_tables, register_vector
from researchdesk.search.tokenize import tokenize
from researchdesk.settings import Settings

# Embedding this many missing passages at once: drop the HNSW index and rebuild it afterwards
# (building a graph once is much faster than inserting into it row by row).
BULK_EMBED_ROWS = 5000
EMBED_CHUNK = 1024
# Passages read, counted and written per round trip when their terms are indexed.
TERMS_CHUNK = 5000
# Any fixed numbers: one process at a time (re)builds the HNSW index, or writes terms.
_VECTOR_INDEX_LOCK = 19_384_2026
_TERMS_LOCK = 19_384_2028


def _raw(store: Any) -> Any:
    """Return the store's psycopg connection for this thread."""
    return store.pg.raw()


def sync_postgres(
    store: Any,
    settings: Settings,
    progress: Progress | None = None,
    embed: bool = True,
    checkpoint: int = EMBED_CHUNK,
) -> PostgresIndex:
    """Return the server store's search index brought up to date (terms and, with ``embed``,
    embeddings, committed every ``checkpoint`` passages)."""
    embedder = get_embedder(settings.embedder)
    if embedder is not None and embedder.dim != 384:
        raise ConfigError(
            f"The server store keeps 384-dimensional embeddings; the embedder {embedder.name!r} gives {embedder.dim}.",
            "Use RESEARCHDESK_EMBEDDER=minilm or none with PostgreSQL.",
        )
    index_terms(store)
    done = 0
    if embedder is not None and embed:
        done = _sync_embeddings(store, embedder, settings.embed_batch_size, progress, max(1, checkpoint))
    elif progress is not None:
        progress(0, 0)
    index = PostgresIndex(store, embedder, settings.search)
    index.embedded_now = done
    return index


def index_terms(store: Any) -> int:
    """Count the terms of the passages and titles not indexed yet (or whose title changed); return
    how many passages were added."""
    from researchdesk.store.clock import now

    conn = _raw(store)
    ensure_tables(conn)
    stamp = now()
    added = 0
    with conn.transaction():
        # One sync at a time writes the terms: a second one waits, then finds the work done. (An
        # advisory lock, not a table lock: a document removed meanwhile cascades into the tables.)
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_TERMS_LOCK,))
        with conn.cursor(name="new_passages") as cur:
            cur.execute(
                """SELECT p.id, p.document_id, p.text, p.section FROM passages p
                   WHERE NOT EXISTS (SELECT 1 FROM bm25_passages b WHERE b.passage_id = p.id) ORDER BY p.id"""
            )
            while rows := cur.fetchmany(TERMS_CHUNK):
                _write_terms(conn, rows)
                added += len(rows)
        # Documents with passages indexed whose title is not, or changed since (`library edit`).
        stale = [
            (int(r[0]), r[1] or "")
            for r in conn.execute(
                """SELECT d.id, d.title FROM documents d
                   LEFT JOIN bm25_documents b ON b.document_id = d.id
                   WHERE EXISTS (SELECT 1 FROM bm25_passages s WHERE s.document_id = d.id)
                     AND (b.document_id IS NULL OR (d.updated_at >= b.indexed_at AND b.indexed_at < %s))""",
                (stamp,),
            ).fetchall()
        ]
        if stale:
            conn.execute("DELETE FROM bm25_documents WHERE document_id = ANY(%s)", ([d for d, _ in stale],))
            _write_titles(conn, stale, stamp)
        # A document whose passages all went (rewritten to none) has no title row either.
        conn.execute(
            """DELETE FROM bm25_documents b
               WHERE NOT EXISTS (SELECT 1 FROM bm25_passages s WHERE s.document_id = b.document_id)"""
        )
    if added:
        conn.execute("ANALYZE bm25_terms")
    return added


def _write_terms(conn: Any, rows: Sequence[Sequence[Any]]) -> None:
    """COPY the term counts of passages (id, document id, text, section) and their lengths."""
    with conn.cursor() as cur:
        with cur.copy("COPY bm25_passages (passage_id, document_id, length) FROM STDIN") as copy:
            counted = []
            for pid, did, text, section in rows:
                # A passage is indexed under its text and its section heading, as in the embedded index.
                counts = Counter(tokenize(text) + tokenize(section or ""))
                length = sum(counts.values())
                counted.append((int(pid), int(did), counts, length))
                copy.write_row((int(pid), int(did), length))
        with cur.copy("COPY bm25_terms (term, passage_id, document_id, tf, length) FROM STDIN") as copy:
            for pid, did, counts, length in counted:
                for term, tf in counts.items():
                    copy.write_row((term, pid, did, tf, length))


def _write_titles(conn: Any, titles: Sequence[tuple[int, str]], stamp: str) -> None:
    """COPY the term counts of documents' titles."""
    with conn.cursor() as cur:
        counted = [(did, Counter(tokenize(title))) for did, title in titles]
        with cur.copy("COPY bm25_documents (document_id, length, indexed_at) FROM STDIN") as copy:
            for did, counts in counted:
                copy.write_row((did, sum(counts.values()), stamp))
        with cur.copy("COPY bm25_titles (term, document_id, tf, length) FROM STDIN") as copy:
            for did, counts in counted:
                length = sum(counts.values())
                for term, tf in counts.items():
                    copy.write_row((term, did, tf, length))


def _sync_embeddings(
    store: Any, embedder: Embedder, batch_size: int, progress: Progress | None, checkpoint: int
) -> int:
    """Embed the passages without a vector, a claimed checkpoint at a time; return how many this did."""
    conn = _raw(store)
    register_vector(conn)
    space = passage_space(embedder)
    conn.execute("DELETE FROM passage_embeddings WHERE model <> %s", (space,))
    missing = conn.execute(
        """SELECT count(*) FROM passages p
           WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_id = p.id)"""
    ).fetchone()[0]
    total = int(missing)
    if progress is not None:
        progress(0, total)
    if not total:
        return 0
    bulk = total >= BULK_EMBED_ROWS
    if bulk:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_VECTOR_INDEX_LOCK,))
            conn.execute("DROP INDEX IF EXISTS passage_embeddings_hnsw")
    done = 0
    while True:
        # Claimed until this transaction ends: another process skips these passages, and a kill
        # before the commit hands them back.
        with conn.transaction():
            rows = conn.execute(
                """SELECT p.id, p.document_id, p.text, p.section, d.title FROM passages p
                   JOIN documents d ON d.id = p.document_id
                   WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_id = p.id)
                   ORDER BY p.id LIMIT %s FOR NO KEY UPDATE OF p SKIP LOCKED""",
                (checkpoint,),
            ).fetchall()
            if rows:
                # The claim's NOT EXISTS read a snapshot taken before its locks: a passage another worker
                # embedded and committed in between is locked here too. A new statement sees that commit.
                done_meanwhile = {
                    int(r[0])
                    for r in conn.execute(
                        "SELECT passage_id FROM passage_embeddings WHERE passage_id = ANY(%s)",
                        ([int(r[0]) for r in rows],),
                    ).fetchall()
                }
                claimed = [r for r in rows if int(r[0]) not in done_meanwhile]
            if rows and claimed:
                texts = [embedding_text(_bare_passage(r)) for r in claimed]
                vectors = embedder.encode(texts, batch_size=batch_size)
                _insert_embeddings(conn, [(int(r[0]), int(r[1])) for r in claimed], vectors, space)
        if not rows:
            break
        done += len(claimed)
        if progress is not None:
            progress(done, max(total, done))
    if bulk:
        build_vector_index(store)
    return done


def _insert_embeddings(conn: Any, ids: Sequence[tuple[int, int]], vectors: np.ndarray, model: str) -> None:
    """Insert embeddings, leaving any passage another process embedded meanwhile as it is."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO passage_embeddings (passage_id, document_id, model, embedding)
               VALUES (%s, %s, %s, %s) ON CONFLICT (passage_id) DO NOTHING""",
            [
                (pid, did, model, np.asarray(vec, dtype=np.float32))
                for (pid, did), vec in zip(ids, vectors, strict=True)
            ],
        )


def _bare_passage(row: Sequence[Any]) -> IndexedPassage:
    return IndexedPassage(
        passage_id=int(row[0]),
        document_id=int(row[1]),
        text=row[2],
        section=row[3],
        page=None,
        start=0,
        end=0,
        title=row[4] if len(row) > 4 else "",
        date="",
        source_type="",
        publisher="",
        container="",
        file_name="",
    )


def write_embeddings(store: Any, ids: Sequence[tuple[int, int]], vectors: np.ndarray, model: str) -> int:
    """Store (passage id, document id) embeddings with binary COPY; return how many rows were written."""
    conn = _raw(store)
    register_vector(conn)
    with (
        conn.transaction(),
        conn.cursor() as cur,
        cur.copy(
            "COPY passage_embeddings (passage_id, document_id, model, embedding) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["int8", "int8", "text", "vector"])
        for (pid, did), vec in zip(ids, vectors, strict=True):
            copy.write_row((pid, did, model, np.asarray(vec, dtype=np.float32)))
    return len(ids)


def build_vector_index(store: Any) -> None:
    """(Re)build the HNSW index of the embeddings, with memory enough to build the graph in one go."""
    conn = _raw(store)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_VECTOR_INDEX_LOCK,))
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        conn.execute(
            """CREATE INDEX IF NOT EXISTS passage_embeddings_hnsw ON passage_embeddings
               USING hnsw (embedding vector_cosine_ops)"""
        )
    conn.execute("ANALYZE passage_embeddings")
