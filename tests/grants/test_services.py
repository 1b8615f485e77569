import datetime
import re

import pytest
from django.contrib.auth.models import Group

from grants import roles
from grants.models import (
    AccountabilityReport,
    Disbursement,
    Grant,
    GrantEvent,
    LpjEvidence,
    LpjItemReview,
    Program,
)
from grants.services import (
    MSG_ACCREDITATION_INVALID,
    MSG_ALREADY_IN_PROGRAM,
    MSG_AMOUNT_POSITIVE,
    MSG_CEILING,
    MSG_CHECKLIST_INCOMPLETE,
    MSG_DECREE_BEFORE_YEAR,
    MSG_DECREE_REQUIRED,
    MSG_DUPLICATE_TRANSFER,
    MSG_INACTIVE,
    MSG_KIND_NOT_ELIGIBLE,
    MSG_LPJ_EXISTS,
    MSG_LPJ_NEGATIVE,
    MSG_LPJ_NOT_ACCEPTED,
    MSG_LPJ_NOT_DUE,
    MSG_LPJ_NOT_PENDING,
    MSG_LPJ_OVERDUE,
    MSG_NO_BANK_ACCOUNT,
    MSG_NO_PERMISSION,
    MSG_OVER_DISBURSED,
    MSG_OWN_PROPOSAL,
    MSG_PERMIT_INVALID,
    MSG_REASON_REQUIRED,
    MSG_REFUND_NOT_RECORDED,
    MSG_REFUND_REFERENCE_REQUIRED,
    MSG_REVISION_AFTER_PAYMENT,
    MSG_STALE,
    WARN_AIDED_LAST_YEAR,
    CeilingExceeded,
    Finding,
    GrantError,
    InvalidTransition,
    LpjNotBalanced,
    NotAllowed,
    NotEligible,
    OverDisbursement,
    StaleGrant,
    approve_grant,
    available_actions,
    check_eligibility,
    propose_grant,
    record_disbursement,
    record_lpj,
    record_nphd,
    record_refund,
    reject_grant,
    resubmit_grant,
    return_grant,
    review_lpj,
    transition_grant,
    verify_grant,
)
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
    lpj_evidence,
    scan_upload,
)
from tests.grants.helpers import exactly, snapshot

pytestmark = pytest.mark.django_db

Status = Grant.Status
TODAY = datetime.date(2024, 4, 1)
DECREE_DATE = datetime.date(2024, 5, 2)


def only_event(grant: Grant, since: int = 0) -> GrantEvent:
    """The single event written after the first `since` ones."""
    events = list(GrantEvent.objects.filter(grant=grant).order_by("pk")[since:])
    assert len(events) == 1, events
    return events[0]


def all_ok(grant: Grant) -> dict[str, dict]:
    return {item: {"ok": True} for item in grant.program.checklist}


@pytest.fixture
def program():
    # This module's TODAY is in 2024: proposals go into that year's programme.
    return ProgramFactory(year=TODAY.year, budget_ceiling=100_000_000)


@pytest.fixture
def proposed(program, operator):
    return GrantFactory(program=program, proposed_by=operator, amount=10_000_000)


@pytest.fixture
def verified(program, operator):
    return GrantFactory(
        program=program, proposed_by=operator, amount=10_000_000, verified=True
    )


@pytest.fixture
def approved(program, operator):
    return GrantFactory(
        program=program, proposed_by=operator, amount=10_000_000, approved=True
    )


def approve(grant: Grant, by) -> Grant:
    return approve_grant(
        grant, by=by, decree_number="SK/DINSOS/12/2024", decree_date=DECREE_DATE
    )


# Proposing --------------------------------------------------------------------


def test_an_operator_proposes_a_grant(program, operator):
    institution = InstitutionFactory()

    grant, warnings = propose_grant(
        program=program,
        institution=institution,
        amount=15_000_000,
        by=operator,
        purpose="Pengadaan tenda dan kursi",
        note="Usulan desa",
        today=TODAY,
    )

    grant.refresh_from_db()
    assert warnings == []
    assert (grant.program, grant.institution) == (program, institution)
    assert grant.amount == 15_000_000
    assert grant.purpose == "Pengadaan tenda dan kursi"
    assert grant.status == Status.PROPOSED
    assert grant.proposed_by == operator
    event = only_event(grant)
    assert (event.from_status, event.to_status) == ("", Status.PROPOSED)
    assert (event.actor, event.note) == (operator, "Usulan desa")


@pytest.mark.parametrize(
    "role", [roles.VERIFIKATOR, roles.PIMPINAN, roles.BENDAHARA, roles.PENGAMAT, None]
)
def test_proposing_needs_the_propose_permission(program, role):
    user = UserFactory(role=role)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        propose_grant(
            program=program,
            institution=InstitutionFactory(),
            amount=10_000_000,
            by=user,
            today=TODAY,
        )

    assert not Grant.objects.exists()
    assert not GrantEvent.objects.exists()


@pytest.mark.parametrize("amount", [0, -1])
def test_proposing_refuses_an_amount_that_is_not_positive(program, operator, amount):
    with pytest.raises(NotEligible, match=exactly(MSG_AMOUNT_POSITIVE)):
        propose_grant(
            program=program,
            institution=InstitutionFactory(),
            amount=amount,
            by=operator,
            today=TODAY,
        )

    assert not Grant.objects.exists()


def refused_proposal(program, institution, by, message: str) -> None:
    with pytest.raises(NotEligible, match=re.escape(message)):
        propose_grant(
            program=program,
            institution=institution,
            amount=10_000_000,
            by=by,
            today=TODAY,
        )


def test_proposing_refuses_a_kind_the_programme_does_not_cover(operator):
    program = ProgramFactory(year=TODAY.year, covers_lksa=False)
    institution = InstitutionFactory(lksa=True)

    refused_proposal(
        program, institution, operator, MSG_KIND_NOT_ELIGIBLE % {"kind": "LKSA"}
    )

    assert not Grant.objects.exists()
    assert not GrantEvent.objects.exists()


def test_proposing_refuses_an_inactive_institution(program, operator):
    refused_proposal(program, InstitutionFactory(active=False), operator, MSG_INACTIVE)

    assert not Grant.objects.exists()


def test_proposing_refuses_an_institution_already_in_the_programme(
    program, operator, proposed
):
    before = snapshot(proposed)

    refused_proposal(program, proposed.institution, operator, MSG_ALREADY_IN_PROGRAM)

    assert Grant.objects.count() == 1
    assert snapshot(proposed) == before


def test_an_institution_rejected_in_a_programme_is_still_in_it(program, operator):
    rejected = GrantFactory(program=program, rejected=True)

    refused_proposal(program, rejected.institution, operator, MSG_ALREADY_IN_PROGRAM)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"permit_number": "", "permit_expires_on": None}, MSG_PERMIT_INVALID),
        ({"permit_expires_on": datetime.date(2024, 3, 31)}, MSG_PERMIT_INVALID),
        (
            {"accreditation": "", "accreditation_expires_on": None},
            MSG_ACCREDITATION_INVALID,
        ),
        ({"accreditation_expires_on": None}, MSG_ACCREDITATION_INVALID),
        (
            {"accreditation_expires_on": datetime.date(2024, 3, 31)},
            MSG_ACCREDITATION_INVALID,
        ),
    ],
    ids=[
        "no-permit",
        "permit-expired",
        "no-accreditation",
        "accreditation-without-expiry",
        "accreditation-expired",
    ],
)
def test_proposing_refuses_an_lksa_without_a_valid_permit_and_accreditation(
    program, operator, fields, message
):
    institution = InstitutionFactory(lksa=True, **fields)

    refused_proposal(program, institution, operator, message)

    assert not Grant.objects.exists()


