"""A request's own list of works found beyond the library: searched, kept with the request, picked, brought in.

Staff look beyond the library for one request (the web page's search, or the plan's step of a scan).
The candidates are kept in ``<desk>/discover/requests/<id>.json``, apart from the desk's last
command-line discovery, so the request's page lists them until its next search. The works staff pick
are brought in one after another with ``bring_in``: each gets its own outcome (added, already in the
library, or failed with the reason), and one failure never stops the rest. The request's history
records each search and each bring-in; the desk's discovery log records every outside request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from researchdesk.desk import Desk
from researchdesk.discover.bring import BringOutcome, bring_in
from researchdesk.discover.candidates import Candidate, mark_library_duplicates
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.service import (
    DEFAULT_SERVICES,
    DiscoverResult,
    discover,
    load_candidates,
    log_exchanges,
    save_candidates,
)
from researchdesk.errors import InputError, ResearchDeskError

SUBJECT = "discover"  # the subject of the request events written here
SEARCHED = "looked beyond the library"
BROUGHT = "brought works in from beyond the library"
MAX_PICKS = 50  # works brought in by one request: a few minutes of downloads at the services' pace

Progress = Callable[[int, int, str], None]


@dataclass
class Shortlist:
    """A request's candidates: the query that found them and the works, best first."""

    request_id: int
    query: str = ""
    candidates: list[Candidate] = field(default_factory=list)

    def by_key(self) -> dict[str, Candidate]:
        return {c.key: c for c in self.candidates}


def shortlist_path(desk: Desk, request_id: int) -> Path:
    return desk.settings.discover_dir / "requests" / f"{int(request_id)}.json"


def save_shortlist(desk: Desk, request_id: int, result: DiscoverResult) -> None:
    """Keep ``result``'s candidates as the request's list (replacing the one before)."""
    save_candidates(desk, result, shortlist_path(desk, request_id))


def load_shortlist(desk: Desk, request_id: int, refresh: bool = True) -> Shortlist:
    """Return the request's list (empty before its first search).

    With ``refresh`` each candidate is checked against the library again, so a work brought in since
    (by this request or any other way) shows as held.
    """
    path = shortlist_path(desk, request_id)
    if not path.exists():
        return Shortlist(request_id)
    query, candidates = load_candidates(desk, path)
    if refresh:
        for cand in candidates:
            cand.in_library, cand.duplicate_reason = None, ""
        mark_library_duplicates(candidates, lambda doi, title: desk.store.find_duplicate("", doi, title))
    return Shortlist(request_id, query, candidates)


def default_query(subjects: Sequence[str], topic: str = "") -> str:
    """Return the words a request's first search starts from: its plan's first subject, else its topic."""
    for value in (*subjects, topic):
        if value.strip():
            return " ".join(value.split())
    return ""


def search_for_request(
    desk: Desk,
    request_id: int,
    query: str,
    services: Sequence[str] = DEFAULT_SERVICES,
    limit: int = 25,
    who: str = "staff",
    client: PoliteClient | None = None,
) -> DiscoverResult:
    """Ask the services about ``query`` for a request; keep the candidates as its list and note the search."""
    desk.store.request(request_id)  # RequestNotFound before anything is asked
    result = discover(desk, query, list(services), limit, client=client, save=False)
    save_shortlist(desk, request_id, result)
    desk.store.log_event(
        request_id,
        SUBJECT,
        None,
        SEARCHED,
        {
            "query": result.query,
            "services": list(services),
            "counts": result.counts,
            "errors": result.errors,
            "candidates": len(result.candidates),
            "in_library": len(result.candidates) - len(result.new),
        },
        who,
    )
    return result


def check_picks(shortlist: Shortlist, keys: Sequence[str]) -> list[str]:
    """Return the picked keys (in order, once each), or raise InputError saying what is wrong with them."""
    picks = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    if not picks:
        raise InputError("No work is ticked.", "Tick the works to bring in, then press the button again.")
    if len(picks) > MAX_PICKS:
        raise InputError(
            f"{len(picks)} works are ticked; one bring-in takes at most {MAX_PICKS}.",
            "Bring them in a few dozen at a time.",
        )
    known = shortlist.by_key()
    missing = [k for k in picks if k not in known]
    if missing:
        raise InputError(
            f"{len(missing)} ticked work(s) are no longer in this request's list ({', '.join(missing[:3])}); "
            "a newer search replaced it.",
            "Open the request's 'Beyond the library' page again and tick works from the list it shows now.",
        )
    return picks


def bring_for_request(
    desk: Desk,
    request_id: int,
    keys: Sequence[str],
    full_text: bool = True,
    who: str = "staff",
    client: PoliteClient | None = None,
    progress: Progress | None = None,
) -> list[BringOutcome]:
    """Bring the picked works of a request's list into the library; return one outcome per work."""
    desk.store.request(request_id)
    shortlist = load_shortlist(desk, request_id, refresh=False)
    picks = check_picks(shortlist, keys)
    chosen = [shortlist.by_key()[k] for k in picks]
    http = client or PoliteClient(desk.settings)
    first_log = len(http.log)
    outcomes: list[BringOutcome] = []
    try:
        for n, cand in enumerate(chosen):
            if progress:
                progress(n, len(chosen), f"bringing in {cand.title[:120]}")
            outcomes.append(_bring_one(desk, cand, http, full_text))
    finally:
        if client is None:
            http.close()
    if progress:
        progress(len(chosen), len(chosen), "brought in")
    log_exchanges(desk, shortlist.query, http.log[first_log:], "bring")
    desk.store.log_event(
        request_id,
        SUBJECT,
        None,
        BROUGHT,
        {
            "added": [o.document_id for o in outcomes if o.status == "added"],
            "duplicates": [o.document_id for o in outcomes if o.status == "duplicate"],
            "failed": [o.title or o.key for o in outcomes if o.status == "failed"],
            "full_text": sum(1 for o in outcomes if o.full_text == "read"),
        },
        who,
    )
    return outcomes


def _bring_one(desk: Desk, cand: Candidate, http: PoliteClient, full_text: bool) -> BringOutcome:
    """Return the outcome of one work; an error of this work is its outcome, never the batch's end."""
    try:
        return bring_in(desk, cand, http, full_text)
    except ResearchDeskError as exc:
        return BringOutcome(cand.key, cand.title, "failed", reason=exc.message, hint=exc.hint)


def outcome_rows(outcomes: Sequence[BringOutcome]) -> dict[str, Any]:
    """Return outcomes as plain data for a job's result: counts by status, then one row per work."""
    return {
        "summary": {s: sum(1 for o in outcomes if o.status == s) for s in ("added", "duplicate", "failed")},
        "items": [vars(o) for o in outcomes],
    }
