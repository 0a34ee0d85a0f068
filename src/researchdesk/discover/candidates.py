"""Candidates: works found outside the library, merged across services, ranked, and checked against it.

A candidate is what staff see before anything is brought in: title, venue, year, authors, abstract,
open-access status, retraction and version notices, which services found it, and why it matched
(the words of the query found in its title and abstract).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from researchdesk.ingest.metadata import normalize_doi, normalize_title
from researchdesk.search.tokenize import stem_parts

# Notices that mean a work should not be quoted as it stands (Crossref's update types, OpenAlex's flag).
RETRACTION_TYPES = frozenset({"retraction", "partial_retraction", "withdrawal", "removal", "expression_of_concern"})
# Notices that a newer version replaces the work: quote the newer one instead.
SUPERSEDING_TYPES = frozenset({"new_version", "new_edition"})
RRF_K = 10


@dataclass
class Notice:
    """A retraction, correction or new version of a work, as Crossref, OpenAlex or Europe PMC records it."""

    kind: str  # retraction | withdrawal | removal | expression_of_concern | correction | new_version | ...
    doi: str = ""
    date: str = ""
    source: str = ""  # the service (and, for Crossref, who asserted it)

    @property
    def refuses_quotes(self) -> bool:
        return self.kind in RETRACTION_TYPES

    @property
    def supersedes(self) -> bool:
        return self.kind in SUPERSEDING_TYPES


@dataclass
class Candidate:
    """One work found outside the library."""

    title: str
    venue: str = ""
    year: int | None = None
    date: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    doi: str = ""
    url: str = ""
    source_type: str = "journal article"
    publisher: str = ""
    is_oa: bool = False
    oa_status: str = "unknown"  # gold | green | hybrid | bronze | diamond | closed | unknown
    oa_url: str = ""  # the best legal open copy (landing page or file)
    pdf_url: str = ""  # a direct file of that copy, when the service names one
    license: str = ""
    retracted: bool = False
    notices: list[Notice] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # openalex, pmid, pmcid
    services: list[str] = field(default_factory=list)  # which services returned it, in order
    ranks: dict[str, int] = field(default_factory=dict)  # the service's own rank, 1-based
    records: dict[str, Any] = field(default_factory=dict)  # each service's raw record, kept as the original
    why: list[str] = field(default_factory=list)
    score: float = 0.0
    in_library: int | None = None  # the library document this duplicates
    duplicate_reason: str = ""

    @property
    def key(self) -> str:
        """Return a stable name for the candidate: its DOI, else a service id."""
        if self.doi:
            return f"doi:{self.doi}"
        for name in ("openalex", "pmid", "pmcid"):
            if self.ids.get(name):
                return f"{name}:{self.ids[name]}"
        return "title:" + normalize_title(self.title)[:80]

    @property
    def refuses_quotes(self) -> bool:
        return self.retracted or any(n.refuses_quotes for n in self.notices)

    @property
    def superseded(self) -> bool:
        return any(n.supersedes for n in self.notices)

    def flags(self) -> list[str]:
        """Return the warnings a person must see beside the candidate."""
        out = []
        if self.refuses_quotes:
            kinds = sorted({n.kind for n in self.notices if n.refuses_quotes} or {"retraction"})
            out.append("RETRACTED" if "retraction" in kinds else ", ".join(k.upper() for k in kinds))
        if self.superseded:
            out.append("SUPERSEDED")
        if any(n.kind == "correction" for n in self.notices):
            out.append("corrected")
        return out


def merge(found: list[list[Candidate]]) -> list[Candidate]:
    """Return one candidate per work from the services' lists (same DOI, else same normalised title)."""
    merged: list[Candidate] = []
    by_doi: dict[str, Candidate] = {}
    by_title: dict[str, Candidate] = {}
    for results in found:
        for cand in results:
            title_key = normalize_title(cand.title)
            known = (by_doi.get(cand.doi) if cand.doi else None) or (
                by_title.get(title_key) if len(title_key) >= 20 else None
            )
            if known is None:
                merged.append(cand)
                known = cand
            else:
                _absorb(known, cand)
            if known.doi:
                by_doi[known.doi] = known
            if len(title_key) >= 20:
                by_title[title_key] = known
    return merged


def _absorb(into: Candidate, other: Candidate) -> None:
    """Fill what ``into`` lacks from ``other``; notices and open copies from any service count."""
    for name in ("venue", "date", "abstract", "doi", "url", "publisher", "oa_url", "pdf_url", "license"):
        if not getattr(into, name) and getattr(other, name):
            setattr(into, name, getattr(other, name))
    if into.year is None:
        into.year = other.year
    if not into.authors:
        into.authors = other.authors
    if other.is_oa and not into.is_oa:
        into.is_oa, into.oa_status = True, other.oa_status
    if into.oa_status == "unknown":
        into.oa_status = other.oa_status
    into.retracted = into.retracted or other.retracted
    seen = {(n.kind, n.doi) for n in into.notices}
    into.notices.extend(n for n in other.notices if (n.kind, n.doi) not in seen)
    for k, v in other.ids.items():
        into.ids.setdefault(k, v)
    for s in other.services:
        if s not in into.services:
            into.services.append(s)
    for s, r in other.ranks.items():
        into.ranks.setdefault(s, r)
    into.records.update(other.records)


def rank(candidates: list[Candidate], query: str) -> list[Candidate]:
    """Score each candidate and return them best first.

    The score fuses the services' own ranks (reciprocal rank fusion) with how much of the query its
    title and abstract cover (title words count double); ``why`` names the query words found.
    """
    terms = list(dict.fromkeys(stem_parts(query)))
    for cand in candidates:
        title_terms = set(stem_parts(cand.title))
        body_terms = set(stem_parts(cand.abstract))
        in_title = [t for t in terms if t in title_terms]
        in_body = [t for t in terms if t in body_terms and t not in title_terms]
        coverage = (2 * len(in_title) + len(in_body)) / (2 * len(terms)) if terms else 0.0
        fused = sum(1.0 / (RRF_K + r) for r in cand.ranks.values())
        cand.score = round(coverage + fused, 4)
        why = []
        if in_title:
            why.append("title has " + ", ".join(_words(query, in_title)))
        if in_body:
            why.append("abstract has " + ", ".join(_words(query, in_body)))
        why.append(
            "found by " + ", ".join(f"{s} (#{cand.ranks[s]})" for s in cand.services if s in cand.ranks)
        )
        cand.why = why
    return sorted(candidates, key=lambda c: (-c.score, c.title))


def _words(query: str, stems: list[str]) -> list[str]:
    """Return the query's own words behind ``stems`` (what a person typed, not the stems)."""
    out = []
    for word in query.split():
        cleaned = word.strip(".,;:!?\"'()[]")
        parts = stem_parts(cleaned)
        if parts and any(p in stems for p in parts) and cleaned.lower() not in out:
            out.append(cleaned.lower())
    return out or stems


def mark_library_duplicates(candidates: list[Candidate], find: Any) -> None:
    """Set ``in_library`` on each candidate the library already holds (by DOI, then normalised title).

    ``find(doi, norm_title)`` returns ``(document_id, why)`` or None (the store's duplicate finder).
    """
    for cand in candidates:
        hit = find(normalize_doi(cand.doi) if cand.doi else "", normalize_title(cand.title))
        if hit is not None:
            cand.in_library, cand.duplicate_reason = int(hit[0]), str(hit[1])
