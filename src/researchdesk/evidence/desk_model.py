"""The desk model on a desk: status, retrain, reset, and review labels in and out as CSV.

The learning itself is in ``learning.py`` (plain functions over labels and vectors); this module reads
the desk's labels from its store (SQLite or PostgreSQL alike), keeps the model in ``<home>/model/`` and
rebuilds it from the labels whenever they changed since it was made.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.evidence.learning import (
    DeskModel,
    check_folder,
    load_meta,
    load_model,
    save_model,
    train,
    write_reset,
)
from researchdesk.evidence.quote_features import QuoteVectors
from researchdesk.evidence.review_examples import ModelStatus, describe, training_examples
from researchdesk.ingest.metadata import normalize_title
from researchdesk.models import ROLE_GROUPS, Decision, ReviewLabel, Role, heading_of
from researchdesk.search.embed import Embedder, get_embedder

Progress = Callable[[int, int], None]

# The columns of a label file, in order. Import needs the quote, its document (hash, DOI or title),
# the decision and the role; the others are for people reading the file.
CSV_COLUMNS = (
    "label_id",
    "at",
    "reviewer",
    "decision",
    "role",
    "heading",
    "suggested",
    "quote",
    "document_id",
    "document_title",
    "document_hash",
    "document_doi",
    "request_id",
    "subject",
    "origin",
    "active",
)
REQUIRED_COLUMNS = ("reviewer", "decision", "role", "quote")
_DECISIONS = {
    "kept": Decision.KEPT,
    "keep": Decision.KEPT,
    "dropped": Decision.DROPPED,
    "drop": Decision.DROPPED,
}
_HEADING_ROLES = {heading.lower(): roles[0] for roles, heading in ROLE_GROUPS if heading}


@dataclass
class Learned:
    """The model a scan uses (None: the shipped behaviour) and the vector cache it reads with."""

    model: DeskModel | None
    vectors: QuoteVectors
    retrained: bool = False


def _embedder(desk: Desk, embedder: Embedder | None) -> Embedder | None:
    return embedder if embedder is not None else get_embedder(desk.settings.embedder)


def status(desk: Desk) -> ModelStatus:
    """Return what the desk model learned from, how it scores on held-back labels, and the reviewers' kappa."""
    labels = desk.store.review_labels(active_only=False)
    return describe(load_meta(desk.settings.model_dir), desk.store.review_label_stamp(), labels)


