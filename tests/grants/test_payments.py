"""Money leaves only to the account a checker verified (DESIGN.md, "Separation of
duties"): the prerequisites of payment, the hold after a change of the
institution's bank details and its confirmation, and the NPHD of a hibah."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from grants import roles
from grants.models import Disbursement, Grant, GrantEvent
from grants.services import (
    MSG_BANK_CHANGED,
    MSG_BANK_NOT_CHANGED,
    MSG_NO_BANK_ACCOUNT,
    MSG_NO_PERMISSION,
    MSG_NPHD_AFTER_PAYMENT,
    MSG_NPHD_BEFORE_DECREE,
    MSG_NPHD_ONLY_HIBAH,
    MSG_NPHD_REQUIRED,
    MSG_OVER_DISBURSED,
    MSG_OWN_BANK_CHANGE,
    MSG_OWN_CHANGE,
    MSG_OWN_PROPOSAL,
    MSG_PAID_BEFORE_DECREE,
    MSG_PAID_IN_FUTURE,
    MSG_REASON_REQUIRED,
    GrantError,
    InvalidTransition,
    NotAllowed,
    OverDisbursement,
    PaymentBlocked,
    confirm_bank_account,
    record_disbursement,
    record_nphd,
)
from institutions.models import Institution
from institutions.services import save_institution
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)
from tests.grants.helpers import exactly, snapshot

pytestmark = pytest.mark.django_db

Status = Grant.Status
YEAR = 2024
DECREE_DATE = datetime.date(YEAR, 1, 1)  # what the factory's `decreed` trait sets
PAID_ON = datetime.date(YEAR, 6, 1)


@pytest.fixture
def program():
    return ProgramFactory(year=YEAR)


@pytest.fixture
def bansos():
    return ProgramFactory(year=YEAR, spending_type="bansos")


@pytest.fixture
def approved(program, operator):
    return GrantFactory(program=program, proposed_by=operator, approved=True)


def pay(grant: Grant, by, amount: int | None = None, **fields) -> Disbursement:
    return record_disbursement(
        grant,
        by=by,
        paid_on=fields.pop("paid_on", PAID_ON),
        amount=grant.amount if amount is None else amount,
        **fields,
    )


def change_bank(institution: Institution, by, **fields) -> None:
    """Change the institution's bank details the way its form does."""
    institution = Institution.objects.get(pk=institution.pk)
    for name, value in fields.items():
        setattr(institution, name, value)
    save_institution(institution, by=by)


def account_of(institution: Institution) -> tuple[str, str, str]:
    institution.refresh_from_db()
    return institution.bank_account


def paid_to(disbursement: Disbursement) -> tuple[str, str, str]:
    return (
        disbursement.paid_to_bank_name,
        disbursement.paid_to_account_number,
        disbursement.paid_to_account_holder,
    )


# What payment needs ---------------------------------------------------------------


def test_a_payment_records_the_verified_account_it_went_to(approved, treasurer):
    disbursement = pay(approved, treasurer)

    disbursement.refresh_from_db()
    assert paid_to(disbursement) == approved.verified_account
    assert paid_to(disbursement) == account_of(approved.institution)
    assert Grant.objects.get(pk=approved.pk).status == Status.DISBURSED


def test_every_instalment_records_the_account_it_went_to(approved, treasurer):
    pay(approved, treasurer, amount=4_000_000)
    pay(approved, treasurer, amount=6_000_000, paid_on=datetime.date(YEAR, 8, 1))

    assert [paid_to(d) for d in approved.disbursements.all()] == [
        approved.verified_account
    ] * 2


@pytest.mark.parametrize(
    "missing",
    [
        {"verified_account_number": ""},
        {"verified_account_holder": ""},
        {"verified_account_number": "", "verified_account_holder": ""},
    ],
    ids=["number", "holder", "both"],
)
def test_a_payment_without_a_verified_account_is_refused(program, treasurer, missing):
    grant = GrantFactory(program=program, approved=True, **missing)
    before = snapshot(grant)

    with pytest.raises(PaymentBlocked, match=exactly(MSG_NO_BANK_ACCOUNT)):
        pay(grant, treasurer)

    assert snapshot(grant) == before


