"""Staff and members working together, in process, with a real SMTP server (aiosmtpd) on a loopback port:
the confirmation with an expected date, a clarifying question and its answer, notices by e-mail, the
brief's summary edited on the web, delivery with a cover note, each person's choice of e-mail, a mail
server that is down, and a document's metadata corrected on its page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from researchdesk.desk import open_desk
from researchdesk.evidence.review import accept
from researchdesk.models import Role
from researchdesk.notify import send_outbox, waiting
from researchdesk.requests import thread
from researchdesk.requests.workflow import file_request
from researchdesk.settings import Settings
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings
from test_web_browser import _free_port
from test_web_fixtures import build_desk, csrf_of, sign_in

PROMPT = "What are the barriers and facilitators of adopting local tobacco policies?"


@dataclass
class Inbox:
    """What a real SMTP server received, by recipient."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def body(self, message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@dataclass
class Scene:
    settings: Settings
    inbox: Inbox
    ann: TestClient
    staff: TestClient
    ann_csrf: str
    staff_csrf: str


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    home = tmp_path_factory.mktemp("conversation") / "desk"
    base, _ = build_desk(home)
    settings = base.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "site_url": "https://desk.example",
            "mail_from": "desk@desk.example",
        }
    )
    app = create_app(settings, WebSettings(jobs_immediate=True))
    with TestClient(app, base_url="https://testserver") as first:
        ann, staff = first, TestClient(app, base_url="https://testserver")
        found = Scene(
            settings,
            inbox,
            ann,
            staff,
            sign_in(ann, "ann@lakeside.example"),
            sign_in(staff, "staff@desk.example"),
        )
        yield found
    controller.stop()


