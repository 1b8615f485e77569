"""Changes to institutions that must leave a trace: identity and bank details."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .models import Institution, InstitutionChange
from .signals import bank_account_changed

IDENTITY_FIELDS = tuple(InstitutionChange.Field.values)


def identity_of(institution: Institution) -> dict[str, str]:
    return {field: getattr(institution, field) or "" for field in IDENTITY_FIELDS}


@transaction.atomic
def save_institution(
    institution: Institution,
    *,
    by: AbstractBaseUser | None,
    source: str = InstitutionChange.Source.FORM,
    note: str = "",
) -> list[InstitutionChange]:
    """Save an institution, keeping every change of its identity or bank details."""
    if institution.pk is None:
        institution.save()
        return []
    # Locking the row orders this change against a payment to its account.
    before = Institution.objects.select_for_update().get(pk=institution.pk)
    institution.save()
    return record_identity_changes(
        [(institution, identity_of(before))], by=by, source=source, note=note
    )


def record_identity_changes(
    changed: Iterable[tuple[Institution, dict[str, str]]],
    *,
    by: AbstractBaseUser | None,
    source: str,
    note: str = "",
) -> list[InstitutionChange]:
    """Write the history rows for institutions already saved, given their old values.

    Called inside the transaction that saved them; those whose bank details
    changed are announced with `bank_account_changed`.
    """
    rows: list[InstitutionChange] = []
    banks: list[tuple[Institution, list[InstitutionChange]]] = []
    for institution, old in changed:
        new = identity_of(institution)
        changes = [
            InstitutionChange(
                institution=institution,
                field=field,
                old_value=old.get(field, ""),
                new_value=new[field],
                source=source,
                note=note[:255],
                changed_by=by,
            )
            for field in IDENTITY_FIELDS
            if old.get(field, "") != new[field]
        ]
        rows += changes
        bank_changes = [change for change in changes if change.is_bank_change]
        if bank_changes:
            banks.append((institution, bank_changes))
    InstitutionChange.objects.bulk_create(rows)
    for institution, bank_changes in banks:
        bank_account_changed.send(
            sender=Institution, institution=institution, changes=bank_changes, by=by
        )
    return rows
