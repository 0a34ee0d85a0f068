"""Schemathesis against the REST API's own OpenAPI description, in process, signed in as staff with a token.

Every operation gets generated requests, valid ones and invalid ones; each answer must not be a
server error, must use a status code the description declares for the operation, and must match the
response schema declared for that status. Half the valid requests name rows that exist (request 1,
its evidence, its brief, a job), so the operations do their work rather than only answer 404. All
operations run; the failures are reported together at the end.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from starlette.testclient import TestClient

from researchdesk.accounts import new_api_token
from researchdesk.brief.render import FORMATS
from researchdesk.brief.service import draft
from researchdesk.desk import open_desk
from researchdesk.requests.scan import run_scan
from researchdesk.requests.workflow import file_request
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings
from test_web_fixtures import build_desk

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
PROMPT = "What are the barriers and facilitators of adopting local tobacco and smoke-free policies?"
# Per operation; RESEARCHDESK_TEST_SCHEMATHESIS_EXAMPLES=300 makes a longer run (the mix stays 2:1).
_SCALE = int(os.environ.get("RESEARCHDESK_TEST_SCHEMATHESIS_EXAMPLES", "30"))
EXAMPLES = {GenerationMode.POSITIVE: _SCALE * 2 // 3, GenerationMode.NEGATIVE: _SCALE - _SCALE * 2 // 3}


@dataclass
class Target:
    schema: schemathesis.BaseSchema
    headers: dict[str, str]
    known: dict[str, list[Any]] = field(default_factory=dict)  # path parameter -> values of real rows


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    home = tmp_path_factory.mktemp("schemathesis") / "desk"
    desk_settings, hostile_id = build_desk(home, library_files=("23_0283.htm", "24_0362.htm"))
    # Jobs are only queued (no worker): this checks the API's contract; test_web_jobs runs the jobs.
    app = create_app(desk_settings, WebSettings(jobs_immediate=False))
    with open_desk(desk_settings) as desk:
        token = new_api_token(desk, "staff@desk.example", "schemathesis")
        rid = file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example", who="test")
        run_scan(desk, rid, "test")
        draft(desk, rid, who="test", auto=True)
        other = file_request(desk, "Hill City", "Anything on heat plans?", who="test")
        queued = app.state.ctx.jobs.submit(desk, "scan", {"request_id": other, "who": "test"}, "test")
        failed = app.state.ctx.jobs.submit(desk, "render", {"request_id": other, "version": 9}, "test")
        desk.store.update_job(failed, status="failed", error="seeded", message="failed")
        known: dict[str, list[Any]] = {
            "request_id": [rid, other],
            "evidence_id": [e.id for e in desk.store.evidence_for(rid)][:6],
            "document_id": [hostile_id, *(d.id for d in desk.store.documents())][:3],
            "version": [1],
            "fmt": list(FORMATS),
            "job_id": [queued, failed],
        }
    with TestClient(app):  # runs the app's startup and shutdown around the run
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        yield Target(schema, {"Authorization": f"Bearer {token}"}, known)


def _cases(
    target: Target, operation: schemathesis.APIOperation, mode: GenerationMode
) -> st.SearchStrategy[Any]:
    """Return the cases to send: generated, and for valid ones also cases naming rows that exist."""
    generated = operation.as_strategy(generation_mode=mode)
    names = re.findall(r"\{(\w+)\}", operation.path)
    if mode is GenerationMode.NEGATIVE or not names:
        return generated
    real = st.fixed_dictionaries({n: st.sampled_from(target.known[n]) for n in names}).flatmap(
        lambda fixed: operation.as_strategy(generation_mode=mode, path_parameters=fixed)
    )
    return st.one_of(real, generated)


def _exercise(
    target: Target, operation: schemathesis.APIOperation, mode: GenerationMode, seen: set[int]
) -> None:
    @given(case=_cases(target, operation, mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: a failure here is reproducible
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=dict(target.headers), checks=CHECKS)
        seen.add(response.status_code)

    run()


def _describe(exc: BaseException) -> str:
    """Return an error and, for a group (several distinct failures), each of its members."""
    text = f"{type(exc).__name__}: {str(exc)[:3000]}"
    if isinstance(exc, BaseExceptionGroup) and not isinstance(exc.exceptions[0], AssertionError):
        text += "".join(f"\n  - {type(e).__name__}: {str(e)[:1500]}" for e in exc.exceptions)
    return text


def test_every_api_operation_conforms_to_the_openapi_description(target: Target) -> None:
    operations = []
    for result in target.schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the description itself is valid
        operations.append(result.ok())
    assert len(operations) >= 20, "the OpenAPI description lost operations"
    failures: list[str] = []
    statuses: dict[str, set[int]] = defaultdict(set)
    for operation in operations:
        for mode in EXAMPLES:
            try:
                _exercise(target, operation, mode, statuses[operation.label])
            except Unsatisfiable:
                # An operation with no parameters and no body has no invalid input to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # BaseExceptionGroup: schemathesis' FailureGroup
                # Every operation runs and all failures are reported at the end.
                failures.append(f"{operation.label} ({mode.value}): {_describe(exc)}")
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)
    # The run reached the operations themselves: the token was taken, and generated ids met real rows.
    assert not [label for label, seen in statuses.items() if seen <= {401, 403}], statuses
    succeeded = [label for label, seen in statuses.items() if any(200 <= s < 300 for s in seen)]
    assert len(succeeded) >= len(operations) * 2 // 3, statuses
