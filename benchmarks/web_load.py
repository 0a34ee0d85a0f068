"""Mixed load on loopback, on SQLite and PostgreSQL: members filing, staff reviewing, searching, rendering.

For each store named by ``--stores`` (``sqlite``: the desk's file; ``postgres``: a throwaway server
started with ``scripts/pg_test_server.py`` and stopped afterwards) the script builds the same desk from
the sample library (../shared/data/library/pcd2024): two member organizations with their users, one
staff account (and API token) per staff user, requests, a few of them scanned (suggested evidence to
review) and one with a drafted and delivered brief (to download). It then starts ``uvicorn`` in a
separate process on 127.0.0.1, signs every user in through the login form, and runs them all for a
bounded time, each user drawing its next operation at random from its role's mix:

- members: their request list, filing a request through the form (CSRF token, sometimes with a
  small attachment), a request page of their organization, downloading the delivered brief (rendered
  once per format, then kept);
- staff: search, the queue, a request page, the evidence page, accepting/rejecting a quote through
  the review form (session + CSRF) or the REST API (bearer token), downloading a draft of the next
  version of the brief as HTML, DOCX or PDF (a draft is rendered on each request).

Printed per operation kind and overall: count, throughput, p50/p95/p99/max latency, errors by
status code (with what the server said); the server log's tracebacks and "database is locked"/
deadlock lines; on PostgreSQL the app's server connections (each second) and the server's
ERROR/FATAL log lines; the server's resident memory (VmRSS of the uvicorn process tree: the web
process and its render worker processes, and of the web process alone).

``--soak-minutes M`` runs the same mix for M minutes per store, sampling that memory every
``--sample-seconds`` (30), and prints the series (with operations and p95 per window), and for the
tree and for the web process alone: the least-squares slope in MB/hour (over all samples, and under
load only: the first sample is the idle server) and the average of the first vs the last 10 % of the
samples under load. The full soak is 30 minutes; it is a manual run, outside ``make test``.
``--skip`` leaves operations out of the mix (e.g. the renders), to see what costs what.

    python benchmarks/web_load.py --users 20 --seconds 60 --stores sqlite,postgres
    python benchmarks/web_load.py --users 20 --soak-minutes 30 --stores sqlite,postgres

All traffic goes to 127.0.0.1; every run stops by itself (time limit, and ``--max-ops`` per store).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "library" / "pcd2024"
)
PG_SERVER = ROOT / "scripts" / "pg_test_server.py"
PASSWORD = "load test password"
ORGS = ("Load County", "Load City")
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
FORMATS = ("html", "docx", "pdf")
# What a good download starts with, so a 200 carrying the wrong thing still counts as an error.
MAGIC = {"html": b"<", "docx": b"PK", "pdf": b"%PDF"}
STAFF_MIX = {
    "search": 30,
    "queue": 8,
    "request page": 12,
    "evidence page": 5,
    "review (form)": 12,
    "review (api)": 12,
    "render html": 7,
    "render docx": 7,
    "render pdf": 7,
}
MEMBER_MIX = {"my requests": 25, "file request": 25, "request page": 30, "download brief": 20}


# --- the desk -------------------------------------------------------------------------------------


@dataclass
class Account:
    email: str
    role: str  # "staff" | "member"
    organization: str = ""
    token: str = ""  # staff: an API token for the REST calls


@dataclass
class Fixture:
    """What the virtual users need to know about the desk they load."""

    accounts: list[Account]
    requests: dict[str, list[int]]  # organization → its request ids
    scanned: list[int]  # requests with evidence to review
    evidence: list[tuple[int, int]]  # (request id, evidence id) open to review
    brief: tuple[int, int] | None  # (request id, version) of a drafted brief
    brief_org: str = ""  # the organization whose members may download it (delivered)
    draft: tuple[int, int] | None = None  # (request id, version) of a later draft, for staff renders
    notes: list[str] = field(default_factory=list)


def build(
    home: Path,
    database_url: str,
    documents: int,
    requests: int,
    scanned: int,
    staff_users: int,
    member_users: int,
) -> Fixture:
    """Make the desk (schema, sample articles, members, accounts, requests, scans, a brief); return its facts."""
    from researchdesk.accounts import create_user, new_api_token
    from researchdesk.brief.service import deliver, draft
    from researchdesk.desk import init_desk
    from researchdesk.errors import ResearchDeskError
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.requests.scan import run_scan
    from researchdesk.requests.workflow import add_member, file_request
    from researchdesk.search.desk import sync_index
    from researchdesk.settings import Settings

    settings = Settings(
        home=home, database_url=database_url, embedder=os.environ.get("RESEARCHDESK_EMBEDDER", "none")
    )
    notes: list[str] = []
    with init_desk(settings) as desk:
        files = sorted(LIBRARY.glob("*.htm"))[:documents]
        if not files:
            raise SystemExit(f"web_load: no sample articles in {LIBRARY} (set RESEARCHDESK_SHARED_DATA).")
        ingest_paths(desk, files)
        sync_index(desk.store, settings)
        for org in ORGS:
            add_member(desk, org, "county" if "County" in org else "city")
        accounts: list[Account] = []
        for i in range(staff_users):
            email = f"staff{i}@load.example"
            create_user(desk, email, PASSWORD, "staff", name=f"Staff {i}")
            accounts.append(Account(email, "staff", token=new_api_token(desk, email, "load")))
        for i in range(member_users):
            org = ORGS[i % len(ORGS)]
            email = f"member{i}@load.example"
            create_user(desk, email, PASSWORD, "member", org, f"Member {i}")
            accounts.append(Account(email, "member", org))
        by_org: dict[str, list[int]] = {org: [] for org in ORGS}
        for i in range(requests):
            org = ORGS[i % len(ORGS)]
            rid = file_request(desk, org, f"Request {i}: {QUERIES[i % len(QUERIES)]}?", who="load")
            by_org[org].append(rid)
        all_ids = [rid for ids in by_org.values() for rid in ids]
        scanned_ids = sorted(all_ids)[: max(1, min(scanned, len(all_ids)))] if all_ids else []
        found: dict[int, list[int]] = {}
        for rid in scanned_ids:
            found[rid] = run_scan(desk, rid, who="load").evidence_ids
        brief: tuple[int, int] | None = None
        next_draft: tuple[int, int] | None = None
        brief_org = ""
        with_evidence = [rid for rid in scanned_ids if found[rid]]
        if with_evidence:
            brief_rid = with_evidence[0]
            drafted, _ = draft(desk, brief_rid, who="load", auto=True)
            brief = (brief_rid, drafted.version)
            try:
                deliver(desk, brief_rid, who="load")
                brief_org = next(org for org, ids in by_org.items() if brief_rid in ids)
                redrafted, _ = draft(desk, brief_rid, who="load", auto=True)
                next_draft = (brief_rid, redrafted.version)
            except ResearchDeskError as exc:
                notes.append(
                    f"brief of request {brief_rid} not delivered or not redrafted ({exc.message}): "
                    "staff render the first version"
                )
        else:
            notes.append("no scan found evidence: no brief, no reviews")
        review_pool = [
            (rid, eid) for rid, ids in found.items() if brief is None or rid != brief[0] for eid in ids
        ]
        if brief is not None and not review_pool:
            notes.append("all evidence went into the brief: no reviews")
    return Fixture(accounts, by_org, scanned_ids, review_pool, brief, brief_org, next_draft, notes)


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_postgres(folder: Path) -> str:
    """Start a throwaway PostgreSQL in ``folder``; return its URL."""
    done = subprocess.run(
        [sys.executable, str(PG_SERVER), "start", "--dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    if done.returncode != 0 or not done.stdout.strip().startswith("postgresql://"):
        raise SystemExit(f"web_load: could not start PostgreSQL:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def stop_postgres(folder: Path) -> None:
    subprocess.run([sys.executable, str(PG_SERVER), "stop", "--dir", str(folder)], check=False, timeout=120)


def start_web(home: Path, database_url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn over the desk on a free loopback port; return the process and its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "RESEARCHDESK_HOME": str(home),
        "RESEARCHDESK_DATABASE_URL": database_url,
        "RESEARCHDESK_EMBEDDER": os.environ.get("RESEARCHDESK_EMBEDDER", "none"),
        "RESEARCHDESK_WEB_COOKIE_SECURE": "false",  # plain http on loopback
        "RESEARCHDESK_WEB_LOGIN_FAILURES_PER_ADDRESS": "100000",
    }
    with log.open("wb") as out:
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
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit(f"web_load: the server did not start; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def process_rss_kb(pid: int) -> int:
    """Return the resident memory (VmRSS) of one process in kB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Return the resident memory (VmRSS) of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kb = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        total_kb += process_rss_kb(p)
    return total_kb / 1024


