"""Files of imports nobody carried out are not kept for ever."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from imports.models import ImportBatch
from imports.retention import abandon_unconfirmed, delete_old_files, purge
from tests.factories import ImportBatchFactory

pytestmark = pytest.mark.django_db

Status = ImportBatch.Status
NOW = timezone.now()


def batch_of_age(days: float, **kwargs) -> ImportBatch:
    batch = ImportBatchFactory(**kwargs)
    # `created_at` is set on insert; age the batch afterwards.
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=NOW - datetime.timedelta(days=days)
    )
    batch.refresh_from_db()
    assert default_storage.exists(batch.file.name)
    return batch


def imported_batch_of_age(days: float) -> ImportBatch:
    return batch_of_age(days, status=Status.IMPORTED, imported_at=NOW)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call a function and then run what waited for its commit (deleting files),
    as outside the test's transaction the commit itself would."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def test_an_old_preview_is_abandoned_and_its_file_deleted(committed, settings):
    settings.BANSOS_IMPORT_RETENTION_DAYS = 7
    old = batch_of_age(8)
    stored = old.file.name
    assert committed(abandon_unconfirmed, now=NOW) == 1
    old.refresh_from_db()
    assert old.status == Status.ABANDONED
    assert old.reason == "Tidak dikonfirmasi dalam 7 hari; berkas dihapus."
    assert not old.file
    assert not default_storage.exists(stored)


def test_a_young_preview_and_an_imported_list_are_left_alone(committed, settings):
    settings.BANSOS_IMPORT_RETENTION_DAYS = 7
    young = batch_of_age(6)
    imported = imported_batch_of_age(30)
    assert committed(purge, now=NOW).abandoned == 0
    assert committed(delete_old_files, now=NOW) == 0
    for batch, status in ((young, Status.PREVIEWED), (imported, Status.IMPORTED)):
        name = batch.file.name
        batch.refresh_from_db()
        assert (batch.status, batch.reason, batch.file.name) == (status, "", name)
        assert default_storage.exists(name)


def test_old_rejected_and_failed_attempts_lose_their_file_but_keep_their_status(
    committed,
):
    rejected = batch_of_age(
        10, status=Status.REJECTED, reason="Berkas memuat 2 kesalahan."
    )
    failed = batch_of_age(10, status=Status.FAILED, reason="Basis data menolak.")
    names = [rejected.file.name, failed.file.name]
    purged = committed(purge, now=NOW)
    assert (purged.abandoned, purged.files_deleted) == (0, 2)
    rejected.refresh_from_db()
    failed.refresh_from_db()
    assert (rejected.status, rejected.reason) == (
        Status.REJECTED,
        "Berkas memuat 2 kesalahan.",
    )
    assert (failed.status, failed.reason) == (Status.FAILED, "Basis data menolak.")
    assert not rejected.file and not failed.file
    assert not any(default_storage.exists(name) for name in names)


def test_a_file_shared_with_an_imported_batch_is_kept(committed):
    imported = imported_batch_of_age(30)
    old = batch_of_age(30)
    ImportBatch.objects.filter(pk=old.pk).update(file=imported.file.name)
    assert committed(abandon_unconfirmed, now=NOW) == 1
    assert default_storage.exists(imported.file.name)


def test_running_twice_changes_nothing_the_second_time(committed):
    batch_of_age(8)
    batch_of_age(9, status=Status.REJECTED)
    imported_batch_of_age(9)
    first = committed(purge, now=NOW)
    assert (first.abandoned, first.files_deleted) == (1, 1)
    rows = list(ImportBatch.objects.order_by("pk").values())
    second = committed(purge, now=NOW)
    assert (second.abandoned, second.files_deleted) == (0, 0)
    assert list(ImportBatch.objects.order_by("pk").values()) == rows


def test_the_command_says_how_many(committed, settings):
    settings.BANSOS_IMPORT_RETENTION_DAYS = 3
    batch_of_age(4)
    batch_of_age(5, status=Status.FAILED)
    batch_of_age(2)
    out = io.StringIO()
    committed(call_command, "purge_import_files", stdout=out)
    assert out.getvalue().startswith("1 unconfirmed preview(s) older than 3 day(s)")
    assert "1 file(s) of rejected or failed imports deleted" in out.getvalue()
    assert ImportBatch.objects.filter(status=Status.ABANDONED).count() == 1
