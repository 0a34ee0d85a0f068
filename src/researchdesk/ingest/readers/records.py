"""Readers for bibliographic record files: RIS, BibTeX and CSL-JSON.

A record file may describe many documents. The pipeline calls :func:`read_records` for these formats and
gets one ``ReadResult`` per usable record; ``Reader.read`` (the protocol) returns only the first record.
A record's abstract becomes its blocks (an "Abstract" heading and the abstract paragraphs), so abstracts are
searchable. Records without a title are skipped; the skipped ones are reported in the first result's warnings.
Each format is a module of its own (``ris.py``, ``bibtex.py``, ``csl_json.py``) over ``record_fields.py``.
"""

from __future__ import annotations

from pathlib import Path

from researchdesk.errors import EmptyFile, UnsupportedFormat
from researchdesk.ingest.readers.bibtex import BibtexReader
from researchdesk.ingest.readers.csl_json import CslJsonReader
from researchdesk.ingest.readers.ris import RisReader
from researchdesk.models import ReadResult
from researchdesk.settings import Settings

RIS_READER = RisReader()
BIBTEX_READER = BibtexReader()
CSL_JSON_READER = CslJsonReader()
READERS: list[RisReader | BibtexReader | CslJsonReader] = [RIS_READER, BIBTEX_READER, CSL_JSON_READER]


def read_records(path: Path, data: bytes, settings: Settings) -> list[ReadResult]:
    """Return one ReadResult per usable record of a RIS, BibTeX or CSL-JSON file (format judged by content).

    Raises ``EmptyFile`` when no record has a title, ``CorruptFile`` when the file cannot be parsed and
    ``UnsupportedFormat`` when the content is none of the three formats.
    """
    head = data[:8192]
    suffix = path.suffix.lower()
    for reader in READERS:
        if reader.sniff(head, suffix):
            return reader.read_all(path, data, settings)
    for reader in READERS:
        if suffix in reader.extensions:
            if not data.strip():
                raise EmptyFile(
                    path, f"the {reader.format} file is empty", "Check that it is the file you meant."
                )
            return reader.read_all(path, data, settings)
    raise UnsupportedFormat(
        path,
        "the file is not a RIS, BibTeX or CSL-JSON record file",
        "Export the records as RIS, BibTeX or CSL JSON and ingest them again.",
    )
