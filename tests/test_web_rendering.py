"""Brief downloads rendered on request: in worker processes, a slot each, replaced after a quota of renders."""

from __future__ import annotations

import os
import pickle

import pytest

from researchdesk.brief.render import RenderOptions
from researchdesk.brief.render.jsonfmt import brief_to_dict
from researchdesk.desk import Desk
from researchdesk.errors import RenderError
from researchdesk.models import Brief, BriefQuote, BriefSource, Role
from researchdesk.web.config import WebSettings
from researchdesk.web.jobs import brief_file_name, renders_dir
from researchdesk.web.rendering import RenderPool, brief_bytes, render_download
from researchdesk.work import BriefStatus, BriefText


def _brief() -> Brief:
    quote = BriefQuote(1, 1, "Funding was short.", Role.BARRIER, "p. 2", 0, 18, codes=[])
    source = BriefSource(1, "A study", "CDC", "PCD", "2024", "https://example.org", "", [], [quote])
    return Brief(
        1, 1, "Title", "Member", "", "2024-01-01", "", "staff", "2024-01-02", "About.", "Q?",
        ["Summary."], [source], [], [], [], [],
    )  # fmt: skip


def test_downloads_render_in_worker_processes_one_slot_each_replaced_after_its_quota(desk: Desk) -> None:
    pool = RenderPool(slots=1, renders_per_worker=2)
    try:
        assert render_download(desk, brief_to_dict(_brief()), 1, "pdf", pool).startswith(b"%PDF")
        assert pool.render(_brief(), "md", RenderOptions()).startswith(b"# Title")
        pids = [pool.run(os.getpid) for _ in range(6)]
        # One slot: one worker at a time; each serves two calls, then a fresh one takes its place.
        assert os.getpid() not in pids
        assert pids[0] == pids[1] and pids[2] == pids[3] and pids[4] == pids[5]
        assert len(set(pids)) == 3
    finally:
        pool.close()


def test_a_worker_that_dies_is_a_render_error_and_the_next_render_works() -> None:
    pool = RenderPool(slots=1)
    try:
        with pytest.raises(RenderError, match="worker stopped"):
            pool.run(os._exit, 3)
        assert pool.render(_brief(), "md", RenderOptions()).startswith(b"# Title")
    finally:
        pool.close()


def test_render_errors_cross_the_process_boundary_whole() -> None:
    again = pickle.loads(pickle.dumps(RenderError("Could not write the brief.", "Check the brief.")))
    assert isinstance(again, RenderError)
    assert (again.message, again.hint) == ("Could not write the brief.", "Check the brief.")


def test_render_slots_default_to_the_cpus_and_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WebSettings().render_slots >= 1
    monkeypatch.setenv("RESEARCHDESK_WEB_RENDER_SLOTS", "3")
    assert WebSettings().render_slots == 3


def test_a_delivered_version_is_rendered_once_and_kept_a_draft_every_time(desk: Desk) -> None:
    pool = RenderPool(slots=1)
    body = brief_to_dict(_brief())
    delivered = BriefText(7, 2, BriefStatus.DELIVERED, 99, "2024-01-02", "2024-01-03", {"ok": True}, body)
    draft = BriefText(7, 3, BriefStatus.DRAFT, None, "2024-01-04", "", {"ok": True}, body)
    kept = renders_dir(desk.settings, 7, 2) / brief_file_name(7, 2, ".html")
    try:
        first = brief_bytes(desk, delivered, "html", pool)
        assert first.startswith(b"<") and kept.read_bytes() == first
        # The next download is that file, not a new render (a changed file shows it was read).
        kept.write_bytes(b"<p>as delivered</p>")
        assert brief_bytes(desk, delivered, "html", pool) == b"<p>as delivered</p>"
        assert not list(kept.parent.glob(".*.tmp"))
        # A draft still changes, so nothing is kept for it ...
        assert brief_bytes(desk, draft, "html", pool).startswith(b"<")
        assert not renders_dir(desk.settings, 7, 3).exists()
        # ... unless a render job wrote its files, which are served as they are.
        job_file = renders_dir(desk.settings, 7, 3) / brief_file_name(7, 3, ".md")
        job_file.parent.mkdir(parents=True)
        job_file.write_bytes(b"# rendered by a job")
        assert brief_bytes(desk, draft, "md", pool) == b"# rendered by a job"
    finally:
        pool.close()
