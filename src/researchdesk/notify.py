"""Notifications by e-mail: what the desk tells people (a new request, a question, an answer, a message,
a delivery, an overdue request), written to an outbox and sent by SMTP when a server is configured.

Every notice is first written as a standard e-mail file (``.eml``) in ``<home>/outbox``, so nothing is lost
when the mail server is down and a desk without one still keeps what it would have sent. ``send_outbox``
(run by the jobs worker, never by a page) sends what waits, moving each sent file to ``outbox/sent``; a
message that fails stays, with its attempts counted, and is tried again next time until ``MAX_ATTEMPTS``,
then moves to ``outbox/failed`` with the reason.

Each person chooses which kinds they get (``set_choices``); the choice is an event of the person, kept
in the database with everything else.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from researchdesk.desk import Desk
from researchdesk.errors import ConfigError, UnknownChoice
from researchdesk.settings import Settings
from researchdesk.work import UserRole

# kind -> (who it goes to, what a person sees when choosing)
KINDS: dict[str, tuple[str, str]] = {
    "new request": ("staff", "a member files a new request"),
    "answer": ("staff", "a member answers a question or writes a message"),
    "overdue": ("staff", "a request assigned to me is overdue"),
    "confirmation": ("member", "my request is received (with its expected date)"),
    "question": ("member", "staff ask a question or write about my request"),
    "delivery": ("member", "my brief is delivered"),
}
MAX_ATTEMPTS = 5
CHOICES = "notification choices"


@dataclass
class Notice:
    """One e-mail the desk means to send."""

    kind: str
    to: list[str]
    subject: str
    body: str


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def choices_of(desk: Desk, user_id: int) -> set[str]:
    """Return the kinds of notice a person gets (all of their role's kinds unless they chose otherwise)."""
    row = desk.store.conn.execute(
        "SELECT detail FROM events WHERE subject=? AND subject_id=? ORDER BY id DESC LIMIT 1",
        (CHOICES, user_id),
    ).fetchone()
    if row is None:
        return set(KINDS)
    return set(json.loads(row[0]).get("kinds", []))


def set_choices(desk: Desk, user_id: int, kinds: list[str], who: str) -> None:
    """Record which kinds of notice a person gets."""
    for kind in kinds:
        if kind not in KINDS:
            raise UnknownChoice("notification", kind, KINDS)
    desk.store.log_event(None, CHOICES, user_id, "chosen", {"kinds": sorted(set(kinds))}, who)


def recipients(desk: Desk, request_id: int, kind: str) -> list[str]:
    """Return the addresses a notice of ``kind`` about a request goes to, after each person's choice."""
    if kind not in KINDS:
        raise UnknownChoice("notification", kind, KINDS)
    req = desk.store.request(request_id)
    users = [u for u in desk.store.users() if u.active]
    if KINDS[kind][0] == "staff":
        staff = [u for u in users if u.is_staff]
        chosen = [u for u in staff if u.email == req.assignee] or staff
    else:
        chosen = [
            u
            for u in users
            if u.role == UserRole.MEMBER
            and u.organization_id == req.organization_id
            and (not req.requester_email or u.email.lower() == req.requester_email.lower())
        ]
    return sorted({u.email for u in chosen if kind in choices_of(desk, u.id)})


def notify(desk: Desk, request_id: int, kind: str, subject: str, body: str) -> list[Path]:
    """Write a notice about a request to the outbox for everyone who gets this kind; return the files."""
    to = recipients(desk, request_id, kind)
    if not to:
        return []
    link = f"{desk.settings.site_url.rstrip('/')}/requests/{request_id}"
    text = f"{body.rstrip()}\n\nOpen the request: {link}\n\n— {desk.settings.service_name}\n"
    return [write(desk.settings, Notice(kind, [address], subject, text)) for address in to]


def write(settings: Settings, notice: Notice) -> Path:
    """Write one notice as an e-mail file in the outbox; return its path."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(notice.to)
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[-1] or "localhost")
    message["X-ResearchDesk-Kind"] = notice.kind
    message.set_content(notice.body)
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    path = settings.outbox_dir / f"{uuid.uuid4().hex}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(message))
    tmp.replace(path)  # whole or not at all: a half-written file is never sent
    return path


def waiting(settings: Settings) -> list[Path]:
    """Return the e-mail files waiting in the outbox, oldest first."""
    if not settings.outbox_dir.is_dir():
        return []
    return sorted(settings.outbox_dir.glob("*.eml"), key=lambda p: (p.stat().st_mtime, p.name))


def _connect(settings: Settings) -> smtplib.SMTP:
    security = settings.smtp_security.strip().lower()
    if security not in ("none", "starttls", "tls"):
        raise ConfigError(
            f"RESEARCHDESK_SMTP_SECURITY is {settings.smtp_security!r}.", "Set it to none, starttls or tls."
        )
    if security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=30, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if settings.smtp_username:
        server.login(settings.smtp_username, settings.smtp_password)
    return server


def send_outbox(settings: Settings) -> SendReport:
    """Send every e-mail waiting in the outbox by SMTP; keep what fails for the next try. Without an SMTP
    server configured nothing is sent and everything waits (the outbox is the record)."""
    report = SendReport()
    files = waiting(settings)
    if not settings.smtp_host:
        report.waiting = [p.name for p in files]
        return report
    if not files:
        return report
    sent_dir, failed_dir = settings.outbox_dir / "sent", settings.outbox_dir / "failed"
    sent_dir.mkdir(exist_ok=True)
    failed_dir.mkdir(exist_ok=True)
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for path in files:
            _attempt_failed(
                path, failed_dir, f"cannot reach {settings.smtp_host}:{settings.smtp_port}: {exc}", report
            )
        return report
    with server:
        for path in files:
            try:
                server.send_message(_read(path))
            except (OSError, smtplib.SMTPException) as exc:
                _attempt_failed(path, failed_dir, str(exc), report)
                continue
            path.replace(sent_dir / path.name)
            path.with_suffix(".json").unlink(missing_ok=True)
            report.sent.append(path.name)
    return report


def _read(path: Path) -> EmailMessage:
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def _attempt_failed(path: Path, failed_dir: Path, reason: str, report: SendReport) -> None:
    status = path.with_suffix(".json")
    tries: dict[str, Any] = json.loads(status.read_text()) if status.exists() else {"attempts": 0}
    tries["attempts"] = int(tries["attempts"]) + 1
    tries["last_error"] = reason
    report.errors.append(f"{path.name}: {reason}")
    if tries["attempts"] >= MAX_ATTEMPTS:
        path.replace(failed_dir / path.name)
        (failed_dir / status.name).write_text(json.dumps(tries))
        status.unlink(missing_ok=True)
        report.failed.append(path.name)
    else:
        status.write_text(json.dumps(tries))
        report.waiting.append(path.name)


OVERDUE_NOTICE = "overdue notice"


def notify_overdue(desk: Desk, today: str = "") -> list[int]:
    """Write an overdue notice (to the assignee, else all staff) for each open request past its due date that
    has had none today; return the requests noticed. Run it daily (``researchdesk mail overdue``)."""
    from datetime import date

    day = today or date.today().isoformat()
    noticed = []
    for req in desk.store.requests():
        if not req.is_overdue(day):
            continue
        rid = req.id
        sent = [e for e in desk.store.events(rid, subjects=("request",)) if e.action == OVERDUE_NOTICE]
        if any(str(e.detail.get("day")) == day for e in sent):
            continue
        notify(
            desk,
            rid,
            "overdue",
            f"Request {rid} is overdue (due {req.due})",
            f"Request {rid} from {req.organization} was due on {req.due} and is {req.status}.",
        )
        desk.store.log_event(rid, "request", rid, OVERDUE_NOTICE, {"day": day, "due": req.due}, "desk")
        noticed.append(rid)
    return noticed
