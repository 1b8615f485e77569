"""Plan the import of a recipient list (one row per grant) or an institution list.

Each row is read, its village, institution, programme and grant found or
planned, and every rule checked; nothing is written here. The plan it builds
is what `writer` stores once the operator confirms.

The rules of the money path hold here as in the app: a new grant is a
proposal, into a programme that takes proposals; a grant already paid
before the app (a historical row) comes only from a user allowed to import
them, for a past year, with its decree.
"""

import datetime
from array import array

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.money import rupiah
from grants.models import Grant
from grants.services import (
    MSG_HISTORICAL_NEEDS_DECREE,
    MSG_HISTORICAL_NOT_ALLOWED,
    MSG_INACTIVE,
    MSG_NO_PERMISSION,
    MSG_PAID_BEFORE_DECREE,
    MSG_PROGRAM_CLOSED,
    MSG_PROGRAM_YEAR,
    can_manage_programs,
    has_role_for,
    historical_year_error,
    may_import_historical,
)
from institutions.models import Institution

from .cells import MaskedAccount
from .lists import INSTITUTIONS, RECIPIENTS
from .matching import InstitutionIndex
from .places import PlaceError, PlaceIndex
from .planning import NEW, UNCHANGED, UPDATED, Planner
from .programs import ProgramError, ProgramIndex, ProgramInfo
from .recipient_review import CHANGE_LINE, ListReview
from .scratch import NewGrant, Scratch
from .words import status_label

Status = Grant.Status

MSG_KIND_NOT_COVERED = gettext_noop(
    "Program %(program)s tidak mencakup lembaga berjenis %(kind)s."
)
MSG_TWICE_IN_PROGRAM = gettext_noop(
    "Lembaga ini sudah muncul di baris %(row)s untuk program yang sama."
)
MSG_TWICE_IN_LIST = gettext_noop("Lembaga ini sudah muncul di baris %(row)s.")
MSG_YEAR_OR_PROGRAM = gettext_noop("Isi tahun atau nama program.")
MSG_PAID_ON_REQUIRED = gettext_noop(
    "Bantuan yang disalurkan harus memiliki tanggal salur (dd/mm/yyyy)."
)
MSG_PAID_ON_WITHOUT_STATUS = gettext_noop(
    "Ada tanggal salur tetapi status bukan disalurkan: tulis status disalurkan, "
    "atau kosongkan tanggal salur."
)
MSG_NEW_STATUS = gettext_noop(
    "Bantuan baru hanya dapat diimpor berstatus diusulkan, atau disalurkan untuk "
    "data tahun lalu."
)
MSG_STATUS_LOCKED = gettext_noop(
    "Bantuan ini tercatat berstatus %(status)s; status tidak dapat diubah lewat impor."
)
MSG_AMOUNT_LOCKED = gettext_noop(
    "Bantuan ini berstatus %(status)s; nilai dan peruntukannya tidak dapat diubah "
    "lewat impor (tercatat %(amount)s)."
)

EDITABLE = (Status.PROPOSED, Status.NEEDS_REVISION)
PLACE_COLUMNS = frozenset({"kode_desa", "desa", "kecamatan", "kabupaten"})
PROGRAM_COLUMNS = frozenset({"tahun", "program"})
NONE = frozenset()


class FirstRows:
    """The first accepted row of each (programme, institution), to refuse doubles.

    Planned institutions have dense refs (-1, -2, ...), so an array per
    programme keeps their rows in 4 bytes each, however long the list;
    existing institutions sit in a dict.
    """

    def __init__(self):
        self.planned: dict[int, array] = {}
        self.known: dict[tuple[int, int], int] = {}

    def get(self, program: int, ref: int) -> int | None:
        if ref > 0:
            return self.known.get((program, ref))
        rows = self.planned.get(program)
        return rows[-ref] or None if rows is not None and -ref < len(rows) else None

    def add(self, program: int, ref: int, row: int) -> None:
        if ref > 0:
            self.known.setdefault((program, ref), row)
            return
        rows = self.planned.setdefault(program, array("I"))
        if -ref >= len(rows):
            rows.frombytes(bytes(4 * max(-ref + 1 - len(rows), len(rows))))
        if not rows[-ref]:
            rows[-ref] = row


