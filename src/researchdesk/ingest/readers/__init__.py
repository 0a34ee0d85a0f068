"""One reader per file format behind one protocol; the format is decided by content, not by name.

Adding a format is adding one module with a ``READER`` object and listing it in ``_MODULES``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from researchdesk.errors import CorruptFile, UnsupportedFormat
from researchdesk.models import ReadResult
from researchdesk.settings import Settings


class Reader(Protocol):
    """Turns the bytes of one file into a ``ReadResult`` or raises a ``ReadError``."""

    format: str
    extensions: tuple[str, ...]

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True when ``head`` (the first 8 KiB) looks like this format."""
        ...

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the document's description and blocks; raise ``ReadError`` subclasses on bad input."""
        ...


# Order matters: formats with a clear signature first, plain text last.
_MODULES = ("pdf", "image", "docx", "jats", "html", "records", "text")


def readers() -> list[Reader]:
    """Return the built-in readers in detection order."""
    found: list[Reader] = []
    for name in _MODULES:
        module = importlib.import_module(f"researchdesk.ingest.readers.{name}")
        found.extend(getattr(module, "READERS", [getattr(module, "READER", None)]))
    return [r for r in found if r is not None]


def supported_extensions() -> set[str]:
    """Return the file name extensions (with dot) that ingest picks up from folders."""
    return {ext for r in readers() for ext in r.extensions}


def reader_for(path: Path, head: bytes) -> Reader:
    """Return the reader for a file, judged by its content; a mislabelled file is an error."""
    suffix = path.suffix.lower()
    by_content = [r for r in readers() if r.sniff(head, suffix)]
    by_name = [r for r in readers() if suffix in r.extensions]
    if by_content:
        chosen = by_content[0]
        if by_name and chosen not in by_name and suffix in _BINARY_SUFFIXES:
            raise CorruptFile(
                path,
                f"the name says {suffix} but the content is {chosen.format}",
                f"Rename it to the right extension (e.g. {chosen.extensions[0]}) and ingest it again.",
            )
        return chosen
    if by_name:
        # The name promises a format whose signature is missing: damaged or mislabelled.
        raise CorruptFile(
            path,
            f"the name says {suffix} but the content is not a valid {by_name[0].format} file",
            "Open it in its usual program to check it, re-export or re-download it, and ingest it again.",
        )
    raise UnsupportedFormat(
        path,
        "no reader for this kind of file",
        "Supported: " + ", ".join(sorted(supported_extensions())) + ".",
    )


_BINARY_SUFFIXES = {".pdf", ".docx"}