def test_an_lksa_whose_papers_expire_today_may_still_be_proposed(program, operator):
    institution = InstitutionFactory(
        lksa=True, permit_expires_on=TODAY, accreditation_expires_on=TODAY
    )

    grant, _ = propose_grant(
        program=program,
        institution=institution,
        amount=10_000_000,
        by=operator,
        today=TODAY,
    )

    assert grant.status == Status.PROPOSED


def test_a_refused_proposal_gives_every_reason_at_once(operator):
    program = ProgramFactory(year=TODAY.year, covers_lksa=False)
    institution = InstitutionFactory(
        lksa=True, active=False, permit_expires_on=None, accreditation=""
    )

    with pytest.raises(NotEligible) as caught:
        propose_grant(
            program=program,
            institution=institution,
            amount=10_000_000,
            by=operator,
            today=TODAY,
        )

    assert caught.value.message == " ".join(
        [
            MSG_KIND_NOT_ELIGIBLE % {"kind": "LKSA"},
            MSG_INACTIVE,
            MSG_PERMIT_INVALID,
            MSG_ACCREDITATION_INVALID,
        ]
    )


@pytest.mark.parametrize("status", [Status.DISBURSED, Status.REFUND_DUE, Status.CLOSED])
def test_proposing_warns_when_the_institution_was_aided_the_year_before(
    program, operator, status
):
    last_year = GrantFactory(
        program=ProgramFactory(year=2023), status=status, decree_number="SK/2023/1"
    )
    AccountabilityReport.objects.create(
        grant=last_year, submitted_on=datetime.date(2024, 1, 5)
    )

    grant, warnings = propose_grant(
        program=program,
        institution=last_year.institution,
        amount=10_000_000,
        by=operator,
        today=TODAY,
    )

    assert warnings == [WARN_AIDED_LAST_YEAR % {"year": 2023}]
    assert grant.status == Status.PROPOSED


@pytest.mark.parametrize(
    ("year", "status"),
    [
        (2023, Status.REJECTED),
        (2023, Status.PROPOSED),
        (2022, Status.CLOSED),
    ],
    ids=["rejected-last-year", "only-proposed-last-year", "aided-two-years-ago"],
)
def test_proposing_does_not_warn_without_aid_the_year_before(
    program, operator, year, status
):
    earlier = GrantFactory(
        program=ProgramFactory(year=year), status=status, decree_number="SK/1"
    )

    _, warnings = propose_grant(
        program=program,
        institution=earlier.institution,
        amount=10_000_000,
        by=operator,
        today=TODAY,
    )

    assert warnings == []


def test_an_overdue_lpj_blocks_a_proposal_without_an_override(program, operator):
    overdue = GrantFactory(program=ProgramFactory(year=2022), disbursed=True)

    with pytest.raises(NotEligible, match=re.escape(MSG_LPJ_OVERDUE)):
        propose_grant(
            program=program,
            institution=overdue.institution,
            amount=10_000_000,
            by=operator,
            today=TODAY,
        )

    assert not Grant.objects.filter(program=program).exists()


def test_an_lpj_not_yet_due_or_already_submitted_is_not_overdue(program):
    institution = InstitutionFactory()
    GrantFactory(
        program=ProgramFactory(year=2022, lpj_due_date=datetime.date(2024, 6, 30)),
        institution=institution,
        disbursed=True,
    )
    submitted = GrantFactory(
        program=ProgramFactory(year=2021), institution=institution, disbursed=True
    )
    AccountabilityReport.objects.create(
        grant=submitted, submitted_on=datetime.date(2022, 1, 5)
    )

    assert check_eligibility(program, institution, today=TODAY).warnings == []


def test_warnings_do_not_stop_a_proposal(program):
    institution = InstitutionFactory()
    aided = GrantFactory(
        program=ProgramFactory(year=2023), institution=institution, disbursed=True
    )
    # An overdue LPJ would block the proposal (tests/grants/test_eligibility_documents.py).
    AccountabilityReport.objects.create(
        grant=aided, submitted_on=datetime.date(2024, 1, 5)
    )

    result = check_eligibility(program, institution, today=TODAY)

    assert result.ok
    assert result.warnings == [WARN_AIDED_LAST_YEAR % {"year": 2023}]
    assert result.blockers == []


# Verifying ----------------------------------------------------------------------


def test_a_verifier_verifies_a_proposal_with_every_document_in_order(
    proposed, verifier
):
    checklist = {
        "Proposal": {"ok": True, "note": "lengkap"},
        "KTP ketua": {"ok": True},
        "Dokumen lain": {"ok": False, "note": "tidak diminta program"},
    }

    grant = verify_grant(proposed, by=verifier, checklist=checklist, note="Sesuai")

    grant.refresh_from_db()
    assert grant.status == Status.VERIFIED
    assert grant.checklist_results == {
        "Proposal": {"ok": True, "note": "lengkap"},
        "KTP ketua": {"ok": True, "note": ""},
    }
    event = only_event(grant)
    assert (event.from_status, event.to_status) == (Status.PROPOSED, Status.VERIFIED)
    assert (event.actor, event.note) == (verifier, "Sesuai")


@pytest.mark.parametrize(
    "checklist",
    [
        {"Proposal": {"ok": True}},
        {"Proposal": {"ok": True}, "KTP ketua": {"ok": False}},
        {"Proposal": {"ok": True}, "KTP ketua": {"note": "belum ada"}},
        {},
    ],
    ids=["item-missing", "item-not-ok", "item-without-verdict", "empty"],
)
def test_verifying_needs_every_checklist_item_in_order(proposed, verifier, checklist):
    before = snapshot(proposed)

    with pytest.raises(GrantError, match=exactly(MSG_CHECKLIST_INCOMPLETE)):
        verify_grant(proposed, by=verifier, checklist=checklist)

    assert snapshot(proposed) == before


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.BENDAHARA, roles.PENGAMAT])
def test_verifying_needs_the_verify_permission(proposed, role):
    before = snapshot(proposed)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        verify_grant(proposed, by=UserFactory(role=role), checklist=all_ok(proposed))

    assert snapshot(proposed) == before


# Returning for revision and resubmitting --------------------------------------------


@pytest.mark.parametrize("note", ["", "   \n"])
def test_returning_a_proposal_needs_a_note(proposed, verifier, note):
    before = snapshot(proposed)

    with pytest.raises(GrantError, match=exactly(MSG_REASON_REQUIRED)):
        return_grant(proposed, by=verifier, note=note)

    assert snapshot(proposed) == before


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.VERIFIED])
def test_a_verifier_returns_a_proposal_for_revision(
    program, operator, verifier, status
):
    grant = GrantFactory(program=program, proposed_by=operator, status=status)

    return_grant(grant, by=verifier, note="Lampirkan KTP ketua")

    grant.refresh_from_db()
    assert grant.status == Status.NEEDS_REVISION
    event = only_event(grant)
    assert (event.from_status, event.to_status) == (status, Status.NEEDS_REVISION)
    assert (event.actor, event.note) == (verifier, "Lampirkan KTP ketua")


