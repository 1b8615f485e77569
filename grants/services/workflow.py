"""The grant workflow: one function changes a status, the others prepare it.

Every status change goes through `transition_grant`, which locks the grant,
checks the move against the workflow, the role and the separation of duties,
checks what the new status requires, and writes the `GrantEvent`. The step
services (verify, approve...) gather what their step records and call it.

Locks are always taken in one order: programme or institution first, then
the grant, then its LPJ.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.money import rupiah
from institutions.models import Institution, InstitutionDocument

from ..models import (
    AccountabilityReport,
    EligibilityOverride,
    Grant,
    GrantEvent,
    Program,
)
from .duties import (
    MOVE_STEPS,
    refuse_duty_conflict,
    require_role,
    verification_gaps,
)
from .errors import (
    MSG_ACCREDITATION_INVALID,
    MSG_ALREADY_IN_PROGRAM,
    MSG_AMOUNT_POSITIVE,
    MSG_CEILING,
    MSG_CHECKLIST_INCOMPLETE,
    MSG_DECREE_BEFORE_YEAR,
    MSG_DECREE_REQUIRED,
    MSG_DOCUMENT_EXPIRED,
    MSG_DOCUMENT_MISSING,
    MSG_INACTIVE,
    MSG_KIND_NOT_ELIGIBLE,
    MSG_LPJ_NOT_ACCEPTED,
    MSG_LPJ_OVERDUE,
    MSG_NEEDS_OVERRIDE,
    MSG_NO_BANK_ACCOUNT,
    MSG_NO_PERMISSION,
    MSG_OVER_DISBURSED,
    MSG_OVERRIDE_EXISTS,
    MSG_OVERRIDE_NOTE,
    MSG_OVERRIDE_NOTHING,
    MSG_OVERRIDE_REASON_REQUIRED,
    MSG_PERMIT_INVALID,
    MSG_PROGRAM_CLOSED,
    MSG_PROGRAM_YEAR,
    MSG_REASON_REQUIRED,
    MSG_REFUND_NOT_RECORDED,
    MSG_REVISION_AFTER_PAYMENT,
    MSG_REVISION_CHANGES_NOTHING,
    MSG_STALE,
    WARN_AIDED_LAST_YEAR,
    CeilingExceeded,
    GrantError,
    InvalidTransition,
    NotAllowed,
    NotEligible,
    StaleGrant,
    message_invalid_transition,
)

Status = Grant.Status

# A grant back before verification (returned, resubmitted, revised) keeps
# nothing of the checks it had: they are done again on what it is now.
UNCHECKED = {
    "checklist_results": {},
    "verified_by": None,
    "verified_at": None,
    "approved_by": None,
    "approved_at": None,
    "decree_number": "",
    "decree_date": None,
    "nphd_number": "",
    "nphd_date": None,
}


def lock_grant(grant: Grant, expected_status: str | None = None) -> Grant:
    """The grant's row, locked; refused if its status is not the one the user saw."""
    # Only the grant's row: the programme is locked on its own, where needed.
    locked = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=grant.pk)
    )
    if expected_status is not None and locked.status != expected_status:
        raise StaleGrant(_(MSG_STALE))
    return locked


def _check_entering(grant: Grant, to: str, note: str) -> None:
    """What a grant must carry to enter status `to` (after the step's changes)."""
    if to in (Status.NEEDS_REVISION, Status.REJECTED) and not note.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    if to == Status.VERIFIED:
        results = grant.checklist_results or {}
        if any(
            not results.get(item, {}).get("ok")
            for item in grant.program.checklist or []
        ):
            raise GrantError(_(MSG_CHECKLIST_INCOMPLETE))
        if not (grant.verified_account_number and grant.verified_account_holder):
            raise GrantError(_(MSG_NO_BANK_ACCOUNT))
    elif to == Status.APPROVED:
        _check_decree(grant)
        _check_ceiling(grant)
    elif to == Status.DISBURSED:
        paid = grant.disbursed_amount()
        if paid != grant.amount:
            raise GrantError(
                _(MSG_OVER_DISBURSED) % {"room": rupiah(grant.amount - paid)}
            )
    elif to == Status.PROPOSED and grant.disbursements.exists():
        raise GrantError(_(MSG_REVISION_AFTER_PAYMENT))
    elif grant.status == Status.DISBURSED:  # to closed or refund due
        report = AccountabilityReport.objects.filter(grant=grant).first()
        if report is None or report.status != AccountabilityReport.Status.ACCEPTED:
            raise GrantError(_(MSG_LPJ_NOT_ACCEPTED))
    elif (
        grant.status == Status.REFUND_DUE
        and not AccountabilityReport.objects.filter(
            grant=grant, refunded_on__isnull=False
        ).exists()
    ):
        raise GrantError(_(MSG_REFUND_NOT_RECORDED))


