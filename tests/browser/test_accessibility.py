"""No serious or critical axe-core violation on any page staff or the public see.

Every workspace page is checked as each role sees it, at 1280 x 800 and at
360 x 740 (the same page, resized: the layout changes, the content does not),
and so are the pages with a flash message, forms with errors and the 403 and
404 pages. A failure lists every failing page with its rules and elements.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from grants import roles
from grants.services import record_lpj
from tests.browser.axe import describe, require_axe, serious_violations
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    ImportBatchFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
    lpj_evidence,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "rahasia-uji-123"
VIEWPORTS = {"1280": (1280, 800), "360": (360, 740)}


@pytest.fixture(autouse=True)
def _axe():
    require_axe()


class Audit:
    """Checks pages at both widths and keeps what failed, named by page."""

    def __init__(self, page: Page):
        self.page = page
        self.failures: dict[str, list[dict]] = {}
        self.checked = 0

    def check(self, name: str, *, widths: tuple[str, ...] = tuple(VIEWPORTS)) -> None:
        """Check the page as it is now, wide and narrow."""
        path = urlsplit(self.page.url)
        where = path.path + (f"?{path.query}" if path.query else "")
        for label in widths:
            width, height = VIEWPORTS[label]
            self.page.set_viewport_size({"width": width, "height": height})
            violations = serious_violations(self.page)
            self.checked += 1
            if violations:
                self.failures[f"{name} ({where}) at {label} px"] = violations
        self.page.set_viewport_size({"width": 1280, "height": 800})

    def visit(self, name: str, path: str, *, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"{name}: {path} answered {response and response.status}, not {status}"
        )
        self.check(name)

    def assert_clean(self) -> None:
        report = "\n".join(
            f"{name}:\n{describe(violations)}"
            for name, violations in self.failures.items()
        )
        assert not self.failures, (
            f"{len(self.failures)} of {self.checked} page views have serious or "
            f"critical axe-core violations:\n{report}"
        )


@pytest.fixture
def audit(page: Page) -> Audit:
    return Audit(page)


def log_in(page: Page, username: str) -> None:
    page.goto("/masuk/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def workspace() -> dict[str, object]:
    """An institution, this year's programme with a grant in each state, an LPJ
    with its evidence to review, a Bimtek event with participants and an import awaiting review."""
    today = timezone.localdate()
    program = ProgramFactory(name="Bantuan Sosial Lembaga Aksesibel")
    institution = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    proposed = GrantFactory(program=program, institution=institution)
    verified = GrantFactory(program=program, verified=True)
    approved = GrantFactory(program=program, approved=True)
    disbursed = DisbursementFactory(
        grant=GrantFactory(program=program, disbursed=True), paid_on=today
    ).grant
    reported = DisbursementFactory(
        grant=GrantFactory(program=program, disbursed=True), paid_on=today
    ).grant
    record_lpj(
        reported,
        by=UserFactory(username="a11y_pencatat", role=roles.OPERATOR),
        submitted_on=today,
        amount_spent=reported.amount,
        evidence=lpj_evidence(),
    )
    event = TrainingEventFactory(
        start_date=today - datetime.timedelta(days=30),
        end_date=today - datetime.timedelta(days=29),
    )
    ParticipantFactory.create_batch(2, event=event, institution=institution)
    batch = ImportBatchFactory()
    return {
        "program": program,
        "institution": institution,
        "proposed": proposed,
        "verified": verified,
        "approved": approved,
        "disbursed": disbursed,
        "reported": reported,
        "event": event,
        "batch": batch,
    }


def workspace_pages(data: dict[str, object]) -> list[tuple[str, str]]:
    institution, event = data["institution"], data["event"]
    participant = event.participants.first()
    return [
        ("Beranda", "/"),
        ("Daftar lembaga", "/lembaga/"),
        ("Lembaga", f"/lembaga/{institution.pk}/"),
        ("Lembaga baru", "/lembaga/baru/"),
        ("Ubah lembaga", f"/lembaga/{institution.pk}/ubah/"),
        ("Dokumen lembaga", f"/lembaga/{institution.pk}/dokumen/"),
        ("Usulan bantuan", f"/bantuan/usul/?lembaga={institution.pk}"),
        ("Daftar program", "/program/"),
        ("Program", f"/program/{data['program'].pk}/"),
        ("Program baru", "/program/baru/"),
        ("Ubah program", f"/program/{data['program'].pk}/ubah/"),
        ("Daftar bantuan", "/bantuan/"),
        ("Bantuan diusulkan", f"/bantuan/{data['proposed'].pk}/"),
        ("Bantuan terverifikasi", f"/bantuan/{data['verified'].pk}/"),
        ("Bantuan disetujui", f"/bantuan/{data['approved'].pk}/"),
        ("Bantuan disalurkan", f"/bantuan/{data['disbursed'].pk}/"),
        ("Bantuan dengan LPJ", f"/bantuan/{data['reported'].pk}/"),
        ("Daftar LPJ", "/lpj/"),
        ("Catat LPJ", f"/lpj/{data['disbursed'].pk}/catat/"),
        ("Daftar Bimtek", "/bimtek/"),
        ("Bimtek", f"/bimtek/{event.pk}/"),
        ("Bimtek baru", "/bimtek/baru/"),
        ("Ubah Bimtek", f"/bimtek/{event.pk}/ubah/"),
        ("Peserta Bimtek", f"/bimtek/{event.pk}/peserta/"),
        ("Ubah peserta", f"/bimtek/{event.pk}/peserta/{participant.pk}/ubah/"),
        ("Impor", "/impor/"),
        ("Impor: pratinjau", f"/impor/{data['batch'].pk}/"),
        ("Impor: baris", f"/impor/{data['batch'].pk}/baris/"),
        ("Penerima manfaat", "/impor/penerima-manfaat/"),
        ("Laporan", "/laporan/"),
        ("Laporan tahunan", "/laporan/tahunan/"),
        ("Laporan wilayah", "/laporan/wilayah/"),
        ("Laporan LPJ", "/laporan/lpj/"),
        ("Laporan Bimtek", "/laporan/bimtek/"),
        ("Ganti sandi", "/akun/sandi/"),
    ]


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_workspace_page_a_role_can_open_passes_axe(page: Page, audit, role):
    data = workspace()
    username = f"a11y_{role.lower()}"
    UserFactory(username=username, role=role)
    log_in(page, username)
    opened = 0
    for name, path in workspace_pages(data):
        response = page.goto(path)
        assert response is not None
        if response.status == 403:
            continue  # the 403 page is checked once, with the other error pages
        assert response.status == 200, f"{name}: {path} answered {response.status}"
        audit.check(name)
        opened += 1
    if role == roles.PIMPINAN:
        audit.visit("Keamanan akun", "/akun/keamanan/")
    assert opened >= 10
    audit.assert_clean()


def test_public_pages_pass_axe(page: Page, audit):
    audit.visit("Masuk", "/masuk/")
    page.locator("#id_username").fill("tidak_ada")
    page.locator("#id_password").fill("salah-sandi")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit.check("Masuk: sandi salah")
    # The language switch is a button per language, no select that reloads.
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    audit.check("Masuk: English")
    page.get_by_role("button", name="ID", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    audit.visit("Transparansi", "/transparansi/")
    audit.visit("Verifikasi sertifikat", "/verifikasi-sertifikat/")
    page.locator("main form input[type=text]").first.fill("BUKAN-KODE")
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_text("Kode tidak dikenal.")).to_be_visible()
    audit.check("Verifikasi sertifikat: kode tidak dikenal")
    audit.assert_clean()


def assert_error_links_reach_their_fields(page: Page) -> None:
    """Each link of the error summary leads to an element of the page."""
    links = page.locator(".form-errors .error-links a")
    expect(links.first).to_be_visible()
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(f"[id='{href[1:]}']").count() == 1, href


def test_messages_form_errors_and_error_pages_pass_axe(page: Page, audit):
    data = workspace()
    institution = data["institution"]
    UserFactory(username="a11y_operator", role=roles.OPERATOR)
    log_in(page, "a11y_operator")

    # A flash message: save an institution unchanged.
    page.goto(f"/lembaga/{institution.pk}/ubah/")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/lembaga/{institution.pk}/$"))
    expect(page.locator(".messages")).to_be_visible()
    audit.check("Lembaga: pesan tersimpan")

    page.goto("/lembaga/baru/")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_error_links_reach_their_fields(page)
    audit.check("Lembaga baru: isian kosong")

    page.goto(f"/bantuan/usul/?lembaga={institution.pk}")
    page.get_by_label("Nilai bantuan").fill("bukan angka")
    page.get_by_role("button", name="Usulkan", exact=True).click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit.check("Usulan bantuan: isian salah")

    page.goto("/bimtek/baru/")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_error_links_reach_their_fields(page)
    audit.check("Bimtek baru: isian kosong")

    page.goto(f"/lpj/{data['disbursed'].pk}/catat/")
    page.locator("main form.stacked button[type=submit]").last.click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_error_links_reach_their_fields(page)
    audit.check("Catat LPJ: isian kosong")

    page.goto("/impor/")
    page.get_by_role("button", name="Periksa berkas").click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit.check("Impor: tanpa berkas")

    page.goto("/akun/sandi/")
    page.get_by_role("button", name="Simpan sandi baru").click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit.check("Ganti sandi: isian kosong")

    # The menu, opened on a phone.
    page.goto("/")
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator(".nav-toggle-label").click()
    expect(
        page.get_by_role("navigation").get_by_role("link", name="Lembaga")
    ).to_be_visible()
    audit.check("Beranda: menu terbuka", widths=("360",))

    # The Operator does not manage programmes.
    audit.visit("Halaman 403", "/program/baru/", status=403)
    audit.visit("Halaman 404", "/lembaga/999999/", status=404)
    audit.visit("Laporan: periode salah", "/laporan/tahunan/?dari=abc", status=400)
    audit.assert_clean()


def test_the_programme_verification_lpj_and_payment_forms_with_errors_pass_axe(
    page: Page, audit
):
    data = workspace()
    UserFactory(username="a11y_pimpinan", role=roles.PIMPINAN)
    UserFactory(username="a11y_verifikator", role=roles.VERIFIKATOR)
    UserFactory(username="a11y_bendahara", role=roles.BENDAHARA)
    log_in(page, "a11y_pimpinan")
    page.goto("/program/baru/")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_error_links_reach_their_fields(page)
    audit.check("Program baru: isian kosong")
    page.get_by_role("button", name="Keluar").click()

    log_in(page, "a11y_verifikator")
    page.goto(f"/bantuan/{data['proposed'].pk}/")
    page.locator("#form-verify").get_by_role(
        "button", name="Verifikasi", exact=True
    ).click()
    expect(page.locator("#form-verify .form-errors")).to_be_visible()
    assert_error_links_reach_their_fields(page)
    audit.check("Verifikasi: tanpa hasil periksa")

    page.goto(f"/bantuan/{data['reported'].pk}/")
    page.locator("#form-review_lpj").get_by_role(
        "button", name="Simpan pemeriksaan"
    ).click()
    expect(page.locator(".form-errors, .messages").first).to_be_visible()
    audit.check("Periksa LPJ: tanpa hasil periksa")
    page.get_by_role("button", name="Keluar").click()

    log_in(page, "a11y_bendahara")
    page.goto(f"/bantuan/{data['approved'].pk}/")
    page.locator("#form-disburse button[type=submit]").click()
    expect(page.locator("#form-disburse .form-errors")).to_be_visible()
    assert_error_links_reach_their_fields(page)
    audit.check("Penyaluran: isian kosong")
    audit.assert_clean()