def test_the_operator_resubmits_a_revised_proposal(proposed, operator, verifier):
    return_grant(proposed, by=verifier, note="Nilai terlalu besar")

    resubmit_grant(
        proposed,
        by=operator,
        amount=7_500_000,
        purpose="Tenda saja",
        note="Sudah diperbaiki",
    )

    proposed.refresh_from_db()
    assert proposed.status == Status.PROPOSED
    assert (proposed.amount, proposed.purpose) == (7_500_000, "Tenda saja")
    event = only_event(proposed, since=1)
    assert (event.from_status, event.to_status) == (
        Status.NEEDS_REVISION,
        Status.PROPOSED,
    )
    assert (event.actor, event.note) == (operator, "Sudah diperbaiki")


def test_resubmitting_without_changes_keeps_amount_and_purpose(operator, program):
    grant = GrantFactory(
        program=program,
        status=Status.NEEDS_REVISION,
        amount=12_000_000,
        purpose="Sarana ibadah",
    )

    resubmit_grant(grant, by=operator)

    grant.refresh_from_db()
    assert grant.status == Status.PROPOSED
    assert (grant.amount, grant.purpose) == (12_000_000, "Sarana ibadah")


@pytest.mark.parametrize("amount", [0, -10])
def test_resubmitting_refuses_an_amount_that_is_not_positive(operator, program, amount):
    grant = GrantFactory(program=program, status=Status.NEEDS_REVISION)
    before = snapshot(grant)

    with pytest.raises(NotEligible, match=exactly(MSG_AMOUNT_POSITIVE)):
        resubmit_grant(grant, by=operator, amount=amount)

    assert snapshot(grant) == before


def test_resubmitting_needs_the_propose_permission(program, verifier):
    grant = GrantFactory(program=program, status=Status.NEEDS_REVISION)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        resubmit_grant(grant, by=verifier)

    assert snapshot(grant) == before


def test_only_a_returned_proposal_can_be_resubmitted(verified, operator):
    before = snapshot(verified)

    with pytest.raises(InvalidTransition):
        resubmit_grant(verified, by=operator, amount=1_000_000)

    assert snapshot(verified) == before


# Rejecting -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  "])
def test_rejecting_needs_a_reason(proposed, verifier, reason):
    before = snapshot(proposed)

    with pytest.raises(GrantError, match=exactly(MSG_REASON_REQUIRED)):
        reject_grant(proposed, by=verifier, reason=reason)

    assert snapshot(proposed) == before


@pytest.mark.parametrize(
    "status", [Status.PROPOSED, Status.NEEDS_REVISION, Status.VERIFIED]
)
@pytest.mark.parametrize("role", [roles.VERIFIKATOR, roles.PIMPINAN])
def test_a_grant_can_be_rejected_until_it_is_approved(program, operator, status, role):
    grant = GrantFactory(program=program, proposed_by=operator, status=status)
    checker = UserFactory(role=role)

    reject_grant(grant, by=checker, reason="Lembaga fiktif")

    grant.refresh_from_db()
    assert grant.status == Status.REJECTED
    event = only_event(grant)
    assert (event.from_status, event.to_status) == (status, Status.REJECTED)
    assert (event.actor, event.note) == (checker, "Lembaga fiktif")


@pytest.mark.parametrize(
    "status", [Status.APPROVED, Status.DISBURSED, Status.CLOSED, Status.REJECTED]
)
def test_a_grant_cannot_be_rejected_once_approved_or_rejected(
    program, operator, head, status
):
    grant = GrantFactory(
        program=program, proposed_by=operator, status=status, decree_number="SK/1"
    )
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        reject_grant(grant, by=head, reason="Terlambat")

    assert snapshot(grant) == before


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.BENDAHARA, roles.PENGAMAT])
def test_rejecting_needs_the_verify_or_approve_permission(proposed, role):
    before = snapshot(proposed)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        reject_grant(proposed, by=UserFactory(role=role), reason="Tidak layak")

    assert snapshot(proposed) == before


# Approving -----------------------------------------------------------------------


def test_the_head_approves_a_verified_grant_with_the_decree(verified, head):
    approve_grant(
        verified,
        by=head,
        decree_number="  SK/DINSOS/12/2024 ",
        decree_date=DECREE_DATE,
        note="Disetujui",
    )

    verified.refresh_from_db()
    assert verified.status == Status.APPROVED
    assert verified.decree_number == "SK/DINSOS/12/2024"
    assert verified.decree_date == DECREE_DATE
    event = only_event(verified)
    assert (event.from_status, event.to_status) == (Status.VERIFIED, Status.APPROVED)
    assert (event.actor, event.note) == (head, "Disetujui")


@pytest.mark.parametrize(
    ("number", "date"),
    [("", DECREE_DATE), ("   ", DECREE_DATE), ("SK/DINSOS/12/2024", None)],
    ids=["no-number", "blank-number", "no-date"],
)
def test_approving_needs_the_decree_number_and_date(verified, head, number, date):
    before = snapshot(verified)

    with pytest.raises(GrantError, match=exactly(MSG_DECREE_REQUIRED)):
        approve_grant(verified, by=head, decree_number=number, decree_date=date)

    assert snapshot(verified) == before


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.VERIFIKATOR, roles.BENDAHARA])
def test_approving_needs_the_approve_permission(verified, role):
    before = snapshot(verified)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        approve(verified, by=UserFactory(role=role))

    assert snapshot(verified) == before


def test_approving_refuses_to_exceed_the_ceiling_and_says_what_room_is_left(
    program, head
):
    GrantFactory(program=program, amount=95_000_000, approved=True)
    grant = GrantFactory(program=program, amount=10_000_000, verified=True)
    before = snapshot(grant)

    with pytest.raises(CeilingExceeded) as caught:
        approve(grant, by=head)

    assert caught.value.message == MSG_CEILING % {
        "room": "Rp5.000.000",
        "amount": "Rp10.000.000",
    }
    assert snapshot(grant) == before


def test_approving_may_fill_the_ceiling_exactly(program, head):
    GrantFactory(program=program, amount=90_000_000, approved=True)
    grant = GrantFactory(program=program, amount=10_000_000, verified=True)

    approve(grant, by=head)

    assert Grant.objects.get(pk=grant.pk).status == Status.APPROVED


@pytest.mark.parametrize(
    "status", [Status.APPROVED, Status.DISBURSED, Status.REFUND_DUE, Status.CLOSED]
)
def test_approved_and_paid_grants_count_against_the_ceiling(program, head, status):
    GrantFactory(program=program, amount=95_000_000, status=status, decree_number="SK")
    grant = GrantFactory(program=program, amount=10_000_000, verified=True)

    with pytest.raises(CeilingExceeded, match=re.escape("sisa pagu Rp5.000.000")):
        approve(grant, by=head)


@pytest.mark.parametrize(
    "status",
    [Status.PROPOSED, Status.NEEDS_REVISION, Status.VERIFIED, Status.REJECTED],
)
def test_grants_not_approved_do_not_count_against_the_ceiling(program, head, status):
    GrantFactory(program=program, amount=95_000_000, status=status)
    grant = GrantFactory(program=program, amount=10_000_000, verified=True)

    approve(grant, by=head)

    assert Grant.objects.get(pk=grant.pk).status == Status.APPROVED


def test_grants_of_another_programme_do_not_count_against_the_ceiling(program, head):
    GrantFactory(program=ProgramFactory(), amount=95_000_000, approved=True)
    grant = GrantFactory(program=program, amount=10_000_000, verified=True)

    approve(grant, by=head)

    assert Grant.objects.get(pk=grant.pk).status == Status.APPROVED


