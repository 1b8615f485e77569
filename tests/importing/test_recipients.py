"""Recipient lists: matching, programmes, history, and all-or-nothing."""

import datetime

import pytest

from grants import services
from grants.models import Disbursement, Grant, GrantEvent, Program
from imports import cells, programs, recipients
from imports.models import ImportBatch
from institutions.models import Institution, Regency, StaffProfile
from reports.models import AidSummary, StatusSummary, SummaryState
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

from .conftest import (
    LAST_YEAR,
    THIS_YEAR,
    VILLAGE,
    csv_bytes,
    messages,
    run,
    snapshot,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

FULL = [
    "tahun", "program", "jenis_lembaga", "jenis_wksbm", "nama_lembaga", "nomor_register",
    "kode_desa", "desa", "kecamatan", "kabupaten", "alamat", "ketua", "telepon",
    "bank", "nomor_rekening", "nama_rekening", "nilai_bantuan", "peruntukan",
    "status", "nomor_sk", "tanggal_sk", "tanggal_salur",
]  # fmt: skip


def row(**values) -> list[str]:
    base = {
        "tahun": str(THIS_YEAR),
        "jenis_lembaga": "Karang Taruna",
        "nama_lembaga": "Karang Taruna Tunas Harapan",
        "kode_desa": VILLAGE,
        "alamat": "Jl. Trans Sulawesi",
        "ketua": "Rahmat Hasan",
        "telepon": "081234567890",
        "bank": "Bank SulutGo",
        "nomor_rekening": "0012345678901",
        "nama_rekening": "Karang Taruna Tunas Harapan",
        "nilai_bantuan": "Rp 15.000.000",
    }
    base.update(values)
    return [base.get(column, "") for column in FULL]


def full_csv(*rows, **kwargs) -> bytes:
    return csv_bytes(list(rows), header=FULL, **kwargs)


def test_a_new_institution_and_its_proposal_are_created(program, operator, committed):
    with committed():
        report, batch = run(full_csv(row()), user=operator)
    assert report.ok, messages(report)
    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (1, 0, 0)
    institution = Institution.objects.get()
    assert institution.kind == Institution.Kind.KARANG_TARUNA
    assert institution.name_key == "karang taruna tunas harapan"
    assert institution.account_number == "0012345678901"
    assert institution.import_batch == batch
    assert institution.created_by == operator
    grant = Grant.objects.get()
    assert (grant.program, grant.amount, grant.status) == (
        program,
        15_000_000,
        "proposed",
    )
    assert grant.import_batch == batch
    assert (grant.proposed_by, grant.content_changed_by) == (operator, operator)
    event = GrantEvent.objects.get()
    assert (event.from_status, event.to_status, event.actor) == (
        "",
        "proposed",
        operator,
    )
    assert f"impor #{batch.pk}" in event.note
    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.rows_total, batch.rows_new) == (1, 1)
    # Recounted once the import committed.
    assert not SummaryState.objects.get(year=THIS_YEAR).stale
    assert StatusSummary.objects.get(year=THIS_YEAR).status == "proposed"


def test_importing_the_same_file_again_changes_nothing(program, operator):
    content = full_csv(
        row(),
        row(nama_lembaga="Majelis Taklim Al-Ikhlas", jenis_lembaga="Majelis Taklim"),
    )
    first, _batch = run(content, user=operator)
    assert first.rows_new == 2
    before = snapshot()
    again, batch = run(content, user=operator)
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 2)
    assert batch is None, "nothing to import, so no batch either"
    assert snapshot() == before
    assert any("sudah diimpor" in note for note in again.notes)


def test_the_same_institution_spelled_differently_is_found(program, operator):
    InstitutionFactory(
        karang_taruna=True, name="Karang Taruna Tunas-Harapan", village_id=VILLAGE
    )
    report, _batch = run(
        full_csv(row(nama_lembaga="KARANG TARUNA TUNAS HARAPAN")), user=operator
    )
    assert report.ok, messages(report)
    assert Institution.objects.count() == 1
    assert report.rows_new == 1  # the grant is new


def test_an_institution_is_found_by_its_registration_number_first(program, operator):
    known = InstitutionFactory(
        name="Majelis Taklim Nurul Huda",
        registration_number="REG/1",
        village_id=VILLAGE,
    )
    report, _batch = run(
        full_csv(
            row(
                jenis_lembaga="WKSBM",
                nama_lembaga="MT Nurul Huda",
                nomor_register="REG/1",
            )
        ),
        user=operator,
    )
    assert report.ok, messages(report)
    assert Grant.objects.get().institution == known
    assert "nama tercatat tetap dipakai" in report.warnings[0].message


