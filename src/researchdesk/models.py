"""Plain data passed between the stages of the desk: no I/O here.

Offsets are always character offsets into ``Document.text`` (Python ``str`` indices), so that
``document.text[start:end]`` is exactly the passage, sentence or quote they describe.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class SourceType(StrEnum):
    JOURNAL_ARTICLE = "journal article"
    REPORT = "report"
    NEWS_WEB = "news/web"
    CASE_STUDY = "case study"
    DATASET = "dataset"
    OUR_PRODUCT = "our product"
    OTHER = "other"


class Role(StrEnum):
    """What a quote says about the request."""

    BARRIER = "barrier"
    FACILITATOR = "facilitator"
    DEFINITION = "definition"
    EXAMPLE = "example"
    STATISTIC = "statistic"
    RESEARCH_GAP = "research gap"
    RECOMMENDATION = "recommendation"
    CONTEXT = "context"


# How a brief groups quotes, the service's way: what hinders (gaps in the evidence included), what
# helps (associations with success and recommendations included), then the groups without a direction.
ROLE_GROUPS: tuple[tuple[tuple[Role, ...], str], ...] = (
    ((Role.CONTEXT, Role.DEFINITION), ""),
    ((Role.BARRIER, Role.RESEARCH_GAP), "Barriers"),
    ((Role.FACILITATOR, Role.RECOMMENDATION), "Facilitators"),
    ((Role.EXAMPLE,), "Examples"),
    ((Role.STATISTIC,), "Statistics"),
)


def heading_of(role: Role | str) -> str:
    """Return the brief heading a quote of this role is filed under ("" for unlabelled context)."""
    for roles, heading in ROLE_GROUPS:
        if role in roles:
            return heading
    return ""


class ReviewStatus(StrEnum):
    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EDITED = "edited"


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list item"
    TABLE_ROW = "table row"
    CAPTION = "caption"


# Metadata fields a user may correct with `researchdesk library edit`.
META_FIELDS: tuple[str, ...] = (
    "title",
    "authors",
    "publisher",
    "container",
    "date",
    "url",
    "doi",
    "source_type",
    "language",
    "abstract",
)

# Fields a source needs to be citable; missing ones are reported, never invented.
CITATION_FIELDS: tuple[str, ...] = ("title", "publisher_or_container", "date", "url_or_doi")


def normalize_title(title: str) -> str:
    """Return a key for duplicate detection: lower case, no accents, punctuation or extra spaces.

    The library's duplicate check (a document's ``norm_title``) and the readers share this one key.
    """
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass
class DocumentMeta:
    """Bibliographic description of a document; empty strings mean unknown."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    container: str = ""  # journal, series or website the document appeared in
    date: str = ""  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    url: str = ""
    doi: str = ""
    source_type: SourceType = SourceType.OTHER
    language: str = ""
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    linked_file: str = ""  # a bibliographic record's file (path or name) when it names one

    def missing(self) -> list[str]:
        """Return the citation fields this description lacks."""
        gaps = []
        if not self.title:
            gaps.append("title")
        if not (self.publisher or self.container):
            gaps.append("publisher or container")
        if not self.date:
            gaps.append("date")
        if not (self.url or self.doi):
            gaps.append("link or DOI")
        return gaps


@dataclass
class Block:
    """A unit of text as a reader found it: a paragraph, a heading, a list item or a table row.

    ``label`` carries a table's own labels for a row (column header or row group such as
    "Barriers"), ``page`` the 1-based page for paginated formats.
    """

    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    page: int | None = None
    label: str = ""
    level: int = 0  # heading level (1 = top)


@dataclass
class ReadResult:
    """What a reader gives back: the document's description and its text as blocks."""

    meta: DocumentMeta
    blocks: list[Block]
    format: str  # "pdf", "docx", "html", "text", "markdown", "ris", "bibtex", "csl-json"
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    # Pages read by OCR: {"engine": ..., "pages": {"3": mean word confidence 0-100, ...}}; empty when none.
    ocr: dict[str, Any] = field(default_factory=dict)


@dataclass
class Passage:
    """A span of a document's text: the unit of retrieval."""

    document_id: int
    seq: int
    start: int
    end: int
    text: str
    section: str = ""
    page: int | None = None
    kind: BlockKind = BlockKind.PARAGRAPH
    label: str = ""
    id: int = 0


@dataclass
class Sentence:
    document_id: int
    passage_seq: int
    start: int
    end: int
    id: int = 0


