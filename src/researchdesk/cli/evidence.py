"""`researchdesk evidence ...`: extract, review, verify and classify quotes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import typer
from rich.markup import escape

from researchdesk.cli.common import app, console, console_err, desk_of, print_json
from researchdesk.errors import InputError
from researchdesk.evidence.agreement import agreement
from researchdesk.evidence.classify import classify_many
from researchdesk.evidence.codebooks import Codebook, builtin_codebooks, load_codebook, suggest_codes
from researchdesk.evidence.review import ROLES, accept, record_label, reject, relabel, verify_all
from researchdesk.requests.scan import run_scan

evidence_app = typer.Typer(help="Evidence: suggested quotes, their review, verification and classification.")
app.add_typer(evidence_app, name="evidence")

MAX_LINE = 20_000  # characters of one line `classify` reads; longer lines are cut (and say so)
CLASSIFY_BATCH = 256  # lines classified together when reading a file or a pipe


@evidence_app.command("extract")
def extract(
    ctx: typer.Context,
    request: int | None = typer.Option(
        None, "--request", help="Run the request's plan (same as `researchdesk scan N`)."
    ),
    query: str | None = typer.Option(None, "--query", help="Extract from the passages one query finds."),
    top: int = typer.Option(25, help="Passages per query."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Suggest quotes (role, codes, confidence, reason) from the passages a request's plan or a query finds."""
    from researchdesk.evidence.harvest import extract_for_query

    if (request is None) == (query is None):
        raise InputError(
            "Give either --request N or --query TEXT.", "For example: evidence extract --request 3"
        )
    with desk_of(ctx) as desk:
        if request is not None:
            result = run_scan(desk, request, top_k=top)
            items = [desk.store.evidence(i) for i in result.evidence_ids]
        else:
            assert query is not None
            items = extract_for_query(desk, query, top_k=top)
    if as_json:
        print_json(items)
        return
    for e in items:
        _print_evidence(e)
    console.print(f"{len(items)} quotes suggested.")


def _print_evidence(e) -> None:  # type: ignore[no-untyped-def]
    codes = f"  [dim]{escape('; '.join(e.codes))}[/]" if e.codes else ""
    console.print(
        f"[bold]#{e.id or '-'}[/] [cyan]{e.role}[/] {e.confidence:.2f} {e.status}  doc {e.document_id} "
        f"[{e.start}:{e.end}]{codes}"
    )
    console.print(f"   “{escape(e.quote[:400])}”")
    console.print(f"   [dim]why: {escape(e.reason[:160])}[/]")


