"""Changes to institutions that must leave a trace: identity and bank details."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Institution, InstitutionChange, InstitutionDocument
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


def upload_documents(
    institution: Institution,
    rows: Iterable[dict],
    *,
    by: AbstractBaseUser,
) -> list[InstitutionDocument]:
    """Store an institution's document scans together: all of them or none.

    Each row (kind, number, issued_on, expires_on, file) becomes the document
    in force for its kind; the ones it replaces are kept as history. Every row
    is checked before the first file is written, and files already written
    are removed again if storing a later one fails.
    """
    documents = [
        InstitutionDocument(institution=institution, uploaded_by=by, **row)
        for row in rows
    ]
    if not documents:
        raise ValidationError(_("Tidak ada pindaian dokumen untuk disimpan."))
    for document in documents:
        document.full_clean(exclude=["institution", "uploaded_by"])
    stored = []
    try:
        with transaction.atomic():
            for document in documents:
                document.save()
                stored.append(document.file)
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise
    return documents
