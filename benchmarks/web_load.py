"""Load on loopback: N signed-in staff users searching and opening requests for a bounded time.

Builds a desk from the sample library (../shared/data/library/pcd2024), starts `uvicorn` in a separate
process on 127.0.0.1, signs every user in through the login form, then each user loops over
search → request page → queue until the time is up. Prints requests/s, p50/p95/p99 latency and errors.

    python benchmarks/web_load.py --users 50 --seconds 60 [--documents 96] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "library" / "pcd2024"
)
PASSWORD = "load test password"
QUERIES = (
    "barriers to tobacco policy adoption",
    "facilitators of community partnerships",
    "school nutrition programs",
    "physical activity in rural counties",
    "diabetes prevention program enrollment",
    "smoke-free housing policy",
    "cross-sector collaboration funding",
    "cancer screening outreach",
)


def build(home: Path, documents: int, requests: int) -> None:
    """Make the desk: sample articles, a member, a staff user per load user, and some requests."""
    from researchdesk.desk import init_desk
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.requests.workflow import add_member, file_request
    from researchdesk.search.desk import sync_index
    from researchdesk.settings import Settings
    from researchdesk.web.auth import create_user

    settings = Settings(home=home, embedder=os.environ.get("RESEARCHDESK_EMBEDDER", "none"))
    with init_desk(settings) as desk:
        files = sorted(LIBRARY.glob("*.htm"))[:documents]
        ingest_paths(desk, files)
        sync_index(desk.store, settings)
        add_member(desk, "Load County", "county")
        create_user(desk, "staff@load.example", PASSWORD, "staff")
        for i in range(requests):
            file_request(desk, "Load County", f"Request {i}: {QUERIES[i % len(QUERIES)]}?", who="load")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, "no CSRF field on the sign-in page"
    r = await client.post(
        "/login", data={"email": "staff@load.example", "password": PASSWORD, "csrf": token.group(1)}
    )
    r.raise_for_status()


async def user(
    client: httpx.AsyncClient,
    until: float,
    requests: int,
    latencies: list[float],
    errors: list[str],
    seed: int,
) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < until:
        for path in (f"/search?q={rng.choice(QUERIES)}", f"/requests/{rng.randint(1, requests)}", "/queue"):
            started = time.perf_counter()
            try:
                r = await client.get(path)
                if r.status_code != 200:
                    errors.append(f"{path}: {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {type(exc).__name__}")
            latencies.append(time.perf_counter() - started)
            if time.perf_counter() >= until:
                break


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


async def load(base: str, users: int, seconds: float, requests: int) -> tuple[list[float], list[str], float]:
    """Sign every user in (argon2 is slow on purpose, so not timed), then run them all until time is up."""
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=users + 5)
    clients = [
        httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=True, limits=limits)
        for _ in range(users)
    ]
    try:
        for client in clients:
            await sign_in(client)
        start = time.perf_counter()
        until = start + seconds
        await asyncio.gather(*(user(c, until, requests, latencies, errors, i) for i, c in enumerate(clients)))
        return latencies, errors, time.perf_counter() - start
    finally:
        for client in clients:
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--documents", type=int, default=96, help="Sample articles in the desk.")
    parser.add_argument("--requests", type=int, default=40, help="Requests in the desk.")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "desk"
        t0 = time.perf_counter()
        build(home, args.documents, args.requests)
        print(
            f"desk: {args.documents} documents, {args.requests} requests, built in {time.perf_counter() - t0:.1f} s"
        )
        port = free_port()
        env = {
            **os.environ,
            "RESEARCHDESK_HOME": str(home),
            "RESEARCHDESK_EMBEDDER": os.environ.get("RESEARCHDESK_EMBEDDER", "none"),
            "RESEARCHDESK_WEB_COOKIE_SECURE": "false",  # plain http on loopback
            "RESEARCHDESK_WEB_LOGIN_FAILURES_PER_ADDRESS": "100000",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "researchdesk.web.app:app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            latencies, errors, elapsed = asyncio.run(load(base, args.users, args.seconds, args.requests))
        finally:
            server.terminate()
            server.wait(timeout=20)
    ms = [x * 1000 for x in latencies]
    print(
        f"{args.users} users, {elapsed:.1f} s, {len(ms)} requests: {len(ms) / elapsed:.1f} req/s; "
        f"latency p50 {pct(ms, 50):.0f} ms, p95 {pct(ms, 95):.0f} ms, p99 {pct(ms, 99):.0f} ms, "
        f"max {max(ms):.0f} ms; errors {len(errors)}"
    )
    if errors:
        print("first errors:", errors[:5])


if __name__ == "__main__":
    main()
