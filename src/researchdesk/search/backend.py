"""What a search backend is: a place that keeps passages and answers the pipeline's few questions.

``pipeline.search`` runs every search the same way; a backend only says how many passages it has,
how many have their vector, which documents it holds (for the filters), how common a term is, and
gives candidates: the BM25 scores of a weighted query (``lexical_candidates``) and the passages nearest a
vector (``semantic_candidates``), then the records of the passages that made the cut. As httpx's transports
do for requests, a backend owns its storage and its format and nothing else. Two ship with the
desk: ``index.SearchIndex`` (the embedded index's files) and ``postgres.PostgresIndex`` (tables of
the server store); ``backends.backend_kind`` says which one a store gets.

Passages are named by *keys*, integers the backend chooses (a row of the embedded index, a passage
id in PostgreSQL) that must sort as the passage ids do: ties in any ranking go to the smaller key,
so both backends break them alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from researchdesk.models import IndexedPassage
from researchdesk.search.catalog import DocumentInfo
from researchdesk.search.embed import Embedder
from researchdesk.search.fusion import FusionSettings, top_indices
from researchdesk.search.results import SemanticCoverage
from researchdesk.settings import SearchSettings


@dataclass(frozen=True)
class LexicalQuery:
    """What BM25 is asked: term -> weight (1.0 per occurrence in the query, less for a thesaurus
    synonym) and phrases (words, weight) that count only where all their words are."""

    weights: dict[str, float]
    phrases: list[tuple[tuple[str, ...], float]] = field(default_factory=list)

    def words(self) -> list[str]:
        """Return every word the query needs the postings of: its terms, then its phrases' words."""
        return list(dict.fromkeys([*self.weights, *(w for words, _ in self.phrases for w in words)]))


@dataclass(frozen=True)
class Ranked:
    """A ranked list of candidates, best first: keys, their scores and their documents."""

    keys: np.ndarray
    scores: np.ndarray
    documents: np.ndarray

    def __len__(self) -> int:
        return int(self.keys.size)

    def ranks(self) -> dict[int, int]:
        """Return key -> rank (1-based)."""
        return {int(k): i for i, k in enumerate(self.keys.tolist(), start=1)}


@dataclass(frozen=True)
class Scored:
    """Candidates with a score each (BM25: zero where a passage has none of the words or is filtered
    out). ``keys`` None means the candidates are the keys 0, 1, ... (every row of an index)."""

    scores: np.ndarray
    documents: np.ndarray
    keys: np.ndarray | None = None

    def top(self, depth: int) -> Ranked:
        """Return the ``depth`` best candidates with a score above zero, best first (ties by key)."""
        rows = top_indices(self.scores, depth, floor=0.0)
        keys = rows if self.keys is None else self.keys[rows]
        return Ranked(keys, self.scores[rows], self.documents[rows])


class SearchBackend(Protocol):
    """The storage side of search (see the module's docstring); ``pipeline.search`` is the rest."""

    embedder: Embedder | None
    tuning: SearchSettings  # the settings' ``search`` section; the three below are its values
    fusion: FusionSettings
    feedback_passages: int
    feedback_weight: float

    def __len__(self) -> int:
        """Return how many passages can be searched."""
        ...

    def coverage(self) -> SemanticCoverage:
        """Return how many of the passages have their vector."""
        ...

    def documents(self) -> Iterable[DocumentInfo]:
        """Return the attributes of the documents searched (the filters decide on them)."""
        ...

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Return how many passages contain each of ``terms`` (absent or 0: none)."""
        ...

    def lexical_candidates(self, query: LexicalQuery, allowed: frozenset[int] | None) -> Scored:
        """Return the BM25 scores of the passages for ``query``, zero outside the ``allowed`` documents."""
        ...

    def semantic_candidates(self, vector: np.ndarray, allowed: frozenset[int] | None, depth: int) -> Ranked:
        """Return the ``depth`` embedded passages nearest ``vector`` (cosine), of ``allowed`` documents."""
        ...

    def embedded_count(self, allowed: frozenset[int] | None) -> int:
        """Return how many passages of the ``allowed`` documents have their vector."""
        ...

    def feedback_vectors(self, keys: Sequence[int]) -> np.ndarray:
        """Return the vectors of those of ``keys`` that have one, in the order of ``keys``."""
        ...

    def passages(self, keys: Sequence[int]) -> dict[int, IndexedPassage]:
        """Return the records of the passages of ``keys`` by key (one removed meanwhile is left out)."""
        ...
