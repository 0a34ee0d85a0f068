"""Library operations over the store: correct metadata, remove documents, check consistency."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from researchdesk.desk import Desk
from researchdesk.errors import InputError, UnknownChoice
from researchdesk.ingest.metadata import normalize_date, normalize_doi
from researchdesk.models import META_FIELDS, Document, Passage, SourceType


def passage_record(p: Passage) -> dict[str, Any]:
    """Return a passage as the API and ``library show --json`` give it: place, offsets and text."""
    return {
        "seq": p.seq,
        "start": p.start,
        "end": p.end,
        "section": p.section,
        "page": p.page,
        "text": p.text,
    }


def edit_document(desk: Desk, document_id: int, changes: dict[str, str], who: str = "staff") -> Document:
    """Correct metadata fields of a document; every change is kept in its edit history."""
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in META_FIELDS:
            raise UnknownChoice("metadata field", name, META_FIELDS)
        value = value.strip()
        if name == "source_type":
            if value not in {t.value for t in SourceType}:
                raise UnknownChoice("source type", value, [t.value for t in SourceType])
        elif name == "date" and value:
            iso = normalize_date(value)
            if not iso:
                raise InputError(f"{value!r} is not a date.", "Write it as YYYY, YYYY-MM or YYYY-MM-DD.")
            value = iso
        elif name == "doi" and value:
            doi = normalize_doi(value)
            if not doi:
                raise InputError(f"{value!r} is not a DOI.", "A DOI looks like 10.5888/pcd21.230220.")
            value = doi
        clean[name] = [a.strip() for a in value.split(";") if a.strip()] if name == "authors" else value
    return desk.store.update_document_meta(document_id, clean, who)


def remove_document(desk: Desk, document_id: int) -> Document:
    """Remove a document, its passages and (when no other document shares it) its original file."""
    doc = desk.store.remove_document(document_id)
    original = str(doc.extra.get("original", doc.content_hash))
    still_used = any(str(d.extra.get("original", "")) == original for d in desk.store.documents())
    if not still_used:
        desk.blobs.remove(original)
    return doc


@dataclass
class CheckReport:
    documents: int = 0
    passages: int = 0
    sentences: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_library(desk: Desk, verify_files: bool = True) -> CheckReport:
    """Return a report on the consistency of rows, offsets and original files."""
    report = CheckReport()
    store = desk.store
    integrity = store.integrity_check()
    if integrity != "ok":
        report.errors.append(f"database integrity check: {integrity}")
    orphans = store.conn.execute(
        "SELECT count(*) FROM passages WHERE document_id NOT IN (SELECT id FROM documents)"
    ).fetchone()[0]
    if orphans:
        report.errors.append(f"{orphans} passages belong to no document")
    originals: set[str] = set()
    for doc in store.documents(with_text=True):
        report.documents += 1
        original = str(doc.extra.get("original", doc.content_hash))
        originals.add(original)
        if verify_files and not desk.blobs.verify(original):
            report.errors.append(f"document {doc.id} ({doc.file_name}): original file missing or changed")
        passages = store.passages(doc.id)
        if not passages:
            report.errors.append(f"document {doc.id} ({doc.file_name}): no passages")
        for p in passages:
            report.passages += 1
            if doc.text[p.start : p.end] != p.text:
                report.errors.append(f"document {doc.id} passage {p.seq}: offsets do not slice its text")
        for s in store.sentences(doc.id):
            report.sentences += 1
            if not (0 <= s.start < s.end <= len(doc.text)):
                report.errors.append(f"document {doc.id} sentence {s.id}: offsets outside the text")
    stray = set(desk.blobs.digests()) - originals
    if stray:
        report.warnings.append(
            f"{len(stray)} stored files belong to no document (left by an interrupted ingest or a removal); "
            "they are harmless and reused if the same file is ingested again"
        )
    return report
