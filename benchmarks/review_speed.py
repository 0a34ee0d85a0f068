"""Review speed on the evidence-review page, driven in a real headless Chromium: decisions per minute and
server time per decision, with the page's script (a decision is one fetch, no page load) next to the
same page without script (a decision is a form post, a redirect and the whole page again), in one run.

The desk is built from the sample library (../shared/data/library/pcd2024, lexical search), with two
requests scanned for the same five subjects so each way of reviewing has its own suggestions to decide.
A reviewer decides every suggestion: by keyboard (a / r) with the script, by clicking the card's button
without it. Server time is the app's own access-log time for each call the decision made (for the
baseline: the post and the page it redirects to).

    python benchmarks/review_speed.py [--rounds 2]

Needs Debian's /usr/bin/chromium (`make browser`) and Playwright (dev extra).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import uvicorn  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from researchdesk.desk import open_desk  # noqa: E402
from researchdesk.requests.plan import with_subjects  # noqa: E402
from researchdesk.requests.scan import plan_for, run_scan, save_plan  # noqa: E402
from researchdesk.requests.workflow import file_request  # noqa: E402
from researchdesk.web.app import create_app  # noqa: E402
from researchdesk.web.config import WebSettings  # noqa: E402
from test_web_fixtures import LIBRARY, PASSWORD, build_desk  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PROMPT = (
    "What gets in the way of, and what helps, local tobacco policies, healthy food access and data systems?"
)
SUBJECTS = [
    "tobacco control policies",
    "school nutrition programs",
    "community health workers",
    "colorectal cancer screening",
    "health data systems",
]


class AccessLog(logging.Handler):
    """Keeps the app's access-log lines (method, path, status, server ms)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


def scanned(settings: object, n: int) -> list[int]:
    ids = []
    with open_desk(settings) as desk:  # type: ignore[arg-type]
        for _ in range(n):
            rid = file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example")
            save_plan(desk, rid, with_subjects(plan_for(desk, rid, "staff"), SUBJECTS), "staff@desk.example")
            run_scan(desk, rid, who="staff@desk.example")
            ids.append(rid)
    return ids


def sign_in(page: object, base: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill('input[name="email"]', "staff@desk.example")  # type: ignore[attr-defined]
    page.fill('input[name="password"]', PASSWORD)  # type: ignore[attr-defined]
    page.click('button[type="submit"]')  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def with_script(page: object, base: str, rid: int, log: AccessLog) -> tuple[int, float, list[float]]:
    """Decide every suggestion by keyboard; return (decisions, seconds, server ms per decision)."""
    page.goto(f"{base}/requests/{rid}/evidence")  # type: ignore[attr-defined]
    page.wait_for_selector("article.evidence.current")  # type: ignore[attr-defined]
    total = int(page.inner_text("#review-progress .total"))  # type: ignore[attr-defined]
    first = len(log.lines)
    started = time.perf_counter()
    for n in range(total):
        page.keyboard.press("a" if n % 3 else "r")  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "n => document.querySelector('#review-progress .done').textContent === String(n)", arg=n + 1
        )
    seconds = time.perf_counter() - started
    calls = [line for line in log.lines[first:] if line["method"] == "POST"]
    pages = [line for line in log.lines[first:] if line["method"] == "GET"]
    assert len(calls) == total and not pages, (len(calls), len(pages))
    return total, seconds, [float(c["ms"]) for c in calls]  # type: ignore[arg-type]


def without_script(page: object, base: str, rid: int, log: AccessLog) -> tuple[int, float, list[float]]:
    """Decide every suggestion by clicking its button (form post, redirect, page load)."""
    page.goto(f"{base}/requests/{rid}/evidence?status=suggested")  # type: ignore[attr-defined]
    total = page.locator("article.evidence").count()  # type: ignore[attr-defined]
    first = len(log.lines)
    started = time.perf_counter()
    for n in range(total):
        card = page.locator("article.evidence").first  # type: ignore[attr-defined]
        card.locator(f"form[data-action='{'accept' if n % 3 else 'reject'}'] button").click()
        page.wait_for_load_state()  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    lines = log.lines[first:]
    posts = [float(c["ms"]) for c in lines if c["method"] == "POST"]  # type: ignore[arg-type]
    gets = [float(c["ms"]) for c in lines if c["method"] == "GET" and "/evidence" in str(c["path"])]  # type: ignore[arg-type]
    assert len(posts) == total and len(gets) >= total, (len(posts), len(gets))
    return total, seconds, [p + g for p, g in zip(posts, gets, strict=False)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2, help="Requests reviewed each way (default 2).")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="review-speed-"))
    library = tuple(sorted(p.name for p in LIBRARY.iterdir() if p.suffix == ".htm"))
    print(
        f"Building a desk of {len(library)} articles and scanning {2 * args.rounds} requests ...", flush=True
    )
    settings, _ = build_desk(folder / "desk", library)
    requests = scanned(settings, 2 * args.rounds)
    log = AccessLog()
    logging.getLogger("researchdesk.access").addHandler(log)
    logging.getLogger("researchdesk.access").setLevel(logging.INFO)
    # As on a served desk: the desk model's learn job that each decision queues runs in the worker, not
    # in the page's request (no worker runs here; the queue keeps one waiting job).
    app = create_app(settings, WebSettings(jobs_immediate=False, cookie_secure=False))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        sock_port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=sock_port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{sock_port}"
    results: dict[str, list[tuple[int, float, list[float]]]] = {
        "page script (fetch)": [],
        "no script (post + reload)": [],
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        fast = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        slow = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=False
        ).new_page()
        sign_in(fast, base)
        sign_in(slow, base)
        for r in range(args.rounds):  # alternate, so machine noise falls on both ways alike
            results["page script (fetch)"].append(with_script(fast, base, requests[2 * r], log))
            results["no script (post + reload)"].append(without_script(slow, base, requests[2 * r + 1], log))
        browser.close()
    server.should_exit = True
    print()
    print(
        f"{'way of reviewing':28} {'decisions':>9} {'per minute':>11} {'server ms p50':>14} {'p95':>7} {'max':>7}"
    )
    rates = {}
    for name, runs in results.items():
        decisions = sum(r[0] for r in runs)
        seconds = sum(r[1] for r in runs)
        server = sorted(ms for r in runs for ms in r[2])
        p95 = server[min(len(server) - 1, int(0.95 * len(server)))]
        rates[name] = decisions / seconds * 60
        print(
            f"{name:28} {decisions:9d} {rates[name]:11.0f} {statistics.median(server):14.1f} {p95:7.1f} {max(server):7.1f}"
        )
    ratio = rates["page script (fetch)"] / rates["no script (post + reload)"]
    print(
        f"\nDecisions per minute, script vs baseline: {ratio:.1f}x (browser and server on one 2-core machine)."
    )


if __name__ == "__main__":
    main()
