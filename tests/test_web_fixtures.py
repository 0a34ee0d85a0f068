"""Shared pieces of the web tests: a small real desk, users of two member organizations, a signed-in client.

The desk holds a few real articles of the sample library and one hostile saved web page whose title
and text carry markup; searches run lexically (RESEARCHDESK_EMBEDDER=none) to keep the tests fast.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from researchdesk.accounts import create_user
from researchdesk.desk import Desk, open_desk
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.library import edit_document
from researchdesk.requests.workflow import add_member
from researchdesk.settings import Settings
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
LIBRARY = SHARED / "library" / "pcd2024"
ARTICLES = ("23_0283.htm", "24_0362.htm", "23_0311.htm", "24_0183.htm", "24_0165.htm", "24_0143.htm")
PASSWORD = "correct horse battery staple"
HOSTILE_JOURNAL = "Journal of <img src=x onerror=alert(2)> Studies"
HOSTILE_TITLE = "<script>alert('title')</script> Barriers to <b>bold</b> policy"
HOSTILE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>&lt;script&gt;alert('title')&lt;/script&gt; Barriers to &lt;b&gt;bold&lt;/b&gt; policy</title>
<meta name="citation_title" content="&lt;script&gt;alert('title')&lt;/script&gt; Barriers to &lt;b&gt;bold&lt;/b&gt; policy">
<meta name="citation_journal_title" content="Journal of &lt;img src=x onerror=alert(2)&gt; Studies">
<meta name="citation_publication_date" content="2024/03/01">
</head><body><main><h1>&lt;script&gt;alert('title')&lt;/script&gt; Barriers to &lt;b&gt;bold&lt;/b&gt; policy</h1>
<h2>Results</h2>
<p>A major barrier to adopting local tobacco policy was the lack of funding &lt;script&gt;alert('quote')&lt;/script&gt;
for enforcement staff in small towns, which limited what councils could do for years.</p>
<p>Strong partnerships with community coalitions facilitated adoption of smoke-free policies
&lt;img src=x onerror=alert(3)&gt; in many of the counties that were studied here.</p>
</main></body></html>
"""


@dataclass
class WebDesk:
    settings: Settings
    web: WebSettings
    client: TestClient
    hostile_id: int

    def desk(self) -> Desk:
        return open_desk(self.settings)


def csrf_of(html: str) -> str:
    """Return the CSRF token of a page's first form."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign a client in through the form; return the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get(response.headers["location"])
    return csrf_of(home.text)


def build_desk(
    home: Path, library_files: tuple[str, ...] = ARTICLES, database_url: str = ""
) -> tuple[Settings, int]:
    """Make a desk with a few real articles, one hostile page, two members and their users; return its settings
    (its store is PostgreSQL at ``database_url`` when one is given, else SQLite in ``home``)."""
    settings = Settings(home=home, embedder="none", database_url=database_url)
    folder = home.parent / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    for name in library_files:
        shutil.copy(LIBRARY / name, folder / name)
    (folder / "hostile.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    from researchdesk.desk import init_desk

    with init_desk(settings) as desk:
        report = ingest_paths(desk, [folder])
        assert report.added == len(library_files) + 1, [o.reason for o in report.failed]
        hostile_id = next(o.document_id for o in report.outcomes if o.path.endswith("hostile.html"))
        assert hostile_id is not None
        # Whatever the reader keeps of markup in titles, a record file or a metadata edit can carry it.
        edit_document(desk, hostile_id, {"title": HOSTILE_TITLE, "container": HOSTILE_JOURNAL}, "test")
        add_member(desk, "Lakeside County", "county")
        add_member(desk, "Hill City", "city")
        add_member(desk, "Lapsed Town", "city", active=False)
        create_user(desk, "staff@desk.example", PASSWORD, "staff", name="Sam Staff")
        create_user(desk, "admin@desk.example", PASSWORD, "admin", name="Ada Admin")
        create_user(desk, "ann@lakeside.example", PASSWORD, "member", "Lakeside County", "Ann Lake")
        create_user(desk, "bob@hill.example", PASSWORD, "member", "Hill City", "Bob Hill")
    assert hostile_id is not None
    return settings, hostile_id


@pytest.fixture(scope="module", name="web")
def web_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDesk]:
    settings, hostile_id = build_desk(tmp_path_factory.mktemp("web") / "desk")
    web_settings = WebSettings(jobs_immediate=True)
    app = create_app(settings, web_settings)
    with TestClient(app, base_url="https://testserver") as client:
        yield WebDesk(settings, web_settings, client, hostile_id)


def client_for(web: WebDesk) -> TestClient:
    """Return a fresh client (its own cookie jar) on the same app."""
    return TestClient(web.client.app, base_url="https://testserver")