def test_changed_details_update_the_institution_and_count_as_updated(program, operator):
    run(full_csv(row()), user=operator)
    report, _batch = run(full_csv(row(telepon="085298765432")), user=operator)
    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (0, 1, 0)
    assert Institution.objects.get().phone == "085298765432"
    assert "081234567890" in report.changes[0]


def test_a_blank_cell_does_not_erase_what_is_recorded(program, operator):
    run(full_csv(row()), user=operator)
    report, _batch = run(full_csv(row(telepon="", alamat="")), user=operator)
    assert report.rows_unchanged == 1
    assert Institution.objects.get().phone == "081234567890"


def test_a_proposals_amount_is_updated_but_not_once_verified(program, operator):
    run(full_csv(row()), user=operator)
    report, _batch = run(full_csv(row(nilai_bantuan="20.000.000")), user=operator)
    assert report.rows_updated == 1
    assert Grant.objects.get().amount == 20_000_000
    Grant.objects.update(status=Grant.Status.VERIFIED)
    before = snapshot()
    report, _batch = run(full_csv(row(nilai_bantuan="25.000.000")), user=operator)
    assert "tidak dapat diubah lewat impor" in messages(report)
    assert snapshot() == before


def test_a_historical_row_is_recorded_as_disbursed_with_its_payment(
    last_years_program, historian, committed
):
    with committed():
        report, batch = run(
            full_csv(
                row(
                    tahun=str(LAST_YEAR),
                    status="disalurkan",
                    nomor_sk="188.44/KEP/77",
                    tanggal_sk=f"01/03/{LAST_YEAR}",
                    tanggal_salur=f"17/06/{LAST_YEAR}",
                )
            ),
            user=historian,
        )
    assert report.ok, messages(report)
    grant = Grant.objects.get()
    assert (grant.status, grant.program) == (Grant.Status.DISBURSED, last_years_program)
    assert (grant.decree_number, grant.decree_date) == (
        "188.44/KEP/77",
        datetime.date(LAST_YEAR, 3, 1),
    )
    assert (grant.proposed_by, grant.import_batch) == (None, batch)
    disbursement = Disbursement.objects.get()
    assert (
        disbursement.grant,
        disbursement.paid_on,
        disbursement.amount,
        disbursement.recorded_by,
    ) == (grant, datetime.date(LAST_YEAR, 6, 17), 15_000_000, historian)
    event = GrantEvent.objects.get()
    assert (event.from_status, event.to_status, event.actor) == (
        "",
        Grant.Status.DISBURSED,
        historian,
    )
    assert f"impor #{batch.pk}" in event.note and "daftar.csv" in event.note
    # Recounted once the import committed.
    assert not SummaryState.objects.get(year=LAST_YEAR).stale
    assert AidSummary.objects.get(year=LAST_YEAR).grants == 1


def test_a_historical_row_without_a_decree_takes_its_programmes(
    last_years_program, historian
):
    report, _batch = run(
        full_csv(
            row(
                tahun=str(LAST_YEAR),
                status="disalurkan",
                tanggal_salur=f"17/06/{LAST_YEAR}",
            )
        ),
        user=historian,
    )
    assert report.ok, messages(report)
    grant = Grant.objects.get()
    assert (grant.decree_number, grant.decree_date) == (
        last_years_program.decree_number,
        last_years_program.decree_date,
    )


def test_a_historical_row_without_any_decree_is_refused(regions, historian):
    ProgramFactory(year=LAST_YEAR, decree_number="")
    before = snapshot()
    report, batch = run(
        full_csv(
            row(
                tahun=str(LAST_YEAR),
                status="disalurkan",
                tanggal_salur=f"17/06/{LAST_YEAR}",
            )
        ),
        user=historian,
    )
    assert batch is None
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "nomor_sk", services.MSG_HISTORICAL_NEEDS_DECREE)
    ]
    assert snapshot() == before


def test_a_historical_payment_before_its_decree_is_refused(
    last_years_program, historian
):
    report, _batch = run(
        full_csv(
            row(
                tahun=str(LAST_YEAR),
                status="disalurkan",
                tanggal_salur=f"17/01/{LAST_YEAR}",
            )
        ),
        user=historian,
        dry_run=True,
    )
    assert report.errors[0].column == "tanggal_salur"
    assert "tidak boleh sebelum tanggal SK penetapan" in report.errors[0].message


