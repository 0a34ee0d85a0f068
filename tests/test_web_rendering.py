"""Brief downloads rendered on request wait for a free render slot."""

from __future__ import annotations

import threading

import pytest

from researchdesk.brief.render.jsonfmt import brief_to_dict
from researchdesk.desk import Desk
from researchdesk.models import Brief, BriefQuote, BriefSource, Role
from researchdesk.web.config import WebSettings
from researchdesk.web.rendering import render_download


def _brief() -> Brief:
    quote = BriefQuote(1, 1, "Funding was short.", Role.BARRIER, "p. 2", 0, 18, codes=[])
    source = BriefSource(1, "A study", "CDC", "PCD", "2024", "https://example.org", "", [], [quote])
    return Brief(
        1, 1, "Title", "Member", "", "2024-01-01", "", "staff", "2024-01-02", "About.", "Q?",
        ["Summary."], [source], [], [], [], [],
    )  # fmt: skip


def test_a_download_waits_for_a_free_render_slot(desk: Desk) -> None:
    slots = threading.BoundedSemaphore(1)
    body = brief_to_dict(_brief())
    out: list[bytes] = []
    slots.acquire()  # another download is rendering
    worker = threading.Thread(target=lambda: out.append(render_download(desk, body, 1, "pdf", slots)))
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive() and not out, "the render started without a free slot"
    slots.release()
    worker.join(timeout=120)
    assert out and out[0].startswith(b"%PDF")
    # The slot was given back: it can be taken again at once.
    assert slots.acquire(blocking=False)


def test_render_slots_default_to_the_cpus_and_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WebSettings().render_slots >= 1
    monkeypatch.setenv("RESEARCHDESK_WEB_RENDER_SLOTS", "3")
    assert WebSettings().render_slots == 3
