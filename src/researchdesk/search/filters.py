"""Search filters (source type, dates, publisher/journal, our products, document ids) and their parser."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from researchdesk.errors import InputError, UnknownChoice
from researchdesk.models import SourceType
from researchdesk.search.catalog import DocumentInfo

OUR_PRODUCTS_CHOICES = ("only", "exclude")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

# Keys accepted by `--filter key=value`, with the Filters field each sets.
FILTER_KEYS: dict[str, str] = {
    "source_type": "source_types",
    "source_types": "source_types",
    "date_from": "date_from",
    "date_to": "date_to",
    "publisher": "publisher",
    "container": "container",
    "journal": "container",
    "our_products": "our_products",
    "document_id": "document_ids",
    "document_ids": "document_ids",
}


def _check_date(name: str, value: str) -> str:
    """Return ``value`` if it is an ISO date prefix (YYYY, YYYY-MM or YYYY-MM-DD)."""
    if value and not _DATE_RE.match(value):
        raise InputError(
            f"The filter {name}={value!r} is not a date.",
            "Write dates as YYYY, YYYY-MM or YYYY-MM-DD, e.g. date_from=2020 or date_to=2024-06.",
        )
    return value


@dataclass
class Filters:
    """Which documents a search may return; an empty Filters accepts everything.

    ``date_from``/``date_to`` compare on the date's prefix of the same length, so date_to=2020
    includes 2020-12-31; a document without a date fails any date filter. ``publisher`` matches the
    publisher or the container (journal, series, website), ``container`` only the container; both
    are case-insensitive substrings.
    """

    source_types: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    publisher: str = ""
    container: str = ""
    our_products: str | None = None  # "only" | "exclude" | None
    document_ids: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        valid = {t.value for t in SourceType}
        types = tuple(str(t).strip().lower() for t in self.source_types if str(t).strip())
        for value in types:
            if value not in valid:
                raise UnknownChoice("source type", value, valid)
        self.source_types = types
        self.date_from = _check_date("date_from", self.date_from.strip())
        self.date_to = _check_date("date_to", self.date_to.strip())
        if self.our_products is not None:
            self.our_products = self.our_products.strip().lower() or None
        if self.our_products is not None and self.our_products not in OUR_PRODUCTS_CHOICES:
            raise UnknownChoice("our_products value", self.our_products, OUR_PRODUCTS_CHOICES)
        self.document_ids = tuple(int(d) for d in self.document_ids)

    def is_empty(self) -> bool:
        """Return True when the filters accept every document."""
        return not (
            self.source_types
            or self.date_from
            or self.date_to
            or self.publisher
            or self.container
            or self.our_products
            or self.document_ids
        )

    def accepts(self, doc: DocumentInfo) -> bool:
        """Return True when the document passes every filter."""
        if self.document_ids and doc.document_id not in self.document_ids:
            return False
        source_type = doc.source_type.lower()
        if self.source_types and source_type not in self.source_types:
            return False
        ours = source_type == SourceType.OUR_PRODUCT.value
        if self.our_products == "only" and not ours:
            return False
        if self.our_products == "exclude" and ours:
            return False
        if self.date_from and (not doc.date or doc.date[: len(self.date_from)] < self.date_from):
            return False
        if self.date_to and (not doc.date or doc.date[: len(self.date_to)] > self.date_to):
            return False
        if self.publisher:
            needle = self.publisher.lower()
            if needle not in doc.publisher.lower() and needle not in doc.container.lower():
                return False
        return not (self.container and self.container.lower() not in doc.container.lower())

    def accepted(self, documents: Iterable[DocumentInfo]) -> set[int]:
        """Return the ids of the documents that pass."""
        return {doc.document_id for doc in documents if self.accepts(doc)}


def parse_filters(specs: Iterable[str]) -> Filters:
    """Return the Filters described by ``key=value`` strings (as given to ``--filter``).

    A key may be repeated for source types and document ids, and their values may be
    comma-separated: ``source_type=report,journal article``.
    """
    values: dict[str, list[str]] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep:
            raise InputError(
                f"The filter {spec!r} has no value.",
                "Write filters as key=value, e.g. --filter source_type=report --filter date_from=2020.",
            )
        if key not in FILTER_KEYS:
            raise UnknownChoice("filter", key, FILTER_KEYS)
        values.setdefault(FILTER_KEYS[key], []).append(value.strip())
    kwargs: dict[str, object] = {}
    for name, given in values.items():
        if name in ("source_types", "document_ids"):
            items = [item.strip() for value in given for item in value.split(",") if item.strip()]
            if name == "document_ids":
                bad = [item for item in items if not item.isdigit()]
                if bad:
                    raise InputError(
                        f"The document id {bad[0]!r} is not a number.",
                        "Give document ids as numbers, e.g. --filter document_id=12,15; "
                        "list them with `researchdesk library list`.",
                    )
                kwargs[name] = tuple(int(item) for item in items)
            else:
                kwargs[name] = tuple(items)
        else:
            if len(given) > 1:
                raise InputError(f"The filter {name} is given {len(given)} times.", f"Give {name} once.")
            kwargs[name] = given[0]
    return Filters(**kwargs)  # type: ignore[arg-type]