def test_a_disbursed_row_needs_its_date_and_a_date_needs_the_status(
    program, last_years_program, historian
):
    before = snapshot()
    report, _ = run(
        full_csv(
            row(tahun=str(LAST_YEAR), status="disalurkan"),
            row(
                nama_lembaga="KT Lain",
                kode_desa="75.02.01.2005",
                tanggal_salur=f"01/06/{THIS_YEAR}",
            ),
        ),
        user=historian,
    )
    text = messages(report)
    assert recipients.MSG_PAID_ON_REQUIRED in text
    assert "kosongkan tanggal salur" in text
    assert snapshot() == before


def test_a_disbursement_beyond_the_programmes_ceiling_is_refused(regions, historian):
    ProgramFactory(year=LAST_YEAR, budget_ceiling=20_000_000, decree_number="SK/1")
    before = snapshot()
    report, _ = run(
        full_csv(
            row(
                tahun=str(LAST_YEAR),
                status="disalurkan",
                tanggal_salur=f"01/06/{LAST_YEAR}",
            ),
            row(
                tahun=str(LAST_YEAR),
                nama_lembaga="KT Dua",
                kode_desa="75.02.01.2005",
                status="disalurkan",
                tanggal_salur=f"01/06/{LAST_YEAR}",
            ),
        ),
        user=historian,
    )
    assert "melampaui sisa pagu" in messages(report)
    assert snapshot() == before


def test_the_ceiling_counts_the_programmes_approved_and_aided_grants(
    regions, historian
):
    old = ProgramFactory(
        year=LAST_YEAR, budget_ceiling=30_000_000, decree_number="SK/1"
    )
    GrantFactory(program=old, amount=10_000_000, approved=True)
    GrantFactory(program=old, amount=10_000_000, disbursed=True)
    GrantFactory(program=old, amount=10_000_000)  # a proposal takes nothing yet
    report, _ = run(
        full_csv(
            row(
                tahun=str(LAST_YEAR),
                status="disalurkan",
                tanggal_salur=f"01/06/{LAST_YEAR}",
            )
        ),
        user=historian,
        dry_run=True,
    )
    assert "sisa pagu program" in messages(report)
    assert "Rp10.000.000" in messages(report)


def test_a_year_without_a_programme_is_created_only_by_a_manager_with_typed_ceilings(
    regions, historian, manager
):
    two_years_ago = str(LAST_YEAR - 1)
    rows = (
        row(
            tahun=str(LAST_YEAR),
            status="disalurkan",
            nomor_sk="SK/A",
            tanggal_salur=f"01/06/{LAST_YEAR}",
        ),
        row(
            tahun=two_years_ago,
            jenis_lembaga="WKSBM",
            nama_lembaga="Rukun Duka Lama",
            nilai_bantuan="5.000.000",
            status="disalurkan",
            nomor_sk="SK/B",
            tanggal_salur=f"01/06/{two_years_ago}",
        ),
    )
    before = snapshot()
    report, _ = run(full_csv(*rows), user=historian, create_programs=True)
    assert "Program dibuat oleh Pimpinan" in messages(report)
    report, _ = run(full_csv(*rows), user=manager)
    assert "belum memiliki program" in messages(report)
    # Asked to create them, the manager must still type each ceiling.
    report, _ = run(full_csv(*rows), user=manager, create_programs=True)
    assert messages(report).count("isi pagunya") == 2
    assert [(p["year"], p["needed"]) for p in report.new_programs] == [
        (LAST_YEAR, 15_000_000),
        (LAST_YEAR - 1, 5_000_000),
    ]
    # A ceiling below what the file pays out of it is refused.
    report, _ = run(
        full_csv(*rows),
        user=manager,
        create_programs=True,
        program_ceilings={
            report.new_programs[0]["key"]: 14_999_999,
            str(LAST_YEAR - 1): 5_000_000,
        },
    )
    assert "melampaui sisa pagu" in messages(report)
    assert snapshot() == before
    report, _ = run(
        full_csv(*rows),
        user=manager,
        create_programs=True,
        program_ceilings={str(LAST_YEAR): 20_000_000, str(LAST_YEAR - 1): 5_000_000},
    )
    assert report.ok, messages(report)
    created = {p.year: p for p in Program.objects.all()}
    assert created[LAST_YEAR].name == f"Bantuan Sosial Lembaga {LAST_YEAR}"
    assert created[LAST_YEAR].budget_ceiling == 20_000_000
    assert created[LAST_YEAR - 1].budget_ceiling == 5_000_000
    assert Grant.objects.filter(status=Grant.Status.DISBURSED).count() == 2


