"""Settings of the web app only (sessions, uploads, sign-in throttling, job queue); env prefix RESEARCHDESK_WEB_.

Kept apart from the desk's ``Settings`` because the CLI and the core never read them.
"""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """How the web app behaves; every field reads ``RESEARCHDESK_WEB_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RESEARCHDESK_WEB_", extra="ignore")

    session_hours: float = Field(12.0, description="Hours a sign-in lasts before the user signs in again.")
    cookie_secure: bool = Field(
        True,
        description="Send the session cookie only over HTTPS (browsers also accept it on http://127.0.0.1).",
    )
    max_upload_mb: float = Field(50.0, description="Largest single uploaded file, in megabytes.")
    max_request_mb: float = Field(
        500.0, description="Largest whole upload request (all its files together), in megabytes."
    )
    max_upload_files: int = Field(200, description="Most files accepted in one upload.")
    max_attachments: int = Field(5, description="Most attachments a member may add to one request.")
    login_failures_per_email: int = Field(5, description="Failed sign-ins per account before a pause.")
    login_failures_per_address: int = Field(20, description="Failed sign-ins per address before a pause.")
    login_window_minutes: int = Field(15, description="The pause (and counting window) after failures.")
    render_slots: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        description="Worker processes that render brief downloads (PDF, DOCX, HTML), one download each at a "
        "time; more wait their turn. Defaults to the number of CPUs.",
    )
    jobs_immediate: bool = Field(
        False, description="Run background jobs inside the web process at once (tests, single-user desks)."
    )
    redis_url: str = Field(
        "", description="Redis URL for the job queue of a team server; empty = SQLite queue in the desk."
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)
