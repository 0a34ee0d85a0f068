"""A content-addressed folder that keeps every original file byte for byte."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path


def content_hash(data: bytes) -> str:
    """Return the SHA-256 hex digest that names ``data`` in the folder."""
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Files named by their SHA-256, in two-level fan-out folders; writes are atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its digest."""
        digest = content_hash(data)
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def verify(self, digest: str) -> bool:
        """Return True when the stored file still hashes to its name."""
        path = self.path(digest)
        return path.exists() and content_hash(path.read_bytes()) == digest

    def digests(self) -> Iterator[str]:
        for path in self.root.glob("*/*/*"):
            if path.is_file() and not path.name.startswith("."):
                yield path.name

    def remove(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
