"""Rows of the library: documents (with their metadata edits), passages and sentences.

A mixin of the store like ``work.py``: plain ``self.conn.execute`` with ``?`` placeholders inside
``self.transaction()``. A document's text is stored once; passages and sentences are offsets into it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from researchdesk.errors import DocumentNotFound
from researchdesk.models import (
    BlockKind,
    Document,
    DocumentEdit,
    DocumentMeta,
    IndexedPassage,
    LibraryStats,
    Passage,
    Sentence,
    SourceType,
    normalize_title,
)
from researchdesk.store.clock import now


class DocumentRows:
    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by the store
        raise NotImplementedError

    # --- documents ------------------------------------------------------------------------------

    def find_duplicate(self, content_hash: str, doi: str, norm_title: str) -> tuple[int, str] | None:
        """Return (document id, why) when the library already holds this document."""
        row = self.conn.execute("SELECT id FROM documents WHERE content_hash=?", (content_hash,)).fetchone()
        if row:
            return int(row["id"]), "same content"
        if doi:
            row = self.conn.execute("SELECT id FROM documents WHERE doi=?", (doi,)).fetchone()
            if row:
                return int(row["id"]), f"same DOI {doi}"
        if norm_title and len(norm_title) >= 20:
            row = self.conn.execute("SELECT id FROM documents WHERE norm_title=?", (norm_title,)).fetchone()
            if row:
                return int(row["id"]), "same title"
        return None

    def documents_titled(self, norm_title: str) -> list[int]:
        """Return the ids of the documents whose normalised title is ``norm_title``, oldest first."""
        if not norm_title:
            return []
        rows = self.conn.execute("SELECT id FROM documents WHERE norm_title=? ORDER BY id", (norm_title,))
        return [int(r["id"]) for r in rows.fetchall()]

    def add_document(
        self,
        meta: DocumentMeta,
        text: str,
        content_hash: str,
        file_name: str,
        fmt: str,
        size: int,
        pages: int,
        passages: list[Passage],
        sentences: list[Sentence],
        extra: dict[str, Any] | None = None,
    ) -> int:
        """Insert a document with its passages and sentences in one transaction; return its id."""
        stamp = now()
        with self.transaction() as conn:
            cur = conn.execute(
                """INSERT INTO documents (content_hash, title, norm_title, authors, publisher, container, date,
                   url, doi, source_type, language, abstract, keywords, file_name, format, size, pages, text,
                   extra, added_at, updated_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (
                    content_hash,
                    meta.title,
                    normalize_title(meta.title),
                    json.dumps(meta.authors, ensure_ascii=False),
                    meta.publisher,
                    meta.container,
                    meta.date,
                    meta.url,
                    meta.doi,
                    str(meta.source_type),
                    meta.language,
                    meta.abstract,
                    json.dumps(meta.keywords, ensure_ascii=False),
                    file_name,
                    fmt,
                    size,
                    pages,
                    text,
                    json.dumps(extra or {}, ensure_ascii=False),
                    stamp,
                    stamp,
                ),
            )
            doc_id = int(cur.lastrowid or 0)
            self._insert_passages(conn, doc_id, passages, sentences)
        return doc_id

    def _insert_passages(
        self, conn: Any, doc_id: int, passages: list[Passage], sentences: list[Sentence]
    ) -> None:
        conn.executemany(
            "INSERT INTO passages (document_id, seq, start, end, section, page, kind, label, text)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (doc_id, p.seq, p.start, p.end, p.section, p.page, str(p.kind), p.label, p.text)
                for p in passages
            ],
        )
        conn.executemany(
            "INSERT INTO sentences (document_id, passage_seq, start, end) VALUES (?,?,?,?)",
            [(doc_id, s.passage_seq, s.start, s.end) for s in sentences],
        )

    def get_document(self, document_id: int) -> Document:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (document_id,)).fetchone()
        if row is None:
            raise DocumentNotFound(document_id)
        return _document(row)

    def documents(self, with_text: bool = False) -> list[Document]:
        cols = "*" if with_text else "id, " + ", ".join(_DOC_COLUMNS_NO_TEXT)
        rows = self.conn.execute(f"SELECT {cols} FROM documents ORDER BY id").fetchall()
        return [_document(r) for r in rows]

    def document_titles(self, ids: Iterable[int]) -> dict[int, str]:
        """Return the display title (the title, or else the file name) of each of the given documents
        that the library holds, without reading the whole catalogue."""
        wanted, titles = sorted(set(ids)), {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in self.conn.execute(
                f"SELECT id, title, file_name FROM documents WHERE id IN ({marks})", chunk
            ):
                titles[int(row["id"])] = row["title"] or row["file_name"]
        return titles

    def text_span(self, document_id: int, start: int, end: int) -> str:
        """Return characters ``start:end`` of a document's text (empty past its end), read in the
        database rather than loading the whole text."""
        start = max(0, start)
        if end <= start:
            return ""
        row = self.conn.execute(
            "SELECT substr(text, ?, ?) AS span FROM documents WHERE id=?",
            (start + 1, end - start, document_id),
        ).fetchone()
        if row is None:
            raise DocumentNotFound(document_id)
        return str(row["span"] or "")

    def document_ids(self) -> set[int]:
        return {int(r[0]) for r in self.conn.execute("SELECT id FROM documents")}

    def count_documents(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def update_document_meta(self, document_id: int, changes: dict[str, Any], who: str) -> Document:
        """Apply metadata corrections, keeping each old value in the edit history."""
        doc = self.get_document(document_id)
        stamp = now()
        with self.transaction() as conn:
            for field, value in changes.items():
                old = getattr(doc.meta, field)
                stored = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
                old_stored = json.dumps(old, ensure_ascii=False) if isinstance(old, list) else str(old)
                conn.execute(
                    f"UPDATE documents SET {field}=?, updated_at=? WHERE id=?", (stored, stamp, document_id)
                )
                if field == "title":
                    conn.execute(
                        "UPDATE documents SET norm_title=? WHERE id=?",
                        (normalize_title(str(value)), document_id),
                    )
                conn.execute(
                    "INSERT INTO document_edits (document_id, field, old, new, who, at) VALUES (?,?,?,?,?,?)",
                    (document_id, field, old_stored, stored, who, stamp),
                )
        return self.get_document(document_id)

    def document_edits(self, document_id: int) -> list[DocumentEdit]:
        """Return the changes made to a document's metadata, oldest first."""
        rows = self.conn.execute(
            "SELECT field, old, new, who, at FROM document_edits WHERE document_id=? ORDER BY id",
            (document_id,),
        ).fetchall()
        return [DocumentEdit(r["field"], r["old"], r["new"], r["who"], r["at"]) for r in rows]

    def update_document_extra(self, document_id: int, extra: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE documents SET extra=? WHERE id=?", (json.dumps(extra, ensure_ascii=False), document_id)
        )

    def replace_document_content(
        self,
        document_id: int,
        meta: DocumentMeta,
        text: str,
        content_hash: str,
        size: int,
        pages: int,
        passages: list[Passage],
        sentences: list[Sentence],
        extra: dict[str, Any],
        who: str,
    ) -> None:
        """Replace a document's text, passages and sentences by a new version of the same file.

        Fields a user corrected by hand keep the correction; other metadata comes from the new file.
        """
        corrected = {e.field for e in self.document_edits(document_id) if e.field != "content"}
        old = self.get_document(document_id)
        stamp = now()
        with self.transaction() as conn:
            conn.execute("DELETE FROM sentences WHERE document_id=?", (document_id,))
            conn.execute("DELETE FROM passages WHERE document_id=?", (document_id,))
            values: dict[str, Any] = {
                "title": meta.title,
                "authors": json.dumps(meta.authors, ensure_ascii=False),
                "publisher": meta.publisher,
                "container": meta.container,
                "date": meta.date,
                "url": meta.url,
                "doi": meta.doi,
                "source_type": str(meta.source_type),
                "language": meta.language,
                "abstract": meta.abstract,
            }
            values = {k: v for k, v in values.items() if k not in corrected}
            if "title" in values:
                values["norm_title"] = normalize_title(meta.title)
            values.update(
                content_hash=content_hash,
                text=text,
                size=size,
                pages=pages,
                updated_at=stamp,
                extra=json.dumps({**old.extra, **extra}, ensure_ascii=False),
            )
            sets = ", ".join(f"{k}=?" for k in values)
            conn.execute(f"UPDATE documents SET {sets} WHERE id=?", (*values.values(), document_id))
            self._insert_passages(conn, document_id, passages, sentences)
            conn.execute(
                "INSERT INTO document_edits (document_id, field, old, new, who, at) VALUES (?,?,?,?,?,?)",
                (document_id, "content", old.content_hash, content_hash, who, stamp),
            )

    def remove_document(self, document_id: int) -> Document:
        doc = self.get_document(document_id)
        with self.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE id=?", (document_id,))
        return doc

    def content_hashes(self) -> dict[int, str]:
        return {int(r[0]): str(r[1]) for r in self.conn.execute("SELECT id, content_hash FROM documents")}

    # --- passages and sentences -----------------------------------------------------------------

    def passages(self, document_id: int) -> list[Passage]:
        rows = self.conn.execute(
            "SELECT * FROM passages WHERE document_id=? ORDER BY seq", (document_id,)
        ).fetchall()
        return [_passage(r) for r in rows]

    def passage(self, passage_id: int) -> Passage:
        row = self.conn.execute("SELECT * FROM passages WHERE id=?", (passage_id,)).fetchone()
        if row is None:
            raise DocumentNotFound(f"of passage {passage_id}")
        return _passage(row)

    def passages_by_id(self, passage_ids: list[int]) -> dict[int, Passage]:
        found: dict[int, Passage] = {}
        for chunk in _chunks(passage_ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT * FROM passages WHERE id IN ({marks})", chunk):
                found[int(row["id"])] = _passage(row)
        return found

    def sentences(self, document_id: int, passage_seq: int | None = None) -> list[Sentence]:
        if passage_seq is None:
            rows = self.conn.execute(
                "SELECT * FROM sentences WHERE document_id=? ORDER BY start", (document_id,)
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT * FROM sentences WHERE document_id=? AND passage_seq=? ORDER BY start",
                (document_id, passage_seq),
            ).fetchall()
        return [
            Sentence(
                int(r["document_id"]), int(r["passage_seq"]), int(r["start"]), int(r["end"]), int(r["id"])
            )
            for r in rows
        ]

    def count_passages(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM passages").fetchone()[0])

    def iter_indexed_passages(self, after_passage_id: int = 0) -> Iterator[IndexedPassage]:
        """Yield passages with their document's attributes, in passage id order."""
        rows = self.conn.execute(
            """SELECT p.id, p.document_id, p.text, p.section, p.page, p.start, p.end, d.title, d.date,
                      d.source_type, d.publisher, d.container, d.file_name
               FROM passages p JOIN documents d ON d.id = p.document_id
               WHERE p.id > ? ORDER BY p.id""",
            (after_passage_id,),
        )
        for r in rows:
            yield IndexedPassage.from_row(r)

    def stats(self) -> LibraryStats:
        """Return what the library holds, counted."""
        by_type = {
            r[0]: int(r[1])
            for r in self.conn.execute("SELECT source_type, count(*) FROM documents GROUP BY source_type")
        }
        by_format = {
            r[0]: int(r[1])
            for r in self.conn.execute("SELECT format, count(*) FROM documents GROUP BY format")
        }
        return LibraryStats(
            documents=self.count_documents(),
            passages=self.count_passages(),
            sentences=int(self.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]),
            by_source_type=by_type,
            by_format=by_format,
            bytes_of_originals=int(
                self.conn.execute("SELECT coalesce(sum(size),0) FROM documents").fetchone()[0]
            ),
        )


_DOC_COLUMNS_NO_TEXT = (
    "content_hash",
    "title",
    "authors",
    "publisher",
    "container",
    "date",
    "url",
    "doi",
    "source_type",
    "language",
    "abstract",
    "keywords",
    "file_name",
    "format",
    "size",
    "pages",
    "extra",
    "added_at",
    "updated_at",
)


def _document(row: sqlite3.Row) -> Document:
    keys = row.keys()
    meta = DocumentMeta(
        title=row["title"],
        authors=json.loads(row["authors"]),
        publisher=row["publisher"],
        container=row["container"],
        date=row["date"],
        url=row["url"],
        doi=row["doi"],
        source_type=SourceType(row["source_type"]),
        language=row["language"],
        abstract=row["abstract"],
        keywords=json.loads(row["keywords"]),
    )
    return Document(
        id=int(row["id"]),
        meta=meta,
        text=row["text"] if "text" in keys else "",
        content_hash=row["content_hash"],
        file_name=row["file_name"],
        format=row["format"],
        size=int(row["size"]),
        pages=int(row["pages"]),
        added_at=row["added_at"],
        updated_at=row["updated_at"],
        extra=json.loads(row["extra"]),
    )


def _passage(row: sqlite3.Row) -> Passage:
    return Passage(
        document_id=int(row["document_id"]),
        seq=int(row["seq"]),
        start=int(row["start"]),
        end=int(row["end"]),
        text=row["text"],
        section=row["section"],
        page=row["page"],
        kind=BlockKind(row["kind"]),
        label=row["label"],
        id=int(row["id"]),
    )


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
