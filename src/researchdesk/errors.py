"""One exception tree for ResearchDesk; every error says what is wrong and what to do next.

ResearchDeskError                 base; ``.hint`` says what to do, ``.status`` is the HTTP status
├── ConfigError                   a setting is missing or invalid
├── DeskError                     the desk directory or its database cannot be used
│   ├── DeskNotFound              no desk at the given path (run ``researchdesk init``)
│   ├── SchemaError               the database schema is newer or broken
│   └── ConstraintError           the database refused a change for a rule of its schema; nothing saved
├── NotFound                      an object does not exist (404)
│   ├── DocumentNotFound          ``.document_id``
│   ├── RequestNotFound           ``.request_id``
│   ├── EvidenceNotFound          ``.evidence_id``
│   └── MemberNotFound            ``.name``
├── InputError                    a value given by the user is not acceptable (400)
│   ├── QueryError                an empty, stop-word-only or unknown-mode search
│   ├── UnknownChoice             a value outside a fixed list; the valid choices are listed
│   ├── WorkflowError             a request status change that the workflow does not allow (409)
│   └── AlreadyExists             a name, email or key the desk already holds (409); ``.what``, ``.key``
├── ReadError                     a file could not be read as a document; ``.path``
│   ├── UnsupportedFormat         no reader for this kind of file
│   ├── EncryptedFile             the file is password protected
│   ├── CorruptFile               the file is damaged or not what its name says
│   ├── EmptyFile                 nothing to read
│   └── TooLarge                  over the configured size limit
├── CheckFailed                   a brief failed its checks and cannot be delivered (409)
├── RenderError                   a brief could not be written in a format
└── ExternalError                 an outside scholarly index or a download failed (502); ``.url``
    ├── NetworkUnavailable        offline by setting, or the network cannot be reached (503)
    ├── BadResponse               a service answered something that is not what it documents
    └── NotOpenAccess             a "full text" link gave a login page or no document
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class ResearchDeskError(Exception):
    """Base of every error ResearchDesk raises on purpose."""

    status: int = 500

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class ConfigError(ResearchDeskError):
    status = 500


class DeskError(ResearchDeskError):
    status = 500


class DeskNotFound(DeskError):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"No desk at {home}.",
            "Create one with `researchdesk init` or point RESEARCHDESK_HOME at an existing desk.",
        )
        self.home = home


class SchemaError(DeskError):
    pass


class ConstraintError(DeskError):
    """The database refused a change (a foreign key, a required value): the whole change was undone."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The database refused the change ({detail}); nothing was saved.",
            "Check that what the change refers to still exists (someone may have just removed it), "
            "then try again.",
        )
        self.detail = detail


class NotFound(ResearchDeskError):
    status = 404


class DocumentNotFound(NotFound):
    def __init__(self, document_id: int | str) -> None:
        super().__init__(
            f"Document {document_id} is not in the library.",
            "List documents with `researchdesk library list`.",
        )
        self.document_id = document_id


class RequestNotFound(NotFound):
    def __init__(self, request_id: int) -> None:
        super().__init__(
            f"Request {request_id} does not exist.", "List requests with `researchdesk request list`."
        )
        self.request_id = request_id


class EvidenceNotFound(NotFound):
    def __init__(self, evidence_id: int) -> None:
        super().__init__(
            f"Evidence {evidence_id} does not exist.", "List evidence with `researchdesk evidence list`."
        )
        self.evidence_id = evidence_id


class MemberNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"No member organization or person named {name!r}.",
            "List members with `researchdesk member list`, or add one with `researchdesk member add`.",
        )
        self.name = name


class InputError(ResearchDeskError):
    status = 400


class QueryError(InputError):
    pass


class UnknownChoice(InputError):
    def __init__(self, what: str, value: object, choices: Iterable[str]) -> None:
        valid = ", ".join(sorted(choices))
        super().__init__(f"Unknown {what} {value!r}.", f"Choose one of: {valid}.")
        self.what = what
        self.value = value
        self.choices = sorted(choices)


class WorkflowError(InputError):
    status = 409


class AlreadyExists(InputError):
    """A row whose unique key (a member's name, a user's email ...) the desk already holds."""

    status = 409

    def __init__(self, what: str, key: str, hint: str, value: str | None = None) -> None:
        shown = f"the {key} {value!r}" if value is not None else f"that {key}"
        super().__init__(f"A {what} with {shown} already exists; nothing was saved.", hint)
        self.what = what
        self.key = key
        self.value = value

    def naming(self, value: str) -> AlreadyExists:
        """Return the same error naming the value that is taken."""
        return AlreadyExists(self.what, self.key, self.hint, value)


class ReadError(ResearchDeskError):
    status = 422

    def __init__(self, path: Path | str, message: str, hint: str = "") -> None:
        super().__init__(f"{path}: {message}", hint)
        self.path = str(path)
        self.reason = message


class UnsupportedFormat(ReadError):
    pass


class EncryptedFile(ReadError):
    pass


class CorruptFile(ReadError):
    pass


class EmptyFile(ReadError):
    pass


class TooLarge(ReadError):
    pass


class CheckFailed(ResearchDeskError):
    status = 409


class RenderError(ResearchDeskError):
    status = 500


class ExternalError(ResearchDeskError):
    status = 502

    def __init__(self, url: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.url = url


class NetworkUnavailable(ExternalError):
    status = 503


class BadResponse(ExternalError):
    pass


class NotOpenAccess(ExternalError):
    status = 422
