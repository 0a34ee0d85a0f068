"""Ingest speed and footprint: documents/s, pages/s, MB/s, peak memory and desk size per document.

Runs each measured ingest in a fresh child process (so peak RSS is the ingest's own) on:
  1. the sample library (../shared/data/library/pcd2024, saved web pages), and
  2. a generated set of real PDFs (article text typeset with WeasyPrint, made once per run).
Baselines measured in the same run: reading and hashing the same bytes (the I/O floor), and pypdf's
plain text extraction of the same PDFs (a common pure-Python alternative to our PDF reader).
Embeddings are not part of this figure (see benchmarks/search_speed.py and retrieval.py).

    python benchmarks/ingest.py [--pdfs 20]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "library" / "pcd2024"
)


def peak_rss_mb() -> float:
    """Return this process's peak resident set (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_ingest(folder: str, home: str) -> None:
    from researchdesk.desk import init_desk
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.settings import Settings

    desk = init_desk(Settings(home=Path(home), embedder="none"))
    start = time.perf_counter()
    report = ingest_paths(desk, [folder])
    seconds = time.perf_counter() - start
    docs = desk.store.count_documents()
    desk.close()
    size = sum(p.stat().st_size for p in Path(home).rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "added": report.added,
                "failed": len(report.failed),
                "pages": report.pages,
                "bytes": report.bytes,
                "documents": docs,
                "desk_bytes": size,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def child_hash(folder: str) -> None:
    start = time.perf_counter()
    total = 0
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hashlib.sha256(data).hexdigest()
            total += len(data)
    print(json.dumps({"seconds": time.perf_counter() - start, "bytes": total, "peak_rss_mb": peak_rss_mb()}))


def child_pypdf(folder: str) -> None:
    from pypdf import PdfReader

    start = time.perf_counter()
    pages = 0
    for path in sorted(Path(folder).glob("*.pdf")):
        for page in PdfReader(str(path)).pages:
            page.extract_text()
            pages += 1
    print(json.dumps({"seconds": time.perf_counter() - start, "pages": pages, "peak_rss_mb": peak_rss_mb()}))


def run_child(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_pdfs(folder: Path, count: int) -> None:
    """Typeset ``count`` sample articles as PDFs (each a different article, 5-15 pages)."""
    import weasyprint

    from researchdesk.ingest.readers.html import READER
    from researchdesk.settings import Settings

    settings = Settings(home=folder / "unused")
    for i, page in enumerate(sorted(SAMPLE.glob("*.htm"))[:count]):
        result = READER.read(page, page.read_bytes(), settings)
        body = "".join(
            f"<h2>{b.text}</h2>" if b.kind == "heading" else f"<p>{b.text}</p>" for b in result.blocks
        )
        html = f"<html><head><title>{result.meta.title}</title></head><body>{body}</body></html>"
        weasyprint.HTML(string=html).write_pdf(folder / f"article-{i:03d}.pdf")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pdfs", type=int, default=20, help="How many PDFs to generate (default 20).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pdf_dir = Path(tmp) / "pdfs"
        pdf_dir.mkdir()
        make_pdfs(pdf_dir, args.pdfs)
        rows = []
        for name, folder in (("sample library (HTML)", SAMPLE), (f"{args.pdfs} generated PDFs", pdf_dir)):
            ours = run_child("--child-ingest", str(folder), str(Path(tmp) / f"desk-{len(rows)}"))
            floor = run_child("--child-hash", str(folder))
            rows.append((name, ours, floor))
        pypdf = run_child("--child-pypdf", str(pdf_dir))

    print(
        f"{'set':28} {'docs':>5} {'pages':>6} {'MB':>6} {'seconds':>8} {'docs/s':>8} {'pages/s':>8} "
        f"{'MB/s':>7} {'peak RSS MB':>12} {'desk KB/doc':>12}"
    )
    for name, r, floor in rows:
        mb = r["bytes"] / 1e6
        print(
            f"{name:28} {r['documents']:5.0f} {r['pages']:6.0f} {mb:6.1f} {r['seconds']:8.2f} "
            f"{r['documents'] / r['seconds']:8.1f} {r['pages'] / r['seconds']:8.1f} {mb / r['seconds']:7.2f} "
            f"{r['peak_rss_mb']:12.0f} {r['desk_bytes'] / 1024 / max(r['documents'], 1):12.0f}"
        )
        print(
            f"{'  baseline: read + sha256':28} {'':5} {'':6} {floor['bytes'] / 1e6:6.1f} {floor['seconds']:8.3f} "
            f"{'':8} {'':8} {floor['bytes'] / 1e6 / floor['seconds']:7.1f} {floor['peak_rss_mb']:12.0f}"
        )
    pdf_row = rows[1][1]
    print(
        f"{'  baseline: pypdf text only':28} {'':5} {pypdf['pages']:6.0f} {'':6} {pypdf['seconds']:8.2f} {'':8} "
        f"{pypdf['pages'] / pypdf['seconds']:8.1f} {'':7} {pypdf['peak_rss_mb']:12.0f}"
    )
    print(
        f"\nOur PDF ingest (read, segment, store) vs pypdf text extraction alone: "
        f"{(pdf_row['pages'] / pdf_row['seconds']) / (pypdf['pages'] / pypdf['seconds']):.1f}x the pages/s."
    )
    sample = rows[0][1]
    print(
        f"Target: sample library in < 10 s with < 500 MB peak: {sample['seconds']:.1f} s, "
        f"{sample['peak_rss_mb']:.0f} MB."
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-ingest":
        child_ingest(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-hash":
        child_hash(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-pypdf":
        child_pypdf(sys.argv[2])
    else:
        main()
