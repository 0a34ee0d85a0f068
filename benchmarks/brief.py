"""Time from a member's request to a rendered brief (all formats) on the sample library.

Cold: a fresh process (the search index and embedding model are loaded from disk by the first
request). Warm: the next requests in the same process. Each run prints the share of time per stage
and the process's peak memory. The baseline in the same run is the render stage alone (the floor any
brief pays), so the ratio says what the research work costs on top of typesetting.

    python benchmarks/brief.py [--desk DIR]   # DIR: an existing desk built from the sample library
                                              # (default: build one in a temp dir, embeddings included)
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "library" / "pcd2024"
)
PROMPTS = [
    "We are launching a cross-sector initiative on chronic disease prevention with our county health department "
    "and local partners. What are the barriers and facilitators of getting local tobacco and nutrition policies "
    "adopted and implemented? Have we produced any products or case studies on this?",
    "What helps community health workers connect rural residents to diabetes prevention programs, and what gets "
    "in the way?",
    "What are the barriers and facilitators of partnerships between researchers and state legislators?",
]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--desk", type=Path, help="An existing desk built from the sample library.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(args.desk, Path(tmp))


def run(desk_dir: Path | None, tmp: Path) -> None:
    from researchdesk.brief.render import FORMATS, render
    from researchdesk.brief.service import draft
    from researchdesk.desk import init_desk
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.requests.scan import run_scan
    from researchdesk.requests.workflow import add_member, file_request
    from researchdesk.search.desk import sync_index
    from researchdesk.settings import Settings

    home = desk_dir or tmp / "desk"
    desk = init_desk(Settings(home=home))
    if desk.store.count_documents() == 0:
        t = time.perf_counter()
        ingest_paths(desk, [SAMPLE])
        sync_index(desk.store, desk.settings)
        print(
            f"Built the desk (ingest + embeddings) in {time.perf_counter() - t:.1f} s (not part of the figures)."
        )
    member = f"Benchmark County {time.time_ns()}"
    add_member(desk, member, "county")
    print(f"{'run':6} {'total s':>8} {'scan':>7} {'draft':>7} {'render':>7}   per format (s)")
    totals = []
    for n, prompt in enumerate(PROMPTS * 2, start=1):
        stages: dict[str, float] = {}
        t0 = time.perf_counter()
        rid = file_request(desk, member, prompt)
        run_scan(desk, rid, who="bench")
        t1 = time.perf_counter()
        brief, _ = draft(desk, rid, who="bench", auto=True)
        t2 = time.perf_counter()
        per_format = {}
        for fmt in FORMATS:
            f0 = time.perf_counter()
            render(brief, fmt, io.BytesIO())
            per_format[fmt] = time.perf_counter() - f0
        t3 = time.perf_counter()
        stages = {"scan": t1 - t0, "draft": t2 - t1, "render": t3 - t2}
        total = t3 - t0
        totals.append((total, stages["render"]))
        shares = "  ".join(f"{v / total:6.0%}" for v in stages.values())
        fmts = " ".join(f"{k} {v:.2f}" for k, v in per_format.items())
        print(f"{('cold' if n == 1 else 'warm'):6} {total:8.2f} {shares}   {fmts}")
    warm = sorted(t for t, _ in totals[1:])
    render_floor = sorted(r for _, r in totals[1:])
    median = warm[len(warm) // 2]
    print(
        f"\ncold {totals[0][0]:.2f} s; warm median {median:.2f} s (target < 10 s) — "
        f"render-only baseline {render_floor[len(render_floor) // 2]:.2f} s, "
        f"so research work costs {median / render_floor[len(render_floor) // 2]:.1f}x the typesetting."
    )
    print(f"peak memory {peak_rss_mb():.0f} MB")
    desk.close()


if __name__ == "__main__":
    main()
