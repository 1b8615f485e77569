"""The grantee's accountability report (LPJ): recorded, reviewed, settled."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.money import rupiah

from ..models import AccountabilityReport, Grant
from .duties import require_role
from .errors import (
    MSG_LPJ_EXCEEDS,
    MSG_LPJ_EXISTS,
    MSG_LPJ_INCOMPLETE,
    MSG_LPJ_NOT_DUE,
    MSG_LPJ_NOT_PENDING,
    MSG_LPJ_RETURNED,
    MSG_LPJ_STALE,
    MSG_NO_PERMISSION,
    MSG_OWN_LPJ,
    MSG_REASON_REQUIRED,
    GrantError,
    InvalidTransition,
    NotAllowed,
    StaleGrant,
)
from .workflow import lock_grant, transition_grant

Status = Grant.Status
LpjStatus = AccountabilityReport.Status


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
    if not by.has_perm("grants.add_accountabilityreport"):
        raise NotAllowed(_(MSG_NO_PERMISSION))
    grant = lock_grant(grant)
    if grant.status != Status.DISBURSED:
        raise InvalidTransition(_(MSG_LPJ_NOT_DUE))
    report = (
        AccountabilityReport.objects.select_for_update().filter(grant=grant).first()
    )
    if report is not None and report.status != LpjStatus.NEEDS_REVISION:
        raise GrantError(_(MSG_LPJ_EXISTS))
    if (
        amount_spent < 0
        or refund_amount < 0
        or amount_spent + refund_amount > grant.amount
    ):
        raise GrantError(_(MSG_LPJ_EXCEEDS))
    report = report or AccountabilityReport(grant=grant)
    report.status = LpjStatus.SUBMITTED
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
    report: AccountabilityReport,
    *,
    by: AbstractBaseUser,
    accept: bool,
    note: str = "",
    expected_status: str | None = None,
    expected_version: str | None = None,
) -> AccountabilityReport:
    """Accept an LPJ (closing the grant, or asking for the refund) or send it back.

    `expected_version` is the `version` of the report the reviewer read: a
    report corrected since is not accepted unseen.
    """
    require_role(by, "review_lpj")
    # The grant first, then its LPJ: the order every service takes them in.
    grant = lock_grant(report.grant)
    report = AccountabilityReport.objects.select_for_update().get(pk=report.pk)
    if (expected_status is not None and report.status != expected_status) or (
        expected_version is not None and report.version != expected_version
    ):
        raise StaleGrant(_(MSG_LPJ_STALE))
    if report.status == LpjStatus.ACCEPTED:
        raise GrantError(_(MSG_LPJ_NOT_PENDING))
    if report.status == LpjStatus.NEEDS_REVISION:
        raise GrantError(_(MSG_LPJ_RETURNED))
    if report.recorded_by_id is not None and report.recorded_by_id == by.pk:
        raise NotAllowed(_(MSG_OWN_LPJ))
    if not accept and not note.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    if accept and report.amount_spent + report.refund_amount != grant.amount:
        raise GrantError(_(MSG_LPJ_INCOMPLETE) % {"amount": rupiah(grant.amount)})
    report.status = LpjStatus.ACCEPTED if accept else LpjStatus.NEEDS_REVISION
    report.reviewed_by = by
    report.reviewed_at = timezone.now()
    if note:
        report.note = f"{report.note}\n{note}".strip()
    report.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "note", "updated_at"]
    )
    if accept:
        to = Status.REFUND_DUE if report.refund_amount > 0 else Status.CLOSED
        transition_grant(
            grant,
            to=to,
            by=by,
            note=note or _("LPJ diterima."),
            expected_status=Status.DISBURSED,
        )
    return report
