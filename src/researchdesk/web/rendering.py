"""Brief downloads rendered on request, in worker processes, a bounded number at a time.

A PDF render holds 50–100 MB of layout objects while it runs and keeps a core busy, so renders take
one of ``RESEARCHDESK_WEB_RENDER_SLOTS`` worker processes and the others wait their turn.

They run outside the server process because the native libraries under the PDF and DOCX renderers do
not give all their memory back: rendering in the server's threads, it grew by 80–300 KB a download
and never stopped (``benchmarks/web_load.py --soak-minutes``). A worker is replaced after
``RENDERS_PER_WORKER`` renders, so whatever a renderer keeps is returned to the system with its
process, and the server's own memory stays flat however many briefs it serves. A delivered version
is rendered once per format and kept beside the files render jobs write (``brief_bytes``).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from researchdesk.brief.render import RenderOptions, render_bytes, renderer_for
from researchdesk.desk import Desk
from researchdesk.errors import RenderError
from researchdesk.models import Brief
from researchdesk.web.jobs import brief_file_name, brief_options, renders_dir, stored_brief, write_render
from researchdesk.work import BriefText

T = TypeVar("T")
log = logging.getLogger(__name__)

# A worker's memory grows by at most this many renders' leftovers before a fresh one takes its place;
# starting a worker (a fresh interpreter) takes well under a second here, less than one PDF render.
RENDERS_PER_WORKER = 100


class RenderPool:
    """Worker processes that render briefs, ``slots`` at a time; started on the first render."""

    def __init__(self, slots: int, renders_per_worker: int = RENDERS_PER_WORKER) -> None:
        self.slots = slots
        self.renders_per_worker = renders_per_worker
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def run(self, fn: Callable[..., T], *args: object) -> T:
        """Return ``fn(*args)`` computed in a worker, waiting for a free one (``fn`` and its arguments
        must pickle: a module-level function and plain data)."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.slots,
                    mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=self.renders_per_worker,
                )
            future = self._pool.submit(fn, *args)
        try:
            return future.result()
        except BrokenProcessPool as exc:
            self._discard_broken()
            raise RenderError(
                "The render worker stopped before it finished.",
                "Try the download again; if it keeps failing, the server may be short of memory.",
            ) from exc

    def render(self, brief: Brief, fmt: str, options: RenderOptions) -> bytes:
        """Return ``brief`` rendered in ``fmt``."""
        return self.run(render_bytes, brief, fmt, options)

    def close(self) -> None:
        """Stop the workers (waiting for renders under way)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _discard_broken(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def render_download(desk: Desk, body: dict[str, object], version: int, fmt: str, pool: RenderPool) -> bytes:
    """Return a stored brief version (its JSON ``body``) rendered in ``fmt`` with its figures, by ``pool``."""
    return pool.render(stored_brief(desk, body, version), fmt, brief_options(desk))


def brief_bytes(desk: Desk, row: BriefText, fmt: str, pool: RenderPool) -> bytes:
    """Return a brief version (as ``store.brief_version`` gives it) as a file in ``fmt``.

    A file already rendered for the version, by a render job or an earlier download, is served as it
    is. A delivered version is rendered once and kept: what was delivered does not change, and a PDF
    takes seconds of a render slot. A draft is rendered on every download, as it stands.
    """
    renderer = renderer_for(fmt)
    request_id, version = row.request_id, row.version
    name = brief_file_name(request_id, version, renderer.extension)
    path = renders_dir(desk.settings, request_id, version) / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render_download(desk, row.body, version, renderer.format, pool)
    if row.is_delivered:
        try:
            write_render(path, data)
        except OSError as exc:  # the download is still good; the next one renders again
            log.warning("Could not keep the rendered brief %s: %s", path, exc)
    return data
