"""When a document read is one the library already holds: the same bytes, the same DOI, or the same
title over the same text.

A title alone does not make two documents one: "What is shingles?" heads answers from several
sources, "Annual Report 2023" the reports of many agencies. Two documents with the same title are
the same document when the text of the shorter is for the most part in the longer (the web page and
the PDF of one article; a bibliographic record's abstract and the article), or when the new one is
the same file again (its name and format) with new content: a new version of it.
"""

from __future__ import annotations

import re
from typing import Protocol

from researchdesk.models import Document, normalize_title

# Share of the shorter text's word triples found in the longer one from which two texts are one
# text, read twice (hyphenation, running heads, a reference list or a figure more or less).
SAME_TEXT = 0.5
_WORD = re.compile(r"[^\W_]+")


class LibraryRows(Protocol):
    """What the duplicate check reads of the store."""

    def find_duplicate(self, content_hash: str, doi: str, norm_title: str) -> tuple[int, str] | None: ...

    def documents_titled(self, norm_title: str) -> list[int]: ...

    def get_document(self, document_id: int) -> Document: ...


def _triples(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return set(zip(words, words[1:], words[2:], strict=False))


def same_text(a: str, b: str) -> bool:
    """Return True when the shorter of two texts is, for the most part, in the longer one."""
    short, long = sorted((_triples(a), _triples(b)), key=len)
    if not short:
        return not long
    return len(short & long) >= SAME_TEXT * len(short)


def find_duplicate(
    store: LibraryRows, content_hash: str, doi: str, title: str, text: str, file_name: str, fmt: str
) -> tuple[int, str] | None:
    """Return (document id, why) when the library already holds this document, else None."""
    found = store.find_duplicate(content_hash, doi, normalize_title(title))
    if found is None or found[1] != "same title":
        return found
    for document_id in store.documents_titled(normalize_title(title)):
        known = store.get_document(document_id)
        if known.file_name == file_name and known.format == fmt:
            return document_id, "same title"
        if same_text(known.text, text):
            return document_id, "same title and text"
    return None
