"""Store a checked plan: every row in one transaction, in a few bulk statements.

Called only inside the caller's transaction and only for a plan without
errors. New proposals are written here, each with its audit row and the
importing user as proposer and as the last to set its amount; historical
rows go through `grants.services.write_historical_grants`, which checks the
user's permission again and writes their payments. Changes to an
institution's identity or bank details leave their history (and mark the
grants whose verified account no longer matches). Bulk writes bypass
signals, so the changed years are announced here (reports listen).
"""

from array import array

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.bulk import sink
from grants.models import Grant, GrantEvent, Program
from grants.services import HistoricalGrant, save_program, write_historical_grants
from grants.signals import grants_written_in_bulk
from institutions.models import (
    Beneficiary,
    BeneficiaryEnrollment,
    Institution,
    InstitutionChange,
)
from institutions.services import (
    IDENTITY_FIELDS,
    identity_of,
    record_identity_changes,
)

from .matching import FIELD_LABELS
from .models import ImportBatch

NOTE_PROPOSED = gettext_noop(
    "Diusulkan lewat impor #%(batch)s (berkas %(file)s, baris %(row)s)."
)
NOTE_HISTORICAL = gettext_noop(
    "Data lama dari impor #%(batch)s (berkas %(file)s, baris %(row)s): "
    "sudah disalurkan %(paid_on)s; tidak melalui verifikasi di aplikasi."
)
LOG_IMPORTED = gettext_noop("Diperbarui lewat impor #%(batch)s: %(fields)s.")
NOTE_IDENTITY_CHANGED = gettext_noop("Impor #%(batch)s (berkas %(file)s).")

INSTITUTION_FIELDS = (
    "kind",
    "wksbm_type",
    "name",
    "name_key",
    "village_id",
    "registration_number",
    "address",
    "leader_name",
    "phone",
    "npwp",
    "bank_name",
    "account_number",
    "account_holder",
    "email",
    "registration_date",
    "registration_issuer",
    "permit_number",
    "permit_expires_on",
    "accreditation",
    "accreditation_expires_on",
)
# Rows per statement (and per COPY); a test sets it to 1 to cross every boundary.
CHUNK_ROWS = 5000
# A new proposal; the importing user proposed it and set its amount.
GRANT_FIELDS = (
    "program_id",
    "institution_id",
    "amount",
    "purpose",
    "status",
    "proposed_by_id",
    "content_changed_by_id",
)


def _log_updates(
    user, model, changes: list[tuple[int, dict]], batch: ImportBatch, names: dict
) -> None:
    """One history row per changed record, as a form would leave, saying which import."""
    if user is None or not changes:
        return
    content_type = ContentType.objects.get_for_model(model)
    LogEntry.objects.bulk_create(
        LogEntry(
            user_id=user.pk,
            content_type=content_type,
            object_id=str(pk),
            object_repr=str(names.get(pk, pk))[:200],
            action_flag=CHANGE,
            change_message=_(LOG_IMPORTED)
            % {
                "batch": batch.pk,
                "fields": ", ".join(_(FIELD_LABELS.get(f, f)) for f in values),
            },
        )
        for pk, values in changes
    )


def institution_values(planned) -> tuple:
    """A planned institution in the order of `INSTITUTION_FIELDS`."""
    fields = planned.fields
    return (
        planned.kind,
        fields.get("wksbm_type", ""),
        planned.name,
        planned.name_key,
        planned.village,
        planned.registration,
        fields.get("address", ""),
        fields.get("leader_name", ""),
        fields.get("phone", ""),
        fields.get("npwp", ""),
        fields.get("bank_name", ""),
        fields.get("account_number", ""),
        fields.get("account_holder", ""),
        fields.get("email", ""),
        fields.get("registration_date"),
        fields.get("registration_issuer", ""),
        fields.get("permit_number", ""),
        fields.get("permit_expires_on"),
        fields.get("accreditation", ""),
        fields.get("accreditation_expires_on"),
    )


