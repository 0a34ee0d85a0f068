"""`researchdesk discover`, `bring` and `retractions`: published evidence from beyond the library."""

from __future__ import annotations

import typer
from rich.markup import escape

from researchdesk.cli.common import app, console, console_err, desk_of, print_json, progress_bar, settings_of
from researchdesk.desk import Desk, open_desk
from researchdesk.discover.bring import BringOutcome, bring_in
from researchdesk.discover.candidates import Candidate
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.retractions import allow_retracted, check_library
from researchdesk.discover.service import (
    DEFAULT_SERVICES,
    SERVICES,
    discover,
    load_candidates,
    lookup_doi,
    parse_services,
)
from researchdesk.errors import InputError

ONLINE_HELP = "Ask the services over the network for this command (default: cached answers only)."


def _desk(ctx: typer.Context, online: bool) -> Desk:
    settings = settings_of(ctx)
    if online:
        settings = settings.model_copy(update={"online": True})
    return open_desk(settings)


@app.command("discover")
def discover_command(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="What to look for, in plain words."),
    services: str = typer.Option(
        ",".join(DEFAULT_SERVICES), "--service", "-s", help=f"Comma-separated: {', '.join(SERVICES)}."
    ),
    limit: int = typer.Option(25, "--limit", "-n", help="Candidates asked of each service."),
    online: bool = typer.Option(False, "--online", help=ONLINE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the candidates and the request log as JSON."),
) -> None:
    """Find published works beyond the library in open scholarly indexes (OpenAlex, Crossref, Europe PMC).

    Candidates come with title, venue, year, authors, abstract, open-access status, retraction and
    version flags, and why they matched; those the library already holds (same DOI or title) are
    listed last. Nothing enters the library until you bring it with `researchdesk bring N`.
    Offline (the default) only answers already cached are used; --online asks the services.

    Examples:
      researchdesk discover "heat action plans local government" --online
      researchdesk discover "school nurse staffing" --service europepmc,openalex --limit 10 --online
      researchdesk bring 1 4
    """
    names = parse_services(services)
    desk = _desk(ctx, online)
    try:
        with console_err.status(f"Asking {', '.join(names)}…"):
            result = discover(desk, query, names, limit)
    finally:
        desk.close()
    if as_json:
        # The services' raw records stay in the desk (they become a document's original file), not on screen.
        shown = [{k: v for k, v in vars(c).items() if k != "records"} for c in result.candidates]
        print_json({**result.summary(), "candidates": shown})
        return
    for name, problem in result.errors.items():
        console_err.print(f"[yellow]{escape(name)}:[/] {escape(problem)}")
    if not result.candidates:
        console.print("No candidates." + ("" if result.errors else " Try other words or another --service."))
        raise typer.Exit(1 if result.errors and not result.counts else 0)
    for number, cand in enumerate(result.candidates, 1):
        _print_candidate(number, cand)
    asked = sum(1 for e in result.exchanges if not e.cached)
    console.print(
        f"[dim]{len(result.candidates)} candidates ({len(result.new)} not in the library) from "
        f"{', '.join(f'{k} {v}' for k, v in result.counts.items()) or 'no service'}; "
        f"{asked} request(s) sent, {len(result.exchanges) - asked} answered from the cache, "
        f"{result.seconds:.2f} s. Bring some in with `researchdesk bring N …`.[/]"
    )


def _print_candidate(number: int, cand: Candidate) -> None:
    flags = " ".join(f"[bold red]{escape(f)}[/]" for f in cand.flags())
    where = ", ".join(escape(x) for x in (cand.venue, str(cand.year or "")) if x)
    authors = escape(", ".join(cand.authors[:3]) + (" et al." if len(cand.authors) > 3 else ""))
    held = (
        f"  [yellow]in the library: document {cand.in_library} ({escape(cand.duplicate_reason)})[/]"
        if cand.in_library
        else ""
    )
    console.print(f"[bold]{number}.[/] [bold]{escape(cand.title[:140])}[/] {flags}{held}")
    console.print(f"   {where}  [dim]{authors}[/]")
    oa = f"open access ({escape(cand.oa_status)})" if cand.is_oa else escape(f"access: {cand.oa_status}")
    console.print(f"   {oa}  [dim]{escape(cand.doi or cand.url)}[/]")
    if cand.abstract:
        console.print("   " + escape(cand.abstract[:400]) + ("…" if len(cand.abstract) > 400 else ""))
    console.print(f"   [dim]why: {escape('; '.join(cand.why))}[/]")
    console.print()


