"""Every change of an institution's name, registration, NPWP or bank details is
kept, old and new, with who and when; the history is never edited nor deleted."""

import pytest
from django.db import DatabaseError, connection, transaction

from grants import roles
from institutions.models import Institution, InstitutionChange
from institutions.services import save_institution
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

Field = InstitutionChange.Field

NEW_VALUES = {
    Field.NAME: "Majelis Taklim Nurul Huda",
    Field.REGISTRATION_NUMBER: "460/DINSOS/2025/001",
    Field.NPWP: "0999999999999999",
    Field.BANK_NAME: "Bank BRI",
    Field.ACCOUNT_NUMBER: "9990001112",
    Field.ACCOUNT_HOLDER: "Bendahara Nurul Huda",
}


def edited(institution: Institution, **fields) -> Institution:
    """The institution as a form would bring it back, with these fields changed."""
    institution = Institution.objects.get(pk=institution.pk)
    for name, value in fields.items():
        setattr(institution, name, value)
    return institution


@pytest.fixture
def operator():
    return UserFactory(role=roles.OPERATOR)


@pytest.fixture
def institution():
    return InstitutionFactory()


@pytest.mark.parametrize("field", Field.values)
def test_a_change_of_a_tracked_field_keeps_old_and_new_and_who(
    institution, operator, field
):
    old = getattr(institution, field)

    rows = save_institution(
        edited(institution, **{field: NEW_VALUES[field]}), by=operator
    )

    change = InstitutionChange.objects.get()
    assert rows == [change]
    assert change.institution_id == institution.pk
    assert change.field == field
    assert (change.old_value, change.new_value) == (old, NEW_VALUES[field])
    assert change.changed_by == operator
    assert change.source == InstitutionChange.Source.FORM
    assert change.changed_at is not None
    assert (
        getattr(Institution.objects.get(pk=institution.pk), field) == NEW_VALUES[field]
    )


def test_several_changes_at_once_keep_one_row_each(institution, operator):
    save_institution(edited(institution, **NEW_VALUES), by=operator)

    changes = {c.field: c for c in InstitutionChange.objects.all()}
    assert set(changes) == set(Field.values)
    for field, value in NEW_VALUES.items():
        assert changes[field].old_value == getattr(institution, field)
        assert changes[field].new_value == value


def test_a_value_cleared_is_kept_as_old_value(institution, operator):
    save_institution(edited(institution, npwp=""), by=operator)

    change = InstitutionChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == (
        Field.NPWP,
        institution.npwp,
        "",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"leader_name": "Ketua Baru"},
        {"phone": "081234567890"},
        {"address": "Jl. Baru 1"},
        {"active": False},
        {},
    ],
    ids=["leader", "phone", "address", "active", "nothing"],
)
def test_untracked_fields_leave_no_identity_history(institution, operator, fields):
    rows = save_institution(edited(institution, **fields), by=operator)

    assert rows == []
    assert not InstitutionChange.objects.exists()


def test_a_new_institution_has_no_history_yet(operator):
    institution = InstitutionFactory.build(village=InstitutionFactory().village)

    assert save_institution(institution, by=operator) == []
    assert institution.pk is not None
    assert not InstitutionChange.objects.exists()


def test_the_channel_and_note_of_a_change_are_kept(institution):
    admin = UserFactory(is_superuser=True, is_staff=True)

    save_institution(
        edited(institution, account_number="9990001112"),
        by=admin,
        source=InstitutionChange.Source.ADMIN,
        note="Surat ketua 3 Maret",
    )

    change = InstitutionChange.objects.get()
    assert (change.source, change.note, change.changed_by) == (
        InstitutionChange.Source.ADMIN,
        "Surat ketua 3 Maret",
        admin,
    )


def test_each_later_change_adds_a_row_and_keeps_the_earlier_ones(institution, operator):
    first = institution.account_number
    save_institution(edited(institution, account_number="9990001112"), by=operator)
    other = UserFactory(role=roles.OPERATOR)
    save_institution(edited(institution, account_number="8880001112"), by=other)

    rows = list(
        InstitutionChange.objects.order_by("pk").values_list(
            "old_value", "new_value", "changed_by"
        )
    )
    assert rows == [
        (first, "9990001112", operator.pk),
        ("9990001112", "8880001112", other.pk),
    ]


# Append-only, in Python -----------------------------------------------------------


@pytest.fixture
def change(institution, operator):
    [row] = save_institution(
        edited(institution, account_number="9990001112"), by=operator
    )
    return row


def test_a_change_cannot_be_saved_again(change):
    change.new_value = "1234"

    with pytest.raises(TypeError, match="append-only"):
        change.save()

    assert InstitutionChange.objects.get(pk=change.pk).new_value == "9990001112"


def test_a_change_cannot_be_deleted(change):
    with pytest.raises(TypeError, match="append-only"):
        change.delete()

    assert InstitutionChange.objects.filter(pk=change.pk).exists()


@pytest.mark.parametrize(
    "act",
    [
        lambda changes: changes.update(new_value="1234"),
        lambda changes: changes.delete(),
        lambda changes: InstitutionChange.objects.bulk_update(
            [InstitutionChange(pk=c.pk, new_value="1234") for c in changes],
            ["new_value"],
        ),
    ],
    ids=["update", "delete", "bulk_update"],
)
def test_changes_cannot_be_altered_through_a_queryset(change, act):
    # bulk_update() opens an atomic block without a savepoint: give it one.
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        act(InstitutionChange.objects.filter(pk=change.pk))

    assert InstitutionChange.objects.get(pk=change.pk).new_value == "9990001112"


def test_changes_cannot_be_altered_through_the_institution(change):
    with pytest.raises(TypeError, match="append-only"):
        change.institution.identity_changes.update(new_value="1234")
    with pytest.raises(TypeError, match="append-only"):
        change.institution.identity_changes.all().delete()

    assert InstitutionChange.objects.filter(pk=change.pk).exists()


# Append-only, in the database ------------------------------------------------------


def test_the_database_refuses_a_raw_update_of_a_change(change):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE institutions_institutionchange SET new_value = %s WHERE id = %s",
            ["1234", change.pk],
        )

    assert InstitutionChange.objects.get(pk=change.pk).new_value == "9990001112"


@pytest.mark.postgresql
def test_the_database_refuses_a_raw_delete_of_a_change(change):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "DELETE FROM institutions_institutionchange WHERE id = %s", [change.pk]
        )

    assert InstitutionChange.objects.filter(pk=change.pk).exists()


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        return {name for (name,) in cursor.fetchall()}


EXPECTED_TRIGGER = {"sqlite": "{}_no_update", "postgresql": "{}_no_change"}


@pytest.mark.parametrize(
    "table", ["institutions_institutionchange", "grants_grantevent"]
)
def test_each_audit_table_keeps_its_trigger_after_the_migrations(table):
    # SQLite drops a table's triggers when a migration rebuilds it, as the
    # money-path migration did to grants_grantevent: it must have put them back.
    assert EXPECTED_TRIGGER[connection.vendor].format(table) in triggers_on(table)