class Notes:
    """The audit notes of one import's grants: which import, file and row.

    The template is translated and given its import and file once; each
    grant adds its row (and payment date), a row at a time.
    """

    def __init__(self, template: str, batch: ImportBatch):
        self.template = template.replace("%(batch)s", str(batch.pk)).replace(
            "%(file)s", batch.file_name.replace("%", "%%")
        )

    def __call__(self, grant) -> str:
        paid_on = grant.paid_on
        return self.template % {
            "row": grant.row,
            # What strftime("%d/%m/%Y") writes, without its cost on every row.
            "paid_on": f"{paid_on.day:02}/{paid_on.month:02}/{paid_on.year}"
            if paid_on
            else "",
        }


class InstitutionKeys:
    """Database keys of the institutions a plan refers to: existing ones by
    their pk (positive refs), planned ones as they are written (negative refs,
    dense from -1, so an array holds them)."""

    def __init__(self, planned_count: int):
        self.planned = array("q", bytes(8 * (planned_count + 1)))

    def __getitem__(self, ref: int) -> int:
        return self.planned[-ref] if ref < 0 else ref

    def add(self, refs, pks) -> None:
        for ref, pk in zip(refs, pks, strict=True):
            self.planned[-ref] = pk


def write_recipients(planner, *, batch: ImportBatch, user, progress=None) -> None:
    """Store a recipient or institution plan that has no errors.

    Rows go in `CHUNK_ROWS` at a time, read back from the plan's scratch
    file, so that memory and statements stay small whatever the size of the
    list; all of them in the caller's transaction. `progress(rows)`, when
    given, hears how many database rows each chunk wrote.
    """
    progress = progress or _no_progress
    assert planner.report.ok, "a plan with errors is never written"
    rows = sink()
    user_id = user.pk if user is not None else None
    index = planner.institutions
    scratch = planner.scratch

    # Institutions.
    institution_pk = InstitutionKeys(index.planned_count)
    for chunk in scratch.institutions(CHUNK_ROWS):
        ids = rows.insert(
            Institution,
            INSTITUTION_FIELDS,
            [institution_values(p) for p in chunk],
            constants={"created_by_id": user_id, "import_batch_id": batch.pk},
            with_ids=True,
        )
        institution_pk.add((p.ref for p in chunk), ids)
        progress(len(chunk))
    changes = [(pk, new) for pk, new, _old in planner.institution_updates]
    rows.update(Institution, changes)
    progress(len(changes))
    _log_updates(
        user,
        Institution,
        changes,
        batch,
        {pk: index.known[pk].name for pk, _v in changes},
    )
    _record_identity_changes(planner.institution_updates, batch=batch, user=user)
    if not planner.with_grants:
        _check_constraints(Institution)
        return

    # Programmes the user asked to create, with the ceiling they typed: few,
    # so one by one through the service that checks the user may.
    programs = planner.programs
    for info in programs.planned:
        info.pk = save_program(
            Program(year=info.year, name=info.name, budget_ceiling=info.budget_ceiling),
            by=user,
        ).pk
    program_pk = {ref: info.pk for ref, info in programs.by_ref.items()}

    for chunk in scratch.grants((Grant.Status.PROPOSED,), CHUNK_ROWS):
        _insert_proposals(rows, chunk, institution_pk, program_pk, batch, user_id)
        progress(len(chunk))
    # Translated once: per row, the lookup would cost more than the row's COPY.
    historical = Notes(_(NOTE_HISTORICAL), batch)
    for chunk in scratch.grants((Grant.Status.DISBURSED,), CHUNK_ROWS):
        write_historical_grants(
            [_historical(g, institution_pk, program_pk, historical) for g in chunk],
            by=user,
            import_batch_id=batch.pk,
            today=planner.today,
            # Only the command line imports without a user (see the planner).
            administrator=user is None,
        )
        progress(len(chunk))
    rows.update(
        Grant,
        [
            # Whoever set the amount may not verify or approve it.
            (pk, {"amount": amount, "purpose": purpose, "content_changed_by": user})
            for pk, amount, purpose in planner.grant_updates
        ],
    )
    _log_updates(
        user,
        Grant,
        [
            (pk, {"amount": amount, "purpose": purpose})
            for pk, amount, purpose in planner.grant_updates
        ],
        batch,
        {},
    )
    progress(len(planner.grant_updates))
    grants_written_in_bulk.send(sender=Grant, years=sorted(set(planner.years)))
    _check_constraints(Institution, Grant, GrantEvent)


