"""Bytes to text: byte-order marks, a declared charset, UTF-8, charset detection, Latin-1 last."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from researchdesk.errors import CorruptFile

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, path: Path | str, declared: str = "") -> tuple[str, str]:
    """Return (text, encoding name) for ``data``; raise CorruptFile for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding.replace("-sig", "")
    if b"\x00" in data[:65536]:
        raise CorruptFile(
            path, "the file holds binary data, not text", "Check that it is the file you meant to ingest."
        )
    for encoding in filter(None, (declared, "utf-8")):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "latin-1"