def retrain(desk: Desk, embedder: Embedder | None = None, progress: Progress | None = None) -> ModelStatus:
    """Rebuild the desk model from every active label and measure it on labels held back by document."""
    folder = desk.settings.model_dir
    check_folder(folder)
    stamp = desk.store.review_label_stamp()
    labels = desk.store.review_labels(active_only=False)
    examples = training_examples(labels)
    vectors = QuoteVectors(_embedder(desk, embedder), folder)
    vectors.of([e.text for e in examples] + sorted({e.subject for e in examples}), progress)
    started = time.perf_counter()
    model = train(examples, vectors, {"stamp": stamp, "state": "learned"})
    model.meta["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    model.meta["seconds"] = round(time.perf_counter() - started, 3)
    save_model(model, folder)
    vectors.save()
    return describe(model.meta, stamp, labels)


def reset(desk: Desk) -> ModelStatus:
    """Return to the shipped model: the learned one is set aside until new labels arrive or a retrain."""
    stamp = desk.store.review_label_stamp()
    write_reset(desk.settings.model_dir, stamp)
    return describe(load_meta(desk.settings.model_dir), stamp, desk.store.review_labels(active_only=False))


def learned(desk: Desk, embedder: Embedder | None = None, progress: Progress | None = None) -> Learned:
    """Return the model a scan should use, retraining first when the labels changed since it was made.

    No labels, or a reset with no label since: no model (the shipped behaviour).
    """
    folder = desk.settings.model_dir
    embedder = _embedder(desk, embedder)
    meta = load_meta(folder)
    stamp = desk.store.review_label_stamp()
    if stamp.endswith(":0") or (meta.get("state") == "reset" and meta.get("stamp") == stamp):
        return Learned(None, QuoteVectors(embedder, folder))
    retrained = False
    if meta.get("stamp") != stamp or meta.get("state") == "reset":
        retrain(desk, embedder, progress)
        retrained = True
    vectors = QuoteVectors(embedder, folder)
    examples = training_examples(desk.store.review_labels())
    model = load_model(folder, examples)
    if model is None:  # damaged or made from other labels (a copied desk): rebuild from the labels
        retrain(desk, embedder, progress)
        vectors = QuoteVectors(embedder, folder)
        model, retrained = load_model(folder, examples), True
    return Learned(model, vectors, retrained)


# --- labels as CSV --------------------------------------------------------------------------------


def export_labels(desk: Desk, out: TextIO, include_inactive: bool = False) -> int:
    """Write the desk's labels as CSV (with each quote's text and document); return how many."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    docs = {d.id: d for d in desk.store.documents()}
    n = 0
    for lab in desk.store.review_labels(active_only=not include_inactive):
        doc = docs.get(lab.document_id)
        writer.writerow(
            [
                lab.id,
                lab.at,
                lab.reviewer,
                str(lab.decision),
                str(lab.role),
                heading_of(lab.role),
                str(lab.suggested or lab.role),
                lab.quote,
                lab.document_id,
                doc.meta.title if doc else "",
                doc.content_hash if doc else "",
                doc.meta.doi if doc else "",
                lab.request_id or "",
                lab.subject,
                lab.origin,
                1 if lab.active else 0,
            ]
        )
        n += 1
    return n


def _role(value: str) -> Role | None:
    text = value.strip().lower()
    if text in {r.value for r in Role}:
        return Role(text)
    return _HEADING_ROLES.get(text)


def import_labels(desk: Desk, source: TextIO, name: str = "labels.csv") -> int:
    """Add the labels of a CSV file (as ``export_labels`` writes) to the desk; return how many.

    The whole file is checked first: unknown columns, a document not in the library, a quote not in its
    document, an unknown decision or heading are refused with the line and the reason, and nothing is
    imported. Labels the desk already holds (same quote, document, reviewer, decision and role) are skipped.
    """
    reader = csv.DictReader(source)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if unknown or missing:
        problem = (
            f"unknown columns {', '.join(unknown)}" if unknown else f"missing columns {', '.join(missing)}"
        )
        raise InputError(
            f"{name}, line 1: {problem}.",
            f"A label file has the columns {', '.join(CSV_COLUMNS)} (at least {', '.join(REQUIRED_COLUMNS)} "
            "and one of document_hash, document_doi, document_title); `researchdesk evidence labels export` writes one.",
        )
    if not {"document_hash", "document_doi", "document_title"} & set(columns):
        raise InputError(
            f"{name}, line 1: no column names the document.",
            "Add document_hash, document_doi or document_title (as `evidence labels export` writes them).",
        )
    texts: dict[int, str] = {}
    held = {
        (lab.document_id, lab.quote, lab.reviewer, str(lab.decision), str(lab.role))
        for lab in desk.store.review_labels()
    }
    labels: list[ReviewLabel] = []
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        where = f"{name}, line {line}"
        decision = _DECISIONS.get(row["decision"].lower())
        if decision is None:
            raise InputError(f"{where}: unknown decision {row['decision']!r}.", "Use kept or dropped.")
        choices = ", ".join([r.value for r in Role] + [h for _, h in ROLE_GROUPS if h])
        given = row["role"] or row.get("heading", "")
        role = _role(given)
        if role is None:
            raise InputError(f"{where}: unknown heading {given!r}.", f"Use one of: {choices}.")
        suggested = _role(row.get("suggested") or given)
        if suggested is None:
            raise InputError(
                f"{where}: unknown suggested heading {row['suggested']!r}.", f"Use one of: {choices}."
            )
        if not row["quote"] or not row["reviewer"]:
            raise InputError(
                f"{where}: the quote and the reviewer must not be empty.", "Fill them in or drop the line."
            )
        found = desk.store.find_duplicate(
            row.get("document_hash", ""),
            row.get("document_doi", ""),
            normalize_title(row.get("document_title", "")),
        )
        if found is None:
            title = (
                row.get("document_title")
                or row.get("document_hash")
                or row.get("document_doi")
                or "(unnamed)"
            )
            raise InputError(
                f"{where}: the document {title!r} is not in this desk's library.",
                "Ingest it first (`researchdesk ingest FILE`), or leave its labels out of the file.",
            )
        document_id = found[0]
        if document_id not in texts:
            texts[document_id] = " ".join(desk.store.get_document(document_id).text.split())
        if " ".join(row["quote"].split()) not in texts[document_id]:
            raise InputError(
                f"{where}: the quote is not in the document {document_id} as written.",
                "Labels quote their document verbatim; correct the quote or the document columns.",
            )
        key = (document_id, row["quote"], row["reviewer"], str(decision), str(role))
        if key in held:
            continue
        held.add(key)
        labels.append(
            ReviewLabel(
                document_id=document_id,
                quote=row["quote"],
                reviewer=row["reviewer"],
                decision=decision,
                role=role,
                suggested=suggested,
                subject=row.get("subject", ""),
                origin="import",
                at=row.get("at", ""),
            )
        )
    desk.store.add_review_labels(labels)
    return len(labels)
