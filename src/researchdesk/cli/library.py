"""`researchdesk init`, `ingest` and `library ...`: building and looking after the library."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from researchdesk.cli.common import (
    app,
    console,
    console_err,
    desk_of,
    print_json,
    progress_bar,
    settings_of,
    sync_index_with_progress,
)
from researchdesk.desk import init_desk
from researchdesk.ingest.pipeline import IngestReport, ingest_paths
from researchdesk.library import check_library, edit_document, passage_record, remove_document
from researchdesk.models import META_FIELDS

library_app = typer.Typer(
    help="Look after the library: list, show, correct, remove, count and check documents."
)
app.add_typer(library_app, name="library")


@app.command()
def init(
    ctx: typer.Context,
    directory: Path | None = typer.Argument(
        None, help="Desk directory (default RESEARCHDESK_HOME, else ./desk)."
    ),
) -> None:
    """Create a desk: a SQLite database, a folder of original files and the search index."""
    settings = settings_of(ctx)
    if directory is not None:
        settings = settings.model_copy(update={"home": directory})
    desk = init_desk(settings)
    console.print(f"Desk ready at [bold]{escape(str(desk.home))}[/] (schema v{desk.store.schema_version()}).")
    console.print("Next: [bold]researchdesk ingest FOLDER[/] to add documents.")
    desk.close()


@app.command()
def ingest(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files, folders (searched recursively) or glob patterns."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome of every file as JSON."),
    index: bool = typer.Option(
        True, "--index/--no-index", help="Update the search index (words, then embeddings) afterwards."
    ),
    wait: bool = typer.Option(
        True,
        "--wait/--no-wait",
        help="Wait while the new passages are embedded for semantic search (a progress bar), or return "
        "once their words are indexed and leave the embedding to `researchdesk index embed` or the worker.",
    ),
) -> None:
    """Add documents to the library: PDF, DOCX, HTML, text, Markdown, RIS, BibTeX and CSL-JSON.

    Re-ingesting adds nothing: duplicates are recognised by content, DOI and title. A bad file is reported
    with the reason and the rest of the batch goes on. The library is searchable by its words as soon as
    the files are read; hybrid search reaches each passage once it is embedded (saved as it goes:
    Ctrl+C or a crash loses at most the last 2,048 passages, and `researchdesk index embed` goes on).
    """
    settings = settings_of(ctx)
    desk = init_desk(settings)
    try:
        with progress_bar() as bar:
            task = bar.add_task("Reading files", total=None)

            def tick(path: Path, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"Reading {escape(path.name)[:40]}")

            def page(path: Path, done: int, total: int) -> None:
                # A long scan is read page by page (OCR): say how far, since it can take minutes.
                bar.update(task, description=f"Reading {escape(path.name)[:40]}: OCR page {done} of {total}")

            report = ingest_paths(desk, paths, progress=tick, pages=page)
        if index:
            words = sync_index_with_progress(desk, embed=False)  # searchable by words from here on
            if wait:
                sync_index_with_progress(desk)
            else:
                coverage = words.coverage()
                console_err.print(
                    f"{coverage.line()}; embed the rest with [bold]researchdesk index embed[/] "
                    "(or leave it to `researchdesk worker`).",
                    soft_wrap=True,
                )
    finally:
        desk.close()
    if as_json:
        print(report.to_json())
    else:
        _print_report(report)
    if report.failed and not report.added and not report.count("duplicate"):
        raise typer.Exit(1)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"[green]{report.added} added[/], {report.count('duplicate')} duplicates skipped, "
        f"{report.count('updated')} updated, [red]{len(report.failed)} failed[/]."
    )
    for o in report.outcomes:
        if o.status == "duplicate":
            console.print(
                f"  [dim]skipped[/] {escape(o.path)}: already in the library as document {o.document_id} ({o.reason})"
            )
    for o in report.failed:
        console_err.print(f"  [red]failed[/] {escape(o.path)}: {escape(o.reason)}")
        if o.hint:
            console_err.print(f"         what to do: {escape(o.hint)}")
    incomplete = [o for o in report.outcomes if o.status == "added" and o.missing]
    if incomplete:
        console.print(
            f"{len(incomplete)} new documents lack citation fields (fix with `researchdesk library edit`):"
        )
        for o in incomplete[:20]:
            console.print(
                f"  document {o.document_id} {escape(o.title[:60] or o.path)}: missing {', '.join(o.missing)}"
            )


@library_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    limit: int = typer.Option(0, help="Show at most this many documents (0 = all)."),
) -> None:
    """List the documents in the library."""
    with desk_of(ctx) as desk:
        docs = desk.store.documents()
    if limit:
        docs = docs[:limit]
    if as_json:
        print_json(
            [
                {
                    "id": d.id,
                    "title": d.meta.title,
                    "date": d.meta.date,
                    "container": d.meta.container,
                    "source_type": str(d.meta.source_type),
                    "file_name": d.file_name,
                    "format": d.format,
                }
                for d in docs
            ]
        )
        return
    table = Table("id", "title", "date", "type", "file")
    for d in docs:
        table.add_row(
            str(d.id), escape(d.meta.title[:70]), d.meta.date, str(d.meta.source_type), escape(d.file_name)
        )
    console.print(table)


@library_app.command()
def show(
    ctx: typer.Context,
    document_id: int = typer.Argument(..., help="Document id (see `library list`)."),
    passages: int = typer.Option(5, help="How many of the first passages to print."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a document's metadata, what is missing, its passage count and first passages with offsets."""
    with desk_of(ctx) as desk:
        doc = desk.store.get_document(document_id)
        parts = desk.store.passages(document_id)
        edits = desk.store.document_edits(document_id)
    info = {
        "id": doc.id,
        "meta": doc.meta,
        "missing": doc.meta.missing(),
        "file_name": doc.file_name,
        "format": doc.format,
        "size": doc.size,
        "pages": doc.pages,
        "passages": len(parts),
        "added_at": doc.added_at,
        "edits": edits,
        "first_passages": [passage_record(p) for p in parts[:passages]],
    }
    if as_json:
        print_json(info)
        return
    m = doc.meta
    console.print(f"[bold]{escape(m.title or '(no title)')}[/]  (document {doc.id})")
    for name in META_FIELDS:
        value = getattr(m, name)
        if name == "abstract" and value:
            value = value[:200] + ("…" if len(value) > 200 else "")
        console.print(
            f"  {name:12} {escape(str('; '.join(value) if isinstance(value, list) else value)) or '[dim]unknown[/]'}"
        )
    if m.missing():
        console.print(f"  [yellow]missing for citation:[/] {', '.join(m.missing())}")
    console.print(
        f"  file         {escape(doc.file_name)} ({doc.format}, {doc.size:,} bytes, {doc.pages} pages)"
    )
    console.print(f"  passages     {len(parts)}")
    for p in parts[:passages]:
        where = f"p. {p.page} " if p.page else ""
        console.print(f"\n  [dim][{p.start}:{p.end}] {where}{escape(p.section)}[/]\n  {escape(p.text[:400])}")


