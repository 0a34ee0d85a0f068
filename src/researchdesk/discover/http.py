"""One polite HTTP client for the open scholarly indexes: timeouts, retries, rate limits, a disk cache.

Every answer worth keeping (200, and 404 "no such work") is written to ``<desk>/discover/cache`` and
served from there next time, so a query repeated offline still answers. With ``online`` off (the
default) nothing leaves the machine: an answer that is not cached is a ``NetworkUnavailable`` that says
how to go online. Online, a 429 or 5xx answer or a dropped connection is tried again after a pause that
doubles each time (or the ``Retry-After`` the service asked for), and each service is asked no faster
than its documented rate. Every exchange is kept in ``log`` (service, URL, status, cached or not), so
the caller can record what was asked and what came back.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from researchdesk.errors import BadResponse, ExternalError, NetworkUnavailable
from researchdesk.settings import Settings

# Seconds between two requests to one service: OpenAlex allows 10/s, Crossref's public pool 5/s
# (list queries 1 at a time), Europe PMC asks for no more than 10/s; anything else one every 0.5 s.
MIN_INTERVAL: dict[str, float] = {"openalex": 0.1, "crossref": 0.2, "europepmc": 0.1}
DEFAULT_INTERVAL = 0.5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CACHED_STATUSES = frozenset({200, 404})
MAX_RETRY_AFTER_S = 120.0
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
USER_AGENT = "ResearchDesk/0.1 (research desk of a local-government research service)"


@dataclass
class Exchange:
    """One request as the log keeps it."""

    service: str
    url: str
    status: int
    cached: bool
    seconds: float
    tries: int = 1
    error: str = ""


@dataclass
class Answer:
    """A response as the sources read it: status, content type, body, and whether it came from the cache."""

    url: str
    status: int
    content_type: str
    content: bytes
    cached: bool = False

    def json(self) -> Any:
        try:
            return json.loads(self.content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadResponse(
                self.url,
                f"The answer from {urlsplit(self.url).netloc} is not valid JSON ({exc.__class__.__name__}: "
                f"{str(exc)[:80]}); it may be truncated or an error page.",
                "Try again later; if it persists, the service may have changed its format.",
            ) from exc


@dataclass
class PoliteClient:
    """The desk's one HTTP client for outside services (see the module docstring)."""

    settings: Settings
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: list[Exchange] = field(default_factory=list)
    _last: dict[str, float] = field(default_factory=dict)
    _client: httpx.Client | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cache_dir(self) -> Path:
        return self.settings.discover_dir / "cache"

    @property
    def mailto(self) -> str:
        return self.settings.contact_email.strip()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the public face ------------------------------------------------------------------------

    def get(
        self,
        service: str,
        url: str,
        params: Mapping[str, str | int] | None = None,
        accept: str = "application/json",
        max_bytes: int = MAX_DOWNLOAD_BYTES,
    ) -> Answer:
        """Return the answer to GET ``url`` (with ``params``), from the cache or the network.

        A 404 is returned, not raised (an unknown DOI is an answer); any other failure raises an
        ``ExternalError`` that names the service and says what to do.
        """
        full = _with_params(url, params or {})
        key = _cache_key(full)
        cached = self._read_cache(service, key)
        if cached is not None:
            self.log.append(Exchange(service, full, cached.status, True, 0.0, 0))
            return cached
        if not self.settings.online:
            self.log.append(Exchange(service, full, 0, False, 0.0, 0, "offline"))
            raise NetworkUnavailable(
                full,
                f"The desk is offline, and {service} has not answered this before: {full}",
                "Go online for this command with --online (or set RESEARCHDESK_ONLINE=true), or work from the "
                "library alone; nothing else needs the network.",
            )
        answer = self._fetch(service, full, accept, max_bytes)
        if answer.status in CACHED_STATUSES:
            self._write_cache(service, key, answer)
        return answer

    def get_json(self, service: str, url: str, params: Mapping[str, str | int] | None = None) -> Any:
        """Return the JSON body of a 200 answer, or None for a 404; raise on anything else."""
        answer = self.get(service, url, params)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise ExternalError(
                answer.url,
                f"{service} answered HTTP {answer.status} to {answer.url}.",
                "Check the query; try again later if the service is having trouble.",
            )
        try:
            return answer.json()
        except BadResponse:
            # A truncated or garbled answer is never kept: the next try asks the service again.
            self._cache_path(service, _cache_key(_with_params(url, params or {}))).unlink(missing_ok=True)
            raise

    # --- the network ------------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            headers = {"User-Agent": USER_AGENT + (f" mailto:{self.mailto}" if self.mailto else "")}
            self._client = httpx.Client(
                transport=self.transport or httpx.HTTPTransport(retries=0),
                timeout=httpx.Timeout(self.settings.http_timeout_s),
                follow_redirects=True,
                headers=headers,
            )
        return self._client

    def _wait_turn(self, service: str) -> None:
        interval = MIN_INTERVAL.get(service, DEFAULT_INTERVAL)
        with self._lock:
            now = self.clock()
            last = self._last.get(service)
            if last is not None and now - last < interval:
                self.sleep(interval - (now - last))
            self._last[service] = self.clock()

    def _fetch(self, service: str, url: str, accept: str, max_bytes: int) -> Answer:
        tries = max(1, self.settings.http_retries + 1)
        started = self.clock()
        problem = ""
        for attempt in range(tries):
            self._wait_turn(service)
            try:
                with self._http().stream("GET", url, headers={"Accept": accept}) as response:
                    content = _read_limited(response, max_bytes, url)
                    status = response.status_code
                    content_type = response.headers.get("content-type", "")
                    retry_after = response.headers.get("retry-after", "")
                    final_url = str(response.url)
            except (httpx.TransportError, OSError) as exc:
                problem = f"{exc.__class__.__name__}: {exc}"
                if attempt + 1 < tries:
                    self.sleep(_backoff(attempt))
                    continue
                self.log.append(
                    Exchange(service, url, 0, False, self.clock() - started, attempt + 1, problem)
                )
                raise NetworkUnavailable(
                    url,
                    f"Cannot reach {service} ({problem}).",
                    "Check the network connection (the desk keeps working offline from its library and "
                    "cached answers), then try again.",
                ) from exc
            if status in RETRY_STATUSES and attempt + 1 < tries:
                self.sleep(_retry_pause(retry_after, attempt))
                continue
            self.log.append(Exchange(service, url, status, False, self.clock() - started, attempt + 1))
            if status in RETRY_STATUSES:
                raise ExternalError(
                    url,
                    f"{service} kept answering HTTP {status} after {tries} tries"
                    + (" (too many requests)" if status == 429 else " (the service is having trouble)")
                    + ".",
                    "Wait a few minutes and try again"
                    + (
                        "; set RESEARCHDESK_CONTACT_EMAIL to use the service's polite pool."
                        if status == 429 and not self.mailto
                        else "."
                    ),
                )
            return Answer(final_url, status, content_type, content)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    # --- the cache --------------------------------------------------------------------------------

    def _cache_path(self, service: str, key: str) -> Path:
        return self.cache_dir / service / f"{key}.json"

    def _read_cache(self, service: str, key: str) -> Answer | None:
        path = self._cache_path(service, key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Answer(
                data["url"],
                int(data["status"]),
                data.get("content_type", ""),
                base64.b64decode(data["body"]),
                cached=True,
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged cache entry is asked for again, not trusted

    def _write_cache(self, service: str, key: str, answer: Answer) -> None:
        path = self._cache_path(service, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "url": answer.url,
            "status": answer.status,
            "content_type": answer.content_type,
            "body": base64.b64encode(answer.content).decode("ascii"),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        tmp.replace(path)  # whole or not at all: a crash never leaves half an answer


def _with_params(url: str, params: Mapping[str, str | int]) -> str:
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode({k: str(v) for k, v in params.items()})


def _cache_key(url: str) -> str:
    """Return the cache key of a URL: the contact address is not part of what was asked."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if not p.startswith(("mailto=", "email=")))
    return hashlib.sha256(f"{parts.netloc}{parts.path}?{query}".encode()).hexdigest()[:40]


def _read_limited(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise BadResponse(
                url,
                f"The answer from {urlsplit(url).netloc} is larger than {max_bytes // (1024 * 1024)} MB.",
                "Download it by hand and ingest the file with `researchdesk ingest`.",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _backoff(attempt: int) -> float:
    return float(min(60, 2**attempt))


def _retry_pause(retry_after: str, attempt: int) -> float:
    """Return the seconds to wait: the service's Retry-After (seconds or a date) or the backoff."""
    value = retry_after.strip()
    if value:
        try:
            return min(MAX_RETRY_AFTER_S, max(0.0, float(value)))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return _backoff(attempt)
            return min(MAX_RETRY_AFTER_S, max(0.0, when.timestamp() - time.time()))
    return _backoff(attempt)
