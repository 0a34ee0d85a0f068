"""The passages an index holds, stored column-wise, and the documents they belong to.

Numbers live in NumPy arrays (one ``passages.npy`` of int64 columns on disk), texts and document
attributes in JSON; both formats are plain and safe to load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from researchdesk.models import IndexedPassage

_COLUMNS = ("passage_id", "document_id", "start", "end", "page")
_NO_PAGE = -1


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
        self.texts: list[str] = []
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
        self.texts = [self.texts[i] for i in rows]
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
        """Write ``passages.npy``, ``passages.json`` and ``documents.json`` into ``directory``."""
        cols = (
            np.stack([getattr(self, name) for name in _COLUMNS], axis=1)
            if len(self)
            else np.zeros((0, len(_COLUMNS)), dtype=np.int64)
        )
        np.save(directory / "passages.npy", cols.astype(np.int64), allow_pickle=False)
        (directory / "passages.json").write_text(
            json.dumps({"text": self.texts, "section": self.sections}, ensure_ascii=False), encoding="utf-8"
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
        texts = json.loads((directory / "passages.json").read_text(encoding="utf-8"))
        table.texts = list(texts["text"])
        table.sections = list(texts["section"])
        docs = json.loads((directory / "documents.json").read_text(encoding="utf-8"))
        table.documents = {int(d["document_id"]): DocumentInfo(**d) for d in docs}
        if not (len(table.texts) == len(table.sections) == cols.shape[0]):
            raise ValueError("passages.npy and passages.json disagree on the number of passages")
        return table
