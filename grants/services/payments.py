"""Money leaving the office: the NPHD, the verified account, payments, refunds."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.money import rupiah
from institutions.models import Institution

from ..models import AccountabilityReport, Disbursement, Grant, GrantEvent
from .duties import payment_gaps, refuse_duty_conflict, require_role
from .errors import (
    MSG_BANK_NOT_CHANGED,
    MSG_DISBURSEMENT_POSITIVE,
    MSG_DUPLICATE_TRANSFER,
    MSG_NO_BANK_ACCOUNT,
    MSG_NPHD_AFTER_PAYMENT,
    MSG_NPHD_BEFORE_DECREE,
    MSG_NPHD_ONLY_HIBAH,
    MSG_NPHD_REQUIRED,
    MSG_OVER_DISBURSED,
    MSG_PAID_BEFORE_DECREE,
    MSG_PAID_IN_FUTURE,
    MSG_REASON_REQUIRED,
    MSG_REFUND_REFERENCE_REQUIRED,
    GrantError,
    InvalidTransition,
    OverDisbursement,
    PaymentBlocked,
    checked_scan,
    message_invalid_transition,
)
from .workflow import lock_grant, transition_grant

Status = Grant.Status

MSG_REFUND_PROOF_REQUIRED = gettext_noop("Unggah pindaian bukti setor.")


def account_text(bank: str, number: str, holder: str) -> str:
    return " / ".join(part or "-" for part in (bank, number, holder))


def _record_step(grant: Grant, kind: str, *, by, note: str) -> GrantEvent:
    """An audit row for a step that leaves the status as it is."""
    return GrantEvent.objects.create(
        grant=grant,
        from_status=grant.status,
        to_status=grant.status,
        kind=kind,
        actor=by,
        note=note,
    )


@transaction.atomic
def record_nphd(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    number: str,
    date: datetime.date | None,
    note: str = "",
    scan: File | None = None,
    expected_status: str | None = None,
) -> Grant:
    """Record the signed grant agreement (NPHD) of an approved hibah, with its scan."""
    require_role(by, "nphd")
    if not number.strip() or date is None:
        raise GrantError(_(MSG_NPHD_REQUIRED))
    if scan is not None:
        kind = checked_scan(scan)
    grant = lock_grant(grant, expected_status)
    if grant.status != Status.APPROVED:
        raise InvalidTransition(_(MSG_NPHD_REQUIRED))
    if not grant.program.is_hibah:
        raise GrantError(_(MSG_NPHD_ONLY_HIBAH))
    if grant.disbursements.exists():
        raise GrantError(_(MSG_NPHD_AFTER_PAYMENT))
    if grant.decree_date and date < grant.decree_date:
        raise GrantError(
            _(MSG_NPHD_BEFORE_DECREE)
            % {
                "date": date.strftime("%d/%m/%Y"),
                "decree": grant.decree_date.strftime("%d/%m/%Y"),
            }
        )
    previous = grant.nphd_number
    grant.nphd_number, grant.nphd_date = number.strip(), date
    fields = ["nphd_number", "nphd_date", "updated_at"]
    if scan is not None:
        # A replaced scan stays in the storage: the agreement's history is kept.
        grant.nphd_scan.save(f"nphd.{kind.extension}", scan, save=False)
        fields.append("nphd_scan")
    grant.save(update_fields=fields)
    record = [note.strip()] if note.strip() else []
    record.append(
        _("NPHD %(number)s tanggal %(date)s.")
        % {"number": grant.nphd_number, "date": date.strftime("%d/%m/%Y")}
    )
    if previous:
        record.append(_("Menggantikan NPHD %(number)s.") % {"number": previous})
    if scan is not None:
        record.append(_("Pindaian NPHD dilampirkan."))
    _record_step(grant, GrantEvent.Kind.NPHD, by=by, note=" ".join(record))
    return grant


def on_bank_account_changed(sender, *, institution, changes, by, **kwargs) -> None:
    """Put a mark on the timeline of each unpaid grant whose verified account changed."""
    old = {change.field: change.old_value for change in changes}
    before = account_text(
        old.get("bank_name", institution.bank_name),
        old.get("account_number", institution.account_number),
        old.get("account_holder", institution.account_holder),
    )
    note = _(
        "Rekening lembaga berubah dari %(old)s menjadi %(new)s; penyaluran ditahan "
        "sampai Verifikator mengonfirmasi."
    ) % {"old": before, "new": account_text(*institution.bank_account)}
    for grant in (
        Grant.objects.filter(institution=institution)
        .bank_change_pending()
        .select_related("institution")
    ):
        _record_step(grant, GrantEvent.Kind.BANK_CHANGED, by=by, note=note)


@transaction.atomic
def confirm_bank_account(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    note: str,
    expected_status: str | None = None,
) -> Grant:
    """Confirm the institution's new account as the one this grant is paid to."""
    require_role(by, "confirm_bank")
    if not note.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    institution = Institution.objects.select_for_update().get(pk=grant.institution_id)
    grant = lock_grant(grant, expected_status)
    if grant.status not in Grant.BANK_CHECKED_STATUSES:
        raise InvalidTransition(_(MSG_BANK_NOT_CHANGED))
    refuse_duty_conflict(grant, by, "confirm_bank")
    if grant.verified_account == institution.bank_account:
        raise GrantError(_(MSG_BANK_NOT_CHANGED))
    if not institution.has_bank_account or not institution.bank_name:
        raise GrantError(_(MSG_NO_BANK_ACCOUNT))
    old = account_text(*grant.verified_account)
    (
        grant.verified_bank_name,
        grant.verified_account_number,
        grant.verified_account_holder,
    ) = institution.bank_account
    grant.bank_verified_at = timezone.now()
    grant.save(
        update_fields=[
            "verified_bank_name",
            "verified_account_number",
            "verified_account_holder",
            "bank_verified_at",
            "updated_at",
        ]
    )
    _record_step(
        grant,
        GrantEvent.Kind.BANK_CONFIRMED,
        by=by,
        note=_("Rekening %(new)s dikonfirmasi (sebelumnya %(old)s). %(note)s")
        % {"new": account_text(*institution.bank_account), "old": old, "note": note},
    )
    return grant


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
    today: datetime.date | None = None,
) -> Disbursement:
    """Record a payment to the verified account; the grant is disbursed once paid in full."""
    require_role(by, "disburse")
    # The institution first: a change of its account waits for this payment,
    # or this payment sees the change.
    institution = Institution.objects.select_for_update().get(pk=grant.institution_id)
    grant = lock_grant(grant, expected_status)
    if grant.status != Status.APPROVED:
        raise InvalidTransition(
            message_invalid_transition(grant.status, Status.DISBURSED)
        )
    refuse_duty_conflict(grant, by, "disburse")
    gaps = payment_gaps(grant, institution)
    if gaps:
        raise PaymentBlocked(" ".join(gaps))
    if amount <= 0:
        raise OverDisbursement(_(MSG_DISBURSEMENT_POSITIVE))
    if paid_on > (today or timezone.localdate()):
        raise GrantError(_(MSG_PAID_IN_FUTURE))
    if grant.decree_date and paid_on < grant.decree_date:
        raise GrantError(
            _(MSG_PAID_BEFORE_DECREE)
            % {
                "date": paid_on.strftime("%d/%m/%Y"),
                "decree": grant.decree_date.strftime("%d/%m/%Y"),
            }
        )
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
        paid_to_bank_name=grant.verified_bank_name,
        paid_to_account_number=grant.verified_account_number,
        paid_to_account_holder=grant.verified_account_holder,
    )
    if amount == room:
        transition_grant(grant, to=Status.DISBURSED, by=by, note=note)
    return disbursement


