"""One period control on the reports: Dari/Sampai, a single year when both
are the same; `?tahun=` and `?dari=&sampai=` addresses keep working, both at
once is an error; a period without data says so instead of drawing nothing."""

import csv
import io
import re

import pytest

from reports import queries
from reports.forms import MSG_RANGE_BACKWARDS, MSG_YEAR_AND_RANGE, PeriodForm
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
)
from tests.web.pages import page

pytestmark = pytest.mark.django_db

BOALEMO_VILLAGE = "75.02.01.2004"
SELECTED = re.compile(r'<option value="(\d+)" selected>')
SELECT = re.compile(r'<select name="(\w+)"[^>]*>(.*?)</select>', re.S)
REPORTS = ["tahunan", "wilayah", "lpj", "bimtek"]


@pytest.fixture
def aid(regions, committed):
    """Disbursed grants in 2022 and 2024; 2023 has a programme but no grant."""
    with committed():
        for year in (2022, 2024):
            GrantFactory(
                program=ProgramFactory(year=year, budget_ceiling=10**10),
                institution=InstitutionFactory(village_id=BOALEMO_VILLAGE),
                disbursed=True,
                amount=10_000_000,
            )
        ProgramFactory(year=2023, budget_ceiling=10**10)
        TrainingEventFactory(regency_id="75.02")


@pytest.fixture
def pengamat_client(client):
    client.force_login(UserFactory(username="pengamat_periode", role="Pengamat"))
    return client


def selected(response) -> dict[str, list[str]]:
    """The years selected in each select of the period control."""
    return {
        name: SELECTED.findall(options)
        for name, options in SELECT.findall(response.content.decode())
        if name in ("dari", "sampai")
    }


def form(data=None) -> PeriodForm:
    return PeriodForm(data, default=queries.Period(2022, 2024))


# The form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "period"),
    [
        (None, (2022, 2024)),
        ({"tahun": "2023"}, (2023, 2023)),
        ({"dari": "2023", "sampai": "2023"}, (2023, 2023)),
        ({"dari": "2022", "sampai": "2023"}, (2022, 2023)),
        ({"dari": "2023"}, (2023, 2024)),
        ({"sampai": "2023"}, (2022, 2023)),
        # The old form sent all three; the empty ones do not count.
        ({"tahun": "2023", "dari": "", "sampai": ""}, (2023, 2023)),
    ],
)
def test_the_period_is_read_from_tahun_or_from_dari_and_sampai(data, period):
    period_form = form(data)

    assert data is None or period_form.is_valid(), period_form.errors
    assert period_form.period() == queries.Period(*period)


@pytest.mark.parametrize(
    "data",
    [
        {"tahun": "2023", "dari": "2022"},
        {"tahun": "2023", "sampai": "2024"},
        {"tahun": "2023", "dari": "2022", "sampai": "2024"},
    ],
)
def test_tahun_together_with_dari_or_sampai_is_an_error(data):
    period_form = form(data)

    assert not period_form.is_valid()
    assert period_form.non_field_errors() == [MSG_YEAR_AND_RANGE]


def test_a_backwards_range_is_an_error_on_sampai():
    period_form = form({"dari": "2024", "sampai": "2022"})

    assert not period_form.is_valid()
    assert period_form.errors["sampai"] == [MSG_RANGE_BACKWARDS]