def _check_decree(grant: Grant) -> None:
    if not grant.decree_number.strip() or grant.decree_date is None:
        raise GrantError(_(MSG_DECREE_REQUIRED))
    if grant.decree_date.year < grant.program.year:
        raise GrantError(
            _(MSG_DECREE_BEFORE_YEAR)
            % {
                "date": grant.decree_date.strftime("%d/%m/%Y"),
                "year": grant.program.year,
            }
        )


def _check_ceiling(grant: Grant) -> None:
    # The caller holds the programme's row lock: nothing else is being approved.
    committed = Grant.objects.filter(program_id=grant.program_id).committed_total()
    room = grant.program.budget_ceiling - committed
    if grant.amount > room:
        raise CeilingExceeded(
            _(MSG_CEILING)
            % {"room": rupiah(max(room, 0)), "amount": rupiah(grant.amount)}
        )


@transaction.atomic
def transition_grant(
    grant: Grant,
    *,
    to: str,
    by: AbstractBaseUser,
    note: str = "",
    expected_status: str | None = None,
    changes: dict[str, Any] | None = None,
) -> Grant:
    """Move a grant to another status, with what the step records, and log who did it."""
    if to == Status.APPROVED:
        # Approvals in one programme queue on its row, so two can never both
        # take the last room under the ceiling, nor race a change of the ceiling.
        Program.objects.select_for_update().get(pk=grant.program_id)
    grant = lock_grant(grant, expected_status)
    step = MOVE_STEPS.get((grant.status, to))
    if step is None or not grant.can_transition_to(to):
        raise InvalidTransition(message_invalid_transition(grant.status, to))
    require_role(by, step)
    refuse_duty_conflict(grant, by, step)
    changes = dict(changes or {})
    if to in (Status.PROPOSED, Status.NEEDS_REVISION):
        changes |= UNCHECKED
    if to == Status.PROPOSED:
        # Whoever puts a proposal (back) in the queue answers for its content.
        changes["content_changed_by"] = by
    for name, value in changes.items():
        setattr(grant, name, value)
    _check_entering(grant, to, note)
    previous, grant.status = grant.status, to
    grant.save(update_fields=["status", "updated_at", *changes])
    GrantEvent.objects.create(
        grant=grant, from_status=previous, to_status=to, actor=by, note=note
    )
    return grant


# Proposals --------------------------------------------------------------------


@dataclass
class Eligibility:
    """What stands between an institution and a proposal in a programme.

    `errors` can never be waived; `blockers` (missing or expired documents, an
    overdue LPJ) can, by a Pimpinan's `EligibilityOverride`; `warnings` only ask
    the proposer to confirm.
    """

    errors: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    override: EligibilityOverride | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and (not self.blockers or self.override is not None)

    @property
    def needs_override(self) -> bool:
        return bool(self.blockers) and self.override is None


def document_blockers(institution: Institution, today: datetime.date) -> list[str]:
    """Each required document of the institution that is missing or expired today."""
    in_force = {
        document.kind: document
        for document in InstitutionDocument.objects.filter(
            institution=institution
        ).latest_per_kind()
    }
    problems = []
    for kind in InstitutionDocument.REQUIRED_KINDS:
        document = in_force.get(kind)
        if document is None:
            problems.append(_(MSG_DOCUMENT_MISSING) % {"kind": kind.label})
        elif document.expired(today):
            # Valid through its expiry date: expired from the day after.
            since = document.expires_on + datetime.timedelta(days=1)
            problems.append(
                _(MSG_DOCUMENT_EXPIRED)
                % {"kind": kind.label, "date": since.strftime("%d/%m/%Y")}
            )
    return problems


