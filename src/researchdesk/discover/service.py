"""Discover: ask the open scholarly indexes about a query, and keep the candidates and the log.

``discover`` asks each chosen service (OpenAlex, Crossref, Europe PMC), merges what they return into
one candidate per work, marks the works the library already holds, ranks the rest and writes them to
``<desk>/discover/candidates.json`` so that ``bring_in`` can name them by number. Every request (URL,
status, cached or not) is appended to ``<desk>/discover/log.jsonl``. A service that fails is reported
and the others still answer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from researchdesk.desk import Desk
from researchdesk.discover import crossref, europepmc, openalex
from researchdesk.discover.candidates import Candidate, Notice, mark_library_duplicates, merge, rank
from researchdesk.discover.http import Exchange, PoliteClient
from researchdesk.errors import ExternalError, InputError, UnknownChoice
from researchdesk.ingest.metadata import normalize_doi

SearchFn = Callable[[PoliteClient, str, int], list[Candidate]]
SERVICES: dict[str, SearchFn] = {
    "openalex": openalex.search,
    "crossref": crossref.search,
    "europepmc": europepmc.search,
}
DEFAULT_SERVICES = ("openalex", "europepmc")


@dataclass
class DiscoverResult:
    """What a discovery gives back: the candidates (best first, library duplicates last) and the log."""

    query: str
    candidates: list[Candidate]
    exchanges: list[Exchange] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # service -> what went wrong
    counts: dict[str, int] = field(default_factory=dict)  # service -> candidates it returned
    seconds: float = 0.0

    @property
    def new(self) -> list[Candidate]:
        return [c for c in self.candidates if c.in_library is None]

    def summary(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "counts": self.counts,
            "errors": self.errors,
            "candidates": len(self.candidates),
            "in_library": len(self.candidates) - len(self.new),
            "requests": [asdict(e) for e in self.exchanges],
        }


def parse_services(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Return the named services, checked against the known ones."""
    names = [v.strip().lower() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
    for name in names:
        if name not in SERVICES:
            raise UnknownChoice("service", name, SERVICES)
    return names or list(DEFAULT_SERVICES)


def discover(
    desk: Desk,
    query: str,
    services: list[str] | tuple[str, ...] = DEFAULT_SERVICES,
    limit: int = 25,
    client: PoliteClient | None = None,
    save: bool = True,
) -> DiscoverResult:
    """Return the candidates the services find for ``query``, checked against the library (see module doc)."""
    query = " ".join(query.split())
    if not query:
        raise InputError(
            "The query is empty.", 'Say what to look for, e.g. researchdesk discover "heat action plans".'
        )
    if limit < 1:
        raise InputError(f"--limit must be at least 1 (got {limit}).", "Ask for 10 or 25 candidates.")
    own = client is None
    http = client or PoliteClient(desk.settings)
    started = time.perf_counter()
    first_log = len(http.log)
    found: list[list[Candidate]] = []
    errors: dict[str, str] = {}
    counts: dict[str, int] = {}
    try:
        for name in parse_services(list(services)):
            try:
                results = SERVICES[name](http, query, limit)
            except ExternalError as exc:
                errors[name] = str(exc)
                continue
            counts[name] = len(results)
            found.append(results)
    finally:
        if own:
            http.close()
    candidates = rank(merge(found), query)
    mark_library_duplicates(candidates, lambda doi, title: desk.store.find_duplicate("", doi, title))
    candidates.sort(key=lambda c: c.in_library is not None)  # stable: the ranking holds within each group
    result = DiscoverResult(query, candidates, http.log[first_log:], errors, counts)
    result.seconds = time.perf_counter() - started
    if save:
        save_candidates(desk, result)
    log_exchanges(desk, query, result.exchanges, "discover")
    return result


def lookup_doi(client: PoliteClient, doi: str) -> Candidate | None:
    """Return the work a DOI names, from Crossref and OpenAlex merged, or None when neither knows it."""
    bare = normalize_doi(doi)
    if not bare:
        raise InputError(
            f"{doi!r} is not a DOI.", "A DOI looks like 10.1234/abcd (with or without https://doi.org/)."
        )
    found = [c for c in (crossref.by_doi(client, bare), openalex.by_doi(client, bare)) if c is not None]
    merged = merge([[c] for c in found])
    return merged[0] if merged else None


def candidates_path(desk: Desk) -> Path:
    return desk.settings.discover_dir / "candidates.json"


def save_candidates(desk: Desk, result: DiscoverResult, path: Path | None = None) -> None:
    """Write the last discovery's candidates (numbered from 1) for ``bring_in`` to pick from.

    ``path`` names another file than the desk's last discovery (a request's own list keeps its file).
    """
    path = path or candidates_path(desk)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Shallow on purpose: asdict would deep-copy every raw record (most of a discovery's time).
    rows = [{**vars(c), "notices": [vars(n) for n in c.notices]} for c in result.candidates]
    data = {"query": result.query, "candidates": rows}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def load_candidates(desk: Desk, path: Path | None = None) -> tuple[str, list[Candidate]]:
    """Return the query and the candidates of the last discovery on this desk (or of the file ``path``)."""
    path = path or candidates_path(desk)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "No discovery has been run on this desk yet.", 'Run `researchdesk discover "QUERY"` first.'
        ) from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"The saved candidates ({path}) cannot be read: {exc}.",
            'Run `researchdesk discover "QUERY"` again.',
        ) from exc
    out = []
    for raw in data.get("candidates", []):
        notices = [Notice(**n) for n in raw.pop("notices", [])]
        out.append(Candidate(**raw, notices=notices))
    return str(data.get("query", "")), out


def log_exchanges(desk: Desk, query: str, exchanges: list[Exchange], context: str) -> None:
    """Append each outside request to the desk's discovery log (one JSON object a line)."""
    if not exchanges:
        return
    path = desk.settings.discover_dir / "log.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with path.open("a", encoding="utf-8") as fh:
        for e in exchanges:
            fh.write(json.dumps({"at": at, "context": context, "query": query, **asdict(e)}) + "\n")
