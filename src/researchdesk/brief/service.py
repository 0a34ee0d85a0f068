"""Draft, check, render and deliver a request's brief; delivery files it back into the library."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path
from typing import Any

from researchdesk.brief.checks import CheckReport, check_brief
from researchdesk.brief.compose import compose_brief
from researchdesk.brief.figures import brief_figures
from researchdesk.brief.render import FORMATS, RenderOptions, render, renderer_for
from researchdesk.brief.render.jsonfmt import brief_from_dict, brief_to_dict
from researchdesk.desk import Desk
from researchdesk.errors import CheckFailed, InputError, RenderError, WorkflowError
from researchdesk.evidence.review import auto_accept
from researchdesk.ingest.pipeline import segment
from researchdesk.ingest.segment import build_text
from researchdesk.models import (
    Block,
    BlockKind,
    Brief,
    DocumentMeta,
    SourceType,
)
from researchdesk.requests.limits import check_length
from researchdesk.requests.workflow import advance_to
from researchdesk.store.blobs import content_hash
from researchdesk.work import RequestStatus


def draft(
    desk: Desk, request_id: int, who: str = "staff", auto: bool = False, style: str | None = None
) -> tuple[Brief, CheckReport]:
    """Compose and store a new version of the brief, with its check report."""
    if auto:
        auto_accept(desk, request_id)
    status = desk.store.request(request_id).status
    if status.is_before(RequestStatus.DRAFTING):
        advance_to(desk, request_id, RequestStatus.DRAFTING, who)
    brief = compose_brief(desk, request_id, style=style)
    report = check_brief(desk, brief)
    brief.version = desk.store.add_brief(request_id, brief_to_dict(brief), report.to_dict(), who)
    return brief, report


def latest(desk: Desk, request_id: int) -> Brief:
    """Return the latest stored version of a request's brief."""
    desk.store.request(request_id)  # an unknown request is "not found", not "no brief yet"
    row = desk.store.latest_brief(request_id)
    if row is None:
        raise InputError(
            f"Request {request_id} has no brief yet.",
            f"Draft one with `researchdesk brief draft {request_id}`.",
        )
    brief = brief_from_dict(row.body)
    brief.version = row.version
    return brief


def check(desk: Desk, request_id: int) -> tuple[Brief, CheckReport]:
    """Check the latest brief again (quotes re-verified against the library as it is now)."""
    brief = latest(desk, request_id)
    report = check_brief(desk, brief)
    desk.store.set_brief_check(request_id, brief.version, report.to_dict())
    return brief, report


def render_files(desk: Desk, request_id: int, formats: list[str], out_dir: Path) -> list[Path]:
    """Render the latest brief, with its figures, in each format into ``out_dir``; return the files written.

    Every format is rendered in memory first, so a failure leaves no half-written file.
    """
    brief = latest(desk, request_id)
    brief.figures = brief_figures(desk, brief)
    renderers = [renderer_for(f) for f in formats]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(
            f"Cannot create the output folder {out_dir}: {exc.strerror}.", "Choose a folder you can write to."
        ) from exc
    if not os.access(out_dir, os.W_OK):
        raise RenderError(
            f"The output folder {out_dir} is not writable.", "Choose a folder you can write to (--out)."
        )
    options = RenderOptions(
        template_dir=desk.home / "templates" if (desk.home / "templates").is_dir() else None
    )
    rendered: list[tuple[Path, bytes]] = []
    for r in renderers:
        buffer = io.BytesIO()
        render(brief, r.format, buffer, options)
        rendered.append(
            (out_dir / f"brief-request-{request_id}-v{brief.version}{r.extension}", buffer.getvalue())
        )
    written = []
    for path, data in rendered:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        written.append(path)
    return written


def deliver(desk: Desk, request_id: int, who: str = "staff") -> int:
    """Deliver the latest brief: refuse on a failed check, archive it as *our product*; return its document id."""
    row = desk.store.latest_brief(request_id)
    if row is not None and row.is_delivered:
        if desk.store.request(request_id).status in (RequestStatus.DRAFTING, RequestStatus.IN_REVIEW):
            # An earlier delivery stopped after archiving: finish moving the request along.
            advance_to(desk, request_id, RequestStatus.DELIVERED, who)
            assert row.document_id is not None  # delivery names the archived document
            return row.document_id
        raise WorkflowError(
            f"Version {row.version} of the brief of request {request_id} was already delivered "
            f"(library document {row.document_id}).",
            "Draft a new version first if the member needs an updated brief.",
        )
    brief, report = check(desk, request_id)
    if not report.ok:
        raise CheckFailed(
            f"The brief of request {request_id} fails {len(report.errors)} check(s): "
            + " ".join(report.errors[:3]),
            f"Fix them and draft again; see `researchdesk brief check {request_id}`.",
        )
    if desk.store.request(request_id).status == RequestStatus.DRAFTING:
        advance_to(desk, request_id, RequestStatus.IN_REVIEW, who)
    # The archived document is keyed by the brief version itself, so a delivery interrupted after
    # archiving (a crash, a killed worker) finds its document again instead of filing a second one.
    key = content_hash(f"brief:{request_id}:{brief.version}:{brief.title}".encode())
    existing = desk.store.find_duplicate(key, "", "")
    doc_id = existing[0] if existing is not None else _archive(desk, brief, request_id, key)
    desk.store.mark_brief_delivered(request_id, brief.version, doc_id, who)
    if desk.store.request(request_id).status != RequestStatus.DELIVERED:
        advance_to(desk, request_id, RequestStatus.DELIVERED, who)
    return doc_id


