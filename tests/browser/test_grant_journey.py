"""The grant journey in a real browser: four roles, four pages, one timeline.

Each test commits for real (the live server runs in another thread), so the
database is flushed afterwards; serialized_rollback brings the role groups back.
"""

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from grants import roles
from grants.models import Disbursement, Grant, GrantEvent
from grants.services import MSG_BANK_CHANGED, MSG_OWN_BANK_CHANGE, MSG_OWN_PROPOSAL
from institutions.models import Institution, InstitutionChange, Village
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "rahasia-uji-123"
PHONE_WIDTH = 360
GRANT_URL = re.compile(r"/bantuan/\d+/$")
TODAY = timezone.localdate()


def log_in(page: Page, username: str, path: str | None = None) -> None:
    """Log in at /masuk/ and land on Beranda, or open a staff page (which sends
    us to /masuk/?next=...) and come back to it after logging in."""
    if path is None:
        page.goto("/masuk/")
    else:
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/masuk/\?next="))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(re.escape(path or "/") + "$"))
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/masuk/$"))


def propose(page: Page, program_label: str, amount: str) -> str:
    """From an institution's page, propose a grant; return the grant page's path."""
    page.get_by_role("link", name="Usulkan bantuan").click()
    page.get_by_label("Program").select_option(label=program_label)
    page.get_by_label("Nilai bantuan").fill(amount)
    page.get_by_label("Peruntukan").fill("Pengadaan rebana dan pengeras suara")
    page.get_by_role("button", name="Usulkan", exact=True).click()
    expect(page).to_have_url(GRANT_URL)
    expect(page.locator("#grant-status")).to_have_text("Diusulkan")
    return urlparse(page.url).path


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    # 2 px for sub-pixel rounding; the wide table scrolls inside its own box.
    assert width <= PHONE_WIDTH + 2, f"the page scrolls sideways: {width}px wide"


def test_grant_goes_from_new_institution_to_disbursement_through_four_roles(
    page: Page, regions
):
    UserFactory(username="operator", first_name="Rahmat Operator", role=roles.OPERATOR)
    UserFactory(
        username="verifikator", first_name="Sri Verifikator", role=roles.VERIFIKATOR
    )
    UserFactory(username="pimpinan", first_name="Hasan Pimpinan", role=roles.PIMPINAN)
    UserFactory(username="bendahara", first_name="Nur Bendahara", role=roles.BENDAHARA)
    program = ProgramFactory(
        name="Bantuan Sosial Lembaga", checklist=["Proposal", "KTP ketua"]
    )

    # 1. Operator: the institution, then the proposal.
    log_in(page, "operator")
    page.goto("/lembaga/baru/")
    page.get_by_label("Jenis lembaga").select_option("wksbm")
    page.get_by_label("Jenis WKSBM").select_option("majelis_taklim")
    page.get_by_label("Nama lembaga").fill("Majelis Taklim Nurul Huda")
    page.get_by_label("Nama ketua").fill("Hj. Siti Rahmah Mooduto")
    page.get_by_label("Telepon").fill("0812-4455-6677")
    # What verification and payment need on record.
    page.get_by_label("Nomor register").fill("460/DINSOS-BLM/017/2023")
    page.get_by_label("NPWP").fill("01.234.567.8-901.000")
    page.get_by_label("Bank").fill("Bank SulutGo")
    page.get_by_label("Nomor rekening").fill("0011-2233-4455")
    page.get_by_label("Nama rekening").fill("Majelis Taklim Nurul Huda")

    regency, district, village = (
        page.locator("#id_regency"),
        page.locator("#id_district"),
        page.locator("#id_village"),
    )
    expect(district.locator("option")).to_have_count(1)  # only "---------"
    # A full reload would wipe this; the chained selects must not reload.
    page.evaluate("window.__marker = 1")
    with page.expect_response(
        lambda r: r.url.endswith("/wilayah/kecamatan/?parent=75.02")
    ) as districts:
        regency.select_option("75.02")
    assert districts.value.status == 200
    expect(district.locator('option[value="75.02.01"]')).to_have_text("Paguyaman")
    # The district change empties the villages with a fetch of its own; wait for
    # it, or its late answer could wipe the villages fetched next.
    expect(village).to_be_disabled()
    with page.expect_response(
        lambda r: r.url.endswith("/wilayah/desa/?parent=75.02.01")
    ) as villages:
        district.select_option("75.02.01")
    assert villages.value.status == 200
    expect(village.locator('option[value="75.02.01.2004"]')).to_have_text("Bongo Nol")
    expect(village).to_be_enabled()
    village.select_option("75.02.01.2004")
    assert page.evaluate("window.__marker") == 1

    page.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(re.compile(r"/lembaga/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Majelis Taklim Nurul Huda"
    )
    grant_path = propose(page, str(program), "Rp 15.000.000")
    expect(page.locator("dl.details").first).to_contain_text("Rp15.000.000")
    log_out(page)

    # 2. Verifikator: every document on the checklist is in order.
    log_in(page, "verifikator", grant_path)
    verify = page.locator("#form-verify")
    expect(verify).to_be_visible()
    # Returning and rejecting stay behind their closed disclosures.
    expect(page.locator("#form-reject")).to_be_hidden()
    expect(page.locator("#more-reject > summary")).to_have_text("Tolak usulan")
    expect(verify.get_by_role("radio")).to_have_count(4)
    expect(verify.get_by_role("radio", checked=True)).to_have_count(0)
    for item in ("Proposal", "KTP ketua"):
        row = verify.get_by_role("group", name=item, exact=True)
        row.get_by_label("Sesuai", exact=True).check()
    verify.get_by_label("Catatan Proposal").fill("Lengkap dan bertanda tangan.")
    verify.get_by_role("button", name="Verifikasi").click()
    expect(page.locator("#grant-status")).to_have_text("Terverifikasi")
    log_out(page)

    # 3. Pimpinan: the decree (dates typed day-first), then the signed NPHD.
    log_in(page, "pimpinan", grant_path)
    approve = page.locator("#form-approve")
    approve.get_by_label("Nomor SK penetapan").fill("400/DINSOS/SK/17")
    approve.get_by_label("Tanggal SK").fill(f"{TODAY:%d/%m/%Y}")
    approve.get_by_role("button", name="Setujui").click()
    expect(page.locator("#grant-status")).to_have_text("Disetujui")
    nphd = page.locator("#form-nphd")
    nphd.get_by_label("Nomor NPHD").fill("NPHD/DINSOS/042")
    nphd.get_by_label("Tanggal NPHD").fill(f"{TODAY:%d/%m/%Y}")
    nphd.get_by_role("button", name="Catat NPHD").click()
    expect(page.locator("#grant-nphd")).to_contain_text("NPHD/DINSOS/042")
    log_out(page)

    # 4. Bendahara: the verified account, then the whole amount in one transfer.
    log_in(page, "bendahara", grant_path)
    expect(page.locator("#pay-to")).to_contain_text("Bank SulutGo 001122334455")
    disburse = page.locator("#form-disburse")
    expect(disburse.get_by_label("Jumlah")).to_have_value("15.000.000")
    disburse.get_by_label("Tanggal salur").fill(f"{TODAY:%d/%m/%Y}")
    disburse.get_by_label("Nomor bukti transfer").fill("TRF-BSG-0042")
    disburse.get_by_role("button", name="Catat penyaluran").click()
    expect(page.locator("#grant-status")).to_have_text("Disalurkan")

    # 5. The timeline and the database tell the same story.
    timeline = page.locator("ol#timeline > li")
    expect(timeline).to_have_count(5)
    for index, (label, actor) in enumerate(
        [
            ("Diusulkan", "Rahmat Operator"),
            ("Terverifikasi", "Sri Verifikator"),
            ("Disetujui", "Hasan Pimpinan"),
            ("NPHD dicatat", "Hasan Pimpinan"),
            ("Disalurkan", "Nur Bendahara"),
        ]
    ):
        expect(timeline.nth(index)).to_contain_text(label)
        expect(timeline.nth(index)).to_contain_text(actor)

    institution = Institution.objects.get()
    assert (institution.kind, institution.wksbm_type) == ("wksbm", "majelis_taklim")
    assert institution.village_id == "75.02.01.2004"
    assert institution.created_by.username == "operator"
    grant = Grant.objects.get()
    assert grant_path == f"/bantuan/{grant.pk}/"
    assert (grant.institution, grant.program) == (institution, program)
    assert grant.amount == 15_000_000
    assert grant.status == Grant.Status.DISBURSED
    assert grant.decree_number == "400/DINSOS/SK/17"
    assert grant.decree_date == grant.nphd_date == TODAY
    assert {item: r["ok"] for item, r in grant.checklist_results.items()} == {
        "Proposal": True,
        "KTP ketua": True,
    }
    assert grant.checklist_results["Proposal"]["note"] == "Lengkap dan bertanda tangan."
    disbursement = Disbursement.objects.get(grant=grant)
    assert disbursement.paid_on == TODAY
    assert disbursement.amount == 15_000_000
    assert disbursement.transfer_reference == "TRF-BSG-0042"
    assert disbursement.paid_to_account_number == "001122334455"
    events = GrantEvent.objects.filter(grant=grant).order_by("created_at", "pk")
    assert [(e.from_status, e.to_status, e.actor.username) for e in events] == [
        ("", "proposed", "operator"),
        ("proposed", "verified", "verifikator"),
        ("verified", "approved", "pimpinan"),
        ("approved", "approved", "pimpinan"),
        ("approved", "disbursed", "bendahara"),
    ]


def test_verifier_who_proposed_a_grant_is_not_offered_to_verify_it(page: Page):
    user = UserFactory(username="operator_verifikator", role=roles.OPERATOR)
    user.groups.add(Group.objects.get(name=roles.VERIFIKATOR))
    institution = InstitutionFactory(name="Takmirul Masjid Al-Hikmah")
    program = ProgramFactory()

    log_in(page, "operator_verifikator", f"/lembaga/{institution.pk}/")
    propose(page, str(program), "10.000.000")

    expect(page.locator("#form-verify")).to_have_count(0)
    expect(page.locator("#blocked-actions")).to_contain_text("Verifikasi")
    expect(page.locator("#blocked-actions")).to_contain_text(MSG_OWN_PROPOSAL)
    assert Grant.objects.get().proposed_by == user


def test_a_changed_bank_account_holds_payment_until_a_verifier_confirms_it(page: Page):
    # The operator also verifies: still not for an account they changed.
    operator = UserFactory(
        username="operator", first_name="Rahmat Operator", role=roles.OPERATOR
    )
    operator.groups.add(Group.objects.get(name=roles.VERIFIKATOR))
    UserFactory(
        username="verifikator", first_name="Sri Verifikator", role=roles.VERIFIKATOR
    )
    UserFactory(username="bendahara", role=roles.BENDAHARA)
    institution = InstitutionFactory(
        name="Karang Taruna Tunas Harapan",
        bank_name="Bank SulutGo",
        account_number="1111222233",
        account_holder="Karang Taruna Tunas Harapan",
    )
    grant = GrantFactory(institution=institution, approved=True, amount=20_000_000)
    grant_path = f"/bantuan/{grant.pk}/"

    # 1. The operator changes the account after the approval.
    log_in(page, "operator", f"/lembaga/{institution.pk}/ubah/")
    page.get_by_label("Nomor rekening").fill("9999888877")
    page.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(re.compile(rf"/lembaga/{institution.pk}/$"))
    history = page.locator("#identity-history")
    expect(history).to_contain_text("1111222233")
    expect(history).to_contain_text("9999888877")
    page.goto(grant_path)
    expect(page.locator("#bank-change-pending")).to_be_visible()
    expect(page.locator("#form-confirm_bank")).to_have_count(0)
    expect(page.locator("#blocked-actions")).to_contain_text(MSG_OWN_BANK_CHANGE)
    log_out(page)

    # 2. The treasurer cannot pay: the form is not offered, and why is said.
    log_in(page, "bendahara", grant_path)
    expect(page.locator("#form-disburse")).to_have_count(0)
    expect(page.locator("#blocked-actions")).to_contain_text(MSG_BANK_CHANGED)
    expect(page.locator("#grant-account")).to_contain_text("1111222233")
    log_out(page)

    # 3. Another verifier checks the new account and confirms it with a note.
    log_in(page, "verifikator", grant_path)
    confirm = page.locator("#form-confirm_bank")
    confirm.get_by_label("Catatan konfirmasi").fill(
        "Buku tabungan baru dan surat ketua diperiksa."
    )
    confirm.get_by_role("button", name="Konfirmasi rekening baru").click()
    expect(page.locator("#bank-change-pending")).to_have_count(0)
    expect(page.locator("#grant-account")).to_contain_text("9999888877")
    log_out(page)

    # 4. Now the treasurer pays, to the confirmed account.
    log_in(page, "bendahara", grant_path)
    expect(page.locator("#pay-to")).to_contain_text("9999888877")
    disburse = page.locator("#form-disburse")
    disburse.get_by_label("Tanggal salur").fill(f"{TODAY:%d/%m/%Y}")
    disburse.get_by_label("Nomor bukti transfer").fill("TRF-KT-0007")
    disburse.get_by_role("button", name="Catat penyaluran").click()
    expect(page.locator("#grant-status")).to_have_text("Disalurkan")

    assert Disbursement.objects.get(grant=grant).paid_to_account_number == (
        "9999888877"
    )
    change = InstitutionChange.objects.get(institution=institution)
    assert (change.field, change.old_value, change.new_value) == (
        "account_number",
        "1111222233",
        "9999888877",
    )
    assert change.changed_by == operator
    kinds = list(
        GrantEvent.objects.filter(grant=grant)
        .order_by("created_at", "pk")
        .values_list("kind", "actor__username")
    )
    assert kinds == [
        ("bank_changed", "operator"),
        ("bank_confirmed", "verifikator"),
        ("status", "bendahara"),
    ]


@pytest.mark.browser_context_args(viewport={"width": PHONE_WIDTH, "height": 740})
def test_menu_toggle_and_institution_list_fit_a_360px_phone(page: Page, regions):
    UserFactory(username="operator", role=roles.OPERATOR)
    # Long real names, so the table is as wide as it gets in the office.
    village = Village.objects.get(code="75.02.01.2004")
    for name in ["Majelis Taklim Nurul Huda", "Paguyuban Rukun Duka Al-Ikhlas"]:
        InstitutionFactory(name=f"{name} Bongo Nol", village=village)

    log_in(page, "operator", "/lembaga/")
    expect(page.get_by_role("heading", name="Lembaga", level=1)).to_be_visible()
    assert_no_sideways_scroll(page)
    nav = page.get_by_role("navigation", name="Navigasi utama")
    expect(nav).to_be_hidden()

    page.get_by_text("☰ Menu").click()
    expect(nav).to_be_visible()
    for link in ["Beranda", "Lembaga", "Program & Bantuan", "LPJ", "Laporan"]:
        expect(nav.get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(
        page.get_by_role("link", name="Majelis Taklim Nurul Huda Bongo Nol")
    ).to_be_visible()
    assert_no_sideways_scroll(page)