def proposal_blockers(
    institution: Institution, today: datetime.date | None = None
) -> list[str]:
    """What keeps the institution from any proposal unless a Pimpinan overrides it."""
    today = today or timezone.localdate()
    blockers = document_blockers(institution, today)
    if Grant.objects.overdue_lpj(today).filter(institution=institution).exists():
        blockers.append(_(MSG_LPJ_OVERDUE))
    return blockers


def check_eligibility(
    program: Program, institution: Institution, *, today: datetime.date | None = None
) -> Eligibility:
    """Say whether an institution may be proposed in a programme, and what to watch."""
    today = today or timezone.localdate()
    result = Eligibility()
    if not program.is_open:
        result.errors.append(_(MSG_PROGRAM_CLOSED))
    elif program.year not in (today.year, today.year + 1):
        result.errors.append(
            _(MSG_PROGRAM_YEAR)
            % {"this": today.year, "next": today.year + 1, "year": program.year}
        )
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
    result.blockers = proposal_blockers(institution, today)
    if result.blockers and program.pk is not None:
        result.override = (
            EligibilityOverride.objects.filter(program=program, institution=institution)
            .select_related("granted_by")
            .first()
        )
    previous_year = program.year - 1
    if (
        Grant.objects.aided()
        .filter(institution=institution, program__year=previous_year)
        .exists()
    ):
        result.warnings.append(_(WARN_AIDED_LAST_YEAR) % {"year": previous_year})
    return result


@transaction.atomic
def grant_eligibility_override(
    program: Program,
    institution: Institution,
    *,
    by: AbstractBaseUser,
    reason: str,
    today: datetime.date | None = None,
) -> EligibilityOverride:
    """Let a Pimpinan waive an institution's blockers in one programme, saying why."""
    if not by.has_perm("grants.add_eligibilityoverride"):
        raise NotAllowed(_(MSG_NO_PERMISSION))
    reason = reason.strip()
    if not reason:
        raise GrantError(_(MSG_OVERRIDE_REASON_REQUIRED))
    # The same lock as a proposal: the override and a proposal never cross.
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    eligibility = check_eligibility(program, institution, today=today)
    if eligibility.override is not None:
        raise GrantError(_(MSG_OVERRIDE_EXISTS))
    if not eligibility.blockers:
        raise GrantError(_(MSG_OVERRIDE_NOTHING))
    return EligibilityOverride.objects.create(
        program=program,
        institution=institution,
        reason=reason,
        problems=eligibility.blockers,
        granted_by=by,
    )


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
    require_role(by, "propose")
    if amount <= 0:
        raise NotEligible(_(MSG_AMOUNT_POSITIVE))
    # Locking the institution serialises two proposals for it in one programme;
    # reading the programme again sees a closing that happened meanwhile.
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    program = Program.objects.get(pk=program.pk)
    eligibility = check_eligibility(program, institution, today=today)
    if eligibility.errors:
        raise NotEligible(" ".join(eligibility.errors))
    if not eligibility.ok:
        raise NotEligible(" ".join([*eligibility.blockers, _(MSG_NEEDS_OVERRIDE)]))
    # The override is recorded on the grant only when it waived something now.
    override = eligibility.override if eligibility.blockers else None
    grant = Grant.objects.create(
        program=program,
        institution=institution,
        amount=amount,
        purpose=purpose,
        status=Status.PROPOSED,
        proposed_by=by,
        content_changed_by=by,
        eligibility_override=override,
    )
    if override is not None:
        record = _(MSG_OVERRIDE_NOTE) % {
            "by": override.granted_by.get_full_name() or override.granted_by,
            "reason": override.reason,
            "problems": " ".join(eligibility.blockers),
        }
        note = f"{note.strip()}\n{record}".strip()
    GrantEvent.objects.create(
        grant=grant, from_status="", to_status=Status.PROPOSED, actor=by, note=note
    )
    return grant, eligibility.warnings


# Checking ---------------------------------------------------------------------


