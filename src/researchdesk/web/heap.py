"""The web server's heap: few allocator arenas, and free pages handed back to the system.

Measured under load (``benchmarks/web_load.py --soak-minutes``, with memray): the server's live memory
stays at about 70 MB, yet its resident size crept up by tens of MB every few minutes. The difference
was memory already freed but kept by glibc's allocator, which gives each of the 40 request threads an
arena of its own (up to 8 per CPU) and returns little of it. So the server keeps ``ARENAS`` arenas and
hands free pages back every ``TRIM_EVERY_S`` seconds and after each brief render. Elsewhere (musl,
macOS) there is no such allocator to tune and these calls do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections.abc import Callable
from functools import cache

ARENAS = 2
TRIM_EVERY_S = 10.0
_M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h

_last_trim = time.monotonic()
_trim_lock = threading.Lock()


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for the threads started after this call; return whether it applied."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


def release_free_heap() -> None:
    """Return the allocator's free pages to the system now (glibc ``malloc_trim``)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def release_free_heap_now_and_then(every_s: float = TRIM_EVERY_S) -> bool:
    """Release the free heap if ``every_s`` seconds have passed since the last time; return whether it did."""
    global _last_trim
    now = time.monotonic()
    if now - _last_trim < every_s or not _trim_lock.acquire(blocking=False):
        return False
    try:
        _last_trim = now
        release_free_heap()
        return True
    finally:
        _trim_lock.release()


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim"):  # not glibc: nothing to tune
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    libc = _glibc()
    if libc is None:
        return None
    trim = libc.malloc_trim
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim
