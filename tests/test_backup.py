"""Backup and restore onto an empty machine directory."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from conftest import SAMPLE_LIBRARY, make_desk
from researchdesk.backup import backup, restore
from researchdesk.errors import DeskError, InputError
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.library import check_library
from researchdesk.requests.workflow import add_member, file_request


def test_backup_restores_onto_an_empty_directory(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk", embedder="none")
    ingest_paths(desk, [SAMPLE_LIBRARY / "23_0220.htm", SAMPLE_LIBRARY / "24_0156.htm"])
    add_member(desk, "Town of Ashby", "city")
    rid = file_request(desk, "Town of Ashby", "What helps small towns adopt tobacco retail licensing?")
    report = backup(desk, tmp_path / "backups" / "desk.tar.gz")
    desk.close()
    assert report.counts["documents"] == 2 and report.counts["requests"] == 1

    machine = tmp_path / "new-machine" / "desk"
    restored = restore(report.archive, machine)
    assert restored.store.count_documents() == 2
    assert restored.store.request(rid).prompt.startswith("What helps small towns")
    assert check_library(restored).ok
    restored.close()

    with pytest.raises(InputError, match="not empty"):
        restore(report.archive, machine)


def test_a_damaged_or_hostile_archive_is_refused(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk", embedder="none")
    ingest_paths(desk, [SAMPLE_LIBRARY / "23_0220.htm"])
    report = backup(desk, tmp_path / "b.tar.gz")
    desk.close()
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(report.archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            if member.name.startswith("files/"):
                member.size = 3
                dst.addfile(member, fileobj=__import__("io").BytesIO(b"bad"))
            else:
                dst.addfile(member, data)
    with pytest.raises(DeskError, match="damaged"):
        restore(damaged, tmp_path / "r1")
    assert not (tmp_path / "r1").exists() or not any((tmp_path / "r1").iterdir())
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tar.addfile(info, __import__("io").BytesIO(b"x"))
    with pytest.raises(Exception):  # noqa: B017  (the tar data filter refuses it; any error is fine)
        restore(evil, tmp_path / "r2")
    assert not (tmp_path / "escaped.txt").exists()
    with pytest.raises(InputError):
        restore(tmp_path / "nothing.tar.gz", tmp_path / "r3")