@transaction.atomic
def verify_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    checklist: dict[str, dict],
    note: str = "",
    expected_status: str | None = None,
) -> Grant:
    """Verify a proposal's documents and record the bank account it was checked against."""
    require_role(by, "verify")
    institution = Institution.objects.select_for_update().get(pk=grant.institution_id)
    grant = lock_grant(grant, expected_status)
    refuse_duty_conflict(grant, by, "verify")
    gaps = verification_gaps(grant, institution)
    if gaps:
        raise GrantError(" ".join(gaps))
    required = grant.program.checklist or []
    if any(not checklist.get(item, {}).get("ok") for item in required):
        raise GrantError(_(MSG_CHECKLIST_INCOMPLETE))
    now = timezone.now()
    return transition_grant(
        grant,
        to=Status.VERIFIED,
        by=by,
        note=note,
        expected_status=grant.status,
        changes={
            "checklist_results": {
                item: {"ok": True, "note": checklist.get(item, {}).get("note", "")}
                for item in required
            },
            "verified_by": by,
            "verified_at": now,
            "verified_bank_name": institution.bank_name,
            "verified_account_number": institution.account_number,
            "verified_account_holder": institution.account_holder,
            "bank_verified_at": now,
        },
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
    return transition_grant(
        grant,
        to=Status.NEEDS_REVISION,
        by=by,
        note=note,
        expected_status=expected_status,
    )


@transaction.atomic
def reject_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    reason: str,
    expected_status: str | None = None,
) -> Grant:
    """Turn a proposal down for good, with the reason on record."""
    return transition_grant(
        grant, to=Status.REJECTED, by=by, note=reason, expected_status=expected_status
    )


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
    """Put a revised proposal back in the verification queue; its author may not check it."""
    changes: dict[str, Any] = {}
    if amount is not None:
        if amount <= 0:
            raise NotEligible(_(MSG_AMOUNT_POSITIVE))
        changes["amount"] = amount
    if purpose is not None:
        changes["purpose"] = purpose
    current = lock_grant(grant, expected_status)
    # Approved -> proposed is a revision, which clears the decree: not this step.
    if current.status != Status.NEEDS_REVISION:
        raise InvalidTransition(
            message_invalid_transition(current.status, Status.PROPOSED)
        )
    return transition_grant(
        current,
        to=Status.PROPOSED,
        by=by,
        note=note,
        expected_status=current.status,
        changes=changes,
    )


@transaction.atomic
def revise_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    amount: int,
    purpose: str,
    note: str,
    expected_status: str | None = None,
) -> Grant:
    """Change an approved grant's amount or purpose, sending it back to verification."""
    if amount <= 0:
        raise NotEligible(_(MSG_AMOUNT_POSITIVE))
    if not note.strip():
        raise GrantError(_(MSG_REASON_REQUIRED))
    current = lock_grant(grant, expected_status)
    if current.status != Status.APPROVED:
        raise InvalidTransition(
            message_invalid_transition(current.status, Status.PROPOSED)
        )
    if (amount, purpose) == (current.amount, current.purpose):
        raise GrantError(_(MSG_REVISION_CHANGES_NOTHING))
    record = _(
        "Revisi setelah persetujuan: nilai %(old)s menjadi %(new)s; SK %(decree)s "
        "tidak berlaku lagi. %(note)s"
    ) % {
        "old": rupiah(current.amount),
        "new": rupiah(amount),
        "decree": current.decree_number,
        "note": note.strip(),
    }
    return transition_grant(
        current,
        to=Status.PROPOSED,
        by=by,
        note=record,
        expected_status=current.status,
        changes={"amount": amount, "purpose": purpose},
    )


@transaction.atomic
def approve_grant(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    decree_number: str,
    decree_date: datetime.date | None,
    note: str = "",
    expected_status: str | None = None,
) -> Grant:
    """Approve a verified grant with its decree, under the programme's budget ceiling."""
    require_role(by, "approve")
    if not decree_number.strip() or decree_date is None:
        raise GrantError(_(MSG_DECREE_REQUIRED))
    return transition_grant(
        grant,
        to=Status.APPROVED,
        by=by,
        note=note,
        expected_status=expected_status,
        changes={
            "decree_number": decree_number.strip(),
            "decree_date": decree_date,
            "approved_by": by,
            "approved_at": timezone.now(),
        },
    )
