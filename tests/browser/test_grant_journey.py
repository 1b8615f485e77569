"""The grant journey in a real browser: four roles, four pages, one timeline.

Each test commits for real (the live server runs in another thread), so the
database is flushed afterwards; serialized_rollback brings the role groups back.
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from grants import roles
from grants.models import AccountabilityReport, Disbursement, Grant, GrantEvent
from grants.services import MSG_BANK_CHANGED, MSG_OWN_BANK_CHANGE, MSG_OWN_PROPOSAL
from institutions.models import (
    Institution,
    InstitutionChange,
    Regency,
    StaffProfile,
    Village,
)
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


class Journey:
    """What people do on the pages, counted per step of the journey.

    Every click, fill, choice, tick, file chosen and address typed counts one;
    logging in and out does not (log_in/log_out use the page directly).
    """

    def __init__(self, page: Page):
        self.page = page
        self.step = ""
        self.counts: dict[str, int] = {}

    def begin(self, step: str) -> None:
        self.step = step
        self.counts.setdefault(step, 0)

    def _count(self) -> None:
        assert self.step, "begin() a step first"
        self.counts[self.step] += 1

    def goto(self, path: str) -> None:
        self._count()
        self.page.goto(path)

    def click(self, locator: Locator) -> None:
        self._count()
        locator.click()

    def fill(self, locator: Locator, value: str) -> None:
        self._count()
        locator.fill(value)

    def select(self, locator: Locator, value: str) -> None:
        self._count()
        locator.select_option(value)

    def check(self, locator: Locator) -> None:
        self._count()
        locator.check()

    def upload(self, locator: Locator, *files: dict) -> None:
        self._count()
        locator.set_input_files(list(files))

    def open_task(self, task: str, row: str) -> None:
        """From Beranda: the grant's own link in its "Tugas saya" card."""
        card = self.page.locator(".card.task").filter(
            has=self.page.get_by_role("heading", name=task, exact=True)
        )
        self.click(card.get_by_role("link", name=row, exact=True))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def total_without(self, step: str) -> int:
        return self.total - self.counts.get(step, 0)

    def table(self) -> str:
        width = max(len(step) for step in self.counts)
        lines = [f"{'Langkah':<{width}}  Interaksi"]
        lines += [f"{step:<{width}}  {count:>9}" for step, count in self.counts.items()]
        lines.append(f"{'Jumlah':<{width}}  {self.total:>9}")
        if DOCUMENTS_STEP in self.counts:
            label = "Jumlah tanpa dokumen lembaga"
            lines.append(f"{label:<{width}}  {self.total_without(DOCUMENTS_STEP):>9}")
        return "\n".join(lines)

    def publish(self, folder: Path) -> None:
        """Print the table (pytest -s shows it) and keep it with the artifacts."""
        text = self.table()
        print(f"\n{text}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "journey-interactions.txt").write_text(text + "\n", encoding="utf-8")


def pdf(name: str) -> dict:
    """A small real PDF, as a file chosen in the browser."""
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
DOCUMENT_KINDS = [
    "Akta atau SK pendirian",
    "SK terdaftar",
    "NPWP",
    "Halaman buku rekening",
    "Surat keterangan domisili",
]
# The whole journey (new institution with its five documents, proposal,
# verification, approval, NPHD, payment, LPJ, acceptance) in at most 35
# interactions, logins aside. The documents are their own step, printed apart:
# one file per document, and the save that goes on to the proposal.
INTERACTION_TARGET = 35
DOCUMENTS_STEP = "Operator: dokumen lembaga"
INSTITUTION = "Majelis Taklim Nurul Huda"


def test_grant_goes_from_new_institution_to_disbursement_through_four_roles(
    page: Page, regions, request
):
    operator = UserFactory(
        username="operator", first_name="Rahmat Operator", role=roles.OPERATOR
    )
    # The operator works on Boalemo only: the form starts there.
    StaffProfile.objects.create(user=operator).regencies.add(
        Regency.objects.get(code="75.02")
    )
    UserFactory(
        username="verifikator", first_name="Sri Verifikator", role=roles.VERIFIKATOR
    )
    UserFactory(username="pimpinan", first_name="Hasan Pimpinan", role=roles.PIMPINAN)
    UserFactory(username="bendahara", first_name="Nur Bendahara", role=roles.BENDAHARA)
    program = ProgramFactory(
        name="Bantuan Sosial Lembaga",
        checklist=["Proposal", "KTP ketua"],
        # The SK Gubernur naming the programme's recipients.
        decree_number="400/DINSOS/SK/17",
        decree_date=TODAY,
    )
    journey = Journey(page)

    # 1. Operator: the institution with its documents, then the proposal.
    log_in(page, "operator")
    journey.begin("Operator: lembaga baru")
    journey.click(page.get_by_role("link", name="Tambah lembaga"))
    # The WKSBM type says the kind too.
    journey.select(page.get_by_label("Jenis WKSBM"), "majelis_taklim")
    expect(page.get_by_label("Jenis lembaga")).to_have_value("wksbm")
    journey.fill(page.get_by_label("Nama lembaga"), INSTITUTION)
    # What verification and payment need on record.
    journey.fill(page.get_by_label("Nomor register"), "460/DINSOS-BLM/017/2023")
    journey.fill(page.get_by_label("NPWP:", exact=True), "01.234.567.8-901.000")
    journey.fill(page.get_by_label("Bank:", exact=True), "Bank SulutGo")
    journey.fill(page.get_by_label("Nomor rekening"), "0011-2233-4455")
    # The account holder follows the name until someone types in it.
    expect(page.get_by_label("Nama rekening")).to_have_value(INSTITUTION)

    district, village = page.locator("#id_district"), page.locator("#id_village")
    expect(page.locator("#id_regency")).to_have_value("75.02")
    expect(district.locator('option[value="75.02.01"]')).to_have_text("Paguyaman")
    # A full reload would wipe this; the chained selects must not reload.
    page.evaluate("window.__marker = 1")
    with page.expect_response(
        lambda r: r.url.endswith("/wilayah/desa/?parent=75.02.01")
    ) as villages:
        journey.select(district, "75.02.01")
    assert villages.value.status == 200
    expect(village.locator('option[value="75.02.01.2004"]')).to_have_text("Bongo Nol")
    expect(village).to_be_enabled()
    journey.select(village, "75.02.01.2004")
    assert page.evaluate("window.__marker") == 1
    journey.begin(DOCUMENTS_STEP)
    for kind in DOCUMENT_KINDS:
        journey.upload(page.get_by_label(f"Pindaian {kind}"), pdf(f"{kind}.pdf"))
    # Saved, and straight on to the proposal it was recorded for.
    journey.click(page.get_by_role("button", name="Lanjut ke usulan bantuan"))
    expect(page).to_have_url(re.compile(r"/bantuan/usul/\?lembaga=\d+$"))
    expect(page.locator("main")).to_contain_text(INSTITUTION)

    journey.begin("Operator: usulan")
    program_select = page.get_by_label("Program")
    if program_select.input_value() != str(program.pk):
        journey.select(program_select, str(program.pk))
    journey.fill(page.get_by_label("Nilai bantuan"), "Rp 15.000.000")
    journey.click(page.get_by_role("button", name="Usulkan", exact=True))
    expect(page).to_have_url(GRANT_URL)
    expect(page.locator("#grant-status")).to_have_text("Diusulkan")
    grant_path = urlparse(page.url).path
    expect(page.locator("dl.details").first).to_contain_text("Rp15.000.000")
    log_out(page)

    # 2. Verifikator: every document on the checklist is in order.
    log_in(page, "verifikator")
    journey.begin("Verifikator: verifikasi")
    journey.open_task("Usulan menunggu verifikasi", INSTITUTION)
    verify = page.locator("#form-verify")
    expect(verify).to_be_visible()
    # Returning and rejecting stay behind their closed disclosures.
    expect(page.locator("#form-reject")).to_be_hidden()
    expect(page.locator("#more-reject > summary")).to_have_text("Tolak usulan")
    expect(verify.get_by_role("radio")).to_have_count(4)
    expect(verify.get_by_role("radio", checked=True)).to_have_count(0)
    journey.click(verify.get_by_role("button", name="Semua sesuai, verifikasi"))
    expect(page.locator("#grant-status")).to_have_text("Terverifikasi")
    log_out(page)

    # 3. Pimpinan: the decree (dated today unless changed), then the signed NPHD.
    log_in(page, "pimpinan")
    journey.begin("Pimpinan: persetujuan")
    journey.open_task("Bantuan menunggu persetujuan", INSTITUTION)
    approve = page.locator("#form-approve")
    expect(approve.get_by_label("Tanggal SK")).to_have_value(f"{TODAY:%d/%m/%Y}")
    # The programme's SK is offered; the Pimpinan approves under it.
    expect(approve.get_by_label("Nomor SK penetapan")).to_have_value("400/DINSOS/SK/17")
    journey.click(approve.get_by_role("button", name="Setujui"))
    expect(page.locator("#grant-status")).to_have_text("Disetujui")
    journey.begin("Pimpinan: NPHD")
    nphd = page.locator("#form-nphd")
    expect(nphd.get_by_label("Tanggal NPHD")).to_have_value(f"{TODAY:%d/%m/%Y}")
    journey.fill(nphd.get_by_label("Nomor NPHD"), "NPHD/DINSOS/042")
    journey.upload(nphd.get_by_label("Pindaian NPHD"), pdf("nphd-bertanda-tangan.pdf"))
    journey.click(nphd.get_by_role("button", name="Catat NPHD"))
    expect(page.locator("#grant-nphd")).to_contain_text("NPHD/DINSOS/042")
    log_out(page)

    # 4. Bendahara: the verified account, then the whole amount in one transfer.
    log_in(page, "bendahara")
    journey.begin("Bendahara: penyaluran")
    journey.open_task("Bantuan disetujui, siap disalurkan", INSTITUTION)
    expect(page.locator("#pay-to")).to_contain_text("Bank SulutGo 001122334455")
    disburse = page.locator("#form-disburse")
    expect(disburse.get_by_label("Jumlah")).to_have_value("15.000.000")
    expect(disburse.get_by_label("Tanggal salur")).to_have_value(f"{TODAY:%d/%m/%Y}")
    journey.fill(disburse.get_by_label("Nomor bukti transfer"), "TRF-BSG-0042")
    journey.click(disburse.get_by_role("button", name="Catat penyaluran"))
    expect(page.locator("#grant-status")).to_have_text("Disalurkan")
    log_out(page)

    # 5. Operator and Verifikator: the LPJ with its evidence, then its review.
    record_lpj_step(page, journey)
    accept_lpj_step(page, journey)

    journey.publish(request.config.rootpath / "test-artifacts")
    assert journey.counts[DOCUMENTS_STEP] == len(DOCUMENT_KINDS) + 1, journey.table()
    assert journey.total <= INTERACTION_TARGET, journey.table()

    # 6. The timeline and the database tell the same story.
    timeline = page.locator("ol#timeline > li")
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
    assert institution.account_holder == INSTITUTION
    assert institution.created_by.username == "operator"
    assert institution.documents.count() == len(DOCUMENT_KINDS)
    grant = Grant.objects.get()
    assert grant_path == f"/bantuan/{grant.pk}/"
    assert (grant.institution, grant.program) == (institution, program)
    assert grant.amount == 15_000_000
    assert grant.decree_number == "400/DINSOS/SK/17"
    assert grant.decree_date == grant.nphd_date == TODAY
    with grant.nphd_scan.open("rb") as scan:
        assert scan.read() == PDF
    assert {item: r["ok"] for item, r in grant.checklist_results.items()} == {
        "Proposal": True,
        "KTP ketua": True,
    }
    disbursement = Disbursement.objects.get(grant=grant)
    assert disbursement.paid_on == TODAY
    assert disbursement.amount == 15_000_000
    assert disbursement.transfer_reference == "TRF-BSG-0042"
    assert disbursement.paid_to_account_number == "001122334455"
    report = AccountabilityReport.objects.get(grant=grant)
    assert (report.status, report.amount_spent, report.refund_amount) == (
        AccountabilityReport.Status.ACCEPTED,
        15_000_000,
        0,
    )
    assert report.submitted_on == TODAY
    assert grant.status == Grant.Status.CLOSED
    events = GrantEvent.objects.filter(grant=grant, kind=GrantEvent.Kind.STATUS)
    moves = events.order_by("created_at", "pk")
    assert [(e.from_status, e.to_status, e.actor.username) for e in moves] == [
        ("", "proposed", "operator"),
        ("proposed", "verified", "verifikator"),
        ("verified", "approved", "pimpinan"),
        ("approved", "disbursed", "bendahara"),
        ("disbursed", "closed", "verifikator"),
    ]


# What makes an LPJ; the activity photos only support it and are left out here.
LPJ_EVIDENCE = [
    "Laporan penggunaan dana",
    "SPTJ ditandatangani",
    "Bukti pengeluaran (kuitansi)",
]


def record_lpj_step(page: Page, journey: Journey) -> None:
    """The Operator records the LPJ with its four pieces of evidence."""
    log_in(page, "operator")
    journey.begin("Operator: LPJ")
    # "Tugas saya" opens the LPJ form of the grant itself.
    journey.open_task("LPJ belum dicatat, belum jatuh tempo", INSTITUTION)
    expect(page.get_by_label("Tanggal diserahkan")).to_have_value(f"{TODAY:%d/%m/%Y}")
    expect(page.get_by_label("Sisa dana disetor (Rp)")).to_have_value("0")
    journey.fill(page.get_by_label("Dana terpakai (Rp)"), "15.000.000")
    for kind in LPJ_EVIDENCE:
        journey.upload(page.get_by_label(kind), pdf(f"{kind}.pdf"))
    journey.click(page.get_by_role("button", name="Simpan LPJ"))
    expect(page).to_have_url(GRANT_URL)
    expect(page.locator("#lpj")).to_contain_text("Diserahkan")
    log_out(page)


def accept_lpj_step(page: Page, journey: Journey) -> None:
    """The Verifikator finds every piece of evidence in order and accepts."""
    log_in(page, "verifikator")
    journey.begin("Verifikator: pemeriksaan LPJ")
    journey.open_task("LPJ menunggu pemeriksaan", INSTITUTION)
    review = page.locator("#form-review_lpj")
    expect(review.get_by_role("radio", checked=True)).to_have_count(0)
    journey.click(review.get_by_role("button", name="Semua sesuai, terima LPJ"))
    expect(page.locator("#grant-status")).to_have_text("Selesai")


@pytest.mark.browser_context_args(viewport={"width": PHONE_WIDTH, "height": 740})
def test_the_new_institution_form_with_its_scans_fits_a_360px_phone(
    page: Page, regions
):
    UserFactory(username="operator", role=roles.OPERATOR)

    log_in(page, "operator", "/lembaga/baru/")

    for kind in DOCUMENT_KINDS:
        expect(page.get_by_label(f"Pindaian {kind}")).to_be_visible()
    assert_no_sideways_scroll(page)
    page.locator(".document-details > summary").first.click()
    assert_no_sideways_scroll(page)


@pytest.mark.browser_context_args(viewport={"width": PHONE_WIDTH, "height": 740})
def test_the_grant_page_with_its_open_step_fits_a_360px_phone(page: Page, regions):
    UserFactory(username="verifikator", role=roles.VERIFIKATOR)
    institution = InstitutionFactory(
        name="Paguyuban Rukun Duka Al-Ikhlas Bongo Nol Kecamatan Paguyaman",
        village=Village.objects.get(code="75.02.01.2004"),
    )
    program = ProgramFactory(
        checklist=["Proposal bertanda tangan ketua dan sekretaris", "KTP ketua"]
    )
    grant = GrantFactory(program=program, institution=institution)

    log_in(page, "verifikator", f"/bantuan/{grant.pk}/")

    expect(page.locator("#form-verify")).to_be_visible()
    assert_no_sideways_scroll(page)
    page.locator("#more-reject > summary").click()
    expect(page.locator("#form-reject")).to_be_visible()
    assert_no_sideways_scroll(page)


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