@app.command("bring")
def bring_command(
    ctx: typer.Context,
    numbers: list[int] = typer.Argument(
        None, help="Candidate numbers from the last `researchdesk discover`."
    ),
    dois: list[str] = typer.Option([], "--doi", help="Bring in a work by its DOI (repeatable)."),
    full_text: bool = typer.Option(
        True, "--full-text/--record-only", help="Read the legal open-access full text when there is one."
    ),
    online: bool = typer.Option(False, "--online", help=ONLINE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print what happened to each as JSON."),
) -> None:
    """Bring discovered works into the library as citable records (their abstracts quotable, located
    "Abstract"), reading the open full text like any document when it is legally open.

    A bad candidate (no abstract and no open text, a "full text" that is a login page) is reported
    and the rest go on; nothing partial is stored.

    Examples:
      researchdesk bring 1 3 5
      researchdesk bring --doi 10.5888/pcd21.230220 --online
    """
    if not numbers and not dois:
        raise InputError(
            "Name what to bring in.", "Give candidate numbers from `researchdesk discover`, or --doi DOI."
        )
    desk = _desk(ctx, online)
    outcomes: list[BringOutcome] = []
    try:
        chosen: list[Candidate] = []
        if numbers:
            _query, saved = load_candidates(desk)
            for n in numbers:
                if not 1 <= n <= len(saved):
                    raise InputError(
                        f"There is no candidate {n}: the last discovery listed {len(saved)}.",
                        "Run `researchdesk discover` again, or pick a number from its list.",
                    )
                chosen.append(saved[n - 1])
        with PoliteClient(desk.settings) as http:
            for doi in dois:
                cand = lookup_doi(http, doi)
                if cand is None:
                    outcomes.append(
                        BringOutcome(
                            doi,
                            "",
                            "failed",
                            reason="neither Crossref nor OpenAlex knows this DOI",
                            hint="Check it at https://doi.org/ — a DataCite DOI (a dataset, a preprint) is not in Crossref.",
                        )
                    )
                else:
                    chosen.append(cand)
            with progress_bar() as bar:
                task = bar.add_task("Bringing in", total=len(chosen))
                for cand in chosen:
                    outcomes.append(bring_in(desk, cand, http, full_text))
                    bar.advance(task)
    finally:
        desk.close()
    if as_json:
        print_json(outcomes)
    else:
        for o in outcomes:
            colour = {"added": "green", "duplicate": "yellow"}.get(o.status, "red")
            where = f" document {o.document_id}" if o.document_id else ""
            console.print(
                f"[{colour}]{o.status}[/]{where}  {escape(o.title[:100] or o.key)}  [dim]full text: {o.full_text}[/]"
            )
            for line in [o.reason, o.hint, *o.warnings]:
                if line:
                    console.print(f"   {escape(line)}")
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


retractions_app = typer.Typer(
    help="Retractions and new versions of the library's documents (Crossref notices, OpenAlex is_retracted).",
    no_args_is_help=True,
)
app.add_typer(retractions_app, name="retractions")


@retractions_app.command("check")
def retractions_check(
    ctx: typer.Context,
    online: bool = typer.Option(False, "--online", help=ONLINE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Look up every document with a DOI and flag those retracted, withdrawn, corrected or superseded."""
    desk = _desk(ctx, online)
    try:
        with progress_bar() as bar:
            task = bar.add_task("Checking DOIs", total=None)
            report = check_library(
                desk, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
    finally:
        desk.close()
    if as_json:
        print_json(report)
        return
    console.print(f"Checked {report.checked} document(s); flagged: {report.flagged or 'none'}.")
    for doc_id, problem in report.errors.items():
        console_err.print(f"[yellow]document {doc_id}:[/] {escape(problem)}")


@retractions_app.command("allow")
def retractions_allow(
    ctx: typer.Context,
    document_id: int = typer.Argument(..., help="The flagged document."),
    reason: str = typer.Option(
        ..., "--reason", help="Why it may still be quoted (shown in the check report)."
    ),
    who: str = typer.Option("staff", "--as", help="Who decides."),
) -> None:
    """Let a brief quote a flagged (retracted or withdrawn) source, recording who decided and why."""
    with desk_of(ctx) as desk:
        allow_retracted(desk, document_id, who, reason)
    console.print(f"Document {document_id} may be quoted; the brief's check report will say why.")
