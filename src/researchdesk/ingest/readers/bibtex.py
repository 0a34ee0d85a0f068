"""Reader for BibTeX record files (bibtexparser): one document per entry, LaTeX markup turned into text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from researchdesk.errors import CorruptFile
from researchdesk.ingest.metadata import clean_text, normalize_doi
from researchdesk.ingest.readers.record_fields import (
    best_date,
    decode_records,
    file_path,
    head_text,
    keywords_of,
    results_of,
)
from researchdesk.models import DocumentMeta, ReadResult, SourceType
from researchdesk.settings import Settings

_BIBTEX_TYPES = {
    "article": SourceType.JOURNAL_ARTICLE,
    "report": SourceType.REPORT,
    "techreport": SourceType.REPORT,
    "online": SourceType.NEWS_WEB,
    "webpage": SourceType.NEWS_WEB,
    "electronic": SourceType.NEWS_WEB,
    "www": SourceType.NEWS_WEB,
    "dataset": SourceType.DATASET,
}


def _latex_to_text(value: str) -> str:
    """Return BibTeX/LaTeX markup as plain text (accents decoded, protective braces removed)."""
    if not any(c in value for c in "\\{}$~"):
        return clean_text(value)
    try:
        from pylatexenc.latex2text import LatexNodes2Text

        return clean_text(LatexNodes2Text().latex_to_text(value))
    except Exception:  # malformed markup: keep the text without braces rather than fail the record
        return clean_text(value.replace("{", "").replace("}", ""))


def _bibtex_name(name: str) -> str:
    """Return a BibTeX name as "Family, Given" (a braced corporate name stays whole)."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    stripped = name.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        return _latex_to_text(stripped[1:-1])
    try:
        parts = parse_single_name_into_parts(stripped)
    except Exception:  # an unparsable name is kept as written
        return _latex_to_text(stripped)
    family = " ".join(parts.von + parts.last)
    given = " ".join(parts.first)
    if parts.jr:
        given = f"{given}, {' '.join(parts.jr)}" if given else " ".join(parts.jr)
    family, given = _latex_to_text(family), _latex_to_text(given)
    return f"{family}, {given}" if family and given else family or given


def _bibtex_file(value: str) -> str:
    """Return the first path of a BibTeX ``file`` field (JabRef "desc:path:type" or a plain path)."""
    first = value.split(";")[0].strip()
    parts = re.split(r"(?<!\\):", first)
    # JabRef / Mendeley: ":path:PDF" or "desc:path:PDF"; a Windows drive letter splits off too.
    if len(parts) >= 3:
        middle = ":".join(parts[1:-1])
        return middle.replace("\\:", ":")
    return file_path(first.replace("\\:", ":"))


def _bibtex_meta(fields: dict[str, Any]) -> DocumentMeta:
    from bibtexparser.middlewares.names import split_multiple_persons_names

    def get(key: str) -> str:
        value = fields.get(key, "")
        return _latex_to_text(value) if isinstance(value, str) else ""

    people = fields.get("author") or fields.get("editor") or ""
    authors = (
        [_bibtex_name(n) for n in split_multiple_persons_names(people)] if isinstance(people, str) else []
    )
    month = get("month")
    year = get("year")
    if month.isdigit() and year:
        month_date = f"{year}-{int(month):02d}" if 1 <= int(month) <= 12 else year
    else:
        month_date = f"{month} {year}" if year else ""
    file_value = fields.get("file", "")
    url = get("url")
    return DocumentMeta(
        title=get("title"),
        authors=[a for a in authors if a],
        container=get("journal") or get("journaltitle") or get("booktitle") or get("series"),
        publisher=get("publisher") or get("institution") or get("organization") or get("school"),
        date=best_date(get("date") or year, month_date),
        url=url,
        doi=normalize_doi(get("doi")) or (normalize_doi(url) if "doi.org/" in url.lower() else ""),
        source_type=_BIBTEX_TYPES.get(str(fields.get("ENTRYTYPE", "")).lower(), SourceType.OTHER),
        language=get("language") or get("langid"),
        abstract=get("abstract"),
        keywords=keywords_of(get("keywords")),
        linked_file=_bibtex_file(file_value) if isinstance(file_value, str) and file_value.strip() else "",
    )


_BIBTEX_ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.MULTILINE)


class BibtexReader:
    """BibTeX / BibLaTeX entries (bibtexparser v2); @string macros are resolved, LaTeX accents decoded."""

    format = "bibtex"
    extensions: tuple[str, ...] = (".bib", ".bibtex")

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True when an ``@type{`` entry opens a line and nothing but comments precede the first."""
        text = head_text(head)
        match = _BIBTEX_ENTRY.search(text)
        if not match or match.group(1).lower() in ("import", "media", "font", "charset", "keyframes"):
            return False
        before = [line.strip() for line in text[: match.start()].splitlines() if line.strip()]
        return suffix in self.extensions or all(line.startswith("%") for line in before)

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the file's first usable entry; :func:`read_records` gives all of them."""
        return self.read_all(path, data, settings)[0]

    def read_all(self, path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
        """Return one ReadResult per BibTeX entry with a title."""
        import bibtexparser

        text = decode_records(path, data, "BibTeX")
        try:
            library = bibtexparser.parse_string(text)
        except Exception as exc:
            raise CorruptFile(
                path, f"the BibTeX cannot be parsed ({exc})", "Re-export the entries as BibTeX and try again."
            ) from exc
        warnings = [
            f"a BibTeX block near line {getattr(b, 'start_line', 0) + 1} could not be parsed and was skipped"
            for b in library.failed_blocks
        ]
        records: list[dict[str, Any]] = []
        for entry in library.entries:
            fields = {f.key.lower(): f.value for f in entry.fields}
            fields["ENTRYTYPE"] = entry.entry_type
            records.append(fields)
        if not records and warnings:
            raise CorruptFile(path, "; ".join(warnings[:3]), "Fix the entries' braces and ingest it again.")
        return results_of(path, records, _bibtex_meta, self.format, warnings)
