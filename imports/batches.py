"""Import a list: read, plan, then write, all or nothing.

Every import is three steps in this order, with nothing written before the
last: read the file, plan every row (each row's checks, and then the checks
that need the whole list, such as the programme ceilings, on the planned rows
alone), and write the plan in one transaction with COPY (`writer`).

`preview_upload` checks an uploaded file and keeps it on an `ImportBatch`,
awaiting confirmation or, when it has errors, as a rejected attempt that can
be checked again with other options (`recheck_batch`). `confirm_batch` reads
the kept file again, plans it again and writes it; for a large list,
`queue_confirm` hands that to a background task (`imports.tasks`), which
reports its progress through the cache (`progress_of`). `import_file` does all
in one step for the command line.
"""

import hashlib
import logging
from contextlib import closing
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import DatabaseError, transaction
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
from .writer import write_beneficiaries, write_recipients

logger = logging.getLogger(__name__)

Kind = ImportBatch.Kind
Status = ImportBatch.Status
# Attempts whose kept file may be checked again with other options.
RECHECKABLE = (Status.PREVIEWED, Status.REJECTED)

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
MSG_DATABASE_FAILED = gettext_noop(
    "Basis data menolak penyimpanan (mungkin data yang sama sedang diubah oleh "
    "pengguna lain); tidak ada yang disimpan. Periksa ulang berkasnya, lalu coba lagi."
)
MSG_HAS_ERRORS = gettext_noop(
    "Berkas memuat %(count)s kesalahan; tidak ada yang disimpan."
)
MSG_CANNOT_RECHECK = gettext_noop(
    "Impor ini sudah %(status)s atau berkasnya sudah dihapus; unggah berkasnya lagi."
)
MSG_BACKGROUND_FAILED = gettext_noop(
    "Penyimpanan di latar belakang terhenti karena kesalahan; tidak ada yang "
    "disimpan. Unggah berkasnya lagi, atau hubungi administrator bila terulang."
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
    # Ceilings the user typed for the programmes the import creates, keyed by
    # `programs.program_key(year, name)` (or by the year alone).
    program_ceilings: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "create_programs": self.create_programs,
            "institution_id": self.institution_id,
            "year": self.year,
            "program_ceilings": dict(self.program_ceilings),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Options":
        return cls(
            create_programs=bool(data.get("create_programs")),
            institution_id=data.get("institution_id"),
            year=data.get("year"),
            program_ceilings={
                str(key): int(value)
                for key, value in (data.get("program_ceilings") or {}).items()
            },
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
            scope=scope,
            create_programs=options.create_programs,
            program_ceilings=options.program_ceilings,
            user=user,
        )
    if kind == Kind.INSTITUTIONS:
        return InstitutionPlanner(scope=scope, user=user)
    institution = Institution.objects.get(pk=options.institution_id)
    return BeneficiaryPlanner(institution=institution, year=options.year, scope=scope)


def changes_anything(report: Report) -> bool:
    return bool(report.rows_new or report.rows_updated)


def _differs(report: Report, previewed: Report) -> bool:
    counts = ("rows_new", "rows_updated", "rows_unchanged", "rows_rejected")
    return any(getattr(report, c) != getattr(previewed, c) for c in counts)


def _write(
    kind: str, planner: Planner, batch: ImportBatch, user, progress=None
) -> None:
    """Store a plan without errors, inside the caller's transaction."""
    if kind == Kind.BENEFICIARIES:
        write_beneficiaries(planner, batch=batch, user=user, progress=progress)
        return
    try:
        write_recipients(planner, batch=batch, user=user, progress=progress)
    except GrantError as refused:
        # The grant services check again what the plan checked; should they
        # disagree, theirs is the word, and nothing is kept.
        raise ImportRefused(refused.message) from None


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


def _judge(batch: ImportBatch, report: Report) -> None:
    """Set a checked batch's status and reason from its report."""
    _fill(batch, report)
    if report.ok and changes_anything(report):
        batch.status, batch.reason = Status.PREVIEWED, ""
    elif report.ok:
        batch.status, batch.reason = Status.REJECTED, _(MSG_NOTHING_TO_DO)
    else:
        batch.status = Status.REJECTED
        batch.reason = _(MSG_HAS_ERRORS) % {"count": report.errors_total}


def _new_batch(kind, file_name, sha256, size, options, user) -> ImportBatch:
    return ImportBatch(
        kind=kind,
        file_name=file_name[:255],
        sha256=sha256,
        size=size,
        options=options.as_json(),
        created_by=user,
    )


def preview_upload(
    fileobj: BinaryIO, *, file_name: str, kind: str, options: Options, user
) -> tuple[Report, ImportBatch | None]:
    """Check an uploaded list and keep it: for confirmation when it has no
    errors, as a rejected attempt (to fix and check again) when it has.

    Nothing is kept when the file would change nothing.
    """
    sha256, size = fingerprint(fileobj)
    with closing(planner_for(kind, options, user)) as planner:
        report = planner.plan(fileobj)
    _note_same_file(report, sha256)
    if report.ok and not changes_anything(report):
        return report, None
    fileobj.seek(0)
    batch = _new_batch(kind, file_name, sha256, size, options, user)
    _judge(batch, report)
    batch.file.save(sha256, File(fileobj, name=file_name), save=False)
    batch.save()
    return report, batch


def recheck_batch(pk: int, *, options: Options, user) -> tuple[Report, ImportBatch]:
    """Check a kept file again with other options, without a new upload."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if batch.status not in RECHECKABLE or not batch.file:
            raise ImportRefused(
                _(MSG_CANNOT_RECHECK) % {"status": batch.get_status_display().lower()}
            )
        planner = planner_for(batch.kind, options, user)
        with closing(planner), batch.file.open("rb") as stored:
            report = planner.plan(stored)
        _note_same_file(report, batch.sha256, exclude=batch.pk)
        batch.options = options.as_json()
        _judge(batch, report)
        batch.save()
    return report, batch


def confirm_batch(pk: int, *, user) -> tuple[ImportBatch, str]:
    """Check a previewed batch's file again and import it, all or nothing.

    Returns the batch and, when nothing was written, the reason. A database
    error while writing (a conflict with another user, a constraint) marks
    the batch failed with the reason; it never escapes as a server error.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if batch.status != Status.PREVIEWED:
            raise ImportRefused(
                _(MSG_ALREADY_DONE) % {"status": batch.get_status_display().lower()}
            )
        planner = planner_for(batch.kind, Options.from_json(batch.options), user)
        with closing(planner):
            return _confirm(batch, planner, user)


def _confirm(
    batch: ImportBatch, planner: Planner, user, progress: "Progress | None" = None
) -> tuple[ImportBatch, str]:
    """Plan the kept file again; write it if it is what was previewed."""
    previewed = Report.from_json(batch.report)
    with batch.file.open("rb") as stored:
        report = planner.plan(stored, progress=progress.checked if progress else None)
    _fill(batch, report)
    message = ""
    if not report.ok:
        message = batch.reason = _(MSG_NO_LONGER_VALID)
        batch.status = Status.REJECTED
    elif not changes_anything(report):
        message = _(MSG_NOTHING_TO_DO)
        _mark_imported(batch, user)
    elif _differs(report, previewed):
        message = _(MSG_CHANGED_SINCE_PREVIEW)
    else:
        try:
            with transaction.atomic():
                if progress is not None:
                    progress.start_writing(records_planned(planner))
                _write(
                    batch.kind,
                    planner,
                    batch,
                    user,
                    progress=progress.written if progress else None,
                )
        except DatabaseError as error:
            # The savepoint is rolled back; the batch row is still ours.
            logger.warning("import #%s failed: %s", batch.pk, error)
            message = batch.reason = _(MSG_DATABASE_FAILED)
            batch.status = Status.FAILED
        else:
            _mark_imported(batch, user)
    batch.save()
    return batch, message


# Large lists: confirmed in the background --------------------------------------


def confirms_in_background(batch: ImportBatch) -> bool:
    """Whether confirming this batch is a job for a background task."""
    return batch.rows_total > settings.BANSOS_IMPORT_BACKGROUND_ROWS


def queue_confirm(pk: int, *, user) -> tuple[ImportBatch, bool]:
    """Mark a previewed batch as being confirmed and enqueue its confirmation.

    Returns the batch and whether it was queued now; a batch already queued is
    left alone (a second click), any other refused as by `confirm_batch`.
    """
    from .tasks import confirm_in_background

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if batch.status == Status.CONFIRMING:
            return batch, False
        if batch.status != Status.PREVIEWED:
            raise ImportRefused(
                _(MSG_ALREADY_DONE) % {"status": batch.get_status_display().lower()}
            )
        batch.status, batch.reason = Status.CONFIRMING, ""
        # Who confirmed: the task imports as them.
        batch.imported_by = user
        batch.save(update_fields=["status", "reason", "imported_by"])
        rows = batch.rows_total

        def enqueue() -> None:
            Progress(pk).queued(rows)
            confirm_in_background.enqueue(pk)

        transaction.on_commit(enqueue)
    return batch, True


def confirm_queued(pk: int) -> ImportBatch:
    """Confirm a batch queued by `queue_confirm` (the background task's work).

    Whatever happens, the batch leaves CONFIRMING: imported, rejected, failed
    with its reason, or back to awaiting confirmation when the data changed
    since the preview. Running it again for the same batch does nothing.
    """
    progress = Progress(pk)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=pk)
            if batch.status != Status.CONFIRMING:
                return batch
            user = batch.imported_by
            planner = planner_for(batch.kind, Options.from_json(batch.options), user)
            with closing(planner):
                batch, message = _confirm(batch, planner, user, progress)
            if batch.status == Status.CONFIRMING:
                # Changed since the preview: the page shows the new counts.
                batch.status, batch.reason, batch.imported_by = (
                    Status.PREVIEWED,
                    message,
                    None,
                )
                batch.save(update_fields=["status", "reason", "imported_by"])
    except ImportRefused as refused:
        return _fail_queued(pk, refused.message)
    except Exception:
        logger.exception("background import #%s failed", pk)
        _fail_queued(pk, _(MSG_BACKGROUND_FAILED))
        raise
    finally:
        progress.clear()
    return batch


