"""Programme guards: the ceiling never below what is committed, province-wide
management, open programmes of this year or next for proposals, the decree
inside the programme year, and a change of amount after approval only by
revision."""

import datetime
import json
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone

from grants import roles
from grants.models import Grant, Program
from grants.services import (
    MSG_AMOUNT_POSITIVE,
    MSG_CEILING,
    MSG_CEILING_BELOW_COMMITTED,
    MSG_DECREE_BEFORE_YEAR,
    MSG_NO_PERMISSION,
    MSG_PROGRAM_ALREADY_CLOSED,
    MSG_PROGRAM_CLOSED,
    MSG_PROGRAM_NOT_CLOSED,
    MSG_PROGRAM_SCOPE,
    MSG_PROGRAM_YEAR,
    MSG_PROGRAM_YEAR_LOCKED,
    MSG_REASON_REQUIRED,
    MSG_REVISION_AFTER_PAYMENT,
    MSG_REVISION_CHANGES_NOTHING,
    CeilingExceeded,
    GrantError,
    InvalidTransition,
    NotAllowed,
    NotEligible,
    ProgramError,
    StaleGrant,
    approve_grant,
    can_manage_programs,
    check_eligibility,
    close_program,
    propose_grant,
    reopen_program,
    resubmit_grant,
    revise_grant,
    save_program,
    verify_grant,
)
from institutions.audit import history
from institutions.models import StaffProfile
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    RegencyFactory,
    UserFactory,
    this_year,
)
from tests.grants.helpers import exactly, snapshot

pytestmark = pytest.mark.django_db

Status = Grant.Status
TODAY = datetime.date(2024, 4, 1)


def stored(program: Program) -> dict:
    return Program.objects.filter(pk=program.pk).values().get()


@pytest.fixture
def program():
    return ProgramFactory(year=TODAY.year, budget_ceiling=100_000_000)


def regional_head():
    """A head of section kept to one regency by their staff profile."""
    user = UserFactory(role=roles.PIMPINAN)
    profile = StaffProfile.objects.create(user=user)
    profile.regencies.add(RegencyFactory())
    return user


# The ceiling ----------------------------------------------------------------------


@pytest.fixture
def committed_10m(program):
    """Ten million committed: approved and paid grants count, the others do not."""
    GrantFactory(program=program, amount=6_000_000, approved=True)
    GrantFactory(program=program, amount=4_000_000, disbursed=True)
    for status in (Status.PROPOSED, Status.VERIFIED, Status.REJECTED):
        GrantFactory(program=program, amount=50_000_000, status=status)
    return program


def test_the_ceiling_cannot_go_below_what_is_committed(committed_10m, head):
    before = stored(committed_10m)
    committed_10m.budget_ceiling = 9_999_999

    with pytest.raises(ProgramError) as caught:
        save_program(committed_10m, by=head, changed_fields=["budget_ceiling"])

    assert caught.value.message == MSG_CEILING_BELOW_COMMITTED % {
        "ceiling": "Rp9.999.999",
        "committed": "Rp10.000.000",
    }
    assert "Rp9.999.999" in caught.value.message
    assert "Rp10.000.000" in caught.value.message
    assert stored(committed_10m) == before


def test_the_ceiling_may_come_down_to_what_is_committed(committed_10m, head):
    committed_10m.budget_ceiling = 10_000_000

    save_program(committed_10m, by=head, changed_fields=["budget_ceiling"])

    assert stored(committed_10m)["budget_ceiling"] == 10_000_000


def test_a_ceiling_change_is_recorded_in_the_history(program, head):
    program.budget_ceiling = 150_000_000

    save_program(program, by=head, changed_fields=["budget_ceiling"])

    entry = history(program).get()
    assert (entry.user, entry.action_flag) == (head, CHANGE)
    assert json.loads(entry.change_message) == [
        {"changed": {"fields": ["budget_ceiling"]}}
    ]


