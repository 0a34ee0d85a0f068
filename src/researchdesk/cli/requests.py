"""`researchdesk member ...`, `request ...` and `scan`: members, their requests and the scan."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from researchdesk.cli.common import app, console, desk_of, print_json
from researchdesk.errors import InputError
from researchdesk.requests.plan import ResearchPlan, with_subjects
from researchdesk.requests.scan import plan_for, run_scan, save_plan
from researchdesk.requests.workflow import (
    ORG_KINDS,
    PERSON_ROLES,
    STATUSES,
    add_member,
    add_person,
    assign,
    file_request,
    set_status,
)

member_app = typer.Typer(help="Member organizations and people.")
request_app = typer.Typer(help="Research requests: file, list, show, plan, change status, assign.")
app.add_typer(member_app, name="member")
app.add_typer(request_app, name="request")


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Organization name (or a person's name with --email)."),
    kind: str = typer.Option("city", help=f"Organization kind: {', '.join(ORG_KINDS)}."),
    lapsed: bool = typer.Option(False, "--lapsed", help="Membership is lapsed (cannot file requests)."),
    email: str | None = typer.Option(
        None,
        help="Add a person with this email instead of an organization: they file requests but cannot sign in "
        "until `researchdesk user add EMAIL` gives them a password.",
    ),
    org: str | None = typer.Option(None, help="The person's organization."),
    role: str = typer.Option("member", help=f"The person's role: {', '.join(PERSON_ROLES)}."),
) -> None:
    """Add a member organization, or a person (with --email) belonging to one."""
    with desk_of(ctx) as desk:
        if email:
            pid = add_person(desk, name, email, org, role)
            console.print(
                f"Added {escape(name)} <{escape(email)}> as {role} (user {pid}, no sign-in; "
                f"`researchdesk user add {escape(email)}` gives one)."
            )
        else:
            oid = add_member(desk, name, kind, active=not lapsed)
            console.print(
                f"Added member organization {escape(name)} ({kind}, {'lapsed' if lapsed else 'active'}; id {oid})."
            )


@member_app.command("list")
def member_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List member organizations and people."""
    with desk_of(ctx) as desk:
        orgs, people = desk.store.organizations(), desk.store.people()
    if as_json:
        print_json(
            {
                "organizations": [o.to_dict() for o in orgs],
                "people": [p.shown(p.PERSON_FIELDS) for p in people],
            }
        )
        return
    table = Table("id", "organization", "kind", "membership")
    for o in orgs:
        table.add_row(str(o.id), escape(o.name), o.kind.value, "active" if o.active else "lapsed")
    console.print(table)
    if people:
        ptable = Table("id", "name", "email", "role")
        for p in people:
            ptable.add_row(str(p.id), escape(p.name), escape(p.email), p.role.value)
        console.print(ptable)


@request_app.command("new")
def request_new(
    ctx: typer.Context,
    org: str = typer.Option(..., help="The member organization filing the request."),
    prompt: str = typer.Option(..., help="The member's question, verbatim."),
    requester: str | None = typer.Option(None, help="Email of the person asking."),
    context: str = typer.Option("", help="Background the member gave."),
    due: str = typer.Option("", help="Due date, YYYY-MM-DD."),
    who: str = typer.Option("staff", help="Who files it (for the event log)."),
) -> None:
    """File a request for an active member organization."""
    with desk_of(ctx) as desk:
        rid = file_request(desk, org, prompt, requester, context, due, who)
    console.print(
        f"Filed request {rid}. Next: [bold]researchdesk request plan {rid}[/] or [bold]researchdesk scan {rid}[/]."
    )


@request_app.command("list")
def request_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, help=f"Only this status: {', '.join(STATUSES)}."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List requests by due date."""
    with desk_of(ctx) as desk:
        rows = desk.store.requests(status)
    if as_json:
        print_json([r.listed() for r in rows])
        return
    table = Table("id", "status", "due", "member", "assignee", "prompt")
    for r in rows:
        table.add_row(
            str(r.id),
            r.status.value,
            r.due,
            escape(r.organization),
            escape(r.assignee),
            escape(r.prompt[:60]),
        )
    console.print(table)


@request_app.command("show")
def request_show(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a request with its event history."""
    with desk_of(ctx) as desk:
        req = desk.store.request(request_id)
        events = desk.store.events(request_id)
    if as_json:
        print_json({**req.to_dict(), "events": [e.to_dict() for e in events]})
        return
    console.print(f"[bold]Request {req.id}[/] — {escape(req.organization)} — [cyan]{req.status}[/]")
    console.print(f"Due {req.due or '—'}; assigned to {escape(req.assignee or '—')}")
    console.print(f"Prompt: “{escape(req.prompt)}”")
    if req.decline_reason:
        console.print(f"Declined: {escape(req.decline_reason)}")
    for e in events:
        console.print(f"  [dim]{e.at}[/] {escape(e.who)}: {escape(e.action)}")