def test_a_programme_is_named_or_found_by_its_year(regions, operator):
    ProgramFactory(year=THIS_YEAR, name=f"Hibah Lembaga {THIS_YEAR}")
    ProgramFactory(year=THIS_YEAR, name=f"Bansos Lembaga {THIS_YEAR}")
    report, _ = run(full_csv(row()), user=operator, dry_run=True)
    assert "memiliki beberapa program" in messages(report)
    report, _ = run(full_csv(row(program=f"BANSOS LEMBAGA {THIS_YEAR}")), user=operator)
    assert report.ok, messages(report)
    assert Grant.objects.get().program.name == f"Bansos Lembaga {THIS_YEAR}"


def test_a_kind_the_programme_does_not_cover_is_refused(regions, operator):
    ProgramFactory(year=THIS_YEAR, covers_karang_taruna=False)
    before = snapshot()
    report, _ = run(full_csv(row()), user=operator)
    assert "tidak mencakup lembaga berjenis Karang Taruna" in messages(report)
    assert snapshot() == before


def test_the_same_institution_twice_in_one_programme_is_refused(program, operator):
    before = snapshot()
    report, _ = run(
        full_csv(row(), row(nama_lembaga="karang taruna tunas-harapan")), user=operator
    )
    assert report.errors[0].row == 3
    assert "sudah muncul di baris 2" in report.errors[0].message
    assert snapshot() == before


def test_three_years_of_one_institution_make_one_institution(regions, historian):
    years = (THIS_YEAR - 2, THIS_YEAR - 1, THIS_YEAR)
    for year in years:
        ProgramFactory(year=year, decree_number=f"SK/{year}")
    report, _ = run(
        full_csv(
            *(
                row(tahun=str(y), status="disalurkan", tanggal_salur=f"01/07/{y}")
                for y in years[:2]
            ),
            row(),
        ),
        user=historian,
    )
    assert report.ok, messages(report)
    assert Institution.objects.count() == 1
    assert Grant.objects.count() == 3
    aided = [
        w
        for w in report.warnings
        if f"menerima bantuan pada tahun {LAST_YEAR}" in w.message
    ]
    assert [w.row for w in aided] == [4]


def test_a_second_karang_taruna_in_a_village_is_refused(program, operator):
    InstitutionFactory(
        karang_taruna=True, name="Karang Taruna Lama", village_id=VILLAGE
    )
    report, _ = run(full_csv(row()), user=operator, dry_run=True)
    assert "sudah memiliki Karang Taruna: Karang Taruna Lama" in messages(report)


@pytest.mark.parametrize(
    ("values", "column", "expected"),
    [
        ({"kode_desa": "", "desa": "Bongo Nol", "kecamatan": "Paguyaman", "kabupaten": "Kab. Boalemo"}, None, None),
        ({"kode_desa": "", "desa": "BONGO NOL", "kecamatan": "paguyaman", "kabupaten": "BOALEMO"}, None, None),
        ({"kode_desa": "", "desa": "Desa Bongo Nol", "kecamatan": "Kecamatan Paguyaman", "kabupaten": "Kabupaten Boalemo"}, None, None),
        ({"kode_desa": "", "desa": "Bongo Nol", "kecamatan": "Paguyaman", "kabupaten": ""}, None, None),
        ({"kode_desa": "7502012004"}, None, None),
        ({"kode_desa": "", "desa": "Bongo Nol", "kecamatan": "Paguyamann", "kabupaten": "Boalemo"}, "kecamatan", "Mungkin maksud Anda: Paguyaman"),
        ({"kode_desa": "", "desa": "Bongo Nul", "kecamatan": "Paguyaman"}, "desa", "Mungkin maksud Anda: Bongo Nol"),
        ({"kode_desa": "", "desa": "Bongo Nol", "kecamatan": "Paguyaman", "kabupaten": "Gorontalo"}, "kabupaten", "Kabupaten Gorontalo atau Kota Gorontalo"),
        ({"kode_desa": "", "desa": "Bongo Nol", "kecamatan": "Paguyaman", "kabupaten": "Bolemo"}, "kabupaten", "Kabupaten Boalemo"),
        ({"kode_desa": "75.02.01.9999"}, "kode_desa", "tidak ada dalam daftar Kemendagri"),
    ],
    ids=["kab", "upper", "prefixed", "no regency", "undotted", "district typo", "village typo", "ambiguous", "regency typo", "unknown code"],
)  # fmt: skip
def test_regions_by_code_or_by_name_with_suggestions(
    program, operator, values, column, expected
):
    report, _ = run(full_csv(row(**values)), user=operator, dry_run=True)
    if expected is None:
        assert report.ok, messages(report)
    else:
        assert report.errors[0].column == column
        assert expected in report.errors[0].message


