"""OpenAlex: works search, one work by DOI, abstracts rebuilt from the inverted index, open-access copies."""

from __future__ import annotations

from typing import Any

from researchdesk.discover.candidates import Candidate, Notice
from researchdesk.discover.http import PoliteClient
from researchdesk.errors import BadResponse
from researchdesk.ingest.metadata import clean_text, normalize_date, normalize_doi

SERVICE = "openalex"
BASE = "https://api.openalex.org"
MAX_PER_PAGE = 200

_TYPES = {
    "article": "journal article",
    "journal-article": "journal article",
    "review": "journal article",
    "report": "report",
    "dataset": "dataset",
    "book-chapter": "report",
    "book": "report",
}


def search(client: PoliteClient, query: str, limit: int = 25) -> list[Candidate]:
    """Return up to ``limit`` works OpenAlex finds for ``query``, in its order (pages followed)."""
    found: list[Candidate] = []
    page = 1
    per_page = max(1, min(MAX_PER_PAGE, limit))
    while len(found) < limit:
        params: dict[str, str | int] = {"search": query, "per-page": per_page, "page": page}
        if client.mailto:
            params["mailto"] = client.mailto
        data = client.get_json(SERVICE, f"{BASE}/works", params)
        results = _results(data, f"{BASE}/works?search={query}")
        for record in results:
            if len(found) >= limit:
                break
            cand = work(record)
            if cand is not None:
                cand.ranks[SERVICE] = len(found) + 1
                found.append(cand)
        meta = data.get("meta") or {}
        count = int(meta.get("count") or 0)
        if not results or page * int(meta.get("per_page") or per_page) >= count:
            break
        page += 1
    return found


def by_doi(client: PoliteClient, doi: str) -> Candidate | None:
    """Return the OpenAlex work of ``doi``, or None when OpenAlex does not know it."""
    params = {"mailto": client.mailto} if client.mailto else None
    data = client.get_json(SERVICE, f"{BASE}/works/https://doi.org/{doi}", params)
    if data is None:
        return None
    if not isinstance(data, dict) or "id" not in data:
        raise BadResponse(
            f"{BASE}/works/{doi}", "OpenAlex answered a work without an id.", "Try again later."
        )
    return work(data)


def _results(data: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadResponse(
            url,
            "OpenAlex answered something that is not a list of works (no 'results').",
            "Try again later; if it persists, report the query.",
        )
    return [r for r in data["results"] if isinstance(r, dict)]


def abstract_text(inverted: Any) -> str:
    """Return the abstract rebuilt from OpenAlex's inverted index (word -> positions)."""
    if not isinstance(inverted, dict):
        return ""
    slots: dict[int, str] = {}
    for word, positions in inverted.items():
        if isinstance(positions, list):
            for p in positions:
                if isinstance(p, int) and p >= 0:
                    slots[p] = str(word)
    return clean_text(" ".join(slots[i] for i in sorted(slots)))


def work(record: dict[str, Any]) -> Candidate | None:
    """Return a candidate from one OpenAlex work record (either the 2023 or the current shape)."""
    title = clean_text(str(record.get("title") or record.get("display_name") or ""))
    if not title:
        return None
    primary = record.get("primary_location") or {}
    source = primary.get("source") or {}
    host = record.get("host_venue") or {}  # the 2023 shape
    venue = clean_text(str(source.get("display_name") or host.get("display_name") or ""))
    publisher = clean_text(str(source.get("host_organization_name") or host.get("publisher") or ""))
    oa = record.get("open_access") or {}
    best = record.get("best_oa_location") or {}
    authors = [
        clean_text(str((a.get("author") or {}).get("display_name") or ""))
        for a in record.get("authorships") or []
        if isinstance(a, dict)
    ]
    year = record.get("publication_year")
    cand = Candidate(
        title=title,
        venue=venue,
        year=int(year) if isinstance(year, int) else None,
        date=normalize_date(str(record.get("publication_date") or year or "")),
        authors=[a for a in authors if a],
        abstract=abstract_text(record.get("abstract_inverted_index")),
        doi=normalize_doi(str(record.get("doi") or "")),
        url=str(primary.get("landing_page_url") or record.get("doi") or record.get("id") or ""),
        source_type=_TYPES.get(str(record.get("type") or ""), "journal article"),
        publisher=publisher,
        is_oa=bool(oa.get("is_oa")),
        oa_status=str(oa.get("oa_status") or "unknown"),
        oa_url=str(best.get("pdf_url") or best.get("landing_page_url") or oa.get("oa_url") or ""),
        pdf_url=str(best.get("pdf_url") or ""),
        license=str(best.get("license") or ""),
        retracted=bool(record.get("is_retracted")),
        services=[SERVICE],
    )
    if cand.retracted:
        cand.notices.append(Notice("retraction", source="openalex is_retracted"))
    openalex_id = str(record.get("id") or "").rsplit("/", 1)[-1]
    if openalex_id:
        cand.ids["openalex"] = openalex_id
    ids = record.get("ids") or {}
    for name in ("pmid", "pmcid"):
        value = str(ids.get(name) or "").rstrip("/").rsplit("/", 1)[-1]
        if value:
            cand.ids[name] = value
    cand.records[SERVICE] = record
    return cand
