"""A scan's look beyond the library: each subject asked of the open scholarly indexes, every request and
what came back logged, the candidates kept for the request.
"""

from __future__ import annotations

from typing import Any

from researchdesk.desk import Desk

BEYOND_FACET = "beyond the library"
BEYOND_LIMIT = 10  # candidates asked of each service for each subject
BEYOND_SERVICES = ("openalex", "europepmc")  # the discover service's defaults: topic search, open full text


def look_beyond(desk: Desk, request_id: int, run: int, subjects: list[str]) -> list[dict[str, Any]]:
    """Ask the open scholarly indexes about each subject; log every request and what came back.

    One scan-log row per subject and service: the requests (URL, status, from the cache or not), the
    error if the service could not answer, the number of candidates, and the library documents that
    already hold some of them. The candidates are saved for ``researchdesk bring`` and as the request's
    own list (its "Beyond the library" page), and returned.
    """
    from researchdesk.discover.service import DiscoverResult, discover, save_candidates

    found: list[Any] = []
    for subject in subjects:
        for service in BEYOND_SERVICES:
            res = discover(desk, subject, [service], BEYOND_LIMIT, save=False)
            log = {
                "service": service,
                "requests": [
                    {"url": e.url, "status": e.status, "cached": e.cached, "error": e.error}
                    for e in res.exchanges
                ],
            }
            if service in res.errors:
                log["error"] = res.errors[service]
            held = sorted({c.in_library for c in res.candidates if c.in_library is not None})
            desk.store.add_scan_entry(
                request_id, run, BEYOND_FACET, subject, log, "external", len(res.candidates), held
            )
            known = {c.key for c in found}
            found.extend(c for c in res.candidates if c.key not in known)
    if found:
        from researchdesk.discover.shortlist import save_shortlist

        everything = DiscoverResult("; ".join(subjects), found)
        save_candidates(desk, everything)
        save_shortlist(desk, request_id, everything)  # the request's page lists them to pick from
    return [
        {
            "number": n,
            "key": c.key,
            "title": c.title,
            "venue": c.venue,
            "year": c.year,
            "open_access": c.oa_status if c.is_oa else "",
            "flags": c.flags(),
            "in_library": c.in_library,
        }
        for n, c in enumerate(found, 1)
    ]
