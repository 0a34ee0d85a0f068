"""The desk learns from its reviewers: decisions on one request's suggestions change the next scan.

Runs on a private copy of the sample desk (real documents, real MiniLM vectors), so the labels made
here do not reach the other tests' scans.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from researchdesk.desk import Desk, open_desk
from researchdesk.evidence import desk_model
from researchdesk.evidence.review import accept, reject
from researchdesk.evidence.review_examples import training_examples
from researchdesk.models import Role, heading_of
from researchdesk.requests.scan import run_scan
from researchdesk.requests.workflow import add_member, file_request

pytestmark = pytest.mark.slow

TAUGHT = (
    "What made tobacco retail licensing policies work, and what got in the way?",
    "We want to run a community campaign about menthol cigarettes with our Black residents. What made "
    "such campaigns work, and what challenges did they run into?",
    "What helps and what hinders community health worker programs?",
    "What helped counties write nutrition standards into their food service contracts, and what got in the way?",
)
NEW = "Our council is weighing a tobacco retailer license. What helped other places pass and enforce one, and what were the obstacles?"


@pytest.fixture
def own_desk(indexed_desk: Desk, tmp_path: Path) -> Iterator[Desk]:
    home = tmp_path / "desk"
    # The library and its index, without the decisions other tests made on the shared desk.
    shutil.copytree(indexed_desk.home, home, ignore=shutil.ignore_patterns("model"))
    desk = open_desk(indexed_desk.settings.model_copy(update={"home": home}))
    with desk.store.transaction() as conn:
        conn.execute("DELETE FROM review_labels")
    add_member(desk, "Town of Example", "city")
    yield desk
    desk.close()


def _helps(role: Role) -> bool:
    return heading_of(role) == "Facilitators"


def _scan(desk: Desk, prompt: str) -> list[int]:
    request_id = file_request(desk, "Town of Example", prompt)
    return run_scan(desk, request_id, who="staff").evidence_ids


def test_what_reviewers_decide_reorders_the_next_scan(own_desk: Desk) -> None:
    desk = own_desk
    # A reviewer who keeps what helps and drops the rest, over three requests.
    reviewed = 0
    for prompt in TAUGHT:
        for evidence_id in _scan(desk, prompt):
            ev = desk.store.evidence(evidence_id)
            (accept if _helps(ev.role) else reject)(desk, evidence_id, "ann")
            reviewed += 1
    assert reviewed >= 20
    taught = _scan(desk, NEW)
    scan = desk.store.events(desk.store.evidence(taught[0]).request_id or 0)[-1]
    assert scan.detail["learned_from"] == len(training_examples(desk.store.review_labels())) == reviewed
    status = desk_model.status(desk)
    assert status.state == "learned" and status.held_back.get("keep_auc", 0) > 0.6, status
    # The same request on the shipped model, for comparison.
    desk_model.reset(desk)
    shipped = _scan(desk, NEW)

    def helps_first(ids: list[int]) -> float:
        roles = [desk.store.evidence(i).role for i in ids]
        helping = [n for n, r in enumerate(roles) if _helps(r)]
        return sum(helping) / len(helping) / len(roles)  # mean relative place of what helps (0 = first)

    assert helps_first(taught) < helps_first(shipped)
    reasons = [desk.store.evidence(i).reason for i in taught]
    assert any("like quote #" in r and "you filed under Facilitators" in r for r in reasons)
    assert not any("like quote #" in desk.store.evidence(i).reason for i in shipped)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "researchdesk", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )


def test_the_model_commands_and_label_files(own_desk: Desk, tmp_path: Path) -> None:
    desk = own_desk
    ids = _scan(desk, TAUGHT[0])
    for evidence_id in ids:
        (accept if _helps(desk.store.evidence(evidence_id).role) else reject)(desk, evidence_id, "ann")
    home = desk.home
    in_force = len(desk.store.review_labels())
    out = _cli(home, "evidence", "model", "status")
    assert (
        out.returncode == 0
        and f"Labels: {in_force} in force" in out.stdout
        and "retrains at the next scan" in out.stdout
    )
    out = _cli(home, "evidence", "model", "retrain")
    assert out.returncode == 0 and "learned from this desk's review decisions" in out.stdout
    labels = tmp_path / "labels.csv"
    out = _cli(home, "evidence", "labels", "export", str(labels))
    assert out.returncode == 0 and f"Wrote {in_force} label(s)" in out.stdout
    assert "quote" in labels.read_text().splitlines()[0]
    broken = tmp_path / "broken.csv"
    broken.write_text(labels.read_text().replace("kept", "maybe", 1), encoding="utf-8")
    out = _cli(home, "evidence", "labels", "import", str(broken))
    assert out.returncode == 2 and "unknown decision 'maybe'" in out.stderr and "Traceback" not in out.stderr
    out = _cli(home, "evidence", "undo", str(ids[0]), "--reviewer", "ann")
    assert out.returncode == 0 and "is a suggestion again" in out.stdout
    out = _cli(home, "evidence", "model", "reset")
    assert out.returncode == 0 and "reset to the shipped model" in out.stdout