@pytest.mark.parametrize(
    "change",
    [
        {"bank_name": "Bank BRI"},
        {"account_number": "9990001112"},
        {"account_holder": "Pribadi Ketua"},
    ],
    ids=["bank", "number", "holder"],
)
def test_a_payment_after_the_bank_details_changed_is_refused(
    approved, operator, treasurer, change
):
    change_bank(approved.institution, operator, **change)
    before = snapshot(approved)

    with pytest.raises(PaymentBlocked, match=exactly(MSG_BANK_CHANGED)):
        pay(approved, treasurer)

    assert snapshot(approved) == before


@pytest.mark.parametrize(
    "missing",
    [{"nphd_number": ""}, {"nphd_date": None}, {"nphd_number": "", "nphd_date": None}],
    ids=["number", "date", "both"],
)
def test_a_hibah_is_not_paid_without_its_nphd(program, treasurer, missing):
    grant = GrantFactory(program=program, approved=True, **missing)
    before = snapshot(grant)

    with pytest.raises(PaymentBlocked, match=exactly(MSG_NPHD_REQUIRED)):
        pay(grant, treasurer)

    assert snapshot(grant) == before


def test_a_bansos_is_paid_without_an_nphd(bansos, treasurer):
    grant = GrantFactory(program=bansos, approved=True, nphd_number="", nphd_date=None)

    pay(grant, treasurer)

    assert Grant.objects.get(pk=grant.pk).status == Status.DISBURSED


def test_a_refused_payment_gives_every_missing_prerequisite(program, treasurer):
    grant = GrantFactory(program=program, status=Status.APPROVED, decree_number="SK/1")

    with pytest.raises(PaymentBlocked) as caught:
        pay(grant, treasurer)

    assert caught.value.message == f"{MSG_NO_BANK_ACCOUNT} {MSG_NPHD_REQUIRED}"
    assert not Disbursement.objects.exists()


def test_instalments_never_add_up_to_more_than_the_grant(approved, treasurer):
    pay(approved, treasurer, amount=3_000_000)
    pay(approved, treasurer, amount=3_000_000)
    before = snapshot(approved)

    with pytest.raises(
        OverDisbursement, match=exactly(MSG_OVER_DISBURSED % {"room": "Rp4.000.000"})
    ):
        pay(approved, treasurer, amount=5_000_000)

    assert snapshot(approved) == before
    pay(approved, treasurer, amount=4_000_000)
    approved.refresh_from_db()
    assert approved.status == Status.DISBURSED
    assert approved.disbursed_amount() == approved.amount


def test_nothing_more_is_paid_once_the_grant_is_paid_in_full(approved, treasurer):
    pay(approved, treasurer)
    before = snapshot(approved)

    with pytest.raises(InvalidTransition):
        pay(approved, treasurer, amount=1)

    assert snapshot(approved) == before


def test_a_payment_dated_before_the_decree_is_refused(approved, treasurer):
    day_before = DECREE_DATE - datetime.timedelta(days=1)
    before = snapshot(approved)

    with pytest.raises(
        GrantError,
        match=exactly(
            MSG_PAID_BEFORE_DECREE
            % {"date": f"{day_before:%d/%m/%Y}", "decree": f"{DECREE_DATE:%d/%m/%Y}"}
        ),
    ):
        pay(approved, treasurer, paid_on=day_before)

    assert snapshot(approved) == before


def test_a_payment_on_the_day_of_the_decree_is_fine(approved, treasurer):
    pay(approved, treasurer, paid_on=DECREE_DATE)

    assert approved.disbursements.get().paid_on == DECREE_DATE


def test_a_payment_dated_in_the_future_is_refused(approved, treasurer):
    today = datetime.date(YEAR, 6, 10)
    before = snapshot(approved)

    with pytest.raises(GrantError, match=exactly(MSG_PAID_IN_FUTURE)):
        pay(approved, treasurer, paid_on=datetime.date(YEAR, 6, 11), today=today)

    assert snapshot(approved) == before
    pay(approved, treasurer, paid_on=today, today=today)
    assert approved.disbursements.get().paid_on == today