@library_app.command()
def edit(
    ctx: typer.Context,
    document_id: int = typer.Argument(..., help="Document id."),
    fields: list[str] = typer.Argument(
        ..., help=f"FIELD=VALUE pairs; fields: {', '.join(META_FIELDS)}. Authors: 'A; B'."
    ),
    who: str = typer.Option("staff", help="Who makes the correction (kept in the history)."),
) -> None:
    """Correct metadata, e.g. `researchdesk library edit 12 date=2024-03-07 "publisher=CDC"`."""
    changes = {}
    for pair in fields:
        if "=" not in pair:
            raise typer.BadParameter(f"{pair!r} is not FIELD=VALUE.")
        key, value = pair.split("=", 1)
        changes[key.strip()] = value
    with desk_of(ctx) as desk:
        doc = edit_document(desk, document_id, changes, who)
    console.print(f"Updated document {doc.id}: {', '.join(changes)}.")
    if doc.meta.missing():
        console.print(f"Still missing for citation: {', '.join(doc.meta.missing())}.")


@library_app.command()
def remove(
    ctx: typer.Context,
    document_id: int = typer.Argument(..., help="Document id."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Remove a document, its passages and its original file from the library."""
    with desk_of(ctx) as desk:
        doc = desk.store.get_document(document_id)
        if not yes:
            typer.confirm(f"Remove document {doc.id} ({doc.meta.title[:60]})?", abort=True)
        remove_document(desk, document_id)
        sync_index_with_progress(desk, embed=False)
    console.print(f"Removed document {document_id}.")


@library_app.command()
def stats(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Count documents, passages and sentences by type and format."""
    with desk_of(ctx) as desk:
        figures = desk.store.stats().to_dict()
        figures["desk_bytes"] = sum(p.stat().st_size for p in desk.home.rglob("*") if p.is_file())
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        console.print(f"{key:20} {value}")


@library_app.command()
def check(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check the library: database integrity, passage offsets, original files. Exit 1 on any error."""
    with desk_of(ctx) as desk:
        report = check_library(desk)
    if as_json:
        print_json({"ok": report.ok, **report.__dict__})
    else:
        console.print(
            f"{report.documents} documents, {report.passages} passages, {report.sentences} sentences checked."
        )
        for w in report.warnings:
            console.print(f"[yellow]warning:[/] {escape(w)}")
        for e in report.errors:
            console_err.print(f"[red]error:[/] {escape(e)}")
        console.print("[green]Library is consistent.[/]" if report.ok else "[red]Library has errors.[/]")
    if not report.ok:
        raise typer.Exit(1)


@app.command("backup")
def backup_(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="Archive to write, e.g. desk-2026-11-28.tar.gz."),
) -> None:
    """Back up the whole desk (database, original files, index, codebooks, templates) into one archive."""
    from researchdesk.backup import backup

    with desk_of(ctx) as desk:
        report = backup(desk, archive)
    console.print(
        f"Backed up {report.counts['documents']} documents, {report.counts['requests']} requests and "
        f"{report.files} files ({report.bytes / 1e6:.1f} MB) to {escape(str(report.archive))}."
    )


@app.command("restore")
def restore_(
    archive: Path = typer.Argument(..., help="An archive made by `researchdesk backup`."),
    directory: Path = typer.Argument(..., help="A new or empty folder for the restored desk."),
) -> None:
    """Restore a desk from a backup into an empty folder; every file and row count is verified."""
    from researchdesk.backup import restore

    desk = restore(archive, directory)
    docs = desk.store.count_documents()
    desk.close()
    console.print(f"Restored {docs} documents into {escape(str(directory))}; the library check passes.")