def _file(scene: Scene, due: str = "") -> int:
    r = scene.ann.post(
        "/requests/new", data={"csrf": scene.ann_csrf, "prompt": PROMPT, "due": due}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:300]
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_the_whole_conversation_by_page_and_by_e_mail(scene: Scene) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    rid = _file(scene, due)
    page = scene.ann.get(f"/requests/{rid}").text
    assert f"expected by {due}" in page and "We received your request" in page
    confirmation = scene.inbox.to("ann@lakeside.example")[-1]
    assert confirmation["Subject"] == f"Request {rid} received: expected by {due}"
    assert f"https://desk.example/requests/{rid}" in scene.inbox.body(confirmation)
    assert any(f"New request {rid}" in str(m["Subject"]) for m in scene.inbox.to("staff@desk.example"))

    # Staff ask a clarifying question; the member is told and answers on the page.
    r = scene.staff.post(
        f"/requests/{rid}/messages",
        data={
            "csrf": scene.staff_csrf,
            "message": "Is this for a city council or a county board?",
            "question": "true",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    asked = scene.inbox.to("ann@lakeside.example")[-1]
    assert asked["Subject"] == f"A question about your request {rid}"
    assert "city council or a county board" in scene.inbox.body(asked)
    page = scene.ann.get(f"/requests/{rid}").text
    assert "Your answer" in page and "the due date waits for it" in page
    scene.ann.post(f"/requests/{rid}/messages", data={"csrf": scene.ann_csrf, "message": "A county board."})
    answer = scene.inbox.to("staff@desk.example")[-1]
    assert answer["Subject"] == f"An answer from Lakeside County on request {rid}"
    with open_desk(scene.settings) as desk:
        kinds = [m["kind"] for m in thread.messages(desk, rid)]
        assert kinds == ["confirmation", "question", "answer"] and thread.open_question(desk, rid) is None
    history = scene.ann.get(f"/requests/{rid}").text.split('id="history"')[1]
    assert "asked a question" in history and "answered: “A county board.”" in history

    # Staff scan, accept, draft, edit the summary on the web, then deliver with a cover note.
    scene.staff.post(f"/requests/{rid}/scan", data={"csrf": scene.staff_csrf})
    with open_desk(scene.settings) as desk:
        for e in desk.store.evidence_for(rid):
            if e.role in (Role.BARRIER, Role.FACILITATOR):
                accept(desk, e.id, "staff@desk.example")
    scene.staff.post(f"/requests/{rid}/brief/draft", data={"csrf": scene.staff_csrf})
    brief_page = scene.staff.get(f"/requests/{rid}/brief").text
    summary = re.search(r'<textarea name="summary"[^>]*>(.*?)</textarea>', brief_page, re.S).group(1)  # type: ignore[union-attr]
    paragraphs = html.unescape(summary).split("\n\n")
    edited = "\n\n".join(
        [*paragraphs, "We also spoke with the county board's staff about enforcement funding."]
    )
    r = scene.staff.post(
        f"/requests/{rid}/brief/edit",
        data={
            "csrf": scene.staff_csrf,
            "summary": edited,
            "next_steps": "Send the county board our brief.\nOffer a briefing call.",
        },
    )
    assert r.status_code == 200 and "Check report of version 2" in r.text
    with open_desk(scene.settings) as desk:
        v2 = desk.store.brief_version(rid, 2)
        assert v2 is not None
        assert v2.body["summary"][-1].startswith("We also spoke with the county board")
        assert v2.body["next_steps"] == ["Send the county board our brief.", "Offer a briefing call."]
        assert v2.body["summary_support"][-1] == ["edited:staff@desk.example"]
        v1 = desk.store.brief_version(rid, 1)
        assert v1 is not None and v2.body["summary_support"][0] == v1.body["summary_support"][0]
    note = "Dear Ann,\n\nHere is the brief for your county board. Reply here if you want more."
    r = scene.staff.post(
        f"/requests/{rid}/brief/deliver", data={"csrf": scene.staff_csrf, "cover_note": note}
    )
    assert r.status_code == 200 and "delivered" in r.text
    delivered = scene.inbox.to("ann@lakeside.example")[-1]
    assert delivered["Subject"] == f"Your research brief for request {rid} is ready"
    text = scene.inbox.body(delivered)
    assert "Here is the brief for your county board." in text
    for fmt in ("pdf", "docx", "html"):
        assert f"https://desk.example/requests/{rid}/brief/v2.{fmt}" in text
    assert ".md" not in text and ".json" not in text
    page = scene.ann.get(f"/requests/{rid}").text
    assert "Delivered, with a note" in page and "Here is the brief for your county board." in page
    pdf = scene.ann.get(f"/requests/{rid}/brief/v2.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert not waiting(scene.settings)  # everything was sent


def test_editing_a_brief_that_is_not_drafted_says_what_to_do(scene: Scene) -> None:
    with open_desk(scene.settings) as desk:
        rid = file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example")
    r = scene.staff.post(f"/requests/{rid}/brief/edit", data={"csrf": scene.staff_csrf, "summary": "x"})
    assert r.status_code == 400 and "has no brief yet" in r.text


def test_each_person_chooses_their_e_mail(scene: Scene) -> None:
    rid = _file(scene)
    page = scene.ann.get("/account/notifications").text
    assert "My brief is delivered" in page and "member files a new request" not in page
    r = scene.ann.post(
        "/account/notifications",
        data={"csrf": csrf_of(page), "kinds": ["delivery", "confirmation"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    before = len(scene.inbox.to("ann@lakeside.example"))
    scene.staff.post(
        f"/requests/{rid}/messages", data={"csrf": scene.staff_csrf, "message": "We started on it."}
    )
    assert len(scene.inbox.to("ann@lakeside.example")) == before  # she chose not to get staff's messages
    assert "We started on it." in scene.ann.get(f"/requests/{rid}").text  # the page still has it
    scene.ann.post(
        "/account/notifications",
        data={"csrf": scene.ann_csrf, "kinds": ["delivery", "confirmation", "question"]},
    )


def test_a_message_is_checked_and_kept_when_refused(scene: Scene) -> None:
    rid = _file(scene)
    r = scene.ann.post(f"/requests/{rid}/messages", data={"csrf": scene.ann_csrf, "message": "x" * 20_001})
    assert r.status_code == 400 and "the limit is 10,000" in r.text and "x" * 200 in r.text
    r = scene.ann.post(
        f"/requests/{rid}/messages", data={"csrf": scene.ann_csrf, "message": "Hi", "question": "true"}
    )
    with open_desk(scene.settings) as desk:
        assert thread.messages(desk, rid)[-1]["kind"] == "message"  # members do not ask clarifying questions


def test_a_mail_server_that_is_down_keeps_the_mail_for_a_retry(scene: Scene, tmp_path: Path) -> None:
    down = scene.settings.model_copy(update={"home": tmp_path / "desk", "smtp_port": _free_port()})
    from researchdesk.notify import Notice, write

    write(down, Notice("delivery", ["ann@lakeside.example"], "Your brief", "Here it is."))
    report = send_outbox(down)
    assert not report.sent and len(report.waiting) == 1 and "cannot reach" in report.errors[0]
    assert len(waiting(down)) == 1 and json_attempts(down) == 1
    up = down.model_copy(update={"smtp_port": scene.settings.smtp_port})
    before = len(scene.inbox.messages)
    assert send_outbox(up).sent and len(scene.inbox.messages) == before + 1
    assert not waiting(up) and len(list((up.outbox_dir / "sent").glob("*.eml"))) == 1


def json_attempts(settings: Settings) -> int:
    import json

    return int(json.loads(next(settings.outbox_dir.glob("*.json")).read_text())["attempts"])


def test_without_a_mail_server_the_outbox_keeps_every_notice(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", ("23_0283.htm",))
    app = create_app(settings, WebSettings(jobs_immediate=True))
    with TestClient(app, base_url="https://testserver") as ann:
        csrf = sign_in(ann, "ann@lakeside.example")
        r = ann.post(
            "/requests/new", data={"csrf": csrf, "prompt": PROMPT, "due": ""}, follow_redirects=False
        )
        assert r.status_code == 303
    files = waiting(settings)
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]
    assert {str(m["To"]) for m in mails} >= {"ann@lakeside.example", "staff@desk.example"}
    assert any("received: expected by" in str(m["Subject"]) for m in mails)


def test_a_question_stops_the_clock_until_it_is_answered(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", ("23_0283.htm",))
    due = (date.today() + timedelta(days=20)).isoformat()
    with open_desk(settings) as desk:
        rid = file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example", due=due)
        thread.post(desk, rid, "Which county?", "staff@desk.example", by_staff=True, kind="question")
        with pytest.raises(Exception, match="already waiting"):
            thread.post(desk, rid, "And which year?", "staff@desk.example", by_staff=True, kind="question")
        later = date.today() + timedelta(days=4)
        answer = thread.post(desk, rid, "Ours.", "ann@lakeside.example", by_staff=False, today=later)
        assert answer["kind"] == "answer" and answer["paused_days"] == 4
        moved = desk.store.request(rid).due
        assert moved == (date.fromisoformat(due) + timedelta(days=4)).isoformat()
        assert thread.paused_days(desk, rid) == 4


def test_staff_correct_a_documents_metadata_on_its_page(scene: Scene) -> None:
    with open_desk(scene.settings) as desk:
        doc = desk.store.documents()[0]
    page = scene.staff.get(f"/documents/{doc.id}").text
    assert 'action="/documents/' in page and 'name="date"' in page
    r = scene.staff.post(
        f"/documents/{doc.id}/metadata",
        data={"csrf": scene.staff_csrf, "date": "2024-03-07", "publisher": "CDC"},
    )
    assert r.status_code == 200 and "2024-03-07" in r.text
    with open_desk(scene.settings) as desk:
        assert desk.store.get_document(doc.id).meta.date == "2024-03-07"
        assert {e.field for e in desk.store.document_edits(doc.id)} >= {"date"}
    bad = scene.staff.post(f"/documents/{doc.id}/metadata", data={"csrf": scene.staff_csrf, "date": "soon"})
    assert bad.status_code == 400 and "is not a date" in bad.text
    member = scene.ann.post(f"/documents/{doc.id}/metadata", data={"csrf": scene.ann_csrf, "date": "2020"})
    assert member.status_code == 403


def test_overdue_requests_are_noticed_once_a_day(tmp_path: Path) -> None:
    from researchdesk.notify import notify_overdue

    settings, _ = build_desk(tmp_path / "desk", ("23_0283.htm",))
    with open_desk(settings) as desk:
        late = file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example", due="2099-01-10")
        file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example", due="2099-03-01")
        assert notify_overdue(desk, today="2099-02-01") == [late]
        assert notify_overdue(desk, today="2099-02-01") == []  # once a day
        assert notify_overdue(desk, today="2099-02-02") == [late]
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in waiting(settings)]
    overdue = [m for m in mails if str(m["X-ResearchDesk-Kind"]) == "overdue"]
    # unassigned: every staff user (staff and admin), on each of the two days
    assert sorted(str(m["To"]) for m in overdue) == sorted(["admin@desk.example", "staff@desk.example"] * 2)
    assert all(f"Request {late} is overdue" in str(m["Subject"]) for m in overdue)


def test_a_message_carries_attachments(scene: Scene) -> None:
    rid = _file(scene)
    r = scene.ann.post(
        f"/requests/{rid}/messages",
        data={"csrf": scene.ann_csrf, "message": "Our board's notes are attached."},
        files=[
            ("attachments", ("board notes.txt", b"The board asked about licensing fees.\n", "text/plain"))
        ],
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = scene.staff.get(f"/requests/{rid}").text
    link = re.search(rf'Attached: <a href="(/requests/{rid}/files/\d+)">board notes.txt</a>', page)
    assert link, "the message does not show its file"
    assert scene.staff.get(link.group(1)).content == b"The board asked about licensing fees.\n"
    bad = scene.ann.post(
        f"/requests/{rid}/messages",
        data={"csrf": scene.ann_csrf, "message": "And the minutes."},
        files=[("attachments", ("minutes.pdf", b"not a pdf at all", "application/pdf"))],
    )
    assert bad.status_code == 400 and "minutes.pdf" in bad.text and "And the minutes." in bad.text
