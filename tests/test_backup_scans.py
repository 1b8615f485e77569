"""A stored document scan survives `backup`, its loss, and `restore`.

Like tests/test_backup.py, the test commits for real: the backup reads the
database from outside the test's transaction.
"""

import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from institutions.models import InstitutionDocument
from tests.factories import TINY_PDF, InstitutionDocumentFactory

committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(tmp_path, settings) -> Path:
    """Scans go to a real folder, as in production."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


@committing
def test_a_document_scan_survives_backup_delete_and_restore(tmp_path, media):
    document = InstitutionDocumentFactory(number="AKTA/7")
    name = document.file.name
    assert (media / name).read_bytes() == TINY_PDF

    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out, stderr=io.StringIO())
    folder = Path(out.getvalue().strip().splitlines()[-1])
    assert (folder / "media" / name).read_bytes() == TINY_PDF

    default_storage.delete(name)
    InstitutionDocument.objects.all().delete()
    assert not (media / name).exists()

    call_command("restore", str(folder), "--noinput", stdout=io.StringIO())

    restored = InstitutionDocument.objects.get()
    assert (restored.pk, restored.number, restored.file.name) == (
        document.pk,
        "AKTA/7",
        name,
    )
    with restored.file.open("rb") as scan:
        assert scan.read() == TINY_PDF
