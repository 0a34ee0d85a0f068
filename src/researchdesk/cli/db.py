"""`researchdesk db status|migrate|copy`: the schema of the store of record, and moving a desk between stores."""

from __future__ import annotations

import sqlite3

import typer
from rich.markup import escape
from rich.table import Table

from researchdesk.cli.common import app, console, console_err, print_json, settings_of
from researchdesk.errors import DeskNotFound
from researchdesk.settings import Settings
from researchdesk.store import schema

db_app = typer.Typer(
    help="The desk's database: schema status, migrations, and copying a desk between SQLite and PostgreSQL."
)
app.add_typer(db_app, name="db")


def _schema_of(settings: Settings) -> tuple[str, str, int]:
    """Return (kind, where, schema version) of the desk's database, without migrating or refusing it."""
    url = settings.database_url.strip()
    if url:
        from researchdesk.store.postgres import PostgresStore, redact

        store = PostgresStore(url, check=False)
        try:
            return "postgresql", redact(url), store.schema_version()
        finally:
            store.close()
    if not settings.db_path.exists():
        raise DeskNotFound(settings.home)
    # Opening a SQLite store migrates it, so read the version from the file directly.
    conn = sqlite3.connect(settings.db_path)
    try:
        return "sqlite", str(settings.db_path), int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


@db_app.command("status")
def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show which database the desk uses and whether its schema is current."""
    kind, where, version = _schema_of(settings_of(ctx))
    pending = list(range(version + 1, schema.LATEST + 1))
    if as_json:
        print_json(
            {
                "database": where,
                "kind": kind,
                "schema_version": version,
                "latest": schema.LATEST,
                "pending": pending,
            }
        )
        return
    console.print(f"Database: [bold]{escape(where)}[/] ({kind})")
    console.print(f"Schema version {version} of {schema.LATEST}.")
    if pending:
        console.print(f"Pending migrations: {', '.join(map(str, pending))}. Run `researchdesk db migrate`.")
    else:
        console.print("The schema is current.")


@db_app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Bring the schema up to date (SQLite: after a backup copy; PostgreSQL: back it up with pg_dump first)."""
    settings = settings_of(ctx)
    url = settings.database_url.strip()
    if url:
        from researchdesk.store.postgres import PostgresStore, redact

        store = PostgresStore(url, check=False)
        try:
            applied = store.migrate()
        finally:
            store.close()
        where = redact(url)
    else:
        from researchdesk.store.sqlite import SqliteStore

        if not settings.db_path.exists():
            raise DeskNotFound(settings.home)
        sqlite_store = SqliteStore(settings.db_path, settings.backups_dir)
        applied = sqlite_store.applied_on_open
        sqlite_store.close()
        where = str(settings.db_path)
    if applied:
        console.print(f"Applied migrations {', '.join(map(str, applied))} to {escape(where)}.")
    else:
        console.print("Nothing to migrate.")
    console.print(f"{escape(where)} is at schema version {schema.LATEST}.")


@db_app.command("copy")
def copy(
    ctx: typer.Context,
    source: str = typer.Option(..., "--from", help="Desk folder, SQLite file or postgresql:// URL to copy."),
    target: str = typer.Option(
        ..., "--to", help="New desk folder, SQLite file or empty postgresql:// database."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the verification report as JSON."),
) -> None:
    """Copy a whole desk between SQLite and PostgreSQL, ids preserved, verified by counts and checksums."""
    from researchdesk.desk_copy import copy_desk

    settings = settings_of(ctx)
    report = copy_desk(source, target, files_of_postgres=settings.files_dir, embedder_name=settings.embedder)
    if as_json:
        print_json({**report.__dict__, "tables": [t.__dict__ for t in report.tables], "ok": report.ok})
    else:
        table = Table(title=f"{escape(report.source)} → {escape(report.target)}")
        for column in ("table", "source rows", "target rows", "sha256 (source = target)"):
            table.add_column(column, no_wrap=True)
        for t in report.tables:
            digest = (
                f"[green]{t.source_sha256[:16]}[/]"
                if t.ok
                else f"[red]{t.source_sha256[:16]} ≠ {t.target_sha256[:16]}[/]"
            )
            table.add_row(t.table, str(t.source_rows), str(t.target_rows), digest)
        console.print(table)
        console.print(f"Embeddings carried: {report.embeddings}. Original files copied: {report.files}.")
        for note in report.notes:
            console.print(f"Note: {escape(note)}")
    if not report.ok:
        console_err.print(
            "[bold red]The copy does not match its source.[/] Do not use the target; copy again."
        )
        raise typer.Exit(1)
    if not as_json:
        console.print("[green]Every table arrived intact.[/]")
