"""An import follows the money path: proposals into open programmes, historical
grants only from a permitted user for past years, identity changes on record."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from grants import roles, services
from grants.models import Disbursement, Grant, GrantEvent, Program
from imports import programs
from institutions.models import Institution, InstitutionChange
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

from .conftest import LAST_YEAR, THIS_YEAR, VILLAGE, csv_bytes, messages, run, snapshot

pytestmark = pytest.mark.django_db

HEADER = [
    "tahun", "jenis_lembaga", "nama_lembaga", "kode_desa", "bank", "nomor_rekening",
    "nama_rekening", "nilai_bantuan", "peruntukan", "status", "nomor_sk",
    "tanggal_salur",
]  # fmt: skip
NAME = "Karang Taruna Tunas Harapan"


def row(**values) -> list[str]:
    base = {
        "tahun": str(THIS_YEAR),
        "jenis_lembaga": "Karang Taruna",
        "nama_lembaga": NAME,
        "kode_desa": VILLAGE,
        "nilai_bantuan": "15.000.000",
    }
    base.update(values)
    return [base.get(column, "") for column in HEADER]


def historical(**values) -> list[str]:
    """A row of a grant paid last year, before the app."""
    return row(
        **{
            "tahun": str(LAST_YEAR),
            "status": "disalurkan",
            "nomor_sk": "188.44/KEP/12",
            "tanggal_salur": f"17/06/{LAST_YEAR}",
            **values,
        }
    )


def a_list(*rows) -> bytes:
    return csv_bytes(list(rows), header=HEADER)


def errors(report) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in report.errors]


# Historical grants -----------------------------------------------------------------


def test_an_operators_list_with_a_disbursed_row_is_refused_and_writes_nothing(
    program, last_years_program, operator
):
    before = snapshot()
    report, batch = run(
        a_list(
            row(),
            historical(
                jenis_lembaga="Majelis Taklim", nama_lembaga="Majelis Taklim Al-Ikhlas"
            ),
        ),
        user=operator,
    )
    assert batch is None
    assert errors(report) == [(3, "status", services.MSG_HISTORICAL_NOT_ALLOWED)]
    assert snapshot() == before


def test_a_user_granted_the_historical_import_writes_grant_event_and_payment(
    last_years_program, historian
):
    report, batch = run(a_list(historical()), user=historian)
    assert report.ok, messages(report)
    grant = Grant.objects.get()
    assert (grant.status, grant.amount, grant.import_batch) == (
        Grant.Status.DISBURSED,
        15_000_000,
        batch,
    )
    event = GrantEvent.objects.get(grant=grant)
    assert (event.to_status, event.actor) == (Grant.Status.DISBURSED, historian)
    payment = Disbursement.objects.get(grant=grant)
    assert (payment.amount, payment.recorded_by) == (15_000_000, historian)


def test_a_command_without_a_user_is_the_administrator_and_may_import_history(
    last_years_program,
):
    report, batch = run(a_list(historical()), user=None)
    assert report.ok, errors(report)
    grant = Grant.objects.get(import_batch=batch)
    assert grant.status == Grant.Status.DISBURSED
    assert grant.events.get().actor is None


@pytest.mark.parametrize("year", [THIS_YEAR, THIS_YEAR + 1])
def test_a_historical_row_for_this_year_or_later_is_refused(regions, historian, year):
    ProgramFactory(year=year, decree_number="SK/1")
    before = snapshot()
    report, _ = run(
        a_list(historical(tahun=str(year), tanggal_salur=f"17/06/{year}")),
        user=historian,
    )
    assert errors(report) == [
        (2, "tahun", services.historical_year_error(year, timezone.localdate()))
    ]
    assert snapshot() == before


@pytest.mark.parametrize("status", ["terverifikasi", "disetujui", "selesai"])
def test_a_new_grant_never_arrives_checked_or_approved(
    program, operator, historian, status
):
    report, _ = run(a_list(row(status=status)), user=operator, dry_run=True)
    assert errors(report) == [(2, "status", services.MSG_HISTORICAL_NOT_ALLOWED)]
    report, _ = run(a_list(row(status=status)), user=historian, dry_run=True)
    assert report.errors[0].column == "status"
    assert "hanya dapat diimpor berstatus diusulkan" in report.errors[0].message


# Programmes --------------------------------------------------------------------------


def test_an_operator_cannot_have_programmes_created_from_the_file(regions, operator):
    before = snapshot()
    report, _ = run(a_list(historical()), user=operator, create_programs=True)
    assert (2, "tahun", programs.MSG_PROGRAM_BY_PIMPINAN % {"year": LAST_YEAR}) in (
        errors(report)
    )
    assert not Program.objects.exists()
    assert snapshot() == before


@pytest.mark.parametrize("year", [THIS_YEAR, THIS_YEAR + 1])
def test_this_and_next_years_programmes_are_never_created_from_the_file(
    regions, historian, year
):
    before = snapshot()
    report, _ = run(a_list(row(tahun=str(year))), user=historian, create_programs=True)
    assert errors(report) == [
        (2, "tahun", programs.MSG_PROGRAM_BY_PIMPINAN % {"year": year})
    ]
    assert snapshot() == before


def test_a_missing_programme_tells_an_operator_who_makes_it(regions, operator):
    report, _ = run(a_list(row()), user=operator, dry_run=True)
    assert errors(report) == [
        (2, "tahun", programs.MSG_PROGRAM_BY_PIMPINAN % {"year": THIS_YEAR})
    ]


def test_a_proposal_into_a_closed_programme_is_refused(regions, operator):
    ProgramFactory(name="Hibah Lembaga", closed_at=timezone.now())
    before = snapshot()
    report, _ = run(a_list(row()), user=operator)
    assert errors(report) == [(2, "program", services.MSG_PROGRAM_CLOSED)]
    assert snapshot() == before


def test_a_proposal_into_a_past_years_programme_is_refused(
    last_years_program, operator
):
    before = snapshot()
    report, _ = run(a_list(row(tahun=str(LAST_YEAR))), user=operator)
    assert errors(report) == [
        (
            2,
            "tahun",
            services.MSG_PROGRAM_YEAR
            % {"this": THIS_YEAR, "next": THIS_YEAR + 1, "year": LAST_YEAR},
        )
    ]
    assert snapshot() == before


def test_a_proposal_into_next_years_programme_is_accepted(regions, operator):
    ProgramFactory(year=THIS_YEAR + 1)
    report, _ = run(a_list(row(tahun=str(THIS_YEAR + 1))), user=operator)
    assert report.ok, messages(report)
    assert Grant.objects.get().status == Grant.Status.PROPOSED


# Separation of duties ------------------------------------------------------------


def test_an_imported_proposal_is_the_importers_to_propose_not_to_verify(
    program, operator
):
    report, _ = run(a_list(row()), user=operator)
    assert report.ok, messages(report)
    grant = Grant.objects.get()
    assert (grant.proposed_by, grant.content_changed_by) == (operator, operator)
    assert services.duty_conflict(grant, operator, "verify") == (
        services.MSG_OWN_PROPOSAL
    )


@pytest.mark.parametrize("status", [Grant.Status.PROPOSED, Grant.Status.NEEDS_REVISION])
def test_changing_a_proposals_amount_by_import_makes_the_importer_its_last_changer(
    program, operator, status
):
    proposer = operator.__class__.objects.create(username="operator_lain")
    institution = InstitutionFactory(karang_taruna=True, name=NAME, village_id=VILLAGE)
    grant = GrantFactory(
        program=program,
        institution=institution,
        amount=15_000_000,
        status=status,
        proposed_by=proposer,
        content_changed_by=proposer,
    )
    report, _ = run(
        a_list(row(nilai_bantuan="20.000.000", peruntukan="Alat olahraga")),
        user=operator,
    )
    assert report.rows_updated == 1, messages(report)
    grant.refresh_from_db()
    assert (grant.amount, grant.purpose) == (20_000_000, "Alat olahraga")
    assert grant.content_changed_by == operator
    assert services.duty_conflict(grant, operator, "verify") == services.MSG_OWN_CHANGE


# Identity and bank details -------------------------------------------------------


def test_a_bank_change_by_import_is_on_record_and_holds_the_approved_grant(
    program, operator
):
    institution = InstitutionFactory(
        karang_taruna=True,
        name=NAME,
        village_id=VILLAGE,
        bank_name="Bank SulutGo",
        account_number="0012345678901",
        account_holder=NAME,
    )
    grant = GrantFactory(
        program=program, institution=institution, amount=15_000_000, approved=True
    )
    report, batch = run(
        a_list(row(bank="BRI", nomor_rekening="0099999999999", nama_rekening=NAME)),
        user=operator,
    )
    assert (report.rows_updated, report.rows_new) == (1, 0), messages(report)
    changes = {
        c.field: (c.old_value, c.new_value, c.source, c.changed_by)
        for c in InstitutionChange.objects.filter(institution=institution)
    }
    assert changes == {
        "bank_name": ("Bank SulutGo", "BRI", "import", operator),
        "account_number": ("0012345678901", "0099999999999", "import", operator),
    }
    assert {c.note for c in InstitutionChange.objects.all()} == {
        f"Impor #{batch.pk} (berkas daftar.csv)."
    }
    mark = GrantEvent.objects.get(grant=grant)
    assert (mark.kind, mark.actor) == (GrantEvent.Kind.BANK_CHANGED, operator)
    assert "0099999999999" in mark.note
    assert list(Grant.objects.bank_change_pending()) == [grant]
    assert services.duty_conflict(grant, operator, "confirm_bank") == (
        services.MSG_OWN_BANK_CHANGE
    )


def test_an_institution_list_keeps_the_history_of_identity_changes(regions, operator):
    institution = InstitutionFactory(
        name="Rukun Duka Sejahtera", village_id=VILLAGE, registration_number=""
    )
    content = csv_bytes(
        [["WKSBM", "Rukun Duka Sejahtera", VILLAGE, "REG/9", "081234567890"]],
        header=[
            "jenis_lembaga",
            "nama_lembaga",
            "kode_desa",
            "nomor_register",
            "telepon",
        ],
    )
    report, _ = run(content, kind="lembaga", user=operator)
    assert report.rows_updated == 1, messages(report)
    institution.refresh_from_db()
    assert institution.registration_number == "REG/9"
    change = InstitutionChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == (
        "registration_number",
        "",
        "REG/9",
    )
    assert not GrantEvent.objects.exists()
    assert Institution.objects.count() == 1


def test_a_user_without_the_proposing_role_cannot_propose_by_import(program):
    # Importing is the Operator's; an admin may give it to another role.
    treasurer = UserFactory(role=roles.BENDAHARA)
    treasurer.user_permissions.add(
        Permission.objects.get(codename="add_importbatch"),
        Permission.objects.get(codename="add_institution"),
    )
    existing = GrantFactory(
        program=program,
        institution=InstitutionFactory(
            karang_taruna=True, name="Karang Taruna Bina Remaja"
        ),
    )
    before = snapshot()

    report, batch = run(
        a_list(
            row(),
            row(
                nama_lembaga="Karang Taruna Bina Remaja",
                kode_desa=existing.institution.village_id,
                nilai_bantuan="99.000.000",
            ),
        ),
        user=treasurer,
    )

    assert batch is None
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "status", services.MSG_NO_PERMISSION),
        (3, "nilai_bantuan", services.MSG_NO_PERMISSION),
    ]
    assert snapshot() == before
