"""`manage.py backup` and `manage.py restore`: the database and the uploaded files.

The round trip runs on the database the suite uses (SQLite by default, PostgreSQL
with DATABASE_URL=postgres://…); the PostgreSQL-only test adds what pg_dump and
pg_restore must get right. Each test commits for real (transaction=True): the
backup reads the database from outside the test's transaction, and
serialized_rollback brings back the role groups the flush afterwards removes.
On PostgreSQL the tests that stop before the restore touches anything run in a
transaction rolled back afterwards, which is much faster there; SQLite's backup
API cannot read the in-memory test database inside that transaction.
"""

import hashlib
import io
import json
import stat
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from imports.models import ImportBatch
from institutions.models import Institution
from tests.factories import ImportBatchFactory, InstitutionFactory, UserFactory

committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)
not_restoring = committing if connection.vendor == "sqlite" else pytest.mark.django_db

EVIDENCE = "lpj/2024/bukti-transfer.pdf"


@pytest.fixture
def media(tmp_path, settings) -> Path:
    """Uploads go to a real folder, as in production."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


@pytest.fixture
def data(media):
    """Some rows, an uploaded list (ImportBatch.file) and another uploaded file."""
    UserFactory.create_batch(2)
    # Its document scans have their own test (tests/test_backup_scans.py).
    InstitutionFactory(name="Panti Asuhan Al-Ikhlas", documents=False)
    batch = ImportBatchFactory()
    default_storage.save(EVIDENCE, ContentFile(b"%PDF-1.4 bukti transfer"))
    return batch


def row_counts() -> dict[str, int]:
    """Rows per table, counted here rather than by the code under test."""
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def backup(directory: Path, *args: str) -> Path:
    out = io.StringIO()
    call_command("backup", str(directory), *args, stdout=out, stderr=io.StringIO())
    return Path(out.getvalue().strip().splitlines()[-1])


def restore(folder: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(folder), *args, stdout=out)
    return out.getvalue()


def change_everything(batch: ImportBatch, media: Path) -> None:
    """What happens between a backup and a restore: rows and files come and go."""
    UserFactory.create_batch(3)
    Institution.objects.filter(name="Panti Asuhan Al-Ikhlas").update(name="Diubah")
    ImportBatch.objects.all().delete()
    InstitutionFactory()
    (media / batch.file.name).write_bytes(b"overwritten")
    (media / EVIDENCE).unlink()
    default_storage.save("imports/zz/uploaded-after-the-backup.csv", ContentFile(b"x"))


@committing
def test_round_trip_restores_rows_and_files(tmp_path, media, data):
    rows_before, files_before = row_counts(), checksums(media)
    assert len(files_before) == 2

    folder = backup(tmp_path / "backups")

    assert folder.parent == tmp_path / "backups"
    assert folder.name.startswith("bansos-")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # NIKs, bank accounts
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"] == rows_before
    assert {f"media/{rel}": digest for rel, digest in files_before.items()}.items() <= (
        manifest["files"].items()
    )
    database = folder / manifest["database"]["file"]
    assert manifest["files"][database.name] == checksums(folder)[database.name]
    magic = {"sqlite": b"SQLite format 3\0", "postgresql": b"PGDMP"}[connection.vendor]
    assert database.read_bytes().startswith(magic)

    change_everything(data, media)
    assert row_counts() != rows_before
    assert checksums(media) != files_before

    output = restore(folder, "--noinput")

    assert "Rows per table match the manifest" in output
    assert row_counts() == rows_before
    assert checksums(media) == files_before
    assert Institution.objects.filter(name="Panti Asuhan Al-Ikhlas").exists()
    restored = ImportBatch.objects.get()
    assert restored.file.read() == (media / data.file.name).read_bytes()
    assert not (media / "imports" / "zz").exists()  # emptied folders go too


@pytest.mark.postgresql
@committing
def test_postgresql_round_trip_keeps_sequences_and_a_consistent_count(
    tmp_path, media, data
):
    settings_dict = connection.settings_dict
    assert settings_dict["NAME"].startswith("test_")  # pytest-django's database
    highest = Institution.objects.order_by("-pk").first().pk
    rows_before = row_counts()

    folder = backup(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == {
        "vendor": "postgresql",
        "name": settings_dict["NAME"],
        "file": "database.pgdump",
    }
    # Counted in pg_dump's own snapshot.
    assert manifest["tables"] == rows_before

    Institution.objects.all().delete()
    call_command(
        "restore", str(folder), "--noinput", stdout=io.StringIO()
    )  # pg_restore --clean --if-exists --no-owner
    assert row_counts() == rows_before
    # The sequences came back too: a new row does not reuse a restored id.
    assert InstitutionFactory().pk > highest


@not_restoring
@pytest.mark.parametrize(
    "tamper",
    [
        "a file changed",
        "a checksum edited",
        "a file added",
        "a file removed",
        "a path outside",
    ],
)
def test_restore_refuses_a_backup_that_does_not_match_its_manifest(
    tmp_path, media, data, tamper
):
    folder = backup(tmp_path / "backups")
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    stored = folder / "media" / EVIDENCE
    if tamper == "a file changed":
        stored.write_bytes(b"%PDF-1.4 bukti transfer palsu")
    elif tamper == "a checksum edited":
        manifest["files"]["media/" + EVIDENCE] = "0" * 64
    elif tamper == "a file added":
        (folder / "media" / "extra.php").write_bytes(b"<?php")
    elif tamper == "a file removed":
        stored.unlink()
    elif tamper == "a path outside":
        manifest["files"]["../../etc/passwd"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))

    change_everything(data, media)
    rows_changed, files_changed = row_counts(), checksums(media)

    with pytest.raises(CommandError, match="nothing was restored"):
        restore(folder, "--noinput")

    # Nothing was touched.
    assert row_counts() == rows_changed
    assert checksums(media) == files_changed


@not_restoring
@pytest.mark.parametrize("answer", ["no", "", "y"])
def test_restore_asks_first_and_anything_but_yes_cancels(
    tmp_path, media, data, monkeypatch, answer
):
    folder = backup(tmp_path / "backups")
    change_everything(data, media)
    rows_changed, files_changed = row_counts(), checksums(media)
    prompts = []

    def reply(prompt: str) -> str:
        prompts.append(prompt)
        return answer

    monkeypatch.setattr("builtins.input", reply)
    with pytest.raises(CommandError, match="Restore cancelled; nothing was changed"):
        restore(folder)

    assert str(connection.settings_dict["NAME"]) in prompts[0]
    assert str(media) in prompts[0]
    assert row_counts() == rows_changed
    assert checksums(media) == files_changed


@committing
def test_restore_goes_ahead_on_yes(tmp_path, media, data, monkeypatch):
    rows_before = row_counts()
    folder = backup(tmp_path / "backups")
    change_everything(data, media)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    restore(folder)

    assert row_counts() == rows_before


@not_restoring
def test_restore_names_the_backup_folder_not_its_parent(tmp_path, media, data):
    backup(tmp_path / "backups")
    with pytest.raises(CommandError, match=r"has no manifest\.json"):
        restore(tmp_path / "backups", "--noinput")


@not_restoring
def test_backup_keeps_the_newest_n(tmp_path, media):
    directory = tmp_path / "backups"
    made = [backup(directory, "--keep", "2") for _ in range(3)]
    assert sorted(path.name for path in directory.iterdir()) == [
        made[1].name,
        made[2].name,
    ]


@not_restoring
def test_backup_does_not_go_inside_media_root(tmp_path, media):
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        backup(media / "backups")
