"""What a search gives back: ranked passage hits, plus what was searched and how."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from researchdesk.models import SearchHit


@dataclass(frozen=True)
class SemanticCoverage:
    """How much of the library semantic search reaches: passages with their vector, of all passages."""

    embedded: int
    passages: int
    model: str = ""

    @property
    def complete(self) -> bool:
        """Return True when every passage has its vector."""
        return self.embedded >= self.passages

    @property
    def percent(self) -> int:
        """Return the embedded share in whole percent (rounded down: 100 only when complete)."""
        return 100 if self.complete else (100 * self.embedded) // max(self.passages, 1)

    def line(self) -> str:
        """Return the coverage for people: "semantic index: 4,120 of 10,365 passages (39 %)"."""
        return f"semantic index: {self.embedded:,} of {self.passages:,} passages ({self.percent} %)"

    def to_dict(self) -> dict[str, Any]:
        """Return the coverage as JSON-ready data."""
        return {
            "embedded": self.embedded,
            "passages": self.passages,
            "percent": self.percent,
            "complete": self.complete,
            "model": self.model,
        }


@dataclass
class DocumentHit:
    """A document in a result list: its best passage and how many of its passages were hit."""

    document_id: int
    title: str
    score: float
    rank: int
    best: SearchHit
    passages: int


@dataclass
class SearchResults:
    """Hits in rank order and the account of the search: mode used, terms, expansions, notes.

    ``terms`` are the user's own query tokens (stems), ``expanded_terms`` the thesaurus phrases that
    were added to them (to show the user), ``notes`` anything the user should know (a truncated
    query, a mode that fell back to lexical, filters that excluded everything), ``semantic_index``
    how much of the library had its vector when the search ran.
    """

    query: str
    mode: str
    hits: list[SearchHit]
    terms: list[str] = field(default_factory=list)
    expanded_terms: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    semantic_index: SemanticCoverage | None = None

    def __len__(self) -> int:
        return len(self.hits)

    def documents(self) -> list[DocumentHit]:
        """Return the hits aggregated to documents, ranked by each document's best passage."""
        docs: dict[int, DocumentHit] = {}
        for hit in self.hits:
            doc = docs.get(hit.document_id)
            if doc is None:
                docs[hit.document_id] = DocumentHit(hit.document_id, hit.title, hit.score, 0, hit, 1)
            else:
                doc.passages += 1
        ranked = list(docs.values())
        for rank, doc in enumerate(ranked, start=1):
            doc.rank = rank
        return ranked

    def to_dict(self) -> dict[str, Any]:
        """Return the results as JSON-ready data."""
        return {
            "query": self.query,
            "mode": self.mode,
            "terms": list(self.terms),
            "expanded_terms": list(self.expanded_terms),
            "notes": list(self.notes),
            "semantic_index": self.semantic_index.to_dict() if self.semantic_index is not None else None,
            "hits": [asdict(hit) for hit in self.hits],
        }
