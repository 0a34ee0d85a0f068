"""Ingest on the real sample library, and bad input that must be reported while the batch goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import SAMPLE_LIBRARY, make_desk
from researchdesk.desk import Desk
from researchdesk.errors import UnknownChoice
from researchdesk.ingest.pipeline import ingest_file, ingest_paths
from researchdesk.library import check_library, edit_document, remove_document
from researchdesk.models import SourceType

CHROME = (
    "Skip directly to",
    "Page last reviewed",
    "Language:",
    "Syndicate",
    "On This Page",
    "Related Pages",
    "Get Email Updates",
    "Content source",
    "CDC twenty four seven",
)


def by_file(desk: Desk, name: str):  # type: ignore[no-untyped-def]
    return next(d for d in desk.store.documents() if d.file_name == name)


def library_documents(desk: Desk) -> int:
    """Count the ingested documents (other tests may have delivered briefs into the shared desk)."""
    return sum(1 for d in desk.store.documents() if d.meta.source_type is not SourceType.OUR_PRODUCT)


def test_sample_library_is_ingested_whole(sample_desk: Desk) -> None:
    assert library_documents(sample_desk) == 96
    assert check_library(sample_desk).ok


@pytest.mark.parametrize(
    ("name", "title", "date", "doi"),
    [
        (
            "23_0220.htm",
            "Integrating Healthy Nutrition Standards and Practices Into Food Service Contracting in a Large US "
            "County Government",
            "2024-03-07",
            "10.5888/pcd21.230220",
        ),
        (
            "24_0156.htm",
            "Recruitment and Retention in the National Diabetes Prevention Program Lifestyle Change Program in Two "
            "Federally Qualified Health Centers in Rural Hawaiʻi",
            "2024-10-31",
            "10.5888/pcd21.240156",
        ),
        (
            "23_0115.htm",
            "The Effect of a Tobacco Use Reduction Program on the Prevalence of Smoking and Tobacco Use and "
            "Quitting Behavior Among People Living With HIV/AIDS in Michigan",
            "2024-01-11",
            "10.5888/pcd21.230115",
        ),
        (
            "22_0341.htm",
            "Neighborhood-Level Stressors and Individual-Level Cardiovascular Disease Risk in Native Hawaiians: "
            "a Cross-Sectional Study",
            "2024-02-15",
            "10.5888/pcd21.220341",
        ),
    ],
)
def test_metadata_spot_checks(sample_desk: Desk, name: str, title: str, date: str, doi: str) -> None:
    doc = by_file(sample_desk, name)
    assert doc.meta.title == title
    assert doc.meta.container == "Preventing Chronic Disease"
    assert doc.meta.date == date
    assert doc.meta.doi == doi
    assert doc.meta.url == f"https://www.cdc.gov/pcd/issues/2024/{name}"
    assert doc.meta.source_type is SourceType.JOURNAL_ARTICLE
    assert doc.meta.language == "en"


def test_every_offset_slices_exactly_its_text(sample_desk: Desk) -> None:
    for doc in sample_desk.store.documents(with_text=True):
        passages = sample_desk.store.passages(doc.id)
        assert passages
        for p in passages:
            assert doc.text[p.start : p.end] == p.text
        for s in sample_desk.store.sentences(doc.id):
            piece = doc.text[s.start : s.end]
            assert piece and piece == piece.strip()


def test_no_navigation_text_in_passages(sample_desk: Desk) -> None:
    for doc in sample_desk.store.documents():
        for p in sample_desk.store.passages(doc.id):
            for phrase in CHROME:
                # A reference may cite a page "last reviewed" on some date; chrome stands alone.
                assert not p.text.startswith(phrase), (doc.file_name, p.text[:100])
            assert "Skip directly to" not in p.text


def test_table_rows_keep_the_tables_labels(sample_desk: Desk) -> None:
    doc = by_file(sample_desk, "23_0220.htm")
    rows = [
        p
        for p in sample_desk.store.passages(doc.id)
        if p.kind == "table row" and "contracting system is complex" in p.text
    ]
    assert rows and rows[0].label == "Challenges"


def test_reingest_adds_nothing(sample_desk: Desk) -> None:
    before = library_documents(sample_desk)
    report = ingest_paths(sample_desk, [SAMPLE_LIBRARY])
    assert report.added == 0
    assert report.count("duplicate") == 96
    assert library_documents(sample_desk) == before


def test_same_article_under_another_name_is_a_duplicate_by_doi(tmp_path: Path, desk: Desk) -> None:
    src = (SAMPLE_LIBRARY / "23_0220.htm").read_bytes()
    (tmp_path / "a.htm").write_bytes(src)
    (tmp_path / "copy.htm").write_bytes(src.replace(b"</body>", b"<p>saved again</p></body>"))
    report = ingest_paths(desk, [tmp_path / "a.htm", tmp_path / "copy.htm"])
    assert [o.status for o in report.outcomes] == ["added", "duplicate"]
    assert "DOI" in report.outcomes[1].reason


def test_bad_files_are_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk", max_file_mb=0.5)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "fake.pdf").write_text("<!doctype html><html><body><p>not a pdf</p></body></html>")
    (folder / "broken.docx").write_bytes(b"this is not a zip archive at all")
    (folder / "huge.txt").write_text("word " * 200000)
    (folder / "hostile.html").write_text(
        "<html><head><title>A <script>alert(1)</script> page</title></head><body><main>"
        "<script>document.write('x')</script><p>"
        + "Real findings about local partnerships. " * 10
        + "</p></main></body></html>"
    )
    (folder / "Résumé (final) [v2] ü.txt").write_text("Coalitions helped counties adopt policies. " * 5)
    (folder / "latin1.txt").write_bytes("Café owners supported the ordinance. ".encode("latin-1") * 5)
    (folder / "utf16.txt").write_bytes("Señora Díaz led the coalition. ".encode("utf-16") * 5)
    (folder / "good.htm").write_bytes((SAMPLE_LIBRARY / "24_0156.htm").read_bytes())
    report = ingest_paths(desk, [folder])
    status = {Path(o.path).name: o for o in report.outcomes}
    assert status["empty.txt"].status == "failed" and "empty" in status["empty.txt"].reason
    assert status["fake.pdf"].status == "failed" and "html" in status["fake.pdf"].reason.lower()
    assert status["broken.docx"].status == "failed"
    assert status["huge.txt"].status == "failed" and "limit" in status["huge.txt"].reason
    assert status["huge.txt"].hint
    for name in ("hostile.html", "Résumé (final) [v2] ü.txt", "latin1.txt", "utf16.txt", "good.htm"):
        assert status[name].status == "added", (name, status[name].reason)
    hostile = desk.store.get_document(status["hostile.html"].document_id)  # type: ignore[arg-type]
    assert "document.write" not in hostile.text
    assert "Café owners" in desk.store.get_document(status["latin1.txt"].document_id).text  # type: ignore[arg-type]
    assert "Señora Díaz" in desk.store.get_document(status["utf16.txt"].document_id).text  # type: ignore[arg-type]
    for o in report.failed:
        assert o.reason and o.hint, o
    assert check_library(desk).ok
    desk.close()


def test_a_file_that_vanishes_mid_batch(tmp_path: Path, desk: Desk) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("23_0220.htm", "24_0156.htm", "23_0115.htm"):
        (folder / name).write_bytes((SAMPLE_LIBRARY / name).read_bytes())

    def vanish(path: Path, done: int, total: int) -> None:
        if done == 1:
            (folder / "24_0156.htm").unlink()

    report = ingest_paths(desk, [folder], progress=vanish)
    outcome = {Path(o.path).name: o.status for o in report.outcomes}
    assert outcome == {"23_0115.htm": "added", "23_0220.htm": "added", "24_0156.htm": "failed"}
    assert "disappeared" in next(o.reason for o in report.failed)


def test_edit_keeps_history_and_validates(desk: Desk) -> None:
    [outcome] = ingest_file(desk, SAMPLE_LIBRARY / "23_0220.htm")
    doc_id = outcome.document_id
    assert doc_id is not None
    doc = edit_document(
        desk, doc_id, {"publisher": "Centers for Disease Control and Prevention", "date": "March 7, 2024"}
    )
    assert doc.meta.publisher == "Centers for Disease Control and Prevention"
    assert doc.meta.date == "2024-03-07"
    assert [e.field for e in desk.store.document_edits(doc_id)] == ["publisher", "date"]
    with pytest.raises(UnknownChoice):
        edit_document(desk, doc_id, {"colour": "red"})
    with pytest.raises(UnknownChoice):
        edit_document(desk, doc_id, {"source_type": "novel"})
    remove_document(desk, doc_id)
    assert desk.store.count_documents() == 0
    assert not list(desk.blobs.digests())


def test_killed_mid_ingest_leaves_a_consistent_desk_that_resumes(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    make_desk(home).close()
    script = textwrap.dedent(
        f"""
        from researchdesk.desk import open_desk
        from researchdesk.ingest.pipeline import ingest_paths
        from researchdesk.settings import Settings
        desk = open_desk(Settings(home={str(home)!r}))
        ingest_paths(desk, [{str(SAMPLE_LIBRARY)!r}])
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    db = home / "desk.sqlite3"
    deadline = time.time() + 60
    from researchdesk.settings import Settings
    from researchdesk.store.sqlite import SqliteStore

    while time.time() < deadline:
        time.sleep(0.05)
        try:
            probe = SqliteStore(db)
            n = probe.count_documents()
            probe.close()
        except Exception:
            continue
        if n >= 10:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    desk = make_desk(home)
    partial = desk.store.count_documents()
    assert 0 < partial < 96
    assert check_library(desk).ok
    report = ingest_paths(desk, [SAMPLE_LIBRARY])
    assert desk.store.count_documents() == 96
    assert report.added == 96 - partial
    assert check_library(desk).ok
    desk.close()
    assert Settings(home=home).db_path.exists()


