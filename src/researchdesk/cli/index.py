"""`researchdesk index status | embed`: how much of the library semantic search reaches, and finishing it."""

from __future__ import annotations

import typer

from researchdesk.cli.common import app, console, desk_of, print_json, sync_index_with_progress

index_app = typer.Typer(
    help=(
        "The search index: words are indexed as documents come in; embeddings (semantic search) follow, "
        "from `researchdesk ingest`, `researchdesk index embed` or the worker."
    )
)
app.add_typer(index_app, name="index")


@index_app.command()
def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show how many passages have their vector: semantic search reaches those, words find the rest."""
    with desk_of(ctx) as desk:
        index = sync_index_with_progress(desk, embed=False)
        coverage = index.coverage()
        index.close()
    if as_json:
        print_json(coverage.to_dict())
        return
    console.print(coverage.line())
    if not coverage.complete and coverage.model:
        console.print("Embed the rest with [bold]researchdesk index embed[/] (or leave it to the worker).")


@index_app.command()
def embed(
    ctx: typer.Context,
    checkpoint: int = typer.Option(
        2048,
        min=1,
        help="Save the work every this many passages (a crash or a kill loses at most that much).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the coverage afterwards as JSON."),
) -> None:
    """Embed every passage still without a vector, with a progress bar; resumes where a stopped run left off.

    Safe to stop at any moment (Ctrl+C, a crash, a kill): what was saved stays, and the next run goes on.
    While it runs the desk is searchable, hybrid for the passages embedded so far.
    """
    with desk_of(ctx) as desk:
        index = sync_index_with_progress(desk, embed=True, checkpoint=checkpoint)
        coverage = index.coverage()
        now = index.embedded_now
        index.close()
    if as_json:
        print_json({**coverage.to_dict(), "embedded_now": now})
        return
    console.print(f"Embedded {now:,} passages in this run; {coverage.line()}.", soft_wrap=True)