def test_a_programme_already_over_its_ceiling_reports_no_room_left(program, head):
    GrantFactory(program=program, amount=100_000_000, approved=True)
    Program.objects.filter(pk=program.pk).update(budget_ceiling=90_000_000)
    grant = GrantFactory(program=program, amount=10_000_000, verified=True)

    with pytest.raises(CeilingExceeded, match=re.escape("sisa pagu Rp0,")):
        approve(grant, by=head)


@pytest.mark.parametrize(
    "status", [Status.PROPOSED, Status.NEEDS_REVISION, Status.APPROVED, Status.REJECTED]
)
def test_only_a_verified_grant_can_be_approved(program, operator, head, status):
    grant = GrantFactory(
        program=program, proposed_by=operator, status=status, decree_number="SK/0"
    )
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        approve(grant, by=head)

    assert snapshot(grant) == before


def test_the_invalid_transition_message_names_both_statuses(proposed, head):
    with pytest.raises(
        InvalidTransition,
        match=exactly(
            "Bantuan berstatus Diusulkan tidak dapat diubah menjadi Disetujui."
        ),
    ):
        approve(proposed, by=head)


# Maker-checker -------------------------------------------------------------------


def proposer_with(*extra_roles: str, **fields):
    user = UserFactory(role=roles.OPERATOR, **fields)
    user.groups.add(*Group.objects.filter(name__in=extra_roles))
    return user


def propose_as(user, program) -> Grant:
    grant, _ = propose_grant(
        program=program,
        institution=InstitutionFactory(),
        amount=10_000_000,
        by=user,
        today=TODAY,
    )
    return grant


def test_a_verifier_cannot_verify_their_own_proposal(program):
    both = proposer_with(roles.VERIFIKATOR)
    grant = propose_as(both, program)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_PROPOSAL)):
        verify_grant(grant, by=both, checklist=all_ok(grant))

    assert snapshot(grant) == before


def test_a_head_cannot_approve_their_own_proposal(program, verifier):
    both = proposer_with(roles.PIMPINAN)
    grant = propose_as(both, program)
    verify_grant(grant, by=verifier, checklist=all_ok(grant))
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_PROPOSAL)):
        approve(grant, by=both)

    assert snapshot(grant) == before


def superuser_proposal(program) -> tuple[Grant, object]:
    admin = UserFactory(is_superuser=True, is_staff=True)
    return propose_as(admin, program), admin


MAKER_CHECKER_ACTIONS = {
    "verify": lambda grant, user: verify_grant(grant, by=user, checklist=all_ok(grant)),
    "return": lambda grant, user: return_grant(grant, by=user, note="Perbaiki"),
    "reject": lambda grant, user: reject_grant(grant, by=user, reason="Tidak layak"),
    "approve": approve,
}


@pytest.mark.parametrize("action", MAKER_CHECKER_ACTIONS)
def test_a_superuser_cannot_check_their_own_proposal(program, verifier, action):
    grant, admin = superuser_proposal(program)
    if action == "approve":
        verify_grant(grant, by=verifier, checklist=all_ok(grant))
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_PROPOSAL)):
        MAKER_CHECKER_ACTIONS[action](grant, admin)

    assert snapshot(grant) == before


@pytest.mark.parametrize("action", MAKER_CHECKER_ACTIONS)
def test_another_superuser_may_check_a_superusers_proposal(program, verifier, action):
    grant, _ = superuser_proposal(program)
    if action == "approve":
        verify_grant(grant, by=verifier, checklist=all_ok(grant))
    other_admin = UserFactory(is_superuser=True, is_staff=True)
    events_before = grant.events.count()

    MAKER_CHECKER_ACTIONS[action](grant, other_admin)

    assert only_event(grant, since=events_before).actor == other_admin


# Disbursing -----------------------------------------------------------------------


def test_the_treasurer_records_a_full_payment(approved, treasurer):
    disbursement = record_disbursement(
        approved,
        by=treasurer,
        paid_on=datetime.date(2024, 6, 1),
        amount=10_000_000,
        transfer_reference=" TRF-0001 ",
        note="Transfer SP2D",
    )

    disbursement.refresh_from_db()
    assert disbursement.grant == approved
    assert disbursement.paid_on == datetime.date(2024, 6, 1)
    assert disbursement.amount == 10_000_000
    assert disbursement.transfer_reference == "TRF-0001"
    assert disbursement.recorded_by == treasurer
    approved.refresh_from_db()
    assert approved.status == Status.DISBURSED
    event = only_event(approved)
    assert (event.from_status, event.to_status) == (Status.APPROVED, Status.DISBURSED)
    assert (event.actor, event.note) == (treasurer, "Transfer SP2D")


def test_a_partial_payment_keeps_the_grant_approved_until_the_last_one(
    approved, treasurer
):
    record_disbursement(
        approved, by=treasurer, paid_on=datetime.date(2024, 6, 1), amount=4_000_000
    )

    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert not approved.events.exists()

    record_disbursement(
        approved, by=treasurer, paid_on=datetime.date(2024, 8, 1), amount=6_000_000
    )

    approved.refresh_from_db()
    assert approved.status == Status.DISBURSED
    assert approved.disbursed_amount() == 10_000_000
    event = only_event(approved)
    assert (event.from_status, event.to_status) == (Status.APPROVED, Status.DISBURSED)


