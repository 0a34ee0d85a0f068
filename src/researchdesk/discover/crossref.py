"""Crossref: metadata by DOI and by query, and the notices (retractions, corrections, new versions) on a work."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from researchdesk.discover.candidates import Candidate, Notice
from researchdesk.discover.http import PoliteClient
from researchdesk.errors import BadResponse
from researchdesk.ingest.metadata import clean_text, normalize_date, normalize_doi

SERVICE = "crossref"
BASE = "https://api.crossref.org"
MAX_ROWS = 100
_TAG = re.compile(r"<[^>]+>")
_TYPES = {
    "journal-article": "journal article",
    "report": "report",
    "dataset": "dataset",
    "posted-content": "report",
    "book-chapter": "report",
    "monograph": "report",
}
# Crossref's update types, and the relation names that say a work was replaced.
_NEW_VERSION_RELATIONS = ("is-replaced-by",)


def search(client: PoliteClient, query: str, limit: int = 25) -> list[Candidate]:
    """Return up to ``limit`` works Crossref finds for ``query`` (bibliographic query, cursor paging)."""
    found: list[Candidate] = []
    cursor = "*"
    rows = max(1, min(MAX_ROWS, limit))
    while len(found) < limit and cursor:
        params: dict[str, str | int] = {"query.bibliographic": query, "rows": rows, "cursor": cursor}
        if client.mailto:
            params["mailto"] = client.mailto
        data = client.get_json(SERVICE, f"{BASE}/works", params)
        message = _message(data, f"{BASE}/works?query.bibliographic={query}", "work-list")
        items = message.get("items")
        if not isinstance(items, list):
            raise BadResponse(
                f"{BASE}/works", "Crossref answered a work list without items.", "Try again later."
            )
        for item in items:
            if len(found) >= limit:
                break
            cand = work(item) if isinstance(item, dict) else None
            if cand is not None:
                cand.ranks[SERVICE] = len(found) + 1
                found.append(cand)
        next_cursor = str(message.get("next-cursor") or "")
        cursor = next_cursor if items and next_cursor != cursor else ""
    return found


def by_doi(client: PoliteClient, doi: str) -> Candidate | None:
    """Return the Crossref record of ``doi``, or None when Crossref does not know it (a 404)."""
    bare = normalize_doi(doi)
    if not bare:
        from researchdesk.errors import InputError

        raise InputError(
            f"{doi!r} is not a DOI.", "A DOI looks like 10.1234/abcd (with or without https://doi.org/)."
        )
    params = {"mailto": client.mailto} if client.mailto else None
    data = client.get_json(SERVICE, f"{BASE}/works/{quote(bare, safe='/')}", params)
    if data is None:
        return None
    return work(_message(data, f"{BASE}/works/{bare}", "work"))


def _message(data: Any, url: str, kind: str) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("status") != "ok" or not isinstance(data.get("message"), dict):
        raise BadResponse(
            url,
            f"Crossref answered something that is not a {kind} (status {data.get('status') if isinstance(data, dict) else '?'}).",
            "Try again later; if it persists, report the DOI or query.",
        )
    return data["message"]


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return clean_text(str(value or ""))


def _date(parts: Any) -> str:
    try:
        values = [int(x) for x in (parts or {}).get("date-parts", [[]])[0] if x is not None]
    except (TypeError, ValueError, IndexError, AttributeError):
        return ""
    return normalize_date("-".join(f"{v:02d}" if i else str(v) for i, v in enumerate(values)))


def notices(item: dict[str, Any]) -> list[Notice]:
    """Return the retractions, corrections and new versions Crossref records on a work.

    ``updated-by`` lists the notices that update this work (Retraction Watch's data among them);
    ``update-to`` on a work says it is itself a notice (its ``type`` says of what); ``relation`` names
    newer versions.
    """
    out: list[Notice] = []
    for entry in item.get("updated-by") or []:
        if isinstance(entry, dict):
            out.append(
                Notice(
                    str(entry.get("type") or "update").replace("-", "_").lower(),
                    normalize_doi(str(entry.get("DOI") or "")),
                    _date(entry.get("updated"))
                    or str((entry.get("updated") or {}).get("date-time", ""))[:10],
                    f"crossref ({entry.get('source') or 'publisher'})",
                )
            )
    for name in _NEW_VERSION_RELATIONS:
        for rel in (item.get("relation") or {}).get(name) or []:
            if isinstance(rel, dict):
                out.append(
                    Notice("new_version", normalize_doi(str(rel.get("id") or "")), "", "crossref relation")
                )
    return out


def work(item: dict[str, Any]) -> Candidate | None:
    """Return a candidate from one Crossref work item."""
    title = _first(item.get("title"))
    if not title:
        return None
    authors = []
    for a in item.get("author") or []:
        if isinstance(a, dict):
            name = " ".join(x for x in (a.get("given"), a.get("family")) if x) or str(a.get("name") or "")
            if name:
                authors.append(clean_text(name))
    issued = _date(item.get("issued")) or _date(item.get("published")) or _date(item.get("published-print"))
    links = [x for x in item.get("link") or [] if isinstance(x, dict)]
    pdf = next((str(x.get("URL")) for x in links if "pdf" in str(x.get("content-type", ""))), "")
    licenses = [str(x.get("URL") or "") for x in item.get("license") or [] if isinstance(x, dict)]
    open_license = next((u for u in licenses if "creativecommons.org" in u), "")
    cand = Candidate(
        title=title,
        venue=_first(item.get("container-title")),
        year=int(issued[:4]) if issued[:4].isdigit() else None,
        date=issued,
        authors=authors,
        abstract=clean_text(_TAG.sub(" ", str(item.get("abstract") or ""))),
        doi=normalize_doi(str(item.get("DOI") or "")),
        url=str(item.get("URL") or ""),
        source_type=_TYPES.get(str(item.get("type") or ""), "journal article"),
        publisher=clean_text(str(item.get("publisher") or "")),
        # Crossref does not say whether a copy is free to read; an open licence says it may be shared.
        is_oa=bool(open_license),
        oa_status="open licence" if open_license else "unknown",
        oa_url=pdf if open_license else "",
        pdf_url=pdf if open_license else "",
        license=open_license or (licenses[0] if licenses else ""),
        notices=notices(item),
        services=[SERVICE],
    )
    update_to = [u for u in item.get("update-to") or [] if isinstance(u, dict)]
    if update_to:
        cand.source_type = "other"  # the work is itself a notice (a retraction notice, an erratum)
    if (
        title.upper().startswith(("RETRACTED:", "RETRACTED ARTICLE:", "WITHDRAWN:"))
        and not cand.refuses_quotes
    ):
        cand.notices.append(Notice("retraction", source="crossref title"))
    cand.retracted = cand.refuses_quotes
    cand.records[SERVICE] = item
    return cand