@evidence_app.command("list")
def list_(
    ctx: typer.Context,
    request: int | None = typer.Option(None, "--request", help="Only this request's evidence."),
    status: str | None = typer.Option(None, help="suggested, accepted, rejected or edited."),
    role: str | None = typer.Option(None, help=f"Only this role: {', '.join(ROLES)}."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List stored evidence."""
    with desk_of(ctx) as desk:
        items = desk.store.evidence_for(request, status, role)
    if as_json:
        print_json(items)
        return
    for e in items:
        _print_evidence(e)
    console.print(f"{len(items)} quotes.")


@evidence_app.command("accept")
def accept_(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., help="Evidence ids."),
    reviewer: str = typer.Option("staff", help="Who accepts."),
) -> None:
    """Accept quotes for the brief."""
    with desk_of(ctx) as desk:
        for i in ids:
            accept(desk, i, reviewer)
    console.print(f"Accepted {len(ids)} quote(s).")


@evidence_app.command("reject")
def reject_(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., help="Evidence ids."),
    reviewer: str = typer.Option("staff", help="Who rejects."),
) -> None:
    """Reject quotes (they stay stored, never reach a brief)."""
    with desk_of(ctx) as desk:
        for i in ids:
            reject(desk, i, reviewer)
    console.print(f"Rejected {len(ids)} quote(s).")


@evidence_app.command("relabel")
def relabel_(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., help="Evidence id."),
    role: str | None = typer.Option(None, help=f"New role: {', '.join(ROLES)}."),
    code: list[str] = typer.Option([], "--code", help="Theme code(s) from a codebook (repeatable)."),
    label: str | None = typer.Option(None, help="Short theme label shown before the quote."),
    reviewer: str = typer.Option("staff", help="Who relabels."),
) -> None:
    """Change a quote's role, codes or label; the old values stay in its history."""
    with desk_of(ctx) as desk:
        e = relabel(desk, evidence_id, reviewer, role=role, codes=code or None, label=label)
    console.print(f"Evidence {e.id}: {e.role}; codes {', '.join(e.codes) or '—'}.")


@evidence_app.command("label")
def label_(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., help="Evidence id."),
    role: str = typer.Argument(..., help=f"Your independent judgement: {', '.join(ROLES)}."),
    reviewer: str = typer.Option(..., help="Who labels (for agreement)."),
) -> None:
    """Record a reviewer's own role judgement without changing the evidence (for `evidence kappa`)."""
    with desk_of(ctx) as desk:
        record_label(desk, evidence_id, reviewer, role)
    console.print(f"Recorded {reviewer}'s label for evidence {evidence_id}.")


@evidence_app.command("kappa")
def kappa(
    ctx: typer.Context,
    reviewer_a: str = typer.Argument(..., help="First reviewer."),
    reviewer_b: str = typer.Argument(..., help="Second reviewer."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Agreement of two reviewers on the quotes both labelled (Cohen's kappa)."""
    with desk_of(ctx) as desk:
        a = desk.store.reviewer_labels(reviewer_a)
        b = desk.store.reviewer_labels(reviewer_b)
    common = sorted(set(a) & set(b))
    if not common:
        raise InputError(
            f"{reviewer_a} and {reviewer_b} have labelled no quote in common.",
            "Each labels the same quotes with `researchdesk evidence label ID ROLE --reviewer NAME`.",
        )
    result = agreement([a[i] for i in common], [b[i] for i in common])
    value, observed = result.kappa, result.observed
    if as_json:
        print_json({"kappa": value, "observed_agreement": observed, "n": len(common)})
        return
    console.print(
        f"Cohen's kappa = {value:.3f} over {len(common)} quotes (observed agreement {observed:.1%})."
    )


@evidence_app.command("verify")
def verify_(
    ctx: typer.Context,
    request: int | None = typer.Option(None, "--request", help="Only this request's evidence."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Verify every stored quote against its source; relocated quotes get their new offsets. Exit 1 if any is lost."""
    with desk_of(ctx) as desk:
        outcomes = verify_all(desk, request)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    if as_json:
        print_json({"counts": counts, "quotes": outcomes})
    else:
        console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "No evidence stored.")
        for o in outcomes:
            if o.status == "not found":
                console_err.print(f"[red]evidence {o.evidence_id}:[/] not found — {escape(o.message)}")
    if counts.get("not found"):
        raise typer.Exit(1)


@evidence_app.command("classify")
def classify_(
    source: Path | None = typer.Argument(
        None, help="File with one text per line; '-' or nothing reads stdin."
    ),
    as_json: bool = typer.Option(True, "--json/--text", help="One JSON object per line (default)."),
) -> None:
    """Classify texts, one per line: {"text", "role", "confidence", "codes"} per line. Bad lines never stop the batch.

    Sentences are read by the cue lexicon and the sentence model; short table items ("High staff turnover", "Trusted messengers") by their polarity, and where no word decides, by the phrase model. The "reason" field says which.
    """
    books = [load_codebook(name) for name in builtin_codebooks()]
    if source is None or str(source) == "-":
        _classify_stream(sys.stdin, books, as_json)
        return
    try:
        stream = source.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(
            f"Cannot read {source}: {exc.strerror}.",
            "Give a text file with one text per line, or '-' for stdin.",
        ) from exc
    with stream:
        _classify_stream(stream, books, as_json)


def _classify_stream(stream: TextIO, books: list[Codebook], as_json: bool) -> None:
    # Lines typed at a terminal are answered one by one; a file or a pipe is read in batches, so the
    # table items among them are embedded together (see classify_many).
    batch = 1 if stream.isatty() else CLASSIFY_BATCH
    lines: list[str] = []
    for raw in stream:
        lines.append(raw.rstrip("\n"))
        if len(lines) >= batch:
            _classify_lines(lines, books, as_json)
            lines = []
    _classify_lines(lines, books, as_json)


def _classify_lines(lines: list[str], books: list[Codebook], as_json: bool) -> None:
    """Print one classification per line, in order; an empty line gets an error object, never a stop."""
    texts = [line[:MAX_LINE] for line in lines if line.strip()]
    results = iter(classify_many(texts))
    for text in lines:
        if not text.strip():
            print(
                json.dumps(
                    {"text": text, "role": None, "confidence": 0.0, "codes": [], "error": "empty line"}
                )
            )
            continue
        c = next(results)
        out = {
            "text": text,
            "role": str(c.role),
            "confidence": round(c.confidence, 3),
            "codes": suggest_codes(text[:MAX_LINE], books),
            "reason": c.reason,
        }
        if len(text) > MAX_LINE:
            out["note"] = f"line cut to its first {MAX_LINE} characters"
        if as_json:
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            console.print(f"{out['role']:15} {out['confidence']:.2f}  {escape(text[:100])}")
