"""Upload limits (size, count, whole request, kind by content), uploaded names, and sign-in throttling.

These run on an app with tight limits of its own, so the files stay small and the throttle trips fast.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from starlette.testclient import TestClient

from researchdesk.desk import Desk, open_desk
from researchdesk.settings import Settings
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings
from researchdesk.web.jobs import uploads_dir
from test_web_fixtures import PASSWORD, build_desk, csrf_of, sign_in

KB = 1024
TEXT = b"Notes on smoke-free parks and how volunteers helped enforce them in small towns.\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(200)
PE = b"MZ\x90\x00\x03" + bytes(200)
HOSTILE_NAMES = (
    "../../../../outside.txt",
    "..\\..\\..\\outside.txt",
    "%2e%2e%2f%2e%2e%2foutside.txt",
    "/etc/cron.d/outside.txt",
    "C:\\Windows\\System32\\outside.txt",
    "....//....//outside.txt",
    ".outside.txt",
    "out\x00side.txt",
)


def _pdf() -> bytes:
    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(out)
    return out.getvalue()


@dataclass
class Tight:
    settings: Settings
    web: WebSettings
    client: TestClient
    csrf: str  # staff's
    home: Path

    def fresh(self) -> TestClient:
        return TestClient(self.client.app, base_url="https://testserver")


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tight]:
    home = tmp_path_factory.mktemp("tight") / "desk"
    settings, _ = build_desk(home, library_files=())
    web = WebSettings(
        jobs_immediate=False,  # uploads wait in their folder, where the test can look at them
        max_upload_mb=16 / 1024,  # 16 KB per file
        max_upload_files=3,
        max_attachments=2,
        max_request_mb=64 / 1024,  # 64 KB per request
        login_failures_per_email=3,
        login_failures_per_address=5,
    )
    with TestClient(create_app(settings, web), base_url="https://testserver") as client:
        csrf = sign_in(client, "staff@desk.example")
        yield Tight(settings, web, client, csrf, home)


def _upload(t: Tight, files: list[tuple[str, bytes]], api: bool = False) -> Any:
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    if api:
        return t.client.post("/api/v1/documents", files=parts, headers={"X-CSRF-Token": t.csrf})
    return t.client.post(
        "/library/upload", files=parts, headers={"X-CSRF-Token": t.csrf, "Accept": "application/json"}
    )


def test_a_file_over_the_size_limit_is_refused_and_the_others_kept(tight: Tight) -> None:
    limit = tight.web.max_upload_bytes
    for api in (False, True):
        r = _upload(tight, [("big.txt", TEXT * (limit // len(TEXT) + 1)), ("small.txt", TEXT)], api)
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["accepted"] == ["small.txt"]
        assert [x["name"] for x in body["rejected"]] == ["big.txt"]
        assert "over the upload limit" in body["rejected"][0]["reason"]
    # Exactly at the limit is fine.
    at_limit = (TEXT * (limit // len(TEXT) + 1))[:limit]
    assert _upload(tight, [("edge.txt", at_limit)]).status_code == 202


def test_too_many_files_in_one_upload_are_refused_whole(tight: Tight) -> None:
    n = tight.web.max_upload_files + 1
    files = [(f"note-{i}.txt", TEXT + bytes(str(i), "ascii")) for i in range(n)]
    before = set(uploads_dir(tight.settings).glob("*/*")) if uploads_dir(tight.settings).exists() else set()
    for api in (False, True):
        r = _upload(tight, files, api)
        assert r.status_code == 400, r.text
        assert f"{n} files in one upload; the limit is {n - 1}" in r.json()["message"]
    after = set(uploads_dir(tight.settings).glob("*/*")) if uploads_dir(tight.settings).exists() else set()
    assert after == before  # nothing of a refused upload was kept


def test_a_request_body_over_the_request_limit_is_refused_before_it_is_read(tight: Tight) -> None:
    body = b"x" * int(tight.web.max_request_mb * 1024 * 1024 + 1)
    r = tight.client.post(
        "/library/upload",
        content=body,
        headers={"X-CSRF-Token": tight.csrf, "content-type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 413 and r.json()["error"] == "TooLarge"


def test_attachments_count_and_size_limits(tight: Tight) -> None:
    ann = tight.fresh()
    csrf = sign_in(ann, "ann@lakeside.example")
    three = [("attachments", (f"a{i}.txt", TEXT, "text/plain")) for i in range(tight.web.max_attachments + 1)]
    r = ann.post("/requests/new", data={"csrf": csrf, "prompt": "Too many files?"}, files=three)
    assert r.status_code == 400 and "At most 2 attachments per request; you sent 3" in r.text
    big = [("attachments", ("big.txt", TEXT * 400, "text/plain"))]
    r = ann.post("/requests/new", data={"csrf": csrf, "prompt": "A big file?"}, files=big)
    assert r.status_code == 400 and "over the upload limit" in r.text
    with _desk(tight) as desk:
        prompts = {r.prompt for r in desk.store.requests(None)}
    assert not prompts & {"Too many files?", "A big file?"}  # a refused form files nothing


def test_the_kind_of_an_upload_is_judged_by_its_content_not_its_name(tight: Tight) -> None:
    accepted: list[str] = []
    rejected: list[str] = []
    for batch in (
        [
            ("memo.txt", _pdf()),  # a real PDF with a text name: read as the PDF it is
            ("report.pdf", ELF),  # an executable named like a PDF
            ("notes.txt", PE),  # a Windows executable named like text
        ],
        [
            ("scan.docx", TEXT),  # text named like a Word file
            ("page.html", TEXT),  # plain text named like a web page: read as text
        ],
    ):
        r = _upload(tight, batch)
        assert r.status_code == 202, r.text
        body = r.json()
        accepted += body["accepted"]
        rejected += [x["name"] for x in body["rejected"]]
        with _desk(tight) as desk:
            assert desk.store.job(body["job_id"]).args["files"] == body["accepted"]
    assert sorted(accepted) == ["memo.txt", "page.html"]
    assert sorted(rejected) == ["notes.txt", "report.pdf", "scan.docx"]
    ann = tight.fresh()
    csrf = sign_in(ann, "ann@lakeside.example")
    r = ann.post(
        "/requests/new",
        data={"csrf": csrf, "prompt": "Kinds by content?"},
        files=[("attachments", ("board.txt", _pdf(), "text/plain"))],
        follow_redirects=False,
    )
    assert r.status_code == 303
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    with _desk(tight) as desk:
        [attached] = [e for e in desk.store.events(rid) if e.action == "attached"]
    assert attached.detail["format"] == "pdf"
    r = ann.post(
        "/requests/new",
        data={"csrf": csrf, "prompt": "An executable?"},
        files=[("attachments", ("minutes.pdf", ELF, "application/pdf"))],
    )
    assert r.status_code == 400 and "minutes.pdf" in r.text


def test_uploaded_names_cannot_leave_the_upload_folder(tight: Tight) -> None:
    outside = tight.home.parent
    seen_before = {p for p in outside.rglob("*outside*")}
    results = []
    for batch in (HOSTILE_NAMES[:3], HOSTILE_NAMES[3:6], HOSTILE_NAMES[6:]):
        files = [(name, TEXT + name.encode("utf-8", "replace")) for name in batch]
        r = _upload(tight, files)
        assert r.status_code == 202, r.text
        results.append(r.json())
    # The same names in a raw multipart body, also RFC 5987 encoded (filename*=UTF-8''%2e%2e%2f...).
    boundary = "b0undary"
    raw = b""
    for i, name in enumerate(("../../../../outside-raw.txt", "%2e%2e%2f%2e%2e%2foutside-raw.txt")):
        raw += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="x{i}.txt"; '
                f"filename*=UTF-8''{name}\r\nContent-Type: text/plain\r\n\r\n"
            ).encode()
            + TEXT
            + f" {i}\r\n".encode()
        )
    raw += f"--{boundary}--\r\n".encode()
    r = tight.client.post(
        "/library/upload",
        content=raw,
        headers={
            "X-CSRF-Token": tight.csrf,
            "Accept": "application/json",
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert r.status_code == 202, r.text
    results.append(r.json())
    folder = uploads_dir(tight.settings).resolve()
    for body in results:
        for name in body["accepted"]:
            assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith("."), (
                name
            )
            assert "\x00" not in name
        with _desk(tight) as desk:
            job = desk.store.job(body["job_id"])
        kept = Path(job.args["folder"]).resolve()
        assert kept.parent == folder
        assert sorted(p.name for p in kept.iterdir()) == sorted(body["accepted"])
    assert {p for p in outside.rglob("*outside*")} - seen_before <= set(folder.rglob("*"))
    assert not Path("/etc/cron.d/outside.txt").exists() and not Path("/outside.txt").exists()
    # Attachments keep only a plain name as well (their bytes live in the content-addressed blob store).
    ann = tight.fresh()
    csrf = sign_in(ann, "ann@lakeside.example")
    r = ann.post(
        "/requests/new",
        data={"csrf": csrf, "prompt": "Names?"},
        files=[("attachments", (name, TEXT, "text/plain")) for name in HOSTILE_NAMES[:2]],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    with _desk(tight) as desk:
        names = [e.detail["name"] for e in desk.store.events(rid) if e.action == "attached"]
    assert names == ["outside.txt", "outside.txt"]


def test_sign_in_throttle_per_account_and_per_address(tight: Tight) -> None:
    # Last in this module: every test client signs in from the same address, which this pauses.
    c = tight.fresh()
    token = csrf_of(c.get("/login").text)

    def attempt(email: str, password: str) -> int:
        r = c.post(
            "/login", data={"email": email, "password": password, "csrf": token}, follow_redirects=False
        )
        return r.status_code

    # Per account: the fourth try is paused even with the right password.
    assert [attempt("ann@lakeside.example", "wrong password!") for _ in range(3)] == [401] * 3
    assert attempt("ann@lakeside.example", PASSWORD) == 429
    # Per address: failures spread over accounts (each under its own limit) pause the address.
    assert attempt("nobody-1@x.example", "wrong password!") == 401
    assert attempt("nobody-2@x.example", "wrong password!") == 401
    # 3 (ann) + 2 = 5 failures from this address: everyone signing in from it now waits.
    assert attempt("bob@hill.example", PASSWORD) == 429
    assert attempt("admin@desk.example", PASSWORD) == 429
    page = c.post("/login", data={"email": "bob@hill.example", "password": PASSWORD, "csrf": token})
    assert "Wait 15 minutes" in page.text and "rd_session" not in c.cookies


def _desk(t: Tight) -> Desk:
    return open_desk(t.settings)
