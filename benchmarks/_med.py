"""Loader for the MEDLINE test collection (MED.ALL abstracts, MED.QRY queries, MED.REL.trec judgments)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from researchdesk.models import IndexedPassage

_RECORD = re.compile(r"^\.I\s+(\d+)\s*\n\.W\s*\n", re.M)


def shared_data() -> Path:
    """Return the shared data folder (RESEARCHDESK_SHARED_DATA, default ../shared/data from the repo root)."""
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    return Path(os.environ.get("RESEARCHDESK_SHARED_DATA", default)).resolve()


def _records(path: Path) -> dict[int, str]:
    """Return id -> text of a SMART-format file (.I id / .W text)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    parts = _RECORD.split(text)
    # parts = [before, id1, text1, id2, text2, ...]
    return {int(parts[i]): " ".join(parts[i + 1].split()) for i in range(1, len(parts), 2)}


@dataclass
class Collection:
    """Documents, queries and relevance judgments (query id -> relevant document ids)."""

    documents: dict[int, str]
    queries: dict[int, str]
    qrels: dict[int, set[int]]

    def passages(self) -> list[IndexedPassage]:
        """Return each abstract as one passage of its own document (ids as in the collection)."""
        return [
            IndexedPassage(
                passage_id=doc_id,
                document_id=doc_id,
                text=text,
                section="",
                page=None,
                start=0,
                end=len(text),
                title="",
                date="",
                source_type="journal article",
                publisher="",
                container="MEDLINE",
                file_name=f"MED.ALL#{doc_id}",
            )
            for doc_id, text in sorted(self.documents.items())
        ]

    def split(self, part: str) -> list[int]:
        """Return the query ids of a fixed split: "dev" (odd ids, for tuning) or "test" (even ids)."""
        if part == "dev":
            return [q for q in sorted(self.queries) if q % 2 == 1]
        if part == "test":
            return [q for q in sorted(self.queries) if q % 2 == 0]
        return sorted(self.queries)


def load_med(folder: Path | None = None) -> Collection:
    """Return the MED collection from ``folder`` (default: shared data benchmarks/med)."""
    folder = folder or shared_data() / "benchmarks" / "med"
    if not (folder / "MED.ALL").exists():
        raise SystemExit(
            f"{folder}/MED.ALL not found: set RESEARCHDESK_SHARED_DATA to the shared data folder."
        )
    qrels: dict[int, set[int]] = {}
    for line in (folder / "MED.REL.trec").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 4 and int(fields[3]) > 0:
            qrels.setdefault(int(fields[0]), set()).add(int(fields[2]))
    return Collection(_records(folder / "MED.ALL"), _records(folder / "MED.QRY"), qrels)
