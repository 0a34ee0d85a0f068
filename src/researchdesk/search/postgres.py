"""The search backend of the server store: BM25 postings and pgvector embeddings in PostgreSQL.

Lexical: the passages' term counts (the desk's own tokenizer: a passage's text and heading, as the
embedded index counts them) are rows of ``bm25_terms``, one per (term, passage), with the passage's
length; the titles' are rows of ``bm25_titles`` per (term, document). A search reads the postings of
its words and weighs them with ``lexical.bm25_weights`` and ``lexical.accumulate``, the code the
embedded index runs, over the counts of the same passages: both backends give the same BM25 scores,
so the same rankings. Semantic: cosine distance over ``passage_embeddings`` (HNSW index, iterative
scans under filters). Everything else a search does is ``pipeline.search``.

The tables belong to this backend (``ensure_tables`` creates them; ``postgres_sync.sync_postgres``
fills them from the store and embeds the passages). ``PostgresIndex`` is what ``search.desk.sync_index``
returns for a server store; it keeps its own connections and reads the tables live, save the
collection's size (passages, documents, their lengths), counted when it is made, as the embedded
index is (a search after a sync sees the library as that sync left it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from researchdesk.models import IndexedPassage
from researchdesk.search import pipeline
from researchdesk.search.backend import LexicalQuery, Ranked, Scored
from researchdesk.search.catalog import DocumentInfo
from researchdesk.search.embed import Embedder
from researchdesk.search.index import TITLE_WEIGHT
from researchdesk.search.lexical import Column, accumulate, average_length, bm25_idf, bm25_weights, row_norms
from researchdesk.search.results import SemanticCoverage
from researchdesk.settings import SearchSettings

# The backend's own tables (derived data: rebuilt by a sync, never copied with a desk). A passage's
# rows go with it (ON DELETE CASCADE), and a document's title rows with the document.
TABLES_DDL = (
    """CREATE TABLE IF NOT EXISTS bm25_passages (
        passage_id BIGINT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
        document_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        length INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS bm25_passages_document ON bm25_passages (document_id)",
    """CREATE TABLE IF NOT EXISTS bm25_terms (
        term TEXT NOT NULL,
        passage_id BIGINT NOT NULL REFERENCES bm25_passages(passage_id) ON DELETE CASCADE,
        document_id BIGINT NOT NULL,
        tf INTEGER NOT NULL,
        length INTEGER NOT NULL,
        PRIMARY KEY (term, passage_id)
    )""",
    "CREATE INDEX IF NOT EXISTS bm25_terms_passage ON bm25_terms (passage_id)",
    """CREATE TABLE IF NOT EXISTS bm25_documents (
        document_id BIGINT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        length INTEGER NOT NULL,
        indexed_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS bm25_titles (
        term TEXT NOT NULL,
        document_id BIGINT NOT NULL REFERENCES bm25_documents(document_id) ON DELETE CASCADE,
        tf INTEGER NOT NULL,
        length INTEGER NOT NULL,
        PRIMARY KEY (term, document_id)
    )""",
    "CREATE INDEX IF NOT EXISTS bm25_titles_document ON bm25_titles (document_id)",
)
TABLES = ("bm25_passages", "bm25_terms", "bm25_documents", "bm25_titles")
# What this backend kept before it counted BM25 postings (full text, ts_rank): dropped on the upgrade.
FORMER_TABLES = ("passage_search", "lexeme_stats")
# Any fixed number: one process at a time creates the tables.
_TABLES_LOCK = 19_384_2027

# The postings of a set of terms, each term's columns packed as big-endian binary in passage order.
_POSTINGS = """SELECT term, string_agg(int8send({key}), ''::bytea ORDER BY {key}),
    {docs} string_agg(int4send(tf), ''::bytea ORDER BY {key}),
    string_agg(int4send(length), ''::bytea ORDER BY {key})
    FROM {table} WHERE term = ANY(%s) GROUP BY term"""


def ensure_tables(conn: Any) -> None:
    """Create the backend's tables in the store's database when they are missing."""
    found = conn.execute("SELECT count(to_regclass(t)) FROM unnest(%s::text[]) t", (list(TABLES),)).fetchone()
    if int(found[0]) == len(TABLES):
        return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_TABLES_LOCK,))
        for statement in TABLES_DDL:
            conn.execute(statement)
        for table in FORMER_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")


def register_vector(conn: Any) -> None:
    """Teach a psycopg connection the pgvector type (once per connection)."""
    if getattr(conn, "_researchdesk_vector", False):
        return
    from pgvector.psycopg import register_vector as register

    register(conn)
    conn._researchdesk_vector = True