def test_corrected_metadata_reaches_search_filters(tmp_path: Path) -> None:
    from researchdesk.search.desk import search
    from researchdesk.search.filters import Filters

    desk = make_desk(tmp_path / "desk", embedder="none")
    [outcome] = ingest_file(desk, SAMPLE_LIBRARY / "23_0283.htm")
    assert outcome.document_id is not None
    assert (
        search(desk.store, desk.settings, "flavored tobacco", filters=Filters(source_types=("report",))).hits
        == []
    )
    edit_document(
        desk, outcome.document_id, {"source_type": "report", "title": "Flavored tobacco bans, revised"}
    )
    res = search(desk.store, desk.settings, "flavored tobacco", filters=Filters(source_types=("report",)))
    assert res.hits and res.hits[0].title == "Flavored tobacco bans, revised"
    desk.close()


def test_a_new_version_of_the_same_file_updates_the_document(tmp_path: Path) -> None:
    from researchdesk.evidence.verify import verify

    desk = make_desk(tmp_path / "desk", embedder="none")
    page = tmp_path / "23_0220.htm"
    original = (SAMPLE_LIBRARY / "23_0220.htm").read_bytes()
    page.write_bytes(original)
    [first] = ingest_paths(desk, [page]).outcomes
    doc = desk.store.get_document(first.document_id)  # type: ignore[arg-type]
    edit_document(desk, doc.id, {"publisher": "Centers for Disease Control and Prevention"})
    quote = "Smaller vendors have less capacity (resources and staffing) to implement nutrition standards in contracts."
    start = doc.text.index(quote)
    page.write_bytes(
        original.replace(b"<main", b"<main><p>Erratum: a table was corrected on May 2, 2024.</p", 1)
    )
    [second] = ingest_paths(desk, [page]).outcomes
    assert second.status == "updated" and second.document_id == doc.id
    updated = desk.store.get_document(doc.id)
    assert (
        "Erratum" in updated.text and updated.meta.publisher == "Centers for Disease Control and Prevention"
    )
    assert verify(quote, start, start + len(quote), updated.text).status == "relocated"
    assert check_library(desk).ok
    assert ingest_paths(desk, [page]).outcomes[0].status == "duplicate"
    desk.close()


