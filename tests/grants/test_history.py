"""Historical grants (already paid before the app) enter only through the
administrator's historical import (DESIGN.md, "Separation of duties")."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission

from grants import roles
from grants.models import Disbursement, Grant, GrantEvent
from grants.services import (
    HISTORICAL_PERMISSION,
    MSG_AMOUNT_POSITIVE,
    MSG_HISTORICAL_NEEDS_DECREE,
    MSG_HISTORICAL_NOT_ALLOWED,
    MSG_HISTORICAL_PAST_ONLY,
    MSG_PAID_BEFORE_DECREE,
    GrantError,
    HistoricalGrant,
    NotAllowed,
    may_import_historical,
    write_historical_grants,
)
from tests.factories import InstitutionFactory, ProgramFactory, UserFactory
from tests.grants.helpers import exactly

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 3, 1)


def importer():
    """A user to whom the administrator gave the historical import."""
    user = UserFactory(role=roles.OPERATOR)
    app_label, codename = HISTORICAL_PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return user


def paid_in(year: int, **fields) -> HistoricalGrant:
    values = {
        "program_id": ProgramFactory(year=year).pk,
        "institution_id": InstitutionFactory().pk,
        "amount": 10_000_000,
        "purpose": "Sarana ibadah",
        "decree_number": f"SK/{year}/1",
        "decree_date": datetime.date(year, 3, 1),
        "paid_on": datetime.date(year, 6, 1),
        "note": f"Daftar penerima {year}",
    }
    return HistoricalGrant(**{**values, **fields})


def nothing_written() -> bool:
    return not (
        Grant.objects.exists()
        or GrantEvent.objects.exists()
        or Disbursement.objects.exists()
    )


def test_no_role_may_write_historical_grants():
    app_label, codename = HISTORICAL_PERMISSION.split(".")

    assert not Group.objects.filter(
        permissions__content_type__app_label=app_label,
        permissions__codename=codename,
    ).exists()


@pytest.mark.parametrize("role", [*roles.ROLES, None])
def test_historical_grants_are_refused_to_every_role(role):
    user = UserFactory(role=role)

    with pytest.raises(NotAllowed, match=exactly(MSG_HISTORICAL_NOT_ALLOWED)):
        write_historical_grants([paid_in(2023)], by=user, today=TODAY)

    assert nothing_written()
    assert not may_import_historical(user)


def test_historical_grants_are_refused_to_a_user_holding_every_role():
    user = UserFactory()
    user.groups.add(*Group.objects.filter(name__in=roles.ROLES))

    with pytest.raises(NotAllowed, match=exactly(MSG_HISTORICAL_NOT_ALLOWED)):
        write_historical_grants([paid_in(2023)], by=user, today=TODAY)

    assert nothing_written()


def test_historical_grants_are_refused_without_a_user():
    with pytest.raises(NotAllowed, match=exactly(MSG_HISTORICAL_NOT_ALLOWED)):
        write_historical_grants([paid_in(2023)], by=None, today=TODAY)

    assert nothing_written()


@pytest.mark.parametrize("who", ["granted", "superuser"])
def test_a_user_granted_the_import_writes_grant_event_and_payment(who):
    user = importer() if who == "granted" else UserFactory(is_superuser=True)
    row = paid_in(2023)

    [pk] = write_historical_grants([row], by=user, today=TODAY)

    grant = Grant.objects.get(pk=pk)
    assert (grant.program_id, grant.institution_id) == (
        row.program_id,
        row.institution_id,
    )
    assert grant.status == Grant.Status.DISBURSED
    assert (grant.amount, grant.purpose) == (10_000_000, "Sarana ibadah")
    assert (grant.decree_number, grant.decree_date) == (
        "SK/2023/1",
        datetime.date(2023, 3, 1),
    )
    event = grant.events.get()
    assert (event.from_status, event.to_status) == ("", Grant.Status.DISBURSED)
    assert (event.actor, event.note) == (user, "Daftar penerima 2023")
    payment = grant.disbursements.get()
    assert (payment.paid_on, payment.amount, payment.recorded_by) == (
        datetime.date(2023, 6, 1),
        10_000_000,
        user,
    )


def test_several_past_years_are_written_at_once():
    rows = [paid_in(2022), paid_in(2023), paid_in(2024)]

    ids = write_historical_grants(rows, by=importer(), today=TODAY)

    assert len(ids) == 3
    assert Grant.objects.aided().count() == 3
    assert GrantEvent.objects.count() == Disbursement.objects.count() == 3


@pytest.mark.parametrize("year", [2025, 2026])
def test_this_years_grants_go_through_the_workflow_not_the_import(year):
    with pytest.raises(
        GrantError, match=exactly(MSG_HISTORICAL_PAST_ONLY % {"year": 2025})
    ):
        write_historical_grants([paid_in(year)], by=importer(), today=TODAY)

    assert nothing_written()


def test_one_current_year_row_refuses_the_whole_list():
    with pytest.raises(GrantError):
        write_historical_grants(
            [paid_in(2023), paid_in(2025)], by=importer(), today=TODAY
        )

    assert nothing_written()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decree_number": "  "}, MSG_HISTORICAL_NEEDS_DECREE),
        ({"amount": 0}, MSG_AMOUNT_POSITIVE),
        (
            {"paid_on": datetime.date(2023, 2, 28)},
            MSG_PAID_BEFORE_DECREE % {"date": "28/02/2023", "decree": "01/03/2023"},
        ),
    ],
    ids=["no-decree", "no-amount", "paid-before-decree"],
)
def test_a_historical_grant_needs_its_decree_and_payment(fields, message):
    with pytest.raises(GrantError, match=exactly(message)):
        write_historical_grants([paid_in(2023, **fields)], by=importer(), today=TODAY)

    assert nothing_written()
