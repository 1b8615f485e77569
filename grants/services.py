"""Every change of a grant's status goes through these functions.

Each is atomic, locks the rows it decides on, and writes a `GrantEvent`.
Callers (views, admin, commands, imports) map `GrantError` to a message.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from institutions.models import Institution

from .models import AccountabilityReport, Disbursement, Grant, GrantEvent, Program
from .money import rupiah

Status = Grant.Status


class GrantError(Exception):
    """A workflow rule refused the action; `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(GrantError):
    pass


class NotAllowed(GrantError):
    pass


class StaleGrant(GrantError):
    pass


class NotEligible(GrantError):
    pass


class CeilingExceeded(GrantError):
    pass


class OverDisbursement(GrantError):
    pass


def _message_invalid_transition(from_status: str, to_status: str) -> str:
    return _("Bantuan berstatus %(from)s tidak dapat diubah menjadi %(to)s.") % {
        "from": Status(from_status).label,
        "to": Status(to_status).label,
    }


MSG_STALE = gettext_noop(
    "Status bantuan sudah diubah oleh pengguna lain. Muat ulang halaman dan periksa kembali."
)
MSG_OWN_PROPOSAL = gettext_noop(
    "Anda yang mengusulkan bantuan ini, jadi tidak boleh memverifikasi atau menyetujuinya."
)
MSG_NO_PERMISSION = gettext_noop("Peran Anda tidak berwenang melakukan tindakan ini.")
MSG_CEILING = gettext_noop(
    "Persetujuan ini melampaui pagu program: sisa pagu %(room)s, nilai bantuan %(amount)s."
)
MSG_OVER_DISBURSED = gettext_noop(
    "Penyaluran melebihi nilai bantuan: sisa yang dapat disalurkan %(room)s."
)
MSG_USE_SERVICE = gettext_noop(
    "Status %(to)s hanya dapat dicapai melalui tindakannya sendiri."
)
MSG_REFUND_REFERENCE_REQUIRED = gettext_noop("Nomor bukti setor wajib diisi.")
MSG_DISBURSEMENT_POSITIVE = gettext_noop("Jumlah penyaluran harus lebih dari nol.")
MSG_LPJ_INCOMPLETE = gettext_noop(
    "LPJ harus mempertanggungjawabkan seluruh dana: dana terpakai ditambah sisa dana "
    "harus sama dengan nilai bantuan (%(amount)s)."
)
MSG_DUPLICATE_TRANSFER = gettext_noop("Nomor bukti transfer ini sudah tercatat.")
MSG_REASON_REQUIRED = gettext_noop("Alasan wajib diisi.")
MSG_DECREE_REQUIRED = gettext_noop("Nomor dan tanggal SK penetapan wajib diisi.")
MSG_CHECKLIST_INCOMPLETE = gettext_noop(
    "Semua dokumen dalam daftar periksa harus dinyatakan lengkap sebelum verifikasi."
)
MSG_KIND_NOT_ELIGIBLE = gettext_noop(
    "Program ini tidak mencakup lembaga berjenis %(kind)s."
)
MSG_INACTIVE = gettext_noop("Lembaga ini tidak aktif.")
MSG_ALREADY_IN_PROGRAM = gettext_noop(
    "Lembaga ini sudah tercatat dalam program tersebut."
)
MSG_PERMIT_INVALID = gettext_noop(
    "Izin operasional LKSA tidak ada atau sudah habis masa berlakunya."
)
MSG_ACCREDITATION_INVALID = gettext_noop(
    "Akreditasi LKSA tidak ada atau sudah habis masa berlakunya."
)
MSG_AMOUNT_POSITIVE = gettext_noop("Nilai bantuan harus lebih dari nol.")
WARN_AIDED_LAST_YEAR = gettext_noop(
    "Lembaga ini menerima bantuan pada tahun %(year)s; bantuan sebaiknya tidak diberikan setiap tahun."
)
WARN_LPJ_OVERDUE = gettext_noop("Lembaga ini memiliki LPJ yang terlambat.")


def _require_perm(user: AbstractBaseUser, perm: str) -> None:
    if not user.has_perm(f"grants.{perm}"):
        raise NotAllowed(_(MSG_NO_PERMISSION))


def _is_checker(user: AbstractBaseUser) -> bool:
    """Verifiers and approvers may send a proposal back or turn it down."""
    return user.has_perm("grants.verify_grant") or user.has_perm("grants.approve_grant")


def _require_checker(user: AbstractBaseUser) -> None:
    if not _is_checker(user):
        raise NotAllowed(_(MSG_NO_PERMISSION))


def _refuse_own_proposal(grant: Grant, user: AbstractBaseUser) -> None:
    # Maker-checker holds for superusers too: nobody checks their own work.
    if grant.proposed_by_id is not None and grant.proposed_by_id == user.pk:
        raise NotAllowed(_(MSG_OWN_PROPOSAL))


def _lock(grant: Grant, expected_status: str | None) -> Grant:
    locked = Grant.objects.select_for_update().get(pk=grant.pk)
    if expected_status is not None and locked.status != expected_status:
        raise StaleGrant(_(MSG_STALE))
    return locked


def _move(
    grant: Grant,
    to: str,
    *,
    by: AbstractBaseUser | None,
    note: str = "",
    extra_fields: tuple[str, ...] = (),
) -> Grant:
    """Move a locked grant to another status and record who did it."""
    if not grant.can_transition_to(to):
        raise InvalidTransition(_message_invalid_transition(grant.status, to))
    previous, grant.status = grant.status, to
    grant.save(update_fields=["status", "updated_at", *extra_fields])
    GrantEvent.objects.create(
        grant=grant, from_status=previous, to_status=to, actor=by, note=note
    )
    return grant


MOVES_WITH_THEIR_OWN_SERVICE = frozenset(
    {
        Status.PROPOSED,
        Status.NEEDS_REVISION,
        Status.VERIFIED,
        Status.APPROVED,
        Status.DISBURSED,
        Status.REJECTED,
    }
)


@transaction.atomic
def transition_grant(
    grant: Grant,
    *,
    to: str,
    by: AbstractBaseUser | None,
    note: str = "",
    expected_status: str | None = None,
) -> Grant:
    """Move a grant to another status and record who did it.

    Only for moves without rules of their own; verifying, approving, paying and
    the rest go through their services, which check what this cannot.
    """
    if to in MOVES_WITH_THEIR_OWN_SERVICE:
        raise InvalidTransition(_(MSG_USE_SERVICE) % {"to": Status(to).label})
    return _move(_lock(grant, expected_status), to, by=by, note=note)


@dataclass
class Eligibility:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_eligibility(
    program: Program, institution: Institution, *, today: datetime.date | None = None
) -> Eligibility:
    """Say whether an institution may be proposed in a programme, and what to watch."""
    today = today or timezone.localdate()
    result = Eligibility()
    if not program.covers(institution.kind):
        result.errors.append(
            _(MSG_KIND_NOT_ELIGIBLE) % {"kind": institution.get_kind_display()}
        )
    if not institution.active:
        result.errors.append(_(MSG_INACTIVE))
    if Grant.objects.filter(program=program, institution=institution).exists():
        result.errors.append(_(MSG_ALREADY_IN_PROGRAM))
    if institution.kind == Institution.Kind.LKSA:
        if not institution.permit_expires_on or institution.permit_expires_on < today:
            result.errors.append(_(MSG_PERMIT_INVALID))
        if (
            not institution.accreditation
            or not institution.accreditation_expires_on
            or institution.accreditation_expires_on < today
        ):
            result.errors.append(_(MSG_ACCREDITATION_INVALID))
    previous_year = program.year - 1
    if (
        Grant.objects.aided()
        .filter(institution=institution, program__year=previous_year)
        .exists()
    ):
        result.warnings.append(_(WARN_AIDED_LAST_YEAR) % {"year": previous_year})
    if _has_overdue_lpj(institution, today):
        result.warnings.append(_(WARN_LPJ_OVERDUE))
    return result


def _has_overdue_lpj(institution: Institution, today: datetime.date) -> bool:
    return Grant.objects.overdue_lpj(today).filter(institution=institution).exists()


@transaction.atomic
def propose_grant(
    *,
    program: Program,
    institution: Institution,
    amount: int,
    by: AbstractBaseUser,
    purpose: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> tuple[Grant, list[str]]:
    """Record a proposal after the eligibility checks; return it with its warnings."""
    _require_perm(by, "propose_grant")
    if amount <= 0:
        raise NotEligible(_(MSG_AMOUNT_POSITIVE))
    # Locking the institution serialises two proposals for it in one programme.
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    eligibility = check_eligibility(program, institution, today=today)
    if not eligibility.ok:
        raise NotEligible(" ".join(eligibility.errors))
    grant = Grant.objects.create(
        program=program,
        institution=institution,
        amount=amount,
        purpose=purpose,
        status=Status.PROPOSED,
        proposed_by=by,
    )
    GrantEvent.objects.create(
        grant=grant, from_status="", to_status=Status.PROPOSED, actor=by, note=note
    )
    return grant, eligibility.warnings


@transaction.atomic
def verify_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    checklist: dict[str, dict],
    note: str = "",
    expected_status: str | None = None,
) -> Grant:
    """Mark a proposal verified once every document on the checklist is in order."""
    _require_perm(by, "verify_grant")
    grant = _lock(grant, expected_status)
    _refuse_own_proposal(grant, by)
    required = grant.program.checklist or []
    if any(not checklist.get(item, {}).get("ok") for item in required):
        raise GrantError(_(MSG_CHECKLIST_INCOMPLETE))
    grant.checklist_results = {
        item: {"ok": True, "note": checklist.get(item, {}).get("note", "")}
        for item in required
    }
    return _move(
        grant,
        Status.VERIFIED,
        by=by,
        note=note,
        extra_fields=("checklist_results",),
    )


@transaction.atomic
def return_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    note: str,
    expected_status: str | None = None,
) -> Grant:
    """Send a proposal back to the operator for revision, saying why."""
    _require_checker(by)
    if not note.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    grant = _lock(grant, expected_status)
    _refuse_own_proposal(grant, by)
    return _move(grant, Status.NEEDS_REVISION, by=by, note=note)


@transaction.atomic
def resubmit_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    amount: int | None = None,
    purpose: str | None = None,
    note: str = "",
    expected_status: str | None = None,
) -> Grant:
    """Put a revised proposal back in the verification queue."""
    _require_perm(by, "propose_grant")
    grant = _lock(grant, expected_status)
    changed: list[str] = []
    if amount is not None:
        if amount <= 0:
            raise NotEligible(_(MSG_AMOUNT_POSITIVE))
        grant.amount = amount
        changed.append("amount")
    if purpose is not None:
        grant.purpose = purpose
        changed.append("purpose")
    return _move(grant, Status.PROPOSED, by=by, note=note, extra_fields=tuple(changed))


@transaction.atomic
def reject_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    reason: str,
    expected_status: str | None = None,
) -> Grant:
    """Turn a proposal down for good, with the reason on record."""
    _require_checker(by)
    if not reason.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    grant = _lock(grant, expected_status)
    _refuse_own_proposal(grant, by)
    return _move(grant, Status.REJECTED, by=by, note=reason)


@transaction.atomic
def approve_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    decree_number: str,
    decree_date: datetime.date,
    note: str = "",
    expected_status: str | None = None,
) -> Grant:
    """Approve a verified grant under the programme's budget ceiling."""
    _require_perm(by, "approve_grant")
    if not decree_number.strip() or decree_date is None:
        raise GrantError(_(MSG_DECREE_REQUIRED))
    # Lock the programme first: approvals in one programme queue up behind it,
    # so two of them can never both take the last room under the ceiling.
    program = Program.objects.select_for_update().get(pk=grant.program_id)
    grant = _lock(grant, expected_status)
    _refuse_own_proposal(grant, by)
    if not grant.can_transition_to(Status.APPROVED):
        raise InvalidTransition(
            _message_invalid_transition(grant.status, Status.APPROVED)
        )
    committed = (
        Grant.objects.committed()
        .filter(program=program)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    room = program.budget_ceiling - committed
    if grant.amount > room:
        raise CeilingExceeded(
            _(MSG_CEILING)
            % {"room": rupiah(max(room, 0)), "amount": rupiah(grant.amount)}
        )
    grant.decree_number = decree_number.strip()
    grant.decree_date = decree_date
    return _move(
        grant,
        Status.APPROVED,
        by=by,
        note=note,
        extra_fields=("decree_number", "decree_date"),
    )


@transaction.atomic
def record_disbursement(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    paid_on: datetime.date,
    amount: int,
    transfer_reference: str = "",
    note: str = "",
    expected_status: str | None = None,
) -> Disbursement:
    """Record a payment; the grant counts as disbursed once it is paid in full."""
    _require_perm(by, "disburse_grant")
    grant = _lock(grant, expected_status)
    if grant.status != Status.APPROVED:
        raise InvalidTransition(
            _message_invalid_transition(grant.status, Status.DISBURSED)
        )
    if amount <= 0:
        raise OverDisbursement(_(MSG_DISBURSEMENT_POSITIVE))
    room = grant.amount - grant.disbursed_amount()
    if amount > room:
        raise OverDisbursement(_(MSG_OVER_DISBURSED) % {"room": rupiah(room)})
    reference = transfer_reference.strip()
    if reference and Disbursement.objects.filter(transfer_reference=reference).exists():
        raise GrantError(_(MSG_DUPLICATE_TRANSFER))
    disbursement = Disbursement.objects.create(
        grant=grant,
        paid_on=paid_on,
        amount=amount,
        transfer_reference=reference,
        recorded_by=by,
    )
    if amount == room:
        _move(grant, Status.DISBURSED, by=by, note=note)
    return disbursement


MSG_LPJ_EXISTS = gettext_noop("LPJ bantuan ini sudah tercatat.")
MSG_LPJ_NOT_DUE = gettext_noop("LPJ hanya dicatat untuk bantuan yang sudah disalurkan.")
MSG_LPJ_EXCEEDS = gettext_noop("Dana terpakai dan sisa dana melebihi nilai bantuan.")
MSG_LPJ_NOT_PENDING = gettext_noop("LPJ ini sudah diperiksa.")


@transaction.atomic
def record_lpj(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    submitted_on: datetime.date,
    amount_spent: int,
    refund_amount: int = 0,
    has_usage_report: bool = False,
    has_signed_statement: bool = False,
    has_receipts: bool = False,
    note: str = "",
) -> AccountabilityReport:
    """Record the LPJ a grantee handed in, or its corrected version after a revision."""
    _require_perm(by, "add_accountabilityreport")
    grant = _lock(grant, None)
    if grant.status != Status.DISBURSED:
        raise InvalidTransition(_(MSG_LPJ_NOT_DUE))
    report = (
        AccountabilityReport.objects.select_for_update().filter(grant=grant).first()
    )
    if (
        report is not None
        and report.status != AccountabilityReport.Status.NEEDS_REVISION
    ):
        raise GrantError(_(MSG_LPJ_EXISTS))
    if (
        amount_spent < 0
        or refund_amount < 0
        or amount_spent + refund_amount > grant.amount
    ):
        raise GrantError(_(MSG_LPJ_EXCEEDS))
    report = report or AccountabilityReport(grant=grant)
    report.status = AccountabilityReport.Status.SUBMITTED
    report.submitted_on = submitted_on
    report.amount_spent = amount_spent
    report.refund_amount = refund_amount
    report.has_usage_report = has_usage_report
    report.has_signed_statement = has_signed_statement
    report.has_receipts = has_receipts
    report.note = f"{report.note}\n{note}".strip() if report.pk else note
    report.recorded_by = by
    report.save()
    return report


@transaction.atomic
def review_lpj(
    report: AccountabilityReport, *, by: AbstractBaseUser, accept: bool, note: str = ""
) -> AccountabilityReport:
    """Accept an LPJ (closing the grant, or asking for the refund) or send it back."""
    _require_perm(by, "verify_grant")
    report = AccountabilityReport.objects.select_for_update().get(pk=report.pk)
    if report.status == AccountabilityReport.Status.ACCEPTED:
        raise GrantError(_(MSG_LPJ_NOT_PENDING))
    if not accept and not note.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    grant_amount = report.grant.amount
    if accept and report.amount_spent + report.refund_amount != grant_amount:
        raise GrantError(_(MSG_LPJ_INCOMPLETE) % {"amount": rupiah(grant_amount)})
    report.status = (
        AccountabilityReport.Status.ACCEPTED
        if accept
        else AccountabilityReport.Status.NEEDS_REVISION
    )
    report.reviewed_by = by
    report.reviewed_at = timezone.now()
    if note:
        report.note = f"{report.note}\n{note}".strip()
    report.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "note", "updated_at"]
    )
    if accept:
        grant = _lock(report.grant, Status.DISBURSED)
        to = Status.REFUND_DUE if report.refund_amount > 0 else Status.CLOSED
        _move(grant, to, by=by, note=note or _("LPJ diterima."))
    return report


@transaction.atomic
def record_refund(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    refunded_on: datetime.date,
    refund_reference: str,
    expected_status: str | None = None,
) -> Grant:
    """Record the deposit of unspent money, which closes the grant."""
    _require_perm(by, "disburse_grant")
    if not refund_reference.strip():
        raise GrantError(_(MSG_REFUND_REFERENCE_REQUIRED))
    grant = _lock(grant, expected_status)
    if grant.status != Status.REFUND_DUE:
        raise InvalidTransition(
            _message_invalid_transition(grant.status, Status.CLOSED)
        )
    report = AccountabilityReport.objects.select_for_update().get(grant=grant)
    report.refunded_on = refunded_on
    report.refund_reference = refund_reference.strip()
    report.save(update_fields=["refunded_on", "refund_reference", "updated_at"])
    return _move(
        grant,
        Status.CLOSED,
        by=by,
        note=_("Sisa dana disetor, bukti %(ref)s.") % {"ref": report.refund_reference},
    )


def available_actions(grant: Grant, user: AbstractBaseUser) -> list[str]:
    """The workflow actions this user may take on this grant now."""
    own = grant.proposed_by_id is not None and grant.proposed_by_id == user.pk
    status = grant.status
    actions = []
    if status == Status.NEEDS_REVISION and user.has_perm("grants.propose_grant"):
        actions.append("resubmit")
    if status == Status.PROPOSED and user.has_perm("grants.verify_grant") and not own:
        actions += ["verify", "return"]
    if status == Status.VERIFIED and user.has_perm("grants.approve_grant") and not own:
        actions += ["approve", "return"]
    if (
        status in (Status.PROPOSED, Status.NEEDS_REVISION, Status.VERIFIED)
        and _is_checker(user)
        and not own
    ):
        actions.append("reject")
    if status == Status.APPROVED and user.has_perm("grants.disburse_grant"):
        actions.append("disburse")
    if status == Status.REFUND_DUE and user.has_perm("grants.disburse_grant"):
        actions.append("refund")
    return actions