def test_a_new_programme_is_saved_with_its_history(head):
    program = Program(year=2025, name="Hibah Lembaga 2025", budget_ceiling=5_000_000)

    save_program(program, by=head)

    assert Program.objects.get(pk=program.pk).lpj_due_date == datetime.date(2026, 1, 10)
    assert history(program).get().user == head


# Who manages programmes ----------------------------------------------------------


def new_program() -> Program:
    return Program(year=2025, name="Hibah Baru", budget_ceiling=5_000_000)


def editing(program: Program) -> Program:
    program.budget_ceiling += 1_000_000
    return program


MANAGING = {
    "create": lambda program, user: save_program(new_program(), by=user),
    "edit": lambda program, user: save_program(
        editing(program), by=user, changed_fields=["Pagu anggaran"]
    ),
    "close": lambda program, user: close_program(program, by=user),
    "reopen": lambda program, user: reopen_program(program, by=user),
}


def ready_for(action: str, program: Program, head) -> Program:
    if action == "reopen":
        close_program(program, by=head)
    return Program.objects.get(pk=program.pk)


@pytest.mark.parametrize("action", MANAGING)
def test_a_head_kept_to_a_regency_cannot_manage_programmes(program, head, action):
    program = ready_for(action, program, head)
    before = list(Program.objects.values())
    logged = LogEntry.objects.count()
    user = regional_head()

    with pytest.raises(NotAllowed, match=exactly(MSG_PROGRAM_SCOPE)):
        MANAGING[action](program, user)

    assert list(Program.objects.values()) == before
    assert LogEntry.objects.count() == logged
    assert not can_manage_programs(user)


@pytest.mark.parametrize(
    "role", [roles.OPERATOR, roles.VERIFIKATOR, roles.BENDAHARA, roles.PENGAMAT]
)
@pytest.mark.parametrize("action", MANAGING)
def test_managing_programmes_needs_the_programme_permission(
    program, head, action, role
):
    program = ready_for(action, program, head)
    before = list(Program.objects.values())
    user = UserFactory(role=role)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        MANAGING[action](program, user)

    assert list(Program.objects.values()) == before
    assert not can_manage_programs(user)


@pytest.mark.parametrize("who", ["head", "superuser"])
@pytest.mark.parametrize("action", MANAGING)
def test_a_province_wide_head_or_superuser_manages_programmes(
    program, head, action, who
):
    program = ready_for(action, program, head)
    user = head if who == "head" else UserFactory(is_superuser=True)
    logged = LogEntry.objects.count()

    MANAGING[action](program, user)

    assert LogEntry.objects.count() == logged + 1
    assert can_manage_programs(user)


# The year of a programme -----------------------------------------------------------


def test_the_year_of_a_programme_with_grants_cannot_change(program, head):
    GrantFactory(program=program, rejected=True)
    before = stored(program)
    program.year = 2025

    with pytest.raises(ProgramError, match=exactly(MSG_PROGRAM_YEAR_LOCKED)):
        save_program(program, by=head, changed_fields=["year"])

    assert stored(program) == before


def test_the_year_of_a_programme_without_grants_can_change(program, head):
    program.year = 2025
    program.lpj_due_date = None

    save_program(program, by=head, changed_fields=["year"])

    assert stored(program)["year"] == 2025


# Closing and reopening ------------------------------------------------------------


def test_closing_a_programme_records_who_and_when(program, head):
    close_program(program, by=head)

    program.refresh_from_db()
    assert not program.is_open
    assert program.closed_by == head
    assert program.closed_at is not None
    assert abs(program.closed_at - timezone.now()) < datetime.timedelta(minutes=1)
    entry = history(program).get()
    assert (entry.user, entry.action_flag) == (head, CHANGE)
    assert json.loads(entry.change_message) == [
        {"changed": {"fields": ["Program ditutup"]}}
    ]


