"""The import page: upload, preview, confirm, and who may do what."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from grants.models import Grant
from imports.models import ImportBatch
from institutions.models import BeneficiaryEnrollment, Institution
from tests.factories import GrantFactory, InstitutionFactory, UserFactory

from .conftest import LAST_YEAR, THIS_YEAR, VILLAGE, csv_bytes, snapshot, xlsx_bytes

pytestmark = pytest.mark.django_db

YEAR = str(THIS_YEAR)
ROWS = [
    [YEAR, "Karang Taruna", "Karang Taruna Tunas", VILLAGE, "Rp 15.000.000"],
    [YEAR, "Majelis Taklim", "Majelis Taklim Al-Ikhlas", VILLAGE, "10.000.000"],
]
# A grant paid last year, before the app.
HISTORICAL_HEADER = [
    "tahun", "jenis_lembaga", "nama_lembaga", "kode_desa", "nilai_bantuan", "status",
    "nomor_sk", "tanggal_salur",
]  # fmt: skip
HISTORICAL = [
    LAST_YEAR, "KT", "Karang Taruna Tunas", VILLAGE, 15000000, "disalurkan",
    "188.44/KEP/5", f"01/06/{LAST_YEAR}",
]  # fmt: skip


def upload(client, content: bytes, name="daftar.csv", follow=False, **data):
    return client.post(
        "/impor/",
        {"kind": "penerima", "file": SimpleUploadedFile(name, content), **data},
        follow=follow,
    )


def test_upload_preview_and_confirm(client, program, operator):
    client.force_login(operator)
    before = snapshot()
    response = upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/impor/{batch.pk}/"
    # The preview wrote nothing but the batch that keeps the file.
    after = snapshot()
    assert after.pop("imports.ImportBatch") == 1
    before.pop("imports.ImportBatch")
    assert after == before
    page = client.get(response.url)
    assert b'id="confirm-import"' in page.content
    assert b'id="count-new">2<' in page.content
    response = client.post(f"/impor/{batch.pk}/konfirmasi/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.imported_by) == (ImportBatch.Status.IMPORTED, operator)
    assert Grant.objects.filter(import_batch=batch).count() == 2
    page = client.get(f"/impor/{batch.pk}/")
    assert "Karang Taruna Tunas" in page.content.decode()
    assert b'id="confirm-import"' not in page.content


def test_a_batch_cannot_be_confirmed_twice(client, program, operator):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    client.post(f"/impor/{batch.pk}/konfirmasi/")
    before = snapshot()
    response = client.post(f"/impor/{batch.pk}/konfirmasi/", follow=True)
    assert "tidak dapat dikonfirmasi lagi" in response.content.decode()
    assert snapshot() == before


def test_a_bad_file_is_kept_as_a_rejected_attempt_showing_its_problems(
    client, program, operator
):
    client.force_login(operator)
    before = snapshot()
    content = csv_bytes([ROWS[0], [YEAR, "Koperasi", "Koperasi Maju", VILLAGE, "-5"]])
    response = upload(client, content)
    batch = ImportBatch.objects.get()
    # The attempt is kept, to be seen in the history and checked again.
    assert response.status_code == 302 and response.url == f"/impor/{batch.pk}/"
    assert batch.status == ImportBatch.Status.REJECTED
    assert "kesalahan" in batch.reason
    text = client.get(response.url).content.decode()
    assert "Jenis lembaga tidak dikenal" in text
    assert "Nilai bantuan harus lebih dari nol." in text
    assert 'id="recheck-form"' in text
    assert 'id="confirm-import"' not in text
    after = snapshot()
    assert after.pop("imports.ImportBatch") == 1
    before.pop("imports.ImportBatch")
    assert after == before


def test_an_image_renamed_to_csv_is_refused(client, program, operator):
    client.force_login(operator)
    before = snapshot()
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, name="daftar.csv")
    assert response.status_code == 302
    assert "bukan CSV atau Excel" in client.get(response.url).content.decode()
    after = snapshot()
    assert after.pop("imports.ImportBatch") == 1
    before.pop("imports.ImportBatch")
    assert after == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_a_file_over_the_limit_is_refused_by_the_form(
    client, program, operator, settings
):
    settings.BANSOS_IMPORT_MAX_BYTES = 100
    client.force_login(operator)
    response = upload(client, csv_bytes(ROWS * 5))
    assert response.status_code == 400
    assert "terlalu besar" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_data_changed_since_the_preview_is_previewed_again(client, program, operator):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    youth = InstitutionFactory(
        karang_taruna=True, name="Karang Taruna Tunas", village_id=VILLAGE
    )
    GrantFactory(program=program, institution=youth, amount=15_000_000)
    response = client.post(f"/impor/{batch.pk}/konfirmasi/", follow=True)
    assert "berubah sejak pratinjau" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.rows_new, batch.rows_unchanged) == (1, 1)
    assert Grant.objects.count() == 1


def test_a_preview_that_no_longer_passes_is_rejected_on_confirm(
    client, program, operator
):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    program.covers_karang_taruna = False
    program.save()
    client.post(f"/impor/{batch.pk}/konfirmasi/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    assert not Institution.objects.exists()


def test_a_pengamat_sees_the_batches_but_cannot_import(client, program, operator):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    client.force_login(UserFactory(username="pengamat", role="Pengamat"))
    page = client.get("/impor/")
    assert page.status_code == 200
    assert b'id="import-form"' not in page.content
    assert upload(client, csv_bytes(ROWS)).status_code == 403
    assert client.get(f"/impor/{batch.pk}/").status_code == 200
    assert client.post(f"/impor/{batch.pk}/konfirmasi/").status_code == 403
    assert client.get(f"/impor/{batch.pk}/berkas/").status_code == 403
    assert ImportBatch.objects.get().status == ImportBatch.Status.PREVIEWED


def test_an_xlsx_upload_creates_programmes_with_the_ceiling_typed_on_recheck(
    client, regions, manager
):
    # A Pimpinan allowed the historical import, given the import by the administrator.
    manager.user_permissions.add(Permission.objects.get(codename="add_importbatch"))
    client.force_login(manager)
    assert b'name="create_programs"' in client.get("/impor/").content
    content = xlsx_bytes([HISTORICAL], header=HISTORICAL_HEADER)
    response = upload(client, content, name="daftar.xlsx", create_programs="on")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    # The programme to create needs its ceiling, typed on the preview.
    assert batch.status == ImportBatch.Status.REJECTED
    page = client.get(response.url).content.decode()
    assert 'name="pagu_0"' in page
    response = client.post(
        f"/impor/{batch.pk}/periksa-ulang/",
        {"create_programs": "on", "pagu_0": "Rp 100.000.000"},
    )
    assert response.status_code == 302 and response.url == f"/impor/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.reason
    client.post(f"/impor/{batch.pk}/konfirmasi/")
    grant = Grant.objects.get()
    assert grant.program.name == f"Bantuan Sosial Lembaga {LAST_YEAR}"
    assert grant.program.budget_ceiling == 100_000_000
    assert grant.status == Grant.Status.DISBURSED


def test_only_a_user_who_may_create_programmes_is_offered_to_create_them(
    client, regions, historian
):
    client.force_login(historian)
    page = client.get("/impor/")
    assert b'id="import-form"' in page.content
    assert b'name="create_programs"' not in page.content
    before = snapshot()
    content = xlsx_bytes([HISTORICAL], header=HISTORICAL_HEADER)
    response = upload(client, content, name="daftar.xlsx", create_programs="on")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.options["create_programs"] is False
    text = client.get(response.url).content.decode()
    assert "Program dibuat oleh Pimpinan" in text
    # The re-check offers neither the choice nor a ceiling.
    assert 'id="recheck-form"' in text
    assert 'name="create_programs"' not in text and 'name="pagu_0"' not in text
    after = snapshot()
    after.pop("imports.ImportBatch")
    before.pop("imports.ImportBatch")
    assert after == before


def test_a_historical_list_previewed_by_a_permitted_user_is_not_confirmed_by_another(
    client, last_years_program, historian, operator
):
    client.force_login(historian)
    upload(client, xlsx_bytes([HISTORICAL], header=HISTORICAL_HEADER), name="l.xlsx")
    batch = ImportBatch.objects.get()
    client.force_login(operator)
    response = client.post(f"/impor/{batch.pk}/konfirmasi/", follow=True)
    assert "tidak lagi lolos pemeriksaan" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    assert not Grant.objects.exists()


def test_a_beneficiary_list_for_an_institution_and_year(client, regions, operator):
    institution = InstitutionFactory(
        name="Majelis Taklim Al-Ikhlas", registration_number="REG/7", village_id=VILLAGE
    )
    client.force_login(operator)
    content = csv_bytes(
        [["7502014508900001", "Siti Aminah", "lansia", VILLAGE]],
        header=["nik", "nama", "kategori", "kode_desa"],
    )
    response = client.post(
        "/impor/",
        {
            "kind": "penerima_manfaat",
            "file": SimpleUploadedFile("pm.csv", content),
            "institution": "REG/7",
            "year": "2024",
        },
    )
    assert response.status_code == 302
    client.post(response.url + "konfirmasi/")
    assert BeneficiaryEnrollment.objects.get().institution == institution
    page = client.get(f"/impor/penerima-manfaat/?lembaga={institution.pk}&tahun=2024")
    assert "7502014508900001" in page.content.decode()


def test_a_beneficiary_list_needs_its_institution_and_year(client, regions, operator):
    client.force_login(operator)
    content = csv_bytes(
        [["7502014508900001", "Siti", "lansia", VILLAGE]],
        header=["nik", "nama", "kategori", "kode_desa"],
    )
    response = client.post(
        "/impor/",
        {
            "kind": "penerima_manfaat",
            "file": SimpleUploadedFile("pm.csv", content),
            "institution": "Tidak Ada",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Lembaga tidak ditemukan" in text and "Isi tahun" in text
    assert not ImportBatch.objects.exists()


def test_a_regency_limited_operator_sees_only_their_own_batches(
    client, program, operator
):
    from institutions.models import Regency, StaffProfile

    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    limited = UserFactory(username="operator_kabgor", role="Operator")
    StaffProfile.objects.create(user=limited).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(limited)
    assert client.get(f"/impor/{batch.pk}/").status_code == 404
    assert client.get(f"/impor/{batch.pk}/baris/").status_code == 404
    assert client.post(f"/impor/{batch.pk}/periksa-ulang/").status_code == 404
    response = upload(client, csv_bytes(ROWS), follow=True)
    assert "di luar wilayah kerja Anda" in response.content.decode()
    # Their own rejected attempt is theirs to see.
    assert response.context["batch"].created_by == limited


def test_a_large_upload_read_from_a_temporary_file(client, program, operator, settings):
    # Django keeps uploads above this size in a temporary file, not in memory.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    client.force_login(operator)
    for name, content in (
        ("daftar.csv", csv_bytes(ROWS)),
        (
            "daftar.xlsx",
            xlsx_bytes([[THIS_YEAR, "KT", "Karang Taruna Tunas", VILLAGE, 15000000]]),
        ),
    ):
        response = upload(client, content, name=name)
        assert response.status_code == 302, response.content.decode()[-2000:]
    assert ImportBatch.objects.count() == 2


def test_a_list_already_imported_is_not_kept_for_confirmation(
    client, program, operator
):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    client.post(f"/impor/{ImportBatch.objects.get().pk}/konfirmasi/")
    before = snapshot()
    response = upload(client, csv_bytes(ROWS))
    assert response.status_code == 200
    text = response.content.decode()
    assert "semua baris sudah tercatat" in text
    assert 'id="count-unchanged">2<' in text
    assert snapshot() == before


def test_a_preview_overtaken_by_the_same_import_changes_nothing_on_confirm(
    client, program, operator
):
    client.force_login(operator)
    upload(client, csv_bytes(ROWS))
    upload(client, csv_bytes(ROWS))
    first, second = ImportBatch.objects.order_by("pk")
    client.post(f"/impor/{first.pk}/konfirmasi/")
    before = snapshot()
    response = client.post(f"/impor/{second.pk}/konfirmasi/", follow=True)
    assert "semua baris sudah tercatat" in response.content.decode()
    second.refresh_from_db()
    assert (second.status, second.rows_unchanged) == (ImportBatch.Status.IMPORTED, 2)
    after = snapshot()
    assert after == before
