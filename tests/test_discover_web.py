"""The plan page's "look beyond the library" setting: shown, saved, and kept by a plan saved without it."""

from __future__ import annotations

from test_web_fixtures import WebDesk, web_fixture  # noqa: F401  (the `web` fixture)
from test_web_pages import Flow, flow  # noqa: F401  (the `flow` fixture)


def test_the_plan_page_sets_look_beyond(web: WebDesk, flow: Flow) -> None:  # noqa: F811
    page = flow.staff.get(f"/requests/{flow.b}/plan")
    assert (
        page.status_code == 200
        and 'name="look_beyond"' in page.text
        and "Look beyond the library" in page.text
    )
    form = {
        "csrf": flow.staff_csrf,
        "topic": "smoke-free enforcement funding",
        "domain": "public health",
        "keywords": "smoke-free, enforcement",
        "use_barriers": "1",
        "queries_barriers": "enforcement funding barriers",
    }
    assert flow.staff.post(f"/requests/{flow.b}/plan", data={**form, "look_beyond": "1"}).status_code == 200
    with web.desk() as desk:
        assert desk.store.request(flow.b).plan["look_beyond"] is True
    page = flow.staff.get(f"/requests/{flow.b}/plan")
    assert 'name="look_beyond" value="1" checked' in page.text
    assert flow.staff.post(f"/requests/{flow.b}/plan", data=form).status_code == 200  # unticked
    with web.desk() as desk:
        assert desk.store.request(flow.b).plan["look_beyond"] is False