def test_documents_under_one_title_are_one_document_only_when_their_texts_agree(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk", embedder="none")
    title = "What is shingles? Questions and answers"
    rash = (
        "Shingles is a painful rash that develops on one side of the face or body. It is caused by the "
        "varicella-zoster virus, the same virus that causes chickenpox, which stays in the body for life."
    )
    vaccine = (
        "A vaccine lowers the risk of shingles and of the long-lasting nerve pain that can follow it. "
        "Adults aged 50 and older are advised to get two doses, two to six months apart."
    )
    files = {
        "rash.txt": f"{title}\n\n{rash}\n",
        "vaccine.txt": f"{title}\n\n{vaccine}\n",  # another answer under the same question
        "rash copy.md": f"# {title}\n\n{rash}\n\nSaved from the county health website.\n",  # the first again
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    outcomes = ingest_paths(desk, [tmp_path / name for name in files]).outcomes
    assert [(o.status, o.title) for o in outcomes] == [
        ("added", title),
        ("added", title),
        ("duplicate", title),
    ]
    assert outcomes[2].document_id == outcomes[0].document_id and outcomes[2].reason == "same title and text"
    # The same file with its text rewritten is still a new version of that document, not another one.
    (tmp_path / "vaccine.txt").write_text(f"{title}\n\nAsk a pharmacist about the shingles vaccine.\n")
    [again] = ingest_paths(desk, [tmp_path / "vaccine.txt"]).outcomes
    assert again.status == "updated" and again.document_id == outcomes[1].document_id
    desk.close()