class PostgresIndex(pipeline.PipelineSearch):
    """The search index of a server store: it lives in the database, so its answers are SQL.

    ``search`` is ``pipeline.search`` over this backend; ``len``, ``document_ids``, ``max_passage_id``,
    ``semantic_ready`` and ``coverage`` answer as ``SearchIndex``'s do.
    """

    def __init__(
        self,
        store: Any,
        embedder: Embedder | None,
        tuning: SearchSettings | None = None,
    ) -> None:
        from researchdesk.store.postgres import PgConnection

        super().__init__(embedder, tuning)
        # Its own connections: an index outlives the desk it was synced from (the web app caches it).
        self._pg = PgConnection(store.url)
        conn = self._pg.raw()
        ensure_tables(conn)
        row = conn.execute(
            """SELECT (SELECT count(*) FROM bm25_passages), (SELECT coalesce(max(passage_id), 0) FROM bm25_passages),
                      (SELECT coalesce(sum(length), 0) FROM bm25_passages),
                      (SELECT count(*) FROM bm25_documents), (SELECT coalesce(sum(length), 0) FROM bm25_documents)"""
        ).fetchone()
        self._count, self._max_id, self._length, self._titles, self._title_length = (int(x) for x in row)

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        """Close the index's database connections."""
        self._pg.close()

    def _conn(self) -> Any:
        return self._pg.raw()

    @property
    def max_passage_id(self) -> int:
        """Return the highest passage id in the index (0 when empty)."""
        return self._max_id

    def document_ids(self) -> set[int]:
        """Return the ids of the documents with passages in the index."""
        return {int(r[0]) for r in self._conn().execute("SELECT document_id FROM bm25_documents")}

    @property
    def semantic_ready(self) -> bool:
        """Return True when semantic search can run: an embedder, and at least one passage embedded."""
        return self.coverage().embedded > 0

    def coverage(self) -> SemanticCoverage:
        """Return how many of the indexed passages have their vector now (counted in the database)."""
        if self.embedder is None:
            return SemanticCoverage(embedded=0, passages=self._count)
        row = (
            self._conn()
            .execute(
                """SELECT count(*) FROM passage_embeddings e
                   WHERE e.model = %s AND EXISTS (SELECT 1 FROM bm25_passages s WHERE s.passage_id = e.passage_id)""",
                (self.embedder_name,),
            )
            .fetchone()
        )
        return SemanticCoverage(
            embedded=min(int(row[0]), self._count), passages=self._count, model=self.embedder_name
        )

    def pending(self) -> int:
        """Return how many passages wait for their vector (0 without an embedder)."""
        coverage = self.coverage()
        return coverage.passages - coverage.embedded if self.embedder is not None else 0

    # --- searching: pipeline.search runs it, these answer its questions (backend.SearchBackend) ---

    def documents(self) -> Iterable[DocumentInfo]:
        """Return the attributes of the documents with passages in the index (read live)."""
        return [
            DocumentInfo(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6])
            for r in self._conn().execute(
                """SELECT d.id, d.title, d.date, d.source_type, d.publisher, d.container, d.file_name
                   FROM documents d JOIN bm25_documents b ON b.document_id = d.id"""
            )
        ]

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Return how many passages contain each term."""
        rows = self._conn().execute(
            "SELECT term, count(*) FROM bm25_terms WHERE term = ANY(%s) GROUP BY term", (list(terms),)
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def lexical_candidates(self, query: LexicalQuery, allowed: frozenset[int] | None) -> Scored:
        """Return the BM25 scores of the passages holding any of the query's words (title added),
        zero outside the allowed documents; keys are passage ids."""
        conn = self._conn()
        words = query.words()
        with conn.transaction():  # passage and title postings from one snapshot
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            passages = conn.execute(
                _POSTINGS.format(
                    key="passage_id",
                    docs="string_agg(int8send(document_id), ''::bytea ORDER BY passage_id),",
                    table="bm25_terms",
                ),
                (words,),
            ).fetchall()
            titles = conn.execute(
                _POSTINGS.format(key="document_id", docs="", table="bm25_titles"), (words,)
            ).fetchall()
        n, total, n_titles, title_total = self._count, self._length, self._titles, self._title_length
        postings = {
            str(r[0]): [_ints(r[1], 8), _ints(r[2], 8), _ints(r[3], 4), _ints(r[4], 4)] for r in passages
        }
        if not postings:
            return Scored(
                np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
            )
        keys = np.unique(np.concatenate([p[0] for p in postings.values()]))
        documents = np.zeros(keys.size, dtype=np.int64)
        for ids, docs, _tf, _len in postings.values():
            documents[np.searchsorted(keys, ids)] = docs
        columns = _columns(keys, {t: (p[0], p[2], p[3]) for t, p in postings.items()}, n, total)
        scores = accumulate(keys.size, columns, query.weights, query.phrases)
        if titles:
            title_keys = np.unique(np.concatenate([_ints(r[1], 8) for r in titles]))
            title_postings = {str(r[0]): (_ints(r[1], 8), _ints(r[2], 4), _ints(r[3], 4)) for r in titles}
            title_scores = accumulate(
                title_keys.size,
                _columns(title_keys, title_postings, n_titles, title_total),
                query.weights,
                query.phrases,
            )
            if title_scores.any():
                hit = np.flatnonzero(scores)
                at = np.minimum(np.searchsorted(title_keys, documents[hit]), title_keys.size - 1)
                titled = title_keys[at] == documents[hit]
                hit, at = hit[titled], at[titled]
                scores[hit] += np.float32(TITLE_WEIGHT) * title_scores[at]
        if allowed is not None:
            scores[~np.isin(documents, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))] = 0.0
        return Scored(scores, documents, keys)

    def semantic_candidates(self, vector: np.ndarray, allowed: frozenset[int] | None, depth: int) -> Ranked:
        """Return the ``depth`` embedded passages nearest ``vector`` (pgvector's HNSW index)."""
        conn = self._conn()
        register_vector(conn)
        where = "AND document_id = ANY(%(docs)s)" if allowed is not None else ""
        with conn.transaction():
            # Search deep enough for the fusion depth; under filters keep scanning until enough pass.
            conn.execute(f"SET LOCAL hnsw.ef_search = {min(max(depth, 40), 1000)}")
            if allowed is not None:
                conn.execute("SET LOCAL hnsw.iterative_scan = strict_order")
            rows = conn.execute(
                f"""SELECT passage_id, document_id, 1 - (embedding <=> %(v)s) AS score FROM passage_embeddings
                    WHERE model = %(m)s {where} ORDER BY embedding <=> %(v)s LIMIT %(k)s""",
                {
                    "v": np.asarray(vector, dtype=np.float32),
                    "m": self.embedder_name,
                    "docs": sorted(allowed) if allowed is not None else None,
                    "k": depth,
                },
            ).fetchall()
        return Ranked(
            np.array([int(r[0]) for r in rows], dtype=np.int64),
            np.array([float(r[2]) for r in rows], dtype=np.float64),
            np.array([int(r[1]) for r in rows], dtype=np.int64),
        )

    def embedded_count(self, allowed: frozenset[int] | None) -> int:
        """Return how many passages of the allowed documents have their vector."""
        where = "AND document_id = ANY(%s)" if allowed is not None else ""
        params: tuple[Any, ...] = (
            (self.embedder_name, sorted(allowed)) if allowed is not None else (self.embedder_name,)
        )
        row = self._conn().execute(
            f"SELECT count(*) FROM passage_embeddings WHERE model = %s {where}", params
        )
        return int(row.fetchone()[0])

    def feedback_vectors(self, keys: Sequence[int]) -> np.ndarray:
        """Return the vectors of those of the passages ``keys`` that have one, in order."""
        rows = (
            self._conn()
            .execute(
                "SELECT passage_id, embedding::real[] FROM passage_embeddings WHERE model = %s AND passage_id = ANY(%s)",
                (self.embedder_name, list(keys)),
            )
            .fetchall()
        )
        found = {int(r[0]): r[1] for r in rows}
        dim = self.embedder.dim if self.embedder is not None else 0
        return np.array([found[k] for k in keys if k in found], dtype=np.float32).reshape(-1, dim)

    def passages(self, keys: Sequence[int]) -> dict[int, IndexedPassage]:
        """Return the passages with their document attributes (read live), by passage id."""
        if not len(keys):
            return {}
        rows = (
            self._conn()
            .execute(
                """SELECT p.id, p.document_id, p.text, p.section, p.page, p.start, p."end", d.title, d.date,
                      d.source_type, d.publisher, d.container, d.file_name
               FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.id = ANY(%s)""",
                (list(keys),),
            )
            .fetchall()
        )
        return {int(r[0]): IndexedPassage.from_row(r) for r in rows}


def _ints(blob: bytes, size: int) -> np.ndarray:
    """Return the big-endian integers of ``int8send``/``int4send`` packed in ``blob`` as int64."""
    return np.frombuffer(blob, dtype=">i8" if size == 8 else ">i4").astype(np.int64)


def _columns(
    keys: np.ndarray, postings: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], n: int, total: int
) -> dict[str, Column]:
    """Return each term's column (rows among ``keys``, BM25 weights) from its postings (ids, tf,
    length), weighed as the embedded index weighs its counts."""
    terms = list(postings)
    idf = bm25_idf(n, np.array([postings[t][0].size for t in terms], dtype=np.int64))
    avg = average_length(total, n)
    columns: dict[str, Column] = {}
    for term, term_idf in zip(terms, idf, strict=True):
        ids, tf, lengths = postings[term]
        weights = bm25_weights(np.full(ids.size, term_idf, dtype=np.float32), tf, row_norms(lengths, avg))
        columns[term] = (np.searchsorted(keys, ids), weights)
    return columns
