"""The evidence package's public face: a sorted __all__ whose names all exist and are documented."""

from __future__ import annotations

import inspect

import researchdesk.evidence as evidence


def test_all_is_sorted_and_complete() -> None:
    # isort order, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    order = sorted(evidence.__all__, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert list(evidence.__all__) == order
    for name in evidence.__all__:
        assert hasattr(evidence, name), name


def test_public_functions_have_docstrings_and_types() -> None:
    for name in evidence.__all__:
        obj = getattr(evidence, name)
        if inspect.isfunction(obj):
            assert obj.__doc__, f"{name} has no docstring"
            hints = inspect.signature(obj)
            assert hints.return_annotation is not inspect.Signature.empty, name
