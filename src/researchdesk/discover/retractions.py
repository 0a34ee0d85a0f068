"""Retraction and version checks of the library's own documents, and the staff override.

``check_library`` asks Crossref (and OpenAlex) about every document with a DOI and records the notices
found on the document (``extra["retracted"]``, ``extra["notices"]``); the brief's checks refuse to deliver
quotes from a retracted or withdrawn source until ``allow_retracted`` records who decided otherwise and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from researchdesk.desk import Desk
from researchdesk.discover import crossref, openalex
from researchdesk.discover.candidates import Candidate
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.service import log_exchanges
from researchdesk.errors import DocumentNotFound, ExternalError, InputError


@dataclass
class RetractionReport:
    checked: int = 0
    flagged: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # DOIs neither service knows
    errors: dict[int, str] = field(default_factory=dict)


def check_library(
    desk: Desk, client: PoliteClient | None = None, progress: Callable[[int, int], None] | None = None
) -> RetractionReport:
    """Look up every library document that has a DOI and record its retractions, corrections and versions."""
    report = RetractionReport()
    http = client or PoliteClient(desk.settings)
    docs = [d for d in (desk.store.get_document(i) for i in desk.store.document_ids()) if d.meta.doi]
    try:
        for n, doc in enumerate(docs):
            if progress:
                progress(n, len(docs))
            try:
                found: list[Candidate] = [
                    c for c in (crossref.by_doi(http, doc.meta.doi), openalex.by_doi(http, doc.meta.doi)) if c
                ]
            except ExternalError as exc:
                report.errors[doc.id] = str(exc)
                continue
            report.checked += 1
            if not found:
                report.unknown.append(doc.id)
                continue
            notices = {(n.kind, n.doi): n for c in found for n in c.notices}
            retracted = any(c.refuses_quotes for c in found)
            superseded = any(c.superseded for c in found)
            extra = {
                **doc.extra,
                "retracted": retracted,
                "superseded": superseded,
                "notices": [asdict(n) for n in notices.values()],
                "notices_checked": time.strftime("%Y-%m-%d", time.gmtime()),
            }
            desk.store.update_document_extra(doc.id, extra)
            if retracted or superseded:
                report.flagged.append(doc.id)
    finally:
        if client is None:
            http.close()
    log_exchanges(desk, "retraction check", http.log, "retractions")
    return report


def allow_retracted(desk: Desk, document_id: int, who: str, reason: str) -> None:
    """Record that staff quote a flagged document on purpose, and why (shown in the brief's check report)."""
    if document_id not in desk.store.document_ids():
        raise DocumentNotFound(document_id)
    if not reason.strip():
        raise InputError(
            "Say why the flagged source may be quoted.", 'Add --reason "…" (it is shown in the check report).'
        )
    doc = desk.store.get_document(document_id)
    override = {
        "who": who,
        "reason": reason.strip(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    desk.store.update_document_extra(document_id, {**doc.extra, "retraction_override": override})