@dataclass
class Document:
    id: int
    meta: DocumentMeta
    text: str
    content_hash: str
    file_name: str
    format: str
    size: int
    pages: int = 0
    added_at: str = ""
    updated_at: str = ""
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class LibraryStats:
    """What the library holds: documents, passages and sentences, the documents by source type and by
    format, and the bytes of their original files."""

    documents: int
    passages: int
    sentences: int
    by_source_type: dict[str, int]
    by_format: dict[str, int]
    bytes_of_originals: int

    def to_dict(self) -> dict[str, Any]:
        """Return the counts as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class DocumentEdit:
    """One change staff made to a document's metadata: the field, its stored value before and after
    (JSON text for lists), who made it and when."""

    field: str
    old: str
    new: str
    who: str
    at: str


@dataclass
class SearchHit:
    """One ranked passage returned by a search."""

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
    source_type: str = ""
    matched_terms: list[str] = field(default_factory=list)
    lexical_rank: int | None = None
    semantic_rank: int | None = None


@dataclass
class Evidence:
    """A verbatim quote anchored in a document by character offsets.

    A quote that skips words is stored as several located pieces (``pieces``), rendered with an
    ellipsis between them; ``start``/``end`` span the first to the last piece.
    """

    document_id: int
    passage_id: int
    start: int
    end: int
    quote: str
    role: Role
    confidence: float
    reason: str
    context: str = ""
    codes: list[str] = field(default_factory=list)
    facet: str = ""
    status: ReviewStatus = ReviewStatus.SUGGESTED
    reviewer: str = ""
    reviewed_at: str = ""
    request_id: int | None = None
    pieces: list[tuple[int, int]] = field(default_factory=list)
    label: str = ""  # short theme label, e.g. a table's row heading
    id: int = 0


class Decision(StrEnum):
    """What a reviewer decided about a suggested quote: keep it in the brief, or drop it."""

    KEPT = "kept"
    DROPPED = "dropped"


@dataclass
class ReviewLabel:
    """One review decision kept as a training label: who decided what about which quote, and when.

    ``origin`` is ``review`` (a decision on the desk), ``resolution`` (staff settling a disagreement;
    it outranks every other label of the quote) or ``import`` (from a label file). A later decision
    by the same reviewer, or an undo, makes the earlier label inactive; it stays in the table.
    """

    document_id: int
    quote: str
    reviewer: str
    decision: Decision
    role: Role
    suggested: Role | None = None  # the role the desk suggested before review (None: same as ``role``)
    subject: str = ""
    evidence_id: int | None = None
    request_id: int | None = None
    origin: str = "review"
    active: bool = True
    at: str = ""
    id: int = 0


@dataclass
class Classification:
    role: Role
    confidence: float
    reason: str
    codes: list[str] = field(default_factory=list)


# --- Briefs -------------------------------------------------------------------------------------


@dataclass
class BriefQuote:
    """A quote as it appears in a brief: verbatim text plus where it stands in its source."""

    evidence_id: int
    document_id: int
    text: str  # the verbatim quote; pieces joined by " … "
    role: Role
    location: str  # "p. 4", "section “Results”" or "table row"
    start: int
    end: int
    pieces: list[tuple[int, int]] = field(default_factory=list)
    label: str = ""  # short theme label shown before the quote
    codes: list[str] = field(default_factory=list)


@dataclass
class BriefSource:
    """One block of Background Research: a source and its quotes grouped by role."""

    document_id: int
    title: str
    publisher: str
    container: str
    date: str
    url: str
    doi: str
    authors: list[str]
    quotes: list[BriefQuote]
    citation: str = ""  # the formatted reference in the brief's CSL style
    missing: list[str] = field(default_factory=list)


@dataclass
class RelatedItem:
    """A source listed without quotes (Further Reading, You may also be interested in)."""

    document_id: int
    title: str
    container: str
    date: str
    url: str
    note: str = ""


@dataclass
class Brief:
    """A request's brief in the service's template, ready to check and render."""

    request_id: int
    version: int
    title: str
    member: str
    requester: str
    received: str
    due: str
    prepared_by: str
    prepared_on: str
    service_paragraph: str
    prompt: str
    summary: list[str]
    sources: list[BriefSource]
    further_reading: list[RelatedItem]
    next_steps: list[str]
    related_products: list[RelatedItem]
    references: list[str]
    style: str = "apa"
    topic: str = ""
    # Server-rendered SVG figures (evidence map, scan funnel) for the HTML/PDF appendix.
    figures: dict[str, str] = field(default_factory=dict)
    # What each summary paragraph rests on: "evidence:<id>", "scan:<run>" or "request".
    summary_support: list[list[str]] = field(default_factory=list)
    # The facets the scan found nothing for, said plainly in the summary.
    not_found: list[str] = field(default_factory=list)
    # What the member asks about, as the scan read the library, and the subjects it holds nothing on.
    subjects: list[str] = field(default_factory=list)
    missing_subjects: list[str] = field(default_factory=list)


@dataclass
class IndexedPassage:
    """A passage with the document attributes that search ranks, filters and displays by."""

    passage_id: int
    document_id: int
    text: str
    section: str
    page: int | None
    start: int
    end: int
    title: str
    date: str
    source_type: str
    publisher: str
    container: str
    file_name: str

    @classmethod
    def from_row(cls, r: Sequence[Any]) -> IndexedPassage:
        """Return the record of a row selecting p.id, p.document_id, p.text, p.section, p.page, p.start, p.end,
        d.title, d.date, d.source_type, d.publisher, d.container, d.file_name (passages p, documents d)."""
        return cls(int(r[0]), int(r[1]), r[2], r[3], r[4], int(r[5]), int(r[6]), *r[7:13])
