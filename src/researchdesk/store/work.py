"""Rows of the service's work: member organizations, requests and their event log, scan log and briefs.

A mixin of the SQLite store; kept apart from the library rows (and the evidence rows, ``evidence.py``)
so each module stays small.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from researchdesk.errors import MemberNotFound, RequestNotFound, WorkflowError
from researchdesk.store.clock import now
from researchdesk.store.integrity import naming
from researchdesk.work import (
    BriefStatus,
    BriefText,
    BriefVersion,
    Event,
    Organization,
    OrganizationKind,
    Request,
    RequestStatus,
    ScanQuery,
)


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

    def organization(self, key: int | str) -> Organization:
        """Return a member organization by id or name (the name in any case)."""
        column = "id" if isinstance(key, int) else "name"
        row = self.conn.execute(f"SELECT * FROM organizations WHERE {column}=?", (key,)).fetchone()
        if row is None:
            raise MemberNotFound(str(key))
        return _organization(row)

    def organizations(self) -> list[Organization]:
        """Return every member organization, active or lapsed, by name."""
        return [_organization(r) for r in self.conn.execute("SELECT * FROM organizations ORDER BY name")]

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

    def request(self, request_id: int) -> Request:
        row = self.conn.execute(f"{_REQUEST_SELECT} WHERE r.id=?", (request_id,)).fetchone()
        if row is None:
            raise RequestNotFound(request_id)
        return _request(row)

    def requests(
        self,
        status: str | None = None,
        assignee: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Request]:
        """Return requests by due date (undated last), optionally of one status or assignee, a page at a time."""
        where, args = self._request_filter(status, assignee)
        sql = _REQUEST_SELECT + where + " ORDER BY r.due = '', r.due, r.id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        return [_request(r) for r in self.conn.execute(sql, args)]

    def requests_of(
        self, organization_id: int, status: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Request]:
        """Return one organization's requests (optionally of one status), newest first, a page at a
        time with ``limit``."""
        sql = f"{_REQUEST_SELECT} WHERE r.organization_id=?"
        args: tuple[Any, ...] = (organization_id,)
        if status is not None:
            sql += " AND r.status=?"
            args += (status,)
        sql += " ORDER BY r.id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        return [_request(r) for r in self.conn.execute(sql, args).fetchall()]

    def count_requests_of(self, organization_id: int, status: str | None = None) -> int:
        """Return how many requests one organization has filed (optionally of one status)."""
        sql = "SELECT COUNT(*) AS n FROM requests WHERE organization_id=?"
        args: tuple[Any, ...] = (organization_id,)
        if status is not None:
            sql, args = sql + " AND status=?", (*args, status)
        return int(self.conn.execute(sql, args).fetchone()["n"])

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
    ) -> list[Event]:
        """Return a request's event log in order (or newest first), optionally only of some subjects
        (request, evidence, brief, file), a page at a time with ``limit``."""
        where, args = self._event_filter(request_id, subjects)
        sql = f"SELECT * FROM events{where} ORDER BY id{' DESC' if newest_first else ''}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        return [event_of_row(r) for r in self.conn.execute(sql, args).fetchall()]

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

    def scan_log(self, request_id: int, run: int | None = None) -> list[ScanQuery]:
        """Return the queries of one scan of a request (by default its latest), in the order run."""
        if run is None:
            run = self.next_scan_run(request_id) - 1
        rows = self.conn.execute(
            "SELECT * FROM scan_log WHERE request_id=? AND run=? ORDER BY id", (request_id, run)
        ).fetchall()
        return [_scan_query(r) for r in rows]

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

    def latest_brief(self, request_id: int) -> BriefText | None:
        """Return the newest version of a request's brief with its text, None before the first draft."""
        row = self.conn.execute(
            f"SELECT {_BRIEF_COLUMNS}, body FROM briefs WHERE request_id=? ORDER BY version DESC LIMIT 1",
            (request_id,),
        ).fetchone()
        return None if row is None else _brief_text(row)

    def brief_version(self, request_id: int, version: int) -> BriefText | None:
        """Return one version of a request's brief with its text, None when there is no such version."""
        row = self.conn.execute(
            f"SELECT {_BRIEF_COLUMNS}, body FROM briefs WHERE request_id=? AND version=?",
            (request_id, version),
        ).fetchone()
        return None if row is None else _brief_text(row)

    def brief_versions(self, request_id: int) -> list[BriefVersion]:
        """Return every version of a request's brief (without the text), newest first."""
        rows = self.conn.execute(
            f"SELECT {_BRIEF_COLUMNS} FROM briefs WHERE request_id=? ORDER BY version DESC", (request_id,)
        ).fetchall()
        return [_brief_version(r) for r in rows]

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