# The page ----------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_each_report_shows_one_period_control_without_a_tahun_field(
    aid, pengamat_client, report
):
    response = pengamat_client.get(f"/laporan/{report}/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "<legend>Periode</legend>" in text
    assert selected(response) == {"dari": ["2022"], "sampai": ["2024"]}
    assert 'name="tahun"' not in text


def test_an_old_tahun_address_shows_that_year_in_the_control(aid, pengamat_client):
    response = pengamat_client.get("/laporan/tahunan/?tahun=2024")

    assert response.status_code == 200
    assert "<small>2024</small>" in page(response)
    assert selected(response) == {"dari": ["2024"], "sampai": ["2024"]}


def test_a_range_address_shows_the_range_in_the_control(aid, pengamat_client):
    response = pengamat_client.get("/laporan/wilayah/?dari=2022&sampai=2023")

    assert response.status_code == 200
    assert "<small>2022-2023" in page(response)
    assert selected(response) == {"dari": ["2022"], "sampai": ["2023"]}


def test_the_quick_choices_offer_all_years_and_each_year(aid, pengamat_client):
    text = page(pengamat_client.get("/laporan/tahunan/?tahun=2023"))

    presets = re.search(r'<p class="presets".*?</p>', text, re.S).group(0)
    links = re.findall(
        r'<a href="\?([^"]+)"( aria-current="true")?>([^<]+)</a>', presets
    )
    assert [(query, label) for query, _current, label in links] == [
        ("dari=2022&sampai=2024", "Semua tahun (2022-2024)"),
        ("dari=2022&sampai=2022", "2022"),
        ("dari=2023&sampai=2023", "2023"),
        ("dari=2024&sampai=2024", "2024"),
    ]
    assert [label for _query, current, label in links if current] == ["2023"]


def test_the_quick_choices_of_a_regency_stay_in_that_regency(aid, pengamat_client):
    text = page(pengamat_client.get("/laporan/wilayah/?kabupaten=75.02&tahun=2024"))

    assert 'href="?dari=2024&sampai=2024&kabupaten=75.02"' in text
    assert '<input type="hidden" name="kabupaten" value="75.02">' in text


def test_tahun_with_dari_and_sampai_is_a_400_saying_so(aid, pengamat_client):
    response = pengamat_client.get("/laporan/tahunan/?tahun=2024&dari=2022&sampai=2023")

    assert response.status_code == 400
    text = page(response)
    assert str(MSG_YEAR_AND_RANGE) in text
    assert 'id="report-invalid"' in text
    assert "<table" not in text


def test_the_yearly_csv_keeps_its_columns_and_range_rows_for_both_addresses(
    aid, pengamat_client
):
    def rows(query):
        response = pengamat_client.get(f"/laporan/tahunan/?{query}&format=csv")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=";"))

    ranged = rows("dari=2022&sampai=2024")
    assert ranged[0] == [
        "tahun",
        "jenis_lembaga",
        "jumlah_lembaga",
        "jumlah_bantuan",
        "total_nilai",
    ]
    assert [row[0] for row in ranged[1:]] == ["2022"] * 3 + ["2023"] * 3 + [
        "2024"
    ] * 3 + ["2022-2024"] * 3
    assert rows("tahun=2024") == rows("dari=2024&sampai=2024")


# Empty years -------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_a_year_without_data_says_so_and_draws_nothing(aid, pengamat_client, report):
    response = pengamat_client.get(f"/laporan/{report}/?tahun=2019")

    assert response.status_code == 200
    text = page(response)
    assert "Belum ada data untuk 2019." in text
    assert "<svg" not in text
    assert "<table" not in text
    assert "2019*" not in text
    assert selected(response) == {"dari": ["2019"], "sampai": ["2019"]}


def test_a_programme_without_grants_is_a_year_without_data(aid, pengamat_client):
    text = page(pengamat_client.get("/laporan/wilayah/?dari=2023&sampai=2023"))

    assert "Belum ada data untuk 2023." in text


def test_a_year_with_data_shows_its_table_and_no_empty_message(aid, pengamat_client):
    text = page(pengamat_client.get("/laporan/tahunan/?tahun=2024"))

    assert "Belum ada data" not in text
    assert "<table" in text
    assert "Rp10.000.000" in text


def test_the_public_page_says_when_a_year_has_no_data(aid, client):
    response = client.get("/transparansi/?tahun=2019")

    assert response.status_code == 200
    text = page(response)
    assert "Belum ada data untuk 2019." in text
    assert "<table" not in text