class RecipientPlanner(ListReview, Planner):
    """A recipient list: institutions and their grants, one row per grant."""

    columns = RECIPIENTS
    cached_columns = frozenset(
        {
            "tahun",
            "program",
            "jenis_lembaga",
            "jenis_wksbm",
            "kode_desa",
            "desa",
            "kecamatan",
            "kabupaten",
            "nilai_bantuan",
            "status",
            "nomor_sk",
            "tanggal_sk",
            "tanggal_salur",
            "bank",
        }
    )
    with_grants = True

    def __init__(
        self,
        *,
        scope=None,
        create_programs: bool = False,
        program_ceilings: dict[str, int] | None = None,
        user=None,
        today: datetime.date | None = None,
    ):
        super().__init__()
        self.scope = scope
        self.create_programs = create_programs
        self.program_ceilings = program_ceilings or {}
        # A command run without a user is the server administrator's: it may
        # bring in history, but creating a programme needs a named manager.
        self.historical_allowed = user is None or may_import_historical(user)
        self.programs_allowed = user is not None and can_manage_programs(
            user, "add_program"
        )
        # Proposing, or changing what a proposal asks for, is the Operator's
        # step wherever it is taken.
        self.proposing_allowed = user is None or has_role_for(user, "propose")
        self.today = today or timezone.localdate()

    def prepare(self) -> None:
        # What the plan creates waits on disk, not in memory (see `scratch`).
        self.scratch = Scratch()
        self.places = PlaceIndex(scope=self.scope)
        self.institutions = InstitutionIndex(self.scratch, columns=self.positions)
        if self.with_grants:
            self.programs = ProgramIndex(
                create_missing=self.create_programs,
                today=self.today,
                may_create=self.programs_allowed,
                ceilings=self.program_ceilings,
            )
        self.grant_updates: list[tuple[int, int, str]] = []
        self.first_rows = FirstRows()

    def close(self) -> None:
        """Delete the plan's scratch file; the plan cannot be written after this."""
        scratch = getattr(self, "scratch", None)
        if scratch is not None:
            scratch.close()
            self.scratch = None

    def _place(self, values: dict, errors: list):
        try:
            return self.places.find(
                values.get("kode_desa", ""),
                values.get("desa", ""),
                values.get("kecamatan", ""),
                values.get("kabupaten", ""),
            )
        except PlaceError as error:
            value = values.get(error.column, "")
            errors.append((error.column, value, error.message))
            return None

    def check_row(self, number: int, values: dict, errors: list) -> int:
        bad = {column for column, _value, _message in errors} if errors else NONE
        place = None
        if not bad & PLACE_COLUMNS:
            place = self._place(values, errors)
        program = None
        if self.with_grants and not bad & PROGRAM_COLUMNS:
            year, name = values.get("tahun"), values.get("program", "")
            if year is None and not name:
                errors.append(("tahun", "", _(MSG_YEAR_OR_PROGRAM)))
            else:
                try:
                    program = self.programs.find(year, name)
                except ProgramError as error:
                    errors.append(
                        (error.column, values.get(error.column, ""), error.message)
                    )
        warnings: list = []
        if place is not None:
            warnings.extend(place.warnings)
        ref, is_new = None, False
        if place is not None and "jenis_lembaga" in values and "nama_lembaga" in values:
            ref, is_new = self.institutions.resolve(values, place, errors, warnings)
            if values.get("nomor_rekening").__class__ is MaskedAccount:
                self.institutions.take_masked_account(values, ref, is_new, errors)
        if self.with_grants:
            self._check_grant(values, program, ref, is_new, errors)
        elif ref is not None and not errors:
            first = self.first_rows.get(0, ref)
            if first is not None:
                errors.append(
                    (
                        "nama_lembaga",
                        values["nama_lembaga"],
                        _(MSG_TWICE_IN_LIST) % {"row": first},
                    )
                )
        if errors:
            return self.reject(number, errors)
        for column, value, message in warnings:
            self.report.warn(number, column, value, message)
        if is_new:
            ref = self.institutions.plan_new(values, place, number)
        else:
            self.institutions.want(ref, values, len(self.states))
        if not self.with_grants:
            self.first_rows.add(0, ref, number)
            return NEW if is_new else UNCHANGED
        return self._plan_grant(number, values, program, ref, is_new)

    def _check_grant(
        self, values: dict, program: ProgramInfo | None, ref, is_new: bool, errors: list
    ) -> None:
        status = values.get("status", Status.PROPOSED)
        paid_on = values.get("tanggal_salur")
        bad = {column for column, _value, _message in errors} if errors else NONE
        if (
            status == Status.DISBURSED
            and paid_on is None
            and "tanggal_salur" not in bad
        ):
            errors.append(("tanggal_salur", "", _(MSG_PAID_ON_REQUIRED)))
        if paid_on is not None and status != Status.DISBURSED:
            errors.append(
                (
                    "tanggal_salur",
                    paid_on.strftime("%d/%m/%Y"),
                    _(MSG_PAID_ON_WITHOUT_STATUS),
                )
            )
        if program is None or "jenis_lembaga" not in values:
            return
        kind = values["jenis_lembaga"][0]
        if kind not in program.kinds:
            errors.append(
                (
                    "jenis_lembaga",
                    Institution.Kind(kind).label,
                    _(MSG_KIND_NOT_COVERED)
                    % {"program": program.name, "kind": Institution.Kind(kind).label},
                )
            )
        if ref is None and not is_new:
            return  # the institution was not found (its error is given)
        if ref is not None:
            first = self.first_rows.get(program.ref, ref)
            if first is not None:
                errors.append(
                    (
                        "nama_lembaga",
                        values["nama_lembaga"],
                        _(MSG_TWICE_IN_PROGRAM) % {"row": first},
                    )
                )
                return
        existing = (
            None
            if ref is None or ref < 0
            else self.programs.grants_of(program).get(ref)
        )
        if existing is None:
            self._check_new_grant(values, status, program, ref, errors)
            return
        amount = values.get("nilai_bantuan")
        if amount is None:
            return
        _pk, current_status, current_amount, current_purpose = existing
        label = Status(current_status).label
        if (
            status in Grant.AIDED_STATUSES
            and current_status not in Grant.AIDED_STATUSES
        ):
            errors.append(("status", status, _(MSG_STATUS_LOCKED) % {"status": label}))
        purpose = values.get("peruntukan") or current_purpose
        changed = (amount, purpose) != (current_amount, current_purpose)
        if changed and not self.proposing_allowed:
            errors.append(("nilai_bantuan", amount, _(MSG_NO_PERMISSION)))
        elif changed and current_status not in EDITABLE:
            errors.append(
                (
                    "nilai_bantuan",
                    amount,
                    _(MSG_AMOUNT_LOCKED)
                    % {"status": label, "amount": rupiah(current_amount)},
                )
            )

    def _check_new_grant(
        self, values: dict, status: str, program: ProgramInfo, ref, errors: list
    ) -> None:
        if status == Status.PROPOSED:
            if not self.proposing_allowed:
                errors.append(("status", status_label(status), _(MSG_NO_PERMISSION)))
            elif program.closed:
                errors.append(("program", program.name, _(MSG_PROGRAM_CLOSED)))
            elif not program.takes_proposals:
                this_year = self.today.year
                errors.append(
                    (
                        "tahun",
                        program.year,
                        _(MSG_PROGRAM_YEAR)
                        % {
                            "this": this_year,
                            "next": this_year + 1,
                            "year": program.year,
                        },
                    )
                )
            if ref is not None and not self.institutions.is_active(ref):
                errors.append(("nama_lembaga", values["nama_lembaga"], _(MSG_INACTIVE)))
            return
        # Anything but a proposal skips the workflow: only for historical data.
        if not self.historical_allowed:
            errors.append(
                ("status", status_label(status), _(MSG_HISTORICAL_NOT_ALLOWED))
            )
            return
        if status != Status.DISBURSED:
            errors.append(("status", status_label(status), _(MSG_NEW_STATUS)))
            return
        year_error = historical_year_error(program.year, self.today)
        if year_error:
            errors.append(("tahun", program.year, year_error))
        decree_number, decree_date = self._decree(values, program)
        paid_on = values.get("tanggal_salur")
        if not decree_number:
            errors.append(("nomor_sk", "", _(MSG_HISTORICAL_NEEDS_DECREE)))
        elif decree_date and paid_on and paid_on < decree_date:
            errors.append(
                (
                    "tanggal_salur",
                    paid_on.strftime("%d/%m/%Y"),
                    _(MSG_PAID_BEFORE_DECREE)
                    % {
                        "date": paid_on.strftime("%d/%m/%Y"),
                        "decree": decree_date.strftime("%d/%m/%Y"),
                    },
                )
            )

    @staticmethod
    def _decree(values: dict, program: ProgramInfo) -> tuple[str, datetime.date | None]:
        """A historical grant's decree: the file's, else its programme's."""
        number = values.get("nomor_sk", "")
        if number:
            return number, values.get("tanggal_sk")
        return program.decree_number, values.get("tanggal_sk") or program.decree_date

    def _plan_grant(
        self, number: int, values: dict, program: ProgramInfo, ref: int, is_new: bool
    ) -> int:
        self.first_rows.add(program.ref, ref, number)
        amount = values["nilai_bantuan"]
        existing = None if ref < 0 else self.programs.grants_of(program).get(ref)
        if existing is not None:
            pk, _status, current_amount, current_purpose = existing
            purpose = values.get("peruntukan") or current_purpose
            if (amount, purpose) == (current_amount, current_purpose):
                return UNCHANGED
            self.grant_updates.append((pk, amount, purpose))
            self.report.change(
                _(CHANGE_LINE)
                % {
                    "name": values["nama_lembaga"],
                    "field": _("nilai/peruntukan"),
                    "old": rupiah(current_amount),
                    "new": rupiah(amount),
                }
            )
            return UPDATED
        status = values.get("status", Status.PROPOSED)
        decree_number, decree_date = "", None
        if status == Status.DISBURSED:
            program.added_aided += amount
            decree_number, decree_date = self._decree(values, program)
        program.added += amount
        grant = NewGrant(
            number,
            program.ref,
            program.year,
            ref,
            amount,
            values.get("peruntukan", ""),
            status,
            decree_number,
            decree_date,
            values.get("tanggal_salur") if status == Status.DISBURSED else None,
        )
        self.scratch.add_grant(grant)
        return NEW


class InstitutionPlanner(RecipientPlanner):
    """An institution list: the same institution columns, without grants."""

    columns = INSTITUTIONS
    with_grants = False
