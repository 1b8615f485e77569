"""Store a checked plan: every row in one transaction, in a few bulk statements.

Called only inside the caller's transaction and only for a plan without
errors. New grants start as proposed, or, for a historical row, as disbursed
with the payment it records; either way the audit row says which import it
came from. Bulk writes bypass signals, so the report years are marked stale
here.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grants.models import Disbursement, Grant, GrantEvent, Program
from institutions.audit import record_change
from institutions.models import (
    Beneficiary,
    BeneficiaryEnrollment,
    ImportBatch,
    Institution,
)
from reports.summary import mark_stale

from .matching import FIELD_LABELS
from .sinks import sink

NOTE_PROPOSED = gettext_noop(
    "Diusulkan lewat impor #%(batch)s (berkas %(file)s, baris %(row)s)."
)
NOTE_HISTORICAL = gettext_noop(
    "Data lama dari impor #%(batch)s (berkas %(file)s, baris %(row)s): "
    "sudah disalurkan %(paid_on)s; tidak melalui verifikasi di aplikasi."
)
LOG_IMPORTED = gettext_noop("Diperbarui lewat impor #%(batch)s: %(fields)s.")

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
GRANT_FIELDS = (
    "program_id",
    "institution_id",
    "amount",
    "purpose",
    "status",
    "decree_number",
    "decree_date",
    "proposed_by_id",
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


def note(template: str, batch: ImportBatch, grant) -> str:
    """The audit note of an imported grant: which import, file and row."""
    return template % {
        "batch": batch.pk,
        "file": batch.file_name,
        "row": grant.row,
        "paid_on": grant.paid_on.strftime("%d/%m/%Y") if grant.paid_on else "",
    }


def write_recipients(planner, *, batch: ImportBatch, user, stream=None) -> None:
    """Store a recipient or institution plan that has no errors.

    With a `stream`, the new institutions and grants are already in (see
    `streaming`); what is left are the changes to existing records.
    """
    assert planner.report.ok, "a plan with errors is never written"
    rows = sink()
    user_id = user.pk if user is not None else None
    index = planner.institutions

    # Institutions.
    if stream is None:
        planned = list(index.planned.values())
        ids = rows.insert(
            Institution,
            INSTITUTION_FIELDS,
            [institution_values(p) for p in planned],
            constants={"created_by_id": user_id, "import_batch_id": batch.pk},
            with_ids=True,
        )
        institution_pk = {p.ref: pk for p, pk in zip(planned, ids, strict=True)}
    else:
        institution_pk = stream.institution_ids
        # Details that rows after the first gave a new institution.
        rows.update(
            Institution,
            [
                (
                    institution_pk[ref],
                    dict(zip(INSTITUTION_FIELDS, institution_values(p), strict=True)),
                )
                for ref in sorted(index.amended)
                if (p := index.planned[ref])
            ],
        )
    changes = [(pk, new) for pk, new, _old in planner.institution_updates]
    rows.update(Institution, changes)
    _log_updates(
        user,
        Institution,
        changes,
        batch,
        {pk: index.known[pk].name for pk, _v in changes},
    )
    if not planner.with_grants:
        return

    # Programmes the user asked to create: few, so one by one with their history.
    for info in planner.programs.planned:
        if info.pk is None:
            info.pk = Program.objects.create(
                year=info.year, name=info.name, budget_ceiling=info.budget_ceiling
            ).pk
        else:
            Program.objects.filter(pk=info.pk).update(
                budget_ceiling=info.budget_ceiling
            )
        if user is not None:
            record_change(user, Program.objects.get(pk=info.pk), created=True)

    grants = planner.new_grants
    if stream is None:
        _insert_grants(rows, grants, institution_pk, batch, user_id)
    grant_changes = [
        (pk, {"amount": amount, "purpose": purpose})
        for pk, amount, purpose in planner.grant_updates
    ]
    rows.update(Grant, grant_changes)
    _log_updates(user, Grant, grant_changes, batch, {})
    mark_stale(planner.years)


def _insert_grants(rows, grants, institution_pk: dict, batch: ImportBatch, user_id):
    """New grants, each with its audit row, and the payments of historical ones."""
    grant_ids = rows.insert(
        Grant,
        GRANT_FIELDS,
        [
            (
                g.program.pk,
                institution_pk.get(g.institution, g.institution),
                g.amount,
                g.purpose,
                g.status,
                g.decree_number,
                g.decree_date,
                user_id if g.status == Grant.Status.PROPOSED else None,
            )
            for g in grants
        ],
        constants={"import_batch_id": batch.pk},
        with_ids=True,
    )
    proposed, historical = _(NOTE_PROPOSED), _(NOTE_HISTORICAL)
    rows.insert(
        GrantEvent,
        ("grant_id", "from_status", "to_status", "actor_id", "note"),
        [
            (
                pk,
                "",
                g.status,
                user_id,
                note(historical if g.paid_on else proposed, batch, g),
            )
            for pk, g in zip(grant_ids, grants, strict=True)
        ],
    )
    rows.insert(
        Disbursement,
        ("grant_id", "paid_on", "amount"),
        [
            (pk, g.paid_on, g.amount)
            for pk, g in zip(grant_ids, grants, strict=True)
            if g.paid_on is not None
        ],
        constants={"recorded_by_id": user_id},
    )


def write_beneficiaries(planner, *, batch: ImportBatch, user) -> None:
    """Store a beneficiary plan that has no errors."""
    assert planner.report.ok, "a plan with errors is never written"
    rows = sink()
    new = planner.new_people
    ids = rows.insert(
        Beneficiary,
        ("nik", "name", "category", "village_id"),
        [(p.nik, p.name, p.category, p.village) for p in new],
        with_ids=True,
    )
    person_pk = {p.nik: pk for p, pk in zip(new, ids, strict=True)}
    rows.update(Beneficiary, planner.person_updates)
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