def test_without_a_given_day_the_future_starts_tomorrow_by_the_office_clock(
    approved, treasurer
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    grant = approved

    with pytest.raises(GrantError, match=exactly(MSG_PAID_IN_FUTURE)):
        pay(grant, treasurer, paid_on=tomorrow)

    assert not Disbursement.objects.exists()


# A change of the institution's bank details -------------------------------------------


def test_a_bank_change_marks_the_grants_still_to_be_paid(program, operator):
    institution = InstitutionFactory(account_number="1112223334")
    verified = GrantFactory(program=program, institution=institution, verified=True)
    approved = GrantFactory(
        program=ProgramFactory(year=YEAR), institution=institution, approved=True
    )
    untouched = [
        GrantFactory(program=ProgramFactory(year=YEAR), institution=institution),
        GrantFactory(
            program=ProgramFactory(year=YEAR), institution=institution, disbursed=True
        ),
        GrantFactory(program=program, approved=True),  # another institution
    ]

    change_bank(institution, operator, account_number="9990001112")

    for grant in (verified, approved):
        event = grant.events.get()
        assert event.kind == GrantEvent.Kind.BANK_CHANGED
        assert (event.from_status, event.to_status) == (grant.status,) * 2
        assert event.actor == operator
        assert "1112223334" in event.note and "9990001112" in event.note
        assert Grant.objects.get(pk=grant.pk).bank_change_pending
    for grant in untouched:
        assert not grant.events.exists()
    assert set(Grant.objects.bank_change_pending()) == {verified, approved}


@pytest.mark.parametrize(
    "change",
    [{"npwp": "0999999999999999"}, {"leader_name": "Ketua Baru"}, {}],
    ids=["npwp", "leader", "nothing"],
)
def test_other_changes_of_the_institution_leave_payment_alone(
    approved, operator, treasurer, change
):
    change_bank(approved.institution, operator, **change)

    assert not approved.events.exists()
    pay(approved, treasurer)
    assert Grant.objects.get(pk=approved.pk).status == Status.DISBURSED


def test_a_confirmed_new_account_is_the_one_paid(approved, operator, treasurer):
    checker = UserFactory(role=roles.VERIFIKATOR)
    old = approved.verified_account
    change_bank(
        approved.institution,
        operator,
        bank_name="Bank BRI",
        account_number="9990001112",
        account_holder="Majelis Taklim Baru",
    )

    confirm_bank_account(approved, by=checker, note="Dicek ke bank, surat ketua ada")

    approved.refresh_from_db()
    new = ("Bank BRI", "9990001112", "Majelis Taklim Baru")
    assert approved.verified_account == new
    assert not approved.bank_change_pending
    event = approved.events.filter(kind=GrantEvent.Kind.BANK_CONFIRMED).get()
    assert (event.from_status, event.to_status) == (Status.APPROVED,) * 2
    assert event.actor == checker
    assert "9990001112" in event.note and old[1] in event.note
    assert "surat ketua ada" in event.note
    disbursement = pay(approved, treasurer)
    assert paid_to(disbursement) == new


def test_a_verified_grant_awaiting_approval_can_be_confirmed_too(program, operator):
    grant = GrantFactory(program=program, verified=True)
    change_bank(grant.institution, operator, account_number="9990001112")

    confirm_bank_account(grant, by=UserFactory(role=roles.VERIFIKATOR), note="Sah")

    grant.refresh_from_db()
    assert grant.verified_account_number == "9990001112"
    assert grant.status == Status.VERIFIED


def test_whoever_changed_the_account_cannot_confirm_it(approved):
    changer = UserFactory(role=roles.OPERATOR)
    changer.groups.add(Group.objects.get(name=roles.VERIFIKATOR))
    change_bank(approved.institution, changer, account_number="9990001112")
    before = snapshot(approved)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_BANK_CHANGE)):
        confirm_bank_account(approved, by=changer, note="Sudah benar")

    assert snapshot(approved) == before


def test_a_superuser_who_changed_the_account_cannot_confirm_it(approved):
    admin = UserFactory(is_superuser=True, is_staff=True)
    change_bank(approved.institution, admin, account_holder="Orang Lain")

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_BANK_CHANGE)):
        confirm_bank_account(approved, by=admin, note="Sudah benar")

    assert Grant.objects.get(pk=approved.pk).bank_change_pending


def test_the_proposer_cannot_confirm_the_new_account(program, operator):
    proposer = UserFactory(role=roles.OPERATOR)
    proposer.groups.add(Group.objects.get(name=roles.VERIFIKATOR))
    grant = GrantFactory(program=program, proposed_by=proposer, approved=True)
    change_bank(grant.institution, operator, account_number="9990001112")
    before = snapshot(grant)

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_PROPOSAL)):
        confirm_bank_account(grant, by=proposer, note="Sudah benar")

    assert snapshot(grant) == before


