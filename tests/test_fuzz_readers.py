"""Property: every reader, given any bytes, returns a result or raises a ReadError — nothing else.

Inputs are random bytes and mutations (truncation, byte flips, splices) of real seed files of each
format. The longer, coverage-guided run is fuzz/readers.py (atheris).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE_LIBRARY
from researchdesk.errors import ReadError
from researchdesk.ingest.readers import reader_for
from researchdesk.ingest.readers.docx import READER as DOCX
from researchdesk.ingest.readers.html import READER as HTML
from researchdesk.ingest.readers.jats import READER as JATS
from researchdesk.ingest.readers.pdf import READER as PDF
from researchdesk.ingest.readers.records import read_records
from researchdesk.ingest.readers.text import READERS as TEXT_READERS
from researchdesk.settings import Settings

SETTINGS = Settings(home=Path("unused-desk"), max_unpacked_mb=5)
EXAMPLES = 60


def _pdf_seed() -> bytes:
    import weasyprint

    html = "<h1>Barriers</h1>" + "<p>Lack of funding slowed adoption of the ordinance.</p>" * 30
    return bytes(weasyprint.HTML(string=html).write_pdf())


def _docx_seed() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Facilitators", level=1)
    document.add_paragraph("Strong partnerships helped the county adopt the policy.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Barriers", "Facilitators"
    table.cell(1, 0).text, table.cell(1, 1).text = "Staff turnover", "Champions"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SEEDS: dict[str, bytes] = {}


def seed(name: str) -> bytes:
    if name not in SEEDS:
        SEEDS[name] = {
            "pdf": _pdf_seed,
            "docx": _docx_seed,
            "html": lambda: (SAMPLE_LIBRARY / "23_0220.htm").read_bytes()[:60_000],
            "jats": lambda: json.loads(
                (Path(__file__).parent / "fixtures" / "discover" / "europepmc_fulltext_xml.json").read_text()
            )["body"].encode(),
            "ris": lambda: (
                b"TY  - JOUR\nTI  - Coalitions and tobacco policy\nAU  - Doe, Jane\nPY  - 2021\n"
                b"AB  - Coalitions helped pass ordinances.\nDO  - 10.1000/xyz\nER  - \n"
            ),
            "bibtex": lambda: (
                b"@article{doe2021, title={Coalitions and tobacco policy}, author={Doe, Jane},"
                b" journal={Public Health}, year={2021}, abstract={Coalitions helped.}}\n"
            ),
            "csl": lambda: json.dumps(
                [{"type": "article-journal", "title": "Coalitions", "issued": {"date-parts": [[2021]]}}]
            ).encode(),
            "text": lambda: b"Partnerships helped. Funding was a barrier.\n\n# Results\n\n- one\n- two\n",
        }[name]()
    return SEEDS[name]


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    data = bytearray(seed(name))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "splice", "insert"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 4096))]
        elif op == "splice":
            data[at:at] = draw(st.binary(max_size=64))
        else:
            data[at:at] = data[: draw(st.integers(0, 512))]
    return bytes(data)


def reads_cleanly(call: object, path: Path, data: bytes) -> None:
    try:
        call(path, data, SETTINGS)  # type: ignore[operator]
    except ReadError as exc:
        assert exc.reason and exc.path


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(
    ("name", "reader", "suffix"),
    [
        ("pdf", PDF.read, ".pdf"),
        ("docx", DOCX.read, ".docx"),
        ("html", HTML.read, ".html"),
        ("jats", JATS.read, ".xml"),
    ],
)
def test_binary_and_markup_readers_never_raise_anything_but_read_errors(
    name: str, reader: object, suffix: str
) -> None:
    @FUZZ
    @given(data=st.one_of(mutated(name), st.binary(max_size=2048)))
    def check(data: bytes) -> None:
        reads_cleanly(reader, Path(f"fuzzed{suffix}"), data)

    check()


@pytest.mark.parametrize(("name", "suffix"), [("ris", ".ris"), ("bibtex", ".bib"), ("csl", ".json")])
def test_record_readers_never_raise_anything_but_read_errors(name: str, suffix: str) -> None:
    @FUZZ
    @given(data=st.one_of(mutated(name), st.binary(max_size=1024)))
    def check(data: bytes) -> None:
        reads_cleanly(read_records, Path(f"fuzzed{suffix}"), data)

    check()


@FUZZ
@given(data=st.one_of(mutated("text"), st.binary(max_size=2048), st.text(max_size=2000).map(str.encode)))
def test_text_readers_and_format_detection_never_raise_anything_but_read_errors(data: bytes) -> None:
    for reader in TEXT_READERS:
        reads_cleanly(reader.read, Path("fuzzed.txt"), data)
    for suffix in (".pdf", ".docx", ".html", ".txt", ".md", ".ris", ".bib", ".json", ".xyz"):
        with contextlib.suppress(ReadError):
            reader_for(Path(f"fuzzed{suffix}"), data[:8192])


def test_a_page_pdfium_cannot_load_is_reported_not_raised_when_ocr_reads_blank_pages() -> None:
    """The fuzzer's find: a page that fails to load was passed on to OCR as a blank page and raised there."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    document.new_page(200, 200)
    document.new_page(200, 200)
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    second = data.rindex(b"5 0 obj")
    damaged = data[:second] + data[second:].replace(b"/Type/Page>>", b"/Type/Pagx>>", 1)
    with pytest.raises(ReadError) as caught:
        PDF.read(Path("damaged.pdf"), damaged, SETTINGS)
    assert "damaged.pdf" in str(caught.value.path)
