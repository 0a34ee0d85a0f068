"""Discovery on a subject the library does not cover: on-subject share of the top 10, and seconds per query from cache.

The subject is the question of a real systematic review (SYNERGY's Donners 2021: pharmacokinetics and
efficacy of emicizumab); the sample library (local public health) holds nothing on it. The OpenAlex
answer is replayed from the review's 258 real OpenAlex records (../shared/data/openalex, 25 a page,
in OpenAlex's list envelope; no network), first through the client online (which caches it), then
offline from the cache, as a person repeating the query would. Judged, as in the brief-quality work,
from titles and abstracts: a candidate is on the subject when it names emicizumab, and "included"
when the review's authors included it (../shared/data/benchmarks/synergy/Donners_2021.csv).
Baseline in the same run: the records in the order the service returned them (here the review's
order, not a relevance ranking), and, for speed, reading the cached answers with json.loads alone.

    python benchmarks/discover.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data"))
RECORDS = SHARED / "openalex" / "works_Donners_2021.zip"
LABELS = SHARED / "benchmarks" / "synergy" / "Donners_2021.csv"
REVIEW = SHARED / "benchmarks" / "synergy" / "Donners_2021.review.json"


def pages() -> list[list[dict]]:  # type: ignore[type-arg]
    with zipfile.ZipFile(RECORDS) as z:
        names = sorted(z.namelist(), key=lambda n: int(n.split("_")[1]))
        return [json.loads(z.read(n)) for n in names]


def transport() -> httpx.MockTransport:
    served = pages()
    count = sum(len(p) for p in served)

    def handle(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        results = served[page - 1] if 0 < page <= len(served) else []
        return httpx.Response(
            200, json={"meta": {"count": count, "page": page, "per_page": 25}, "results": results}
        )

    return httpx.MockTransport(handle)


def judge(keys: list[tuple[str, str, str]], included: set[str]) -> tuple[int, int]:
    """Return (on the subject, included by the reviewers) among the (title, abstract, openalex id) given."""
    on = sum(1 for t, a, _ in keys if "emicizumab" in (t + " " + a).lower())
    inc = sum(1 for _, _, i in keys if i in included)
    return on, inc


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    from researchdesk.desk import init_desk
    from researchdesk.discover import discover
    from researchdesk.discover.http import PoliteClient
    from researchdesk.discover.openalex import abstract_text
    from researchdesk.settings import Settings

    query = json.loads(REVIEW.read_text())["review_title"]
    with LABELS.open(newline="", encoding="utf-8") as fh:
        included = {
            r["openalex_id"].rsplit("/", 1)[-1] for r in csv.DictReader(fh) if r["label_included"] == "1"
        }
    with tempfile.TemporaryDirectory() as tmp:
        desk = init_desk(Settings(home=Path(tmp) / "desk", embedder="none", online=True))
        with PoliteClient(desk.settings, transport=transport(), sleep=lambda _s: None) as http:
            first = discover(desk, query, ["openalex"], limit=300, client=http)
        desk.settings.online = False
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            again = discover(desk, query, ["openalex"], limit=300, client=PoliteClient(desk.settings))
            times.append(time.perf_counter() - started)
        assert [c.key for c in again.candidates] == [c.key for c in first.candidates]
        cached = sorted((desk.settings.discover_dir / "cache" / "openalex").glob("*.json"))
        base_times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            for path in cached:
                json.loads(path.read_text())
            base_times.append(time.perf_counter() - started)
        desk.close()

    ours = [(c.title, c.abstract, c.ids.get("openalex", "")) for c in first.candidates[:10]]
    served = [r for page in pages() for r in page][:10]
    theirs = [
        (
            r.get("title") or "",
            abstract_text(r.get("abstract_inverted_index")),
            str(r["id"]).rsplit("/", 1)[-1],
        )
        for r in served
    ]
    print(
        f"Query (the review's title): {query!r}; {len(first.candidates)} candidates, {len(cached)} cached answers"
    )
    print(f"{'top 10':44} {'on subject':>10} {'included':>9}")
    for label, keys in (("desk ranking", ours), ("baseline: order as served", theirs)):
        on, inc = judge(keys, included)
        print(f"{label:44} {on:>7}/10 {inc:>6}/10")
    print(f"{'seconds per query':44} {'median':>10} {'max':>9}")
    print(f"{'desk discover, offline from the cache':44} {statistics.median(times):10.3f} {max(times):9.3f}")
    print(
        f"{'baseline: json.loads of the cached answers':44} {statistics.median(base_times):10.3f} {max(base_times):9.3f}"
    )


if __name__ == "__main__":
    main()