def test_whoever_last_changed_the_amount_cannot_confirm_the_new_account(
    program, operator
):
    author = UserFactory(role=roles.VERIFIKATOR)
    grant = GrantFactory(program=program, content_changed_by=author, approved=True)
    change_bank(grant.institution, operator, account_number="9990001112")

    with pytest.raises(NotAllowed, match=exactly(MSG_OWN_CHANGE)):
        confirm_bank_account(grant, by=author, note="Sudah benar")


@pytest.mark.parametrize(
    "role", [roles.OPERATOR, roles.PIMPINAN, roles.BENDAHARA, roles.PENGAMAT]
)
def test_only_a_verifier_confirms_a_new_account(approved, operator, role):
    change_bank(approved.institution, operator, account_number="9990001112")
    before = snapshot(approved)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        confirm_bank_account(approved, by=UserFactory(role=role), note="Sah")

    assert snapshot(approved) == before


@pytest.mark.parametrize("note", ["", "  \n"])
def test_confirming_a_new_account_needs_a_note(approved, operator, verifier, note):
    change_bank(approved.institution, operator, account_number="9990001112")
    before = snapshot(approved)

    with pytest.raises(GrantError, match=exactly(MSG_REASON_REQUIRED)):
        confirm_bank_account(approved, by=verifier, note=note)

    assert snapshot(approved) == before


def test_confirming_when_nothing_changed_is_refused(approved, verifier):
    before = snapshot(approved)

    with pytest.raises(GrantError, match=exactly(MSG_BANK_NOT_CHANGED)):
        confirm_bank_account(approved, by=verifier, note="Cek ulang")

    assert snapshot(approved) == before


def test_an_account_removed_from_the_institution_cannot_be_confirmed(
    approved, operator, verifier
):
    change_bank(approved.institution, operator, account_number="", account_holder="")
    before = snapshot(approved)

    with pytest.raises(GrantError, match=exactly(MSG_NO_BANK_ACCOUNT)):
        confirm_bank_account(approved, by=verifier, note="Rekening ditutup")

    assert snapshot(approved) == before


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.DISBURSED])
def test_only_a_grant_still_to_be_paid_has_its_account_confirmed(
    program, operator, verifier, status
):
    grant = GrantFactory(program=program, status=status, decreed=True)
    change_bank(grant.institution, operator, account_number="9990001112")
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        confirm_bank_account(grant, by=verifier, note="Sah")

    assert snapshot(grant) == before


def test_a_change_back_to_the_verified_account_needs_no_confirmation(
    approved, operator, treasurer
):
    verified = approved.verified_account
    change_bank(approved.institution, operator, account_number="9990001112")
    change_bank(approved.institution, operator, account_number=verified[1])

    assert not Grant.objects.get(pk=approved.pk).bank_change_pending
    disbursement = pay(approved, treasurer)
    assert paid_to(disbursement) == verified


def test_a_second_change_after_a_confirmation_holds_payment_again(
    approved, operator, treasurer
):
    first_changer = UserFactory(role=roles.OPERATOR)
    first_changer.groups.add(Group.objects.get(name=roles.VERIFIKATOR))
    change_bank(approved.institution, first_changer, account_number="9990001112")
    confirm_bank_account(
        approved, by=UserFactory(role=roles.VERIFIKATOR), note="Sudah dicek"
    )
    change_bank(approved.institution, operator, account_number="8880001112")

    with pytest.raises(PaymentBlocked, match=exactly(MSG_BANK_CHANGED)):
        pay(approved, treasurer)

    # The first change was confirmed; its author may check the second one.
    confirm_bank_account(approved, by=first_changer, note="Sudah dicek lagi")
    assert paid_to(pay(approved, treasurer))[1] == "8880001112"


def test_a_confirmation_covers_the_instalments_still_to_come(
    approved, operator, verifier, treasurer
):
    first = pay(approved, treasurer, amount=4_000_000)
    change_bank(approved.institution, operator, account_number="9990001112")

    with pytest.raises(PaymentBlocked, match=exactly(MSG_BANK_CHANGED)):
        pay(approved, treasurer, amount=6_000_000)

    confirm_bank_account(approved, by=verifier, note="Rekening baru sah")
    second = pay(approved, treasurer, amount=6_000_000)
    assert paid_to(first)[1] != "9990001112"
    assert paid_to(second)[1] == "9990001112"


# NPHD -------------------------------------------------------------------------------


