"""Search in the server store: PostgreSQL full text and pgvector, fused like the embedded index.

Lexical: each passage has a ``tsvector`` ('english' configuration) with the document title at weight
A, the section heading at B and the passage text at C. A passage matches when a query lexeme occurs
in its own heading or text (``:BC``); the title then adds to its rank at a lower weight, as the
title field does in the embedded index. Thesaurus expansions are searched as an OR of words and
phrases (``<->``) at half weight. Semantic: cosine distance over ``passage_embeddings`` (HNSW index,
iterative scans under filters), searched a second time with the embedded index's feedback (the query
vector moved toward the first pass's top passages). The two ranked lists are fused by the same
``fusion.fuse`` as ``SearchIndex`` (ts_rank's scores standardized as BM25's are) and cut by the same
per-document cap; filters are the same ``Filters`` (decided in Python over the documents'
attributes, so both stores accept exactly the same documents).

``sync_postgres`` brings the derived tables up to date with the store; ``PostgresIndex`` is what
``search.desk.sync_index`` returns for a server store. Embedding is resumable and can be split: each
checkpoint's passages are claimed in a transaction (``FOR NO KEY UPDATE SKIP LOCKED``), embedded and
written before it commits, so several processes on one database (on one machine or several) each
take passages no other is embedding, and a process killed mid-checkpoint leaves its passages to the
next one (its transaction rolls back). A passage without its vector is found by its words alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from researchdesk.errors import ConfigError, QueryError
from researchdesk.models import IndexedPassage, SearchHit
from researchdesk.search.catalog import DocumentInfo
from researchdesk.search.embed import Embedder, Progress, get_embedder, passage_space
from researchdesk.search.expand import EXPANSION_WEIGHT, Expansion, expansion_terms, find_expansions
from researchdesk.search.filters import Filters
from researchdesk.search.fusion import cap_per_group, fuse
from researchdesk.search.highlight import matched_words
from researchdesk.search.index import (
    DEFAULT_MAX_PER_DOCUMENT,
    FUSION_DEPTH,
    MAX_QUERY_TERMS,
    SearchIndex,
    check_mode,
    embedding_text,
    semantic_fallback,
)
from researchdesk.search.results import SearchResults, SemanticCoverage
from researchdesk.search.semantic import feedback_plan, feedback_query
from researchdesk.search.tokenize import tokenize
from researchdesk.settings import Settings

TS_CONFIG = "english"
# ts_rank weights for D, C, B, A: body text counts fully, a heading a little less, the title at the
# embedded index's TITLE_WEIGHT (0.5).
RANK_WEIGHTS = "{0.0, 1.0, 0.7, 0.5}"
# Embedding this many missing passages at once: drop the HNSW index and rebuild it afterwards
# (building a graph once is much faster than inserting into it row by row).
BULK_EMBED_ROWS = 5000
EMBED_CHUNK = 1024
# Candidates come from query words in at most this share of passages (never fewer than the floor):
# at 100k passages, matching every word of a long query touched ~40% of the library (see
# benchmarks/search_speed.py); common words still count in the ranking of the candidates.
CANDIDATE_SHARE = 0.05
MIN_CANDIDATE_CAP = 2000
# Any fixed number: one process at a time (re)builds the HNSW index.
_VECTOR_INDEX_LOCK = 19_384_2026

_TSV = (
    "setweight(to_tsvector('english', d.title), 'A') || setweight(to_tsvector('english', p.section), 'B') "
    "|| setweight(to_tsvector('english', p.text), 'C')"
)


def _raw(store: Any) -> Any:
    """Return the store's psycopg connection for this thread."""
    return store.pg.raw()


def _register_vector(conn: Any) -> None:
    """Teach a psycopg connection the pgvector type (once per connection)."""
    if getattr(conn, "_researchdesk_vector", False):
        return
    from pgvector.psycopg import register_vector

    register_vector(conn)
    conn._researchdesk_vector = True


