"""Ingest: files, folders and globs into the library, one file at a time, each in its own transaction.

A bad file is reported (which file, what is wrong, what to do) and the batch goes on. Re-ingesting the
same files adds nothing: duplicates are found by content hash, DOI, and normalised title over the same
text (``ingest/duplicates.py``).
"""

from __future__ import annotations

import functools
import glob
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from researchdesk.desk import Desk
from researchdesk.errors import ReadError, TooLarge
from researchdesk.ingest.duplicates import find_duplicate
from researchdesk.ingest.isolation import IsolatedReaders
from researchdesk.ingest.progress import PageProgress
from researchdesk.ingest.readers import reader_for, supported_extensions
from researchdesk.ingest.segment import Span, build_text, passage_spans, sentence_spans
from researchdesk.models import DocumentMeta, Passage, ReadResult, Sentence
from researchdesk.store.blobs import content_hash

RECORD_FORMATS = ("ris", "bibtex", "csl-json")


@dataclass
class FileOutcome:
    """What happened to one file (or one record of a record file)."""

    path: str
    status: str  # added | duplicate | updated | failed
    document_id: int | None = None
    title: str = ""
    reason: str = ""
    hint: str = ""
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    pages: int = 0
    bytes: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_json(self) -> str:
        summary = {s: self.count(s) for s in ("added", "duplicate", "updated", "failed")}
        return json.dumps(
            {"summary": summary, "files": [asdict(o) for o in self.outcomes]}, ensure_ascii=False, indent=2
        )


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Return the files named by ``paths`` (files, folders searched recursively, globs) and the misses."""
    exts = supported_extensions()
    files: list[Path] = []
    missing: list[FileOutcome] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in exts and not p.name.startswith(".")
                )
            )
        elif path.is_file():
            files.append(path)
        elif any(ch in str(raw) for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(str(raw), recursive=True) if Path(p).is_file())
            files.extend(matched)
            if not matched:
                missing.append(FileOutcome(str(raw), "failed", reason="no file matches this pattern"))
        else:
            missing.append(
                FileOutcome(
                    str(raw), "failed", reason="no such file or folder", hint="Check the path and try again."
                )
            )
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, missing


def ingest_paths(
    desk: Desk,
    paths: Iterable[str | Path],
    progress: Callable[[Path, int, int], None] | None = None,
    pages: Callable[[Path, int, int], None] | None = None,
) -> IngestReport:
    """Ingest every file named by ``paths``; return what happened to each.

    ``progress`` hears (file, files done, files in all) before each file; ``pages`` hears (file, pages
    done, pages in all) while a file is read page by page (OCR of a scan).
    """
    files, missing = expand_paths(paths)
    report = IngestReport(outcomes=list(missing))
    readers = IsolatedReaders(desk.settings)
    try:
        for i, path in enumerate(files):
            if progress:
                progress(path, i, len(files))
            page_progress = None
            if pages is not None:
                page_progress = functools.partial(pages, path)
            report.outcomes.extend(ingest_file(desk, path, report, readers, page_progress))
    finally:
        readers.close()
    if progress:
        progress(Path(""), len(files), len(files))
    return report


def ingest_file(
    desk: Desk,
    path: Path,
    report: IngestReport | None = None,
    readers: IsolatedReaders | None = None,
    progress: PageProgress | None = None,
) -> list[FileOutcome]:
    """Ingest one file; never raises for bad input, returns one outcome per document in it.

    The reader runs in a worker process (``readers``, or one started for this file) under the
    configured time and memory limits; ``progress`` hears (pages done, pages in all) while a scan is
    read by OCR.
    """
    own = readers is None
    worker = readers or IsolatedReaders(desk.settings)
    try:
        data = _read_bytes(desk, path)
        reader = reader_for(path, data[:8192])  # unsupported or mislabelled files fail fast, here
        results = worker.read(path, data, records=reader.format in RECORD_FORMATS, progress=progress)
    except ReadError as exc:
        return [FileOutcome(str(path), "failed", reason=exc.reason, hint=exc.hint)]
    finally:
        if own:
            worker.close()
    if report is not None:
        report.bytes += len(data)
    outcomes = []
    for result in results:
        outcome = _store_result(desk, path, data, result)
        if report is not None and outcome.status in ("added", "updated"):
            report.pages += result.pages
        outcomes.append(outcome)
    return outcomes


def ingest_bytes(
    desk: Desk,
    name: str,
    data: bytes,
    meta: DocumentMeta | None = None,
    extra: dict[str, object] | None = None,
    result: ReadResult | None = None,
) -> FileOutcome:
    """Ingest a document held in memory (a download) under the file name ``name``; never raises for bad input.

    ``meta``'s non-empty fields replace what the reader found (a bibliographic record knows the title,
    authors and DOI better than a PDF's info dictionary); ``extra`` is kept with the document. A
    ``result`` already read (a record built from a service's answer) is stored as it is.
    """
    path = Path(name)
    if result is None:
        worker = IsolatedReaders(desk.settings)
        try:
            reader = reader_for(path, data[:8192])
            results = worker.read(path, data, records=reader.format in RECORD_FORMATS)
        except ReadError as exc:
            return FileOutcome(name, "failed", reason=exc.reason, hint=exc.hint)
        finally:
            worker.close()
        if not results:
            return FileOutcome(name, "failed", reason="nothing could be read from it")
        result = results[0]
    if meta is not None:
        for key, value in vars(meta).items():
            if value not in ("", [], None) and key != "source_type":
                setattr(result.meta, key, value)
        result.meta.source_type = meta.source_type
    return _store_result(desk, path, data, result, extra)


def _read_bytes(desk: Desk, path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > desk.settings.max_file_bytes:
            raise TooLarge(
                path,
                f"the file is {size / 1e6:.1f} MB, over the limit of {desk.settings.max_file_mb:g} MB",
                "Split it, or raise RESEARCHDESK_MAX_FILE_MB if it is a genuine document.",
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReadError(
            path, "the file disappeared before it could be read", "Check where it went and ingest it again."
        ) from exc
    except PermissionError as exc:
        raise ReadError(
            path, "permission denied", "Make the file readable (chmod +r) and ingest it again."
        ) from exc
    except IsADirectoryError as exc:
        raise ReadError(path, "this is a folder, not a file", "Pass the folder itself to ingest.") from exc
    except OSError as exc:
        raise ReadError(
            path, f"cannot read the file ({exc.strerror})", "Check the disk and the path."
        ) from exc
    if not data:
        from researchdesk.errors import EmptyFile

        raise EmptyFile(
            path, "the file is empty (0 bytes)", "Check that it was saved or downloaded completely."
        )
    return data


def _store_result(
    desk: Desk, path: Path, data: bytes, result: ReadResult, more: dict[str, object] | None = None
) -> FileOutcome:
    meta = result.meta
    text, spans = build_text(result.blocks)
    if not text.strip():
        return FileOutcome(
            str(path), "failed", reason="no text could be extracted", hint="If it is a scan, run OCR first."
        )
    # Record files hold many documents: each record is keyed by its own content, not the file's.
    is_record = result.format in RECORD_FORMATS
    digest = content_hash(_record_key(meta, text).encode()) if is_record else content_hash(data)
    store = desk.store
    duplicate = find_duplicate(store, digest, meta.doi, meta.title, text, path.name, result.format)
    passages, sentences = segment(text, spans)
    extra: dict[str, object] = {"original": content_hash(data), "source_path": path.name}
    if result.warnings:
        extra["warnings"] = result.warnings
    if result.ocr:
        extra["ocr"] = result.ocr
    extra.update(more or {})
    if duplicate is not None:
        doc_id, why = duplicate
        known = store.get_document(doc_id)
        # The same file (name and format) with new content is a new version: update it in place,
        # keeping the document id, its corrections and the evidence that points at it.
        if why != "same content" and known.file_name == path.name and known.format == result.format:
            desk.blobs.put(data)
            store.replace_document_content(
                doc_id, meta, text, digest, len(data), result.pages, passages, sentences, extra, "ingest"
            )
            return FileOutcome(
                str(path), "updated", document_id=doc_id, title=meta.title, reason=f"new version ({why})"
            )
        return FileOutcome(str(path), "duplicate", document_id=doc_id, title=meta.title, reason=why)
    desk.blobs.put(data)
    doc_id = store.add_document(
        meta, text, digest, path.name, result.format, len(data), result.pages, passages, sentences, extra
    )
    return FileOutcome(
        str(path),
        "added",
        document_id=doc_id,
        title=meta.title,
        missing=meta.missing(),
        warnings=result.warnings,
    )


def segment(text: str, spans: list[Span]) -> tuple[list[Passage], list[Sentence]]:
    """Return the passages and sentences of a document text, all offsets into ``text``."""
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    for seq, p in enumerate(passage_spans(text, spans)):
        passages.append(
            Passage(0, seq, p.start, p.end, text[p.start : p.end], p.section, p.page, p.kind, p.label)
        )
        sentences.extend(Sentence(0, seq, s, e) for s, e in sentence_spans(text, p.start, p.end))
    return passages, sentences


def _record_key(meta: DocumentMeta, text: str) -> str:
    return json.dumps([meta.title, meta.doi, meta.date, meta.authors, text[:2000]], ensure_ascii=False)
