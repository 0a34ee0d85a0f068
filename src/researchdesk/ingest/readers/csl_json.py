"""Reader for CSL-JSON record files (as Zotero and citation tools export them): one document per item."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from researchdesk.errors import CorruptFile
from researchdesk.ingest.metadata import clean_text, normalize_date, normalize_doi
from researchdesk.ingest.readers.record_fields import (
    decode_records,
    first_of,
    head_text,
    keywords_of,
    results_of,
)
from researchdesk.models import DocumentMeta, ReadResult, SourceType
from researchdesk.settings import Settings

_CSL_TYPES = {
    "article-journal": SourceType.JOURNAL_ARTICLE,
    "article": SourceType.JOURNAL_ARTICLE,
    "report": SourceType.REPORT,
    "webpage": SourceType.NEWS_WEB,
    "post-weblog": SourceType.NEWS_WEB,
    "post": SourceType.NEWS_WEB,
    "article-newspaper": SourceType.NEWS_WEB,
    "dataset": SourceType.DATASET,
}


def _csl_name(person: object) -> str:
    if not isinstance(person, dict):
        return clean_text(person) if isinstance(person, str) else ""
    if person.get("literal"):
        return first_of(person["literal"])
    family = " ".join(
        first_of(person.get(k)) for k in ("non-dropping-particle", "family") if first_of(person.get(k))
    )
    given = first_of(person.get("given"))
    suffix = first_of(person.get("suffix"))
    if suffix:
        given = f"{given}, {suffix}" if given else suffix
    return f"{family}, {given}" if family and given else family or given


def _csl_date(value: object) -> str:
    if not isinstance(value, dict):
        return normalize_date(value) if isinstance(value, str) else ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        numbers = []
        for part in parts[0][:3]:
            try:
                numbers.append(int(part))
            except (TypeError, ValueError):
                break
        if numbers:
            year = f"{numbers[0]:04d}"
            rest = "".join(f"-{n:02d}" for n in numbers[1:])
            return normalize_date(year + rest)
    return normalize_date(first_of(value.get("raw"), value.get("literal")))


def _csl_meta(item: dict[str, Any]) -> DocumentMeta:
    url = first_of(item.get("URL"), item.get("url"))
    return DocumentMeta(
        title=first_of(item.get("title")),
        authors=[n for n in (_csl_name(p) for p in item.get("author") or [] if p) if n]
        if isinstance(item.get("author"), list)
        else [],
        container=first_of(item.get("container-title"), item.get("collection-title")),
        publisher=first_of(item.get("publisher")),
        date=_csl_date(item.get("issued")),
        url=url,
        doi=normalize_doi(first_of(item.get("DOI"), item.get("doi")))
        or (normalize_doi(url) if "doi.org/" in url.lower() else ""),
        source_type=_CSL_TYPES.get(first_of(item.get("type")).lower(), SourceType.OTHER),
        language=first_of(item.get("language")),
        abstract=item.get("abstract", "").strip() if isinstance(item.get("abstract"), str) else "",
        keywords=keywords_of(item.get("keyword", "")),
    )


class CslJsonReader:
    """CSL-JSON: a list of items or one item (Zotero "Better CSL JSON", citeproc data)."""

    format = "csl-json"
    extensions: tuple[str, ...] = (".json",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True for JSON that opens with an object or array and has "title" and "type" keys."""
        text = head_text(head)
        if not text.startswith(("[", "{")):
            return False
        return bool(re.search(r'"type"\s*:', text) and re.search(r'"title"\s*:', text))

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the file's first usable item; :func:`read_records` gives all of them."""
        return self.read_all(path, data, settings)[0]

    def read_all(self, path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
        """Return one ReadResult per CSL item with a title."""
        text = decode_records(path, data, "CSL-JSON")
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorruptFile(
                path,
                f"the JSON is malformed at line {exc.lineno}, column {exc.colno} ({exc.msg})",
                "Re-export the records as CSL JSON and ingest them again.",
            ) from exc
        items = loaded if isinstance(loaded, list) else [loaded]
        warnings = [
            f"item {n} is not a JSON object and was skipped"
            for n, i in enumerate(items, 1)
            if not isinstance(i, dict)
        ]
        records = [i for i in items if isinstance(i, dict)]
        return results_of(path, records, _csl_meta, self.format, warnings)
