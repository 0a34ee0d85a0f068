"""Write the sentences of sample-library articles as a sheet to label (barrier / facilitator / other).

Usage:  python benchmarks/label_sheet.py ARTICLE_ID [ARTICLE_ID ...] > sheet.csv

Sentences are taken the way the training and held-out sets in ``benchmarks/data/`` were: the package's
own HTML reader and segmenter (``researchdesk.ingest.readers.html`` → ``segment.build_text`` →
``sentence_spans``), paragraph and list-item blocks of every section except the author line,
Acknowledgments, Author Information, References, Tables, Figures and Appendix. Each row gets a running
``n`` and an empty ``label`` column; see ``benchmarks/data/README.md`` for the labelling rules.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from researchdesk.ingest.readers.html import READER
from researchdesk.ingest.segment import build_text, sentence_spans
from researchdesk.models import BlockKind
from researchdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "library" / "pcd2024"
)
SKIPPED_SECTIONS = ("acknowledgment", "author information", "references", "table", "figure", "appendix")
KEPT_KINDS = (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM)


def article_sentences(article_id: str) -> Iterator[tuple[str, str]]:
    """Yield (top-level section, sentence with whitespace collapsed) for one article of the library."""
    path = LIBRARY / f"{article_id}.htm"
    result = READER.read(path, path.read_bytes(), Settings(home=ROOT / ".label-sheet-unused"))
    text, spans = build_text(result.blocks)
    for span in spans:
        section = span.section.split(" › ")[0].strip()
        if span.kind not in KEPT_KINDS or not section or "author affiliations" in section:
            continue  # the author line is a heading of its own, before the first section
        if section.lower().startswith(SKIPPED_SECTIONS):
            continue
        for start, end in sentence_spans(text, span.start, span.end):
            sentence = " ".join(text[start:end].split())
            if sentence:
                yield section, sentence


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    writer = csv.writer(sys.stdout)
    writer.writerow(["n", "article_id", "section", "text", "label"])
    n = 0
    for article_id in argv:
        for section, sentence in article_sentences(article_id):
            n += 1
            writer.writerow([n, article_id, section, sentence, ""])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
