"""The passages an index holds, stored column-wise, and the documents they belong to.

Numbers live in NumPy arrays (one ``passages.npy`` of int64 columns on disk), texts in one UTF-8 file
with a NumPy array of byte offsets (read on demand when loaded), headings and document attributes in
JSON; all plain formats, safe to load.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import overload

import numpy as np

from researchdesk.models import IndexedPassage

_COLUMNS = ("passage_id", "document_id", "start", "end", "page")
_NO_PAGE = -1
COPY_CHUNK = 8 << 20  # bytes read at once when an index copies its texts into a new file


class TextColumn(Sequence[str]):
    """Passage texts: those loaded from disk stay in their UTF-8 file, read on demand; new ones in a list.

    A search reads a dozen texts per query, so holding every text as a Python string (about 180 MB
    at 100k passages) is memory the search process does not need. Texts are read with ``pread``, not
    through a memory map: a mapped page brings its neighbours with it, and at 100k passages 100
    searches made 50 MB of the file resident in the search process to read 2 MB of text.
    """

    def __init__(self, texts: Sequence[str] = ()) -> None:
        self._fd: int | None = None  # of the texts' file, closed when the column is collected
        self._offsets = np.zeros(1, dtype=np.int64)
        self._extra: list[str] = list(texts)

    @classmethod
    def open(cls, blob_path: Path, offsets_path: Path) -> TextColumn:
        """Return the column stored in a UTF-8 file and its offsets (n + 1 byte positions)."""
        column = cls()
        column._offsets = np.load(offsets_path, allow_pickle=False).astype(np.int64)
        if blob_path.stat().st_size != int(column._offsets[-1]):
            raise ValueError(f"{blob_path.name} and {offsets_path.name} disagree")
        if column._offsets[-1] > 0:
            column._fd = os.open(blob_path, os.O_RDONLY)
            weakref.finalize(column, os.close, column._fd)
        return column

    def _base(self) -> int:
        return len(self._offsets) - 1

    def __len__(self) -> int:
        return self._base() + len(self._extra)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        base = self._base()
        if index >= base:
            return self._extra[index - base]
        lo, hi = int(self._offsets[index]), int(self._offsets[index + 1])
        if self._fd is None or lo == hi:
            return ""
        return os.pread(self._fd, hi - lo, lo).decode("utf-8")

    def extend(self, texts: Iterable[str]) -> None:
        """Append texts."""
        self._extra.extend(texts)

    def take(self, rows: Iterable[int]) -> TextColumn:
        """Return a new in-memory column of the given rows."""
        return TextColumn([self[int(i)] for i in rows])

    def write(self, blob_path: Path, offsets_path: Path) -> None:
        """Write the texts as one UTF-8 file and their byte offsets.

        Texts still in their file are copied as bytes, in large chunks (decoding and encoding them one
        by one took 0.7 s at 100k passages); only the texts added since are encoded.
        """
        base = self._base()
        offsets = np.zeros(len(self) + 1, dtype=np.int64)
        offsets[: base + 1] = self._offsets[: base + 1]
        with blob_path.open("wb") as handle:
            position, end = 0, int(self._offsets[base])
            while self._fd is not None and position < end:
                chunk = os.pread(self._fd, min(COPY_CHUNK, end - position), position)
                if not chunk:
                    raise OSError(f"the index's text file ended at byte {position} of {end}")
                handle.write(chunk)
                position += len(chunk)
            for i, text in enumerate(self._extra, start=base + 1):
                data = text.encode("utf-8")
                handle.write(data)
                position += len(data)
                offsets[i] = position
        np.save(offsets_path, offsets, allow_pickle=False)


@dataclass
class DocumentInfo:
    """The document attributes that search filters and displays by."""

    document_id: int
    title: str = ""
    date: str = ""
    source_type: str = ""
    publisher: str = ""
    container: str = ""
    file_name: str = ""


class PassageTable:
    """Passages in index order: ids and offsets as arrays, texts as lists, documents by id."""

    def __init__(self) -> None:
        self.passage_id = np.zeros(0, dtype=np.int64)
        self.document_id = np.zeros(0, dtype=np.int64)
        self.start = np.zeros(0, dtype=np.int64)
        self.end = np.zeros(0, dtype=np.int64)
        self.page = np.zeros(0, dtype=np.int64)
        self.texts = TextColumn()
        self.sections: list[str] = []
        self.documents: dict[int, DocumentInfo] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def append(self, passages: Sequence[IndexedPassage]) -> None:
        """Append passages; a document's attributes are taken from its latest passage."""
        if not passages:
            return
        cols = np.array(
            [
                (p.passage_id, p.document_id, p.start, p.end, _NO_PAGE if p.page is None else p.page)
                for p in passages
            ],
            dtype=np.int64,
        ).reshape(-1, len(_COLUMNS))
        for name, column in zip(_COLUMNS, cols.T, strict=True):
            setattr(self, name, np.concatenate([getattr(self, name), column]))
        self.texts.extend(p.text for p in passages)
        self.sections.extend(p.section for p in passages)
        for p in passages:
            self.documents[p.document_id] = DocumentInfo(
                p.document_id, p.title, p.date, p.source_type, p.publisher, p.container, p.file_name
            )

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where ``mask`` is true, and the documents they belong to."""
        rows = np.flatnonzero(mask)
        for name in _COLUMNS:
            setattr(self, name, getattr(self, name)[rows])
        self.texts = self.texts.take(rows)
        self.sections = [self.sections[i] for i in rows]
        kept = set(self.document_id.tolist())
        self.documents = {d: info for d, info in self.documents.items() if d in kept}

    def passage(self, row: int) -> IndexedPassage:
        """Return the passage in ``row`` as a record."""
        doc = self.documents[int(self.document_id[row])]
        page = int(self.page[row])
        return IndexedPassage(
            passage_id=int(self.passage_id[row]),
            document_id=doc.document_id,
            text=self.texts[row],
            section=self.sections[row],
            page=None if page == _NO_PAGE else page,
            start=int(self.start[row]),
            end=int(self.end[row]),
            title=doc.title,
            date=doc.date,
            source_type=doc.source_type,
            publisher=doc.publisher,
            container=doc.container,
            file_name=doc.file_name,
        )

    def save(self, directory: Path) -> None:
        """Write ``passages.npy``, ``passages_text.bin`` (+ offsets), ``passages.json`` and ``documents.json``."""
        cols = (
            np.stack([getattr(self, name) for name in _COLUMNS], axis=1)
            if len(self)
            else np.zeros((0, len(_COLUMNS)), dtype=np.int64)
        )
        np.save(directory / "passages.npy", cols.astype(np.int64), allow_pickle=False)
        self.texts.write(directory / "passages_text.bin", directory / "passages_text_offsets.npy")
        (directory / "passages.json").write_text(
            json.dumps({"section": self.sections}, ensure_ascii=False), encoding="utf-8"
        )
        (directory / "documents.json").write_text(
            json.dumps([asdict(d) for d in self.documents.values()], ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> PassageTable:
        """Return the table saved in ``directory``."""
        table = cls()
        cols = np.load(directory / "passages.npy", allow_pickle=False).reshape(-1, len(_COLUMNS))
        for name, column in zip(_COLUMNS, cols.T, strict=True):
            setattr(table, name, np.ascontiguousarray(column, dtype=np.int64))
        table.texts = TextColumn.open(
            directory / "passages_text.bin", directory / "passages_text_offsets.npy"
        )
        columns = json.loads((directory / "passages.json").read_text(encoding="utf-8"))
        # Many passages share a heading: keep one string per distinct heading.
        headings: dict[str, str] = {}
        table.sections = [headings.setdefault(h, h) for h in columns["section"]]
        docs = json.loads((directory / "documents.json").read_text(encoding="utf-8"))
        table.documents = {int(d["document_id"]): DocumentInfo(**d) for d in docs}
        if not (len(table.texts) == len(table.sections) == cols.shape[0]):
            raise ValueError("passages.npy and passages.json disagree on the number of passages")
        return table