def test_reopening_a_programme_clears_the_closing_and_is_recorded(program, head):
    close_program(program, by=head)
    other = UserFactory(role=roles.PIMPINAN)

    reopen_program(program, by=other)

    program.refresh_from_db()
    assert program.is_open
    assert (program.closed_at, program.closed_by) == (None, None)
    latest = history(program).first()
    assert latest.user == other
    assert json.loads(latest.change_message) == [
        {"changed": {"fields": ["Program dibuka kembali"]}}
    ]
    assert history(program).count() == 2


def test_a_closed_programme_cannot_be_closed_again(program, head):
    close_program(program, by=head)
    before = stored(program)

    with pytest.raises(ProgramError, match=exactly(MSG_PROGRAM_ALREADY_CLOSED)):
        close_program(program, by=UserFactory(role=roles.PIMPINAN))

    assert stored(program) == before


def test_an_open_programme_cannot_be_reopened(program, head):
    with pytest.raises(ProgramError, match=exactly(MSG_PROGRAM_NOT_CLOSED)):
        reopen_program(program, by=head)

    assert not history(program).exists()


def test_saving_a_programme_never_closes_or_reopens_it(program, head):
    program.closed_at, program.closed_by = timezone.now(), head
    save_program(program, by=head)
    assert Program.objects.get(pk=program.pk).is_open

    close_program(program, by=head)
    program = Program.objects.get(pk=program.pk)
    closed = (program.closed_at, program.closed_by_id)
    program.closed_at, program.closed_by = None, None
    save_program(program, by=head)
    program.refresh_from_db()
    assert (program.closed_at, program.closed_by_id) == closed


# Proposals --------------------------------------------------------------------------


def propose(program: Program, by, today: datetime.date | None = TODAY) -> Grant:
    grant, _ = propose_grant(
        program=program,
        institution=InstitutionFactory(),
        amount=10_000_000,
        by=by,
        today=today,
    )
    return grant


def test_a_closed_programme_takes_no_proposals(program, head, operator):
    close_program(program, by=head)

    with pytest.raises(NotEligible, match=exactly(MSG_PROGRAM_CLOSED)):
        propose(program, operator)

    assert not Grant.objects.exists()
    reopen_program(program, by=head)
    assert propose(program, operator).status == Status.PROPOSED


def test_a_programme_closed_while_the_form_was_open_takes_no_proposal(
    program, head, operator
):
    on_screen = Program.objects.get(pk=program.pk)
    close_program(program, by=head)

    with pytest.raises(NotEligible, match=exactly(MSG_PROGRAM_CLOSED)):
        propose(on_screen, operator)

    assert not Grant.objects.exists()


@pytest.mark.parametrize("year", [2023, 2026, 2030])
def test_proposals_go_only_into_programmes_of_this_year_or_next(operator, year):
    program = ProgramFactory(year=year)

    with pytest.raises(
        NotEligible,
        match=exactly(MSG_PROGRAM_YEAR % {"this": 2024, "next": 2025, "year": year}),
    ):
        propose(program, operator)

    assert not Grant.objects.exists()


@pytest.mark.parametrize("year", [2024, 2025])
def test_a_programme_of_this_year_or_next_takes_proposals(operator, year):
    grant = propose(ProgramFactory(year=year), operator)

    assert grant.status == Status.PROPOSED


def test_by_the_office_clock_last_years_programme_takes_no_proposals(operator):
    last_year = ProgramFactory(year=this_year() - 1)

    with pytest.raises(NotEligible, match=re.escape(f"untuk tahun {this_year() - 1}")):
        propose(last_year, operator, today=None)

    assert propose(ProgramFactory(), operator, today=None).status == Status.PROPOSED


def test_the_open_programmes_for_proposals_are_this_years_and_next(head):
    this, next_, past = (ProgramFactory(year=y) for y in (2024, 2025, 2023))
    closed = ProgramFactory(year=2024)
    close_program(closed, by=head)

    assert set(Program.objects.open_for_proposals(TODAY)) == {this, next_}
    assert not check_eligibility(past, InstitutionFactory(), today=TODAY).ok


