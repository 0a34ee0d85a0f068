"""Query latency of every search mode, the same way for each store (used by the search-speed benchmark)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from researchdesk.search import Filters

# A filter that keeps about half the generated library: two source types and a date floor.
FILTERS = Filters(source_types=("journal article", "report"), date_from="2015")


def percentiles(times: Sequence[float]) -> tuple[float, float]:
    """Return (p50, p95) in milliseconds of durations in seconds."""
    arr = np.array(times) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def time_modes(index: Any, queries: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Return p50/p95 latency (ms, top 10, one query at a time) per mode of ``index.search``."""
    out = {}
    for label, mode, filters in (
        ("lexical", "lexical", None),
        ("semantic", "semantic", None),
        ("hybrid", "hybrid", None),
        ("hybrid + filters", "hybrid", FILTERS),
    ):
        times = []
        for q in queries:
            started = time.perf_counter()
            index.search(q, top_k=10, mode=mode, filters=filters)
            times.append(time.perf_counter() - started)
        out[label] = percentiles(times)
    return out
