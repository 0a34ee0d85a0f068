"""The store's clock: every row's timestamp is UTC ISO 8601 to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """Return the current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
