"""The ``researchdesk`` command: a thin layer over the desk's functions."""

from __future__ import annotations

import sys
from typing import Any

import click
import typer

from researchdesk.cli.common import app, console_err
from researchdesk.errors import InputError, NotFound, ResearchDeskError

# Command modules register themselves on ``app`` when imported.
from researchdesk.cli import brief as _brief  # noqa: F401  isort: skip
from researchdesk.cli import db as _db  # noqa: F401  isort: skip
from researchdesk.cli import demo as _demo  # noqa: F401  isort: skip
from researchdesk.cli import discover as _discover  # noqa: F401  isort: skip
from researchdesk.cli import evidence as _evidence  # noqa: F401  isort: skip
from researchdesk.cli import index as _index  # noqa: F401  isort: skip
from researchdesk.cli import learning as _learning  # noqa: F401  isort: skip
from researchdesk.cli import library as _library  # noqa: F401  isort: skip
from researchdesk.cli import mail as _mail  # noqa: F401  isort: skip
from researchdesk.cli import requests as _requests  # noqa: F401  isort: skip
from researchdesk.cli import search as _search  # noqa: F401  isort: skip
from researchdesk.cli import users as _users  # noqa: F401  isort: skip


def _parser_errors() -> tuple[type[Exception], ...]:
    """Return the classes a usage error can have: Click's, and Typer's own copy of Click (0.20 and later)."""
    found: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click import exceptions as vendored  # Typer's vendored Click, when it has one
    except ImportError:  # pragma: no cover - older Typer uses Click itself
        return tuple(found)
    found.append(vendored.ClickException)
    return tuple(found)


USAGE_ERRORS = _parser_errors()
ABORTS: tuple[type[BaseException], ...] = (click.exceptions.Abort, typer.Abort, KeyboardInterrupt)
EXITS: tuple[type[BaseException], ...] = (click.exceptions.Exit, typer.Exit)


def command_context(argv: list[str]) -> Any:
    """Return a parse-free context of the deepest command named in ``argv`` (for its usage line)."""
    command: Any = typer.main.get_command(app)
    ctx = command.make_context("researchdesk", [], resilient_parsing=True)
    for word in argv:
        sub = command.get_command(ctx, word) if hasattr(command, "get_command") else None
        if sub is None:
            continue
        command = sub
        ctx = command.make_context(word, [], parent=ctx, resilient_parsing=True)
    return ctx


def show_usage_error(exc: Any, argv: list[str] | None = None) -> int:
    """Print a usage error as the command's usage line, what is wrong and how to get help; return its exit code."""
    ctx = getattr(exc, "ctx", None)
    if ctx is None and int(getattr(exc, "exit_code", 1)) == 2:  # raised before a context was attached
        ctx = command_context(sys.argv[1:] if argv is None else argv)
    if ctx is None:  # not about how a command was typed (e.g. a file Click could not open)
        exc.show()
        return int(getattr(exc, "exit_code", 1))
    console_err.print(ctx.get_usage(), highlight=False, markup=False)
    console_err.print(f"[bold red]Error:[/] {exc.format_message()}", highlight=False)
    console_err.print(
        f"[yellow]What to do:[/] run `{ctx.command_path} --help` to see its arguments and options.",
        highlight=False,
    )
    return 2


def main() -> None:
    """Run the command line; errors print what went wrong and what to do, never a stack trace."""
    try:
        result = app(standalone_mode=False, prog_name="researchdesk")
    except ResearchDeskError as exc:
        console_err.print(f"[bold red]Error:[/] {exc.message}", highlight=False, markup=True)
        if exc.hint:
            console_err.print(f"[yellow]What to do:[/] {exc.hint}", highlight=False)
        sys.exit(2 if isinstance(exc, InputError | NotFound) else 1)
    except ABORTS:
        console_err.print("Interrupted.")
        sys.exit(130)
    except USAGE_ERRORS as exc:
        sys.exit(show_usage_error(exc))
    except EXITS as exc:
        sys.exit(int(getattr(exc, "exit_code", 0) or 0))
    if isinstance(result, int) and result:
        sys.exit(result)


__all__ = ["app", "main"]