def test_paying_more_than_the_grant_is_refused_with_the_room_left(approved, treasurer):
    record_disbursement(
        approved, by=treasurer, paid_on=datetime.date(2024, 6, 1), amount=4_000_000
    )
    before = snapshot(approved)

    with pytest.raises(
        OverDisbursement, match=exactly(MSG_OVER_DISBURSED % {"room": "Rp6.000.000"})
    ):
        record_disbursement(
            approved, by=treasurer, paid_on=datetime.date(2024, 7, 1), amount=6_000_001
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize("amount", [0, -1_000_000])
def test_a_payment_that_is_not_positive_is_refused(approved, treasurer, amount):
    before = snapshot(approved)

    with pytest.raises(OverDisbursement, match="lebih dari nol"):
        record_disbursement(
            approved, by=treasurer, paid_on=datetime.date(2024, 6, 1), amount=amount
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.VERIFIKATOR, roles.PIMPINAN])
def test_recording_a_payment_needs_the_disburse_permission(approved, role):
    before = snapshot(approved)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        record_disbursement(
            approved,
            by=UserFactory(role=role),
            paid_on=datetime.date(2024, 6, 1),
            amount=10_000_000,
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize(
    "status", [Status.PROPOSED, Status.VERIFIED, Status.DISBURSED, Status.REJECTED]
)
def test_only_an_approved_grant_can_be_paid(program, treasurer, status):
    grant = GrantFactory(program=program, status=status, decree_number="SK/1")
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        record_disbursement(
            grant, by=treasurer, paid_on=datetime.date(2024, 6, 1), amount=1_000_000
        )

    assert snapshot(grant) == before


def test_disbursing_a_verified_grant_names_both_statuses(verified, treasurer):
    with pytest.raises(
        InvalidTransition,
        match=exactly(
            "Bantuan berstatus Terverifikasi tidak dapat diubah menjadi Disalurkan."
        ),
    ):
        record_disbursement(
            verified, by=treasurer, paid_on=datetime.date(2024, 6, 1), amount=1
        )


def test_a_transfer_reference_already_recorded_is_refused_with_a_message(
    program, treasurer
):
    first = GrantFactory(program=program, approved=True)
    record_disbursement(
        first,
        by=treasurer,
        paid_on=datetime.date(2024, 6, 1),
        amount=first.amount,
        transfer_reference="TRF-0001",
    )
    second = GrantFactory(program=program, approved=True)
    before = snapshot(second)

    with pytest.raises(GrantError, match=exactly(MSG_DUPLICATE_TRANSFER)):
        record_disbursement(
            second,
            by=treasurer,
            paid_on=datetime.date(2024, 6, 1),
            amount=second.amount,
            transfer_reference=" TRF-0001 ",
        )

    assert snapshot(second) == before


# Stale screens ---------------------------------------------------------------------

STALE_ACTIONS = {
    "verify": (
        Status.PROPOSED,
        lambda g, u, expected: verify_grant(
            g, by=u, checklist=all_ok(g), expected_status=expected
        ),
    ),
    "return": (
        Status.PROPOSED,
        lambda g, u, expected: return_grant(
            g, by=u, note="Perbaiki", expected_status=expected
        ),
    ),
    "reject": (
        Status.PROPOSED,
        lambda g, u, expected: reject_grant(
            g, by=u, reason="Tidak layak", expected_status=expected
        ),
    ),
    "resubmit": (
        Status.NEEDS_REVISION,
        lambda g, u, expected: resubmit_grant(g, by=u, expected_status=expected),
    ),
    "approve": (
        Status.VERIFIED,
        lambda g, u, expected: approve_grant(
            g,
            by=u,
            decree_number="SK/1",
            decree_date=DECREE_DATE,
            expected_status=expected,
        ),
    ),
    "disburse": (
        Status.APPROVED,
        lambda g, u, expected: record_disbursement(
            g,
            by=u,
            paid_on=datetime.date(2024, 6, 1),
            amount=g.amount,
            expected_status=expected,
        ),
    ),
    "transition": (
        Status.DISBURSED,
        lambda g, u, expected: transition_grant(
            g, to=Status.CLOSED, by=u, expected_status=expected
        ),
    ),
}


def ready_to_leave(program, status: str) -> Grant:
    """A grant in `status` carrying what its next step needs: the verified
    account, the decree and NPHD, and once disbursed an accepted LPJ."""
    grant = GrantFactory(
        program=program, status=status, account_verified=True, decreed=True
    )
    if status == Status.DISBURSED:
        AccountabilityReport.objects.create(
            grant=grant,
            status=AccountabilityReport.Status.ACCEPTED,
            submitted_on=datetime.date(2025, 1, 6),
            amount_spent=grant.amount,
        )
    return grant


@pytest.mark.parametrize("action", STALE_ACTIONS)
def test_an_action_on_a_grant_changed_meanwhile_raises_stale_and_changes_nothing(
    program, action
):
    status, act = STALE_ACTIONS[action]
    grant = ready_to_leave(program, status)
    admin = UserFactory(is_superuser=True)
    before = snapshot(grant)

    with pytest.raises(StaleGrant, match=exactly(MSG_STALE)):
        act(grant, admin, Status.REJECTED)

    assert snapshot(grant) == before


@pytest.mark.parametrize("action", STALE_ACTIONS)
def test_an_action_on_a_grant_in_the_expected_status_goes_through(program, action):
    status, act = STALE_ACTIONS[action]
    grant = ready_to_leave(program, status)
    admin = UserFactory(is_superuser=True)

    act(grant, admin, status)

    grant.refresh_from_db()
    assert grant.status != status
    assert only_event(grant).actor == admin


def test_a_second_head_acting_on_an_old_screen_gets_stale(verified, head):
    on_screen = Grant.objects.get(pk=verified.pk)
    approve(verified, by=head)

    with pytest.raises(StaleGrant):
        approve_grant(
            on_screen,
            by=UserFactory(role=roles.PIMPINAN),
            decree_number="SK/LAIN",
            decree_date=DECREE_DATE,
            expected_status=on_screen.status,
        )

    verified.refresh_from_db()
    assert verified.decree_number == "SK/DINSOS/12/2024"
    assert verified.events.count() == 1


# The generic transition --------------------------------------------------------------


def lpj(grant: Grant, status: str, **fields) -> AccountabilityReport:
    values = {
        "submitted_on": datetime.date(2025, 1, 6),
        "amount_spent": grant.amount,
    }
    return AccountabilityReport.objects.create(
        grant=grant, status=status, **{**values, **fields}
    )


def settled_lpj(start: str):
    """What the LPJ of a grant leaving `start` must say for the move to pass."""

    def make(grant: Grant) -> None:
        if start == Status.REFUND_DUE:
            lpj(
                grant,
                AccountabilityReport.Status.ACCEPTED,
                amount_spent=8_000_000,
                refund_amount=2_000_000,
                refunded_on=datetime.date(2025, 2, 3),
                refund_reference="STS-0042",
            )
        else:
            lpj(grant, AccountabilityReport.Status.ACCEPTED)

    return make


@pytest.mark.parametrize(
    ("start", "to", "role"),
    [
        (Status.DISBURSED, Status.CLOSED, roles.VERIFIKATOR),
        (Status.DISBURSED, Status.REFUND_DUE, roles.VERIFIKATOR),
        (Status.REFUND_DUE, Status.CLOSED, roles.BENDAHARA),
    ],
)
def test_transition_grant_moves_along_the_workflow_and_records_it(
    program, start, to, role
):
    grant = GrantFactory(program=program, status=start, decreed=True)
    settled_lpj(start)(grant)
    actor = UserFactory(role=role)

    transition_grant(grant, to=to, by=actor, note="LPJ diterima")

    grant.refresh_from_db()
    assert grant.status == to
    event = only_event(grant)
    assert (event.from_status, event.to_status) == (start, to)
    assert (event.actor, event.note) == (actor, "LPJ diterima")


@pytest.mark.parametrize(
    ("start", "to", "role"),
    [
        (Status.PROPOSED, Status.VERIFIED, roles.OPERATOR),
        (Status.PROPOSED, Status.VERIFIED, roles.PIMPINAN),
        (Status.VERIFIED, Status.APPROVED, roles.VERIFIKATOR),
        (Status.APPROVED, Status.DISBURSED, roles.PIMPINAN),
        (Status.DISBURSED, Status.CLOSED, roles.PIMPINAN),
        (Status.DISBURSED, Status.REFUND_DUE, roles.BENDAHARA),
        (Status.REFUND_DUE, Status.CLOSED, roles.VERIFIKATOR),
        (Status.NEEDS_REVISION, Status.PROPOSED, roles.VERIFIKATOR),
        (Status.APPROVED, Status.PROPOSED, roles.PIMPINAN),
    ],
)
def test_transition_grant_needs_the_role_of_the_step(program, start, to, role):
    grant = GrantFactory(program=program, status=start, decreed=True)
    if start in (Status.DISBURSED, Status.REFUND_DUE):
        settled_lpj(start)(grant)
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        transition_grant(grant, to=to, by=UserFactory(role=role), note="Catatan")

    assert snapshot(grant) == before


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.PROPOSED, Status.APPROVED),
        (Status.VERIFIED, Status.DISBURSED),
        (Status.CLOSED, Status.DISBURSED),
        (Status.REJECTED, Status.PROPOSED),
        (Status.APPROVED, Status.VERIFIED),
    ],
)
def test_transition_grant_refuses_a_move_outside_the_workflow(program, start, to):
    grant = GrantFactory(program=program, status=start, decree_number="SK/1")
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        transition_grant(grant, to=to, by=UserFactory(is_superuser=True))

    assert snapshot(grant) == before


