"""The preview people check before confirming: the rows it will write, in plain
words, every attempt in the history, and a re-check without a new upload."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportBatch
from imports.planning import REJECTED, UNCHANGED, UPDATED, RowListing
from imports.report import Report
from institutions.models import BeneficiaryEnrollment
from tests.factories import ImportBatchFactory, InstitutionFactory, UserFactory

from .conftest import THIS_YEAR, VILLAGE, csv_bytes

pytestmark = pytest.mark.django_db

YEAR = str(THIS_YEAR)
TUNAS = [YEAR, "Karang Taruna", "Karang Taruna Tunas", VILLAGE, "Rp 15.000.000"]
IKHLAS = [YEAR, "Majelis Taklim", "Majelis Taklim Al-Ikhlas", VILLAGE, "10.000.000"]
HIDAYAH = [YEAR, "Majelis Taklim", "Majelis Taklim Al-Hidayah", VILLAGE, "5.000.000"]
BAD = [YEAR, "Koperasi", "Koperasi Maju", VILLAGE, "-5"]
PEOPLE_HEADER = ["nik", "nama", "kategori", "kode_desa", "tahun"]
SITI = ["7502014508900001", "Siti Aminah", "lansia", VILLAGE, "2024"]


def upload(client, content: bytes, name="daftar.csv", **data):
    data.setdefault("kind", "penerima")
    return client.post("/impor/", {"file": SimpleUploadedFile(name, content), **data})


def imported(client, rows) -> ImportBatch:
    upload(client, csv_bytes(rows))
    batch = ImportBatch.objects.latest("pk")
    client.post(f"/impor/{batch.pk}/konfirmasi/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.reason
    return batch


@pytest.fixture
def mixed(client, program, operator) -> ImportBatch:
    """A list with a rejected, a new, an updated and an unchanged row."""
    client.force_login(operator)
    imported(client, [TUNAS, IKHLAS])
    changed = [*TUNAS[:4], "Rp 16.000.000"]
    upload(client, csv_bytes([changed, IKHLAS, HIDAYAH, BAD]))
    return ImportBatch.objects.latest("pk")


def test_the_preview_lists_rejected_rows_first_then_new_and_updated(client, mixed):
    response = client.get(f"/impor/{mixed.pk}/")
    rows = response.context["rows"]
    assert [(r["row"], r["action"]) for r in rows] == [
        (5, "rejected"),
        (4, "new"),
        (2, "updated"),
    ]
    rejected = rows[0]
    assert rejected["institution"] == "Koperasi Maju"
    assert rejected["amount"] == "-5"
    assert any(
        "Nilai bantuan harus lebih dari nol." in e["message"]
        for e in rejected["errors"]
    )
    assert rows[1]["amount"] == 5_000_000 and rows[1]["year"] == THIS_YEAR
    text = response.content.decode()
    assert "Rp5.000.000" in text
    assert "Majelis Taklim Al-Hidayah" in text
    # The unchanged row is only counted, with a link to it.
    assert "Majelis Taklim Al-Ikhlas" not in text
    assert "1 baris tidak berubah" in text
    assert f"/impor/{mixed.pk}/baris/?aksi=tidak-berubah" in text


def test_the_rows_page_lists_every_row_and_filters_by_action(client, mixed):
    response = client.get(f"/impor/{mixed.pk}/baris/")
    assert response.status_code == 200
    assert [r["action"] for r in response.context["rows"]] == [
        "rejected",
        "new",
        "updated",
        "unchanged",
    ]
    for word, action, row in (
        ("ditolak", "rejected", 5),
        ("baru", "new", 4),
        ("diperbarui", "updated", 2),
        ("tidak-berubah", "unchanged", 3),
    ):
        response = client.get(f"/impor/{mixed.pk}/baris/?aksi={word}")
        assert [(r["row"], r["action"]) for r in response.context["rows"]] == [
            (row, action)
        ]
    assert 'id="rows-cut"' not in response.content.decode()


def test_an_unknown_row_filter_is_a_form_error_not_a_server_error(client, mixed):
    response = client.get(f"/impor/{mixed.pk}/baris/?aksi=semuanya")
    assert response.status_code == 400
    assert response.context["filter"].form.errors["aksi"]
    assert response.context["rows"] == []


def test_the_rows_page_is_paginated(client, program, operator):
    client.force_login(operator)
    rows = [
        [YEAR, "Majelis Taklim", f"Majelis Taklim Nomor {n}", VILLAGE, "1.000.000"]
        for n in range(60)
    ]
    upload(client, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    first = client.get(f"/impor/{batch.pk}/baris/")
    assert len(first.context["rows"]) == 50
    assert 'rel="next"' in first.content.decode()
    second = client.get(f"/impor/{batch.pk}/baris/?page=2")
    assert [r["row"] for r in second.context["rows"]] == list(range(52, 62))
    # The preview shows the first 50 and links to the rest.
    detail = client.get(f"/impor/{batch.pk}/")
    assert len(detail.context["rows"]) == 50 and detail.context["rows_more"]


def test_a_pengamat_may_read_the_rows_of_an_import(client, mixed):
    client.force_login(UserFactory(username="pengamat", role="Pengamat"))
    assert client.get(f"/impor/{mixed.pk}/baris/").status_code == 200


def test_the_listing_keeps_a_bounded_number_of_rows_problems_first():
    listing = RowListing(["nama_lembaga", "nilai_bantuan", "ketua"], limit=3)
    states = bytearray()
    for index in range(10):
        state = REJECTED if index in (7, 9) else UNCHANGED
        errors = [("nilai_bantuan", -5, "Nilai bantuan harus lebih dari nol.")]
        listing.add(index, index + 2, state, {"nama_lembaga": f"L{index}"}, errors)
        states.append(state)
    # A later check finds a change in the first row.
    states[0] = UPDATED
    rows, cut = listing.finish(states)
    assert cut
    assert [(r["row"], r["action"]) for r in rows] == [
        (9, "rejected"),
        (11, "rejected"),
        (2, "updated"),
    ]
    assert rows[0]["values"] == {"nama_lembaga": "L7", "nilai_bantuan": -5}
    assert rows[0]["errors"] == [
        {"column": "nilai_bantuan", "message": "Nilai bantuan harus lebih dari nol."}
    ]
    assert rows[2]["errors"] == []
    assert len(listing.others) == 3, "nothing kept past the limit"


def test_a_beneficiary_list_lists_nik_and_name(client, regions, operator):
    InstitutionFactory(registration_number="REG/7", village_id=VILLAGE)
    client.force_login(operator)
    content = csv_bytes([SITI], header=PEOPLE_HEADER)
    upload(client, content, kind="penerima_manfaat", institution="REG/7", year="2024")
    batch = ImportBatch.objects.get()
    [row] = client.get(f"/impor/{batch.pk}/").context["rows"]
    assert (row["nik"], row["name"], row["action"]) == (SITI[0], SITI[1], "new")


def test_the_report_keeps_its_rows_and_new_programmes_in_json():
    report = Report(
        rows=[{"row": 2, "action": "new", "values": {"nik": "1"}, "errors": []}],
        rows_cut=True,
        new_programs=[{"key": "2020|P", "year": 2020, "name": "P", "needed": 5}],
    )
    again = Report.from_json(report.as_json())
    assert (again.rows, again.rows_cut, again.new_programs) == (
        report.rows,
        True,
        report.new_programs,
    )
    assert Report.from_json({}).rows == []


@pytest.mark.parametrize(
    ("encoding", "delimiter", "shown"),
    [
        ("utf-8-sig", ";", "disimpan sebagai UTF-8 (Excel), kolom dipisah titik koma"),
        ("utf-8", ",", "disimpan sebagai UTF-8, kolom dipisah koma"),
        ("cp1252", "\t", "disimpan sebagai Windows (Excel lama), kolom dipisah tab"),
        ("utf-16", ";", "disimpan sebagai UTF-16 (Excel), kolom dipisah titik koma"),
    ],
)
def test_how_the_file_was_read_is_said_in_plain_words(
    client, program, operator, encoding, delimiter, shown
):
    client.force_login(operator)
    # A letter outside ASCII, so that the old Windows encoding can be told apart.
    row = [YEAR, "Karang Taruna", "Karang Taruna Séroja", VILLAGE, "15.000.000"]
    response = upload(client, csv_bytes([row], delimiter=delimiter, encoding=encoding))
    text = client.get(response.url).content.decode()
    reading = re.search(r'<p class="help" id="file-reading">(.*?)</p>', text)[1]
    assert reading.startswith(f"Berkas CSV, {shown}; dibaca dalam ")
    assert "pengodean" not in text and encoding not in reading


def test_failed_and_abandoned_attempts_show_in_the_history_with_their_reason(
    client, operator
):
    ImportBatchFactory(
        file_name="gagal.csv",
        status=ImportBatch.Status.FAILED,
        reason="Basis data menolak penyimpanan.",
    )
    ImportBatchFactory(
        file_name="lama.csv",
        status=ImportBatch.Status.ABANDONED,
        reason="Tidak dikonfirmasi dalam 7 hari; berkas dihapus.",
        file="",
    )
    client.force_login(operator)
    text = client.get("/impor/").content.decode()
    for expected in (
        "gagal.csv",
        "Gagal",
        "Basis data menolak penyimpanan.",
        "lama.csv",
        "Tidak dikonfirmasi",
        "Tidak dikonfirmasi dalam 7 hari; berkas dihapus.",
    ):
        assert expected in text
    abandoned = ImportBatch.objects.get(file_name="lama.csv")
    page = client.get(f"/impor/{abandoned.pk}/").content.decode()
    assert 'id="batch-reason"' in page and "berkas sudah dihapus" in page
    assert 'id="recheck-form"' not in page


def test_a_rejected_beneficiary_list_is_rechecked_with_another_year(
    client, regions, operator
):
    institution = InstitutionFactory(registration_number="REG/7", village_id=VILLAGE)
    client.force_login(operator)
    content = csv_bytes([SITI], header=PEOPLE_HEADER)
    response = upload(
        client, content, kind="penerima_manfaat", institution="REG/7", year="2023"
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    page = client.get(response.url)
    form = page.context["recheck_form"]
    assert (form["institution"].value(), form["year"].value()) == ("REG/7", 2023)
    assert "create_programs" not in form.fields
    response = client.post(
        f"/impor/{batch.pk}/periksa-ulang/", {"institution": "REG/7", "year": "2024"}
    )
    assert response.status_code == 302 and response.url == f"/impor/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.reason
    assert (batch.options["year"], batch.reason) == (2024, "")
    assert ImportBatch.objects.count() == 1, "no new upload"
    client.post(f"/impor/{batch.pk}/konfirmasi/")
    assert BeneficiaryEnrollment.objects.get().institution == institution


def test_a_recheck_with_invalid_options_shows_the_form_again(client, regions, operator):
    InstitutionFactory(registration_number="REG/7", village_id=VILLAGE)
    client.force_login(operator)
    content = csv_bytes([SITI], header=PEOPLE_HEADER)
    upload(client, content, kind="penerima_manfaat", institution="REG/7", year="2023")
    batch = ImportBatch.objects.get()
    response = client.post(
        f"/impor/{batch.pk}/periksa-ulang/", {"institution": "Tidak Ada", "year": ""}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Lembaga tidak ditemukan" in text and "Isi tahun" in text
    batch.refresh_from_db()
    assert (batch.status, batch.options["year"]) == (ImportBatch.Status.REJECTED, 2023)


def test_only_importers_may_recheck_and_only_by_post(client, mixed):
    assert client.get(f"/impor/{mixed.pk}/periksa-ulang/").status_code == 405
    client.force_login(UserFactory(username="pengamat", role="Pengamat"))
    assert client.post(f"/impor/{mixed.pk}/periksa-ulang/").status_code == 403
    page = client.get(f"/impor/{mixed.pk}/").content.decode()
    assert 'id="recheck-form"' not in page


def test_an_imported_list_is_not_rechecked(client, program, operator):
    client.force_login(operator)
    batch = imported(client, [TUNAS])
    assert 'id="recheck-form"' not in client.get(f"/impor/{batch.pk}/").content.decode()
    response = client.post(f"/impor/{batch.pk}/periksa-ulang/", follow=True)
    assert "unggah berkasnya lagi" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