@transaction.atomic
def record_refund(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    refunded_on: datetime.date,
    refund_reference: str,
    refund_proof: File | None = None,
    expected_status: str | None = None,
) -> Grant:
    """Record the deposit of unspent money with its proof, which closes the grant."""
    require_role(by, "refund")
    if not refund_reference.strip():
        raise GrantError(_(MSG_REFUND_REFERENCE_REQUIRED))
    if not refund_proof:
        raise GrantError(_(MSG_REFUND_PROOF_REQUIRED))
    kind = checked_scan(refund_proof)
    grant = lock_grant(grant, expected_status)
    if grant.status != Status.REFUND_DUE:
        raise InvalidTransition(message_invalid_transition(grant.status, Status.CLOSED))
    report = AccountabilityReport.objects.select_for_update().get(grant=grant)
    report.refunded_on = refunded_on
    report.refund_reference = refund_reference.strip()
    report.refund_proof.save(f"setoran.{kind.extension}", refund_proof, save=False)
    try:
        report.save(
            update_fields=[
                "refunded_on",
                "refund_reference",
                "refund_proof",
                "updated_at",
            ]
        )
    except Exception:
        report.refund_proof.delete(save=False)
        raise
    return transition_grant(
        grant,
        to=Status.CLOSED,
        by=by,
        note=_("Sisa dana disetor, bukti %(ref)s.") % {"ref": report.refund_reference},
    )
