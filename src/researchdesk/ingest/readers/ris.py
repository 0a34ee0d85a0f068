"""Reader for RIS record files (rispy): one document per record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from researchdesk.errors import CorruptFile
from researchdesk.ingest.metadata import clean_text, normalize_doi
from researchdesk.ingest.readers.record_fields import (
    best_date,
    decode_records,
    file_path,
    first_of,
    head_text,
    keywords_of,
    results_of,
)
from researchdesk.models import DocumentMeta, ReadResult, SourceType
from researchdesk.settings import Settings

_RIS_TYPES = {
    "JOUR": SourceType.JOURNAL_ARTICLE,
    "JFULL": SourceType.JOURNAL_ARTICLE,
    "EJOUR": SourceType.JOURNAL_ARTICLE,
    "RPRT": SourceType.REPORT,
    "GOVDOC": SourceType.REPORT,
    "ELEC": SourceType.NEWS_WEB,
    "WEB": SourceType.NEWS_WEB,
    "BLOG": SourceType.NEWS_WEB,
    "NEWS": SourceType.NEWS_WEB,
    "DATA": SourceType.DATASET,
}


def _ris_meta(record: dict[str, Any]) -> DocumentMeta:
    urls = [u for u in record.get("urls", []) if isinstance(u, str)]
    files = [f for f in record.get("file_attachments1", []) or [] if isinstance(f, str)]
    if isinstance(record.get("file_attachments1"), str):
        files = [record["file_attachments1"]]
    files += [u for u in urls if u.lower().startswith("file:")]
    web = [u for u in urls if not u.lower().startswith("file:")]
    authors = [
        clean_text(a) for a in record.get("authors", []) + record.get("first_authors", []) if a.strip()
    ]
    doi = normalize_doi(first_of(record.get("doi", ""))) or next(
        (normalize_doi(u) for u in web if "doi.org/" in u.lower()), ""
    )
    return DocumentMeta(
        title=first_of(record.get("title"), record.get("primary_title"), record.get("short_title")),
        authors=list(dict.fromkeys(authors)),
        container=first_of(
            record.get("secondary_title"),
            record.get("alternate_title3"),
            record.get("journal_name"),
            record.get("alternate_title2"),
            record.get("alternate_title1"),
        ),
        publisher=first_of(record.get("publisher")),
        date=best_date(
            first_of(record.get("year")),
            first_of(record.get("publication_year")),
            first_of(record.get("date")),
        ),
        url=first_of(web),
        doi=doi,
        source_type=_RIS_TYPES.get(first_of(record.get("type_of_reference")).upper(), SourceType.OTHER),
        language=first_of(record.get("language")),
        abstract=(record.get("abstract") or record.get("notes_abstract") or "").strip(),
        keywords=keywords_of(record.get("keywords", [])),
        linked_file=file_path(files[0]) if files else "",
    )


class RisReader:
    """RIS records (Zotero, EndNote, Mendeley, databases' exports)."""

    format = "ris"
    extensions: tuple[str, ...] = (".ris",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True when the first line is a RIS type tag ("TY  - ")."""
        return head_text(head).startswith("TY  -")

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the file's first usable record; :func:`read_records` gives all of them."""
        return self.read_all(path, data, settings)[0]

    def read_all(self, path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
        """Return one ReadResult per RIS record with a title."""
        import rispy

        text = decode_records(path, data, "RIS")
        try:
            records = rispy.loads(text.replace("\r\n", "\n"))
        except Exception as exc:  # rispy raises plain IOError/ValueError subclasses on bad structure
            raise CorruptFile(
                path,
                f"the RIS records cannot be parsed ({exc})",
                "Re-export the records as RIS and try again.",
            ) from exc
        return results_of(path, records, _ris_meta, self.format, [])
