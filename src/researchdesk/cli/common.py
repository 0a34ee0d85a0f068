"""Shared pieces of the command line: the app, the desk option, JSON and progress output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from researchdesk.desk import Desk, open_desk
from researchdesk.errors import ConfigError
from researchdesk.settings import Settings

if TYPE_CHECKING:  # the search stack loads numpy and scipy: only commands that search pay for it
    from researchdesk.search.desk import DeskIndex

app = typer.Typer(
    name="researchdesk",
    help=(
        "ResearchDesk: keep the library, take in member requests, scan for verbatim evidence and deliver "
        "checked research briefs.\n\n"
        'Start with `researchdesk init`, then `researchdesk ingest FOLDER`, then `researchdesk search "..."`. '
        "The desk lives in RESEARCHDESK_HOME (default ./desk) or --home."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
console_err = Console(stderr=True)


def load_settings(home: Path | None = None) -> Settings:
    """Return the settings from the environment (and ``home`` when given); a value that is not valid raises a
    ConfigError naming the variable, what it must be and what was given, never a validation traceback."""
    try:
        return Settings() if home is None else Settings(home=home)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "RESEARCHDESK_" + "__".join(str(part) for part in error["loc"]).upper()
            problems.append(f"{name}={error.get('input')!r}: {error['msg'].lower()}")
        raise ConfigError(
            "A setting is not valid: " + "; ".join(problems) + ".",
            "Correct or unset the variable (the README's Configuration lists every setting and its default).",
        ) from exc


@app.callback()
def _root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", help="Desk directory (overrides RESEARCHDESK_HOME; default ./desk).", envvar=None
    ),
) -> None:
    ctx.obj = load_settings(home)


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else load_settings()


@contextmanager
def desk_of(ctx: typer.Context) -> Iterator[Desk]:
    """Open the desk named by the root options, and close it afterwards."""
    desk = open_desk(settings_of(ctx))
    try:
        yield desk
    finally:
        desk.close()


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout (plain print: no colour codes for scripts)."""
    print(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))


def progress_bar(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console_err,
        transient=transient,
    )


def sync_index_with_progress(desk: Desk, embed: bool = True, checkpoint: int | None = None) -> DeskIndex:
    """Return the desk's search index brought up to date, with a progress bar while passages embed.

    Without ``embed`` only the words are indexed (quick); passages still without a vector wait for
    `researchdesk index embed` or the worker.
    """
    from researchdesk.search.desk import CHECKPOINT_PASSAGES, sync_index

    with progress_bar() as bar:
        task = bar.add_task("Embedding passages" if embed else "Indexing words", total=None)
        return sync_index(
            desk.store,
            desk.settings,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            embed=embed,
            checkpoint=checkpoint or CHECKPOINT_PASSAGES,
        )
