"""Pages work under the Content-Security-Policy: no inline script or style is
refused, and the chained selects (fetch) and the print button still work."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import GrantFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "rahasia-uji-123"
PAGES = [
    "/",
    "/lembaga/",
    "/lembaga/baru/",
    "/bantuan/",
    "/program/",
    "/impor/",
    "/laporan/tahunan/",
    "/laporan/wilayah/",
    "/laporan/tahunan/?format=print",
    "/transparansi/",
    "/admin/",
    "/admin/institutions/institution/",
]


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def test_no_page_breaks_the_content_security_policy(page: Page, regions):
    user = UserFactory(username="operator_csp", role="Operator")
    user.is_staff = user.is_superuser = True
    user.save()
    GrantFactory(institution=InstitutionFactory(village_id="75.02.01.2004"))
    violations = csp_violations(page)
    page.goto("/masuk/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert violations == []


def test_the_print_button_and_the_chained_selects_work_under_the_policy(
    page: Page, regions
):
    UserFactory(username="operator_cetak", role="Operator")
    violations = csp_violations(page)
    page.goto("/masuk/")
    page.locator("#id_username").fill("operator_cetak")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto("/laporan/tahunan/?format=print")
    printed = page.evaluate_handle(
        "() => { window.__printed = 0; window.print = () => window.__printed++; }"
    )
    del printed
    page.locator("[data-print]").click()
    assert page.evaluate("window.__printed") == 1
    page.goto("/lembaga/baru/")
    regency = page.locator("select[data-chain-child]").first
    regency.select_option("75.02")
    district = page.locator(f"#{regency.get_attribute('data-chain-child')}")
    expect(district.locator("option", has_text="Paguyaman").first).to_be_attached()
    assert violations == []


def test_a_filter_keeps_its_semua_choice_when_its_districts_are_refilled(
    page: Page, regions
):
    UserFactory(username="pengamat_saring", role="Pengamat")
    page.goto("/masuk/")
    page.locator("#id_username").fill("pengamat_saring")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto("/lembaga/")
    regency = page.locator("form select[data-chain-child]").first
    regency.select_option("75.02")
    district = page.locator(f"#{regency.get_attribute('data-chain-child')}")
    expect(district.locator("option", has_text="Paguyaman").first).to_be_attached()
    assert district.locator("option").first.text_content() == "Semua"
