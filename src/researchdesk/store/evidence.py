"""Rows of the evidence: quotes suggested for a request, their review history, and review labels.

A mixin of the store like ``work.py`` (whose event log it writes to): plain ``self.conn.execute`` with
``?`` placeholders inside ``self.transaction()``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from researchdesk.errors import EvidenceNotFound
from researchdesk.models import Decision, Evidence, ReviewLabel, ReviewStatus, Role
from researchdesk.store.clock import now
from researchdesk.store.work import event_of_row
from researchdesk.work import Event


class EvidenceRows:
    conn: sqlite3.Connection
    ROW_LOCK: str  # provided by the store ("" on SQLite, whose write transactions lock the database)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by the store
        raise NotImplementedError

    def _event(  # provided by the work rows (the request's event log)
        self,
        conn: sqlite3.Connection,
        request_id: int | None,
        subject: str,
        subject_id: int | None,
        action: str,
        detail: dict[str, Any],
        who: str,
    ) -> None:
        raise NotImplementedError

    # --- evidence -------------------------------------------------------------------------------

    def add_evidence(self, items: list[Evidence], who: str) -> list[int]:
        """Store suggested evidence; a quote already stored for the request is kept, not duplicated."""
        ids: list[int] = []
        stamp = now()
        with self.transaction() as conn:
            for e in items:
                cur = conn.execute(
                    """INSERT OR IGNORE INTO evidence (request_id, document_id, passage_id, start, end, quote, pieces,
                       context, role, confidence, reason, codes, facet, label, status, created_at, verification)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (
                        e.request_id,
                        e.document_id,
                        e.passage_id,
                        e.start,
                        e.end,
                        e.quote,
                        json.dumps(e.pieces),
                        e.context,
                        str(e.role),
                        e.confidence,
                        e.reason,
                        json.dumps(e.codes, ensure_ascii=False),
                        e.facet,
                        e.label,
                        str(e.status),
                        stamp,
                        "exact",
                    ),
                )
                if cur.rowcount:
                    ids.append(int(cur.lastrowid or 0))
            if ids:
                request_id = items[0].request_id
                self._event(conn, request_id, "evidence", None, "suggested", {"count": len(ids)}, who)
        return ids

    def evidence(self, evidence_id: int) -> Evidence:
        row = self.conn.execute("SELECT * FROM evidence WHERE id=?", (evidence_id,)).fetchone()
        if row is None:
            raise EvidenceNotFound(evidence_id)
        return _evidence(row)

    def evidence_for(
        self, request_id: int | None = None, status: str | None = None, role: str | None = None
    ) -> list[Evidence]:
        clauses, args = [], []
        for column, value in (("request_id", request_id), ("status", status), ("role", role)):
            if value is not None:
                clauses.append(f"{column}=?")
                args.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(f"SELECT * FROM evidence {where} ORDER BY id", args).fetchall()
        return [_evidence(r) for r in rows]

    def evidence_by_quotes(
        self, quotes: Iterable[str], exclude_request: int | None = None
    ) -> list[tuple[int, str]]:
        """Return (request id, quote) of accepted or edited evidence of other requests with one of these texts."""
        wanted = sorted(set(quotes))
        out: list[tuple[int, str]] = []
        for at in range(0, len(wanted), 200):
            chunk = wanted[at : at + 200]
            marks = ", ".join("?" for _ in chunk)
            rows = self.conn.execute(
                f"SELECT DISTINCT request_id, quote FROM evidence WHERE quote IN ({marks}) "
                "AND status IN ('accepted', 'edited') AND request_id IS NOT NULL AND request_id <> ?",
                (*chunk, -1 if exclude_request is None else exclude_request),
            ).fetchall()
            out.extend((int(r[0]), str(r[1])) for r in rows)
        return out

    def update_evidence(self, evidence_id: int, changes: dict[str, Any], who: str, action: str) -> Evidence:
        """Change evidence fields; every change is kept in the event log with old and new values."""
        old = self.evidence(evidence_id)
        stored = {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for k, v in changes.items()
        }
        with self.transaction() as conn:
            sets = ", ".join(f"{k}=?" for k in stored)
            conn.execute(f"UPDATE evidence SET {sets} WHERE id=?", (*stored.values(), evidence_id))
            detail = {k: {"old": _plain(getattr(old, k, None)), "new": v} for k, v in changes.items()}
            self._event(conn, old.request_id, "evidence", evidence_id, action, detail, who)
        return self.evidence(evidence_id)

    def set_verification(self, evidence_id: int, verdict: str, who: str) -> bool:
        """Store a quote's verification verdict ("exact", "not found" ...); return True when it changed.

        A changed verdict is kept in the event log with its old and new value (action "verified"); the
        same verdict again writes nothing.
        """
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT request_id, verification FROM evidence WHERE id=?{self.ROW_LOCK}", (evidence_id,)
            ).fetchone()
            if row is None:
                raise EvidenceNotFound(evidence_id)
            if row["verification"] == verdict:
                return False
            conn.execute("UPDATE evidence SET verification=? WHERE id=?", (verdict, evidence_id))
            detail = {"verification": {"old": row["verification"], "new": verdict}}
            self._event(conn, row["request_id"], "evidence", evidence_id, "verified", detail, who)
        return True

    def evidence_history(self, evidence_id: int) -> list[Event]:
        """Return the events of one piece of evidence, oldest first."""
        rows = self.conn.execute(
            "SELECT * FROM events WHERE subject='evidence' AND subject_id=? ORDER BY id", (evidence_id,)
        ).fetchall()
        return [event_of_row(r) for r in rows]

    def set_reviewer_label(self, evidence_id: int, reviewer: str, role: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO evidence_labels (evidence_id, reviewer, role, at) VALUES (?,?,?,?)",
            (evidence_id, reviewer, role, now()),
        )

    def reviewer_labels(self, reviewer: str) -> dict[int, str]:
        rows = self.conn.execute(
            "SELECT evidence_id, role FROM evidence_labels WHERE reviewer=?", (reviewer,)
        )
        return {int(r[0]): str(r[1]) for r in rows}

    # --- review labels ---------------------------------------------------------------------------

    def add_review_labels(self, labels: Sequence[ReviewLabel]) -> list[int]:
        """Store labels in one transaction; each replaces its reviewer's active label of the same evidence."""
        ids: list[int] = []
        with self.transaction() as conn:
            for label in labels:
                if label.evidence_id is not None:
                    conn.execute(
                        "UPDATE review_labels SET active=0 WHERE evidence_id=? AND reviewer=? AND active=1",
                        (label.evidence_id, label.reviewer),
                    )
                cur = conn.execute(
                    """INSERT INTO review_labels (evidence_id, request_id, document_id, quote, subject, reviewer,
                       decision, role, suggested, origin, active, at) VALUES (?,?,?,?,?,?,?,?,?,?,1,?)""",
                    (
                        label.evidence_id,
                        label.request_id,
                        label.document_id,
                        label.quote,
                        label.subject,
                        label.reviewer,
                        str(label.decision),
                        str(label.role),
                        str(label.suggested or label.role),
                        label.origin,
                        label.at or now(),
                    ),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids

    def withdraw_review_label(self, evidence_id: int, reviewer: str) -> int:
        """Make the reviewer's active label of this evidence inactive (an undo); return how many changed."""
        cur = self.conn.execute(
            "UPDATE review_labels SET active=0 WHERE evidence_id=? AND reviewer=? AND active=1",
            (evidence_id, reviewer),
        )
        return int(cur.rowcount or 0)

    def review_labels(self, active_only: bool = True) -> list[ReviewLabel]:
        """Return the review labels in the order they were made (only the active ones by default)."""
        where = "WHERE active=1 " if active_only else ""
        rows = self.conn.execute(f"SELECT * FROM review_labels {where}ORDER BY id").fetchall()
        return [
            ReviewLabel(
                document_id=int(r["document_id"]),
                quote=r["quote"],
                reviewer=r["reviewer"],
                decision=Decision(r["decision"]),
                role=Role(r["role"]),
                suggested=Role(r["suggested"] or r["role"]),
                subject=r["subject"],
                evidence_id=r["evidence_id"],
                request_id=r["request_id"],
                origin=r["origin"],
                active=bool(r["active"]),
                at=r["at"],
                id=int(r["id"]),
            )
            for r in rows
        ]

    def review_label_stamp(self) -> str:
        """Return a short fingerprint that changes whenever a label is added, withdrawn or replaced."""
        row = self.conn.execute(
            "SELECT count(*), coalesce(max(id), 0), coalesce(sum(active), 0) FROM review_labels"
        ).fetchone()
        return f"{int(row[0])}:{int(row[1])}:{int(row[2])}"


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Role | ReviewStatus) else value


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        document_id=int(row["document_id"]),
        passage_id=int(row["passage_id"]),
        start=int(row["start"]),
        end=int(row["end"]),
        quote=row["quote"],
        role=Role(row["role"]),
        confidence=float(row["confidence"]),
        reason=row["reason"],
        context=row["context"],
        codes=json.loads(row["codes"]),
        facet=row["facet"],
        status=ReviewStatus(row["status"]),
        reviewer=row["reviewer"],
        reviewed_at=row["reviewed_at"],
        request_id=row["request_id"],
        pieces=[tuple(p) for p in json.loads(row["pieces"])],
        label=row["label"],
        id=int(row["id"]),
    )
