"""`researchdesk brief draft|check|render|deliver`: the brief, from evidence to delivery."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from researchdesk.brief.checks import CheckReport
from researchdesk.brief.render import FORMATS
from researchdesk.brief.service import check, deliver, draft, render_files
from researchdesk.cli.common import app, console, console_err, desk_of, print_json

brief_app = typer.Typer(help="Draft, check, render and deliver a request's brief.")
app.add_typer(brief_app, name="brief")


def print_report(report: CheckReport) -> None:
    v = report.verified
    console.print(
        f"Quotes verified: {v.get('exact', 0)} exact, {v.get('relocated', 0)} relocated, "
        f"{v.get('not found', 0)} not found."
    )
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    for e in report.errors:
        console_err.print(f"[red]error:[/] {escape(e)}")
    console.print(
        "[green]All checks pass.[/]"
        if report.ok
        else f"[red]{len(report.errors)} check(s) fail: delivery is refused.[/]"
    )


def parse_formats(spec: str) -> list[str]:
    return [f.strip() for f in spec.split(",") if f.strip()] if spec != "all" else list(FORMATS)


@brief_app.command("draft")
def brief_draft(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    auto_accept: bool = typer.Option(
        False, "--auto-accept", help="Accept every suggested quote first (unattended draft)."
    ),
    style: str | None = typer.Option(None, help="Citation style (default the desk's, APA 7)."),
    who: str = typer.Option("staff", help="Who drafts it."),
    as_json: bool = typer.Option(False, "--json", help="Print the check report as JSON."),
) -> None:
    """Compose a new version of the brief from the accepted evidence, and check it."""
    with desk_of(ctx) as desk:
        brief, report = draft(desk, request_id, who=who, auto=auto_accept, style=style)
    if as_json:
        print_json({"version": brief.version, "check": report.to_dict()})
        return
    console.print(
        f"Drafted brief v{brief.version} for request {request_id}: {len(brief.sources)} sources, "
        f"{sum(len(s.quotes) for s in brief.sources)} quotes."
    )
    print_report(report)


@brief_app.command("check")
def brief_check(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check the latest brief: quotes verbatim, sources citable, no empty or foreign sections. Exit 1 on error."""
    with desk_of(ctx) as desk:
        _, report = check(desk, request_id)
    if as_json:
        print_json(report.to_dict())
    else:
        print_report(report)
    if not report.ok:
        raise typer.Exit(1)


@brief_app.command("render")
def brief_render(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    formats: str = typer.Option(
        "md,html,docx,pdf,json", "--format", help=f"Comma-separated: {', '.join(FORMATS)}, or all."
    ),
    out: Path = typer.Option(Path("out"), "--out", help="Folder to write into."),
) -> None:
    """Write the latest brief in each format (nothing is half-written on failure)."""
    with desk_of(ctx) as desk:
        paths = render_files(desk, request_id, parse_formats(formats), out)
    for p in paths:
        console.print(f"wrote {escape(str(p))}")


@brief_app.command("deliver")
def brief_deliver(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    who: str = typer.Option("staff", help="Who delivers it."),
) -> None:
    """Deliver the latest brief (refused if a check fails) and file it in the library as our product."""
    with desk_of(ctx) as desk:
        doc_id = deliver(desk, request_id, who)
    console.print(
        f"Delivered request {request_id}; the brief is now library document {doc_id} (our product)."
    )
