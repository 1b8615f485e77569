"""A large list is confirmed by a background task; its page shows the progress."""

import pytest
from django.core.cache import cache
from django.db import DatabaseError

from grants.models import Grant
from imports import batches, writer
from imports.batches import MSG_BACKGROUND_FAILED, MSG_DATABASE_FAILED, Progress
from imports.models import ImportBatch
from tests.factories import GrantFactory, InstitutionFactory

from .conftest import VILLAGE, csv_bytes, snapshot
from .test_views import ROWS, upload

pytestmark = pytest.mark.django_db

RELOADS = 'data-reload-every="3"'


@pytest.fixture
def large(settings, client, program, operator):
    """A previewed two-row list, over a background threshold of one row."""
    settings.BANSOS_IMPORT_BACKGROUND_ROWS = 1
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    return ImportBatch.objects.get()


def confirm(client, batch, django_capture_on_commit_callbacks):
    """Confirm; return the callbacks that wait for the request's commit."""
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/impor/{batch.pk}/konfirmasi/")
    assert response.status_code == 302
    assert response.url == f"/impor/{batch.pk}/"
    return callbacks


def run(callbacks) -> None:
    """What the commit would do: enqueue the task (which the test backend runs)."""
    for callback in callbacks:
        callback()


def test_a_large_list_is_queued_then_imported_by_the_task(
    client, large, operator, django_capture_on_commit_callbacks
):
    callbacks = confirm(client, large, django_capture_on_commit_callbacks)
    large.refresh_from_db()
    assert large.status == ImportBatch.Status.CONFIRMING
    assert not Grant.objects.exists()
    page = client.get(f"/impor/{large.pk}/").content.decode()
    assert "Sedang disimpan" in page
    assert "Menunggu giliran untuk disimpan." in page
    assert RELOADS in page
    assert "js/batch_progress.js" in page
    assert 'id="confirm-import"' not in page

    run(callbacks)
    large.refresh_from_db()
    assert (large.status, large.imported_by) == (
        ImportBatch.Status.IMPORTED,
        operator,
    )
    assert large.imported_at is not None
    assert Grant.objects.filter(import_batch=large).count() == 2
    page = client.get(f"/impor/{large.pk}/").content.decode()
    assert RELOADS not in page
    assert "Karang Taruna Tunas" in page
    assert cache.get(Progress(large.pk).key) is None


def test_a_second_confirm_of_a_queued_batch_does_nothing(
    client, large, django_capture_on_commit_callbacks
):
    first = confirm(client, large, django_capture_on_commit_callbacks)
    before = snapshot()
    second = confirm(client, large, django_capture_on_commit_callbacks)
    assert (len(first), second) == (1, [])
    assert snapshot() == before
    run(first)
    # And once imported, a late click is refused as before.
    response = client.post(f"/impor/{large.pk}/konfirmasi/", follow=True)
    assert "tidak dapat dikonfirmasi lagi" in response.content.decode()
    assert Grant.objects.count() == 2


def test_the_page_shows_the_rows_written_while_the_import_is_still_open(
    client, large, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(writer, "CHUNK_ROWS", 1)
    pages = []
    written = Progress.written

    def written_and_looked_at(progress, records):
        written(progress, records)
        # Another process would see the cache, not the open transaction.
        pages.append(client.get(f"/impor/{large.pk}/").content.decode())

    monkeypatch.setattr(Progress, "written", written_and_looked_at)
    run(confirm(client, large, django_capture_on_commit_callbacks))
    # Two new institutions, then two new grants, one a chunk; then the updates.
    texts = [page for page in pages if "baris data tersimpan" in page]
    assert "1 dari 4 baris data tersimpan (25%)" in texts[0]
    assert "2 dari 4 baris data tersimpan (50%)" in texts[1]
    assert "4 dari 4 baris data tersimpan (100%)" in texts[-1]
    assert all(RELOADS in page for page in pages)
    assert '<progress max="4" value="1">' in texts[0]
    large.refresh_from_db()
    assert large.status == ImportBatch.Status.IMPORTED


def test_a_database_refusal_in_the_background_marks_the_batch_failed(
    client, large, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(batches, "_write", refuse)
    run(confirm(client, large, django_capture_on_commit_callbacks))
    large.refresh_from_db()
    assert (large.status, large.reason) == (
        ImportBatch.Status.FAILED,
        MSG_DATABASE_FAILED,
    )
    page = client.get(f"/impor/{large.pk}/").content.decode()
    assert RELOADS not in page
    assert "Basis data menolak penyimpanan" in page
    assert not Grant.objects.exists()


def test_an_unexpected_error_in_the_background_marks_the_batch_failed(
    client, large, django_capture_on_commit_callbacks, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(batches, "_write", crash)
    run(confirm(client, large, django_capture_on_commit_callbacks))
    large.refresh_from_db()
    assert (large.status, large.reason) == (
        ImportBatch.Status.FAILED,
        MSG_BACKGROUND_FAILED,
    )
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.CONFIRMING).exists()


def test_data_changed_before_the_task_ran_is_previewed_again(
    client, large, program, django_capture_on_commit_callbacks
):
    callbacks = confirm(client, large, django_capture_on_commit_callbacks)
    youth = InstitutionFactory(
        karang_taruna=True, name="Karang Taruna Tunas", village_id=VILLAGE
    )
    GrantFactory(program=program, institution=youth, amount=15_000_000)
    run(callbacks)
    large.refresh_from_db()
    assert large.status == ImportBatch.Status.PREVIEWED
    assert "berubah sejak pratinjau" in large.reason
    assert (large.rows_new, large.rows_unchanged) == (1, 1)
    assert large.imported_by is None
    page = client.get(f"/impor/{large.pk}/").content.decode()
    assert 'id="confirm-import"' in page


def test_a_small_list_is_still_confirmed_within_the_request(
    client, program, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/impor/{batch.pk}/konfirmasi/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Grant.objects.filter(import_batch=batch).count() == 2
    assert not any(
        getattr(callback, "__qualname__", "").startswith("queue_confirm")
        for callback in callbacks
    )
