"""The one search pipeline: every store's search runs these steps, and only the candidates differ.

    validate the query -> its terms (the 64 rarest of a long query) and thesaurus expansions
    -> the mode it can run in (how much of the library is embedded) -> the filters' documents
    -> the backend's lexical and semantic candidates (``backend.SearchBackend``)
    -> embedding feedback -> fusion and the per-document cap (deeper when the cap leaves too few)
    -> hits with their matched words

A backend (``index.SearchIndex`` over the embedded index's files, ``postgres.PostgresIndex`` in the
server store) keeps passages in its own format and answers a few questions about them; everything a
user sees of a search (notes, terms, order, scores) is decided here, once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal, cast

import numpy as np

from researchdesk.errors import QueryError, UnknownChoice
from researchdesk.models import SearchHit
from researchdesk.search.backend import LexicalQuery, Ranked, Scored, SearchBackend
from researchdesk.search.embed import Embedder, passage_space
from researchdesk.search.expand import Expansion, expansion_terms, find_expansions
from researchdesk.search.filters import Filters
from researchdesk.search.fusion import FusionSettings, cap_per_group, fuse
from researchdesk.search.highlight import matched_words
from researchdesk.search.results import SearchResults, SemanticCoverage
from researchdesk.search.semantic import feedback_plan, feedback_query
from researchdesk.search.tokenize import tokenize
from researchdesk.settings import SearchSettings

MODES = ("hybrid", "lexical", "semantic")
# A pasted page of text is searched by its most specific terms, not all of them: each term costs a
# pass over its postings, and common words add only noise.
MAX_QUERY_TERMS = 64
# Query text beyond this many characters is not embedded: a passage's worth bounds the work.
MAX_QUERY_CHARS = 1500
# ``max_per_document`` left to the backend's search settings (``SearchSettings.max_per_document``).
Cap = int | None | Literal["setting"]


def check_mode(mode: str) -> str:
    """Return the search mode normalised, or raise UnknownChoice listing the modes."""
    value = str(mode).strip().lower()
    if value not in MODES:
        raise UnknownChoice("search mode", mode, MODES)
    return value


def semantic_fallback(mode: str, has_embedder: bool, coverage: SemanticCoverage, notes: list[str]) -> str:
    """Return the mode a search runs in, given how much of the library is embedded, noting why.

    Hybrid runs as soon as one passage has its vector: passages still waiting are found by their
    words alone (the fusion gives them the semantic list's lowest score). Semantic search reaches
    the embedded passages only, and is refused while none is.
    """
    if mode not in ("semantic", "hybrid"):
        return mode
    if not has_embedder:
        if mode == "semantic":
            raise QueryError(
                "Semantic search is not available: the index has no embeddings.",
                "Set RESEARCHDESK_EMBEDDER=minilm so the library is embedded, or use --mode lexical.",
            )
        notes.append("Semantic search is off (no embedding model configured); results are lexical only.")
        return "lexical"
    if coverage.embedded == 0:
        if mode == "semantic":
            raise QueryError(
                f"Semantic search is not available yet: {coverage.line()}.",
                "Run `researchdesk index embed` (or let the worker finish), or use --mode lexical.",
            )
        notes.append(f"{coverage.line()}: no passage is embedded yet, so results are lexical only.")
        return "lexical"
    if not coverage.complete:
        reach = "by their words alone" if mode == "hybrid" else "not at all in semantic mode"
        notes.append(f"{coverage.line()}; the passages still waiting for their vector are found {reach}.")
    return mode


def validate(backend: SearchBackend, query: str | None, top_k: int) -> tuple[str, list[str]]:
    """Return the query's text and tokens, or raise QueryError saying what to type instead."""
    text = (query or "").strip()
    if not text:
        raise QueryError(
            "The search query is empty.",
            'Type a few words about what you are looking for, e.g. "barriers to local tobacco policy".',
        )
    if top_k < 1:
        raise QueryError(f"top_k must be at least 1, not {top_k}.", "Ask for 1 or more results.")
    if len(backend) == 0:
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
    return text, tokens


def most_specific(counts: Counter[str], tokens: Sequence[str], df: Mapping[str, int]) -> Counter[str]:
    """Return the MAX_QUERY_TERMS query terms that are rarest in the library (unknown terms last,
    ties in query order)."""
    first = {t: i for i, t in reversed(list(enumerate(tokens)))}

    def key(term: str) -> tuple[bool, int, int]:
        n = int(df.get(term, 0))
        return (n == 0, n, first[term])

    keep = sorted(counts, key=key)[:MAX_QUERY_TERMS]
    return Counter({t: counts[t] for t in keep})


def query_terms(
    backend: SearchBackend, text: str, tokens: list[str], expand: bool, notes: list[str]
) -> tuple[list[str], LexicalQuery, list[Expansion]]:
    """Return the user's terms, the weighted lexical query (with expansions) and the expansions used."""
    counts = Counter(tokens)
    truncated = len(counts) > MAX_QUERY_TERMS
    if truncated:
        counts = most_specific(counts, tokens, backend.document_frequencies(list(counts)))
        notes.append(
            f"The query has {len(set(tokens))} distinct terms; it was searched with the "
            f"{MAX_QUERY_TERMS} most specific of them (the rarest in the library)."
        )
    weights: dict[str, float] = {t: float(c) for t, c in counts.items()}
    phrases: list[tuple[tuple[str, ...], float]] = []
    expansions: list[Expansion] = []
    if expand and not truncated:
        expansions = find_expansions(text)
        added = expansion_terms(expansions, set(weights))
        weights.update(added.weights)
        phrases = added.phrases
    elif expand and truncated:
        notes.append("A query this long is not expanded with synonyms.")
    return list(counts), LexicalQuery(weights, phrases), expansions


def search(
    backend: SearchBackend,
    query: str,
    top_k: int = 10,
    mode: str = "hybrid",
    filters: Filters | None = None,
    expand: bool = True,
    max_per_document: Cap = "setting",
    feedback: bool = True,
) -> SearchResults:
    """Return the ``top_k`` passages of ``backend`` best matching ``query``, at most ``max_per_document``
    per document (None: no cap; by default the backend's search settings say).

    ``mode`` is "hybrid" (BM25 and embeddings fused by their standardized scores), "lexical" or
    "semantic". ``expand`` adds thesaurus synonyms at a lower weight (lexical side only: the
    embedding model knows synonyms already). ``feedback`` (semantic and hybrid modes) searches
    the embeddings twice: the second time with the query vector moved toward the best passages
    of the first pass's top documents.
    """
    mode = check_mode(mode)
    text, tokens = validate(backend, query, top_k)
    cap = (backend.tuning.max_per_document or None) if max_per_document == "setting" else max_per_document
    notes: list[str] = []
    terms, lexical_query, expansions = query_terms(backend, text, tokens, expand, notes)
    coverage = backend.coverage()
    used = semantic_fallback(mode, backend.embedder is not None, coverage, notes)
    results = SearchResults(
        query=text,
        mode=used,
        hits=[],
        terms=terms,
        expanded_terms=[phrase for e in expansions for phrase in e.added],
        notes=notes,
        semantic_index=coverage,
    )
    allowed: frozenset[int] | None = None
    if filters is not None and not filters.is_empty():
        allowed = frozenset(filters.accepted(backend.documents()))
        if not allowed:
            notes.append("No document in the library passes the filters; nothing was searched.")
            return results

    lexical = backend.lexical_candidates(lexical_query, allowed) if used in ("lexical", "hybrid") else None
    vector = None
    if used in ("semantic", "hybrid"):
        vector = _query_vector(backend, text, notes)
        if feedback:
            searched = backend.embedded_count(allowed)
            pool, weight = feedback_plan(searched, backend.feedback_passages, backend.feedback_weight)
            if pool:
                # The best passage of each of the top documents: one long document's vocabulary
                # should not become the query's (on the sample library, top-10 passages from any
                # documents cut the distinct sources in a top 10 from 5.9 to 5.3; this raises it to 6.4).
                first = _rank(backend, lexical, vector, allowed, pool, 1)
                vector = feedback_query(vector, backend.feedback_vectors(first.keys), weight)
    ranking = _rank(backend, lexical, vector, allowed, top_k, cap)
    if not ranking.keys and used == "lexical":
        notes.append("No passage contains any of the query terms.")
    matchable = set(lexical_query.weights)
    found = backend.passages(ranking.keys)
    for rank, key in enumerate((k for k in ranking.keys if k in found), start=1):
        passage = found[key]
        words = set(matchable)
        if lexical_query.phrases:
            present = set(tokenize(passage.text)) | set(tokenize(passage.section))
            for phrase, _weight in lexical_query.phrases:
                if present.issuperset(phrase):
                    words.update(phrase)
        results.hits.append(
            SearchHit(
                passage_id=passage.passage_id,
                document_id=passage.document_id,
                score=round(float(ranking.scores[key]), 6),
                rank=rank,
                title=passage.title,
                date=passage.date,
                file_name=passage.file_name,
                section=passage.section,
                page=passage.page,
                start=passage.start,
                end=passage.end,
                text=passage.text,
                source_type=passage.source_type,
                matched_terms=matched_words(passage.text, words),
                lexical_rank=ranking.lexical_rank.get(key),
                semantic_rank=ranking.semantic_rank.get(key),
            )
        )
    return results


def _query_vector(backend: SearchBackend, text: str, notes: list[str]) -> np.ndarray:
    """Return the query's embedding (of its first MAX_QUERY_CHARS characters, noted when cut)."""
    assert backend.embedder is not None
    if len(text) > MAX_QUERY_CHARS:
        notes.append(f"Only the first {MAX_QUERY_CHARS} characters of the query were embedded.")
        text = text[:MAX_QUERY_CHARS]
    return backend.embedder.encode([text], batch_size=1)[0]


class Ranking:
    """The final order of a search: passage keys, their scores, and their ranks in either list."""

    def __init__(
        self, keys: list[int], scores: dict[int, float], lexical: Ranked | None, semantic: Ranked | None
    ) -> None:
        self.keys = keys
        self.scores = scores
        self.lexical_rank = lexical.ranks() if lexical is not None else {}
        self.semantic_rank = semantic.ranks() if semantic is not None else {}


def _rank(
    backend: SearchBackend,
    lexical: Scored | None,
    vector: np.ndarray | None,
    allowed: frozenset[int] | None,
    top_k: int,
    cap: int | None,
) -> Ranking:
    """Return the ``top_k`` passages of the fused lists, at most ``cap`` per document.

    Each list goes the search settings' ``fusion_depth`` deep (or 5 x top_k); four times deeper, again,
    while the cap leaves fewer than ``top_k`` and a list still has more to give.
    """
    n = len(backend)
    depth = max(backend.tuning.fusion_depth, top_k * 5)
    while True:
        lex = lexical.top(depth) if lexical is not None else None
        sem = backend.semantic_candidates(vector, allowed, depth) if vector is not None else None
        document_of: dict[int, int] = {}
        for ranked in (lex, sem):
            if ranked is not None:
                document_of.update(zip(ranked.keys.tolist(), ranked.documents.tolist(), strict=True))
        if lex is not None and sem is not None:
            fused = fuse(lex.keys.tolist(), lex.scores, sem.keys.tolist(), sem.scores, backend.fusion)
            order = [key for key, _ in fused]
            score_of = dict(fused)
        else:
            ranked = lex if lex is not None else sem
            assert ranked is not None
            order = ranked.keys.tolist()
            score_of = dict(zip(order, ranked.scores.tolist(), strict=True))
        kept = cap_per_group(order, document_of, cap)
        exhausted = all(r is None or len(r) < depth for r in (lex, sem))
        if len(kept) >= top_k or exhausted or depth >= n:
            break
        depth *= 4
    rows = kept[:top_k]
    return Ranking(rows, {r: float(score_of[r]) for r in rows}, lex, sem)


class PipelineSearch:
    """What both backends share: the embedder and the search settings they were made with, and ``search``
    (``pipeline.search`` over the backend). A backend subclasses it and answers ``backend.SearchBackend``.

    ``fusion``, ``feedback_passages`` and ``feedback_weight`` are the settings' values, kept as fields
    so a benchmark can weigh another fusion or feedback on one loaded index.
    """

    def __init__(self, embedder: Embedder | None, tuning: SearchSettings | None = None) -> None:
        self.embedder = embedder
        self.embedder_name = passage_space(embedder) if embedder is not None else ""
        self.tuning = tuning or SearchSettings()
        self.fusion = FusionSettings.of(self.tuning)
        self.feedback_passages = self.tuning.feedback_passages
        self.feedback_weight = self.tuning.feedback_weight
        self.embedded_now = 0  # passages this process embedded in its last sync (``search.desk``)

    def search(
        self,
        query: str,
        top_k: int = 10,
        mode: str = "hybrid",
        filters: Filters | None = None,
        expand: bool = True,
        max_per_document: Cap = "setting",
        feedback: bool = True,
    ) -> SearchResults:
        """Return the ``top_k`` passages best matching ``query`` (``search`` over this backend)."""
        backend = cast(SearchBackend, self)
        return search(backend, query, top_k, mode, filters, expand, max_per_document, feedback)
