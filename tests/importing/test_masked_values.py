"""Masked NIK and account numbers from an export, brought back by an import.

A user who may not see them whole exports `7502********0001` and
`*********6789`. A masked account of an existing institution whose stored
number it was made from means "unchanged"; anything else is refused, row and
column named, and nothing is written.
"""

import csv
import io

import pytest

from imports import cells
from institutions.models import Institution, InstitutionChange
from tests.factories import InstitutionFactory

from .conftest import VILLAGE, csv_bytes, messages, run, snapshot

pytestmark = pytest.mark.django_db

INSTITUTION_HEADER = [
    "jenis_lembaga",
    "nama_lembaga",
    "kode_desa",
    "alamat",
    "nomor_rekening",
]
STORED_ACCOUNT = "1234567896789"


@pytest.fixture
def mosque(regions):
    return InstitutionFactory(
        name="Majelis Taklim Al-Ikhlas",
        village_id=VILLAGE,
        address="Jl. Lama",
        account_number=STORED_ACCOUNT,
    )


def import_institutions(rows, user, **kwargs):
    return run(
        csv_bytes(rows, header=INSTITUTION_HEADER), kind="lembaga", user=user, **kwargs
    )


def row_of(institution, *, account, address="Jl. Lama"):
    return ["WKSBM", institution.name, VILLAGE, address, account]


# Recognising a mask ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "masked"),
    [
        ("*********6789", True),
        ("*******", True),  # a short number is all stars
        ("*********6789 ", True),
        ("1234567896789", False),
        ("12345*789", False),
        ("****678", False),
    ],
)
def test_an_account_cell_is_read_as_masked_only_in_the_exports_shape(cell, masked):
    try:
        value = cells.parse_account_number(cell)
    except cells.CellError:
        value = None
    assert isinstance(value, cells.MaskedAccount) is masked


@pytest.mark.parametrize(
    ("masked", "stored", "matches"),
    [
        ("*********6789", "1234567896789", True),
        ("********6789", "1234567896789", False),  # another length
        ("*********6780", "1234567896789", False),  # other last digits
        ("*******", "1234567", True),
        ("*********6789", "", False),
    ],
)
def test_a_mask_matches_only_the_number_it_was_made_from(masked, stored, matches):
    assert cells.account_matches(masked, stored) is matches


# Accounts --------------------------------------------------------------------------


def test_an_operators_export_with_edited_addresses_imports_back(
    client, mosque, operator
):
    client.force_login(operator)
    response = client.get("/impor/ekspor/lembaga.csv")
    assert response.status_code == 200
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header, rows = lines[0], lines[1:]
    assert rows[0][header.index("nomor_rekening")] == "*********6789"
    rows[0][header.index("alamat")] = "Jl. Baru No. 1"

    report, _ = run(csv_bytes(rows, header=header), kind="lembaga", user=operator)

    assert report.ok, messages(report)
    assert (report.rows_updated, report.warnings_total) == (1, 0)
    assert all("rekening" not in change for change in report.changes)
    mosque.refresh_from_db()
    assert (mosque.address, mosque.account_number) == ("Jl. Baru No. 1", STORED_ACCOUNT)
    assert not InstitutionChange.objects.filter(
        institution=mosque, field="account_number"
    ).exists()


def test_a_matching_mask_changes_nothing(mosque, operator):
    before = snapshot()
    report, _ = import_institutions(
        [row_of(mosque, account="*********6789")], operator, dry_run=True
    )
    assert report.ok, messages(report)
    assert (report.rows_unchanged, report.warnings_total) == (1, 0)
    assert snapshot() == before


@pytest.mark.parametrize(
    "account", ["*********6780", "********6789"], ids=["digits", "length"]
)
def test_a_mask_of_another_number_is_refused(mosque, operator, account):
    before = snapshot()
    report, batch = import_institutions([row_of(mosque, account=account)], operator)
    assert not report.ok
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (2, "nomor_rekening", account)
    assert f"Nomor rekening tersamar ({account})" in error.message
    assert "tidak cocok" in error.message
    assert batch is None and snapshot() == before
    assert Institution.objects.get().account_number == STORED_ACCOUNT


def test_a_mask_for_a_new_institution_is_refused(regions, operator):
    before = snapshot()
    report, batch = import_institutions(
        [["WKSBM", "Majelis Taklim Baru", VILLAGE, "Jl. Baru", "*********6789"]],
        operator,
    )
    assert not report.ok
    (error,) = report.errors
    assert (error.row, error.column) == (2, "nomor_rekening")
    assert "lembaga baru" in error.message
    assert "isi nomor lengkap atau kosongkan kolom ini" in error.message
    assert batch is None and snapshot() == before


def test_an_empty_account_cell_keeps_the_stored_number_too(mosque, operator):
    report, _ = import_institutions(
        [row_of(mosque, account="", address="Jl. Baru")], operator
    )
    assert report.ok, messages(report)
    mosque.refresh_from_db()
    assert (mosque.address, mosque.account_number) == ("Jl. Baru", STORED_ACCOUNT)


def test_a_mask_in_a_recipient_list_keeps_the_stored_number(mosque, program, operator):
    header = ["tahun", "jenis_lembaga", "nama_lembaga", "kode_desa"]
    header += ["nomor_rekening", "nilai_bantuan"]
    row = [program.year, "WKSBM", mosque.name, VILLAGE, "*********6789", "10.000.000"]
    report, _ = run(csv_bytes([row], header=header), user=operator)
    assert report.ok, messages(report)
    assert report.rows_new == 1
    mosque.refresh_from_db()
    assert mosque.account_number == STORED_ACCOUNT
    assert mosque.grants.get().amount == 10_000_000


# NIK ---------------------------------------------------------------------------------


@pytest.mark.parametrize("nik", ["7502********0001", "****************"])
def test_a_masked_nik_is_refused(mosque, operator, nik):
    before = snapshot()
    report, batch = run(
        csv_bytes(
            [[nik, "Siti Aminah", "lansia", VILLAGE]],
            header=["nik", "nama", "kategori", "kode_desa"],
        ),
        kind="penerima_manfaat",
        institution_id=mosque.pk,
        year=2024,
        user=operator,
    )
    assert not report.ok
    (error,) = report.errors
    assert (error.row, error.column) == (2, "nik")
    assert f"NIK tersamar ({nik})" in error.message
    assert batch is None and snapshot() == before