def _archive(desk: Desk, brief: Brief, request_id: int, key: str) -> int:
    """File a brief into the library as a document of type *our product*; return its id."""
    buffer = io.BytesIO()
    render(brief, "md", buffer)
    data = buffer.getvalue()
    blocks = brief_blocks(brief)
    text, spans = build_text(blocks)
    passages, sentences = segment(text, spans)
    meta = DocumentMeta(
        title=brief.title,
        authors=[],
        publisher=desk.settings.service_name,
        date=date.today().isoformat(),
        source_type=SourceType.OUR_PRODUCT,
        language="en",
        abstract=" ".join(brief.summary)[:2000],
    )
    extra: dict[str, Any] = {
        "request_id": request_id,
        "member": brief.member,
        "brief_version": brief.version,
        "original": content_hash(data),
    }
    desk.blobs.put(data)
    return desk.store.add_document(
        meta,
        text,
        key,
        f"brief-request-{request_id}-v{brief.version}.md",
        "markdown",
        len(data),
        0,
        passages,
        sentences,
        extra,
    )


def brief_blocks(brief: Brief) -> list[Block]:
    """Return the brief as blocks, so a delivered brief is searchable like any document."""
    blocks = [
        Block(brief.title, BlockKind.HEADING, level=1),
        Block("Request Prompt", BlockKind.HEADING, level=2),
        Block(brief.prompt),
        Block("Summary of Findings", BlockKind.HEADING, level=2),
    ]
    blocks += [Block(p) for p in brief.summary]
    blocks.append(Block("Background Research", BlockKind.HEADING, level=2))
    for s in brief.sources:
        blocks.append(Block(s.title, BlockKind.HEADING, level=3))
        blocks += [Block(f"{q.role}: “{q.text}”", BlockKind.LIST_ITEM) for q in s.quotes]
    if brief.next_steps:
        blocks.append(Block("Next Steps", BlockKind.HEADING, level=2))
        blocks += [Block(step, BlockKind.LIST_ITEM) for step in brief.next_steps]
    return blocks


__all__ = ["FORMATS", "brief_from_dict", "check", "deliver", "draft", "latest", "render_files"]


def revise(
    desk: Desk,
    request_id: int,
    who: str,
    summary: list[str] | None = None,
    next_steps: list[str] | None = None,
) -> tuple[Brief, CheckReport]:
    """Store staff's edit of the latest brief's summary or next steps as a new version, checked again.

    A paragraph kept word for word keeps what it rests on; an edited or new one rests on the editor's
    word ("edited:<who>"), and the checks read it like any other (foreign topics, contradictions).
    """
    brief = latest(desk, request_id)
    stored = desk.store.latest_brief(request_id)
    if stored is not None and stored.is_delivered:
        raise WorkflowError(
            f"Version {brief.version} of the brief of request {request_id} is delivered and stays as sent.",
            "Draft a new version to correct it, then edit that.",
        )
    changed = False
    if summary is not None:
        paragraphs = [" ".join(p.split()) for p in summary if p.strip()]
        for p in paragraphs:
            check_length("summary", p)
        if not paragraphs:
            raise InputError("The summary is empty.", "Write at least one paragraph.")
        if paragraphs != brief.summary:
            support = dict(zip(brief.summary, brief.summary_support, strict=False))
            brief.summary_support = [support.get(p) or [f"edited:{who}"] for p in paragraphs]
            brief.summary = paragraphs
            changed = True
    if next_steps is not None:
        steps = [" ".join(s.split()) for s in next_steps if s.strip()]
        for s in steps:
            check_length("next_steps", s)
        if steps != brief.next_steps:
            brief.next_steps = steps
            changed = True
    if not changed:
        raise InputError("Nothing was changed.", "Edit the summary or the next steps, then save.")
    report = check_brief(desk, brief)
    brief.version = desk.store.add_brief(request_id, brief_to_dict(brief), report.to_dict(), who)
    return brief, report