def _no_progress(rows: int) -> None:
    pass


def _check_constraints(*models) -> None:
    """Check deferred foreign keys now, inside the caller's savepoint, so that a
    violation is the import's failure rather than the commit's."""
    connection.check_constraints(table_names=[m._meta.db_table for m in models])


def _historical(
    grant, institution_pk: InstitutionKeys, program_pk: dict, note: Notes
) -> HistoricalGrant:
    return HistoricalGrant(
        program_id=program_pk[grant.program],
        institution_id=institution_pk[grant.institution],
        amount=grant.amount,
        purpose=grant.purpose,
        decree_number=grant.decree_number,
        decree_date=grant.decree_date,
        paid_on=grant.paid_on,
        note=note(grant),
    )


def _record_identity_changes(updates, *, batch: ImportBatch, user) -> None:
    """Keep the history of the identity and bank details the import changed.

    The planner knows the old values of the fields it changes; the others
    are as stored, so only real changes are recorded.
    """
    identity = set(IDENTITY_FIELDS)
    old_values = {
        pk: {f: v or "" for f, v in old.items() if f in identity}
        for pk, new, old in updates
        if identity.intersection(new)
    }
    if not old_values:
        return
    changed = []
    pks = sorted(old_values)
    for start in range(0, len(pks), 2000):
        for institution in Institution.objects.filter(pk__in=pks[start : start + 2000]):
            before = identity_of(institution) | old_values[institution.pk]
            changed.append((institution, before))
    record_identity_changes(
        changed,
        by=user,
        source=InstitutionChange.Source.IMPORT,
        note=_(NOTE_IDENTITY_CHANGED) % {"batch": batch.pk, "file": batch.file_name},
    )


def _insert_proposals(
    rows,
    grants,
    institution_pk: InstitutionKeys,
    program_pk: dict,
    batch: ImportBatch,
    user_id,
) -> None:
    """New proposals, each with its audit row."""
    grant_ids = rows.insert(
        Grant,
        GRANT_FIELDS,
        [
            (
                program_pk[g.program],
                institution_pk[g.institution],
                g.amount,
                g.purpose,
                Grant.Status.PROPOSED,
                user_id,
                user_id,
            )
            for g in grants
        ],
        constants={"import_batch_id": batch.pk},
        with_ids=True,
    )
    note = Notes(_(NOTE_PROPOSED), batch)
    rows.insert(
        GrantEvent,
        ("grant_id", "from_status", "to_status", "actor_id", "note"),
        [
            (pk, "", Grant.Status.PROPOSED, user_id, note(g))
            for pk, g in zip(grant_ids, grants, strict=True)
        ],
    )


def write_beneficiaries(planner, *, batch: ImportBatch, user, progress=None) -> None:
    """Store a beneficiary plan that has no errors (`progress` as for recipients)."""
    assert planner.report.ok, "a plan with errors is never written"
    progress = progress or _no_progress
    rows = sink()
    new = planner.new_people
    ids = rows.insert(
        Beneficiary,
        ("nik", "name", "category", "village_id"),
        [(p.nik, p.name, p.category, p.village) for p in new],
        with_ids=True,
    )
    person_pk = {p.nik: pk for p, pk in zip(new, ids, strict=True)}
    progress(len(new))
    rows.update(Beneficiary, planner.person_updates)
    progress(len(planner.person_updates))
    _log_updates(user, Beneficiary, planner.person_updates, batch, {})
    rows.insert(
        BeneficiaryEnrollment,
        ("beneficiary_id", "institution_id", "year"),
        [
            (person_pk.get(nik, pk), planner.institution.pk, planner.year)
            for nik, pk in planner.new_enrollments
        ],
        constants={"import_batch_id": batch.pk},
    )
    progress(len(planner.new_enrollments))
    _check_constraints(Beneficiary, BeneficiaryEnrollment)