def sync_postgres(
    store: Any,
    settings: Settings,
    progress: Progress | None = None,
    embed: bool = True,
    checkpoint: int = EMBED_CHUNK,
) -> PostgresIndex:
    """Return the server store's search index brought up to date (text vectors and, with ``embed``,
    embeddings, committed every ``checkpoint`` passages).

    New passages get their tsvector and embedding; passages of documents whose metadata changed
    since they were indexed get a new tsvector (the title is in it). Removed documents and rewritten
    passages leave with their rows (ON DELETE CASCADE). Embeddings of another model are replaced.
    """
    from researchdesk.store.sqlite import now

    embedder = get_embedder(settings.embedder)
    if embedder is not None and embedder.dim != 384:
        raise ConfigError(
            f"The server store keeps 384-dimensional embeddings; the embedder {embedder.name!r} gives {embedder.dim}.",
            "Use RESEARCHDESK_EMBEDDER=minilm or none with PostgreSQL.",
        )
    conn = _raw(store)
    stamp = now()
    with conn.transaction():
        added = conn.execute(
            f"""INSERT INTO passage_search (passage_id, document_id, tsv, indexed_at)
                SELECT p.id, p.document_id, {_TSV}, %s FROM passages p JOIN documents d ON d.id = p.document_id
                WHERE NOT EXISTS (SELECT 1 FROM passage_search s WHERE s.passage_id = p.id)
                ON CONFLICT (passage_id) DO NOTHING""",
            (stamp,),
        )
        updated = conn.execute(
            f"""UPDATE passage_search s SET tsv = {_TSV}, indexed_at = %s
                FROM passages p JOIN documents d ON d.id = p.document_id
                WHERE s.passage_id = p.id AND d.updated_at >= s.indexed_at AND s.indexed_at < %s""",
            (stamp, stamp),
        )
        count = int(conn.execute("SELECT count(*) FROM passage_search").fetchone()[0])
        row = conn.execute("SELECT ndoc FROM lexeme_stats WHERE lexeme = ''").fetchone()
        if added.rowcount or updated.rowcount or row is None or int(row[0]) != count:
            refresh_lexeme_stats(store)
    done = 0
    if embedder is not None and embed:
        done = _sync_embeddings(store, embedder, settings.embed_batch_size, progress, max(1, checkpoint))
    elif progress is not None:
        progress(0, 0)
    index = PostgresIndex(store, embedder)
    index.embedded_now = done
    return index


def refresh_lexeme_stats(store: Any) -> int:
    """Recount the passages of every lexeme (for choosing a query's candidate words); return the passages."""
    conn = _raw(store)
    with conn.transaction():
        count = int(conn.execute("SELECT count(*) FROM passage_search").fetchone()[0])
        conn.execute("DELETE FROM lexeme_stats")
        conn.execute(
            "INSERT INTO lexeme_stats (lexeme, ndoc) SELECT word, ndoc FROM ts_stat('SELECT tsv FROM passage_search')"
        )
        conn.execute("INSERT INTO lexeme_stats (lexeme, ndoc) VALUES ('', %s)", (count,))
    return count


def _sync_embeddings(
    store: Any, embedder: Embedder, batch_size: int, progress: Progress | None, checkpoint: int
) -> int:
    """Embed the passages without a vector, a claimed checkpoint at a time; return how many this did."""
    conn = _raw(store)
    _register_vector(conn)
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
    _register_vector(conn)
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


