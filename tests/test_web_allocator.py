"""The web app caps glibc's malloc arenas before its request threads start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from researchdesk.web.allocator import ARENAS, _glibc

pytestmark = pytest.mark.skipif(_glibc() is None, reason="the C library is not glibc: no arenas to cap")

# Builds the app (or not), then runs 12 threads that each hold a malloc'd block at the same moment,
# and prints glibc's own per-arena statistics (one "Arena N:" line per arena) to stderr.
PROBE = """
import ctypes, ctypes.util, sys, threading
from pathlib import Path
if sys.argv[1] == "app":
    from researchdesk.settings import Settings
    from researchdesk.web.app import create_app
    create_app(Settings(home=Path(sys.argv[2])))
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
together = threading.Barrier(12)
def hold():
    block = libc.malloc(4096)
    together.wait()
    libc.free(block)
threads = [threading.Thread(target=hold) for _ in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc.malloc_stats()
"""


def _arenas(mode: str, home: Path, **env: str) -> int:
    environ = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(home)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_the_app_caps_malloc_arenas_for_its_threads(tmp_path: Path) -> None:
    # Without the app, twelve threads at once get arenas of their own (the probe can see them) ...
    assert _arenas("bare", tmp_path / "desk") > ARENAS
    # ... and after the app is built, they share the capped few.
    assert _arenas("app", tmp_path / "desk") <= ARENAS


def test_an_operators_malloc_arena_max_is_left_alone(tmp_path: Path) -> None:
    assert _arenas("app", tmp_path / "desk", MALLOC_ARENA_MAX="4") == 4
