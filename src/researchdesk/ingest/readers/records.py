"""Readers for bibliographic record files: RIS, BibTeX and CSL-JSON.

A record file may describe many documents. The pipeline calls :func:`read_records` for these formats and
gets one ``ReadResult`` per usable record; ``Reader.read`` (the protocol) returns only the first record.
A record's abstract becomes its blocks (an "Abstract" heading and the abstract paragraphs), so abstracts are
searchable. Records without a title are skipped; the skipped ones are reported in the first result's warnings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from researchdesk.errors import CorruptFile, EmptyFile, UnsupportedFormat
from researchdesk.ingest.metadata import clean_text, normalize_date, normalize_doi
from researchdesk.ingest.readers.decoding import decode_text
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult, SourceType
from researchdesk.settings import Settings

# --- shared helpers -------------------------------------------------------------------------------


def _first(*values: object) -> str:
    """Return the first non-empty value as clean text (lists give their first non-empty item)."""
    for value in values:
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), "")
        if isinstance(value, str | int) and str(value).strip():
            return clean_text(str(value))
    return ""


def _best_date(*values: str) -> str:
    """Return the most specific normalised date among ``values`` that agrees with the first one's year."""
    dates = [d for d in (normalize_date(v) for v in values if v) if d]
    if not dates:
        return ""
    year = dates[0][:4]
    same_year = [d for d in dates if d[:4] == year]
    return max(same_year, key=len)


def abstract_blocks(abstract: str) -> list[Block]:
    """Return an "Abstract" heading and one paragraph per abstract paragraph."""
    paragraphs = [clean_text(p) for p in re.split(r"\n\s*\n", abstract) if p.strip()]
    if not paragraphs:
        return []
    # Level 2: a leading level-1 heading would be read as the document's title, and the abstract's
    # passages must stand under "Abstract" (their quotes are located there; it is a part that reports findings).
    return [Block("Abstract", BlockKind.HEADING, level=2)] + [Block(p) for p in paragraphs]


def _file_path(value: str) -> str:
    """Return the local path named by a ``file:`` URL or a plain path."""
    value = value.strip()
    if value.lower().startswith("file:"):
        parsed = urlparse(value)
        return unquote(parsed.path) or value[5:]
    return value


