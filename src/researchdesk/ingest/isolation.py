"""Readers run in a separate worker process, with a time limit and a memory limit per file.

A hostile or broken file (a PDF that makes PDFium loop, a zip bomb that slips past the checks, a
parser crash) then costs one clear per-file error instead of the whole batch: on a timeout or a
crash the worker is killed and started again, and the batch goes on.

A reader that works page by page (OCR of a scan) reports each page over the pipe
(``researchdesk.ingest.progress``); the caller hears of it, and the time limit counts from the last
page read, so a long scan that keeps moving is not stopped while a stuck page still is.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from researchdesk.errors import ReadError
from researchdesk.ingest.progress import PageProgress, reporting
from researchdesk.models import ReadResult
from researchdesk.settings import Settings

_CONTEXT = mp.get_context("spawn")  # a clean interpreter: no inherited threads, locks or big mappings


class IsolatedReaders:
    """One reader worker process, started on first use and restarted after a timeout or crash."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._process: Any = None
        self._conn: Connection | None = None

    def read(
        self, path: Path, data: bytes, records: bool, progress: PageProgress | None = None
    ) -> list[ReadResult]:
        """Return what the file's reader makes of ``data``; raise ReadError on any failure.

        ``progress`` hears (pages done, pages in all) from readers that work page by page.
        """
        conn = self._worker()
        limit = self.settings.reader_timeout_s
        try:
            conn.send((str(path), data, records))
            pages = 0
            while True:
                if not conn.poll(limit):
                    self.close()
                    since = f"after page {pages} " if pages else ""
                    raise ReadError(
                        path,
                        f"reading took longer than {limit:g} s {since}and was stopped",
                        "The file may be damaged or pathological; open and re-save it, or raise "
                        "RESEARCHDESK_READER_TIMEOUT_S if it is a genuinely huge document.",
                    )
                kind, payload = conn.recv()
                if kind != "progress":
                    break
                pages = payload[0]
                if progress is not None:
                    progress(*payload)
        except (EOFError, OSError, BrokenPipeError) as exc:
            code = self._process.exitcode if self._process is not None else None
            self.close()
            raise ReadError(
                path,
                _crash_reason(code, self.settings.reader_memory_mb),
                "The file is damaged or too complex to read safely; re-export it (e.g. print to PDF) and try again.",
            ) from exc
        if kind == "ok":
            return list(payload)
        cls, reason, hint = payload
        raise _rebuild(cls, path, reason, hint)

    def _worker(self) -> Connection:
        if self._process is None or not self._process.is_alive() or self._conn is None:
            self.close()
            parent, child = _CONTEXT.Pipe()
            self._process = _CONTEXT.Process(
                target=_serve,
                args=(child, self.settings.model_dump(mode="json"), self.settings.reader_memory_mb),
                daemon=True,
                name="researchdesk-reader",
            )
            self._process.start()
            child.close()
            self._conn = parent
        return self._conn

    def close(self) -> None:
        """Stop the worker (killing it if it is busy)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
            self._process = None


def _crash_reason(exitcode: int | None, memory_mb: int) -> str:
    if exitcode is not None and exitcode < 0:
        return f"the reader crashed (signal {-exitcode}) on this file"
    return f"the reader stopped on this file (exit code {exitcode}; the memory limit is {memory_mb} MB)"


def _rebuild(cls_name: str, path: Path, reason: str, hint: str) -> ReadError:
    from researchdesk import errors

    cls = getattr(errors, cls_name, ReadError)
    if not (isinstance(cls, type) and issubclass(cls, ReadError)):
        cls = ReadError
    return cls(path, reason, hint)


def _serve(conn: Connection, settings_data: dict[str, Any], memory_mb: int) -> None:
    """Worker loop: read files sent over ``conn`` until the pipe closes."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from researchdesk.ingest.readers import reader_for

    settings = Settings(**settings_data)
    while True:
        try:
            path_text, data, records = conn.recv()
        except (EOFError, OSError):
            return
        path = Path(path_text)

        def forward(done: int, total: int) -> None:
            conn.send(("progress", (done, total)))

        try:
            reader = reader_for(path, data[:8192])
            with reporting(forward):
                if records:
                    from researchdesk.ingest.readers.records import read_records

                    results = read_records(path, data, settings)
                else:
                    results = [reader.read(path, data, settings)]
            conn.send(("ok", results))
        except ReadError as exc:
            conn.send(("error", (type(exc).__name__, exc.reason, exc.hint)))
        except MemoryError:
            conn.send(
                (
                    "error",
                    (
                        "TooLarge",
                        f"reading needed more than the {memory_mb} MB memory limit",
                        "Split the file, or raise RESEARCHDESK_READER_MEMORY_MB.",
                    ),
                )
            )
        except RecursionError:
            conn.send(("error", ("CorruptFile", "the file is nested too deeply to read", "Re-export it.")))
        except Exception as exc:  # a reader bug must not stop the batch: report it with its cause
            where = traceback.extract_tb(exc.__traceback__)[-1]
            conn.send(
                (
                    "error",
                    (
                        "CorruptFile",
                        f"the reader failed on this file ({type(exc).__name__}: {str(exc)[:200]} "
                        f"at {Path(where.filename).name}:{where.lineno})",
                        "The file may be damaged; re-export it and ingest it again, and report the error.",
                    ),
                )
            )
