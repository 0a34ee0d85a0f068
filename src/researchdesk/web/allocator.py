"""The web server's memory allocator: a cap on glibc's malloc arenas.

glibc gives each new thread an arena of its own, up to eight per CPU, and hands little of an arena's
freed memory back to the system. The server runs requests on up to 40 threads, so its resident size
crept up under steady load while its live memory did not (``benchmarks/web_load.py --soak-minutes``;
the README has the figures). In a 30-minute soak, two arenas took the SQLite web process from growing
133 MB an hour to 25, levelling off. Where the C library is not glibc (musl, macOS) there is nothing
to cap and the call does nothing; a ``MALLOC_ARENA_MAX`` already in the environment is the
operator's choice and is left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for the threads started after this call; return whether the cap applies."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    # malloc_trim exists only in glibc: elsewhere mallopt's parameter numbers mean other things.
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc
