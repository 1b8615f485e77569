"""The LPJ with evidence in a real browser: the Operator uploads it, the
Verifikator asks to fix one item, the Operator resubmits that item, the
Verifikator accepts, and the grant is closed.

Each test commits for real (the live server runs in another thread), so the
database is flushed afterwards; serialized_rollback brings the role groups back.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from grants import roles
from grants.models import AccountabilityReport, Grant, LpjItemReview
from tests.factories import TINY_PDF, GrantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "rahasia-uji-123"
LABELS = (
    "Laporan penggunaan dana",
    "SPTJ ditandatangani",
    "Bukti pengeluaran (kuitansi)",
    "Foto kegiatan",
)


def log_in(page: Page, username: str, path: str) -> None:
    page.goto(path)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/masuk/$"))


@pytest.fixture
def scans(tmp_path):
    """A real (tiny) PDF per evidence kind, as files on the user's disk."""
    paths = {}
    for number, label in enumerate(LABELS):
        path = tmp_path / f"bukti-{number}.pdf"
        path.write_bytes(TINY_PDF)
        paths[label] = path
    return paths


def test_an_lpj_goes_back_for_one_item_and_is_then_accepted(page: Page, scans):
    operator = UserFactory(username="operator_lpj", role=roles.OPERATOR)
    UserFactory(username="verifikator_lpj", role=roles.VERIFIKATOR)
    grant = GrantFactory(
        program=ProgramFactory(),
        disbursed=True,
        amount=10_000_000,
        proposed_by=operator,
    )
    grant_path = f"/bantuan/{grant.pk}/"

    # The Operator records the LPJ with its four pieces of evidence.
    log_in(page, "operator_lpj", grant_path)
    page.get_by_role("link", name="Catat LPJ").click()
    expect(page.get_by_label("Sisa dana disetor (Rp)")).to_have_value("0")
    page.get_by_label("Dana terpakai (Rp)").fill("10.000.000")
    for label, path in scans.items():
        page.get_by_label(label).set_input_files(path)
    page.get_by_role("button", name="Simpan LPJ").click()
    expect(page).to_have_url(re.compile(re.escape(grant_path) + "$"))
    expect(page.get_by_role("status")).to_have_text("LPJ dicatat.")
    log_out(page)

    # The Verifikator finds the receipts wanting.
    log_in(page, "verifikator_lpj", grant_path)
    review = page.locator("#form-review_lpj")
    for item in ("Laporan penggunaan dana", "SPTJ ditandatangani", "Foto kegiatan"):
        review.get_by_role("group", name=item).get_by_label(
            "Sesuai", exact=True
        ).check()
    receipts = review.get_by_role("group", name="Bukti pengeluaran (kuitansi)")
    receipts.get_by_label("Perlu perbaikan").check()
    review.get_by_label("Catatan Bukti pengeluaran (kuitansi)").fill(
        "Kuitansi toko bangunan tidak terbaca"
    )
    review.get_by_role("button", name="Simpan pemeriksaan").click()
    expect(page.get_by_role("status")).to_contain_text(
        "LPJ dikembalikan kepada Operator"
    )
    log_out(page)

    # The Operator brings a readable receipt, and only that.
    log_in(page, "operator_lpj", grant_path)
    page.get_by_role("link", name="Catat perbaikan LPJ").click()
    expect(page.get_by_text("Kuitansi toko bangunan tidak terbaca")).to_be_visible()
    page.get_by_label("Bukti pengeluaran (kuitansi)").set_input_files(
        scans["Bukti pengeluaran (kuitansi)"]
    )
    page.get_by_role("button", name="Simpan LPJ").click()
    expect(page.get_by_role("status")).to_have_text("LPJ dicatat.")
    log_out(page)

    # The Verifikator accepts: the grant is closed.
    log_in(page, "verifikator_lpj", grant_path)
    review = page.locator("#form-review_lpj")
    review.get_by_role("button", name="Semua sesuai, terima LPJ").click()
    expect(page.get_by_role("status")).to_have_text("LPJ diterima.")
    expect(page.locator("#grant-status")).to_have_text("Selesai")
    expect(page.get_by_role("heading", name="Riwayat putaran LPJ")).to_be_visible()

    report = AccountabilityReport.objects.get(grant=grant)
    assert (report.status, report.round) == (AccountabilityReport.Status.ACCEPTED, 2)
    assert list(
        report.rounds.order_by("number").values_list("accepted", flat=True)
    ) == [
        False,
        True,
    ]
    assert list(
        LpjItemReview.objects.filter(in_order=False).values_list("kind", flat=True)
    ) == ["kuitansi"]
    assert report.evidence.count() == 5
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.CLOSED