# The decree ----------------------------------------------------------------------


def approving(grant: Grant, decree_date: datetime.date, by=None) -> Grant:
    return approve_grant(
        grant,
        by=by or UserFactory(role=roles.PIMPINAN),
        decree_number="SK/DINSOS/1",
        decree_date=decree_date,
    )


def test_a_decree_dated_before_the_programme_year_is_refused(program):
    grant = GrantFactory(program=program, verified=True)
    before = snapshot(grant)

    with pytest.raises(
        GrantError,
        match=exactly(MSG_DECREE_BEFORE_YEAR % {"date": "31/12/2023", "year": 2024}),
    ):
        approving(grant, datetime.date(2023, 12, 31))

    assert snapshot(grant) == before


@pytest.mark.parametrize(
    "decree_date", [datetime.date(2024, 1, 1), datetime.date(2025, 2, 1)]
)
def test_a_decree_in_or_after_the_programme_year_is_fine(program, decree_date):
    grant = GrantFactory(program=program, verified=True)

    approving(grant, decree_date)

    grant.refresh_from_db()
    assert (grant.status, grant.decree_date) == (Status.APPROVED, decree_date)


# Revising an approved grant --------------------------------------------------------


@pytest.fixture
def approved(program, operator):
    checker, head = (
        UserFactory(role=roles.VERIFIKATOR),
        UserFactory(role=roles.PIMPINAN),
    )
    grant = GrantFactory(
        program=program,
        proposed_by=operator,
        content_changed_by=operator,
        amount=10_000_000,
        purpose="Tenda dan kursi",
    )
    verify_grant(
        grant, by=checker, checklist={item: {"ok": True} for item in program.checklist}
    )
    approve_grant(
        grant,
        by=head,
        decree_number="SK/DINSOS/12/2024",
        decree_date=datetime.date(2024, 5, 2),
    )
    Grant.objects.filter(pk=grant.pk).update(
        nphd_number="NPHD/1", nphd_date=datetime.date(2024, 5, 3)
    )
    grant.refresh_from_db()
    return grant


def test_a_revision_sends_the_grant_back_and_clears_its_approval(approved, operator):
    reviser = UserFactory(role=roles.OPERATOR)
    events = approved.events.count()

    revise_grant(
        approved,
        by=reviser,
        amount=8_000_000,
        purpose="Tenda saja",
        note="Harga tenda turun",
    )

    approved.refresh_from_db()
    assert approved.status == Status.PROPOSED
    assert (approved.amount, approved.purpose) == (8_000_000, "Tenda saja")
    assert approved.content_changed_by == reviser
    assert approved.proposed_by == operator
    assert (approved.decree_number, approved.decree_date) == ("", None)
    assert (approved.nphd_number, approved.nphd_date) == ("", None)
    assert approved.checklist_results == {}
    assert (approved.verified_by, approved.verified_at) == (None, None)
    assert (approved.approved_by, approved.approved_at) == (None, None)
    assert approved.events.count() == events + 1
    event = approved.events.order_by("-pk").first()
    assert (event.from_status, event.to_status) == (Status.APPROVED, Status.PROPOSED)
    assert event.actor == reviser
    for recorded in ("Rp10.000.000", "Rp8.000.000", "SK/DINSOS/12/2024", "Harga"):
        assert recorded in event.note


def test_a_revised_grant_no_longer_counts_against_the_ceiling(approved, program):
    assert Grant.objects.filter(program=program).committed_total() == 10_000_000

    revise_grant(
        approved,
        by=UserFactory(role=roles.OPERATOR),
        amount=8_000_000,
        purpose="",
        note="Turun",
    )

    assert Grant.objects.filter(program=program).committed_total() == 0


