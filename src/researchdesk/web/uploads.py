"""Uploaded files: safe names, size and count limits, and the kind judged by content (the readers' sniff)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from starlette.datastructures import UploadFile

from researchdesk.errors import ReadError
from researchdesk.ingest.readers import reader_for

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(raw: str | None, fallback: str = "upload") -> str:
    """Return a plain file name from a client's name: no folders, no control or odd characters, no dot-files."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name  # both separators stripped
    name = unicodedata.normalize("NFKC", name)
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_+", "_", name)
    if not name or name in {".", ".."}:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if dot and len(name) > 120:
        name = stem[: 119 - len(ext)] + "." + ext
    return name[:120]


@dataclass
class Accepted:
    name: str
    data: bytes
    format: str


@dataclass
class Rejected:
    name: str
    reason: str
    hint: str = ""


async def take(upload: UploadFile, max_bytes: int) -> Accepted | Rejected:
    """Read one uploaded file within the size limit and check its kind by content."""
    name = safe_name(upload.filename)
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        return Rejected(
            name, f"the file is over the upload limit of {max_bytes / 1e6:.0f} MB", "Upload a smaller file."
        )
    if not data:
        return Rejected(name, "the file is empty (0 bytes)", "Check that it was saved completely.")
    try:
        reader = reader_for(Path(name), data[:8192])
    except ReadError as exc:
        return Rejected(name, exc.reason, exc.hint)
    return Accepted(name, data, reader.format)


def unique_name(folder: Path, name: str) -> Path:
    """Return a path in ``folder`` for ``name`` that does not exist yet (name-2.ext, name-3.ext ...)."""
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target
