"""What the REST API answers about the library (/api/v1/search, /documents): one model per shape.

Built from the library's typed objects (``Document``, ``Passage``, ``SearchResults``), like the work's
answers in ``api_models.py``.
"""

from __future__ import annotations

from pydantic import Field

from researchdesk.models import Document, Passage, SourceType
from researchdesk.search.results import SearchResults
from researchdesk.web.api_models import ApiModel


class DocumentMetaOut(ApiModel):
    """A document's bibliographic description; "" means unknown."""

    title: str
    authors: list[str]
    publisher: str
    container: str = Field(description="The journal, series or website it appeared in.")
    date: str = Field(description="ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD.")
    url: str
    doi: str
    source_type: SourceType
    language: str
    abstract: str
    keywords: list[str]
    linked_file: str


class PassageOut(ApiModel):
    """A passage of a document: its place, character offsets into the document's text, and its text."""

    seq: int
    start: int
    end: int
    section: str
    page: int | None
    text: str


class DocumentOut(ApiModel):
    """A library document's description and passages (without its full text)."""

    id: int
    meta: DocumentMetaOut
    file_name: str
    format: str
    size: int
    pages: int
    added_at: str
    passages: list[PassageOut]

    @classmethod
    def of_document(cls, doc: Document, passages: list[Passage]) -> DocumentOut:
        return cls(
            id=doc.id,
            meta=DocumentMetaOut.of(doc.meta),
            file_name=doc.file_name,
            format=doc.format,
            size=doc.size,
            pages=doc.pages,
            added_at=doc.added_at,
            passages=[PassageOut.of(p) for p in passages],
        )


class SearchHitOut(ApiModel):
    """One ranked passage: where it is, its text, and how it ranked."""

    passage_id: int
    document_id: int
    score: float
    rank: int
    title: str
    date: str
    file_name: str
    section: str
    page: int | None
    start: int
    end: int
    text: str
    source_type: str
    matched_terms: list[str]
    lexical_rank: int | None = Field(description="Its rank by words; null when words did not find it.")
    semantic_rank: int | None = Field(description="Its rank by meaning; null when meaning did not find it.")


class CoverageOut(ApiModel):
    """How much of the library semantic search reaches: passages with their vector, of all passages."""

    embedded: int
    passages: int
    percent: int
    complete: bool
    model: str


class SearchOut(ApiModel):
    """Hits in rank order, and the account of the search: the mode used, terms, expansions, notes."""

    query: str
    mode: str
    terms: list[str] = Field(description="The query's own terms (stems).")
    expanded_terms: list[str] = Field(description="Thesaurus phrases added to them.")
    notes: list[str] = Field(description="What the caller should know (a mode that fell back, ...).")
    semantic_index: CoverageOut | None
    hits: list[SearchHitOut]

    @classmethod
    def of_results(cls, results: SearchResults) -> SearchOut:
        coverage = results.semantic_index
        return cls(
            query=results.query,
            mode=results.mode,
            terms=results.terms,
            expanded_terms=results.expanded_terms,
            notes=results.notes,
            semantic_index=None if coverage is None else CoverageOut.of(coverage),
            hits=[SearchHitOut.of(hit) for hit in results.hits],
        )


# --- uploads --------------------------------------------------------------------------------------


class RejectedFile(ApiModel):
    name: str = Field(..., description="The file's name as kept (folders and odd characters removed).")
    reason: str
    hint: str


class UploadAccepted(ApiModel):
    """Some files were accepted: their ingest job, and the files refused with the reason for each."""

    job_id: str
    url: str = Field(..., description="Where to follow the ingest job.")
    accepted: list[str]
    rejected: list[RejectedFile]
