"""The desk: settings, the store of record and the folder of original files, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from researchdesk.errors import ConfigError, DeskError, DeskNotFound
from researchdesk.settings import Settings
from researchdesk.store.blobs import BlobStore
from researchdesk.store.sqlite import SqliteStore


@dataclass
class Desk:
    """Everything a function needs to work on one desk; passed around, never global."""

    settings: Settings
    store: SqliteStore
    blobs: BlobStore

    @property
    def home(self) -> Path:
        return self.settings.home

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def init_desk(settings: Settings) -> Desk:
    """Create (or open) the desk at ``settings.home`` and return it (with its schema, on an empty database)."""
    home = settings.home
    try:
        for folder in (
            home,
            settings.files_dir,
            settings.index_dir,
            settings.backups_dir,
            home / "codebooks",
        ):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeskError(
            f"Cannot create the desk at {home}: {exc.strerror}.", "Choose a folder you can write to."
        ) from exc
    return _open(settings, create=True)


def open_desk(settings: Settings) -> Desk:
    """Open an existing desk; raise DeskNotFound when ``settings.home`` holds none.

    With a PostgreSQL ``database_url`` the database must be at the current schema (SchemaError
    otherwise, saying to run ``researchdesk db migrate``); the home folder keeps the original files.
    """
    if not settings.database_url and not settings.db_path.exists():
        raise DeskNotFound(settings.home)
    return _open(settings)


def open_store(settings: Settings, create: bool = False) -> SqliteStore:
    """Return the store of record named by the settings: PostgreSQL for a postgresql:// URL, else SQLite.

    SQLite upgrades its schema on open (after a backup copy); PostgreSQL does so only with
    ``create`` on an empty database or via ``researchdesk db migrate``.
    """
    url = settings.database_url.strip()
    if not url:
        return SqliteStore(settings.db_path, settings.backups_dir)
    from researchdesk.store.postgres import PostgresStore, is_postgres_url

    if not is_postgres_url(url):
        raise ConfigError(
            f"RESEARCHDESK_DATABASE_URL={url!r} is not a PostgreSQL URL.",
            "Set it to postgresql://user:password@host:port/dbname, or leave it empty for the SQLite file "
            "in the desk folder.",
        )
    return PostgresStore(url, create=create)


def _open(settings: Settings, create: bool = False) -> Desk:
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings, create=create)
    return Desk(settings=settings, store=store, blobs=BlobStore(settings.files_dir))
