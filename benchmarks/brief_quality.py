"""Whole briefs judged as a researcher judges them: every request drafted unattended, then scored.

For every request of the request sets — ``../shared/data/requests/dev-requests.json``, the set the
desk was tuned on, with ``benchmarks/data/requests/dev2.json`` (ten more, written from titles and
abstracts, to tune which sources are on a subject), ``benchmarks/data/requests/dev3.json`` (ten more,
written later the same way, tuned on too) and ``benchmarks/data/requests/dev4.json`` (ten more, on the
articles no earlier request named, tuned on too) and ``benchmarks/data/requests/dev5.json`` (ten practical
'what helps, what gets in the way' requests in the held-out set's style, tuned on too); ``benchmarks/data/requests/heldout.json``, written
apart and only reported; and ``benchmarks/data/requests/heldout2.json``, written later by a reader who
saw only the library's titles and abstracts, and only reported — the script files the request on a copy of a desk built from the sample library, scans it, drafts the
brief with every suggestion accepted (``brief draft --auto-accept``), and prints:

* must-quote recall: the articles a researcher would certainly quote that the brief quotes;
* on-subject source share: quoted sources among the request's must and relevant articles;
* for requests the library does not cover (no must, no relevant): the sources the brief quotes
  anyway (should be none);
* from the blind readers' judgments (``benchmarks/data/brief_judgments/<round>/<reader>.jsonl``, the
  final round by default; ``GUIDE.md`` is what the readers were told): keep rate,
  on-subject rate, finding rate, heading accuracy among kept quotes, the summary score (0-2), and the
  readers' agreement on keep/drop (Cohen's kappa). A quote is known by a hash of its request and text,
  so judgments carry over between runs for quotes that did not change; the share judged is printed.

``--report FILE`` scores a run saved earlier with ``--json`` (the runs the README quotes are in
``benchmarks/data/brief_runs/``). ``--packets DIR`` writes what a reader sees, one Markdown file per request: the request, the summary,
and the numbered quotes with their source title and heading, nothing of the code or the scores.

    python benchmarks/brief_quality.py --desk demo-desk [--packets out/packets] [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data"))
SAMPLE = SHARED / "library" / "pcd2024"
REQUEST_SETS = {
    "dev": SHARED / "requests" / "dev-requests.json",
    "heldout": ROOT / "benchmarks" / "data" / "requests" / "heldout.json",
    "heldout2": ROOT / "benchmarks" / "data" / "requests" / "heldout2.json",
    "dev2": ROOT / "benchmarks" / "data" / "requests" / "dev2.json",
    "dev3": ROOT / "benchmarks" / "data" / "requests" / "dev3.json",
    "dev4": ROOT / "benchmarks" / "data" / "requests" / "dev4.json",
    "dev5": ROOT / "benchmarks" / "data" / "requests" / "dev5.json",
}
JUDGMENTS = ROOT / "benchmarks" / "data" / "brief_judgments" / "round22"


@dataclass
class DraftedQuote:
    qid: str
    source: str  # file name of the quoted document
    title: str
    heading: str  # the brief's group: Barriers, Facilitators or the role's own name
    location: str
    text: str


@dataclass
class DraftedBrief:
    set_name: str
    request: dict[str, Any]
    summary: list[str]
    quotes: list[DraftedQuote] = field(default_factory=list)
    further: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    refused: str = ""  # the desk's message when it would not draft (e.g. a prompt with no subject)


def quote_id(request_id: str, text: str) -> str:
    """Return the stable id of a drafted quote: its request and its words."""
    return hashlib.sha1(f"{request_id}\n{' '.join(text.split())}".encode()).hexdigest()[:10]


def summary_id(request_id: str, summary: list[str], refused: str = "") -> str:
    """Return the stable id of a drafted summary (or of the desk's refusal): its request and its words."""
    return "summary-" + quote_id(request_id, "\n".join(summary) + refused)


def load_requests(names: list[str]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in names:
        path = REQUEST_SETS.get(name, Path(name))
        data = json.loads(path.read_text(encoding="utf-8"))
        out.extend((name, r) for r in data["requests"])
    return out


def draft_all(desk_dir: Path, requests: list[tuple[str, dict[str, Any]]]) -> list[DraftedBrief]:
    from researchdesk.brief.service import draft
    from researchdesk.desk import open_desk
    from researchdesk.errors import ResearchDeskError
    from researchdesk.models import heading_of
    from researchdesk.requests.scan import run_scan
    from researchdesk.requests.workflow import add_member, file_request
    from researchdesk.settings import Settings

    desk = open_desk(Settings(home=desk_dir))
    out = []
    files = {d.id: d.file_name for d in desk.store.documents()}
    for set_name, req in requests:
        try:
            desk.store.organization(req["org"])
        except ResearchDeskError:
            add_member(desk, req["org"], req.get("kind", "other"))
        t0 = time.perf_counter()
        rid = file_request(desk, req["org"], req["prompt"])
        try:
            run_scan(desk, rid, who="bench")
            brief, _ = draft(desk, rid, who="bench", auto=True)
        except ResearchDeskError as exc:  # the desk refused the request: that is its answer
            out.append(DraftedBrief(set_name, req, [], seconds=time.perf_counter() - t0, refused=str(exc)))
            continue
        seconds = time.perf_counter() - t0
        drafted = DraftedBrief(set_name, req, list(brief.summary), seconds=seconds)
        drafted.next_steps = list(brief.next_steps)
        drafted.further = [f"{r.title} — {r.note}" for r in brief.further_reading]
        for source in brief.sources:
            for q in source.quotes:
                drafted.quotes.append(
                    DraftedQuote(
                        quote_id(req["id"], q.text),
                        files.get(source.document_id, ""),
                        source.title,
                        heading_of(q.role) or "Findings (no heading)",
                        q.location,
                        q.text,
                    )
                )
        out.append(drafted)
    desk.close()
    return out


def write_packets(briefs: list[DraftedBrief], directory: Path) -> None:
    """Write one Markdown file per request: what a blind reader sees."""
    directory.mkdir(parents=True, exist_ok=True)
    for b in briefs:
        lines = [f"# Request {b.request['id']}", "", f"> {b.request['prompt']}", ""]
        if b.refused:
            lines += ["## The desk did not draft a brief", "", b.refused, ""]
        lines += [f"## Summary of findings ({summary_id(b.request['id'], b.summary, b.refused)})", ""]
        lines += [f"- {p}" for p in b.summary] + ["", "## Drafted quotes", ""]
        for q in b.quotes:
            lines += [
                f"### {q.qid}",
                f"- source: {q.title}",
                f"- filed under: {q.heading}",
                f"- where: {q.location}",
                f'- quote: "{q.text}"',
                "",
            ]
        if b.next_steps:
            lines += ["## Next steps", ""] + [f"- {s}" for s in b.next_steps] + [""]
        (directory / f"{b.request['id']}.md").write_text("\n".join(lines), encoding="utf-8")


def load_judgments(directory: Path = JUDGMENTS) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    """Return reader → (request id, quote or summary id) → judgment, from one round's folder."""
    readers: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    if not directory.exists():
        return readers
    for path in sorted(directory.glob("*.jsonl")):
        table: dict[tuple[str, str], dict[str, Any]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                table[(j["request"], j["quote"])] = j
        readers[path.stem] = table
    return readers


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Return Cohen's kappa of two readers' yes/no decisions."""
    n = len(pairs)
    if not n:
        return float("nan")
    agree = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return (agree - chance) / (1 - chance) if chance < 1 else 1.0


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "–"


def report(briefs: list[DraftedBrief], judgments: Path = JUDGMENTS) -> dict[str, Any]:
    readers = load_judgments(judgments)
    figures: dict[str, Any] = {}
    for set_name in dict.fromkeys(b.set_name for b in briefs):
        group = [b for b in briefs if b.set_name == set_name]
        must = hit = sources = on = stray = 0
        for b in group:
            quoted = {q.source for q in b.quotes}
            wanted = set(b.request["must"]) | set(b.request["relevant"])
            must += len(b.request["must"])
            hit += len(set(b.request["must"]) & quoted)
            if wanted:
                sources += len(quoted)
                on += len(quoted & wanted)
            else:
                stray += len(quoted)
        row: dict[str, Any] = {
            "requests": len(group),
            "quotes": sum(len(b.quotes) for b in group),
            "must-quote recall": _share(hit, must),
            "on-subject sources": _share(on, sources),
            "sources quoted where the library has none": stray,
            "seconds per request (median)": sorted(b.seconds for b in group)[len(group) // 2],
        }
        per_reader: dict[str, dict[str, Any]] = {}
        for reader, table in readers.items():
            judged = [
                (b, q, table[(b.request["id"], q.qid)])
                for b in group
                for q in b.quotes
                if (b.request["id"], q.qid) in table
            ]
            kept = [j for _, _, j in judged if j["keep"]]
            keys = [(b.request["id"], summary_id(b.request["id"], b.summary, b.refused)) for b in group]
            summaries = [table[k]["score"] for k in keys if k in table]
            per_reader[reader] = {
                "judged": _share(len(judged), row["quotes"]),
                "keep": _share(len(kept), len(judged)),
                "on subject": _share(sum(j["on_subject"] == "yes" for _, _, j in judged), len(judged)),
                "finding": _share(sum(bool(j["finding"]) for _, _, j in judged), len(judged)),
                "right heading (kept)": _share(sum(bool(j["heading_right"]) for j in kept), len(kept)),
                "summary (0-2)": f"{sum(summaries) / len(summaries):.2f} ({len(summaries)})"
                if summaries
                else "–",
            }
        names = list(readers)
        if len(names) >= 2:
            a, b_ = readers[names[0]], readers[names[1]]
            pairs = [
                (a[k]["keep"], b_[k]["keep"])
                for br in group
                for q in br.quotes
                if (k := (br.request["id"], q.qid)) in a and k in b_
            ]
            row["keep/drop kappa"] = f"{kappa(pairs):.2f} ({len(pairs)} quotes)"
        row["readers"] = per_reader
        figures[set_name] = row
    return figures


def print_report(figures: dict[str, Any]) -> None:
    for set_name, row in figures.items():
        print(f"\n== {set_name} ==")
        for key, value in row.items():
            if key != "readers":
                print(f"  {key:42} {value}")
        for reader, vals in row.get("readers", {}).items():
            print(f"  reader {reader}: " + "; ".join(f"{k} {v}" for k, v in vals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--desk", type=Path, help="A desk built from the sample library (copied, never changed)."
    )
    parser.add_argument(
        "--sets",
        default="dev,dev2,dev3,dev4,dev5,heldout,heldout2",
        help="Request sets: dev, dev2, dev3, dev4, dev5, heldout, heldout2 or paths (comma-separated).",
    )
    parser.add_argument("--packets", type=Path, help="Write the blind readers' packets into this folder.")
    parser.add_argument("--json", type=Path, help="Write the drafted briefs and the figures as JSON.")
    parser.add_argument(
        "--report",
        type=Path,
        help="Only score drafts saved earlier with --json (e.g. benchmarks/data/brief_runs/*.json).",
    )
    parser.add_argument(
        "--judgments", type=Path, default=JUDGMENTS, help="The folder of the readers' judgments (one round)."
    )
    args = parser.parse_args()
    if args.report:
        print_report(report(saved_briefs(args.report), args.judgments))
        return
    requests = load_requests([s for s in args.sets.split(",") if s])
    with tempfile.TemporaryDirectory() as tmp:
        desk_dir = Path(tmp) / "desk"
        if args.desk:
            shutil.copytree(args.desk, desk_dir)
        else:
            build_desk(desk_dir)
        briefs = draft_all(desk_dir, requests)
    if args.packets:
        write_packets(briefs, args.packets)
    figures = report(briefs, args.judgments)
    print_report(figures)
    if args.json:
        payload = {
            "figures": figures,
            "briefs": [
                {
                    "set": b.set_name,
                    "request": b.request,
                    "summary": b.summary,
                    "next_steps": b.next_steps,
                    "further": b.further,
                    "refused": b.refused,
                    "quotes": [q.__dict__ for q in b.quotes],
                }
                for b in briefs
            ],
        }
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")


def saved_briefs(path: Path) -> list[DraftedBrief]:
    """Return the drafted briefs of a run saved with --json."""
    out = []
    for b in json.loads(path.read_text(encoding="utf-8"))["briefs"]:
        drafted = DraftedBrief(b["set"], b["request"], b["summary"], refused=b.get("refused", ""))
        drafted.quotes = [DraftedQuote(**q) for q in b["quotes"]]
        drafted.next_steps, drafted.further = b.get("next_steps", []), b.get("further", [])
        out.append(drafted)
    return out


def build_desk(desk_dir: Path) -> None:
    from researchdesk.desk import init_desk
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.search.desk import sync_index
    from researchdesk.settings import Settings

    desk = init_desk(Settings(home=desk_dir))
    t = time.perf_counter()
    ingest_paths(desk, [SAMPLE])
    sync_index(desk.store, desk.settings)
    print(f"Built the desk (ingest + embeddings) in {time.perf_counter() - t:.1f} s.")
    desk.close()


if __name__ == "__main__":
    main()
