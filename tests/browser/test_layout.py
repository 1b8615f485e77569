"""Every list and report page at a desktop's 1280 px and a phone's 360 px.

At 1280 px no report table is clipped into a scroll box; at 360 px the page
never scrolls sideways, lists become cards that start near the top, filters fold
behind "Saring", and chart labels stay readable. The data has the longest names
and the largest amounts the office has, which is what makes tables wide.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Page, expect

from grants import roles
from institutions.models import Regency, Village
from tests.browser.test_grant_journey import log_in
from tests.factories import (
    GrantFactory,
    ImportBatchFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YEAR = datetime.date.today().year
LISTS = ["/lembaga/", "/bantuan/", "/lpj/", "/program/", "/bimtek/"]
REPORTS = [
    "/laporan/tahunan/",
    "/laporan/wilayah/",
    "/laporan/wilayah/?kabupaten=75.02",
    "/laporan/lpj/",
    "/laporan/bimtek/",
    "/transparansi/",
]
PAGES = [*LISTS, "/impor/", *REPORTS]

# Sub-pixel rounding: a box 0.5 px too wide is not a scroll bar.
SLACK = 1

MEASURE = """() => ({
  page: document.documentElement.scrollWidth,
  wraps: Array.from(document.querySelectorAll('.table-wrap')).map(w => ({
    label: w.getAttribute('aria-label'),
    role: w.getAttribute('role'),
    tabindex: w.getAttribute('tabindex'),
    scroll: w.scrollWidth,
    client: w.clientWidth,
  })),
  firstRow: (() => {
    const row = document.querySelector('main table tbody tr');
    return row ? row.getBoundingClientRect().top + window.scrollY : null;
  })(),
  // The height a chart's text is drawn at: its font size in the drawing's
  // units times the drawing's scale on the screen.
  chartText: Array.from(document.querySelectorAll('svg.chart text')).map(t => {
    const m = t.getScreenCTM();
    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
  }),
})"""


@pytest.fixture
def office(regions):
    """Institutions, grants, LPJs, Bimtek and an import, with long names."""
    user = UserFactory(username="kepala", role=roles.OPERATOR)
    user.groups.add(*Group.objects.filter(name__in=roles.ROLES))
    this_year = ProgramFactory(
        name=f"Bantuan Sosial Lembaga Kesejahteraan Sosial Provinsi Gorontalo {YEAR}",
        budget_ceiling=50_000_000_000,
    )
    last_year = ProgramFactory(year=YEAR - 1, budget_ceiling=50_000_000_000)
    # Boalemo, Gorontalo Utara and the city; two villages each (one Karang
    # Taruna per village).
    villages = [
        Village.objects.filter(district__regency_id=regency).order_by("code")[:2]
        for regency in ("75.02", "75.05", "75.71")
    ]
    names = [
        "Paguyuban Rukun Duka Al-Ikhlas Bongo Nol Kecamatan Paguyaman",
        "Karang Taruna Tunas Harapan Bangsa Desa Wonggarasi Tengah",
        "Lembaga Kesejahteraan Sosial Anak Panti Asuhan Nurul Hikmah Kota Gorontalo",
    ]
    traits = [{}, {"karang_taruna": True}, {"lksa": True}]
    for n, (pair, name, trait) in enumerate(zip(villages, names, traits, strict=True)):
        institution = InstitutionFactory(name=name, village=pair[0], **trait)
        GrantFactory(
            program=last_year,
            institution=institution,
            disbursed=True,
            amount=2_345_678_000 + n,
        )
        GrantFactory(program=this_year, institution=institution, amount=125_500_000)
        other = InstitutionFactory(name=f"{name} Cabang {n}", village=pair[1], **trait)
        GrantFactory(program=this_year, institution=other, disbursed=True)
    event = TrainingEventFactory(
        title="Bimbingan Teknis Pengelolaan Bantuan Sosial dan Penyusunan LPJ",
        start_date=datetime.date(YEAR, 3, 4),
        end_date=datetime.date(YEAR, 3, 6),
        regency=Regency.objects.get(code="75.71"),
    )
    ParticipantFactory(event=event, institution=other)
    ImportBatchFactory(
        file_name="daftar_penerima_bantuan_sosial_lembaga_2024_final.csv"
    )
    call_command("recount_reports", verbosity=0)
    # The public page is cached; another test may have cached it empty.
    cache.clear()
    return user


def open_page(page: Page, path: str) -> dict:
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    return page.evaluate(MEASURE)


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_at_1280px_every_table_shows_all_its_columns_and_filters_are_open(
    page: Page, office
):
    log_in(page, "kepala")

    for path in PAGES:
        measured = open_page(page, path)
        assert measured["page"] <= 1280, f"{path} scrolls sideways"
        assert measured["wraps"], f"{path} shows no table"
        for wrap in measured["wraps"]:
            assert wrap["scroll"] <= wrap["client"] + SLACK, (
                f"{path}: table {wrap['label']!r} is clipped "
                f"({wrap['scroll']} px in {wrap['client']} px)"
            )
        if path in LISTS:
            expect(page.locator("form.filters")).to_be_visible()
            expect(page.locator("details.fold > summary").first).to_be_hidden()


@pytest.mark.browser_context_args(viewport={"width": 360, "height": 740})
def test_at_360px_nothing_scrolls_sideways_lists_start_early_and_charts_read(
    page: Page, office
):
    log_in(page, "kepala")

    for path in PAGES:
        measured = open_page(page, path)
        assert measured["page"] <= 360 + SLACK, (
            f"{path} scrolls sideways: {measured['page']} px wide"
        )
        for wrap in measured["wraps"]:
            # A table may scroll inside its box; the keyboard must reach it.
            assert (wrap["role"], wrap["tabindex"]) == ("region", "0"), path
            assert wrap["label"], f"{path}: a table's region has no name"
        if path in REPORTS:
            assert measured["chartText"], f"{path} draws no chart"
            smallest = min(measured["chartText"])
            assert smallest >= 10, f"{path}: chart text is {smallest:.1f} px tall"
        if path in LISTS:
            assert measured["firstRow"] < 900, (
                f"{path}: the first row starts {measured['firstRow']:.0f} px down"
            )
            filters = page.locator("form.filters")
            expect(filters).to_be_hidden()
            page.get_by_text("Saring", exact=True).click()
            expect(filters).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 361


@pytest.mark.browser_context_args(viewport={"width": 360, "height": 740})
def test_at_360px_a_card_shows_name_amount_and_status_and_filters_say_what_they_do(
    page: Page, office
):
    log_in(page, "kepala")

    page.goto(f"/bantuan/?status=disbursed&kabupaten=75.71&tahun={YEAR - 1}")

    summary = page.locator(".active-filters")
    expect(summary).to_contain_text("Saringan aktif")
    expect(summary).to_contain_text("Disalurkan")
    expect(summary).to_contain_text("Kota Gorontalo")
    expect(summary.get_by_role("link", name="Hapus saringan")).to_be_visible()
    card = page.locator("#bulk-form tbody tr").first
    for cell in (
        card.get_by_role("link", name="Lembaga Kesejahteraan Sosial Anak"),
        card.locator("td.num"),
        card.locator(".badge"),
    ):
        expect(cell).to_be_in_viewport()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    expect(card.locator("td.num")).to_contain_text("Rp2.345.678.002")

    # A wrong filter keeps the panel open, so its message is seen.
    response = page.goto("/bantuan/?tahun=abc")
    assert response.status == 400
    expect(page.locator("form.filters")).to_be_visible()
    expect(page.locator("form.filters .error")).to_be_visible()
    expect(page.locator(".active-filters")).to_be_hidden()
