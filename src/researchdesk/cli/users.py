"""`researchdesk user add|reset-password|token|list`: web app accounts, managed by an admin at the terminal."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from researchdesk.accounts import ROLES, create_user, new_api_token, reset_password
from researchdesk.cli.common import app, console, desk_of, print_json

user_app = typer.Typer(help="Web app users: add, reset a password, make an API token, list.")
app.add_typer(user_app, name="user")


def _password(given: str | None, confirm: bool = True) -> str:
    if given:
        return given
    return str(typer.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=confirm))


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user's email (their sign-in name)."),
    role: str = typer.Option("member", help=f"Role: {', '.join(ROLES)}."),
    org: str | None = typer.Option(None, help="Member organization (required for members)."),
    name: str = typer.Option("", help="Full name."),
    password: str | None = typer.Option(
        None, help="Initial password (asked for when omitted; prefer that: options land in shell history)."
    ),
) -> None:
    """Add a user who can sign in to the web app, or give a sign-in to a person added with `member add --email`."""
    with desk_of(ctx) as desk:
        user = create_user(desk, email, _password(password), role, org, name)
    where = f" of {escape(user.organization)}" if user.organization else ""
    console.print(f"Added {escape(user.email)} as {user.role}{where} (user {user.id}).")


@user_app.command("reset-password")
def user_reset_password(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user's email."),
    password: str | None = typer.Option(None, help="New password (asked for when omitted)."),
) -> None:
    """Set a new password; the user's open sessions end."""
    with desk_of(ctx) as desk:
        user = reset_password(desk, email, _password(password))
    console.print(f"New password set for {escape(user.email)}; their sessions were signed out.")


@user_app.command("token")
def user_token(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option("", help="What the token is for (shown in listings)."),
) -> None:
    """Create an API token (printed once: only its hash is kept). Send it as `Authorization: Bearer TOKEN`."""
    with desk_of(ctx) as desk:
        token = new_api_token(desk, email, name)
    print(token)


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users."""
    with desk_of(ctx) as desk:
        users = desk.store.users()
    if as_json:
        print_json([u.shown(u.ACCOUNT_FIELDS) for u in users])
        return
    table = Table("id", "email", "name", "role", "organization", "active")
    for u in users:
        table.add_row(
            str(u.id),
            escape(u.email),
            escape(u.name),
            u.role.value,
            escape(u.organization or ""),
            "yes" if u.active else "no",
        )
    console.print(table)


# `serve` and `worker` live in cli/web.py; importing it here registers them with the one import of this module.
from researchdesk.cli import web as _web  # noqa: E402, F401  isort: skip