def postgres_log_findings(folder: Path) -> Counter[str]:
    """Return the PostgreSQL server's ERROR/FATAL lines (numbers blanked so alike lines count together)."""
    log = folder / "server.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        m = re.search(r"\b(ERROR|FATAL|PANIC):\s+(.*)", line)
        if m:
            found[f"{m.group(1)}: {re.sub(r'[0-9]+', 'N', m.group(2))[:160]}"] += 1
    return found


def server_log_findings(log: Path) -> dict[str, int | str]:
    """Return counts of tracebacks, 'database is locked' and deadlocks in the server log, and the first error."""
    text = log.read_text(errors="replace") if log.exists() else ""
    out: dict[str, int | str] = {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "database is locked": len(re.findall(r"database is locked", text)),
        "deadlock": len(re.findall(r"deadlock detected", text, re.IGNORECASE)),
    }
    at = text.find("Traceback (most recent call last)")
    if at >= 0:
        block = text[at:].split("\n\n", 1)[0].strip().splitlines()
        out["first"] = " | ".join(block[-3:])[:400]
    return out


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    ops: int = 0
    first_error: dict[tuple[str, str], str] = field(default_factory=dict)  # what the server said, once
    window: list[float] = field(default_factory=list)  # latencies since the last memory sample

    def add(self, kind: str, seconds: float, problem: str | None, said: str = "") -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.window.append(seconds)
        self.ops += 1
        if problem is not None:
            self.errors[(kind, problem)] += 1
            self.first_error.setdefault((kind, problem), said)


