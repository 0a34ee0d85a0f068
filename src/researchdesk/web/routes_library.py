"""Staff library pages: upload (many files, per-file errors, as a background job), search, documents."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.library import edit_document
from researchdesk.models import META_FIELDS, SearchHit, SourceType
from researchdesk.requests.limits import check_length
from researchdesk.search.filters import parse_filters
from researchdesk.search.highlight import highlight
from researchdesk.search.index import MODES
from researchdesk.search.results import SearchResults
from researchdesk.web.deps import RowId, WebContext, check_csrf, context, get_desk, staff
from researchdesk.web.jobs import uploads_dir
from researchdesk.web.pages import render_page, wants_json
from researchdesk.web.routes_member import download
from researchdesk.web.uploads import Rejected, take, unique_name
from researchdesk.work import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
FILTER_FIELDS = ("source_type", "date_from", "date_to", "publisher", "our_products")


@router.get("/library")
def library_page(request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> Response:
    docs = desk.store.documents()
    docs.sort(key=lambda d: d.added_at, reverse=True)
    ctx = context(request)
    return render_page(
        request,
        "library.html",
        documents=docs[:200],
        total=len(docs),
        max_files=ctx.web.max_upload_files,
        max_mb=ctx.web.max_upload_mb,
    )


@dataclass
class UploadOutcome:
    job_id: str | None
    accepted: list[str]
    rejected: list[Rejected]


async def receive_upload(ctx: WebContext, desk: Desk, files: Sequence[UploadFile], who: str) -> UploadOutcome:
    """Check uploaded files (count, size, kind by content), keep the good ones and queue their ingest job."""
    if not files:
        raise InputError("No file was uploaded.", "Choose or drop one or more files.")
    if len(files) > ctx.web.max_upload_files:
        raise InputError(
            f"{len(files)} files in one upload; the limit is {ctx.web.max_upload_files}.",
            "Upload them in several batches.",
        )
    folder = uploads_dir(desk.settings) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    accepted: list[str] = []
    rejected: list[Rejected] = []
    for f in files:
        got = await take(f, ctx.web.max_upload_bytes)
        if isinstance(got, Rejected):
            rejected.append(got)
            continue
        target = unique_name(folder, got.name)
        target.write_bytes(got.data)
        accepted.append(target.name)
    job_id = None
    if accepted:
        args = {
            "folder": str(folder),
            "files": accepted,
            "rejected": [
                {"path": r.name, "status": "failed", "reason": r.reason, "hint": r.hint} for r in rejected
            ],
        }
        job_id = ctx.jobs.submit(desk, "ingest", args, who)
    else:
        folder.rmdir()
    return UploadOutcome(job_id, accepted, rejected)


def refusal(rejected: Sequence[Rejected]) -> dict[str, object]:
    """Return the error fields of an upload none of whose files was accepted."""
    return {
        "error": "UploadRefused",
        "message": f"None of the {len(rejected)} uploaded files can be added to the library.",
        "hint": "Each file's reason is listed under `rejected`; correct them and upload again.",
        "status": 422,
    }


@router.post("/library/upload")
async def upload(request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> Response:
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    outcome = await receive_upload(context(request), desk, files, user.label)
    if wants_json(request):
        return JSONResponse(
            {
                **({} if outcome.job_id else refusal(outcome.rejected)),
                "job_id": outcome.job_id,
                "job_url": f"/jobs/{outcome.job_id}" if outcome.job_id else None,
                "accepted": outcome.accepted,
                "rejected": [vars(r) for r in outcome.rejected],
            },
            status_code=202 if outcome.job_id else 422,
        )
    if outcome.job_id:
        return RedirectResponse(f"/jobs/{outcome.job_id}", status_code=303)
    return render_page(request, "upload_failed.html", status_code=422, rejected=outcome.rejected)


def marked(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """Return the text cut into (piece, is-match) runs, for <mark> display with escaping intact."""
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in highlight(text, terms):
        if start > at:
            runs.append((text[at:start], False))
        runs.append((text[start:end], True))
        at = end
    if at < len(text):
        runs.append((text[at:], False))
    return runs


def run_search(ctx: WebContext, desk: Desk, q: str, mode: str, specs: list[str], top: int) -> SearchResults:
    """Return a search of the desk's library with the cached index (searches are serialized)."""
    filters = parse_filters(specs)
    with ctx.index.lock:
        index = ctx.index.get(desk)
        return index.search(q, top_k=top, mode=mode, filters=filters, expand=desk.settings.expand_queries)


