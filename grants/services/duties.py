"""Who may take which step on a grant, and why not.

One table says which role each step needs, one function says which steps a
person may not take on this grant because of an earlier step of theirs
(superusers included), and the prerequisites say what must be on record
first. The services enforce them; the grant page lists the same answers.
"""

from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutions.models import BANK_FIELDS, Institution, InstitutionChange

from ..models import Grant
from .errors import (
    MSG_BANK_CHANGED,
    MSG_NO_BANK_ACCOUNT,
    MSG_NO_PERMISSION,
    MSG_NPHD_AFTER_PAYMENT,
    MSG_NPHD_REQUIRED,
    MSG_OWN_APPROVAL,
    MSG_OWN_BANK_CHANGE,
    MSG_OWN_CHANGE,
    MSG_OWN_PROPOSAL,
    MSG_OWN_VERIFICATION,
    MSG_REVISION_AFTER_PAYMENT,
    MSG_VERIFY_NEEDS_BANK,
    MSG_VERIFY_NEEDS_NPWP,
    MSG_VERIFY_NEEDS_REGISTRATION,
    NotAllowed,
)

Status = Grant.Status


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    # Any one of these permissions (app label "grants") lets a role take the step.
    permissions: tuple[str, ...]
    # The statuses in which the step can be taken.
    statuses: tuple[str, ...]


STEPS = {
    step.name: step
    for step in (
        Step("propose", gettext_lazy("Usulkan"), ("propose_grant",), ()),
        Step("resubmit", gettext_lazy("Ajukan kembali"), ("propose_grant",), (Status.NEEDS_REVISION,)),
        Step("verify", gettext_lazy("Verifikasi"), ("verify_grant",), (Status.PROPOSED,)),
        Step("confirm_bank", gettext_lazy("Konfirmasi rekening baru"), ("verify_grant",), Grant.BANK_CHECKED_STATUSES),
        Step("approve", gettext_lazy("Setujui"), ("approve_grant",), (Status.VERIFIED,)),
        Step("nphd", gettext_lazy("Catat NPHD"), ("record_nphd",), (Status.APPROVED,)),
        Step("disburse", gettext_lazy("Catat penyaluran"), ("disburse_grant",), (Status.APPROVED,)),
        Step("refund", gettext_lazy("Catat setoran sisa dana"), ("disburse_grant",), (Status.REFUND_DUE,)),
        Step("return", gettext_lazy("Kembalikan untuk perbaikan"), ("verify_grant", "approve_grant"), (Status.PROPOSED, Status.VERIFIED)),
        Step("revise", gettext_lazy("Revisi nilai atau peruntukan"), ("propose_grant",), (Status.APPROVED,)),
        Step("reject", gettext_lazy("Tolak usulan"), ("verify_grant", "approve_grant"), (Status.PROPOSED, Status.NEEDS_REVISION, Status.VERIFIED)),
        Step("review_lpj", gettext_lazy("Periksa LPJ"), ("verify_grant",), (Status.DISBURSED,)),
    )
}  # fmt: skip

# The step behind every move of the workflow; `transition_grant` checks its
# role and duties whichever service asked for the move.
MOVE_STEPS: dict[tuple[str, str], str] = {
    (Status.PROPOSED, Status.VERIFIED): "verify",
    (Status.PROPOSED, Status.NEEDS_REVISION): "return",
    (Status.VERIFIED, Status.NEEDS_REVISION): "return",
    (Status.PROPOSED, Status.REJECTED): "reject",
    (Status.NEEDS_REVISION, Status.REJECTED): "reject",
    (Status.VERIFIED, Status.REJECTED): "reject",
    (Status.NEEDS_REVISION, Status.PROPOSED): "resubmit",
    (Status.APPROVED, Status.PROPOSED): "revise",
    (Status.VERIFIED, Status.APPROVED): "approve",
    (Status.APPROVED, Status.DISBURSED): "disburse",
    (Status.DISBURSED, Status.CLOSED): "review_lpj",
    (Status.DISBURSED, Status.REFUND_DUE): "review_lpj",
    (Status.REFUND_DUE, Status.CLOSED): "refund",
}

# Steps that check someone's work: its makers may not take them.
CHECKS = frozenset({"verify", "return", "reject", "approve", "confirm_bank"})


def has_role_for(user: AbstractBaseUser, step: str) -> bool:
    return any(user.has_perm(f"grants.{perm}") for perm in STEPS[step].permissions)


def require_role(user: AbstractBaseUser, step: str) -> None:
    if not has_role_for(user, step):
        raise NotAllowed(_(MSG_NO_PERMISSION))


def bank_changers(grant: Grant) -> set[int]:
    """Who changed the institution's bank details since they were last verified."""
    changes = InstitutionChange.objects.filter(
        institution_id=grant.institution_id, field__in=BANK_FIELDS
    )
    if grant.bank_verified_at is not None:
        changes = changes.filter(changed_at__gt=grant.bank_verified_at)
    return set(changes.exclude(changed_by=None).values_list("changed_by", flat=True))


