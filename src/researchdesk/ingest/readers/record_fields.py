"""What the bibliographic record readers share: the first usable value of a field, the best date, an
abstract as blocks, a linked file's path, keywords, the results of a whole file and its decoding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from researchdesk.errors import CorruptFile, EmptyFile
from researchdesk.ingest.metadata import clean_text, normalize_date
from researchdesk.ingest.readers.decoding import decode_text
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult


def first_of(*values: object) -> str:
    """Return the first non-empty value as clean text (lists give their first non-empty item)."""
    for value in values:
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), "")
        if isinstance(value, str | int) and str(value).strip():
            return clean_text(str(value))
    return ""


def best_date(*values: str) -> str:
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


def file_path(value: str) -> str:
    """Return the local path named by a ``file:`` URL or a plain path."""
    value = value.strip()
    if value.lower().startswith("file:"):
        parsed = urlparse(value)
        return unquote(parsed.path) or value[5:]
    return value


def keywords_of(value: object) -> list[str]:
    """Return a record's keywords from a list or a ';'/','-separated string, as clean text."""
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        items = re.split(r"[;,]", value)
    else:
        items = []
    return [clean_text(k) for k in items if clean_text(k)]


def results_of(
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


def decode_records(path: Path, data: bytes, fmt: str) -> str:
    """Return a record file's text; a file without any raises EmptyFile."""
    text, _ = decode_text(data, path)
    if not text.strip():
        raise EmptyFile(path, f"the {fmt} file is empty", "Check that it is the file you meant.")
    return text


def head_text(head: bytes) -> str:
    """Return the start of a file as text for sniffing (a UTF-8 or UTF-16 byte-order mark honoured)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore").lstrip()
    return head.decode("utf-8", errors="ignore").lstrip()
