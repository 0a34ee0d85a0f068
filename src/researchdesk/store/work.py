"""Rows of the service's work: members, requests and their event log, scan log, evidence and briefs.

A mixin of the SQLite store; kept apart from the library rows so each module stays small.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from researchdesk.errors import EvidenceNotFound, MemberNotFound, RequestNotFound, WorkflowError
from researchdesk.models import Decision, Evidence, ReviewLabel, ReviewStatus, Role
from researchdesk.store.clock import now
from researchdesk.store.integrity import naming


class WorkRows:
    conn: sqlite3.Connection
    # Appended to a SELECT that reads a row the transaction then changes. SQLite's BEGIN IMMEDIATE
    # already serialises writers; the server store sets " FOR UPDATE" so a second writer waits and
    # then reads the first one's result (no lost update).
    ROW_LOCK = ""

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by the store
        raise NotImplementedError

    # --- members --------------------------------------------------------------------------------

    def add_organization(self, name: str, kind: str, active: bool = True) -> int:
        """Insert a member organization and return its id; a name already held is AlreadyExists."""
        with naming(name), self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO organizations (name, kind, active, created_at) VALUES (?,?,?,?)",
                (name, kind, int(active), now()),
            )
        return int(cur.lastrowid or 0)

    def set_organization_active(self, org_id: int, active: bool) -> None:
        self.conn.execute("UPDATE organizations SET active=? WHERE id=?", (int(active), org_id))

    def organization(self, key: int | str) -> dict[str, Any]:
        column = "id" if isinstance(key, int) else "name"
        row = self.conn.execute(f"SELECT * FROM organizations WHERE {column}=?", (key,)).fetchone()
        if row is None:
            raise MemberNotFound(str(key))
        return dict(row)

    def organizations(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM organizations ORDER BY name")]

    def add_person(self, name: str, email: str, organization_id: int | None, role: str) -> int:
        """Insert a person and return their id; an email already held is AlreadyExists."""
        with naming(email), self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO people (name, email, organization_id, role, created_at) VALUES (?,?,?,?,?)",
                (name, email, organization_id, role, now()),
            )
        return int(cur.lastrowid or 0)

    def person(self, key: int | str) -> dict[str, Any]:
        column = "id" if isinstance(key, int) else "email"
        row = self.conn.execute(f"SELECT * FROM people WHERE {column}=?", (key,)).fetchone()
        if row is None:
            raise MemberNotFound(str(key))
        return dict(row)

    def people(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM people ORDER BY name")]

    # --- requests and events --------------------------------------------------------------------

    def add_request(
        self, organization_id: int, requester_id: int | None, prompt: str, context: str, due: str, who: str
    ) -> int:
        stamp = now()
        with self.transaction() as conn:
            cur = conn.execute(
                """INSERT INTO requests (organization_id, requester_id, prompt, context, due, status,
                   created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)""",
                (organization_id, requester_id, prompt, context, due, "received", stamp, stamp),
            )
            request_id = int(cur.lastrowid or 0)
            self._event(conn, request_id, "request", request_id, "filed", {"prompt": prompt, "due": due}, who)
        return request_id

    def request(self, request_id: int) -> dict[str, Any]:
        row = self.conn.execute(
            """SELECT r.*, o.name AS organization, o.kind AS organization_kind, p.name AS requester,
                      p.email AS requester_email
               FROM requests r JOIN organizations o ON o.id = r.organization_id
               LEFT JOIN people p ON p.id = r.requester_id WHERE r.id=?""",
            (request_id,),
        ).fetchone()
        if row is None:
            raise RequestNotFound(request_id)
        found = dict(row)
        found["plan"] = json.loads(found["plan"]) if found["plan"] else None
        return found

    def requests(
        self,
        status: str | None = None,
        assignee: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Return requests by due date (undated last), optionally of one status or assignee, a page at a time."""
        sql = """SELECT r.id, r.status, r.due, r.assignee, r.prompt, r.created_at, o.name AS organization
                 FROM requests r JOIN organizations o ON o.id = r.organization_id"""
        where, args = self._request_filter(status, assignee)
        sql += where + " ORDER BY r.due = '', r.due, r.id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        return [dict(r) for r in self.conn.execute(sql, args)]

    def request_counts(self, assignee: str | None = None) -> dict[str, int]:
        """Return how many requests each status has (statuses with none are left out)."""
        where, args = self._request_filter(None, assignee)
        sql = f"SELECT r.status, COUNT(*) AS n FROM requests r{where} GROUP BY r.status"
        return {row["status"]: int(row["n"]) for row in self.conn.execute(sql, args)}

    @staticmethod
    def _request_filter(status: str | None, assignee: str | None) -> tuple[str, tuple[Any, ...]]:
        clauses, args = [], []
        if status:
            clauses.append("r.status=?")
            args.append(status)
        if assignee is not None:
            clauses.append("r.assignee=?")
            args.append(assignee)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    def update_request(
        self,
        request_id: int,
        changes: dict[str, Any],
        who: str,
        action: str,
        expected_version: int | None = None,
    ) -> int:
        """Change request columns in one transaction with an event; return the new version.

        With ``expected_version``, a concurrent change made since that version is a conflict.
        """
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT version FROM requests WHERE id=?{self.ROW_LOCK}", (request_id,)
            ).fetchone()
            if row is None:
                raise RequestNotFound(request_id)
            version = int(row[0])
            if expected_version is not None and version != expected_version:
                raise _conflict(request_id, version, expected_version)
            stored = {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for k, v in changes.items()
            }
            sets = ", ".join(f"{k}=?" for k in stored)
            cur = conn.execute(
                f"UPDATE requests SET {sets}, version=version+1, updated_at=? WHERE id=? AND version=?",
                (*stored.values(), now(), request_id, version),
            )
            if cur.rowcount != 1:  # changed between the read and the write: never overwrite it
                raise _conflict(request_id, version + 1, version)
            detail = {k: v for k, v in changes.items() if k != "plan"}
            self._event(conn, request_id, "request", request_id, action, detail, who)
        return version + 1

    def log_event(
        self,
        request_id: int | None,
        subject: str,
        subject_id: int | None,
        action: str,
        detail: dict[str, Any],
        who: str,
    ) -> None:
        with self.transaction() as conn:
            self._event(conn, request_id, subject, subject_id, action, detail, who)

    def _event(
        self,
        conn: sqlite3.Connection,
        request_id: int | None,
        subject: str,
        subject_id: int | None,
        action: str,
        detail: dict[str, Any],
        who: str,
    ) -> None:
        conn.execute(
            "INSERT INTO events (request_id, subject, subject_id, action, detail, who, at) VALUES (?,?,?,?,?,?,?)",
            (
                request_id,
                subject,
                subject_id,
                action,
                json.dumps(detail, ensure_ascii=False, default=str),
                who,
                now(),
            ),
        )

    def events(
        self,
        request_id: int,
        subjects: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Return a request's event log in order (or newest first), optionally only of some subjects
        (request, evidence, brief, file), a page at a time with ``limit``."""
        where, args = self._event_filter(request_id, subjects)
        sql = f"SELECT * FROM events{where} ORDER BY id{' DESC' if newest_first else ''}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        rows = self.conn.execute(sql, args).fetchall()
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]

    def count_events(self, request_id: int, subjects: Sequence[str] | None = None) -> int:
        """Return how many events a request's log holds (optionally only of some subjects)."""
        where, args = self._event_filter(request_id, subjects)
        return int(self.conn.execute(f"SELECT COUNT(*) AS n FROM events{where}", args).fetchone()["n"])

    @staticmethod
    def _event_filter(request_id: int, subjects: Sequence[str] | None) -> tuple[str, tuple[Any, ...]]:
        if subjects is None:
            return " WHERE request_id=?", (request_id,)
        marks = ", ".join("?" for _ in subjects) or "NULL"
        return f" WHERE request_id=? AND subject IN ({marks})", (request_id, *subjects)

    # --- scan log -------------------------------------------------------------------------------

    def next_scan_run(self, request_id: int) -> int:
        row = self.conn.execute(
            "SELECT coalesce(max(run), 0) FROM scan_log WHERE request_id=?", (request_id,)
        ).fetchone()
        return int(row[0]) + 1

    def add_scan_entry(
        self,
        request_id: int,
        run: int,
        facet: str,
        query: str,
        filters: dict[str, Any],
        mode: str,
        passages: int,
        documents: list[int],
    ) -> None:
        self.conn.execute(
            """INSERT INTO scan_log (request_id, run, facet, query, filters, mode, passages, documents, at)
               VALUES (?,?,?,?,?,?,?,?,?)""",
            (
                request_id,
                run,
                facet,
                query,
                json.dumps(filters),
                mode,
                passages,
                json.dumps(documents),
                now(),
            ),
        )

    def scan_log(self, request_id: int, run: int | None = None) -> list[dict[str, Any]]:
        if run is None:
            run = self.next_scan_run(request_id) - 1
        rows = self.conn.execute(
            "SELECT * FROM scan_log WHERE request_id=? AND run=? ORDER BY id", (request_id, run)
        ).fetchall()
        return [
            {**dict(r), "filters": json.loads(r["filters"]), "documents": json.loads(r["documents"])}
            for r in rows
        ]

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
    ) -> list[dict[str, Any]]:
        """Return (request_id, quote) of accepted or edited evidence of other requests with one of these texts."""
        wanted = sorted(set(quotes))
        out: list[dict[str, Any]] = []
        for at in range(0, len(wanted), 200):
            chunk = wanted[at : at + 200]
            marks = ", ".join("?" for _ in chunk)
            rows = self.conn.execute(
                f"SELECT DISTINCT request_id, quote FROM evidence WHERE quote IN ({marks}) "
                "AND status IN ('accepted', 'edited') AND request_id IS NOT NULL AND request_id <> ?",
                (*chunk, -1 if exclude_request is None else exclude_request),
            ).fetchall()
            out.extend({"request_id": int(r[0]), "quote": r[1]} for r in rows)
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

    def evidence_history(self, evidence_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM events WHERE subject='evidence' AND subject_id=? ORDER BY id", (evidence_id,)
        ).fetchall()
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]

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

    # --- briefs ---------------------------------------------------------------------------------

    def add_brief(self, request_id: int, body: dict[str, Any], check_report: dict[str, Any], who: str) -> int:
        with self.transaction() as conn:
            # Two drafts at once must not both take the same version number.
            conn.execute(f"SELECT id FROM requests WHERE id=?{self.ROW_LOCK}", (request_id,))
            row = conn.execute(
                "SELECT coalesce(max(version), 0) FROM briefs WHERE request_id=?", (request_id,)
            ).fetchone()
            version = int(row[0]) + 1
            conn.execute(
                "INSERT INTO briefs (request_id, version, body, check_report, created_at) VALUES (?,?,?,?,?)",
                (request_id, version, json.dumps(body, ensure_ascii=False), json.dumps(check_report), now()),
            )
            self._event(conn, request_id, "brief", version, "drafted", {"version": version}, who)
        return version

    def latest_brief(self, request_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE request_id=? ORDER BY version DESC LIMIT 1", (request_id,)
        ).fetchone()
        if row is None:
            return None
        return {
            **dict(row),
            "body": json.loads(row["body"]),
            "check_report": json.loads(row["check_report"] or "{}"),
        }

    def set_brief_check(self, request_id: int, version: int, report: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE briefs SET check_report=? WHERE request_id=? AND version=?",
            (json.dumps(report), request_id, version),
        )

    def mark_brief_delivered(self, request_id: int, version: int, document_id: int, who: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE briefs SET status='delivered', delivered_at=?, document_id=? WHERE request_id=? AND version=?",
                (now(), document_id, request_id, version),
            )
            self._event(conn, request_id, "brief", version, "delivered", {"document_id": document_id}, who)

    def iter_rows(self, table: str) -> Iterator[dict[str, Any]]:
        for row in self.conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            yield dict(row)


def _conflict(request_id: int, version: int, expected: int) -> WorkflowError:
    return WorkflowError(
        f"Request {request_id} was changed by someone else (version {version}, you had {expected}).",
        "Reload the request and make your change again.",
    )


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
