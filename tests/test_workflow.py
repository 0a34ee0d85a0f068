"""Members, requests and the workflow rules, on a real desk."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from researchdesk.desk import Desk
from researchdesk.errors import AlreadyExists, InputError, MemberNotFound, UnknownChoice, WorkflowError
from researchdesk.requests.workflow import (
    STATUSES,
    TRANSITIONS,
    add_member,
    add_person,
    advance_to,
    assign,
    file_request,
    set_status,
)
from researchdesk.work import RequestStatus

PROMPT = "What are the barriers to adopting smoke-free housing policies?"


@pytest.fixture
def member_desk(desk: Desk) -> Desk:
    add_member(desk, "City of Springfield", "city")
    add_member(desk, "Shelby County", "county", active=False)
    add_person(desk, "Ana Ruiz", "ana@springfield.example", "City of Springfield")
    add_person(desk, "Lee Staff", "lee@service.example", None, role="staff")
    return desk


def test_a_request_moves_through_the_workflow_with_an_event_per_change(member_desk: Desk) -> None:
    rid = file_request(
        member_desk, "City of Springfield", PROMPT, "ana@springfield.example", due="2999-01-01"
    )
    assert member_desk.store.request(rid).status == "received"
    assert member_desk.store.request(rid).prompt == PROMPT
    assign(member_desk, rid, "lee", "lee")
    advance_to(member_desk, rid, "delivered", "lee")
    set_status(member_desk, rid, "closed", "lee")
    events = member_desk.store.events(rid)
    actions = [e.action for e in events]
    assert actions[0] == "filed" and "assigned to lee" in actions
    assert [a for a in actions if a.startswith("status")] == [
        "status received → scoping",
        "status scoping → researching",
        "status researching → drafting",
        "status drafting → in review",
        "status in review → delivered",
        "status delivered → closed",
    ]
    assert all(e.who and e.at for e in events)


@pytest.mark.parametrize("start", [s for s in STATUSES if s not in ("closed", "declined")])
def test_only_allowed_transitions(member_desk: Desk, start: str) -> None:
    rid = file_request(member_desk, "City of Springfield", PROMPT)
    if start != "received":
        advance_to(member_desk, rid, start, "lee")
    for target in STATUSES:
        if target in TRANSITIONS[start] or target == "declined":
            continue
        with pytest.raises(WorkflowError) as err:
            set_status(member_desk, rid, target, "lee")
        assert start in str(err.value) and "can move to" in err.value.hint


def test_declining_needs_a_reason_and_is_final(member_desk: Desk) -> None:
    rid = file_request(member_desk, "City of Springfield", PROMPT)
    with pytest.raises(InputError):
        set_status(member_desk, rid, "declined", "lee")
    set_status(member_desk, rid, "declined", "lee", reason="Outside the service's scope")
    assert member_desk.store.request(rid).decline_reason == "Outside the service's scope"
    with pytest.raises(WorkflowError):
        set_status(member_desk, rid, "scoping", "lee")


def test_bad_requests_are_refused_clearly(member_desk: Desk) -> None:
    with pytest.raises(WorkflowError, match="not an active member"):
        file_request(member_desk, "Shelby County", PROMPT)
    with pytest.raises(MemberNotFound):
        file_request(member_desk, "Gotham", PROMPT)
    with pytest.raises(InputError, match="empty"):
        file_request(member_desk, "City of Springfield", "   ")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    with pytest.raises(InputError, match="past"):
        file_request(member_desk, "City of Springfield", PROMPT, due=yesterday)
    with pytest.raises(UnknownChoice):
        set_status(member_desk, file_request(member_desk, "City of Springfield", PROMPT), "finished", "lee")
    with pytest.raises(UnknownChoice):
        add_member(member_desk, "Somewhere", "village")
    with pytest.raises(AlreadyExists, match="member organization with the name 'city of springfield' already"):
        add_member(member_desk, "city of springfield", "city")  # names are unique whatever their case
    assert member_desk.store.requests() and all(
        r.organization == "City of Springfield" for r in member_desk.store.requests()
    )


def test_two_staff_changing_a_status_at_once_one_wins(member_desk: Desk) -> None:
    rid = file_request(member_desk, "City of Springfield", PROMPT)
    version = member_desk.store.request(rid).version
    set_status(member_desk, rid, "scoping", "lee", expected_version=version)
    with pytest.raises(WorkflowError, match="changed by someone else"):
        set_status(member_desk, rid, "declined", "kim", reason="duplicate", expected_version=version)
    assert member_desk.store.request(rid).status == "scoping"


def test_request_status_names_the_stages_and_what_is_still_open() -> None:
    assert [str(s) for s in RequestStatus.stages()] == [
        "received", "scoping", "researching", "drafting", "in review", "delivered", "closed",
    ]  # fmt: skip
    assert set(TRANSITIONS) == set(RequestStatus) == set(STATUSES)
    assert [s for s in RequestStatus if s.is_open] == list(RequestStatus.stages()[:5])
    assert RequestStatus.SCOPING.is_before(RequestStatus.DRAFTING)
    assert not RequestStatus.DRAFTING.is_before(RequestStatus.DRAFTING)
    assert not RequestStatus.DECLINED.is_before(RequestStatus.DRAFTING)
    # Forward moves go one stage at a time; any other allowed move steps back one stage or declines.
    for status, allowed in TRANSITIONS.items():
        for target in allowed:
            assert (
                target is RequestStatus.DECLINED
                or abs(RequestStatus.stages().index(target) - RequestStatus.stages().index(status)) == 1
            ), (status, target)


def test_a_status_read_from_the_store_is_the_enum_value(member_desk: Desk) -> None:
    rid = file_request(member_desk, "City of Springfield", PROMPT, "ana@springfield.example")
    advance_to(member_desk, rid, RequestStatus.DRAFTING, "lee")
    stored = member_desk.store.request(rid).status
    assert stored == RequestStatus.DRAFTING and RequestStatus(stored).is_open
    assert [e.action for e in member_desk.store.events(rid)][-1] == "status researching → drafting"
