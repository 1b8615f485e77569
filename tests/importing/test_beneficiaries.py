"""The people an institution serves: NIK checks, doubles, and re-imports."""

import pytest

from imports import beneficiaries
from institutions.models import Beneficiary, BeneficiaryEnrollment
from tests.factories import BeneficiaryFactory, InstitutionFactory

from .conftest import VILLAGE, csv_bytes, messages, run, snapshot, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["nik", "nama", "kategori", "kode_desa"]
# Valid NIKs of 75.02.01 (Paguyaman): women born 05/08/1990 and a man born 12/03/1950.
SITI = ["7502014508900001", "Siti Aminah", "lansia", VILLAGE]
HASAN = ["7502011203500002", "Hasan Pakaya", "Lanjut usia", VILLAGE]


@pytest.fixture
def institution(regions):
    return InstitutionFactory(name="Majelis Taklim Al-Ikhlas", village_id=VILLAGE)


def import_people(rows, institution, *, year=2024, header=HEADER, **kwargs):
    return run(
        csv_bytes(rows, header=header),
        kind="penerima_manfaat",
        institution_id=institution.pk,
        year=year,
        **kwargs,
    )


def test_people_are_created_and_enrolled_once(institution, operator):
    report, batch = import_people([SITI, HASAN], institution, user=operator)
    assert report.ok, messages(report)
    assert report.rows_new == 2
    assert set(Beneficiary.objects.values_list("nik", flat=True)) == {SITI[0], HASAN[0]}
    enrollments = BeneficiaryEnrollment.objects.all()
    assert {(e.institution_id, e.year, e.import_batch_id) for e in enrollments} == {
        (institution.pk, 2024, batch.pk)
    }
    before = snapshot()
    again, _ = import_people([SITI, HASAN], institution, user=operator)
    assert (again.rows_new, again.rows_unchanged) == (0, 2)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("nik", "expected"),
    [
        ("750201450890001", "16"),
        ("7502019908900001", "Tanggal lahir"),
        ("0002014508900001", "NIK"),
        ("75020145089000AB", "NIK"),
    ],
    ids=["length", "date", "province", "letters"],
)
def test_a_nik_that_cannot_be_a_nik_is_refused(institution, operator, nik, expected):
    before = snapshot()
    report, _ = import_people(
        [[nik, "Siti", "lansia", VILLAGE]], institution, user=operator
    )
    assert report.errors[0].column == "nik"
    assert expected in report.errors[0].message
    assert snapshot() == before


def test_a_nik_typed_into_a_number_cell_is_refused(institution, operator):
    content = xlsx_bytes([[7502014508900001, "Siti", "lansia", VILLAGE]], header=HEADER)
    report, _ = run(
        content,
        kind="penerima_manfaat",
        institution_id=institution.pk,
        year=2024,
        user=operator,
    )
    assert "sebagai angka" in messages(report)


def test_the_same_nik_twice_in_a_file_is_refused(institution, operator):
    before = snapshot()
    report, _ = import_people([SITI, HASAN, SITI], institution, user=operator)
    assert report.errors[0].row == 4
    assert "sudah ada di baris 2" in report.errors[0].message
    assert snapshot() == before


def test_a_nik_served_by_another_institution_that_year_is_reported(
    institution, operator
):
    other = InstitutionFactory(name="Rukun Duka Sejahtera", village_id=VILLAGE)
    import_people([SITI], other, user=operator)
    report, _ = import_people([SITI], institution, user=operator)
    assert report.ok
    assert "Rukun Duka Sejahtera" in report.warnings[0].message
    assert BeneficiaryEnrollment.objects.count() == 2


def test_a_known_person_whose_details_changed_is_updated(institution, operator):
    BeneficiaryFactory(
        nik=SITI[0], name="Siti Aminah", village_id=VILLAGE, category="disabilitas"
    )
    report, _ = import_people([SITI], institution, user=operator)
    assert report.ok
    assert Beneficiary.objects.get().category == "lansia"
    assert report.rows_new == 1  # a new enrollment


def test_rows_for_another_year_or_institution_are_refused(institution, operator):
    report, _ = import_people(
        [[*SITI, "2023", ""], [*HASAN, "", "Lembaga Lain"]],
        institution,
        header=[*HEADER, "tahun", "nama_lembaga"],
        user=operator,
        dry_run=True,
    )
    assert [e.column for e in report.errors] == ["tahun", "nama_lembaga"]


def test_an_unknown_category_is_refused(institution, operator):
    report, _ = import_people(
        [[SITI[0], "Siti", "pensiunan", VILLAGE]], institution, dry_run=True
    )
    assert report.errors[0].column == "kategori"


def test_the_planner_messages_are_constants():
    assert "%(row)s" in beneficiaries.MSG_NIK_TWICE
