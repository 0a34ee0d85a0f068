"""Accounts: argon2 password hashes, server-side sessions, CSRF tokens, API tokens and login throttling.

The web app signs people in with these functions and the ``researchdesk user`` commands manage the
same accounts, so both follow one set of rules (roles, password length, one email per user).
Session ids and API tokens are random 256-bit strings given to the client once; the database keeps
only their SHA-256, so a copy of the database opens no session. Every login creates a new session
id (no fixation) and logout deletes the row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from researchdesk.desk import Desk
from researchdesk.errors import InputError, ResearchDeskError, UnknownChoice
from researchdesk.work import User, UserRole

ROLES = tuple(r.value for r in UserRole)
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class LoginFailed(ResearchDeskError):
    status = 401

    def __init__(self) -> None:
        super().__init__("Wrong email or password.", "Check both and try again; ask an admin to reset it.")


class TooManyAttempts(ResearchDeskError):
    status = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(
            "Too many failed sign-ins for this account or from this address.",
            f"Wait {minutes} minutes and try again, or ask an admin to reset the password.",
        )


@dataclass(frozen=True)
class Throttle:
    """How many failed sign-ins are tolerated within a window."""

    per_email: int = 5
    per_address: int = 20
    window_minutes: int = 15


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest under which a session id or token is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password that meets the minimum length."""
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"The password is too short ({len(password)} characters).",
            f"Use at least {MIN_PASSWORD} characters; a few unrelated words make a good one.",
        )
    return _hasher.hash(password)


def create_user(
    desk: Desk, email: str, password: str, role: str, organization: str | None = None, name: str = ""
) -> User:
    """Create a user who can sign in, or give the person already known by that email a sign-in; return it."""
    email = email.strip()
    if role not in ROLES:
        raise UnknownChoice("role", role, ROLES)
    if "@" not in email:
        raise InputError(f"{email!r} is not an email address.", "Give an address like name@city.gov.")
    org_id: int | None = None
    if organization:
        org_id = desk.store.organization(organization).id
    if role == "member" and org_id is None:
        raise InputError("A member user must belong to an organization.", "Pass --org with its name.")
    user_id = desk.store.add_user(email, name.strip(), hash_password(password), role, org_id)
    return desk.store.user(user_id)


def reset_password(desk: Desk, email: str, password: str) -> User:
    """Set a new password for a user and end their sessions; return the user."""
    user = desk.store.user(email.strip())
    desk.store.set_password_hash(user.id, hash_password(password))
    return user


def authenticate(
    desk: Desk, email: str, password: str, address: str, throttle: Throttle | None = None
) -> User:
    """Return the user whose email and password match; raise LoginFailed or TooManyAttempts."""
    throttle = throttle or Throttle()
    email = email.strip().lower()
    now = datetime.now(UTC)
    since = (now - timedelta(minutes=throttle.window_minutes)).replace(microsecond=0).isoformat()
    by_email, by_address = desk.store.failed_logins(email, address, since)
    if by_email >= throttle.per_email or by_address >= throttle.per_address:
        raise TooManyAttempts(throttle.window_minutes)
    found = desk.store.password_hash(email)
    ok = False
    try:
        ok = _hasher.verify(found[1] if found else _DUMMY_HASH, password) and found is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    stamp = now.replace(microsecond=0).isoformat()
    desk.store.add_login_attempt(email, address, ok, stamp)
    if not ok or found is None:
        raise LoginFailed()
    desk.store.clear_failed_logins(email)
    if _hasher.check_needs_rehash(found[1]):
        desk.store.set_password_hash(found[0], _hasher.hash(password))
    return desk.store.user(found[0])


@dataclass(frozen=True)
class NewSession:
    """A session just created: the id for the cookie and its CSRF token."""

    id: str
    csrf: str
    expires_at: datetime


def start_session(desk: Desk, user: User, hours: float) -> NewSession:
    """Create a fresh session for a user and return its (cookie) id and CSRF token."""
    sid = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    desk.store.delete_expired_sessions(_iso(datetime.now(UTC)))
    desk.store.add_session(digest(sid), user.id, csrf, _iso(expires))
    return NewSession(sid, csrf, expires)


def session_user(desk: Desk, sid: str) -> tuple[User, str] | None:
    """Return the user and CSRF token of a live session id, or None."""
    if not sid:
        return None
    session = desk.store.session(digest(sid), _iso(datetime.now(UTC)))
    if session is None:
        return None
    return desk.store.user(session.user_id), session.csrf


def end_session(desk: Desk, sid: str) -> None:
    """Delete a session (logout)."""
    if sid:
        desk.store.delete_session(digest(sid))


def new_api_token(desk: Desk, email: str, name: str = "") -> str:
    """Create an API token for a user and return it; only its hash is stored, so show it once."""
    user = desk.store.user(email.strip())
    token = "rd_" + secrets.token_urlsafe(32)
    desk.store.add_api_token(user.id, digest(token), name)
    return token


def token_user(desk: Desk, token: str) -> User | None:
    """Return the user of an API token, or None."""
    if not token.startswith("rd_"):
        return None
    user_id = desk.store.token_user(digest(token))
    return desk.store.user(user_id) if user_id is not None else None


def same_token(given: str | None, expected: str) -> bool:
    """Return True when a submitted CSRF token matches (constant-time)."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
