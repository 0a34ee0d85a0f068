"""The schema's SQL read as tokens: statements split, ``CREATE TABLE`` parts, and the catalogue of tables
(columns, integer key, NOCASE columns) the PostgreSQL translation (``dialect.py``) works from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# PostgreSQL's reserved key words that could plausibly name a column (SQLite lets them).
_PG_RESERVED_WORDS = (
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint "
    "create current_catalog current_date current_role current_time current_timestamp current_user "
    "default deferrable desc distinct do else end except false fetch for foreign from grant group "
    "having in initially intersect into lateral leading limit localtime localtimestamp not null offset "
    "on only or order placing primary references returning select session_user some symmetric "
    "system_user table then to trailing true union unique user using variadic when where window with"
)
PG_RESERVED = frozenset(_PG_RESERVED_WORDS.split())
AFTER_IDENT_KEYWORDS = frozenset({"by", "set", "select", "where", "and", "or", "on", "distinct", "returning"})
_TOKEN_RE = re.compile(
    r"""(?P<str>'(?:[^']|'')*')|(?P<qid>"(?:[^"]|"")*")|(?P<comment>--[^\n]*)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"""
    r"""|(?P<num>\d+(?:\.\d+)?)|(?P<space>\s+)|(?P<op><=|>=|!=|<>|\|\||.)""",
    re.S,
)
CONSTRAINT_START = ("primary", "unique", "foreign", "check", "constraint")


@dataclass
class Table:
    """A table as the schema describes it: columns in order, primary key, NOCASE columns."""

    name: str
    columns: list[str] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    integer_key: str = ""  # the INTEGER PRIMARY KEY column (SQLite's rowid alias), if any
    nocase: set[str] = field(default_factory=set)
    references: dict[str, str] = field(default_factory=dict)  # column -> the table its foreign key names


@dataclass(frozen=True)
class Token:
    kind: str
    text: str

    @property
    def low(self) -> str:
        return self.text.lower()


def tokens(sql: str) -> list[Token]:
    """Return the tokens of ``sql`` (strings, quoted identifiers, words, numbers, spaces, operators)."""
    out = []
    for m in _TOKEN_RE.finditer(sql):
        kind = m.lastgroup or "op"
        out.append(Token(kind, m.group()))
    return out


def statements(script: str) -> list[str]:
    """Return the statements of a script split on semicolons outside string literals."""
    parts: list[str] = []
    current: list[str] = []
    for tok in tokens(script):
        if tok.kind == "comment":
            continue
        if tok.text == ";":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(tok.text)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def significant(toks: list[Token]) -> list[int]:
    return [i for i, t in enumerate(toks) if t.kind not in ("space", "comment")]


def _split_top(toks: list[Token]) -> list[list[Token]]:
    """Split a parenthesised list's tokens on commas at depth 0."""
    items: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if t.text == "," and depth == 0:
            items.append([])
        else:
            items[-1].append(t)
    return [item for item in items if "".join(x.text for x in item).strip()]


def words_of(toks: list[Token]) -> list[str]:
    return [t.low for t in toks if t.kind == "word"]


def create_table_parts(stmt: str) -> tuple[str, list[list[Token]]] | None:
    """Return (table name, column/constraint items) of a CREATE TABLE statement, else None."""
    toks = tokens(stmt)
    sig = significant(toks)
    words = [toks[i].low for i in sig[:6]]
    if words[:2] != ["create", "table"]:
        return None
    pos = 2
    if words[2:5] == ["if", "not", "exists"]:
        pos = 5
    name = toks[sig[pos]].text.strip('"')
    open_at = sig[pos + 1]
    close_at = max(i for i, t in enumerate(toks) if t.text == ")")
    return name, _split_top(toks[open_at + 1 : close_at])


def catalog(migrations: tuple[str, ...]) -> dict[str, Table]:
    """Return the tables the migrations create (and columns they add), by name."""
    tables: dict[str, Table] = {}
    for script in migrations:
        for stmt in statements(script):
            parts = create_table_parts(stmt)
            if parts is not None:
                name, items = parts
                table = Table(name)
                for item in items:
                    words = words_of(item)
                    if words[0] in CONSTRAINT_START:
                        if words[:2] == ["primary", "key"]:
                            table.primary_key = tuple(
                                t.text.strip('"') for t in item if t.kind in ("word", "qid")
                            )[2:]
                        continue
                    col = next(t for t in item if t.kind in ("word", "qid")).text.strip('"')
                    table.columns.append(col)
                    if "primary" in words:
                        table.primary_key = (col,)
                        if len(words) > 1 and words[1] == "integer":
                            table.integer_key = col
                    if "nocase" in words:
                        table.nocase.add(col)
                    if "references" in words[:-1]:
                        table.references[col] = words[words.index("references") + 1]
                tables[name] = table
                continue
            toks = [tokens(stmt)[i] for i in significant(tokens(stmt))]
            low = [t.low for t in toks]
            if low[:2] == ["alter", "table"] and "add" in low:
                name = toks[2].text.strip('"')
                at = low.index("add") + 1
                if at < len(low) and low[at] == "column":
                    at += 1
                if name in tables:
                    tables[name].columns.append(toks[at].text.strip('"'))
                    if "nocase" in low:
                        tables[name].nocase.add(toks[at].text.strip('"'))
            elif low[:2] == ["drop", "table"]:
                tables.pop(toks[-1].text.strip('"'), None)
            elif low[:2] == ["alter", "table"] and low[3:5] == ["rename", "to"]:
                old = tables.pop(toks[2].text.strip('"'), None)
                if old is not None:
                    old.name = toks[5].text.strip('"')
                    tables[old.name] = old
    return tables


@lru_cache(maxsize=1)
def schema_catalog() -> dict[str, Table]:
    """Return the catalog of the desk's schema (``schema.MIGRATIONS``)."""
    from researchdesk.store import schema

    tables = catalog(tuple(schema.sql_of(m) for m in schema.MIGRATIONS))
    for migration in schema.MIGRATIONS:
        for key in schema.repoints_of(migration):
            if key.table in tables:
                tables[key.table].references[key.column] = key.parent
    return tables


def parents_first(tables: dict[str, Table]) -> list[str]:
    """Return the tables' names with every table after the tables its foreign keys name (otherwise in
    the order the schema created them), the order rows can be written in with the keys checked."""
    done: list[str] = []

    def place(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path or name not in tables:
            return
        for parent in tables[name].references.values():
            place(parent, (*path, name))
        done.append(name)

    for name in tables:
        place(name, ())
    return done


@lru_cache(maxsize=1)
def reserved_columns() -> frozenset[str]:
    cols = {c.lower() for t in schema_catalog().values() for c in t.columns}
    return frozenset(cols & PG_RESERVED)