# A search page lists documents, each with its best passages (at most the search settings' cap per document, 3).
SEARCH_DOCUMENTS = 10
SEARCH_PASSAGES = 40


@dataclass
class DocumentHits:
    """One document of a search page and its best passages, best first."""

    first: SearchHit
    passages: list[tuple[SearchHit, list[tuple[str, bool]]]]


def by_document(hits: list[tuple[SearchHit, list[tuple[str, bool]]]]) -> list[DocumentHits]:
    """Return passage hits grouped by document, documents in the order of their best passage."""
    groups: dict[int, DocumentHits] = {}
    for hit, runs in hits:
        group = groups.setdefault(hit.document_id, DocumentHits(hit, []))
        group.passages.append((hit, runs))
    return list(groups.values())


@router.get("/search")
def search_page(
    request: Request,
    q: str = "",
    mode: str = "hybrid",
    source_type: str = "",
    date_from: str = "",
    date_to: str = "",
    publisher: str = "",
    our_products: str = "",
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    given = {
        "source_type": source_type,
        "date_from": date_from,
        "date_to": date_to,
        "publisher": publisher,
        "our_products": our_products,
    }
    results: SearchResults | None = None
    groups: list[DocumentHits] = []
    if q.strip():
        specs = [f"{k}={v}" for k, v in given.items() if v.strip()]
        results = run_search(context(request), desk, q, mode, specs, SEARCH_PASSAGES)
        groups = by_document([(h, marked(h.text, [*h.matched_terms, *results.terms])) for h in results.hits])[
            :SEARCH_DOCUMENTS
        ]
    if results is not None and results.semantic_index is not None:
        coverage = results.semantic_index
    else:
        with context(request).index.lock:
            coverage = context(request).index.get(desk).coverage()
    return render_page(
        request,
        "search.html",
        q=q,
        mode=mode,
        modes=MODES,
        given=given,
        source_types=[t.value for t in SourceType],
        results=results,
        groups=groups,
        passages=sum(len(g.passages) for g in groups),
        coverage=coverage,
    )


@router.get("/documents/{document_id}")
def document_page(
    document_id: RowId,
    request: Request,
    q: str = "",
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    doc = desk.store.get_document(document_id)
    passages = desk.store.passages(document_id)
    terms = q.split() if q else []
    shown = [(p, marked(p.text, terms) if terms else [(p.text, False)]) for p in passages]
    return render_page(
        request,
        "document.html",
        doc=doc,
        passages=shown,
        edits=desk.store.document_edits(document_id),
        q=q,
        fields=[(name, _meta_text(getattr(doc.meta, name))) for name in META_FIELDS],
        source_types=[t.value for t in SourceType],
    )


@router.post("/documents/{document_id}/metadata")
async def document_metadata(
    document_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    """Correct a document's metadata from its page; each changed field is kept in its edit history."""
    doc = desk.store.get_document(document_id)
    form = await request.form()
    current = {name: _meta_text(getattr(doc.meta, name)) for name in META_FIELDS}
    changes = {
        name: str(form.get(name) or "")
        for name in META_FIELDS
        if name in form and str(form.get(name) or "").strip() != current[name]
    }
    if not changes:
        raise InputError("Nothing was changed.", "Correct a field, then save.")
    for name, value in changes.items():
        check_length("summary" if name == "abstract" else "metadata", value)
    edit_document(desk, document_id, changes, user.label)
    return RedirectResponse(f"/documents/{document_id}#metadata", status_code=303)


def _meta_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value.value if hasattr(value, "value") else value or "")


@router.get("/documents/{document_id}/original")
def document_original(
    document_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    doc = desk.store.get_document(document_id)
    digest = str(doc.extra.get("original", doc.content_hash))
    if not desk.blobs.exists(digest):
        raise InputError(
            f"The original file of document {document_id} is missing from the desk.",
            "Run `researchdesk library check` and ingest the file again.",
        )
    # Served as a download, never rendered: a saved web page must not run in the desk's origin.
    return download(
        desk.blobs.get(digest), doc.file_name or f"document-{document_id}", "application/octet-stream"
    )