CHECKLIST_OK = {"Proposal": {"ok": True}, "KTP ketua": {"ok": True}}


def decreed_under_a_full_ceiling(program) -> Grant:
    GrantFactory(program=program, amount=95_000_000, approved=True)
    return GrantFactory(
        program=program, verified=True, decree_number="SK/1", decree_date=DECREE_DATE
    )


def paid(grant: Grant, amount: int) -> Grant:
    DisbursementFactory(grant=grant, amount=amount)
    return grant


# What each target status requires, asked of transition_grant directly by a
# user whose role allows the step: (make the grant, target, role, error, message).
TARGET_RULES = {
    "verified-without-checklist": (
        lambda p: GrantFactory(program=p, account_verified=True),
        Status.VERIFIED,
        roles.VERIFIKATOR,
        GrantError,
        MSG_CHECKLIST_INCOMPLETE,
    ),
    "verified-without-account": (
        lambda p: GrantFactory(program=p, checklist_results=CHECKLIST_OK),
        Status.VERIFIED,
        roles.VERIFIKATOR,
        GrantError,
        MSG_NO_BANK_ACCOUNT,
    ),
    "approved-without-decree": (
        lambda p: GrantFactory(program=p, verified=True),
        Status.APPROVED,
        roles.PIMPINAN,
        GrantError,
        MSG_DECREE_REQUIRED,
    ),
    "approved-with-a-decree-before-the-programme-year": (
        lambda p: GrantFactory(
            program=p,
            verified=True,
            decree_number="SK/1",
            decree_date=datetime.date(2023, 12, 31),
        ),
        Status.APPROVED,
        roles.PIMPINAN,
        GrantError,
        MSG_DECREE_BEFORE_YEAR % {"date": "31/12/2023", "year": 2024},
    ),
    "approved-above-the-ceiling": (
        lambda p: decreed_under_a_full_ceiling(p),
        Status.APPROVED,
        roles.PIMPINAN,
        CeilingExceeded,
        MSG_CEILING % {"room": "Rp5.000.000", "amount": "Rp10.000.000"},
    ),
    "disbursed-without-payment": (
        lambda p: GrantFactory(program=p, approved=True),
        Status.DISBURSED,
        roles.BENDAHARA,
        GrantError,
        MSG_OVER_DISBURSED % {"room": "Rp10.000.000"},
    ),
    "disbursed-partly-paid": (
        lambda p: paid(GrantFactory(program=p, approved=True), 4_000_000),
        Status.DISBURSED,
        roles.BENDAHARA,
        GrantError,
        MSG_OVER_DISBURSED % {"room": "Rp6.000.000"},
    ),
    "closed-without-lpj": (
        lambda p: GrantFactory(program=p, disbursed=True),
        Status.CLOSED,
        roles.VERIFIKATOR,
        GrantError,
        MSG_LPJ_NOT_ACCEPTED,
    ),
    "closed-with-an-lpj-not-yet-accepted": (
        lambda p: (
            lpj(
                GrantFactory(program=p, disbursed=True),
                AccountabilityReport.Status.SUBMITTED,
            ).grant
        ),
        Status.CLOSED,
        roles.VERIFIKATOR,
        GrantError,
        MSG_LPJ_NOT_ACCEPTED,
    ),
    "closed-with-an-lpj-sent-back": (
        lambda p: (
            lpj(
                GrantFactory(program=p, disbursed=True),
                AccountabilityReport.Status.NEEDS_REVISION,
            ).grant
        ),
        Status.CLOSED,
        roles.VERIFIKATOR,
        GrantError,
        MSG_LPJ_NOT_ACCEPTED,
    ),
    "refund-due-without-lpj": (
        lambda p: GrantFactory(program=p, disbursed=True),
        Status.REFUND_DUE,
        roles.VERIFIKATOR,
        GrantError,
        MSG_LPJ_NOT_ACCEPTED,
    ),
    "closed-without-the-refund": (
        lambda p: (
            lpj(
                GrantFactory(program=p, status=Status.REFUND_DUE, decreed=True),
                AccountabilityReport.Status.ACCEPTED,
                amount_spent=8_000_000,
                refund_amount=2_000_000,
            ).grant
        ),
        Status.CLOSED,
        roles.BENDAHARA,
        GrantError,
        MSG_REFUND_NOT_RECORDED,
    ),
    "back-to-proposed-after-a-payment": (
        lambda p: paid(GrantFactory(program=p, approved=True), 4_000_000),
        Status.PROPOSED,
        roles.OPERATOR,
        GrantError,
        MSG_REVISION_AFTER_PAYMENT,
    ),
    "returned-without-a-reason": (
        lambda p: GrantFactory(program=p),
        Status.NEEDS_REVISION,
        roles.VERIFIKATOR,
        GrantError,
        MSG_REASON_REQUIRED,
    ),
    "rejected-without-a-reason": (
        lambda p: GrantFactory(program=p),
        Status.REJECTED,
        roles.VERIFIKATOR,
        GrantError,
        MSG_REASON_REQUIRED,
    ),
}


@pytest.mark.parametrize("rule", TARGET_RULES)
def test_transition_grant_refuses_a_target_whose_rule_is_not_met(program, rule):
    make, to, role, error, message = TARGET_RULES[rule]
    grant = make(program)
    before = snapshot(grant)
    lpj_before = list(AccountabilityReport.objects.values())

    with pytest.raises(error, match=exactly(message)):
        transition_grant(grant, to=to, by=UserFactory(role=role))

    assert snapshot(grant) == before
    assert list(AccountabilityReport.objects.values()) == lpj_before


# LPJ and refunds ------------------------------------------------------------------


@pytest.fixture
def disbursed(program, operator):
    return GrantFactory(
        program=program, proposed_by=operator, amount=10_000_000, disbursed=True
    )


def hand_in(grant: Grant, by, **fields) -> AccountabilityReport:
    values = {
        "submitted_on": datetime.date(2025, 1, 6),
        "amount_spent": grant.amount,
        "evidence": lpj_evidence(),
    }
    return record_lpj(grant, by=by, **{**values, **fields})


def findings(**to_fix: str) -> dict[str, Finding]:
    """The verifier's findings: every item in order but those `to_fix` (kind=note)."""
    return {
        kind.value: Finding(
            in_order=kind.value not in to_fix, note=to_fix.get(kind.value, "")
        )
        for kind in LpjEvidence.Kind
    }


def test_an_operator_records_the_lpj_of_a_disbursed_grant(disbursed, operator):
    report = hand_in(
        disbursed, operator, amount_spent=9_000_000, refund_amount=1_000_000
    )

    report.refresh_from_db()
    assert report.grant == disbursed
    assert report.status == AccountabilityReport.Status.SUBMITTED
    assert (report.amount_spent, report.refund_amount) == (9_000_000, 1_000_000)
    assert report.has_usage_report and report.has_signed_statement
    assert report.recorded_by == operator
    assert Grant.objects.get(pk=disbursed.pk).status == Status.DISBURSED
    assert not disbursed.events.exists()