@pytest.fixture
def awaiting_nphd(program, operator):
    return GrantFactory(
        program=program,
        proposed_by=operator,
        approved=True,
        nphd_number="",
        nphd_date=None,
    )


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.PIMPINAN])
def test_an_operator_or_head_records_the_nphd(awaiting_nphd, treasurer, role):
    recorder = UserFactory(role=role)

    record_nphd(
        awaiting_nphd,
        by=recorder,
        number=" NPHD/7/2024 ",
        date=datetime.date(2024, 5, 20),
    )

    awaiting_nphd.refresh_from_db()
    assert awaiting_nphd.nphd_number == "NPHD/7/2024"
    assert awaiting_nphd.nphd_date == datetime.date(2024, 5, 20)
    assert awaiting_nphd.status == Status.APPROVED
    event = awaiting_nphd.events.get()
    assert event.kind == GrantEvent.Kind.NPHD
    assert (event.from_status, event.to_status) == (Status.APPROVED,) * 2
    assert event.actor == recorder
    assert "NPHD/7/2024" in event.note
    pay(awaiting_nphd, treasurer)


@pytest.mark.parametrize(
    "role", [roles.VERIFIKATOR, roles.BENDAHARA, roles.PENGAMAT, None]
)
def test_recording_the_nphd_needs_its_permission(awaiting_nphd, role):
    before = snapshot(awaiting_nphd)

    with pytest.raises(NotAllowed, match=exactly(MSG_NO_PERMISSION)):
        record_nphd(
            awaiting_nphd,
            by=UserFactory(role=role),
            number="NPHD/7/2024",
            date=datetime.date(2024, 5, 20),
        )

    assert snapshot(awaiting_nphd) == before


@pytest.mark.parametrize(
    ("number", "date"),
    [
        ("", datetime.date(2024, 5, 20)),
        ("  ", datetime.date(2024, 5, 20)),
        ("N/1", None),
    ],
    ids=["no-number", "blank-number", "no-date"],
)
def test_the_nphd_needs_its_number_and_date(awaiting_nphd, operator, number, date):
    before = snapshot(awaiting_nphd)

    with pytest.raises(GrantError, match=exactly(MSG_NPHD_REQUIRED)):
        record_nphd(awaiting_nphd, by=operator, number=number, date=date)

    assert snapshot(awaiting_nphd) == before


def test_the_nphd_is_not_dated_before_the_decree(awaiting_nphd, operator):
    day_before = DECREE_DATE - datetime.timedelta(days=1)
    before = snapshot(awaiting_nphd)

    with pytest.raises(
        GrantError,
        match=exactly(
            MSG_NPHD_BEFORE_DECREE
            % {"date": f"{day_before:%d/%m/%Y}", "decree": f"{DECREE_DATE:%d/%m/%Y}"}
        ),
    ):
        record_nphd(awaiting_nphd, by=operator, number="NPHD/1", date=day_before)

    assert snapshot(awaiting_nphd) == before


def test_a_bansos_has_no_nphd(bansos, operator):
    grant = GrantFactory(program=bansos, approved=True, nphd_number="", nphd_date=None)
    before = snapshot(grant)

    with pytest.raises(GrantError, match=exactly(MSG_NPHD_ONLY_HIBAH)):
        record_nphd(grant, by=operator, number="NPHD/1", date=DECREE_DATE)

    assert snapshot(grant) == before


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.DISBURSED])
def test_the_nphd_is_recorded_for_an_approved_grant_only(program, operator, status):
    grant = GrantFactory(
        program=program, status=status, decree_number="SK/1", decree_date=DECREE_DATE
    )
    before = snapshot(grant)

    with pytest.raises(InvalidTransition):
        record_nphd(grant, by=operator, number="NPHD/1", date=DECREE_DATE)

    assert snapshot(grant) == before


def test_the_nphd_cannot_change_once_payment_started(approved, operator):
    DisbursementFactory(grant=approved, amount=4_000_000)
    before = snapshot(approved)

    with pytest.raises(GrantError, match=exactly(MSG_NPHD_AFTER_PAYMENT)):
        record_nphd(approved, by=operator, number="NPHD/LAIN", date=DECREE_DATE)

    assert snapshot(approved) == before


def test_a_replaced_nphd_is_named_in_the_record(approved, operator):
    record_nphd(approved, by=operator, number="NPHD/2", date=datetime.date(2024, 4, 1))

    approved.refresh_from_db()
    assert approved.nphd_number == "NPHD/2"
    assert "NPHD/UJI/1" in approved.events.get().note
