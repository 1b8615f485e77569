import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from grants.models import (
    AccountabilityReport,
    Disbursement,
    Grant,
    GrantEvent,
    Program,
)
from grants.services import MOVE_STEPS, STEPS
from tests.factories import (
    DisbursementFactory,
    GrantEventFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Grant.Status


@contextmanager
def refused_by_database(constraint: str):
    """Expect the database itself to refuse the write, naming the constraint.

    SQLite names the columns, not the constraint, in a unique violation.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    message = str(caught.value)
    if connection.vendor == "sqlite" and message.startswith("UNIQUE"):
        return
    assert constraint in message


def validation_messages(instance) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.messages


def new_program(**fields) -> Program:
    values = {"year": 2024, "name": "Hibah Lembaga Sosial", "budget_ceiling": 1_000_000}
    return Program(**{**values, **fields})


def lpj_for(grant: Grant, **fields) -> AccountabilityReport:
    values = {"grant": grant, "submitted_on": datetime.date(2025, 1, 5)}
    return AccountabilityReport.objects.create(**{**values, **fields})


# Programme ---------------------------------------------------------------------


def test_the_lpj_falls_due_on_10_january_after_the_programme_year():
    program = ProgramFactory(year=2024, lpj_due_date=None)

    program.refresh_from_db()
    assert program.lpj_due_date == datetime.date(2025, 1, 10)


def test_full_clean_fills_in_the_default_lpj_due_date():
    program = new_program(year=2023)

    program.full_clean()

    assert program.lpj_due_date == datetime.date(2024, 1, 10)


def test_an_explicit_lpj_due_date_is_kept():
    program = ProgramFactory(year=2024, lpj_due_date=datetime.date(2025, 3, 31))

    program.refresh_from_db()
    assert program.lpj_due_date == datetime.date(2025, 3, 31)


def test_the_database_refuses_an_unknown_spending_type():
    program = ProgramFactory()

    with refused_by_database("program_spending_type_valid"):
        Program.objects.filter(pk=program.pk).update(spending_type="modal")


@pytest.mark.parametrize("year", [1999, 2101])
def test_the_database_refuses_an_implausible_programme_year(year):
    with refused_by_database("program_year_plausible"):
        ProgramFactory(year=year)


@pytest.mark.parametrize("year", [2000, 2024, 2060])
def test_plausible_programme_years_are_accepted(year):
    program = ProgramFactory(year=year)

    assert Program.objects.get(pk=program.pk).year == year


@pytest.mark.parametrize("ceiling", [0, -1_000_000])
def test_the_database_refuses_a_budget_ceiling_that_is_not_positive(ceiling):
    with refused_by_database("program_budget_ceiling_positive"):
        ProgramFactory(budget_ceiling=ceiling)


def test_the_database_refuses_a_programme_that_covers_no_kind():
    with refused_by_database("program_covers_some_kind"):
        ProgramFactory(
            covers_wksbm=False, covers_karang_taruna=False, covers_lksa=False
        )


def test_a_programme_for_one_kind_only_is_fine():
    program = ProgramFactory(covers_wksbm=False, covers_karang_taruna=False)

    assert program.eligible_kinds == ["lksa"]
    assert program.covers("lksa")
    assert not program.covers("wksbm")


@pytest.mark.parametrize(
    "due",
    [
        datetime.date(2024, 12, 31),
        datetime.date(2024, 1, 10),
        datetime.date(2023, 1, 10),
    ],
)
def test_the_database_refuses_an_lpj_due_within_or_before_the_programme_year(due):
    with refused_by_database("program_lpj_due_after_year"):
        ProgramFactory(year=2024, lpj_due_date=due)


def test_the_database_refuses_moving_a_programme_to_the_year_of_its_lpj_due_date():
    program = ProgramFactory(year=2024)

    with refused_by_database("program_lpj_due_after_year"):
        Program.objects.filter(pk=program.pk).update(year=2025)


def test_the_database_refuses_two_programmes_of_one_name_in_a_year():
    ProgramFactory(year=2024, name="Hibah WKSBM")

    with refused_by_database("unique_program_name_per_year"):
        ProgramFactory(year=2024, name="Hibah WKSBM")


def test_the_same_programme_name_in_another_year_is_fine():
    ProgramFactory(year=2024, name="Hibah WKSBM")
    ProgramFactory(year=2025, name="Hibah WKSBM")

    assert Program.objects.filter(name="Hibah WKSBM").count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"budget_ceiling": 0}, "Pagu anggaran harus lebih dari nol."),
        (
            {
                "covers_wksbm": False,
                "covers_karang_taruna": False,
                "covers_lksa": False,
            },
            "Pilih paling sedikit satu jenis lembaga.",
        ),
        (
            {"lpj_due_date": datetime.date(2024, 12, 31)},
            "Batas LPJ harus jatuh setelah tahun anggaran berakhir.",
        ),
    ],
    ids=["ceiling", "no-kind", "lpj-due"],
)
def test_full_clean_explains_a_programme_check_in_indonesian(fields, message):
    assert validation_messages(new_program(**fields)) == [message]


# Grant ------------------------------------------------------------------------


def test_the_database_refuses_a_closer_on_an_open_programme():
    user = UserFactory()

    with refused_by_database("program_closed_by_only_when_closed"):
        ProgramFactory(closed_by=user)


def test_the_database_refuses_reopening_a_programme_but_keeping_its_closer():
    program = ProgramFactory(closed_at=timezone.now(), closed_by=UserFactory())

    with refused_by_database("program_closed_by_only_when_closed"):
        Program.objects.filter(pk=program.pk).update(closed_at=None)


@pytest.mark.parametrize("closer", [True, False], ids=["with-closer", "without"])
def test_a_closed_programme_may_name_who_closed_it(closer):
    program = ProgramFactory(
        closed_at=timezone.now(), closed_by=UserFactory() if closer else None
    )

    assert not Program.objects.get(pk=program.pk).is_open


def test_the_database_refuses_an_unknown_grant_status():
    grant = GrantFactory()

    with refused_by_database("grant_status_valid"):
        Grant.objects.filter(pk=grant.pk).update(status="draft")


@pytest.mark.parametrize("amount", [0, -5_000_000])
def test_the_database_refuses_a_grant_amount_that_is_not_positive(amount):
    with refused_by_database("grant_amount_positive"):
        GrantFactory(amount=amount)


def test_the_database_refuses_an_institution_twice_in_one_programme():
    grant = GrantFactory()

    with refused_by_database("unique_grant_per_program_institution"):
        GrantFactory(program=grant.program, institution=grant.institution)


def test_an_institution_may_have_grants_in_different_programmes():
    grant = GrantFactory()
    GrantFactory(institution=grant.institution)

    assert grant.institution.grants.count() == 2


@pytest.mark.parametrize(
    "status", [Status.APPROVED, Status.DISBURSED, Status.REFUND_DUE, Status.CLOSED]
)
def test_the_database_refuses_an_approved_grant_without_a_decree_number(status):
    with refused_by_database("grant_approved_has_decree"):
        GrantFactory(status=status, decree_number="")


def test_the_database_refuses_approving_a_grant_by_update_without_a_decree():
    grant = GrantFactory(verified=True)

    with refused_by_database("grant_approved_has_decree"):
        Grant.objects.filter(pk=grant.pk).update(status=Status.APPROVED)

    grant.refresh_from_db()
    assert grant.status == Status.VERIFIED


@pytest.mark.parametrize(
    "status",
    [Status.PROPOSED, Status.NEEDS_REVISION, Status.VERIFIED, Status.REJECTED],
)
def test_a_grant_not_yet_approved_needs_no_decree(status):
    grant = GrantFactory(status=status, decree_number="")

    assert Grant.objects.get(pk=grant.pk).status == status


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": 0}, "Nilai bantuan harus lebih dari nol."),
        (
            {"status": Status.APPROVED, "decree_number": ""},
            "Bantuan yang disetujui harus memiliki nomor SK penetapan.",
        ),
    ],
    ids=["amount", "decree"],
)
def test_full_clean_explains_a_grant_check_in_indonesian(fields, message):
    grant = Grant(
        program=ProgramFactory(),
        institution=InstitutionFactory(),
        **{"amount": 10_000_000, **fields},
    )

    assert validation_messages(grant) == [message]


def test_full_clean_says_the_institution_is_already_in_the_programme():
    grant = GrantFactory()
    duplicate = Grant(
        program=grant.program, institution=grant.institution, amount=5_000_000
    )

    assert validation_messages(duplicate) == [
        "Lembaga ini sudah tercatat dalam program tersebut."
    ]


def test_the_transitions_table_follows_the_workflow():
    expected = {
        Status.PROPOSED: {Status.VERIFIED, Status.NEEDS_REVISION, Status.REJECTED},
        Status.NEEDS_REVISION: {Status.PROPOSED, Status.REJECTED},
        Status.VERIFIED: {Status.APPROVED, Status.NEEDS_REVISION, Status.REJECTED},
        # A revision after approval sends the grant back to verification.
        Status.APPROVED: {Status.DISBURSED, Status.PROPOSED},
        Status.DISBURSED: {Status.CLOSED, Status.REFUND_DUE},
        Status.REFUND_DUE: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.REJECTED: set(),
    }
    assert expected == Grant.TRANSITIONS
    assert GrantFactory(verified=True).can_transition_to(Status.APPROVED)
    assert not GrantFactory().can_transition_to(Status.APPROVED)


def test_every_move_of_the_workflow_has_a_step_and_every_step_a_move():
    moves = {
        (start, to) for start, targets in Grant.TRANSITIONS.items() for to in targets
    }

    assert set(MOVE_STEPS) == moves
    for (start, _to), step in MOVE_STEPS.items():
        assert step in STEPS
        assert start in STEPS[step].statuses, (start, step)


def test_committed_grants_are_the_approved_and_aided_ones():
    program = ProgramFactory()
    for status in Status.values:
        GrantFactory(program=program, status=status, decree_number="SK/1")

    committed = set(Grant.objects.committed().values_list("status", flat=True))
    aided = set(Grant.objects.aided().values_list("status", flat=True))

    assert committed == {"approved", "disbursed", "refund_due", "closed"}
    assert aided == {"disbursed", "refund_due", "closed"}


def test_the_disbursed_total_sums_the_payments_of_each_grant():
    grant = GrantFactory(approved=True, amount=10_000_000)
    Disbursement.objects.create(
        grant=grant, paid_on=datetime.date(2024, 6, 1), amount=4_000_000
    )
    Disbursement.objects.create(
        grant=grant, paid_on=datetime.date(2024, 7, 1), amount=3_000_000
    )
    unpaid = GrantFactory(approved=True)

    totals = dict(
        Grant.objects.with_disbursed_total().values_list("pk", "disbursed_total")
    )

    assert totals == {grant.pk: 7_000_000, unpaid.pk: 0}
    assert grant.disbursed_amount() == 7_000_000
    assert unpaid.disbursed_amount() == 0


# Disbursement ----------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1])
def test_the_database_refuses_a_disbursement_that_is_not_positive(amount):
    with refused_by_database("disbursement_amount_positive"):
        DisbursementFactory(amount=amount)


def test_the_database_refuses_a_transfer_reference_recorded_twice():
    DisbursementFactory(transfer_reference="TRF-2024-0001")

    with refused_by_database("unique_transfer_reference"):
        DisbursementFactory(transfer_reference="TRF-2024-0001")


def test_disbursements_without_a_transfer_reference_are_fine():
    DisbursementFactory(transfer_reference="")
    DisbursementFactory(transfer_reference="")

    assert Disbursement.objects.filter(transfer_reference="").count() == 2


# LPJ ---------------------------------------------------------------------------


def test_the_database_refuses_an_unknown_lpj_status():
    report = lpj_for(GrantFactory(disbursed=True))

    with refused_by_database("lpj_status_valid"):
        AccountabilityReport.objects.filter(pk=report.pk).update(status="lost")


@pytest.mark.parametrize(
    "fields", [{"amount_spent": -1}, {"refund_amount": -1}], ids=["spent", "refund"]
)
def test_the_database_refuses_negative_lpj_amounts(fields):
    with refused_by_database("lpj_amounts_not_negative"):
        lpj_for(GrantFactory(disbursed=True), **fields)


def test_the_database_refuses_a_refund_date_without_a_deposit_reference():
    with refused_by_database("lpj_refund_has_reference"):
        lpj_for(
            GrantFactory(disbursed=True),
            refund_amount=500_000,
            refunded_on=datetime.date(2025, 2, 1),
        )


def test_a_refund_with_its_deposit_reference_is_fine():
    report = lpj_for(
        GrantFactory(disbursed=True),
        refund_amount=500_000,
        refunded_on=datetime.date(2025, 2, 1),
        refund_reference="STS-0042",
    )

    assert AccountabilityReport.objects.get(pk=report.pk).refund_reference == "STS-0042"


def test_the_database_refuses_a_second_lpj_for_a_grant():
    grant = GrantFactory(disbursed=True)
    lpj_for(grant)

    with refused_by_database("grant_id"):
        lpj_for(grant)


def test_full_clean_refuses_an_lpj_accounting_for_more_than_the_grant():
    grant = GrantFactory(disbursed=True, amount=10_000_000)
    report = AccountabilityReport(
        grant=grant,
        submitted_on=datetime.date(2025, 1, 5),
        amount_spent=9_500_000,
        refund_amount=600_000,
    )

    assert validation_messages(report) == [
        "Dana terpakai dan sisa dana melebihi nilai bantuan."
    ]


def test_full_clean_accepts_an_lpj_that_accounts_for_the_whole_grant():
    grant = GrantFactory(disbursed=True, amount=10_000_000)
    report = AccountabilityReport(
        grant=grant,
        submitted_on=datetime.date(2025, 1, 5),
        amount_spent=9_500_000,
        refund_amount=500_000,
    )

    report.full_clean()


# Grant events: the audit trail is append-only ---------------------------------


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"to_status": "draft"}, "grant_event_to_status_valid"),
        ({"from_status": "draft"}, "grant_event_from_status_valid"),
    ],
    ids=["to", "from"],
)
def test_the_database_refuses_an_event_with_an_unknown_status(fields, constraint):
    grant = GrantFactory()

    with refused_by_database(constraint):
        GrantEvent.objects.create(
            grant=grant, **{"from_status": "", "to_status": "proposed", **fields}
        )


def test_the_database_refuses_an_event_of_an_unknown_kind():
    grant = GrantFactory()

    with refused_by_database("grant_event_kind_valid"):
        GrantEvent.objects.create(
            grant=grant, from_status="", to_status="proposed", kind="payment"
        )


def test_an_event_is_a_status_change_unless_said_otherwise():
    event = GrantEventFactory()

    assert GrantEvent.objects.get(pk=event.pk).kind == GrantEvent.Kind.STATUS


@pytest.mark.parametrize("kind", GrantEvent.Kind.values)
def test_every_kind_of_event_is_accepted(kind):
    grant = GrantFactory(approved=True)

    GrantEvent.objects.create(
        grant=grant, from_status="approved", to_status="approved", kind=kind
    )

    assert grant.events.get().kind == kind


def test_saving_an_existing_event_again_is_refused():
    event = GrantEventFactory(note="diusulkan")
    event.note = "diubah"

    with pytest.raises(TypeError, match="append-only"):
        event.save()

    assert GrantEvent.objects.get(pk=event.pk).note == "diusulkan"


def test_deleting_an_event_is_refused():
    event = GrantEventFactory()

    with pytest.raises(TypeError, match="append-only"):
        event.delete()

    assert GrantEvent.objects.filter(pk=event.pk).exists()


def with_note(events, note: str) -> list[GrantEvent]:
    changed = list(events)
    for event in changed:
        event.note = note
    return changed


@pytest.mark.parametrize(
    "change",
    [
        lambda events: events.update(note="diubah"),
        lambda events: events.delete(),
        lambda events: GrantEvent.objects.bulk_update(
            with_note(events, "diubah"), ["note"]
        ),
    ],
    ids=["update", "delete", "bulk_update"],
)
def test_changing_events_through_a_queryset_is_refused(change):
    event = GrantEventFactory(note="diusulkan")

    # bulk_update() opens an atomic block without a savepoint: give it one.
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        change(GrantEvent.objects.filter(pk=event.pk))

    assert GrantEvent.objects.get(pk=event.pk).note == "diusulkan"


def test_changing_events_through_the_grant_is_refused():
    event = GrantEventFactory(note="diusulkan")

    with pytest.raises(TypeError, match="append-only"):
        event.grant.events.update(note="diubah")
    with pytest.raises(TypeError, match="append-only"):
        event.grant.events.all().delete()

    assert GrantEvent.objects.get(pk=event.pk).note == "diusulkan"


def test_the_database_refuses_a_raw_update_of_an_event():
    event = GrantEventFactory(note="diusulkan")

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE grants_grantevent SET note = %s WHERE id = %s",
            ["diubah", event.pk],
        )

    assert GrantEvent.objects.get(pk=event.pk).note == "diusulkan"


@pytest.mark.postgresql
def test_the_database_refuses_a_raw_delete_of_an_event():
    event = GrantEventFactory()

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM grants_grantevent WHERE id = %s", [event.pk])

    assert GrantEvent.objects.filter(pk=event.pk).exists()


def test_a_grant_with_events_cannot_be_deleted():
    event = GrantEventFactory()

    with pytest.raises(ProtectedError):
        event.grant.delete()

    assert GrantEvent.objects.filter(pk=event.pk).exists()