@pytest.mark.parametrize("status", [Status.APPROVED, Status.CLOSED, Status.PROPOSED])
def test_an_lpj_is_recorded_only_for_a_disbursed_grant(program, operator, status):
    grant = GrantFactory(program=program, status=status, decree_number="SK/1")

    with pytest.raises(InvalidTransition, match=exactly(MSG_LPJ_NOT_DUE)):
        hand_in(grant, operator)

    assert not AccountabilityReport.objects.exists()


def test_a_second_lpj_for_a_grant_is_refused(disbursed, operator):
    hand_in(disbursed, operator)

    with pytest.raises(GrantError, match=exactly(MSG_LPJ_EXISTS)):
        hand_in(disbursed, operator)

    assert AccountabilityReport.objects.count() == 1


@pytest.mark.parametrize(
    ("spent", "refund", "message"),
    [
        (
            9_000_000,
            1_000_001,
            "Dana terpakai ditambah sisa dana disetor (Rp10.000.001) melebihi dana "
            "yang disalurkan (Rp10.000.000).",
        ),
        (
            10_000_001,
            0,
            "Dana terpakai (Rp10.000.001) melebihi dana yang disalurkan "
            "(Rp10.000.000).",
        ),
        (-1, 0, MSG_LPJ_NEGATIVE),
        (0, -1, MSG_LPJ_NEGATIVE),
    ],
)
def test_an_lpj_cannot_account_for_more_than_was_disbursed_or_less_than_zero(
    disbursed, operator, spent, refund, message
):
    with pytest.raises(GrantError, match=exactly(message)):
        hand_in(disbursed, operator, amount_spent=spent, refund_amount=refund)

    assert not AccountabilityReport.objects.exists()


@pytest.mark.parametrize("role", [roles.VERIFIKATOR, roles.BENDAHARA, roles.PENGAMAT])
def test_recording_an_lpj_needs_the_operator_permission(disbursed, role):
    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        hand_in(disbursed, UserFactory(role=role))

    assert not AccountabilityReport.objects.exists()


def test_accepting_an_lpj_without_refund_closes_the_grant(
    disbursed, operator, verifier
):
    report = hand_in(disbursed, operator)

    review_lpj(report, by=verifier, items=findings())

    report.refresh_from_db()
    assert report.status == AccountabilityReport.Status.ACCEPTED
    assert report.reviewed_by == verifier
    assert report.reviewed_at is not None
    assert Grant.objects.get(pk=disbursed.pk).status == Status.CLOSED
    event = only_event(disbursed)
    assert (event.from_status, event.to_status) == (Status.DISBURSED, Status.CLOSED)
    assert (event.actor, event.note) == (verifier, "LPJ diterima.")


def test_accepting_an_lpj_with_money_left_asks_for_the_refund(
    disbursed, operator, verifier
):
    report = hand_in(
        disbursed, operator, amount_spent=8_000_000, refund_amount=2_000_000
    )

    review_lpj(report, by=verifier, items=findings(), note="Sisa wajib disetor")

    assert Grant.objects.get(pk=disbursed.pk).status == Status.REFUND_DUE
    event = only_event(disbursed)
    assert (event.from_status, event.to_status) == (
        Status.DISBURSED,
        Status.REFUND_DUE,
    )
    assert event.note == "Sisa wajib disetor"


@pytest.mark.parametrize("note", ["", "  "])
def test_sending_an_lpj_back_needs_a_note_on_the_item(
    disbursed, operator, verifier, note
):
    report = hand_in(disbursed, operator)

    with pytest.raises(
        GrantError,
        match=exactly(
            "Tulis catatan perbaikan untuk Bukti pengeluaran (kuitansi) yang "
            "ditandai perlu perbaikan."
        ),
    ):
        review_lpj(report, by=verifier, items=findings(kuitansi=note))

    report.refresh_from_db()
    assert report.status == AccountabilityReport.Status.SUBMITTED


def test_an_lpj_sent_back_keeps_the_grant_disbursed(disbursed, operator, verifier):
    report = hand_in(disbursed, operator)

    review_lpj(report, by=verifier, items=findings(kuitansi="Kuitansi belum lengkap"))

    report.refresh_from_db()
    assert report.status == AccountabilityReport.Status.NEEDS_REVISION
    assert "Kuitansi belum lengkap" in report.note
    assert Grant.objects.get(pk=disbursed.pk).status == Status.DISBURSED
    assert not disbursed.events.exists()


def test_an_accepted_lpj_cannot_be_reviewed_again(disbursed, operator, verifier):
    report = hand_in(disbursed, operator)
    review_lpj(report, by=verifier, items=findings())

    with pytest.raises(GrantError, match=exactly(MSG_LPJ_NOT_PENDING)):
        review_lpj(report, by=verifier, items=findings(sptj="Salah periksa"))

    assert disbursed.events.count() == 1


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.BENDAHARA, roles.PENGAMAT])
def test_reviewing_an_lpj_needs_the_verify_permission(disbursed, operator, role):
    report = hand_in(disbursed, operator)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        review_lpj(report, by=UserFactory(role=role), items=findings())

    assert Grant.objects.get(pk=disbursed.pk).status == Status.DISBURSED


def refund_due(disbursed, operator, verifier) -> AccountabilityReport:
    report = hand_in(
        disbursed, operator, amount_spent=8_000_000, refund_amount=2_000_000
    )
    review_lpj(report, by=verifier, items=findings())
    return report


def test_recording_the_refund_closes_the_grant(
    disbursed, operator, verifier, treasurer
):
    report = refund_due(disbursed, operator, verifier)

    record_refund(
        disbursed,
        by=treasurer,
        refunded_on=datetime.date(2025, 2, 3),
        refund_reference=" STS-0042 ",
        refund_proof=scan_upload("setoran.pdf"),
    )

    report.refresh_from_db()
    assert report.refunded_on == datetime.date(2025, 2, 3)
    assert report.refund_reference == "STS-0042"
    assert Grant.objects.get(pk=disbursed.pk).status == Status.CLOSED
    event = only_event(disbursed, since=1)
    assert (event.from_status, event.to_status) == (Status.REFUND_DUE, Status.CLOSED)
    assert event.actor == treasurer
    assert "STS-0042" in event.note


@pytest.mark.parametrize("reference", ["", "   "])
def test_a_refund_needs_its_deposit_reference(
    disbursed, operator, verifier, treasurer, reference
):
    report = refund_due(disbursed, operator, verifier)
    before = snapshot(disbursed)

    with pytest.raises(GrantError, match=exactly(MSG_REFUND_REFERENCE_REQUIRED)):
        record_refund(
            disbursed,
            by=treasurer,
            refunded_on=datetime.date(2025, 2, 3),
            refund_reference=reference,
            refund_proof=scan_upload("setoran.pdf"),
        )

    assert snapshot(disbursed) == before
    report.refresh_from_db()
    assert report.refunded_on is None


def test_a_refund_is_recorded_only_when_one_is_due(disbursed, operator, treasurer):
    report = hand_in(disbursed, operator)
    before = snapshot(disbursed)

    with pytest.raises(
        InvalidTransition,
        match=exactly(
            "Bantuan berstatus Disalurkan tidak dapat diubah menjadi Selesai."
        ),
    ):
        record_refund(
            disbursed,
            by=treasurer,
            refunded_on=datetime.date(2025, 2, 3),
            refund_reference="STS-0042",
            refund_proof=scan_upload("setoran.pdf"),
        )

    assert snapshot(disbursed) == before
    report.refresh_from_db()
    assert (report.refunded_on, report.refund_reference) == (None, "")


