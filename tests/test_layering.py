"""Imports point one way: no module imports itself back through others, and no part imports a layer above;
and no module grows past MAX_LINES.

Every ``import`` of the package's own modules is read from the source with ``ast`` (imports inside
functions and under ``TYPE_CHECKING`` count too: a late import is still a dependency). ``LAYERS`` is
the order README's "How it is built" shows, from the bottom up: a module may import its own part and
the parts of lower layers, never a part of its own layer or of a higher one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "researchdesk"

# The package's parts from the bottom up; the parts on one line do not import each other.
# "__init__" is the package's public face, which gathers the rest.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "settings", "models", "work"),
    ("store",),
    ("desk",),
    ("ingest", "accounts"),
    ("search",),
    ("discover",),
    ("evidence",),
    ("requests",),
    ("brief",),
    ("library", "notify"),
    ("backup", "demo", "desk_copy"),
    ("web",),
    ("cli",),
    ("__main__", "__init__"),
)
# The one command module that starts the web app (`serve`, `worker`); the rest of the CLI reaches the
# desk through the core, as the web does.
CLI_INTO_WEB = {"researchdesk.cli.web"}

# Modules of a few hundred lines, named after what they do. The ones still longer are listed here, each
# with why; the list only shrinks (a listed module that is split must leave it, a new long one fails).
MAX_LINES = 450
LONG_MODULES: dict[str, str] = {
    "brief/answer.py": "its summary rules are being changed; split by question kind once they settle",
    "evidence/extract.py": "its quote rules are being changed; split candidates from table cells after",
    "evidence/classify.py": "its role rules are being changed; split cues from the classifier after",
}


def modules(root: Path) -> dict[str, Path]:
    """Return every module of the package at ``root`` by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(root: Path) -> dict[str, set[str]]:
    """Return, for each module of the package at ``root``, the package's own modules it imports.

    ``from pkg import name`` names the submodule ``pkg.name`` when there is one, else ``pkg`` itself.
    """
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            for target in targets:
                while target and target not in known and "." in target:
                    target = target.rpartition(".")[0]  # `import pkg.mod.attr` style: the module holding it
                if target in known and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the groups of modules that import one another, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative depth-first search, so a deep import chain cannot hit the recursion limit
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def part(module: str) -> str:
    """Return the part of the package a module belongs to (``researchdesk.store.sqlite`` → ``store``)."""
    rest = module.split(".")[1:]
    return rest[0] if rest else "__init__"


def upward(graph: dict[str, set[str]], layers: Iterable[Iterable[str]]) -> list[str]:
    """Return every import from a part into a part of the same or a higher layer, as readable lines."""
    rank = {p: i for i, layer in enumerate(layers) for p in layer}
    wrong = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            here, there = part(module), part(target)
            if here != there and rank[there] >= rank[here]:
                wrong.append(f"{module} imports {target} ({there} is not below {here})")
    return wrong


def test_no_module_imports_itself_back() -> None:
    assert cycles(imports(PACKAGE)) == []


def test_every_part_has_a_layer() -> None:
    placed = {p for layer in LAYERS for p in layer}
    parts = {part(m) for m in modules(PACKAGE)}
    assert parts - placed == set(), "place the new part in LAYERS (and in README's 'How it is built')"
    assert placed - parts == set(), "LAYERS names a part the package no longer has"


def test_imports_point_down_the_layers() -> None:
    assert upward(imports(PACKAGE), LAYERS) == []


def test_only_the_serve_command_starts_the_web_app() -> None:
    graph = imports(PACKAGE)
    into_web = {
        m for m, targets in graph.items() if part(m) == "cli" and any(part(t) == "web" for t in targets)
    }
    assert into_web <= CLI_INTO_WEB


def long_modules(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Return the modules of the package at ``root`` longer than ``limit`` lines, by path, with their length."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found[path.relative_to(root).as_posix()] = lines
    return found


def test_no_module_is_longer_than_the_limit() -> None:
    long = long_modules(PACKAGE)
    grown = {path: lines for path, lines in long.items() if path not in LONG_MODULES}
    assert grown == {}, f"split these by what they do (at most {MAX_LINES} lines a module)"
    split = sorted(set(LONG_MODULES) - set(long))
    assert split == [], "these are short enough now: take them off LONG_MODULES"


def test_readme_shows_the_layers_in_order() -> None:
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    shape = readme.split("## How it is built", 1)[1].split("```")[1].splitlines()
    rows = []
    for layer in LAYERS:
        named = {p for p in layer if not p.startswith("__")}
        if not named:
            continue
        row = next((i for i, line in enumerate(shape) if named <= _parts_on(line)), None)
        assert row is not None, f"README's 'How it is built' has no line naming {sorted(named)}"
        rows.append(row)
    assert rows == sorted(rows), "README's 'How it is built' lists the layers bottom up, as LAYERS does"


def _parts_on(line: str) -> set[str]:
    """Return the parts a line of the layout names (``store/``, ``desk.py``)."""
    return {w.removesuffix("/").removesuffix(".py") for w in line.split() if w.endswith(("/", ".py"))}


# --- the checks themselves find what they are for ---------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "researchdesk"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "store/__init__.py": "",
            "store/sqlite.py": "def f():\n    from researchdesk.web.app import render\n",
            "web/__init__.py": "",
            "web/app.py": "from researchdesk.web import routes\nrender = 1\n",
            "web/routes.py": "from .app import render\nimport researchdesk.store\n",
        },
    )
    graph = imports(root)
    assert graph["researchdesk.web.routes"] == {"researchdesk.web.app", "researchdesk.store"}
    assert cycles(graph) == [["researchdesk.web.app", "researchdesk.web.routes"]]
    assert upward(graph, [("store",), ("web",), ("__init__",)]) == [
        "researchdesk.store.sqlite imports researchdesk.web.app (web is not below store)"
    ]


def test_the_length_check_catches_a_long_module(tmp_path: Path) -> None:
    root = _package(
        tmp_path, {"store/rows.py": "x = 1\n" * (MAX_LINES + 1), "store/short.py": "x = 1\n" * MAX_LINES}
    )
    assert long_modules(root) == {"store/rows.py": MAX_LINES + 1}