def duty_conflict(grant: Grant, user: AbstractBaseUser, step: str) -> str | None:
    """Why an earlier step of this user's on this grant bars them from `step`."""
    if step in CHECKS:
        if user.pk == grant.proposed_by_id:
            return _(MSG_OWN_PROPOSAL)
        if user.pk == grant.content_changed_by_id:
            return _(MSG_OWN_CHANGE)
    if step == "approve" and user.pk == grant.verified_by_id:
        return _(MSG_OWN_VERIFICATION)
    if step == "disburse" and user.pk == grant.approved_by_id:
        return _(MSG_OWN_APPROVAL)
    if step == "confirm_bank" and user.pk in bank_changers(grant):
        return _(MSG_OWN_BANK_CHANGE)
    return None


def refuse_duty_conflict(grant: Grant, user: AbstractBaseUser, step: str) -> None:
    reason = duty_conflict(grant, user, step)
    if reason is not None:
        raise NotAllowed(reason)


def verification_gaps(grant: Grant, institution: Institution) -> list[str]:
    """What the institution's record lacks for its proposal to be verified."""
    gaps = []
    if not (
        institution.bank_name
        and institution.account_number
        and institution.account_holder
    ):
        gaps.append(_(MSG_VERIFY_NEEDS_BANK))
    if not institution.registration_number:
        gaps.append(_(MSG_VERIFY_NEEDS_REGISTRATION))
    if grant.program.is_hibah and not institution.npwp:
        gaps.append(_(MSG_VERIFY_NEEDS_NPWP))
    return gaps


def payment_gaps(grant: Grant, institution: Institution) -> list[str]:
    """What must be on record before money leaves for this grant."""
    gaps = []
    if not (grant.verified_account_number and grant.verified_account_holder):
        gaps.append(_(MSG_NO_BANK_ACCOUNT))
    elif grant.verified_account != institution.bank_account:
        gaps.append(_(MSG_BANK_CHANGED))
    if grant.program.is_hibah and not (grant.nphd_number and grant.nphd_date):
        gaps.append(_(MSG_NPHD_REQUIRED))
    return gaps


@dataclass(frozen=True)
class GrantAction:
    """A step this user could take on this grant now, or why they cannot."""

    name: str
    label: str
    reasons: tuple[str, ...] = ()
    # The step that moves the grant on, shown open; the others are side steps.
    primary: bool = False

    @property
    def allowed(self) -> bool:
        return not self.reasons


def _applies(grant: Grant, step: str) -> bool:
    """Whether the step makes sense for the grant as it stands, whoever asks."""
    if grant.status not in STEPS[step].statuses:
        return False
    if step == "confirm_bank":
        return grant.bank_change_pending
    if step == "nphd":
        return grant.program.is_hibah
    return step != "review_lpj"  # offered on the LPJ panel, not among the actions


def _blockers(grant: Grant, user: AbstractBaseUser, step: str) -> list[str]:
    conflict = duty_conflict(grant, user, step)
    reasons = [conflict] if conflict else []
    if step == "verify":
        reasons += verification_gaps(grant, grant.institution)
    elif step == "disburse":
        reasons += payment_gaps(grant, grant.institution)
    elif step == "revise" and grant.disbursed_amount():
        reasons.append(_(MSG_REVISION_AFTER_PAYMENT))
    elif step == "nphd" and grant.disbursed_amount():
        reasons.append(_(MSG_NPHD_AFTER_PAYMENT))
    return reasons


# Steps that send a grant back or aside rather than on to its next stage.
SIDE_STEPS = frozenset({"return", "revise", "reject"})


def _moves_on(grant: Grant, step: str) -> bool:
    if step == "nphd":  # correcting a recorded NPHD is not the next stage
        return not grant.nphd_number
    return step not in SIDE_STEPS


def grant_actions(grant: Grant, user: AbstractBaseUser) -> list[GrantAction]:
    """The steps this user's roles allow on this grant now, each open or with why not.

    The first open step that moves the grant on (in workflow order) is the
    primary one; there is none when every such step is blocked.
    """
    actions = [
        GrantAction(
            step.name, str(step.label), tuple(_blockers(grant, user, step.name))
        )
        for step in STEPS.values()
        if _applies(grant, step.name) and has_role_for(user, step.name)
    ]
    for index, action in enumerate(actions):
        if action.allowed and _moves_on(grant, action.name):
            actions[index] = replace(action, primary=True)
            break
    return actions


def available_actions(grant: Grant, user: AbstractBaseUser) -> list[str]:
    """The names of the steps this user may take on this grant now."""
    return [action.name for action in grant_actions(grant, user) if action.allowed]
