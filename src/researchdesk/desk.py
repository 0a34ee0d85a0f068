"""The desk: settings, the store of record and the folder of original files, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from researchdesk.errors import DeskError, DeskNotFound
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
    """Create (or open) the desk at ``settings.home`` and return it."""
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
    return _open(settings)


def open_desk(settings: Settings) -> Desk:
    """Open an existing desk; raise DeskNotFound when ``settings.home`` holds none."""
    if not settings.db_path.exists():
        raise DeskNotFound(settings.home)
    return _open(settings)


def _open(settings: Settings) -> Desk:
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(settings.db_path, settings.backups_dir)
    return Desk(settings=settings, store=store, blobs=BlobStore(settings.files_dir))