def test_a_revised_grant_is_approved_again_under_the_ceiling(approved, program):
    GrantFactory(program=program, amount=85_000_000, approved=True)
    revise_grant(
        approved,
        by=UserFactory(role=roles.OPERATOR),
        amount=20_000_000,
        purpose=approved.purpose,
        note="Tambah kursi",
    )
    verify_grant(
        approved,
        by=UserFactory(role=roles.VERIFIKATOR),
        checklist={item: {"ok": True} for item in program.checklist},
    )

    with pytest.raises(
        CeilingExceeded,
        match=exactly(MSG_CEILING % {"room": "Rp15.000.000", "amount": "Rp20.000.000"}),
    ):
        approving(approved, datetime.date(2024, 7, 1))


def test_a_grant_with_a_payment_cannot_be_revised(approved):
    DisbursementFactory(grant=approved, amount=4_000_000)
    before = snapshot(approved)

    with pytest.raises(GrantError, match=exactly(MSG_REVISION_AFTER_PAYMENT)):
        revise_grant(
            approved,
            by=UserFactory(role=roles.OPERATOR),
            amount=4_000_000,
            purpose="",
            note="Sisanya batal",
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {"amount": 10_000_000, "purpose": "Tenda dan kursi"},
            GrantError,
            MSG_REVISION_CHANGES_NOTHING,
        ),
        ({"note": "   "}, GrantError, MSG_REASON_REQUIRED),
        ({"amount": 0}, NotEligible, MSG_AMOUNT_POSITIVE),
    ],
    ids=["no-change", "no-reason", "zero"],
)
def test_a_revision_must_change_something_and_say_why(approved, fields, error, message):
    before = snapshot(approved)
    values = {"amount": 8_000_000, "purpose": "Tenda saja", "note": "Harga turun"}

    with pytest.raises(error, match=exactly(message)):
        revise_grant(
            approved, by=UserFactory(role=roles.OPERATOR), **{**values, **fields}
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize(
    "role", [roles.VERIFIKATOR, roles.PIMPINAN, roles.BENDAHARA, roles.PENGAMAT]
)
def test_revising_needs_the_propose_permission(approved, role):
    before = snapshot(approved)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        revise_grant(
            approved,
            by=UserFactory(role=role),
            amount=8_000_000,
            purpose="",
            note="Turun",
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize(
    "status",
    [Status.NEEDS_REVISION, Status.VERIFIED, Status.DISBURSED, Status.CLOSED],
)
def test_only_an_approved_grant_is_revised(program, status):
    grant = GrantFactory(program=program, status=status, decreed=True)
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        revise_grant(
            grant,
            by=UserFactory(role=roles.OPERATOR),
            amount=1_000_000,
            purpose="",
            note="Turun",
        )

    assert snapshot(grant) == before


def test_a_revision_on_a_stale_screen_is_refused(approved):
    before = snapshot(approved)

    with pytest.raises(StaleGrant):
        revise_grant(
            approved,
            by=UserFactory(role=roles.OPERATOR),
            amount=8_000_000,
            purpose="",
            note="Turun",
            expected_status=Status.VERIFIED,
        )

    assert snapshot(approved) == before


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_an_approved_amount_changes_only_by_revision(approved, operator, who):
    user = operator if who == "operator" else UserFactory(is_superuser=True)
    before = snapshot(approved)

    with pytest.raises(
        InvalidTransition,
        match=exactly(
            "Bantuan berstatus Disetujui tidak dapat diubah menjadi Diusulkan."
        ),
    ):
        resubmit_grant(
            approved, by=user, amount=20_000_000, expected_status=Status.APPROVED
        )

    assert snapshot(approved) == before


def test_saving_a_programme_without_changes_writes_no_history(program, head):
    logged = LogEntry.objects.count()

    save_program(Program.objects.get(pk=program.pk), by=head, changed_fields=[])

    assert LogEntry.objects.count() == logged