def _fail_queued(pk: int, reason: str) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if batch.status == Status.CONFIRMING:
            batch.status, batch.reason = Status.FAILED, reason
            batch.save(update_fields=["status", "reason"])
    return batch


def records_planned(planner: Planner) -> int:
    """How many database rows writing this plan inserts or updates."""
    if isinstance(planner, BeneficiaryPlanner):
        return (
            len(planner.new_people)
            + len(planner.person_updates)
            + len(planner.new_enrollments)
        )
    total = planner.institutions.planned_count + len(planner.institution_updates)
    if planner.with_grants:
        total += planner.scratch.grant_count + len(planner.grant_updates)
    return total


PROGRESS_SECONDS = 24 * 60 * 60


@dataclass
class Progress:
    """A background confirm's progress, in the cache shared by every process:
    the writer's transaction is open until the end, so the database cannot
    show it. Shown on the batch page while it is confirming."""

    batch_id: int
    phase: str = "queued"
    done: int = 0
    total: int = 0

    @property
    def key(self) -> str:
        return f"imports:progress:{self.batch_id}"

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    def queued(self, rows: int) -> None:
        self.phase, self.done, self.total = "queued", 0, rows
        self._save()

    def checked(self, rows: int, _fraction: float) -> None:
        """The planner read this many rows of the file again."""
        self.phase, self.done = "checking", rows
        self._save()

    def start_writing(self, records: int) -> None:
        self.phase, self.done, self.total = "writing", 0, records
        self._save()

    def written(self, records: int) -> None:
        self.done = min(self.done + records, self.total)
        self._save()

    def clear(self) -> None:
        cache.delete(self.key)

    def _save(self) -> None:
        state = {"phase": self.phase, "done": self.done, "total": self.total}
        cache.set(self.key, state, PROGRESS_SECONDS)


