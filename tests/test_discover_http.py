"""The polite client: offline by default, cache, retries with backoff on 429/5xx, rate limits, contact setting."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from discover_replay import Replay, recorded, response
from researchdesk.discover.http import PoliteClient
from researchdesk.errors import BadResponse, ExternalError, NetworkUnavailable
from researchdesk.settings import Settings

WORKS = "https://api.crossref.org/works/10.1073/pnas.1414271111"


class Clock:
    """A clock the client's sleeps move forward, so waits are measured, not slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def client(tmp_path: Path, replay: Replay, clock: Clock | None = None, **settings: object) -> PoliteClient:
    clock = clock or Clock()
    s = Settings(home=tmp_path / "desk", **{"online": True, **settings})  # type: ignore[arg-type]
    return PoliteClient(s, transport=replay.transport, sleep=clock.sleep, clock=clock)


def test_offline_by_default_asks_nothing_and_says_how_to_go_online(tmp_path: Path) -> None:
    replay = Replay()
    replay.add(WORKS, recorded("crossref_work_by_doi"))
    offline = PoliteClient(Settings(home=tmp_path / "desk"), transport=replay.transport)
    with pytest.raises(NetworkUnavailable) as caught:
        offline.get_json("crossref", WORKS)
    assert replay.requests == []
    assert "--online" in caught.value.hint and "offline" in caught.value.message


def test_an_answer_is_cached_and_served_offline(tmp_path: Path) -> None:
    replay = Replay()
    replay.add(WORKS, recorded("crossref_work_by_doi"))
    with client(tmp_path, replay, contact_email="desk@example.org") as online:
        first = online.get_json("crossref", WORKS, {"mailto": "desk@example.org"})
    assert first["message"]["DOI"] == "10.1073/pnas.1414271111"
    assert "mailto:desk@example.org" in replay.requests[0].headers["user-agent"]
    offline = PoliteClient(Settings(home=tmp_path / "desk"), transport=Replay().transport)
    again = offline.get_json(
        "crossref", WORKS, {"mailto": "someone-else@example.org"}
    )  # the address is not the key
    assert again == first
    assert offline.log[0].cached and offline.log[0].status == 200


def test_a_404_is_an_answer_not_an_error_and_is_cached(tmp_path: Path) -> None:
    replay = Replay()
    url = "https://api.crossref.org/works/10.1371/notarealdoi"
    replay.add(url, recorded("crossref_work_not_found"))
    with client(tmp_path, replay) as online:
        assert online.get_json("crossref", url) is None
        assert online.get_json("crossref", url) is None
    assert len(replay.requests) == 1


def test_429_waits_as_long_as_retry_after_says_then_succeeds(tmp_path: Path) -> None:
    replay = Replay()
    clock = Clock()
    limited = httpx.Response(429, headers={"retry-after": "7"}, content=b"slow down")
    replay.add(WORKS, lambda _r: limited, recorded("crossref_work_by_doi"))
    with client(tmp_path, replay, clock) as online:
        data = online.get_json("crossref", WORKS)
    assert data["status"] == "ok"
    assert 7.0 in clock.sleeps
    assert len(replay.requests) == 2 and online.log[-1].tries == 2


def test_5xx_backs_off_doubling_then_gives_a_clear_error(tmp_path: Path) -> None:
    replay = Replay()
    clock = Clock()
    replay.add(WORKS, lambda _r: httpx.Response(503, content=b"<html>down</html>"))
    with client(tmp_path, replay, clock, http_retries=3) as online, pytest.raises(ExternalError) as caught:
        online.get_json("crossref", WORKS)
    assert len(replay.requests) == 4
    backoffs = [s for s in clock.sleeps if s >= 1]
    assert backoffs == [1.0, 2.0, 4.0]
    assert "503" in caught.value.message and "try again" in caught.value.hint.lower()
    assert not (tmp_path / "desk" / "discover" / "cache" / "crossref").exists()  # an error is never cached


def test_an_unreachable_network_is_network_unavailable(tmp_path: Path) -> None:
    replay = Replay()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Network is unreachable", request=request)

    replay.add(WORKS, refuse)
    with client(tmp_path, replay, http_retries=2) as online, pytest.raises(NetworkUnavailable) as caught:
        online.get_json("crossref", WORKS)
    assert len(replay.requests) == 3
    assert "offline" in caught.value.hint


def test_requests_to_one_service_keep_its_rate(tmp_path: Path) -> None:
    replay = Replay()
    clock = Clock()
    replay.add(WORKS, recorded("crossref_work_by_doi"))
    other = "https://api.crossref.org/works/10.1371/notarealdoi"
    replay.add(other, recorded("crossref_work_not_found"))
    with client(tmp_path, replay, clock) as online:
        online.get("crossref", WORKS)
        online.get("crossref", other)
    assert clock.sleeps == [0.2]  # Crossref's public pool: 5 requests a second


def test_a_truncated_body_is_a_bad_response(tmp_path: Path) -> None:
    replay = Replay()
    fixture = recorded("crossref_work_by_doi")
    replay.add(WORKS, lambda _r: response(fixture, fixture["body"][:5000]))
    with client(tmp_path, replay) as online, pytest.raises(BadResponse) as caught:
        online.get_json("crossref", WORKS)
    assert "not valid JSON" in caught.value.message
    assert not list((tmp_path / "desk" / "discover" / "cache").rglob("*.json"))  # nothing partial kept


def test_a_test_that_reaches_off_this_machine_fails() -> None:
    # conftest's guard holds for every test of the suite, not only these.
    import socket

    sock = socket.socket()
    try:
        with pytest.raises(pytest.fail.Exception, match="network connection"):
            sock.connect(("192.0.2.1", 80))
    finally:
        sock.close()
