"""Coverage-guided fuzzing of every reader with atheris (libFuzzer for Python).

    pip install atheris            # the `fuzz` extra: pip install -e '.[fuzz]'
    python fuzz/readers.py [--seconds 300] [--format all|pdf|docx|html|text|ris|bibtex|csl]

Each input goes to the reader of the chosen format (or, with "all", to every reader). A reader may
return a result or raise ReadError; any other exception is a failure: it is printed with the input
saved under fuzz/crashes/. The run prints inputs tried, failures found and the time per input.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import traceback
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from researchdesk.errors import ReadError
    from researchdesk.ingest.readers.docx import READER as DOCX
    from researchdesk.ingest.readers.html import READER as HTML
    from researchdesk.ingest.readers.pdf import READER as PDF
    from researchdesk.ingest.readers.records import read_records
    from researchdesk.ingest.readers.text import READERS as TEXT
    from researchdesk.settings import Settings

SETTINGS = Settings(home=Path("unused-desk"), max_unpacked_mb=5)
READERS = {
    "pdf": (PDF.read, ".pdf"),
    "docx": (DOCX.read, ".docx"),
    "html": (HTML.read, ".html"),
    "text": (TEXT[1].read, ".txt"),
    "markdown": (TEXT[0].read, ".md"),
    "ris": (read_records, ".ris"),
    "bibtex": (read_records, ".bib"),
    "csl": (read_records, ".json"),
}
CRASHES = Path(__file__).resolve().parent / "crashes"
STATS = {"tried": 0, "failures": 0}


def one_input(data: bytes, chosen: list[str], stop_at: float, report: object) -> None:
    if time.perf_counter() >= stop_at:  # libFuzzer exits without running Python's atexit: report first
        report()  # type: ignore[operator]
        os._exit(1 if STATS["failures"] else 0)
    STATS["tried"] += 1
    for name in chosen:
        call, suffix = READERS[name]
        try:
            call(Path(f"fuzzed{suffix}"), data, SETTINGS)
        except ReadError:
            pass
        except Exception:
            STATS["failures"] += 1
            CRASHES.mkdir(exist_ok=True)
            target = CRASHES / f"{name}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
            target.write_bytes(data)
            print(f"FAILURE in {name} reader, input saved to {target}:", file=sys.stderr)
            traceback.print_exc()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=300, help="How long to fuzz (default 300).")
    parser.add_argument("--format", default="all", choices=["all", *READERS], help="Which reader to fuzz.")
    args, rest = parser.parse_known_args()
    chosen = list(READERS) if args.format == "all" else [args.format]
    start = time.perf_counter()

    def report() -> None:
        took = time.perf_counter() - start
        print(
            f"readers fuzzed: {', '.join(chosen)}; inputs tried: {STATS['tried']}; failures: {STATS['failures']}; "
            f"{took:.0f} s ({STATS['tried'] / max(took, 1e-9):.0f} inputs/s)"
        )

    stop_at = start + args.seconds
    atheris.Setup(
        [sys.argv[0], f"-max_total_time={args.seconds + 60}", "-rss_limit_mb=2048", *rest],
        lambda data: one_input(data, chosen, stop_at, report),
    )
    atheris.Fuzz()


if __name__ == "__main__":
    main()