def test_rows_outside_a_regency_limited_users_area_are_errors(program):
    user = UserFactory(username="operator_kabgor", role="Operator")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    report, _ = run(full_csv(row()), user=user, dry_run=True)
    assert "di luar wilayah kerja Anda" in messages(report)


def test_formula_like_text_is_stored_as_plain_text(program, operator):
    report, _ = run(
        full_csv(
            row(
                alamat='=HYPERLINK("http://x")', ketua="@Rahmat", nama_rekening="+Tunas"
            )
        ),
        user=operator,
    )
    assert report.ok, messages(report)
    institution = Institution.objects.get()
    assert institution.address == '=HYPERLINK("http://x")'
    assert institution.leader_name == "@Rahmat"
    assert institution.account_holder == "+Tunas"


def test_an_xlsx_with_number_cells_and_a_serial_date_imports(regions, historian):
    ProgramFactory(year=2024, decree_number="SK/2024")
    content = xlsx_bytes(
        [[2024, "KT", "Karang Taruna Tunas", VILLAGE, 15000000.0, "disalurkan", 45460]],
        header=[
            "tahun",
            "jenis_lembaga",
            "nama_lembaga",
            "kode_desa",
            "nilai_bantuan",
            "status",
            "tanggal_salur",
        ],
    )
    report, _ = run(content, user=historian, name="daftar.xlsx")
    assert report.ok, messages(report)
    assert Disbursement.objects.get().paid_on == datetime.date(2024, 6, 17)


def test_headers_with_aliases_and_odd_spellings_are_recognised(program, operator):
    content = csv_bytes(
        [
            [
                str(THIS_YEAR),
                "KARANG TARUNA",
                "Karang Taruna Tunas",
                "Bongo Nol",
                "Paguyaman",
                "BOALEMO",
                "Rp10.000.000",
            ]
        ],
        header=[
            "Tahun Anggaran",
            "JENIS LEMBAGA",
            "Nama Lembaga",
            "Desa/Kelurahan",
            "Kec.",
            "Kabupaten/Kota",
            "Jumlah Bantuan",
        ],
        delimiter=",",
        encoding="cp1252",
    )
    report, _ = run(content, user=operator)
    assert report.ok, messages(report)
    assert Grant.objects.get().amount == 10_000_000


def test_an_inactive_institution_cannot_be_proposed(program, operator):
    InstitutionFactory(
        karang_taruna=True,
        name="Karang Taruna Tunas Harapan",
        village_id=VILLAGE,
        active=False,
    )
    report, _ = run(full_csv(row()), user=operator, dry_run=True)
    assert "tidak aktif" in messages(report)


def test_an_existing_grant_in_the_file_is_unchanged(program, operator):
    institution = InstitutionFactory(karang_taruna=True, name="Karang Taruna Tunas Harapan", village_id=VILLAGE,
                                     address="Jl. Trans Sulawesi", leader_name="Rahmat Hasan", phone="081234567890",
                                     bank_name="Bank SulutGo", account_number="0012345678901",
                                     account_holder="Karang Taruna Tunas Harapan")  # fmt: skip
    GrantFactory(
        program=program, institution=institution, amount=15_000_000, approved=True
    )
    report, _ = run(full_csv(row()), user=operator, dry_run=True)
    assert (report.rows_unchanged, report.rows_new) == (1, 0)
    report, _ = run(
        full_csv(row(status="disalurkan", tanggal_salur=f"01/06/{THIS_YEAR}")),
        dry_run=True,
    )
    assert recipients.MSG_STATUS_LOCKED.split("%")[0] in messages(report)


def test_institution_lists_import_without_grants(regions, operator):
    content = csv_bytes(
        [
            ["Karang Taruna", "Karang Taruna Tunas", VILLAGE],
            ["WKSBM", "Rukun Duka Sejahtera", VILLAGE],
        ],
        header=["jenis_lembaga", "nama_lembaga", "kode_desa"],
    )
    report, batch = run(content, kind="lembaga", user=operator)
    assert report.ok, messages(report)
    assert Institution.objects.filter(import_batch=batch).count() == 2
    assert not Grant.objects.exists()
    again, _ = run(content, kind="lembaga", user=operator)
    assert again.rows_unchanged == 2


def test_the_messages_module_constants_are_formatted():
    assert "%(year)s" in programs.MSG_NO_PROGRAM
    assert cells.MSG_AMOUNT_NOT_POSITIVE == "Nilai bantuan harus lebih dari nol."
