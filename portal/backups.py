"""Backing up the database and the uploaded files, and restoring them (`make backup`,
`make restore FILE=...`; the management commands `backup` and `restore` call these).

- PostgreSQL: `pg_dump --format=custom` of the database to `portal-<timestamp>.dump`; restored
  with `pg_restore --clean --if-exists --no-owner` in one transaction (an error restores
  nothing). The dump holds the audit log's append-only trigger: restore drops the table
  (DROP is not refused, only UPDATE and DELETE are), loads the rows, then recreates the trigger.
- SQLite: a consistent copy through sqlite3's online backup API to `portal-<timestamp>.sqlite3`
  (a plain file copy could catch a half-written transaction), copied back the same way.
- Uploaded files (MEDIA_ROOT) go to `portal-<timestamp>-media.tar.gz` beside the database file;
  restore unpacks it over MEDIA_ROOT when it is there.

Connection details are passed to pg_dump/pg_restore in the environment (PGHOST, PGPASSWORD, …),
never on the command line where `ps` would show the password.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils import timezone

PREFIX = "portal-"
MEDIA_SUFFIX = "-media.tar.gz"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Database:
    vendor: str  # "postgresql" or "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    sslmode: str = ""

    @classmethod
    def from_settings(cls, settings_dict: Mapping[str, Any]) -> "Database":
        engine = settings_dict["ENGINE"]
        if "postgresql" in engine:
            return cls(
                "postgresql",
                str(settings_dict["NAME"]),
                str(settings_dict.get("HOST") or ""),
                str(settings_dict.get("PORT") or ""),
                str(settings_dict.get("USER") or ""),
                str(settings_dict.get("PASSWORD") or ""),
                str((settings_dict.get("OPTIONS") or {}).get("sslmode", "")),
            )
        if "sqlite3" in engine:
            return cls("sqlite", str(settings_dict["NAME"]))
        raise ImproperlyConfigured(f"Backups support PostgreSQL and SQLite, not {engine}.")

    @classmethod
    def current(cls, url: str = "") -> "Database":
        """The database at `url`, or the one the portal uses (the test database in tests)."""
        if url:
            return cls.from_settings(dj_database_url.parse(url))
        return cls.from_settings(connections["default"].settings_dict)

    def environment(self) -> dict[str, str]:
        values = {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
            "PGSSLMODE": self.sslmode,
        }
        return {**os.environ, **{k: v for k, v in values.items() if v}}


def default_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client "
            f"(apt-get install postgresql-client), the same major version as the server."
        )
    return path


def _run(command: list[str], database: Database) -> None:
    done = subprocess.run(  # noqa: S603 (fixed tool, arguments built here)
        command, env=database.environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def backup(*, directory: Path | None = None, media: bool = True) -> list[Path]:
    """Write a backup of the database (and of the uploaded files); return the files written."""
    database = Database.current()
    directory = Path(directory or default_directory())
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if database.vendor == "postgresql":
        target = directory / f"{PREFIX}{stamp}.dump"
        _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}"], database)
    else:
        if not Path(database.name).is_file():
            raise BackupError(f"No database at {database.name}: nothing to back up.")
        target = directory / f"{PREFIX}{stamp}.sqlite3"
        source = sqlite3.connect(database.name)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    written = [target]
    media_root = Path(settings.MEDIA_ROOT)
    if media and media_root.is_dir():
        archive = directory / f"{PREFIX}{stamp}{MEDIA_SUFFIX}"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(media_root, arcname=".")
        written.append(archive)
    return written


def media_archive_for(path: Path) -> Path:
    return path.with_name(path.name.rsplit(".", 1)[0] + MEDIA_SUFFIX)


def restore(path: Path, *, url: str = "", media: bool = True) -> Database:
    """Replace the database (the portal's, or the one at `url`) with the backup at `path`, and
    unpack its uploaded files over MEDIA_ROOT when the archive is there."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    database = Database.current(url)
    if database.vendor == "postgresql":
        if path.suffix != ".dump":
            raise BackupError(f"{path.name} is not a PostgreSQL backup (.dump).")
        connections.close_all()  # our own sessions would hold locks on the tables dropped
        _run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-password",
             "--single-transaction", "--exit-on-error", f"--dbname={database.name}", str(path)],
            database,
        )  # fmt: skip
    else:
        if path.suffix != ".sqlite3":
            raise BackupError(f"{path.name} is not a SQLite backup (.sqlite3).")
        connections.close_all()
        source = sqlite3.connect(path)
        target = sqlite3.connect(database.name)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    archive = media_archive_for(path)
    if media and archive.is_file():
        media_root = Path(settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(media_root, filter="data")
    return database
