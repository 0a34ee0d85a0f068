"""Codebooks: named sets of codes (themes) that evidence is coded with, loaded from YAML.

A codebook file looks like this (``keywords`` are optional, on a category or a code)::

    name: collaboration-factors
    title: Factors influencing successful collaboration
    citation: "Mattessich, P. W., ... (2001). Collaboration: What makes it work ..."
    categories:
      - name: Resources
        keywords: [resources, capacity]
        codes:
          - Skilled leadership                      # a plain name, or
          - name: Sufficient funds, staff, materials, and time
            keywords: [funding, staff turnover, budget]

A code is written "Category: Code", e.g. "Resources: Sufficient funds, staff, materials, and time".
Built-in codebooks ship with the package; a desk adds its own as ``<home>/codebooks/*.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import yaml

from researchdesk.errors import InputError, UnknownChoice

_BUILTIN_PACKAGE = "researchdesk.evidence"
_BUILTIN_DIR = "codebooks"


@dataclass(frozen=True)
class Code:
    name: str
    category: str
    keywords: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The code as shown and stored: "Category: Code"."""
        return f"{self.category}: {self.name}"


@dataclass(frozen=True)
class Category:
    name: str
    codes: tuple[Code, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    name: str
    title: str
    citation: str
    categories: tuple[Category, ...]
    source: str = ""  # the file it was read from
    codes: tuple[Code, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(c for cat in self.categories for c in cat.codes))

    def labels(self) -> list[str]:
        """Return every code of the codebook as "Category: Code"."""
        return [code.label for code in self.codes]


def builtin_codebooks() -> list[str]:
    """Return the names of the codebooks that ship with ResearchDesk."""
    folder = resources.files(_BUILTIN_PACKAGE).joinpath(_BUILTIN_DIR)
    return sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def desk_codebooks(home: Path | str) -> list[str]:
    """Return the names of a desk's own codebooks (``<home>/codebooks/*.yaml``)."""
    folder = Path(home) / "codebooks"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def available_codebooks(home: Path | str | None = None) -> list[str]:
    """Return the names of every codebook a desk can use: built-in ones and its own."""
    names = set(builtin_codebooks())
    if home is not None:
        names.update(desk_codebooks(home))
    return sorted(names)


def load_codebook(path_or_name: str | Path, home: Path | str | None = None) -> Codebook:
    """Return the codebook at a YAML path, or the one named so in ``<home>/codebooks`` or built in.

    A desk's own codebook wins over a built-in one of the same name, so a desk can adapt a framework.
    """
    candidate = Path(path_or_name)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise InputError(
                f"Codebook file {candidate} does not exist.",
                "Check the path, or give the name of a built-in codebook: "
                + ", ".join(builtin_codebooks())
                + ".",
            )
        return _parse(candidate.read_text(encoding="utf-8"), str(candidate))
    name = str(path_or_name).strip()
    if home is not None:
        own = Path(home) / "codebooks" / f"{name}.yaml"
        if own.is_file():
            return _parse(own.read_text(encoding="utf-8"), str(own))
    if name in builtin_codebooks():
        return _builtin(name)
    raise UnknownChoice("codebook", name, available_codebooks(home))


def load_codebooks(names: Iterable[str | Path], home: Path | str | None = None) -> list[Codebook]:
    """Return the codebooks named (built-in names, desk codebook names or YAML paths), in order."""
    return [load_codebook(name, home) for name in names]


@cache
def _builtin(name: str) -> Codebook:
    data = (
        resources.files(_BUILTIN_PACKAGE).joinpath(_BUILTIN_DIR, f"{name}.yaml").read_text(encoding="utf-8")
    )
    return _parse(data, f"built-in codebook {name}")


def _strings(value: object, where: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InputError(
            f"{source}: {where} must be a list of words or phrases.", "Write it as [word, phrase, ...]."
        )
    return tuple(str(v).strip() for v in value if str(v).strip())


def _parse(text: str, source: str) -> Codebook:
    hint = "A codebook needs name, title, citation and categories (each with a name and codes)."
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({exc}).", hint) from exc
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping with name, title, citation and categories.", hint)
    name = str(data.get("name") or "").strip()
    if not name:
        raise InputError(f"{source}: the codebook has no name.", hint)
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        raise InputError(f"{source}: the codebook {name!r} has no categories.", hint)
    categories = []
    for i, raw in enumerate(raw_categories, 1):
        if not isinstance(raw, dict) or not str(raw.get("name") or "").strip():
            raise InputError(f"{source}: category {i} has no name.", hint)
        cat_name = str(raw["name"]).strip()
        raw_codes = raw.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            raise InputError(f"{source}: category {cat_name!r} has no codes.", hint)
        codes = []
        for j, item in enumerate(raw_codes, 1):
            if isinstance(item, dict):
                code_name = str(item.get("name") or "").strip()
                keywords = _strings(item.get("keywords"), f"keywords of code {code_name!r}", source)
            else:
                code_name, keywords = str(item).strip(), ()
            if not code_name:
                raise InputError(f"{source}: code {j} of category {cat_name!r} has no name.", hint)
            codes.append(Code(code_name, cat_name, keywords))
        cat_keywords = _strings(raw.get("keywords"), f"keywords of category {cat_name!r}", source)
        categories.append(Category(cat_name, tuple(codes), cat_keywords))
    return Codebook(
        name=name,
        title=str(data.get("title") or name).strip(),
        citation=str(data.get("citation") or "").strip(),
        categories=tuple(categories),
        source=source,
    )


# --- Code suggestion ---------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STOP_TEXT = (
    "a an and the of in on for to or with by as at from is are was were be been this that these those "
    "it its their there other both who which what how not no into about"
)
_STOP = frozenset(_STOP_TEXT.split())


def _stem(word: str) -> str:
    """Return a crude English stem, enough to match "funding"/"funds"/"funded" to "fund"."""
    for suffix in (
        "ational",
        "ization",
        "ations",
        "ation",
        "ities",
        "ness",
        "ment",
        "ings",
        "ing",
        "ies",
        "ed",
        "es",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall(text.lower())]


@dataclass(frozen=True)
class _Matcher:
    label: str
    phrases: tuple[tuple[tuple[str, ...], float], ...]  # stemmed phrase, weight


@lru_cache(maxsize=64)
def _matchers(codebook: Codebook) -> tuple[_Matcher, ...]:
    out = []
    for category in codebook.categories:
        for code in category.codes:
            phrases: dict[tuple[str, ...], float] = {}
            for keyword in code.keywords:
                stems = tuple(_stems(keyword))
                if stems:
                    phrases[stems] = max(phrases.get(stems, 0.0), 1.0 + 0.5 * (len(stems) - 1))
            for word in _stems(code.name):
                if word not in _STOP and len(word) > 2:
                    # A word of the code's own name counts on top of any keyword it also is.
                    phrases[(word,)] = phrases.get((word,), 0.0) + 0.6
            for keyword in category.keywords:
                stems = tuple(_stems(keyword))
                if stems:
                    phrases.setdefault(stems, 0.3)
            out.append(_Matcher(code.label, tuple(phrases.items())))
    return tuple(out)


def _count(stems: list[str], phrase: tuple[str, ...]) -> int:
    if len(phrase) == 1:
        return stems.count(phrase[0])
    n = len(phrase)
    return sum(1 for i in range(len(stems) - n + 1) if tuple(stems[i : i + n]) == phrase)


def suggest_codes(text: str, codebooks: Sequence[Codebook], top: int = 2, minimum: float = 1.0) -> list[str]:
    """Return up to ``top`` codes ("Category: Code") whose names and keywords best match ``text``.

    Each keyword phrase found counts 1 (+0.5 per extra word), each word of the code's name 0.6, each
    category keyword 0.3; a code needs ``minimum`` to be suggested. Ties keep codebook order.
    """
    stems = [s for s in _stems(text or "") if s not in _STOP]
    if not stems:
        return []
    present = set(stems)
    scored: list[tuple[float, int, str]] = []
    order = 0
    for codebook in codebooks:
        for matcher in _matchers(codebook):
            total = 0.0
            for phrase, weight in matcher.phrases:
                if phrase[0] in present and (count := _count(stems, phrase)):
                    total += weight * min(count, 2)
            if total >= minimum:
                scored.append((total, order, matcher.label))
            order += 1
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [label for _, _, label in scored[: max(0, top)]]


def validate_code(code: str, codebooks: Sequence[Codebook]) -> str:
    """Return the canonical "Category: Code" for ``code`` (case-insensitive; a bare code name is accepted
    when only one category has it), or raise UnknownChoice listing the valid codes."""
    wanted = " ".join((code or "").split()).casefold()
    labels = [label for book in codebooks for label in book.labels()]
    for label in labels:
        if label.casefold() == wanted:
            return label
    bare = [label for label in labels if label.split(": ", 1)[1].casefold() == wanted]
    if len(bare) == 1:
        return bare[0]
    # A name several categories share: list just those, so the fix is obvious.
    raise UnknownChoice("code", code, bare if bare else labels)