def progress_of(batch: ImportBatch) -> Progress | None:
    """The progress of a batch being confirmed in the background, if known."""
    state = cache.get(Progress(batch.pk).key)
    return Progress(batch.pk, **state) if state else None


def _mark_imported(batch: ImportBatch, user) -> None:
    batch.status, batch.reason = Status.IMPORTED, ""
    batch.imported_by = user
    batch.imported_at = timezone.now()


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
    """Check and, unless this is a dry run, import a file in one step (the command line).

    Read and check every row first; write only a plan without errors, in one
    transaction.
    """
    sha256, size = fingerprint(fileobj)
    with closing(planner_for(kind, options, user)) as planner:
        report = planner.plan(
            fileobj,
            progress=progress,
            max_bytes=max_bytes or settings.BANSOS_IMPORT_MAX_BYTES,
        )
        _note_same_file(report, sha256)
        if dry_run or not report.ok or not changes_anything(report):
            return report, None
        stored = None
        try:
            with transaction.atomic():
                batch = _new_batch(kind, file_name, sha256, size, options, user)
                _mark_imported(batch, user)
                if keep_file:
                    fileobj.seek(0)
                    batch.file.save(sha256, File(fileobj, name=file_name), save=False)
                    stored = batch.file.name
                _fill(batch, report)
                batch.save()
                _write(kind, planner, batch, user)
        except BaseException as error:
            # The transaction is undone; the stored copy of the file must go too.
            if stored:
                batch.file.storage.delete(stored)
            if isinstance(error, DatabaseError):
                raise ImportRefused(_(MSG_DATABASE_FAILED)) from None
            raise
    return report, batch
