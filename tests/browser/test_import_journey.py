"""Importing a recipient list in a real browser: upload, preview, re-check, confirm.

Commits for real (the live server runs in another thread); serialized_rollback
brings the role groups back after the flush.
"""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from grants import roles
from grants.models import Grant, Program
from imports.models import ImportBatch
from institutions.models import Institution
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "rahasia-uji-123"
# This year's proposals, and last year's grant paid before the app.
YEAR = timezone.localdate().year
LAST = YEAR - 1
HEADER = "Tahun;Jenis Lembaga;Nama Lembaga;Desa;Kecamatan;Kabupaten;Nilai Bantuan;Status;Nomor SK;Tanggal Salur"
GOOD = "\r\n".join(
    [
        HEADER,
        f"{YEAR};KARANG TARUNA;Karang Taruna Tunas Harapan;Bongo Nol;Paguyaman;Kab. Boalemo;Rp 15.000.000;;;",
        f"{YEAR};Majelis Taklim;Majelis Taklim Al-Ikhlas;Bongo Nol;Paguyaman;BOALEMO;10.000.000,00;;;",
        f"{LAST};KT;karang taruna tunas-harapan;BONGO NOL;Paguyaman;Boalemo;Rp 20.000.000;disalurkan;188.44/KEP/7;17/06/{LAST}",
    ]
)
BAD = "\r\n".join(
    [HEADER, f"{YEAR};Koperasi;Koperasi Maju;Bongo Nol;Paguyamann;Boalemo;0;;;"]
)


def log_in(page: Page, username: str) -> None:
    page.goto("/masuk/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def choose_file(page: Page, name: str, text: str) -> None:
    page.get_by_label("Berkas CSV atau Excel (.xlsx)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("cp1252")}]
    )


def test_an_operator_uploads_previews_and_confirms_a_list(page: Page, regions):
    # An operator who also manages programmes (Pimpinan) and to whom the
    # administrator gave the historical import.
    operator = UserFactory(
        username="operator", first_name="Rahmat Operator", role=roles.OPERATOR
    )
    operator.groups.add(Group.objects.get(name=roles.PIMPINAN))
    operator.user_permissions.add(
        Permission.objects.get(codename="import_historical_grant")
    )
    ProgramFactory(year=YEAR, name=f"Bantuan Sosial Lembaga {YEAR}")
    log_in(page, "operator")
    page.get_by_role("link", name="Impor", exact=True).click()
    expect(page).to_have_url(re.compile(r"/impor/$"))

    choose_file(page, "daftar_dua_tahun.csv", GOOD)
    page.get_by_label("Buat program yang belum ada").check()
    page.get_by_role("button", name="Periksa berkas").click()

    # Last year's programme is to be created: its ceiling is typed on the
    # preview, and the same file is checked again without a new upload.
    expect(page).to_have_url(re.compile(r"/impor/\d+/$"))
    expect(page.locator("#batch-status")).to_have_text("Ditolak")
    page.get_by_label(f"Pagu Bantuan Sosial Lembaga {LAST} ({LAST})").fill(
        "Rp 50.000.000"
    )
    page.get_by_role("button", name="Periksa ulang").click()

    expect(page.locator("#batch-status")).to_have_text("Menunggu konfirmasi")
    expect(page.locator("#count-new")).to_have_text("3")
    expect(page.locator("#count-rejected")).to_have_text("0")
    expect(page.locator("#file-reading")).to_contain_text(
        "disimpan sebagai UTF-8, kolom dipisah titik koma"
    )
    expect(
        page.get_by_text(f"Program baru: Bantuan Sosial Lembaga {LAST}")
    ).to_be_visible()
    expect(page.locator("#warnings")).to_contain_text(
        f"menerima bantuan pada tahun {LAST}"
    )
    expect(page.locator("#rows tbody tr")).to_have_count(3)
    expect(page.locator("#rows")).to_contain_text("Karang Taruna Tunas Harapan")
    expect(page.locator("#rows")).to_contain_text("Rp15.000.000")
    assert not Grant.objects.exists(), "the preview writes nothing"
    assert ImportBatch.objects.count() == 1, "checked again, not uploaded again"

    page.get_by_role("button", name="Konfirmasi dan simpan").click()
    expect(page.locator("#batch-status")).to_have_text("Diimpor")
    expect(page.get_by_role("status").first).to_contain_text("selesai")
    expect(page.locator("#created-institutions")).to_contain_text(
        "Karang Taruna Tunas Harapan"
    )
    expect(page.get_by_role("button", name="Konfirmasi dan simpan")).to_have_count(0)

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Institution.objects.filter(import_batch=batch).count() == 2
    assert sorted(Grant.objects.values_list("status", flat=True)) == [
        "disbursed",
        "proposed",
        "proposed",
    ]
    assert Program.objects.get(year=LAST).budget_ceiling == 50_000_000

    page.get_by_role("link", name="Semua impor").click()
    expect(page.locator("#batches")).to_contain_text("daftar_dua_tahun.csv")


def test_a_list_with_errors_is_shown_kept_as_rejected_and_nothing_is_written(
    page: Page, regions
):
    UserFactory(username="operator", role=roles.OPERATOR)
    ProgramFactory(year=YEAR)
    log_in(page, "operator")
    page.goto("/impor/")
    # Programmes come from a file only by users who manage them.
    expect(page.get_by_label("Buat program yang belum ada")).to_have_count(0)
    choose_file(page, "salah.csv", BAD)
    page.get_by_role("button", name="Periksa berkas").click()

    expect(page).to_have_url(re.compile(r"/impor/\d+/$"))
    expect(page.locator("#batch-status")).to_have_text("Ditolak")
    errors = page.locator("#errors")
    expect(errors).to_contain_text("Jenis lembaga tidak dikenal")
    expect(errors).to_contain_text("Mungkin maksud Anda: Paguyaman")
    expect(errors).to_contain_text("Nilai bantuan harus lebih dari nol.")
    expect(page.locator("#rows .row-rejected")).to_contain_text("Koperasi Maju")
    expect(page.get_by_role("button", name="Konfirmasi dan simpan")).to_have_count(0)
    expect(page.get_by_role("button", name="Periksa ulang")).to_be_visible()
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED
    assert not Institution.objects.exists()

    page.get_by_role("link", name="Semua impor").click()
    expect(page.locator("#batches")).to_contain_text("Ditolak")


def test_the_import_pages_fit_a_360_pixel_phone(page: Page, regions):
    UserFactory(username="operator", role=roles.OPERATOR)
    ProgramFactory(year=YEAR)
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, "operator")
    long_name = "daftar_penerima_bantuan_sosial_lembaga_provinsi_gorontalo_final.csv"
    page.goto("/impor/")
    choose_file(page, long_name, GOOD + "\r\n" + BAD.split("\r\n")[1])
    page.get_by_role("button", name="Periksa berkas").click()
    expect(page).to_have_url(re.compile(r"/impor/\d+/$"))
    expect(page.locator("#errors")).to_be_visible()
    batch = ImportBatch.objects.get()
    for path in ("/impor/", f"/impor/{batch.pk}/", f"/impor/{batch.pk}/baris/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways: {width} px"
