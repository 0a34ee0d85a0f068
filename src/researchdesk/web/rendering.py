"""Brief downloads rendered on request: a bounded number at a time, their memory handed back after.

A PDF render holds 50–100 MB of layout objects while it runs and keeps a core busy. Rendering every
download at once (the server's thread pool allows 40) gains nothing on a small machine and lets the
process grow with the number of simultaneous downloads; the glibc allocator then keeps the freed
memory in per-thread arenas. So renders take one of ``RESEARCHDESK_WEB_RENDER_SLOTS`` slots (others
wait their turn), and after each one the free heap pages go back to the system.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from functools import cache

from researchdesk.brief.figures import brief_figures
from researchdesk.brief.render import render_bytes
from researchdesk.brief.render.jsonfmt import brief_from_dict
from researchdesk.desk import Desk
from researchdesk.web.jobs import brief_options


def render_download(
    desk: Desk, body: dict[str, object], version: int, fmt: str, slots: threading.Semaphore
) -> bytes:
    """Return a stored brief version (its JSON ``body``) rendered in ``fmt``, with its figures, within a slot."""
    brief = brief_from_dict(body)
    brief.version = version
    brief.figures = brief_figures(desk, brief)
    options = brief_options(desk)
    with slots:
        try:
            return render_bytes(brief, fmt, options)
        finally:
            release_free_heap()


def release_free_heap() -> None:
    """Return the allocator's free pages to the system (glibc ``malloc_trim``; nothing elsewhere)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = libc.malloc_trim if libc is not None else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): the allocator has no trim
        return None
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
    return trim
