"""Replay of recorded service answers for the discovery tests, and a guard against real connections."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

FIXTURES = Path(__file__).parent / "fixtures" / "discover"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
DONNERS = SHARED / "openalex" / "works_Donners_2021.zip"


def recorded(name: str) -> dict[str, Any]:
    """Return one recorded answer (status, content type, body) from tests/fixtures/discover."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def response(fixture: dict[str, Any], body: str | None = None) -> httpx.Response:
    headers = {"content-type": fixture.get("content_type") or "application/json"}
    return httpx.Response(
        fixture["status"], headers=headers, content=(fixture["body"] if body is None else body).encode()
    )


Handler = Callable[[httpx.Request], httpx.Response]


class Replay:
    """An httpx transport that answers each request from a route (host + path) and records what was asked."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Handler]] = {}
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def add(self, url: str, *answers: Handler | dict[str, Any]) -> None:
        """Answer requests to ``url`` (scheme, host and path) with ``answers`` in turn (the last repeats)."""
        handlers = [a if callable(a) else (lambda _r, f=a: response(f)) for a in answers]
        self.routes[_route(url)] = handlers

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handlers = self.routes.get(_route(str(request.url)))
        if not handlers:
            raise AssertionError(f"no recorded answer for {request.url}")
        handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
        return handler(request)

    def params(self, index: int = -1) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(str(self.requests[index].url)).query).items()}


def _route(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def donners_pages() -> list[list[dict[str, Any]]]:
    """Return the 258 real OpenAlex records of the Donners 2021 screening set, as SYNERGY split them (25 a file)."""
    with zipfile.ZipFile(DONNERS) as z:
        names = sorted(z.namelist(), key=lambda n: int(n.split("_")[1]))
        return [json.loads(z.read(n)) for n in names]


def donners_search() -> Handler:
    """Answer an OpenAlex works search with the Donners records, one SYNERGY file per page."""
    pages = donners_pages()
    count = sum(len(p) for p in pages)

    def handle(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        results = pages[page - 1] if 0 < page <= len(pages) else []
        meta = {"count": count, "page": page, "per_page": 25}
        return httpx.Response(200, json={"meta": meta, "results": results})

    return handle