class PostgresIndex(SearchIndex):
    """The search index of a server store: it lives in the database, so searching runs SQL.

    A SearchIndex in interface (``search``, ``len``, ``document_ids``, ``max_passage_id``,
    ``semantic_ready``); the in-memory building methods do not apply and are not used.
    """

    def __init__(self, store: Any, embedder: Embedder | None) -> None:
        super().__init__(embedder)
        from researchdesk.store.postgres import PgConnection

        # Its own connections: an index outlives the desk it was synced from (the web app caches it).
        self._pg = PgConnection(store.url)
        conn = self._pg.raw()
        row = conn.execute("SELECT count(*), coalesce(max(passage_id), 0) FROM passage_search").fetchone()
        self._count = int(row[0])
        self._max_id = int(row[1])
        self.embedder_name = passage_space(embedder) if embedder is not None else ""

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        """Close the index's database connections."""
        self._pg.close()

    @property
    def max_passage_id(self) -> int:
        return self._max_id

    def document_ids(self) -> set[int]:
        return {int(r[0]) for r in self._pg.raw().execute("SELECT DISTINCT document_id FROM passage_search")}

    @property
    def semantic_ready(self) -> bool:
        return self.coverage().embedded > 0

    def coverage(self) -> SemanticCoverage:
        """Return how many of the indexed passages have their vector now (counted in the database)."""
        if self.embedder is None:
            return SemanticCoverage(embedded=0, passages=self._count)
        row = (
            self._pg.raw()
            .execute(
                """SELECT count(*) FROM passage_embeddings e
                   WHERE e.model = %s AND EXISTS (SELECT 1 FROM passage_search s WHERE s.passage_id = e.passage_id)""",
                (self.embedder_name,),
            )
            .fetchone()
        )
        return SemanticCoverage(
            embedded=min(int(row[0]), self._count), passages=self._count, model=self.embedder_name
        )

    def pending(self) -> int:
        """Return how many passages wait for their vector."""
        coverage = self.coverage()
        return coverage.passages - coverage.embedded if self.embedder is not None else 0

    def add(
        self,
        passages: Iterable[IndexedPassage],
        progress: Progress | None = None,
        batch_size: int = 64,
        known_vectors: Mapping[int, np.ndarray] | None = None,
        embed: bool = True,
    ) -> int:
        raise NotImplementedError("The server store's index follows the store: call sync_index.")

    def remove_documents(self, document_ids: Iterable[int]) -> int:
        raise NotImplementedError("The server store's index follows the store: call sync_index.")

    # --- searching ------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        top_k: int = 10,
        mode: str = "hybrid",
        filters: Filters | None = None,
        expand: bool = True,
        max_per_document: int | None = DEFAULT_MAX_PER_DOCUMENT,
        feedback: bool = True,
    ) -> SearchResults:
        """Return the ``top_k`` passages best matching ``query`` (same contract as SearchIndex.search)."""
        mode = check_mode(mode)
        text = (query or "").strip()
        if not text:
            raise QueryError(
                "The search query is empty.",
                'Type a few words about what you are looking for, e.g. "barriers to local tobacco policy".',
            )
        if top_k < 1:
            raise QueryError(f"top_k must be at least 1, not {top_k}.", "Ask for 1 or more results.")
        if self._count == 0:
            raise QueryError(
                "The library is empty, so there is nothing to search.",
                "Ingest documents first with `researchdesk ingest PATH`.",
            )
        tokens = tokenize(text)
        if not tokens:
            raise QueryError(
                f"The query {text[:80]!r} has only common words (stop words) that every text contains.",
                'Add words about the topic, e.g. "partnerships with state legislators".',
            )
        notes: list[str] = []
        conn = self._pg.raw()
        lexemes = [
            str(r[0])
            for r in conn.execute(
                "SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s)) ORDER BY positions[1]",
                (TS_CONFIG, text),
            )
        ]
        truncated = len(lexemes) > MAX_QUERY_TERMS
        if truncated:
            lexemes = lexemes[:MAX_QUERY_TERMS]
            notes.append(
                f"The query has more than {MAX_QUERY_TERMS} distinct terms; it was searched with the first "
                f"{MAX_QUERY_TERMS} of them."
            )
        expansions: list[Expansion] = []
        if expand and not truncated:
            expansions = find_expansions(text)
        elif expand and truncated:
            notes.append("A query this long is not expanded with synonyms.")
        coverage = self.coverage()
        used = semantic_fallback(mode, self.embedder is not None, coverage, notes)
        results = SearchResults(
            query=text,
            mode=used,
            hits=[],
            terms=list(dict.fromkeys(tokens)),
            expanded_terms=[phrase for e in expansions for phrase in e.added],
            notes=notes,
            semantic_index=coverage,
        )
        allowed = self._allowed(filters)
        if allowed is not None and not allowed:
            notes.append("No document in the library passes the filters; nothing was searched.")
            return results
        user_q = _or_query(self._candidate_lexemes(lexemes))
        rank_q = _or_query(lexemes)
        exp_q = self._expansion_query(expansions, set(lexemes)) if expansions else ""
        depth = max(FUSION_DEPTH, top_k * 5)
        vector = self._query_vector(text, notes) if used in ("semantic", "hybrid") else None
        lex = self._lexical(user_q, rank_q, exp_q, allowed, depth) if used in ("lexical", "hybrid") else None
        if vector is not None and feedback:
            vector = self._feedback(vector, lex, allowed, depth)
        while True:
            sem = self._semantic(vector, allowed, depth) if vector is not None else None
            order, score_of, doc_of = self._fuse(lex, sem)
            kept = _cap(order, doc_of, max_per_document)
            exhausted = all(r is None or len(r) < depth for r in (lex, sem))
            if len(kept) >= top_k or exhausted or depth >= self._count:
                break
            depth *= 4
            if lex is not None:
                lex = self._lexical(user_q, rank_q, exp_q, allowed, depth)
        if not kept and used == "lexical":
            notes.append("No passage contains any of the query terms.")
        rows = kept[:top_k]
        lex_rank = {pid: i for i, (pid, _d, _s) in enumerate(lex or [], start=1)}
        sem_rank = {pid: i for i, (pid, _d, _s) in enumerate(sem or [], start=1)}
        words = set(tokens)
        added = expansion_terms(expansions, words)
        words.update(added.weights)
        for rank, (pid, p) in enumerate(self._passages(rows), start=1):
            present = set(tokenize(p.text)) if added.phrases else set()
            matchable = set(words)
            for phrase, _w in added.phrases:
                if present.issuperset(phrase):
                    matchable.update(phrase)
            results.hits.append(
                SearchHit(
                    passage_id=pid,
                    document_id=p.document_id,
                    score=round(float(score_of[pid]), 6),
                    rank=rank,
                    title=p.title,
                    date=p.date,
                    file_name=p.file_name,
                    section=p.section,
                    page=p.page,
                    start=p.start,
                    end=p.end,
                    text=p.text,
                    source_type=p.source_type,
                    matched_terms=matched_words(p.text, matchable),
                    lexical_rank=lex_rank.get(pid),
                    semantic_rank=sem_rank.get(pid),
                )
            )
        return results

    def _allowed(self, filters: Filters | None) -> list[int] | None:
        """Return the ids of the documents the filters accept (None = every document)."""
        if filters is None or filters.is_empty():
            return None
        docs = [
            DocumentInfo(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6])
            for r in self._pg.raw().execute(
                "SELECT id, title, date, source_type, publisher, container, file_name FROM documents"
            )
        ]
        return sorted(filters.accepted(docs))

    def _expansion_query(self, expansions: Sequence[Expansion], user_lexemes: set[str]) -> str:
        """Return the tsquery text of the expansions: their words and whole phrases, OR-ed."""
        conn = self._pg.raw()
        parts: list[str] = []
        for expansion in expansions:
            for phrase in expansion.added:
                q = conn.execute(
                    "SELECT phraseto_tsquery(%s::regconfig, %s)::text", (TS_CONFIG, phrase)
                ).fetchone()[0]
                if q and q.strip("'") not in user_lexemes:
                    parts.append(f"({_restrict(q)})")
        return " | ".join(dict.fromkeys(parts))

    def _candidate_lexemes(self, lexemes: list[str]) -> list[str]:
        """Return the query lexemes that draw candidates: those in at most CANDIDATE_SHARE of passages.

        Ranking still counts every lexeme; a passage that has only the library's most common words
        of the query is left out (matching one costs a tsvector check per passage). When every word
        is common, the two rarest draw the candidates.
        """
        if self._count <= MIN_CANDIDATE_CAP or not lexemes:
            return lexemes
        df = dict(
            self._pg.raw()
            .execute("SELECT lexeme, ndoc FROM lexeme_stats WHERE lexeme = ANY(%s)", (lexemes,))
            .fetchall()
        )
        cap = max(MIN_CANDIDATE_CAP, CANDIDATE_SHARE * self._count)
        specific = [x for x in lexemes if int(df.get(x, 0)) <= cap]
        return specific or sorted(lexemes, key=lambda x: int(df.get(x, 0)))[:2]

    def _lexical(
        self, user_q: str, rank_q: str, exp_q: str, allowed: list[int] | None, depth: int
    ) -> list[tuple[int, int, float]]:
        """Return (passage id, document id, score) of the best full-text matches, best first."""
        match = " | ".join(f"({q})" for q in (user_q, exp_q) if q)
        if not match:
            return []
        where = "AND s.document_id = ANY(%(docs)s)" if allowed is not None else ""
        rows = (
            self._pg.raw()
            .execute(
                f"""SELECT s.passage_id, s.document_id,
                       ts_rank(%(w)s::float4[], s.tsv, %(u)s::tsquery, 1)
                       + %(ew)s * ts_rank(%(w)s::float4[], s.tsv, %(e)s::tsquery, 1) AS score
                FROM passage_search s
                WHERE s.tsv @@ %(m)s::tsquery {where}
                ORDER BY score DESC, s.passage_id LIMIT %(k)s""",
                {
                    "w": RANK_WEIGHTS,
                    "u": _unrestrict(rank_q) or "",
                    "e": _unrestrict(exp_q) or "",
                    "ew": EXPANSION_WEIGHT,
                    "m": match,
                    "docs": allowed,
                    "k": depth,
                },
            )
            .fetchall()
        )
        return [(int(r[0]), int(r[1]), float(r[2])) for r in rows if float(r[2]) > 0]

    def _fuse(
        self, lex: list[tuple[int, int, float]] | None, sem: list[tuple[int, int, float]] | None
    ) -> tuple[list[int], dict[int, float], dict[int, int]]:
        """Return passage ids in fused order, their scores, and each one's document (the index's fusion
        settings, as ``SearchIndex`` uses them)."""
        doc_of = {pid: did for ranked in (lex or [], sem or []) for pid, did, _s in ranked}
        if lex is not None and sem is not None:
            fused = fuse(
                [p for p, _d, _s in lex],
                [s for _p, _d, s in lex],
                [p for p, _d, _s in sem],
                [s for _p, _d, s in sem],
                self.fusion,
            )
            return [p for p, _ in fused], dict(fused), doc_of
        ranked = lex if lex is not None else sem
        assert ranked is not None
        return [p for p, _d, _s in ranked], {p: s for p, _d, s in ranked}, doc_of

    def _feedback(
        self,
        vector: np.ndarray,
        lex: list[tuple[int, int, float]] | None,
        allowed: list[int] | None,
        depth: int,
    ) -> np.ndarray:
        """Return the query vector moved toward the first pass's top documents (SearchIndex's feedback)."""
        conn = self._pg.raw()
        assert self.embedder is not None
        where = "AND document_id = ANY(%s)" if allowed is not None else ""
        params: tuple[Any, ...] = (
            (self.embedder_name, allowed) if allowed is not None else (self.embedder_name,)
        )
        row = conn.execute(f"SELECT count(*) FROM passage_embeddings WHERE model = %s {where}", params)
        searched = int(row.fetchone()[0])
        pool, weight = feedback_plan(searched, self.feedback_passages, self.feedback_weight)
        if not pool:
            return vector
        order, _scores, doc_of = self._fuse(lex, self._semantic(vector, allowed, depth))
        top = _cap(order, doc_of, 1)[:pool]
        assert self.embedder is not None
        rows = conn.execute(
            "SELECT embedding::real[] FROM passage_embeddings WHERE model = %s AND passage_id = ANY(%s)",
            (passage_space(self.embedder), top),
        ).fetchall()
        top_vectors = np.array([r[0] for r in rows], dtype=np.float32)
        return feedback_query(vector, top_vectors.reshape(-1, len(vector)), weight)

    def _semantic(
        self, vector: np.ndarray, allowed: list[int] | None, depth: int
    ) -> list[tuple[int, int, float]]:
        """Return (passage id, document id, cosine similarity) of the nearest passages, best first."""
        assert self.embedder is not None
        conn = self._pg.raw()
        _register_vector(conn)
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
                    "m": passage_space(self.embedder),
                    "docs": allowed,
                    "k": depth,
                },
            ).fetchall()
        return [(int(r[0]), int(r[1]), float(r[2])) for r in rows]

    def _passages(self, ids: list[int]) -> list[tuple[int, IndexedPassage]]:
        """Return the passages with their document attributes, in the order of ``ids``."""
        if not ids:
            return []
        rows = (
            self._pg.raw()
            .execute(
                """SELECT p.id, p.document_id, p.text, p.section, p.page, p.start, p."end", d.title, d.date,
                      d.source_type, d.publisher, d.container, d.file_name
               FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.id = ANY(%s)""",
                (ids,),
            )
            .fetchall()
        )
        found = {int(r[0]): IndexedPassage.from_row(r) for r in rows}
        return [(pid, found[pid]) for pid in ids if pid in found]


def _quote_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _or_query(lexemes: Sequence[str]) -> str:
    """Return a tsquery matching any of the lexemes in a passage's heading or text (weights B, C)."""
    return " | ".join(f"{_quote_lexeme(x)}:BC" for x in dict.fromkeys(lexemes))


def _restrict(tsquery_text: str) -> str:
    """Return a tsquery's text with every operand restricted to weights B and C."""
    import re

    return re.sub(r"('(?:[^']|'')*')(:[A-D*]+)?", r"\1:BC", tsquery_text)


def _unrestrict(tsquery_text: str) -> str:
    """Return the tsquery text without weight restrictions (ranking counts the title too)."""
    import re

    return re.sub(r"('(?:[^']|'')*'):BC", r"\1", tsquery_text)


def _cap(order: list[int], doc_of: dict[int, int], cap: int | None) -> list[int]:
    """Return ``order`` keeping at most ``cap`` passages per document (the embedded index's rule)."""
    groups = np.array([doc_of[p] for p in order], dtype=np.int64)
    kept = cap_per_group(list(range(len(order))), groups, cap)
    return [order[i] for i in kept]
