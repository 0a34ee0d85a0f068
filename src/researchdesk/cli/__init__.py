"""The ``researchdesk`` command: a thin layer over the desk's functions."""

from __future__ import annotations

import sys

import click
import typer

from researchdesk.cli.common import app, console_err
from researchdesk.errors import InputError, NotFound, ResearchDeskError

# Command modules register themselves on ``app`` when imported.
from researchdesk.cli import brief as _brief  # noqa: F401  isort: skip
from researchdesk.cli import db as _db  # noqa: F401  isort: skip
from researchdesk.cli import demo as _demo  # noqa: F401  isort: skip
from researchdesk.cli import evidence as _evidence  # noqa: F401  isort: skip
from researchdesk.cli import learning as _learning  # noqa: F401  isort: skip
from researchdesk.cli import library as _library  # noqa: F401  isort: skip
from researchdesk.cli import requests as _requests  # noqa: F401  isort: skip
from researchdesk.cli import search as _search  # noqa: F401  isort: skip
from researchdesk.cli import users as _users  # noqa: F401  isort: skip


def main() -> None:
    """Run the command line; errors print what went wrong and what to do, never a stack trace."""
    try:
        result = app(standalone_mode=False)
    except ResearchDeskError as exc:
        console_err.print(f"[bold red]Error:[/] {exc.message}", highlight=False, markup=True)
        if exc.hint:
            console_err.print(f"[yellow]What to do:[/] {exc.hint}", highlight=False)
        sys.exit(2 if isinstance(exc, InputError | NotFound) else 1)
    except click.exceptions.Abort:
        console_err.print("Interrupted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    if isinstance(result, int) and result:
        sys.exit(result)


__all__ = ["app", "main"]
