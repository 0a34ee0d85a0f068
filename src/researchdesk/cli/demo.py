"""`researchdesk demo`: the main job on the sample library, with a one-screen summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from researchdesk.cli.brief import print_report
from researchdesk.cli.common import app, console, progress_bar, settings_of
from researchdesk.demo import run_demo
from researchdesk.desk import init_desk


@app.command()
def demo(
    ctx: typer.Context,
    library: Path = typer.Option(
        Path("../shared/data/library/pcd2024"), help="Folder of documents to build the desk from."
    ),
    out: Path = typer.Option(Path("out"), help="Folder for the rendered briefs."),
) -> None:
    """Build a desk from LIBRARY, answer a sample request end to end, deliver it, then file a related one."""
    desk = init_desk(settings_of(ctx))
    try:
        with progress_bar() as bar:
            task = bar.add_task("Embedding passages", total=None)
            result = run_demo(
                desk,
                library,
                out,
                say=lambda m: console.print(escape(m)),
                index_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        desk.close()
    ing = result.ingest
    console.rule("ResearchDesk demo")
    console.print(f"Desk: [bold]{escape(str(desk.home))}[/]   Library: {escape(str(library))}")
    console.print(
        f"Ingested: {ing.added} added, {ing.count('duplicate')} already there, {len(ing.failed)} failed "
        f"({result.seconds['ingest']:.1f} s; index {result.seconds['index']:.1f} s)"
    )
    for run in result.runs:
        b = run.brief
        console.rule(f"Request {run.request_id}")
        console.print(f"[bold]{escape(b.title)}[/]")
        console.print(
            f"Scan: {run.scan.queries} queries, {run.scan.passages} passages, {len(run.scan.documents)} sources; "
            f"{len(run.scan.evidence_ids)} quotes suggested and auto-accepted"
        )
        console.print(
            f"Brief v{b.version}: {len(b.sources)} sources quoted, {sum(len(s.quotes) for s in b.sources)} quotes, "
            f"{len(b.further_reading)} further reading, {len(b.next_steps)} next steps"
        )
        if b.related_products:
            console.print(
                "You may also be interested in: " + "; ".join(escape(p.title) for p in b.related_products)
            )
        print_report(run.check)
        for f in run.files:
            console.print(f"  wrote {escape(str(f))}")
        if run.document_id:
            console.print(f"Delivered; archived as library document {run.document_id} (our product).")
    console.print(
        "Time per request: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items() if k.startswith("request"))
    )
