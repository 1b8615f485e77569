"""Backups: the database and the uploaded files in one folder, with a manifest.

`manage.py backup DIR` writes `DIR/bansos-YYYYMMDD-HHMMSS/`:

    database.pgdump   PostgreSQL: `pg_dump --format=custom`
    database.sqlite3  SQLite: a copy made with the online backup API
    media/            MEDIA_ROOT as it was (the uploaded files)
    manifest.json     when, the database vendor, rows per table, sha256 per file

`manage.py restore DIR/bansos-…` checks every checksum before it touches
anything, then puts the database and MEDIA_ROOT back as they were.

Only Django's connection and settings are used here: `common` imports no app.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
PREFIX = "bansos-"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed by the restore."""


def sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def media_root() -> Path:
    return Path(os.fspath(settings.MEDIA_ROOT))


def files_under(folder: Path) -> dict[str, Path]:
    """Every file under `folder`, by its POSIX path relative to it."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def check_vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            f"Backups support PostgreSQL and SQLite, not {connection.vendor}."
        )
    return connection.vendor


# -- Rows per table ----------------------------------------------------------


def table_names(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND substr(name, 1, 7) != 'sqlite_' ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT tablename FROM pg_catalog.pg_tables "
            "WHERE schemaname = current_schema() ORDER BY tablename"
        )
    return [row[0] for row in cursor.fetchall()]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for table in table_names(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def current_row_counts() -> dict[str, int]:
    """Rows per table in the configured database, as the manifest counts them."""
    with connection.cursor() as cursor:
        return row_counts(cursor, connection.vendor)


# -- PostgreSQL --------------------------------------------------------------


def postgresql_command(program: str, settings_dict: dict) -> tuple[list[str], dict]:
    """`program` with the connection settings: host, port and user as arguments,
    the password and TLS options in the environment (never on the command line)."""
    _args, env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    args = [program, "--no-password"]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("NAME"):  # else PGSERVICE names the database
        args += [f"--dbname={settings_dict['NAME']}"]
    return args, {**os.environ, **(env or {})}


def run(args: list[str], env: dict) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(
            f"{args[0]} is not installed (Debian/Ubuntu: apt install "
            "postgresql-client, of the server's major version or newer)."
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed:\n{result.stderr.strip()}")


def dump_postgresql(target: Path) -> dict[str, int]:
    """pg_dump, and the rows it holds: both read one snapshot of the database."""
    settings_dict = connection.settings_dict
    # A connection of our own: a transaction open elsewhere must not matter.
    wrapper_class = type(connections[DEFAULT_DB_ALIAS])
    reader = wrapper_class(dict(settings_dict), DEFAULT_DB_ALIAS)
    try:
        reader.set_autocommit(False)
        with reader.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = row_counts(cursor, "postgresql")
            args, env = postgresql_command("pg_dump", settings_dict)
            args += [
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ]
            # The snapshot lives as long as this transaction: dump inside it.
            run(args, env)
        reader.rollback()
    finally:
        reader.close()
    return counts


def restore_postgresql(source: Path) -> None:
    settings_dict = connection.settings_dict
    connection.close()  # hold no lock on the tables pg_restore drops
    args, env = postgresql_command("pg_restore", settings_dict)
    args += [
        "--clean",
        "--if-exists",
        "--no-owner",
        # All or nothing: a failed restore leaves the database as it was.
        "--single-transaction",
        "--exit-on-error",
        str(source),
    ]
    run(args, env)


# -- SQLite ------------------------------------------------------------------


def dump_sqlite(target: Path) -> dict[str, int]:
    """A consistent copy while the site runs; the rows are counted in the copy."""
    if connection.in_atomic_block:
        # The backup API would wait for ever on a shared in-memory database.
        raise BackupError("Cannot back up SQLite inside a transaction.")
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        return row_counts(copy.cursor(), "sqlite")


def restore_sqlite(source: Path) -> None:
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("Cannot restore SQLite inside a transaction.")
    with closing(
        sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    ) as copy:
        # Replaces every page of the live database in one step.
        copy.backup(connection.connection)


# -- Backup ------------------------------------------------------------------


def folder_name(parent: Path) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name, n = f"{PREFIX}{stamp}", 1
    while (parent / name).exists() or (parent / f".{name}.partial").exists():
        n += 1
        name = f"{PREFIX}{stamp}-{n}"
    return name


def create(parent: Path) -> Path:
    """Write a backup folder into `parent` and return it."""
    vendor = check_vendor()
    media = media_root()
    parent = parent.resolve()
    if parent.is_relative_to(media.resolve()):
        raise BackupError(f"Backups cannot go inside MEDIA_ROOT ({media}).")
    parent.mkdir(parents=True, exist_ok=True)
    name = folder_name(parent)
    # Written under a hidden name, renamed when complete: a folder named
    # bansos-… is always a whole backup. Only its owner may read it.
    work = parent / f".{name}.partial"
    work.mkdir(mode=0o700)
    try:
        database = DATABASE_FILES[vendor]
        dump = dump_postgresql if vendor == "postgresql" else dump_sqlite
        # The database first: every file it names was uploaded before the copy.
        counts = dump(work / database)
        if media.is_dir():
            shutil.copytree(media, work / MEDIA)
        else:
            (work / MEDIA).mkdir()
        manifest = {
            "format": FORMAT,
            "application": "bansos",
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "django": django.get_version(),
            "database": {
                "vendor": vendor,
                "name": str(connection.settings_dict["NAME"]),
                "file": database,
            },
            "media_root": str(media),
            "tables": counts,
            "files": {rel: sha256(path) for rel, path in files_under(work).items()},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        final = parent / name
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def prune(parent: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest complete backups in `parent`."""
    backups = sorted(
        (
            path
            for path in parent.iterdir()
            if path.is_dir()
            and path.name.startswith(PREFIX)
            and (path / MANIFEST).is_file()
        ),
        key=lambda path: path.name,
    )
    old = backups[:-keep] if keep > 0 else []
    for path in old:
        shutil.rmtree(path)
    return old