def _keywords(value: object) -> list[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        items = re.split(r"[;,]", value)
    else:
        items = []
    return [clean_text(k) for k in items if clean_text(k)]


def _results(
    path: Path,
    records: Iterable[dict[str, Any]],
    to_meta: Callable[[dict[str, Any]], DocumentMeta],
    fmt: str,
    warnings: list[str],
) -> list[ReadResult]:
    """Return one ReadResult per record that has a title; skipped records become warnings."""
    results: list[ReadResult] = []
    skipped: list[str] = list(warnings)
    for number, record in enumerate(records, start=1):
        meta = to_meta(record)
        if not meta.title:
            skipped.append(f"record {number} has no title and was skipped")
            continue
        blocks = abstract_blocks(meta.abstract)
        notes = (
            []
            if blocks
            else [f"record {number} ({meta.title[:60]}) has no abstract; only its description is kept"]
        )
        results.append(ReadResult(meta=meta, blocks=blocks, format=fmt, warnings=notes))
    if not results:
        if skipped:
            raise EmptyFile(
                path,
                f"no usable record in this {fmt} file ({'; '.join(skipped[:3])})",
                "Give each record a title (TI / title) and ingest it again.",
            )
        raise CorruptFile(
            path,
            f"no {fmt} records found in the file",
            "Check that it is the file you meant, or re-export it.",
        )
    results[0].warnings[:0] = skipped
    return results


def _decode(path: Path, data: bytes, fmt: str) -> str:
    text, _ = decode_text(data, path)
    if not text.strip():
        raise EmptyFile(path, f"the {fmt} file is empty", "Check that it is the file you meant.")
    return text


def _head_text(head: bytes) -> str:
    """Return the start of a file as text for sniffing (a UTF-8 or UTF-16 byte-order mark honoured)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore").lstrip()
    return head.decode("utf-8", errors="ignore").lstrip()


# --- RIS ------------------------------------------------------------------------------------------

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
    doi = normalize_doi(_first(record.get("doi", ""))) or next(
        (normalize_doi(u) for u in web if "doi.org/" in u.lower()), ""
    )
    return DocumentMeta(
        title=_first(record.get("title"), record.get("primary_title"), record.get("short_title")),
        authors=list(dict.fromkeys(authors)),
        container=_first(
            record.get("secondary_title"),
            record.get("alternate_title3"),
            record.get("journal_name"),
            record.get("alternate_title2"),
            record.get("alternate_title1"),
        ),
        publisher=_first(record.get("publisher")),
        date=_best_date(
            _first(record.get("year")), _first(record.get("publication_year")), _first(record.get("date"))
        ),
        url=_first(web),
        doi=doi,
        source_type=_RIS_TYPES.get(_first(record.get("type_of_reference")).upper(), SourceType.OTHER),
        language=_first(record.get("language")),
        abstract=(record.get("abstract") or record.get("notes_abstract") or "").strip(),
        keywords=_keywords(record.get("keywords", [])),
        linked_file=_file_path(files[0]) if files else "",
    )


class RisReader:
    """RIS records (Zotero, EndNote, Mendeley, databases' exports)."""

    format = "ris"
    extensions: tuple[str, ...] = (".ris",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True when the first line is a RIS type tag ("TY  - ")."""
        return _head_text(head).startswith("TY  -")

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the file's first usable record; :func:`read_records` gives all of them."""
        return self.read_all(path, data, settings)[0]

    def read_all(self, path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
        """Return one ReadResult per RIS record with a title."""
        import rispy

        text = _decode(path, data, "RIS")
        try:
            records = rispy.loads(text.replace("\r\n", "\n"))
        except Exception as exc:  # rispy raises plain IOError/ValueError subclasses on bad structure
            raise CorruptFile(
                path,
                f"the RIS records cannot be parsed ({exc})",
                "Re-export the records as RIS and try again.",
            ) from exc
        return _results(path, records, _ris_meta, self.format, [])


# --- BibTeX ---------------------------------------------------------------------------------------

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
    return _file_path(first.replace("\\:", ":"))


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
        date=_best_date(get("date") or year, month_date),
        url=url,
        doi=normalize_doi(get("doi")) or (normalize_doi(url) if "doi.org/" in url.lower() else ""),
        source_type=_BIBTEX_TYPES.get(str(fields.get("ENTRYTYPE", "")).lower(), SourceType.OTHER),
        language=get("language") or get("langid"),
        abstract=get("abstract"),
        keywords=_keywords(get("keywords")),
        linked_file=_bibtex_file(file_value) if isinstance(file_value, str) and file_value.strip() else "",
    )


_BIBTEX_ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.MULTILINE)


class BibtexReader:
    """BibTeX / BibLaTeX entries (bibtexparser v2); @string macros are resolved, LaTeX accents decoded."""

    format = "bibtex"
    extensions: tuple[str, ...] = (".bib", ".bibtex")

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True when an ``@type{`` entry opens a line and nothing but comments precede the first."""
        text = _head_text(head)
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

        text = _decode(path, data, "BibTeX")
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
        return _results(path, records, _bibtex_meta, self.format, warnings)


# --- CSL-JSON -------------------------------------------------------------------------------------

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
        return _first(person["literal"])
    family = " ".join(
        _first(person.get(k)) for k in ("non-dropping-particle", "family") if _first(person.get(k))
    )
    given = _first(person.get("given"))
    suffix = _first(person.get("suffix"))
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
    return normalize_date(_first(value.get("raw"), value.get("literal")))


def _csl_meta(item: dict[str, Any]) -> DocumentMeta:
    url = _first(item.get("URL"), item.get("url"))
    return DocumentMeta(
        title=_first(item.get("title")),
        authors=[n for n in (_csl_name(p) for p in item.get("author") or [] if p) if n]
        if isinstance(item.get("author"), list)
        else [],
        container=_first(item.get("container-title"), item.get("collection-title")),
        publisher=_first(item.get("publisher")),
        date=_csl_date(item.get("issued")),
        url=url,
        doi=normalize_doi(_first(item.get("DOI"), item.get("doi")))
        or (normalize_doi(url) if "doi.org/" in url.lower() else ""),
        source_type=_CSL_TYPES.get(_first(item.get("type")).lower(), SourceType.OTHER),
        language=_first(item.get("language")),
        abstract=item.get("abstract", "").strip() if isinstance(item.get("abstract"), str) else "",
        keywords=_keywords(item.get("keyword", "")),
    )


class CslJsonReader:
    """CSL-JSON: a list of items or one item (Zotero "Better CSL JSON", citeproc data)."""

    format = "csl-json"
    extensions: tuple[str, ...] = (".json",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True for JSON that opens with an object or array and has "title" and "type" keys."""
        text = _head_text(head)
        if not text.startswith(("[", "{")):
            return False
        return bool(re.search(r'"type"\s*:', text) and re.search(r'"title"\s*:', text))

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the file's first usable item; :func:`read_records` gives all of them."""
        return self.read_all(path, data, settings)[0]

    def read_all(self, path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
        """Return one ReadResult per CSL item with a title."""
        text = _decode(path, data, "CSL-JSON")
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
        return _results(path, records, _csl_meta, self.format, warnings)


RIS_READER = RisReader()
BIBTEX_READER = BibtexReader()
CSL_JSON_READER = CslJsonReader()
READERS: list[RisReader | BibtexReader | CslJsonReader] = [RIS_READER, BIBTEX_READER, CSL_JSON_READER]


def read_records(path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
    """Return one ReadResult per usable record of a RIS, BibTeX or CSL-JSON file (format judged by content).

    Raises ``EmptyFile`` when no record has a title, ``CorruptFile`` when the file cannot be parsed and
    ``UnsupportedFormat`` when the content is none of the three formats.
    """
    head = data[:8192]
    suffix = path.suffix.lower()
    for reader in READERS:
        if reader.sniff(head, suffix):
            return reader.read_all(path, data, settings)
    for reader in READERS:
        if suffix in reader.extensions:
            if not data.strip():
                raise EmptyFile(
                    path, f"the {reader.format} file is empty", "Check that it is the file you meant."
                )
            return reader.read_all(path, data, settings)
    raise UnsupportedFormat(
        path,
        "the file is not a RIS, BibTeX or CSL-JSON record file",
        "Export the records as RIS, BibTeX or CSL JSON and ingest them again.",
    )
