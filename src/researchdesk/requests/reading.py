"""How the latest scan of a request read the library: its subjects, their best match, their sources."""

from __future__ import annotations

from typing import Any

from researchdesk.desk import Desk


def last_reading(desk: Desk, request_id: int) -> list[dict[str, Any]]:
    """Return the subjects as the request's latest scan read them (subject, best match, documents)."""
    for event in desk.store.events(request_id, subjects=["scan"], newest_first=True, limit=1):
        return list(event.detail.get("subjects", []))
    return []