# -- Restore -----------------------------------------------------------------


@dataclass
class Backup:
    folder: Path
    manifest: dict
    files: dict[str, str]  # relative path: sha256

    @property
    def vendor(self) -> str:
        return self.manifest["database"]["vendor"]

    @property
    def database_file(self) -> Path:
        return self.folder / self.manifest["database"]["file"]

    @property
    def media_files(self) -> dict[str, str]:
        prefix = MEDIA + "/"
        return {
            rel.removeprefix(prefix): digest
            for rel, digest in self.files.items()
            if rel.startswith(prefix)
        }


def read_verified(folder: Path) -> Backup:
    """The backup in `folder`, once every file matches the manifest exactly."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{folder} has no {MANIFEST}: name one backup folder ({PREFIX}…), "
            "not the folder that holds them."
        )
    try:
        manifest = json.loads(path.read_text())
        files = dict(manifest["files"])
        database = manifest["database"]["file"]
        vendor = manifest["database"]["vendor"]
        dict(manifest["tables"])
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(
            f"{path} is not a backup manifest ({error}); nothing was restored."
        ) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path}: unknown format {manifest.get('format')!r}; nothing was restored."
        )
    if vendor not in DATABASE_FILES or database != DATABASE_FILES[vendor]:
        raise BackupError(
            f"{path}: unknown database {vendor!r} / {database!r}; nothing was restored."
        )
    for rel in files:
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts or rel == MANIFEST:
            raise BackupError(
                f"{path} names a file outside the backup ({rel}); nothing was restored."
            )

    present = {rel for rel in files_under(folder) if rel != MANIFEST}
    problems = [f"missing: {rel}" for rel in sorted(files.keys() - present)]
    problems += [
        f"not in the manifest: {rel}" for rel in sorted(present - files.keys())
    ]
    problems += [
        f"checksum differs: {rel}"
        for rel in sorted(files.keys() & present)
        if sha256(folder / rel) != files[rel]
    ]
    if database not in files:
        problems.append(f"missing: {database}")
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BackupError(
            f"{folder} does not match its manifest; nothing was restored.\n  "
            f"{shown}{more}"
        )
    return Backup(folder, manifest, files)


def restore_database(backup: Backup) -> None:
    if backup.vendor != connection.vendor:
        raise BackupError(
            f"The backup holds a {backup.vendor} database; this site uses "
            f"{connection.vendor}."
        )
    if connection.in_atomic_block:
        raise BackupError("Cannot restore the database inside a transaction.")
    if backup.vendor == "postgresql":
        restore_postgresql(backup.database_file)
    else:
        restore_sqlite(backup.database_file)


def restore_media(backup: Backup) -> tuple[int, int]:
    """Make MEDIA_ROOT hold exactly the backup's files; (copied, deleted)."""
    target = media_root()
    target.mkdir(parents=True, exist_ok=True)
    wanted = backup.media_files
    copied = deleted = 0
    for rel, digest in wanted.items():
        destination = target / rel
        if destination.is_file() and sha256(destination) == digest:
            continue  # already as it was
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{destination.name}.restoring")
        shutil.copy2(backup.folder / MEDIA / rel, partial)
        os.replace(partial, destination)
        copied += 1
    # Files uploaded after the backup: the restored database knows none of them.
    for rel, path in files_under(target).items():
        if rel not in wanted:
            path.unlink()
            deleted += 1
    for folder in sorted(target.rglob("*"), reverse=True):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
    return copied, deleted


@dataclass
class Restored:
    copied: int  # media files written
    deleted: int  # media files not in the backup, removed
    # Tables whose rows differ from the manifest afterwards, {table: (expected,
    # found)}: none, unless the database has tables the backup lacks.
    differences: dict[str, tuple[int, int]]


def restore(backup: Backup) -> Restored:
    """The database first, then the files (a failed database restore leaves both)."""
    restore_database(backup)
    copied, deleted = restore_media(backup)
    expected = backup.manifest["tables"]
    found = current_row_counts()
    differences = {
        table: (expected.get(table, 0), found.get(table, 0))
        for table in sorted(expected.keys() | found.keys())
        if expected.get(table, 0) != found.get(table, 0)
    }
    return Restored(copied, deleted, differences)
