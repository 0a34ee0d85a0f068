"""The bytes of a text file decoded, robustly: a BOM (UTF-8/16/32), UTF-16 without one, the charset the
file declares, strict UTF-8, charset detection, Latin-1 as the last resort; a file that is not UTF-8 is
reported.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from researchdesk.errors import CorruptFile, EmptyFile

# --- decoding -------------------------------------------------------------------------------------

# UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control characters that never appear in text (tab, newlines and form feed do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _bom(data: bytes) -> tuple[str, int]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return "", 0


def _utf16_without_bom(data: bytes) -> str:
    """Return "utf-16-le"/"utf-16-be" when NUL bytes sit in every other byte (ASCII-range UTF-16), else ""."""
    sample = data[:4096]
    if len(sample) < 4:
        return ""
    even, odd = sample[0::2], sample[1::2]
    pairs = min(len(even), len(odd))
    if odd.count(0) >= 0.4 * pairs and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.4 * pairs and odd.count(0) == 0:
        return "utf-16-be"
    return ""


# Encodings of Western European text; preferred when the detector finds them as plausible as its first
# guess, because short Latin-1 texts decode identically under many code pages and the detector then
# picks an arbitrary one (cp1250 for "café").
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_1", "iso8859_15"})


def _detect_single_encoding(data: bytes) -> str:
    """Return the encoding charset-normalizer finds most plausible (Western code pages preferred), or ""."""
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
    except Exception:  # the detector is a convenience; Latin-1 always works as a last resort
        return ""
    if not matches:
        return ""
    best = matches[0]
    for match in matches:
        if match.chaos <= best.chaos + 0.1 and _WESTERN & set(match.could_be_from_charset):
            return "cp1252"
    return str(best.encoding or "")


def decode_text(data: bytes, path: Path | str = "", declared: str = "") -> tuple[str, str]:
    """Return ``(text, encoding)`` for the bytes of a text file; raise ``CorruptFile`` for binary data.

    Order: a BOM (UTF-8/16/32), UTF-16 without BOM, the charset the file declares (HTML), strict
    UTF-8, charset-normalizer, Latin-1.
    """
    encoding, skip = _bom(data)
    if not encoding:
        encoding = _utf16_without_bom(data)
    if encoding:
        try:
            return data[skip:].decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise CorruptFile(
                path,
                f"the file says it is {encoding} text but cannot be decoded as such ({exc.reason})",
                "Re-save it as UTF-8 text and ingest it again.",
            ) from exc
    if b"\x00" in data:
        raise CorruptFile(
            path,
            "the file holds binary data (NUL bytes), not text",
            "Check that it is the file you meant; convert it to PDF, DOCX or UTF-8 text and ingest it again.",
        )
    for candidate in filter(None, (declared, "utf-8")):
        try:
            return data.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    detected = _detect_single_encoding(data)
    if detected:
        try:
            return data.decode(detected), detected
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "latin-1"


def looks_like_text(head: bytes) -> bool:
    """Return True when ``head`` decodes as text without control characters (a BOM-less cut is allowed)."""
    encoding, skip = _bom(head)
    if not encoding:
        encoding = _utf16_without_bom(head)
    if encoding:
        sample = head[skip:]
        # The head may be cut in the middle of a code unit.
        unit = 4 if "32" in encoding else 2
        sample = sample[: len(sample) - len(sample) % unit]
        text = sample.decode(encoding, errors="replace")
    else:
        if b"\x00" in head:
            return False
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the 8 KiB head is still text.
            text = head[: exc.start].decode("utf-8") if exc.start >= len(head) - 3 else head.decode("latin-1")
    if not text:
        return True
    return len(_CONTROL.findall(text)) <= max(1, len(text) // 200)


def encoding_warning(encoding: str) -> list[str]:
    """Return the warning a reader reports for a file that was not UTF-8 (none for UTF-8)."""
    return [] if encoding == "utf-8" else [f"decoded as {encoding} (the file is not UTF-8)"]


def empty_file(path: Path, what: str) -> EmptyFile:
    """Return the error for a ``what`` file (text, Markdown) that holds no text."""
    return EmptyFile(path, f"the {what} file holds no text", "Check that it is the file you meant.")
