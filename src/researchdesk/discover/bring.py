"""Bring a candidate into the library: as a citable record, and with its open full text when there is one.

The record is stored with the service's own JSON answer as its original file, and its abstract as
the document text under an "Abstract" heading, so a quote from it is verbatim and located
("section Abstract"). When the candidate has a legal open-access copy and ``full_text`` is asked, the
copy is downloaded and read like any other document, with the candidate's metadata as its
description. An open-access article in PubMed Central is read first from Europe PMC's JATS XML (its
sections as headings, every paragraph located, acknowledgments and references marked so that they
are never quoted); otherwise, or when Europe PMC holds no full text, the open copy the services name
(PDF or web page). A "copy" that turns out to be a login page, a paywall or no document at all is
refused with a clear message and the record is brought in alone. Nothing partial is stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from researchdesk.desk import Desk
from researchdesk.discover import europepmc
from researchdesk.discover.candidates import Candidate
from researchdesk.discover.http import Answer, PoliteClient
from researchdesk.errors import ExternalError, NotOpenAccess
from researchdesk.ingest.metadata import clean_text, normalize_doi, normalize_title
from researchdesk.ingest.pipeline import FileOutcome, ingest_bytes
from researchdesk.ingest.readers.record_fields import abstract_blocks
from researchdesk.models import DocumentMeta, ReadResult, SourceType

# A page shorter than this (in visible characters) is not an article, whatever it claims.
MIN_ARTICLE_CHARS = 2500
_LOGIN = re.compile(
    r"<input[^>]+type=[\"']?password|\b(?:sign|log)\s?in to (?:continue|access|read|view)|"
    r"\binstitutional (?:login|access)\b|\bpurchase (?:this )?article\b|\bsubscribe to (?:read|continue)\b|"
    r"\bjust a moment\.\.\.|\bverify you are (?:a )?human\b|\baccess denied\b",
    re.IGNORECASE,
)
JATS_BODY = re.compile(rb"<article[\s>].*?<body[\s>]", re.DOTALL)
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)


@dataclass
class BringOutcome:
    """What happened to one candidate: the library outcome and how its full text went."""

    key: str
    title: str
    status: str  # added | duplicate | failed
    document_id: int | None = None
    full_text: str = "none"  # read | not open | refused | failed | none
    reason: str = ""
    hint: str = ""
    warnings: list[str] = field(default_factory=list)


def meta_of(cand: Candidate) -> DocumentMeta:
    """Return the library description of a candidate (its fields as the services gave them)."""
    try:
        kind = SourceType(cand.source_type)
    except ValueError:
        kind = SourceType.OTHER
    return DocumentMeta(
        title=cand.title,
        authors=list(cand.authors),
        publisher=cand.publisher,
        container=cand.venue,
        date=cand.date or (str(cand.year) if cand.year else ""),
        url=cand.url or (f"https://doi.org/{cand.doi}" if cand.doi else ""),
        doi=normalize_doi(cand.doi),
        source_type=kind,
        abstract=cand.abstract,
    )


def discovery_extra(cand: Candidate) -> dict[str, Any]:
    """Return what the document keeps of its discovery: services, ids, open access, notices."""
    return {
        "discovered": {
            "services": cand.services,
            "ids": cand.ids,
            "oa_status": cand.oa_status,
            "oa_url": cand.oa_url,
            "license": cand.license,
        },
        "retracted": cand.refuses_quotes,
        "superseded": cand.superseded,
        "notices": [asdict(n) for n in cand.notices],
    }


def bring_in(
    desk: Desk, cand: Candidate, client: PoliteClient | None = None, full_text: bool = True
) -> BringOutcome:
    """Store ``cand`` in the library (see the module docstring); never raises for bad input."""
    known = desk.store.find_duplicate("", normalize_doi(cand.doi), normalize_title(cand.title))
    if known is not None:
        return BringOutcome(cand.key, cand.title, "duplicate", known[0], reason=known[1])
    if not cand.abstract and not (full_text and _full_text_sources(cand)):
        return BringOutcome(
            cand.key,
            cand.title,
            "failed",
            reason="the services give no abstract and no open full text, so there is nothing to quote",
            hint="Find the document itself and ingest the file with `researchdesk ingest`.",
        )
    meta = meta_of(cand)
    extra = discovery_extra(cand)
    warnings: list[str] = []
    full = "none"
    if full_text and _full_text_sources(cand):
        own = client is None
        http = client or PoliteClient(desk.settings)
        try:
            outcome, full, note = _bring_full_text(desk, cand, http, meta, extra)
        finally:
            if own:
                http.close()
        if outcome is not None:
            return outcome
        warnings.append(note)
    elif full_text and not cand.is_oa:
        full = "not open"
    if not cand.abstract:
        return BringOutcome(
            cand.key, cand.title, "failed", full_text=full, reason=warnings[-1] if warnings else "no abstract"
        )
    stored = _bring_record(desk, cand, meta, extra)
    return BringOutcome(
        cand.key,
        cand.title,
        stored.status,
        stored.document_id,
        full,
        stored.reason,
        stored.hint,
        warnings + stored.warnings,
    )


def _bring_record(desk: Desk, cand: Candidate, meta: DocumentMeta, extra: dict[str, Any]) -> FileOutcome:
    service = cand.services[0] if cand.services else "record"
    original = json.dumps(
        cand.records.get(service) or asdict(cand), ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
    name = f"{service}-{_slug(cand.key)}.json"
    result = ReadResult(meta=meta, blocks=abstract_blocks(cand.abstract), format="csl-json")
    return ingest_bytes(desk, name, original, meta, extra, result=result)


def _full_text_sources(cand: Candidate) -> list[tuple[str, str, str]]:
    """Return where a legal open full text may be read, best first: (service, URL, Accept header)."""
    if not cand.is_oa:
        return []
    out = []
    xml = europepmc.full_text_url(cand.ids.get("pmcid", ""))
    if xml:
        out.append((europepmc.SERVICE, xml, "application/xml, text/xml;q=0.9"))
    if cand.pdf_url or cand.oa_url:
        out.append(("download", cand.pdf_url or cand.oa_url, "application/pdf, text/html;q=0.9, */*;q=0.1"))
    return out


def _bring_full_text(
    desk: Desk, cand: Candidate, http: PoliteClient, meta: DocumentMeta, extra: dict[str, Any]
) -> tuple[BringOutcome | None, str, str]:
    """Return (outcome, full-text status, note): an outcome when a full text was stored.

    Each source is tried in turn (see ``_full_text_sources``); the note says why each one failed.
    """
    notes: list[str] = []
    status = "failed"
    for service, url, accept in _full_text_sources(cand):
        try:
            answer = http.get(service, url, accept=accept)
            name = _check_document(answer, jats=service == europepmc.SERVICE)
        except NotOpenAccess as exc:
            status = "refused"
            notes.append(f"the open-access link {url} gave no document: {exc.message}")
            continue
        except ExternalError as exc:
            notes.append(f"the open-access copy could not be downloaded: {exc.message}")
            continue
        outcome = ingest_bytes(
            desk, f"{_slug(cand.key)}{name}", answer.content, meta, {**extra, "full_text_url": answer.url}
        )
        if outcome.status == "failed":
            notes.append(f"the open-access copy at {url} could not be read: {outcome.reason}")
            continue
        return (
            BringOutcome(
                cand.key,
                cand.title,
                outcome.status,
                outcome.document_id,
                "read",
                outcome.reason,
                warnings=outcome.warnings,
            ),
            "read",
            "",
        )
    return None, status, "; ".join(notes)


def _check_document(answer: Answer, jats: bool = False) -> str:
    """Return the file suffix of a downloaded copy, or raise NotOpenAccess when it is no document.

    ``jats``: the answer must be a JATS article with a body (Europe PMC's full-text XML).
    """
    if jats:
        if answer.status == 404:
            raise NotOpenAccess(answer.url, "Europe PMC holds no open full text of this article")
        if answer.status != 200:
            raise NotOpenAccess(answer.url, f"Europe PMC answered HTTP {answer.status}")
        if not JATS_BODY.search(answer.content[:2_000_000]):
            raise NotOpenAccess(answer.url, "the XML Europe PMC gave is not a JATS article with a body")
        return ".xml"
    if answer.status != 200:
        raise NotOpenAccess(answer.url, f"the server answered HTTP {answer.status}")
    head = answer.content[:1024]
    if b"%PDF-" in head:
        return ".pdf"
    kind = answer.content_type.lower()
    if "html" in kind or head.lstrip()[:1] == b"<":
        text = answer.content.decode("utf-8", errors="replace")
        if _LOGIN.search(text):
            raise NotOpenAccess(answer.url, "it is a sign-in, paywall or robot-check page, not the article")
        visible = clean_text(_TAGS.sub(" ", text))
        if len(visible) < MIN_ARTICLE_CHARS:
            raise NotOpenAccess(
                answer.url, f"the page has only {len(visible)} characters of text, too little for an article"
            )
        return ".html"
    raise NotOpenAccess(answer.url, f"it is {kind or 'of unknown type'}, neither a PDF nor a web page")


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:80]
