"""Import a list: preview it, then confirm it, all or nothing.

`preview_upload` checks an uploaded file without writing anything; a file
without errors is kept on an `ImportBatch` awaiting confirmation.
`confirm_batch` reads the kept file again, checks it again, and writes every
row in one transaction, or nothing. `import_file` does both in one step for
the command line.
"""

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grants.services import GrantError
from institutions.models import Institution, regency_scope

from .beneficiaries import BeneficiaryPlanner
from .models import ImportBatch
from .planning import Planner
from .recipients import InstitutionPlanner, RecipientPlanner
from .report import Report
from .streaming import StreamingWriter
from .writer import write_beneficiaries, write_recipients

Kind = ImportBatch.Kind
Status = ImportBatch.Status

MSG_ALREADY_DONE = gettext_noop(
    "Impor ini sudah %(status)s; tidak dapat dikonfirmasi lagi."
)
MSG_CHANGED_SINCE_PREVIEW = gettext_noop(
    "Data di aplikasi berubah sejak pratinjau, sehingga hasil impor juga berubah. "
    "Periksa pratinjau yang baru, lalu konfirmasi lagi."
)
MSG_NOTHING_TO_DO = gettext_noop(
    "Tidak ada yang berubah: semua baris sudah tercatat seperti di berkas."
)
MSG_NO_LONGER_VALID = gettext_noop(
    "Berkas tidak lagi lolos pemeriksaan; tidak ada yang disimpan."
)
MSG_CONFLICT = gettext_noop(
    "Data yang sama sedang diubah oleh pengguna lain; tidak ada yang disimpan. "
    "Coba lagi."
)
WARN_SAME_FILE = gettext_noop(
    "Berkas yang sama persis sudah diimpor pada %(when)s (impor #%(batch)s)."
)


class ImportRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Options:
    """What the operator chose besides the file."""

    create_programs: bool = False
    institution_id: int | None = None
    year: int | None = None

    def as_json(self) -> dict:
        return {
            "create_programs": self.create_programs,
            "institution_id": self.institution_id,
            "year": self.year,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Options":
        return cls(
            create_programs=bool(data.get("create_programs")),
            institution_id=data.get("institution_id"),
            year=data.get("year"),
        )


def fingerprint(fileobj: BinaryIO) -> tuple[str, int]:
    """The file's SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


def planner_for(kind: str, options: Options, user) -> Planner:
    scope = regency_scope(user) if user is not None else None
    if kind == Kind.RECIPIENTS:
        return RecipientPlanner(
            scope=scope, create_programs=options.create_programs, user=user
        )
    if kind == Kind.INSTITUTIONS:
        return InstitutionPlanner(scope=scope, user=user)
    institution = Institution.objects.get(pk=options.institution_id)
    return BeneficiaryPlanner(institution=institution, year=options.year, scope=scope)


class PlanFailed(Exception):
    """The plan is not to be kept (it has errors, changes nothing, or is not
    what was previewed): raised to undo whatever was written meanwhile."""

    def __init__(self, report: Report):
        super().__init__("the import has errors")
        self.report = report


def _plan_and_write(
    kind: str,
    planner: Planner,
    fileobj: BinaryIO,
    batch: ImportBatch,
    user,
    *,
    progress=None,
    max_bytes: int | None = None,
    expected: Report | None = None,
) -> Report:
    """Check every row and store the plan; raise `PlanFailed` if it has errors
    (or, given the previewed report, if it would now do something else).

    Run inside a transaction (or savepoint) that `PlanFailed` rolls back: on
    PostgreSQL rows are written while the file is still being read.
    """
    stream = None
    if connection.vendor == "postgresql" and kind != Kind.BENEFICIARIES:
        stream = StreamingWriter(batch=batch, user=user)
        planner.stream = stream
    try:
        report = planner.plan(fileobj, progress=progress, max_bytes=max_bytes)
        if stream is not None:
            stream.finish()
    except BaseException:
        if stream is not None:
            stream.close(failed=True)
        raise
    if (
        not report.ok
        or not changes_anything(report)
        or (expected is not None and _differs(report, expected))
    ):
        # Nothing is kept, not even the batch, when nothing would change.
        raise PlanFailed(report)
    if kind == Kind.BENEFICIARIES:
        write_beneficiaries(planner, batch=batch, user=user)
        return report
    try:
        write_recipients(planner, batch=batch, user=user, stream=stream)
    except GrantError as refused:
        # The grant services check again what the plan checked; should they
        # disagree, theirs is the word, and nothing is kept.
        raise ImportRefused(refused.message) from None
    return report


def changes_anything(report: Report) -> bool:
    return bool(report.rows_new or report.rows_updated)


def _differs(report: Report, previewed: Report) -> bool:
    counts = ("rows_new", "rows_updated", "rows_unchanged", "rows_rejected")
    return any(getattr(report, c) != getattr(previewed, c) for c in counts)


def _note_same_file(report: Report, sha256: str, *, exclude: int | None = None) -> None:
    previous = (
        ImportBatch.objects.filter(sha256=sha256, status=Status.IMPORTED)
        .exclude(pk=exclude)
        .order_by("-imported_at")
        .first()
    )
    if previous is not None:
        report.notes.append(
            _(WARN_SAME_FILE)
            % {
                "when": timezone.localtime(previous.imported_at).strftime(
                    "%d/%m/%Y %H:%M"
                ),
                "batch": previous.pk,
            }
        )


def _fill(batch: ImportBatch, report: Report) -> None:
    batch.rows_total = report.rows_total
    batch.rows_new = report.rows_new
    batch.rows_updated = report.rows_updated
    batch.rows_unchanged = report.rows_unchanged
    batch.rows_rejected = report.rows_rejected
    batch.warnings_count = report.warnings_total
    batch.report = report.as_json()


def preview_upload(
    fileobj: BinaryIO, *, file_name: str, kind: str, options: Options, user
) -> tuple[Report, ImportBatch | None]:
    """Check an uploaded list; keep it for confirmation only when it has no errors
    and would change something."""
    sha256, size = fingerprint(fileobj)
    planner = planner_for(kind, options, user)
    report = planner.plan(fileobj)
    _note_same_file(report, sha256)
    if not report.ok or not changes_anything(report):
        return report, None
    fileobj.seek(0)
    batch = ImportBatch(
        kind=kind,
        status=Status.PREVIEWED,
        file_name=file_name[:255],
        sha256=sha256,
        size=size,
        options=options.as_json(),
        created_by=user,
    )
    _fill(batch, report)
    batch.file.save(sha256, File(fileobj, name=file_name), save=False)
    batch.save()
    return report, batch


def confirm_batch(pk: int, *, user) -> tuple[ImportBatch, str]:
    """Check a previewed batch's file again and import it, all or nothing.

    Returns the batch and, when nothing was written, the reason.
    """
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=pk)
            if batch.status != Status.PREVIEWED:
                raise ImportRefused(
                    _(MSG_ALREADY_DONE) % {"status": batch.get_status_display().lower()}
                )
            planner = planner_for(batch.kind, Options.from_json(batch.options), user)
            previewed = Report.from_json(batch.report)
            try:
                with transaction.atomic(), batch.file.open("rb") as stored:
                    report = _plan_and_write(
                        batch.kind, planner, stored, batch, user, expected=previewed
                    )
            except PlanFailed as failed:
                _fill(batch, failed.report)
                if failed.report.ok and not changes_anything(failed.report):
                    batch.status = Status.IMPORTED
                    batch.imported_by = user
                    batch.imported_at = timezone.now()
                    batch.save()
                    return batch, _(MSG_NOTHING_TO_DO)
                if failed.report.ok:
                    batch.save()
                    return batch, _(MSG_CHANGED_SINCE_PREVIEW)
                batch.status = Status.REJECTED
                batch.save()
                return batch, _(MSG_NO_LONGER_VALID)
            batch.status = Status.IMPORTED
            batch.imported_by = user
            batch.imported_at = timezone.now()
            _fill(batch, report)
            batch.save()
            return batch, ""
    except IntegrityError:
        return ImportBatch.objects.get(pk=pk), _(MSG_CONFLICT)


def import_file(
    fileobj: BinaryIO,
    *,
    file_name: str,
    kind: str,
    options: Options,
    user,
    dry_run: bool = False,
    progress=None,
    keep_file: bool = True,
    max_bytes: int | None = None,
) -> tuple[Report, ImportBatch | None]:
    """Check and, unless this is a dry run, import a file in one step (the command line)."""
    sha256, size = fingerprint(fileobj)
    planner = planner_for(kind, options, user)
    max_bytes = max_bytes or settings.BANSOS_IMPORT_MAX_BYTES
    if dry_run or size > max_bytes:
        report = planner.plan(fileobj, progress=progress, max_bytes=max_bytes)
        _note_same_file(report, sha256)
        return report, None
    batch, stored = None, None
    try:
        with transaction.atomic():
            batch = _imported_batch(
                fileobj, kind, options, user, sha256, size, file_name, keep_file
            )
            stored = batch.file.name
            fileobj.seek(0)
            report = _plan_and_write(
                kind,
                planner,
                fileobj,
                batch,
                user,
                progress=progress,
                max_bytes=max_bytes,
            )
            _note_same_file(report, sha256, exclude=batch.pk)
            _fill(batch, report)
            batch.save()
    except PlanFailed as failed:
        _delete(batch, stored)
        _note_same_file(failed.report, sha256)
        return failed.report, None
    except BaseException as error:
        # The transaction is undone; the stored copy of the file must go too.
        _delete(batch, stored)
        if isinstance(error, IntegrityError):
            raise ImportRefused(_(MSG_CONFLICT)) from None
        raise
    return report, batch


def _delete(batch, stored) -> None:
    if stored:
        batch.file.storage.delete(stored)


def _imported_batch(
    fileobj, kind, options, user, sha256, size, file_name, keep_file
) -> ImportBatch:
    batch = ImportBatch(
        kind=kind,
        file_name=file_name[:255],
        sha256=sha256,
        size=size,
        options=options.as_json(),
        created_by=user,
        imported_by=user,
        imported_at=timezone.now(),
        status=Status.IMPORTED,
    )
    if keep_file:
        fileobj.seek(0)
        batch.file.save(sha256, File(fileobj, name=file_name), save=False)
    batch.save()
    return batch
