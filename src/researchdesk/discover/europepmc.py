"""Europe PMC: biomedical and public-health literature (PubMed and more), open full text where licensed."""

from __future__ import annotations

from typing import Any

from researchdesk.discover.candidates import Candidate, Notice
from researchdesk.discover.http import PoliteClient
from researchdesk.errors import BadResponse
from researchdesk.ingest.metadata import clean_text, normalize_date, normalize_doi

SERVICE = "europepmc"
BASE = "https://www.ebi.ac.uk/europepmc/webservices/rest"
MAX_PAGE = 100


def search(client: PoliteClient, query: str, limit: int = 25) -> list[Candidate]:
    """Return up to ``limit`` records Europe PMC finds for ``query`` (cursor paging)."""
    found: list[Candidate] = []
    cursor = "*"
    size = max(1, min(MAX_PAGE, limit))
    while len(found) < limit and cursor:
        params: dict[str, str | int] = {
            "query": query,
            "format": "json",
            "resultType": "core",
            "pageSize": size,
            "cursorMark": cursor,
        }
        if client.mailto:
            params["email"] = client.mailto
        data = client.get_json(SERVICE, f"{BASE}/search", params)
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("resultList"), dict)
            or not isinstance(data["resultList"].get("result"), list)
        ):
            raise BadResponse(
                f"{BASE}/search?query={query}",
                "Europe PMC answered something that is not a result list.",
                "Try again later; if it persists, report the query.",
            )
        results = data["resultList"]["result"]
        for record in results:
            if len(found) >= limit:
                break
            cand = work(record) if isinstance(record, dict) else None
            if cand is not None:
                cand.ranks[SERVICE] = len(found) + 1
                found.append(cand)
        next_cursor = str(data.get("nextCursorMark") or "")
        cursor = next_cursor if results and next_cursor != cursor else ""
    return found


def pmcid_of(value: str) -> str:
    """Return a PubMed Central id as ``PMC123`` (OpenAlex gives the bare number, Europe PMC the prefix)."""
    bare = value.strip().rstrip("/").rsplit("/", 1)[-1].upper().removeprefix("PMC")
    return f"PMC{bare}" if bare.isdigit() else ""


def full_text_url(pmcid: str) -> str:
    """Return where Europe PMC serves an open-access article's full text as JATS XML ("" for no id)."""
    known = pmcid_of(pmcid)
    return f"{BASE}/{known}/fullTextXML" if known else ""


def work(record: dict[str, Any]) -> Candidate | None:
    """Return a candidate from one Europe PMC record (``lite`` or ``core``)."""
    title = clean_text(str(record.get("title") or ""))
    if not title:
        return None
    journal = ((record.get("journalInfo") or {}).get("journal") or {}).get("title")
    authors_core = [
        clean_text(str(a.get("fullName") or ""))
        for a in (record.get("authorList") or {}).get("author") or []
        if isinstance(a, dict)
    ]
    authors = [a for a in authors_core if a] or [
        clean_text(a) for a in str(record.get("authorString") or "").rstrip(".").split(",") if a.strip()
    ]
    year = str(record.get("pubYear") or "")
    pmcid = str(record.get("pmcid") or "")
    is_oa = str(record.get("isOpenAccess") or "N").upper() == "Y"
    urls = [
        u
        for u in (record.get("fullTextUrlList") or {}).get("fullTextUrl") or []
        if isinstance(u, dict) and str(u.get("availabilityCode") or "").upper() in ("OA", "F")
    ]
    pdf = next((str(u.get("url")) for u in urls if str(u.get("documentStyle")) == "pdf"), "")
    html = next((str(u.get("url")) for u in urls if str(u.get("documentStyle")) in ("html", "doi")), "")
    cand = Candidate(
        title=title.rstrip("."),
        venue=clean_text(str(journal or record.get("journalTitle") or "")),
        year=int(year) if year.isdigit() else None,
        date=normalize_date(str(record.get("firstPublicationDate") or year)),
        authors=authors,
        abstract=clean_text(str(record.get("abstractText") or "").replace("<", " <")),
        doi=normalize_doi(str(record.get("doi") or "")),
        url=f"https://europepmc.org/article/{record.get('source', 'MED')}/{record.get('id', '')}",
        is_oa=is_oa,
        oa_status="open access (Europe PMC)" if is_oa else "unknown",
        oa_url=pdf or html,  # only a link Europe PMC itself lists as open: its article pages need scripts
        pdf_url=pdf,
        license=str(record.get("license") or ""),
        services=[SERVICE],
    )
    types = [str(t).lower() for t in (record.get("pubTypeList") or {}).get("pubType") or []]
    if "retracted publication" in types:
        cand.notices.append(Notice("retraction", source="europepmc publication type"))
    for c in (record.get("commentCorrectionList") or {}).get("commentCorrection") or []:
        kind = str((c or {}).get("type") or "").lower()
        if kind.startswith("retraction in"):
            cand.notices.append(Notice("retraction", str(c.get("id") or ""), "", "europepmc"))
        elif kind.startswith("erratum in"):
            cand.notices.append(Notice("correction", str(c.get("id") or ""), "", "europepmc"))
    cand.retracted = cand.refuses_quotes
    if record.get("pmid"):
        cand.ids["pmid"] = str(record["pmid"])
    if pmcid:
        cand.ids["pmcid"] = pmcid
    cand.records[SERVICE] = record
    return cand
