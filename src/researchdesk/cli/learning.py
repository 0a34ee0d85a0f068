"""`researchdesk evidence undo | resolve | model ... | labels ...`: the desk learning from its reviewers.

Every accept, reject and relabel is kept as a label; the desk model learns from the labels at the
next scan. These commands undo or settle a decision, show and rebuild the model, and move labels
between desks as CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from researchdesk.cli.common import console, desk_of, print_json, progress_bar
from researchdesk.cli.evidence import evidence_app
from researchdesk.errors import InputError
from researchdesk.evidence import desk_model
from researchdesk.evidence.review import ROLES, resolve, undo
from researchdesk.evidence.review_examples import ModelStatus
from researchdesk.models import Decision

model_app = typer.Typer(
    help="The desk model: what this desk learned from its reviewers' decisions (status, retrain, reset)."
)
labels_app = typer.Typer(help="Review labels as CSV: share decisions between desks or start from a set.")
evidence_app.add_typer(model_app, name="model")
evidence_app.add_typer(labels_app, name="labels")


@evidence_app.command("undo")
def undo_(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., help="Evidence id."),
    reviewer: str = typer.Option("staff", help="Whose decision to undo."),
) -> None:
    """Return a reviewed quote to the suggestions; the reviewer's label is withdrawn (history keeps it)."""
    with desk_of(ctx) as desk:
        e = undo(desk, evidence_id, reviewer)
    console.print(f"Evidence {e.id} is a suggestion again.")


@evidence_app.command("resolve")
def resolve_(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., help="Evidence id."),
    keep: bool = typer.Option(
        ..., "--keep/--drop", help="The settled decision: keep it in the brief or drop it."
    ),
    role: str | None = typer.Option(None, help=f"The settled role: {', '.join(ROLES)}."),
    reviewer: str = typer.Option("staff", help="Who settles it."),
) -> None:
    """Settle reviewers' disagreement on a quote: this decision is the one the desk model learns from."""
    with desk_of(ctx) as desk:
        e = resolve(desk, evidence_id, reviewer, Decision.KEPT if keep else Decision.DROPPED, role)
    console.print(
        f"Evidence {e.id}: {'kept' if keep else 'dropped'} as {e.role} (resolved by {escape(reviewer)})."
    )


def _print_status(status: ModelStatus) -> None:
    states = {
        "shipped": "the shipped model (no review decisions yet)",
        "learned": "learned from this desk's review decisions",
        "stale": "labels changed since it was trained (it retrains at the next scan, or run `evidence model retrain`)",
        "reset": "reset to the shipped model (it learns again from the next review decision, or `evidence model retrain`)",
    }
    console.print(f"[bold]Desk model:[/] {states.get(status.state, status.state)}")
    console.print(
        f"Labels: {status.active_labels} in force ({status.labels} kept in history), "
        f"{status.examples} distinct quotes, {status.reviewers} reviewer(s)."
    )
    if status.trained_at:
        console.print(f"Trained {status.trained_at} on {status.trained_on} reviewed quotes.")
    held = status.held_back
    if held:
        console.print(
            f"On {held['tested']} labels held back by {held.get('held_back_by', 'document')} ({held['folds']} folds): "
            f"heading accuracy {held['heading_accuracy']:.0%} (shipped {held['heading_accuracy_shipped']:.0%}), "
            f"keep/drop accuracy {held['keep_accuracy']:.0%} (keeping everything {held['keep_accuracy_keep_all']:.0%}), "
            f"keepers ranked first with AUC {held['keep_auc']:.2f} (0.5 = chance)."
        )
    elif status.trained_at:
        console.print("[dim]Too few labels (or documents) yet to measure it on held-back labels.[/]")
    if status.kappa is not None:
        console.print(
            f"Reviewer agreement (kept/dropped): Cohen's kappa {status.kappa:.2f}; "
            f"{status.disagreements} quote(s) decided differently — the later decision trains unless "
            "settled with `evidence resolve ID --keep|--drop`."
        )


@model_app.command("status")
def status_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """How many labels the desk model learned from, its accuracy on held-back labels, reviewer agreement."""
    with desk_of(ctx) as desk:
        status = desk_model.status(desk)
    if as_json:
        print_json(status.to_dict())
        return
    _print_status(status)


@model_app.command("retrain")
def retrain_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Rebuild the desk model from every label in force and measure it on labels held back by document."""
    with desk_of(ctx) as desk, progress_bar() as bar:
        task = bar.add_task("Reading reviewed quotes", total=None)
        status = desk_model.retrain(
            desk, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    if as_json:
        print_json(status.to_dict())
        return
    _print_status(status)


@model_app.command("reset")
def reset_(ctx: typer.Context) -> None:
    """Return to the shipped model (labels are kept; the next review decision or a retrain learns again)."""
    with desk_of(ctx) as desk:
        status = desk_model.reset(desk)
    _print_status(status)


@labels_app.command("export")
def export_(
    ctx: typer.Context,
    out: Path | None = typer.Argument(None, help="CSV file to write; nothing or '-' writes to stdout."),
    history: bool = typer.Option(False, "--history", help="Include labels since replaced or undone."),
) -> None:
    """Write the review labels as CSV, with each quote's text and its document (title, hash, DOI)."""
    with desk_of(ctx) as desk:
        if out is None or str(out) == "-":
            n = desk_model.export_labels(desk, sys.stdout, include_inactive=history)
            return
        with out.open("w", encoding="utf-8", newline="") as handle:
            n = desk_model.export_labels(desk, handle, include_inactive=history)
    console.print(f"Wrote {n} label(s) to {out}.")


@labels_app.command("import")
def import_(
    ctx: typer.Context, source: Path = typer.Argument(..., help="A CSV file as `labels export` writes.")
) -> None:
    """Add labels from a CSV file; a bad line refuses the whole file (nothing partial is imported)."""
    try:
        handle = source.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(
            f"Cannot read {source}: {exc.strerror}.", "Give a CSV file written by `evidence labels export`."
        ) from exc
    with desk_of(ctx) as desk, handle:
        n = desk_model.import_labels(desk, handle, name=str(source))
    console.print(
        f"Imported {n} label(s); the desk model learns from them at the next scan (or `evidence model retrain`)."
    )
