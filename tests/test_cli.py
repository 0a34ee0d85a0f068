"""The command line as a user meets it: help that teaches, JSON for scripts, clear errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE_LIBRARY
from researchdesk.settings import SearchSettings, Settings

COMMANDS = [
    "init",
    "ingest",
    "library",
    "search",
    "member",
    "request",
    "scan",
    "evidence",
    "brief",
    "demo",
    "user",
    "serve",
    "worker",
    "db",
    "discover",
    "bring",
    "retractions",
    "index",
]


def run(
    *args: str, home: Path | None = None, stdin: str | None = None, embedder: str = "none"
) -> subprocess.CompletedProcess[str]:
    env_args = ["--home", str(home)] if home else []
    return subprocess.run(
        [sys.executable, "-m", "researchdesk", *env_args, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "RESEARCHDESK_EMBEDDER": embedder},
        timeout=300,
    )


def test_help_lists_every_command() -> None:
    out = run("--help")
    assert out.returncode == 0
    for command in COMMANDS:
        assert command in out.stdout


def test_readme_documents_every_command_and_setting() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for command in COMMANDS:
        assert f"researchdesk {command}" in readme or f"`{command}`" in readme, command
    from researchdesk.web.config import WebSettings

    for model, prefix in ((Settings, "RESEARCHDESK_"), (WebSettings, "RESEARCHDESK_WEB_")):
        for name, field in model.model_fields.items():
            assert f"{prefix}{name.upper()}" in readme, name
            assert field.description, name
    for name, field in SearchSettings.model_fields.items():  # the search section, one variable a field
        assert f"RESEARCHDESK_SEARCH__{name.upper()}" in readme, name
        assert field.description, name


def test_ingest_json_show_check_and_search(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    files = [str(SAMPLE_LIBRARY / n) for n in ("23_0283.htm", "24_0171.htm", "23_0220.htm")]
    out = run("ingest", *files, "--json", home=home)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["summary"]["added"] == 3
    again = json.loads(run("ingest", *files, "--json", home=home).stdout)
    assert again["summary"] == {"added": 0, "duplicate": 3, "updated": 0, "failed": 0}
    show = json.loads(run("library", "show", "1", "--json", home=home).stdout)
    assert show["passages"] > 10 and show["first_passages"][0]["text"]
    assert run("library", "check", home=home).returncode == 0
    hits = json.loads(run("search", "flavored tobacco policies", "--json", home=home).stdout)
    assert hits["hits"][0]["file_name"] == "23_0283.htm"
    plain = json.loads(
        run("search", "flavored tobacco policies", "--no-feedback", "--json", home=home).stdout
    )
    assert plain["hits"] == hits["hits"]  # lexical only here (no embedder): feedback has nothing to move
    queries = tmp_path / "q.txt"
    queries.write_text("flavored tobacco\n\nstate legislators research\n")
    lines = run("search", "--queries", str(queries), "--json", home=home).stdout.strip().splitlines()
    assert [json.loads(line)["query"] for line in lines] == ["flavored tobacco", "state legislators research"]


def test_ingest_without_waiting_then_index_embed(tmp_path: Path) -> None:
    home = tmp_path / "desk"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run(*args, home=home, embedder="minilm-onnx")

    out = cli("ingest", str(SAMPLE_LIBRARY / "23_0166.htm"), "--no-wait")
    assert out.returncode == 0 and "semantic index: 0 of" in out.stderr and "index embed" in out.stderr
    status = json.loads(cli("index", "status", "--json").stdout)
    assert status["embedded"] == 0 and status["passages"] > 10 and not status["complete"]
    found = cli("search", "smoke-free policy", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["mode"] == "lexical"
    assert json.loads(found.stdout)["semantic_index"] == status
    assert "no passage is embedded yet" in cli("search", "smoke-free policy").stderr
    semantic = cli("search", "smoke-free policy", "--mode", "semantic")
    assert semantic.returncode != 0 and "researchdesk index embed" in semantic.stderr
    done = json.loads(cli("index", "embed", "--json").stdout)
    assert done["complete"] and done["embedded_now"] == done["embedded"] == status["passages"]
    assert json.loads(cli("search", "smoke-free policy", "--json").stdout)["mode"] == "hybrid"
    assert "passages (100 %)" in cli("index", "status").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", ""], "empty"),
        (["search", "the of and"], "stop words"),
        (["search", "tobacco", "--mode", "magic"], "Choose one of"),
        (["search", "tobacco", "--filter", "colour=red"], "Choose one of"),
        (["library", "show", "999"], "not in the library"),
        (["request", "show", "42"], "does not exist"),
        (["brief", "render", "1", "--format", "odt"], "does not exist"),
        (["evidence", "classify", "no-such-file.txt"], "Cannot read no-such-file.txt"),
    ],
)
def test_errors_are_clear_and_exit_non_zero(tmp_path: Path, args: list[str], message: str) -> None:
    home = tmp_path / "desk"
    run("ingest", str(SAMPLE_LIBRARY / "23_0283.htm"), home=home)
    out = run(*args, home=home)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert message in out.stderr, out.stderr


def test_a_person_added_twice_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    assert run("init", home=home).returncode == 0
    assert run("member", "add", "Springfield City", home=home).returncode == 0
    person = ("member", "add", "Ann Analyst", "--email", "ann@springfield.gov", "--org", "Springfield City")
    assert run(*person, home=home).returncode == 0
    again = run(*person[:2], "Ann Again", *person[3:], home=home)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    said = " ".join(again.stderr.split())
    assert "A person with the email 'ann@springfield.gov' already exists" in said
    assert "researchdesk member list" in said


def test_search_on_an_empty_desk_and_a_missing_desk(tmp_path: Path) -> None:
    out = run("search", "tobacco", home=tmp_path / "nowhere")
    assert out.returncode != 0 and "researchdesk init" in out.stderr
    run("init", home=tmp_path / "empty")
    out = run("search", "tobacco", home=tmp_path / "empty")
    assert out.returncode != 0 and "empty" in out.stderr and "Traceback" not in out.stderr


def test_classify_reads_lines_and_never_stops_on_a_bad_one() -> None:
    lines = "\n".join(
        [
            "Lack of funding was the main barrier to implementation.",
            "",
            "Strong leadership from the county board facilitated adoption.",
            "x" * 50_000,
            "La falta de fondos fue el principal obstáculo.",
        ]
    )
    out = run("evidence", "classify", "-", stdin=lines + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 5
    assert rows[0]["role"] == "barrier" and rows[2]["role"] == "facilitator"
    assert rows[1]["error"] == "empty line"
    assert all({"text", "role", "confidence", "codes"} <= set(r) for r in rows)


def test_classify_keeps_the_order_of_a_file_read_in_batches(tmp_path: Path) -> None:
    texts = [f"Lack of funding delayed site {i}." if i % 3 else "High staff turnover" for i in range(300)]
    texts[150] = ""
    source = tmp_path / "lines.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    out = run("evidence", "classify", str(source))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == texts  # 300 lines: more than one batch
    assert rows[150]["error"] == "empty line"
    assert all(r["role"] == "barrier" for i, r in enumerate(rows) if i != 150)
