"""Progress inside one file: a reader that works page by page (OCR of a long scan) says how far it is.

A reader keeps its plain ``read(path, data, settings)`` signature; whoever wants to hear of its
progress wraps the call in ``reporting(callback)``, and the reader calls ``report(done, total)`` as it
goes (a no-op when nobody listens). The reader worker process forwards each report over its pipe, so
the command line can show "OCR page 37 of 200" and the time limit counts from the last page read, not
from the start of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# (pages done, pages in all) for the file being read.
PageProgress = Callable[[int, int], None]

_LISTENER: ContextVar[PageProgress | None] = ContextVar("researchdesk_page_progress", default=None)


@contextmanager
def reporting(callback: PageProgress | None) -> Iterator[None]:
    """Within the block, send the reader's ``report`` calls to ``callback``."""
    token = _LISTENER.set(callback)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def report(done: int, total: int) -> None:
    """Tell the listener (if any) that ``done`` of ``total`` pages are read."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(done, total)