def _organization(row: Mapping[str, Any]) -> Organization:
    """Return the organization of a row of the organizations table."""
    return Organization(
        id=int(row["id"]),
        name=row["name"],
        kind=OrganizationKind(row["kind"]),
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def _scan_query(row: Mapping[str, Any]) -> ScanQuery:
    """Return the query of a row of the scan_log table."""
    return ScanQuery(
        id=int(row["id"]),
        request_id=int(row["request_id"]),
        run=int(row["run"]),
        facet=row["facet"],
        query=row["query"],
        filters=json.loads(row["filters"]),
        mode=row["mode"],
        passages=int(row["passages"]),
        documents=json.loads(row["documents"]),
        at=row["at"],
    )


# A request with its organization and requester named (a request may have been filed without a requester).
_REQUEST_SELECT = """SELECT r.*, o.name AS organization, o.kind AS organization_kind, p.name AS requester,
       p.email AS requester_email
FROM requests r JOIN organizations o ON o.id = r.organization_id LEFT JOIN users p ON p.id = r.requester_id"""


def _request(row: Mapping[str, Any]) -> Request:
    """Return the request of a row read with ``_REQUEST_SELECT``."""
    return Request(
        id=int(row["id"]),
        organization_id=int(row["organization_id"]),
        requester_id=None if row["requester_id"] is None else int(row["requester_id"]),
        prompt=row["prompt"],
        context=row["context"],
        due=row["due"],
        assignee=row["assignee"],
        status=RequestStatus(row["status"]),
        decline_reason=row["decline_reason"],
        plan=json.loads(row["plan"]) if row["plan"] else None,
        version=int(row["version"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        organization=row["organization"],
        organization_kind=row["organization_kind"],
        requester=row["requester"],
        requester_email=row["requester_email"],
    )


def event_of_row(row: Mapping[str, Any]) -> Event:
    """Return the event of a row of the events table."""
    return Event(
        id=int(row["id"]),
        request_id=None if row["request_id"] is None else int(row["request_id"]),
        subject=row["subject"],
        subject_id=None if row["subject_id"] is None else int(row["subject_id"]),
        action=row["action"],
        detail=json.loads(row["detail"]),
        who=row["who"],
        at=row["at"],
    )


_BRIEF_COLUMNS = "request_id, version, status, document_id, created_at, delivered_at, check_report"


def _brief_version(row: Mapping[str, Any]) -> BriefVersion:
    """Return the brief version of a row of the briefs table (its text left out)."""
    return BriefVersion(**_brief_fields(row))


def _brief_text(row: Mapping[str, Any]) -> BriefText:
    """Return the brief version of a row of the briefs table, with its text."""
    return BriefText(**_brief_fields(row), body=json.loads(row["body"]))


def _brief_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    document_id = row["document_id"]
    return {
        "request_id": int(row["request_id"]),
        "version": int(row["version"]),
        "status": BriefStatus(row["status"]),
        "document_id": None if document_id is None else int(document_id),
        "created_at": row["created_at"],
        "delivered_at": row["delivered_at"],
        "check_report": json.loads(row["check_report"] or "{}"),
    }


def _conflict(request_id: int, version: int, expected: int) -> WorkflowError:
    return WorkflowError(
        f"Request {request_id} was changed by someone else (version {version}, you had {expected}).",
        "Reload the request and make your change again.",
    )
