"""`researchdesk mail ...`: the notification e-mail the desk keeps in its outbox."""

from __future__ import annotations

import typer

from researchdesk.cli.common import app, console, desk_of, print_json, settings_of
from researchdesk.notify import notify_overdue, send_outbox, waiting

mail_app = typer.Typer(help="Notification e-mail: send what waits in the outbox, notice overdue requests.")
app.add_typer(mail_app, name="mail")


@mail_app.command("send")
def mail_send(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Send the e-mail waiting in <home>/outbox by SMTP (RESEARCHDESK_SMTP_HOST); failures stay for a retry."""
    report = send_outbox(settings_of(ctx))
    if as_json:
        print_json(report)
        return
    if not settings_of(ctx).smtp_host:
        console.print(
            f"{len(report.waiting)} e-mail(s) wait in the outbox: set RESEARCHDESK_SMTP_HOST to send them."
        )
        return
    console.print(
        f"Sent {len(report.sent)}; {len(report.waiting)} wait for a retry; {len(report.failed)} gave up."
    )
    for line in report.errors:
        console.print(f"[yellow]{line}[/]", highlight=False)
    if report.errors:
        raise typer.Exit(1)


@mail_app.command("overdue")
def mail_overdue(ctx: typer.Context) -> None:
    """Write an overdue notice for each open request past its due date (once a day), then send the outbox."""
    with desk_of(ctx) as desk:
        noticed = notify_overdue(desk)
    report = send_outbox(settings_of(ctx))
    console.print(
        f"{len(noticed)} overdue request(s) noticed; {len(report.sent)} e-mail(s) sent, "
        f"{len(waiting(settings_of(ctx)))} waiting."
    )
