"""How long the files of imports not carried out are kept.

An uploaded list stays on its `ImportBatch` while someone may still act on it.
After `BANSOS_IMPORT_RETENTION_DAYS` days (counted from the upload) a preview
nobody confirmed becomes "not confirmed" (ABANDONED) and its file is deleted;
the files of rejected and failed attempts are deleted too (their status
stays). Imported lists keep their file: it is the record of what was imported.
The batch rows themselves, with their counts and reports, are kept.
`manage.py purge_import_files` runs this, e.g. daily from cron.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import ImportBatch

Status = ImportBatch.Status

MSG_ABANDONED = gettext_noop("Tidak dikonfirmasi dalam %(days)s hari; berkas dihapus.")
# Attempts that never wrote anything: after the retention period only their
# file goes.
FILES_DROPPED = (Status.REJECTED, Status.FAILED, Status.ABANDONED)


@dataclass(frozen=True)
class Purged:
    abandoned: int
    files_deleted: int


def retention_days() -> int:
    return settings.BANSOS_IMPORT_RETENTION_DAYS


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Batches uploaded before this moment are past the retention period."""
    return (now or timezone.now()) - datetime.timedelta(days=retention_days())


def abandon_unconfirmed(*, now: datetime.datetime | None = None) -> int:
    """Mark previews older than the retention period as not confirmed and delete
    their files; return how many."""
    reason = _(MSG_ABANDONED) % {"days": retention_days()}
    return _sweep((Status.PREVIEWED,), now, becomes=Status.ABANDONED, reason=reason)


def delete_old_files(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of rejected, failed and abandoned attempts older than the
    retention period (their status stays); return how many."""
    return _sweep(FILES_DROPPED, now)


def purge(*, now: datetime.datetime | None = None) -> Purged:
    """Both of the above, at the same moment: what the command does."""
    now = now or timezone.now()
    return Purged(
        abandoned=abandon_unconfirmed(now=now), files_deleted=delete_old_files(now=now)
    )


def _sweep(statuses, now, *, becomes: str = "", reason: str = "") -> int:
    candidates = ImportBatch.objects.filter(
        status__in=statuses, created_at__lt=cutoff(now)
    )
    if not becomes:
        # Only the file is to go: batches that still have one.
        candidates = candidates.exclude(file="")
    pks = list(candidates.values_list("pk", flat=True))
    return sum(_retire(pk, statuses, becomes=becomes, reason=reason) for pk in pks)


def _retire(pk: int, statuses, *, becomes: str, reason: str) -> bool:
    """Change one batch under its row lock, unless it moved on meanwhile (a
    preview confirmed while the sweep ran stays imported, with its file)."""
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update()
            .filter(pk=pk, status__in=statuses)
            .first()
        )
        if batch is None:
            return False
        stored = batch.file.name
        if becomes:
            batch.status, batch.reason = becomes, reason
        batch.file = ""
        batch.save(update_fields=["status", "reason", "file"])
        # Two batches of the same file may share it; the last one deletes it,
        # and only once the change is committed (a rollback keeps the file).
        if stored and not ImportBatch.objects.filter(file=stored).exists():
            storage = batch.file.storage
            transaction.on_commit(lambda: storage.delete(stored))
    return True