@request_app.command("history")
def request_history_(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    out: Path | None = typer.Option(
        None, "--out", help="Write the JSON export to this file instead of stdout."
    ),
) -> None:
    """Export a request's full history as JSON: events, scans, evidence with its changes, brief versions."""
    from researchdesk.requests.history import request_history

    with desk_of(ctx) as desk:
        history = request_history(desk, request_id)
    if out is None:
        print_json(history)
        return
    out.write_text(json.dumps(history, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    console.print(
        f"Wrote the history of request {request_id} ({len(history['events'])} events) to {escape(str(out))}."
    )


@request_app.command("plan")
def request_plan(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    edit: Path | None = typer.Option(
        None, "--set", help="Replace the plan with this JSON file (edit the --json output)."
    ),
    subject: list[str] = typer.Option(
        [],
        "--subject",
        help="What the member asks about, apart from the facets (repeat for two subjects), e.g. "
        '--subject "heat-health action plans". Rewrites the queries.',
    ),
    look_beyond: bool | None = typer.Option(
        None,
        "--look-beyond/--library-only",
        help="Also ask OpenAlex and Europe PMC about each subject when scanning (online, or from the cache).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the research plan (subjects, topic, domain, facets, queries); --subject or --set FILE edits it.

    The subjects decide which sources enter the brief: a document enters when it is, as a whole, about
    one of them, not when it shares the prompt's generic words ("barriers", "policy").
    """
    with desk_of(ctx) as desk:
        if edit is not None:
            try:
                data = json.loads(edit.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise InputError(
                    f"Cannot read the plan in {edit}: {exc}.",
                    "Give a JSON file like `request plan N --json` prints.",
                ) from exc
            save_plan(desk, request_id, ResearchPlan.from_dict(data), "staff")
        if subject:
            save_plan(desk, request_id, with_subjects(plan_for(desk, request_id), subject), "staff")
        if look_beyond is not None:
            plan = plan_for(desk, request_id)
            plan.look_beyond = look_beyond
            save_plan(desk, request_id, plan, "staff")
        plan = plan_for(desk, request_id)
    if as_json:
        print_json(plan.to_dict())
        return
    subjects = escape("; ".join(plan.subjects)) if plan.subjects else "[red]none: name one with --subject[/]"
    console.print(f"[bold]Subjects:[/] {subjects}")
    console.print(f"[bold]Topic:[/] {escape(plan.topic)}\n[bold]Domain:[/] {plan.domain}")
    console.print(
        "[bold]Beyond the library:[/] "
        + ("yes (OpenAlex, Europe PMC)" if plan.look_beyond else "no (turn on with --look-beyond)")
    )
    for f in plan.facets:
        console.print(f"[bold]{f.facet}[/] {escape(json.dumps(f.filters))}")
        for q in f.queries:
            console.print(f"   • {escape(q)}")


@request_app.command("status")
def request_status(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    status: str = typer.Argument(..., help=f"New status: {', '.join(STATUSES)}."),
    reason: str = typer.Option("", help="Why (required to decline)."),
    who: str = typer.Option("staff", help="Who changes it."),
) -> None:
    """Move a request along the workflow; a move the workflow does not allow is refused."""
    with desk_of(ctx) as desk:
        set_status(desk, request_id, status, who, reason)
    console.print(f"Request {request_id} is now {status}.")


@request_app.command("assign")
def request_assign(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    assignee: str = typer.Argument(..., help="Staff member."),
    who: str = typer.Option("staff", help="Who assigns it."),
) -> None:
    """Assign a request to a staff member."""
    with desk_of(ctx) as desk:
        assign(desk, request_id, assignee, who)
    console.print(f"Request {request_id} assigned to {escape(assignee)}.")


@app.command()
def scan(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    top: int = typer.Option(25, help="Passages retrieved per query."),
    who: str = typer.Option("staff", help="Who runs the scan."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run the request's research plan over the library and suggest evidence for review.

    The library is first read for the plan's subjects: only documents that are, as a whole, about a
    subject are searched, and the output says how many each subject has (or that the library holds
    nothing on it). A plan with no subject is refused: name one with `request plan N --subject …`.
    """
    with desk_of(ctx) as desk:
        with console.status("Scanning the library…"):
            result = run_scan(desk, request_id, who=who, top_k=top)
        log = desk.store.scan_log(request_id, result.run)
    if as_json:
        print_json({"result": result, "log": [entry.to_dict() for entry in log]})
        return
    console.print(
        f"Scan run {result.run}: {result.queries} queries, {result.passages} passages, "
        f"{len(result.documents)} sources on the subject, {len(result.evidence_ids)} quotes suggested."
    )
    for reading in result.subjects:
        held = (
            f"{len(reading['documents'])} sources"
            if reading["documents"]
            else "[yellow]nothing in the library[/]"
        )
        console.print(f"  subject {escape(reading['subject'])!s}: {held} (best match {reading['best']:.2f})")
    for entry in log:
        # Prior products are read by subject (a count of documents); the facets are searched (passages).
        unit = "documents" if entry.mode == "subject" else "passages"
        console.print(f"  {entry.facet:15} {entry.passages:3} {unit:9} {escape(entry.query)}")
    if result.prior_products:
        console.print(f"Prior products found: {result.prior_products}")
    for cand in result.beyond:
        flags = f" [bold red]{escape(', '.join(cand['flags']))}[/]" if cand["flags"] else ""
        held = f" [dim](in the library: document {cand['in_library']})[/]" if cand["in_library"] else ""
        console.print(
            f"  beyond {cand['number']:2}. {escape(cand['title'][:100])} ({escape(str(cand['year'] or ''))}){flags}{held}"
        )
    if result.beyond:
        console.print("Bring candidates in with [bold]researchdesk bring N …[/].")
    if result.not_found:
        console.print(f"[yellow]Nothing quotable found for:[/] {', '.join(result.not_found)}")
    console.print(f"Next: review with [bold]researchdesk evidence list --request {request_id}[/].")
