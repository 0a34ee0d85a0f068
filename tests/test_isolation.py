"""Readers run under a time and a memory limit in their own process; the batch survives both."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLE_LIBRARY, make_desk
from researchdesk.ingest.pipeline import ingest_paths


def copy_articles(folder: Path, names: tuple[str, ...]) -> None:
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes((SAMPLE_LIBRARY / name).read_bytes())


def test_a_file_over_the_time_limit_is_stopped_and_the_batch_goes_on(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk", reader_timeout_s=0.001)
    copy_articles(tmp_path / "in", ("23_0220.htm", "24_0156.htm"))
    report = ingest_paths(desk, [tmp_path / "in"])
    assert len(report.failed) == 2
    assert all("longer than" in o.reason and "RESEARCHDESK_READER_TIMEOUT_S" in o.hint for o in report.failed)
    desk.close()
    desk = make_desk(tmp_path / "desk")  # with the default limit the same files read fine
    assert ingest_paths(desk, [tmp_path / "in"]).added == 2
    desk.close()


def test_a_reader_that_runs_out_of_memory_is_reported(tmp_path: Path) -> None:
    # 40 MB cannot even hold the reader's interpreter: every read fails, clearly, and nothing hangs.
    desk = make_desk(tmp_path / "desk", reader_memory_mb=40)
    copy_articles(tmp_path / "in", ("23_0220.htm",))
    (tmp_path / "in" / "note.txt").write_text("Partnerships with county boards helped adoption. " * 5)
    report = ingest_paths(desk, [tmp_path / "in"])
    assert len(report.failed) == 2
    assert all(o.reason and o.hint for o in report.failed)
    assert desk.store.count_documents() == 0
    desk.close()