def what_it_said(r: httpx.Response) -> str:
    """Return the gist of an error response: its JSON message, or the text of the HTML error page."""
    if r.headers.get("content-type", "").startswith("application/json"):
        try:
            body = r.json()
            return f"{body.get('error')}: {body.get('message')}"[:300]
        except ValueError:
            pass
    main = re.search(r"<main[^>]*>(.*?)</main>", r.text, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(1) if main else r.text)
    return re.sub(r"\s+", " ", text).strip()[:300]


@dataclass
class VUser:
    account: Account
    client: httpx.AsyncClient
    csrf: str = ""
    own: list[int] = field(default_factory=list)  # request ids of the member's organization


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    if not found:
        raise SystemExit("web_load: a page has no CSRF field")
    return found.group(1)


async def sign_in(user: VUser) -> None:
    """Sign in through the form (double-submit CSRF), then read the session's CSRF token off a form."""
    page = await user.client.get("/login")
    r = await user.client.post(
        "/login",
        data={"email": user.account.email, "password": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=True,
    )
    r.raise_for_status()
    form = await user.client.get("/requests/new")
    form.raise_for_status()
    user.csrf = csrf_of(form.text)


Op = Callable[[VUser, Fixture, random.Random], Awaitable[tuple[httpx.Response, int, str]]]


async def op_search(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    return await u.client.get("/search", params={"q": rng.choice(QUERIES)}), 200, ""


async def op_queue(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    return await u.client.get("/queue"), 200, ""


async def op_request_page(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    if u.account.role == "member":
        if not u.own:
            return await op_my_requests(u, fx, rng)
        rid = rng.choice(u.own)
    else:
        rid = rng.choice([r for ids in fx.requests.values() for r in ids])
    return await u.client.get(f"/requests/{rid}"), 200, ""


async def op_evidence_page(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    return await u.client.get(f"/requests/{rng.choice(fx.scanned)}/evidence"), 200, ""


async def op_review_form(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    rid, eid = rng.choice(fx.evidence)
    action = rng.choice(("accept", "reject"))
    r = await u.client.post(
        f"/evidence/{eid}/{action}", data={"csrf": u.csrf, "back_to": f"/requests/{rid}/evidence"}
    )
    return r, 303, ""


async def op_review_api(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    _, eid = rng.choice(fx.evidence)
    action = rng.choice(("accept", "reject"))
    r = await u.client.post(
        f"/api/v1/evidence/{eid}/{action}", headers={"Authorization": f"Bearer {u.account.token}"}
    )
    return r, 200, ""


async def get_brief(u: VUser, target: tuple[int, int] | None, fmt: str) -> tuple[httpx.Response, int, str]:
    """Download one brief version, (request id, version), in ``fmt``."""
    assert target is not None
    rid, version = target
    return await u.client.get(f"/requests/{rid}/brief/v{version}.{fmt}"), 200, fmt


def op_render(fmt: str) -> Op:
    async def render(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
        return await get_brief(u, fx.draft or fx.brief, fmt)  # a draft is rendered on each download

    return render


async def op_download(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    return await get_brief(u, fx.brief, rng.choice(FORMATS))  # the delivered version


async def op_my_requests(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    return await u.client.get("/requests"), 200, ""


async def op_file(u: VUser, fx: Fixture, rng: random.Random) -> tuple[httpx.Response, int, str]:
    data = {
        "csrf": u.csrf,
        "prompt": f"What is known about {rng.choice(QUERIES)}? (load {rng.randrange(10**6)})",
        "context": "For a council briefing.",
        "due": (date.today() + timedelta(days=rng.randint(7, 60))).isoformat(),
    }
    files = None
    if rng.random() < 0.25:  # some members attach a note; it goes through the upload checks
        files = {"attachments": ("notes.txt", b"Council notes on the question.\n" * 20, "text/plain")}
    r = await u.client.post("/requests/new", data=data, files=files)
    if r.status_code == 303:
        found = re.search(r"/requests/(\d+)$", r.headers.get("location", ""))
        if found:
            u.own.append(int(found.group(1)))
    return r, 303, ""


OPS: dict[str, Op] = {
    "search": op_search,
    "queue": op_queue,
    "request page": op_request_page,
    "evidence page": op_evidence_page,
    "review (form)": op_review_form,
    "review (api)": op_review_api,
    "render html": op_render("html"),
    "render docx": op_render("docx"),
    "render pdf": op_render("pdf"),
    "my requests": op_my_requests,
    "file request": op_file,
    "download brief": op_download,
}


def mix_for(account: Account, fx: Fixture, skip: frozenset[str] = frozenset()) -> dict[str, int]:
    """Return the operation weights of a user, without what the desk cannot offer (no brief, no evidence)
    and without the operations named in ``skip``."""
    mix = {k: w for k, w in (STAFF_MIX if account.role == "staff" else MEMBER_MIX).items() if k not in skip}
    if fx.brief is None:
        for kind in ("render html", "render docx", "render pdf", "download brief"):
            mix.pop(kind, None)
    if account.role == "member" and fx.brief_org != account.organization:
        mix.pop("download brief", None)
    if not fx.evidence:
        mix.pop("review (form)", None)
        mix.pop("review (api)", None)
    if not fx.scanned:
        mix.pop("evidence page", None)
    return mix


async def run_user(
    u: VUser, fx: Fixture, until: float, stats: Stats, max_ops: int, seed: int, skip: frozenset[str]
) -> None:
    rng = random.Random(seed)
    mix = mix_for(u.account, fx, skip)
    if not mix:  # every operation of this user's role is skipped: the user sits the run out
        return
    kinds, weights = list(mix), list(mix.values())
    while time.perf_counter() < until and stats.ops < max_ops:
        kind = rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        problem: str | None = None
        said = ""
        try:
            r, expected, fmt = await OPS[kind](u, fx, rng)
            if r.status_code != expected:
                problem, said = str(r.status_code), what_it_said(r)
            elif fmt and not r.content.startswith(MAGIC[fmt]):
                problem, said = "wrong body", r.content[:80].decode(errors="replace")
        except httpx.HTTPError as exc:
            problem, said = type(exc).__name__, str(exc)[:300]
        stats.add(kind, time.perf_counter() - started, problem, said)


@dataclass
class Sample:
    at: float  # seconds since the load started
    rss_mb: float  # the server's process tree: the web process and its render workers
    server_mb: float  # the web process alone
    ops: int  # operations finished in the window before this sample
    p95_ms: float


async def sampler(
    pid: int, start: float, until: float, every: float, stats: Stats, out: list[Sample]
) -> None:
    """Sample the server's RSS at the start, every ``every`` seconds, and at the end."""
    out.append(Sample(0.0, tree_rss_mb(pid), process_rss_kb(pid) / 1024, 0, 0.0))
    stats.window.clear()
    while True:
        now = time.perf_counter()
        if now >= until:
            break
        await asyncio.sleep(min(every, until - now))
        window = [x * 1000 for x in stats.window]
        stats.window.clear()
        out.append(
            Sample(
                time.perf_counter() - start,
                tree_rss_mb(pid),
                process_rss_kb(pid) / 1024,
                len(window),
                pct(window, 95) if window else 0,
            )
        )


async def watch_connections(url: str, until: float, seen: list[int]) -> None:
    """Count the PostgreSQL server's client connections once a second (the app's, plus this one)."""
    import psycopg

    def count(conn: psycopg.Connection[tuple[int]]) -> int:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()
        return int(row[0]) - 1 if row else 0

    with psycopg.connect(url, autocommit=True) as conn:
        while time.perf_counter() < until:
            seen.append(await asyncio.to_thread(count, conn))
            await asyncio.sleep(1)


async def load(
    base: str,
    fx: Fixture,
    users: int,
    seconds: float,
    max_ops: int,
    pid: int,
    every: float,
    database_url: str,
    connections: list[int],
    skip: frozenset[str] = frozenset(),
) -> tuple[Stats, float, list[Sample]]:
    """Sign every user in (argon2 is slow on purpose, so not timed), then run them all until time is up."""
    stats = Stats()
    limits = httpx.Limits(max_connections=8)
    accounts = fx.accounts[:users]
    vusers = [
        VUser(a, httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False, limits=limits))
        for a in accounts
    ]
    for v in vusers:
        v.own = list(fx.requests.get(v.account.organization, []))
    samples: list[Sample] = []
    try:
        for v in vusers:
            await sign_in(v)
        start = time.perf_counter()
        until = start + seconds
        await asyncio.gather(
            sampler(pid, start, until, every, stats, samples),
            *([watch_connections(database_url, until, connections)] if database_url else []),
            *(run_user(v, fx, until, stats, max_ops, i, skip) for i, v in enumerate(vusers)),
        )
        return stats, time.perf_counter() - start, samples
    finally:
        for v in vusers:
            await v.client.aclose()


# --- figures --------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def slope_mb_per_hour(samples: list[Sample], ys: list[float]) -> float:
    """Return the least-squares slope over time of ``ys`` (one memory figure per sample), in MB/hour."""
    if len(samples) < 2:
        return 0.0
    xs = [s.at / 3600 for s in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0


@dataclass
class Outcome:
    store: str
    users: int
    elapsed: float
    stats: Stats
    samples: list[Sample]
    log: dict[str, int | str]
    build_seconds: float
    fixture: Fixture
    database_log: Counter[str] = field(default_factory=Counter)
    connections: list[int] = field(default_factory=list)  # the app's PostgreSQL connections, each second


def report(o: Outcome, soak: bool) -> None:
    s = o.stats
    members = sum(1 for a in o.fixture.accounts[: o.users] if a.role == "member")
    print(
        f"\n== {o.store}: {o.users} users ({o.users - members} staff, {members} members), "
        f"{o.elapsed:.1f} s (desk built in {o.build_seconds:.1f} s)"
    )
    fx = o.fixture
    if fx.brief is not None:
        print(
            f"   desk: brief v{fx.brief[1]} of request {fx.brief[0]}"
            f"{' (delivered to ' + fx.brief_org + ')' if fx.brief_org else ''}"
            f"{f', draft v{fx.draft[1]} for staff renders' if fx.draft else ''}; {len(fx.evidence)} quotes "
            f"to review on {len({rid for rid, _ in fx.evidence})} other scanned requests"
        )
    for note in o.fixture.notes:
        print(f"   note: {note}")
    print(
        f"   {'operation':<16}{'count':>7}{'ops/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  errors   (latency in ms)"
    )
    rows = sorted(s.latencies.items(), key=lambda kv: -len(kv[1]))
    every = [x for _, v in rows for x in v]
    for kind, values in [*rows, ("ALL", every)]:
        ms = [x * 1000 for x in values]
        errs = (
            sum(n for (k, _), n in s.errors.items() if k == kind) if kind != "ALL" else sum(s.errors.values())
        )
        print(
            f"   {kind:<16}{len(ms):>7}{len(ms) / o.elapsed:>8.1f}{pct(ms, 50):>8.0f}{pct(ms, 95):>8.0f}"
            f"{pct(ms, 99):>8.0f}{max(ms):>8.0f}  {errs}"
        )
    by_status: Counter[str] = Counter()
    for (_, problem), n in s.errors.items():
        by_status[problem] += n
    print(f"   errors by status: {dict(by_status) or 'none'}")
    for (kind, problem), n in sorted(s.errors.items(), key=lambda kv: -kv[1]):
        print(f"   {n} × {kind} → {problem}: {s.first_error[(kind, problem)]}")
    print(
        f"   server log: {o.log['tracebacks']} tracebacks, {o.log['database is locked']} 'database is locked', "
        f"{o.log['deadlock']} deadlocks" + (f"; first: {o.log['first']}" if "first" in o.log else "")
    )
    if o.store == "postgres":
        c = o.connections
        if c:
            print(
                f"   PostgreSQL connections of the app (each second): median {pct([float(x) for x in c], 50):.0f}, "
                f"max {max(c)}"
            )
        print(f"   PostgreSQL log: {sum(o.database_log.values())} ERROR/FATAL lines")
        for line, n in o.database_log.most_common(5):
            print(f"      {n} × {line}")
    first, last = o.samples[0], o.samples[-1]
    print(
        f"   server RSS (web process and render workers): {first.rss_mb:.0f} MB at start of load, "
        f"{last.rss_mb:.0f} MB at end; web process alone {first.server_mb:.0f} → {last.server_mb:.0f} MB"
    )
    if soak:
        print(f"   {'min':>6}{'RSS MB':>9}{'web MB':>9}{'ops':>7}{'p95 ms':>8}")
        for x in o.samples:
            print(f"   {x.at / 60:>6.1f}{x.rss_mb:>9.1f}{x.server_mb:>9.1f}{x.ops:>7}{x.p95_ms:>8.0f}")
        # The first sample is taken before any load (the idle server); the 10 % averages are over the
        # samples under load, so warm-up (index, templates, fonts loaded once) is not counted as growth.
        loaded = o.samples[1:] or o.samples
        tenth = max(1, len(loaded) // 10)
        for label, values in (
            ("RSS", [x.rss_mb for x in o.samples]),
            ("web process RSS", [x.server_mb for x in o.samples]),
        ):
            under_load = values[len(o.samples) - len(loaded) :]
            head = sum(under_load[:tenth]) / tenth
            tail = sum(under_load[-tenth:]) / tenth
            print(
                f"   {label} slope {slope_mb_per_hour(o.samples, values):+.1f} MB/hour over all "
                f"{len(o.samples)} samples, {slope_mb_per_hour(loaded, under_load):+.1f} MB/hour under load "
                f"(idle start left out); under load, first 10 % average {head:.1f} MB, last 10 % "
                f"{tail:.1f} MB ({tail - head:+.1f} MB)"
            )


def run_store(store: str, args: argparse.Namespace, tmp: Path) -> Outcome:
    """Build the desk on one store, serve it, load it; return the figures."""
    home = tmp / store / "desk"
    home.mkdir(parents=True)
    pg_dir = tmp / store / "pg"
    url = start_postgres(pg_dir) if store == "postgres" else ""
    server: subprocess.Popen[bytes] | None = None
    try:
        members = round(args.users * args.member_share) if args.users > 1 else 0
        t0 = time.perf_counter()
        fx = build(home, url, args.documents, args.requests, args.scanned, args.users - members, members)
        built = time.perf_counter() - t0
        log = tmp / store / "server.log"
        server, base = start_web(home, url, args.workers, log)
        seconds = args.soak_minutes * 60 if args.soak_minutes else args.seconds
        every = args.sample_seconds if args.soak_minutes else min(args.sample_seconds, max(seconds / 4, 1))
        connections: list[int] = []
        stats, elapsed, samples = asyncio.run(
            load(base, fx, args.users, seconds, args.max_ops, server.pid, every, url, connections, args.skip)
        )
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(
                f"web_load: the {store} server did not stop within 30 s of SIGTERM; killed it.",
                file=sys.stderr,
            )
            server.kill()
            server.wait(timeout=30)
        server = None
        found = postgres_log_findings(pg_dir) if url else Counter[str]()
        return Outcome(
            store,
            args.users,
            elapsed,
            stats,
            samples,
            server_log_findings(log),
            built,
            fx,
            found,
            connections,
        )
    finally:
        if server is not None:
            server.kill()
            server.wait(timeout=30)
        if url:
            stop_postgres(pg_dir)


def operation_names(text: str) -> frozenset[str]:
    """Return the operations named in a comma-separated list (for --skip); unknown names are an error."""
    names = frozenset(k.strip() for k in text.split(",") if k.strip())
    if names - set(OPS):
        raise argparse.ArgumentTypeError(
            f"unknown operation(s) {', '.join(sorted(names - set(OPS)))}; known: {', '.join(OPS)}"
        )
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20, help="Concurrent signed-in users.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the load per store.")
    parser.add_argument(
        "--stores", default="sqlite,postgres", help="Comma-separated: sqlite, postgres (default both)."
    )
    parser.add_argument("--soak-minutes", type=float, default=0.0, help="Soak: run this long per store.")
    parser.add_argument("--sample-seconds", type=float, default=30.0, help="Memory sampling interval.")
    parser.add_argument("--member-share", type=float, default=0.3, help="Share of the users who are members.")
    parser.add_argument("--documents", type=int, default=96, help="Sample articles in the desk.")
    parser.add_argument("--requests", type=int, default=40, help="Requests in the desk at the start.")
    parser.add_argument(
        "--scanned", type=int, default=3, help="Requests scanned at setup (evidence to review)."
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes.")
    parser.add_argument("--max-ops", type=int, default=1_000_000, help="Stop a store's run after this many.")
    parser.add_argument(
        "--skip",
        type=operation_names,
        default=frozenset(),
        help=f"Comma-separated operations to leave out of the mix (to find what costs what): {', '.join(OPS)}.",
    )
    args = parser.parse_args()
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = [s for s in stores if s not in ("sqlite", "postgres")]
    if unknown or not stores:
        parser.error(f"--stores takes sqlite and/or postgres, not {', '.join(unknown) or 'nothing'}")
    if args.users < 1:
        parser.error("--users must be at least 1")
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="researchdesk-load-") as tmp:
        for store in stores:
            outcome = run_store(store, args, Path(tmp))
            report(outcome, bool(args.soak_minutes))
            outcomes.append(outcome)
    if len(outcomes) > 1:
        print("\n== summary")
        for o in outcomes:
            ms = [x * 1000 for v in o.stats.latencies.values() for x in v]
            print(
                f"   {o.store:<9} {len(ms) / o.elapsed:7.1f} ops/s  p50 {pct(ms, 50):.0f} ms  "
                f"p95 {pct(ms, 95):.0f} ms  p99 {pct(ms, 99):.0f} ms  errors {sum(o.stats.errors.values())}  "
                f"RSS {o.samples[0].rss_mb:.0f}→{o.samples[-1].rss_mb:.0f} MB"
            )


if __name__ == "__main__":
    main()