def test_recording_a_refund_needs_the_disburse_permission(
    disbursed, operator, verifier
):
    refund_due(disbursed, operator, verifier)
    before = snapshot(disbursed)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        record_refund(
            disbursed,
            by=operator,
            refunded_on=datetime.date(2025, 2, 3),
            refund_reference="STS-0042",
            refund_proof=scan_upload("setoran.pdf"),
        )

    assert snapshot(disbursed) == before


# What each role may do next ----------------------------------------------------------


def test_available_actions_follow_the_role_and_the_status(
    program, operator, verifier, head, treasurer, observer
):
    proposed = GrantFactory(program=program, proposed_by=operator)
    verified = GrantFactory(program=program, proposed_by=operator, verified=True)
    approved = GrantFactory(program=program, proposed_by=operator, approved=True)
    returned = GrantFactory(
        program=program, proposed_by=operator, status="needs_revision"
    )

    assert available_actions(proposed, verifier) == ["verify", "return", "reject"]
    assert available_actions(verified, head) == ["approve", "return", "reject"]
    assert available_actions(approved, treasurer) == ["disburse"]
    assert available_actions(returned, operator) == ["resubmit"]
    assert available_actions(proposed, operator) == []
    assert available_actions(verified, observer) == []


def test_available_actions_leave_out_checking_ones_own_proposal(program, verifier):
    admin = UserFactory(is_superuser=True)
    proposed = GrantFactory(program=program, proposed_by=admin)
    verified = GrantFactory(program=program, proposed_by=admin, verified=True)

    assert available_actions(proposed, admin) == []
    assert available_actions(verified, admin) == []
    assert available_actions(proposed, verifier) == ["verify", "return", "reject"]


# The whole workflow: one event per step -----------------------------------------------


def test_each_step_of_the_workflow_writes_exactly_one_event(
    program, operator, verifier, head, treasurer
):
    grant = propose_as(operator, program)
    steps = [
        (
            lambda: return_grant(grant, by=verifier, note="Perbaiki"),
            verifier,
            Status.NEEDS_REVISION,
        ),
        (lambda: resubmit_grant(grant, by=operator), operator, Status.PROPOSED),
        (
            lambda: verify_grant(grant, by=verifier, checklist=all_ok(grant)),
            verifier,
            Status.VERIFIED,
        ),
        (lambda: approve(grant, by=head), head, Status.APPROVED),
        (
            lambda: record_nphd(
                grant,
                by=operator,
                number="NPHD/DINSOS/7/2024",
                date=datetime.date(2024, 5, 20),
            ),
            operator,
            Status.APPROVED,
        ),
        (
            lambda: record_disbursement(
                grant,
                by=treasurer,
                paid_on=datetime.date(2024, 6, 1),
                amount=grant.amount,
            ),
            treasurer,
            Status.DISBURSED,
        ),
        (
            lambda: review_lpj(
                hand_in(
                    grant, operator, amount_spent=9_000_000, refund_amount=1_000_000
                ),
                by=verifier,
                items=findings(),
            ),
            verifier,
            Status.REFUND_DUE,
        ),
        (
            lambda: record_refund(
                grant,
                by=treasurer,
                refunded_on=datetime.date(2025, 2, 3),
                refund_reference="STS-0042",
                refund_proof=scan_upload("setoran.pdf"),
            ),
            treasurer,
            Status.CLOSED,
        ),
    ]
    previous = Status.PROPOSED

    for number, (step, actor, status) in enumerate(steps, start=1):
        step()
        event = only_event(grant, since=number)
        assert (event.from_status, event.to_status, event.actor) == (
            previous,
            status,
            actor,
        )
        assert Grant.objects.get(pk=grant.pk).status == status
        previous = status

    assert grant.events.count() == len(steps) + 1
    kinds = list(grant.events.order_by("pk").values_list("kind", flat=True))
    assert (
        kinds
        == [GrantEvent.Kind.STATUS] * 5
        + [GrantEvent.Kind.NPHD]
        + [GrantEvent.Kind.STATUS] * 3
    )
    assert Disbursement.objects.filter(grant=grant).count() == 1


def test_an_lpj_that_leaves_money_unaccounted_for_cannot_be_accepted(
    disbursed, operator, verifier
):
    report = hand_in(disbursed, operator, amount_spent=8_000_000, refund_amount=0)

    with pytest.raises(
        LpjNotBalanced,
        match=exactly(
            "Semua bukti sesuai, tetapi dana terpakai ditambah sisa dana disetor "
            "(Rp8.000.000) tidak sama dengan dana yang disalurkan (Rp10.000.000). "
            "Tandai laporan penggunaan dana perlu perbaikan dan tulis catatannya."
        ),
    ):
        review_lpj(report, by=verifier, items=findings())

    report.refresh_from_db()
    disbursed.refresh_from_db()
    assert report.status == AccountabilityReport.Status.SUBMITTED
    assert disbursed.status == Status.DISBURSED
    assert not LpjItemReview.objects.exists()
    assert report.rounds.get().accepted is None


@pytest.mark.parametrize(
    ("start", "to", "who"),
    [
        (Status.APPROVED, Status.PROPOSED, "operator"),
        (Status.VERIFIED, Status.NEEDS_REVISION, "verifier"),
        (Status.NEEDS_REVISION, Status.PROPOSED, "operator"),
    ],
)
def test_a_grant_sent_back_before_verification_keeps_none_of_its_checks(
    program, request, start, to, who
):
    # Called directly, without the step services: the function itself clears.
    grant = GrantFactory(
        program=program,
        status=start,
        account_verified=True,
        decreed=start == Status.APPROVED,
        checklist_results={"Proposal": {"ok": True, "note": ""}},
        verified_by=UserFactory(),
        approved_by=UserFactory() if start == Status.APPROVED else None,
    )
    actor = request.getfixturevalue(who)

    transition_grant(
        grant, to=to, by=actor, note="Nilai diubah.", changes={"amount": 7_000_000}
    )

    grant.refresh_from_db()
    assert grant.status == to
    assert (grant.verified_by, grant.approved_by, grant.checklist_results) == (
        None,
        None,
        {},
    )
    assert (grant.decree_number, grant.decree_date) == ("", None)
    assert (grant.nphd_number, grant.nphd_date) == ("", None)
    if to == Status.PROPOSED:
        assert grant.content_changed_by == actor


def test_a_reviewer_who_read_an_earlier_version_of_the_lpj_cannot_accept_it(
    disbursed, operator, verifier
):
    report = hand_in(disbursed, operator, amount_spent=6_000_000, refund_amount=0)
    read = report.version
    review_lpj(report, by=verifier, items=findings(kuitansi="Kuitansi kurang."))
    hand_in(
        disbursed, operator, amount_spent=10_000_000, evidence=lpj_evidence("kuitansi")
    )
    other_verifier = UserFactory(role=roles.VERIFIKATOR)

    # Still "submitted", as on the screen, but not the report that was read.
    with pytest.raises(StaleGrant):
        review_lpj(
            report,
            by=other_verifier,
            items=findings(),
            expected_status=AccountabilityReport.Status.SUBMITTED,
            expected_version=read,
        )

    report.refresh_from_db()
    assert report.status == AccountabilityReport.Status.SUBMITTED
    assert Grant.objects.get(pk=disbursed.pk).status == Status.DISBURSED
    review_lpj(
        report, by=other_verifier, items=findings(), expected_version=report.version
    )
    assert Grant.objects.get(pk=disbursed.pk).status == Status.CLOSED
