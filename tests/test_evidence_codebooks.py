"""Codebooks: built-ins, custom desk codebooks, YAML errors, code suggestion and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from researchdesk.errors import InputError, UnknownChoice
from researchdesk.evidence import (
    available_codebooks,
    builtin_codebooks,
    desk_codebooks,
    load_codebook,
    load_codebooks,
    suggest_codes,
    validate_code,
)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

CUSTOM = """
name: housing
title: Housing policy themes
citation: "Our own codebook."
categories:
  - name: Zoning
    keywords: [zoning]
    codes:
      - name: Density limits
        keywords: [single-family zoning, minimum lot size, density]
      - Parking requirements
  - name: Finance
    codes: [Housing trust fund]
"""


def test_builtins() -> None:
    assert builtin_codebooks() == ["cfir-2009", "collaboration-factors"]
    collab = load_codebook("collaboration-factors")
    assert [c.name for c in collab.categories] == [
        "Environment",
        "Membership characteristics",
        "Process and structure",
        "Communication",
        "Purpose",
        "Resources",
    ]
    assert "Resources: Sufficient funds, staff, materials, and time" in collab.labels()
    assert "Mattessich" in collab.citation
    cfir = load_codebook("cfir-2009")
    assert len(cfir.categories) == 5
    assert "Process: Champions" in cfir.labels()


def test_builtin_copies_keep_the_shared_names() -> None:
    shared = SHARED / "codebooks"
    if not shared.is_dir():
        pytest.skip("shared data not present")
    for name in builtin_codebooks():
        original = load_codebook(shared / f"{name}.yaml")
        assert original.labels() == load_codebook(name).labels()


def test_custom_codebook_in_desk(tmp_path: Path) -> None:
    (tmp_path / "codebooks").mkdir()
    (tmp_path / "codebooks" / "housing.yaml").write_text(CUSTOM, encoding="utf-8")
    assert desk_codebooks(tmp_path) == ["housing"]
    assert "housing" in available_codebooks(tmp_path)
    book = load_codebook("housing", home=tmp_path)
    assert book.labels() == [
        "Zoning: Density limits",
        "Zoning: Parking requirements",
        "Finance: Housing trust fund",
    ]
    books = load_codebooks(["housing", "cfir-2009"], home=tmp_path)
    assert [b.name for b in books] == ["housing", "cfir-2009"]
    codes = suggest_codes("Single-family zoning and minimum lot size rules block new homes.", books)
    assert codes[0] == "Zoning: Density limits"


def test_unknown_codebook_lists_choices(tmp_path: Path) -> None:
    with pytest.raises(UnknownChoice) as info:
        load_codebook("no-such-book", home=tmp_path)
    assert "cfir-2009" in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- just a list", "expected a mapping"),
        ("title: x\ncategories: []", "no name"),
        ("name: x\ncategories: []", "no categories"),
        ("name: x\ncategories:\n  - name: A\n    codes: []", "has no codes"),
        ("name: x\ncategories:\n  - name: A\n    codes: [a]\n    keywords: 3", "keywords"),
    ],
)
def test_bad_yaml(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_codebook(path)
    assert "bad.yaml" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_codebook(tmp_path / "missing.yaml")


def test_suggest_codes_builtin() -> None:
    books = load_codebooks(["collaboration-factors", "cfir-2009"])
    funding = suggest_codes("High staff turnover and insufficient funding limited the program.", books)
    assert "Resources: Sufficient funds, staff, materials, and time" in funding
    champion = suggest_codes("Identifying a policy champion on the city council was key.", books)
    assert "Process: Champions" in champion
    assert len(suggest_codes("Trust between partners grew over time.", books, top=1)) == 1
    assert suggest_codes("", books) == []
    assert suggest_codes("The weather was sunny.", books) == []


def test_validate_code() -> None:
    books = load_codebooks(["collaboration-factors", "cfir-2009"])
    assert validate_code("resources: skilled leadership", books) == "Resources: Skilled leadership"
    assert validate_code("Champions", books) == "Process: Champions"
    with pytest.raises(UnknownChoice) as info:
        validate_code("Moon phases", books)
    assert "Process: Champions" in info.value.choices
    # A bare name two categories share is ambiguous: the full "Category: Code" is needed.
    with pytest.raises(UnknownChoice) as ambiguous:
        validate_code("Adaptability", books)
    assert ambiguous.value.choices == [
        "Intervention characteristics: Adaptability",
        "Process and structure: Adaptability",
    ]
