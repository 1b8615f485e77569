"""Exports write what the lists show, in the importer's columns, safely."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from grants.models import Disbursement
from institutions.models import BeneficiaryEnrollment
from tests.factories import (
    BeneficiaryFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
)

from .conftest import THIS_YEAR, VILLAGE, messages, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(regions):
    program = ProgramFactory(year=2024, name="Bantuan Sosial Lembaga 2024")
    formula = InstitutionFactory(
        name='=HYPERLINK("http://contoh")',
        village_id=VILLAGE,
        leader_name="@Rahmat",
        address="-",
        phone="+6281234567890",
        account_number="0012345678901234",
        registration_number="REG/001",
    )
    youth = InstitutionFactory(
        karang_taruna=True, name="Karang Taruna Tunas", village_id="75.02.01.2005"
    )
    other_regency = InstitutionFactory(
        name="Majelis Taklim Limboto", village_id="75.01.01.1001"
    )
    GrantFactory(
        program=program, institution=formula, amount=12_500_000, purpose="Santunan"
    )
    disbursed = GrantFactory(program=program, institution=youth, disbursed=True)
    Disbursement.objects.create(
        grant=disbursed, paid_on=datetime.date(2024, 6, 1), amount=disbursed.amount
    )
    GrantFactory(program=program, institution=other_regency)
    person = BeneficiaryFactory(nik="7502014508900001", village_id=VILLAGE)
    BeneficiaryEnrollment.objects.create(
        beneficiary=person, institution=youth, year=2024
    )
    return {"formula": formula, "youth": youth, "program": program}


def download(client, user, what, fmt, query=""):
    client.force_login(user)
    response = client.get(f"/impor/ekspor/{what}.{fmt}{query}")
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return b"".join(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_grant_list_imports_again_as_unchanged(
    client, listed, operator, fmt
):
    content = download(client, operator, "bantuan", fmt)
    report, _ = run(content, user=operator, dry_run=True, name=f"bantuan.{fmt}")
    assert report.ok, messages(report)
    assert (report.rows_total, report.rows_unchanged) == (3, 3)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_institution_list_imports_again_as_unchanged(
    client, listed, operator, fmt
):
    content = download(client, operator, "lembaga", fmt)
    report, _ = run(
        content, kind="lembaga", user=operator, dry_run=True, name=f"lembaga.{fmt}"
    )
    assert report.ok, messages(report)
    assert (report.rows_total, report.rows_unchanged) == (3, 3)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_beneficiary_list_imports_again_as_unchanged(
    client, listed, operator, fmt
):
    content = download(
        client,
        operator,
        "penerima-manfaat",
        fmt,
        f"?lembaga={listed['youth'].pk}&tahun=2024",
    )
    report, _ = run(
        content,
        kind="penerima_manfaat",
        institution_id=listed["youth"].pk,
        year=2024,
        user=operator,
        dry_run=True,
        name=f"pm.{fmt}",
    )
    assert report.ok, messages(report)
    assert (report.rows_total, report.rows_unchanged) == (1, 1)


def test_the_export_follows_the_lists_filters(client, listed, operator):
    content = download(client, operator, "bantuan", "csv", "?status=disbursed").decode(
        "utf-8-sig"
    )
    lines = content.strip().splitlines()
    assert len(lines) == 2
    assert "Karang Taruna Tunas" in lines[1]
    assert "disalurkan" in lines[1] and "01/06/2024" in lines[1]


def test_the_export_keeps_to_a_limited_users_regencies(client, listed):
    from institutions.models import Regency, StaffProfile
    from tests.factories import UserFactory

    user = UserFactory(username="pengamat_kabgor", role="Pengamat")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    content = download(client, user, "lembaga", "csv").decode("utf-8-sig")
    assert "Limboto" in content and "Tunas" not in content


def test_csv_exports_neutralise_formulas(client, listed, operator):
    content = download(client, operator, "lembaga", "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in content
    assert ";'@Rahmat;" in content
    assert ";'-;" in content
    assert "'+6281234567890" in content
    # An Operator does not see account numbers whole.
    assert "************1234" in content and "0012345678901234" not in content


def test_xlsx_exports_write_text_cells_and_keep_sixteen_digits(client, listed):
    from tests.factories import UserFactory

    # The Bendahara sees account numbers whole.
    treasurer = UserFactory(username="bendahara_ekspor", role="Bendahara")
    content = download(client, treasurer, "lembaga", "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[header.index("nama_lembaga")].value: row
        for row in sheet.iter_rows(min_row=2)
    }
    formula = rows['=HYPERLINK("http://contoh")']
    name_cell = formula[header.index("nama_lembaga")]
    assert name_cell.data_type == "s"
    account = formula[header.index("nomor_rekening")]
    assert (account.value, account.data_type, account.number_format) == (
        "0012345678901234",
        "s",
        "@",
    )


def test_templates_format_nik_and_account_columns_as_text(client, operator):
    client.force_login(operator)
    for kind, column in (("penerima", "nomor_rekening"), ("penerima_manfaat", "nik")):
        response = client.get(f"/impor/templat/{kind}.xlsx")
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        index = header.index(column) + 1
        assert sheet.cell(row=2, column=index).number_format == "@"
        assert sheet.cell(row=500, column=index).number_format == "@"
        assert workbook.sheetnames[1] == "Petunjuk"
    response = client.get("/impor/templat/penerima.csv")
    assert response.content.decode("utf-8-sig").startswith(
        "tahun;program;jenis_lembaga"
    )


def test_a_filled_in_template_imports(client, regions, operator):
    ProgramFactory(year=THIS_YEAR)
    client.force_login(operator)
    workbook = load_workbook(
        io.BytesIO(client.get("/impor/templat/penerima.xlsx").content)
    )
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    values = {
        "tahun": THIS_YEAR,
        "jenis_lembaga": "LKSA",
        "nama_lembaga": "LKSA Kasih Ibu",
        "kode_desa": VILLAGE,
        "nomor_rekening": "0012345678901234",
        "nilai_bantuan": "Rp 50.000.000",
    }
    for name, value in values.items():
        sheet.cell(row=2, column=header.index(name) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    report, _ = run(buffer.getvalue(), user=operator, name="isi.xlsx")
    assert report.ok, messages(report)
    assert report.rows_new == 1
    assert any("LKSA" in w.value for w in report.warnings)  # permit and accreditation
