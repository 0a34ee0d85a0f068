"""Every command answers a typo with its usage line, what is wrong and where help is, exit 2: never a trace.

The commands are read from the command line's own tree, so a new command is covered without being
listed here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from researchdesk.cli import app, main


def _leaves() -> list[tuple[list[str], Any]]:
    """Return (words, command) for every command that runs something (groups are walked, not listed)."""
    root: Any = typer.main.get_command(app)
    found: list[tuple[list[str], Any]] = []

    def walk(words: list[str], command: Any) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                walk([*words, name], sub)
        else:
            found.append((words, command))

    walk([], root)
    return found


LEAVES = _leaves()
REQUIRED = [(w, c) for w, c in LEAVES if any(p.required for p in c.params)]


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["researchdesk", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    return int(done.value.code or 0), capsys.readouterr().err


def test_the_tree_has_the_commands_people_type() -> None:
    names = {" ".join(w) for w, _ in LEAVES}
    assert {"restore", "request new", "ingest", "evidence accept", "brief render"} <= names
    assert len(REQUIRED) >= 10


@pytest.mark.parametrize("words", [w for w, _ in LEAVES], ids=lambda w: " ".join(w))
def test_an_unknown_option_shows_usage_and_a_hint(
    words: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run([*words, "--bogus"], monkeypatch, capsys)
    assert code == 2, err
    assert f"Usage: researchdesk {' '.join(words)}" in err
    assert "No such option: --bogus" in err
    assert f"researchdesk {' '.join(words)} --help" in " ".join(err.split())
    assert "Traceback" not in err


@pytest.mark.parametrize("words", [w for w, _ in REQUIRED], ids=lambda w: " ".join(w))
def test_a_missing_argument_shows_usage_and_a_hint(
    words: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(words, monkeypatch, capsys)
    assert code == 2, err
    assert f"Usage: researchdesk {' '.join(words)}" in err
    assert "Missing" in err and "What to do:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["restore"],
        ["request", "new"],
        ["ingest", "--bogus"],
        ["ingets"],
        ["brief", "render", "1", "--format"],
    ],
)
def test_the_installed_command_prints_no_trace(argv: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "researchdesk", *argv],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"},
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("Usage: researchdesk"), out.stderr
    assert "Traceback" not in out.stderr and "What to do:" in out.stderr


def test_an_invalid_setting_names_its_variable_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("RESEARCHDESK_SEARCH__LEXICAL_WEIGHT", "-1")
    code, err = _run(["--home", str(tmp_path / "desk"), "search", "heat plans"], monkeypatch, capsys)
    flat = " ".join(err.split())
    assert code == 1, err
    assert "RESEARCHDESK_SEARCH__LEXICAL_WEIGHT='-1'" in flat and "greater than or equal to 0" in flat
    assert "What to do:" in flat and "Traceback" not in err and "ValidationError" not in err
