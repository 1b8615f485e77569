"""One set of words for where an LPJ stands, on every page, filter and report."""

import csv
import datetime
import html
import io
import re

import pytest
from django.utils import timezone, translation

from grants.models import AccountabilityReport, Grant, LpjState
from institutions.models import Village
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
LpjStatus = AccountabilityReport.Status

# Each grant of the fixture (by institution name): the word it shows and the
# `keadaan` value that lists it.
CASES = [
    ("Belum Jatuh Tempo", "Belum diserahkan", "belum"),
    ("Sudah Terlambat", "Terlambat", "terlambat"),
    ("Menunggu Diperiksa", "Diserahkan", "diperiksa"),
    ("Harus Diperbaiki", "Perlu perbaikan", "perbaikan"),
    ("Sudah Diterima", "Diterima", "diterima"),
]
WORDS = {name: word for name, word, _value in CASES}
OLD_WORDS = ["Diterima, belum diperiksa", "Menunggu pemeriksaan", "belum diterima"]


@pytest.fixture
def grants(regions, committed) -> dict[str, Grant]:
    """One paid grant in each LPJ state, in Boalemo; counted for the reports."""
    village = Village.objects.get(code="75.02.01.2004")
    due_later = ProgramFactory(
        year=YEAR, lpj_due_date=datetime.date(YEAR + 1, 1, 10), name="Tahun ini"
    )
    overdue = ProgramFactory(
        year=YEAR - 2, lpj_due_date=datetime.date(YEAR - 1, 1, 10), name="Dulu"
    )
    made = {}

    def grant(name, program, report=None):
        made[name] = GrantFactory(
            program=program,
            institution=InstitutionFactory(name=name, village=village),
            disbursed=True,
        )
        if report:
            AccountabilityReport.objects.create(
                grant=made[name],
                status=report,
                submitted_on=TODAY,
                amount_spent=made[name].amount,
            )

    with committed():
        grant("Belum Jatuh Tempo", due_later)
        grant("Sudah Terlambat", overdue)
        grant("Menunggu Diperiksa", overdue, LpjStatus.SUBMITTED)
        grant("Harus Diperbaiki", due_later, LpjStatus.NEEDS_REVISION)
        grant("Sudah Diterima", overdue, LpjStatus.ACCEPTED)
    return made


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(role="Operator"))
    return client


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@translation.override("id")
def test_the_words_are_the_lpj_states_in_order():
    assert LpjState.labels == [
        "Belum diserahkan",
        "Terlambat",
        "Diserahkan",
        "Perlu perbaikan",
        "Diterima",
    ]
    assert LpjState.SUBMITTED.label == LpjStatus.SUBMITTED.label
    assert LpjState.ACCEPTED.label == LpjStatus.ACCEPTED.label


def test_the_lpj_list_shows_each_grant_in_its_state_and_filters_by_the_same_words(
    grants, operator_client
):
    page = text(operator_client.get("/lpj/"))

    for name, word in WORDS.items():
        row = page.split(f"{name}</a>", 1)[1].split("</tr>", 1)[0]
        assert re.search(rf'<span class="badge[^"]*">{word}</span>', row), name
    keadaan = page.split('<select name="keadaan"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option[^>]*>(.*?)</option>", keadaan)
    assert options == ["Semua", *WORDS.values(), "Wajib setor kembali"]
    for old in OLD_WORDS:
        assert old not in page


@pytest.mark.parametrize(("name", "word", "value"), CASES)
def test_the_filter_option_of_a_word_lists_the_grants_shown_with_it(
    grants, operator_client, name, word, value
):
    page = text(operator_client.get(f"/lpj/?keadaan={value}"))

    assert f'<option value="{value}" selected>{word}</option>' in page
    listed = re.findall(r'<a href="/bantuan/\d+/">(.*?)</a><br>', page)
    assert listed == [name]


@pytest.mark.parametrize(("name", "word"), WORDS.items())
def test_the_grant_page_uses_the_same_word(grants, operator_client, name, word):
    page = text(operator_client.get(f"/bantuan/{grants[name].pk}/"))

    lpj = page.split("<h2>LPJ</h2>", 1)[1].split("</section>", 1)[0]
    assert word in lpj
    for old in OLD_WORDS:
        assert old not in lpj


def test_the_grant_page_says_an_lpj_not_handed_in_is_late_once_past_due(
    grants, operator_client
):
    late = text(operator_client.get(f"/bantuan/{grants['Sudah Terlambat'].pk}/"))
    pending = text(operator_client.get(f"/bantuan/{grants['Belum Jatuh Tempo'].pk}/"))
    handed_in = text(operator_client.get(f"/bantuan/{grants['Sudah Diterima'].pk}/"))

    assert f"Terlambat; batas 10/01/{YEAR - 1}." in late
    assert f"Belum diserahkan; batas 10/01/{YEAR + 1}." in pending
    assert f"<dt>Tanggal diserahkan</dt><dd>{TODAY:%d/%m/%Y}</dd>" in handed_in


def test_the_lpj_report_counts_each_grant_under_its_word(grants, operator_client):
    page = text(operator_client.get("/laporan/lpj/"))

    table = page.split("<table>", 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th class="num">(.*?)</th>', table)
    assert headers[2:7] == list(WORDS.values())
    boalemo = table.split("Kabupaten Boalemo</th>", 1)[1].split("</tr>", 1)[0]
    counts = re.findall(r'<td class="num">(.*?)</td>', boalemo)
    assert counts[:7] == ["5", "3", "1", "1", "1", "1", "1"]
    legend = page.split('<p class="footnote">', 1)[1]
    for word in WORDS.values():
        assert f"{word}:" in legend
    chart = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert ">Diserahkan<" in chart
    for old in OLD_WORDS:
        assert old not in page


def test_the_lpj_report_csv_has_a_column_per_state(grants, operator_client):
    content = operator_client.get("/laporan/lpj/?format=csv").content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))

    boalemo = next(row for row in rows if row["nama"] == "Kabupaten Boalemo")
    assert {
        column: boalemo[column]
        for column in [
            "wajib_lpj",
            "belum_diserahkan",
            "terlambat",
            "diserahkan",
            "perlu_perbaikan",
            "diterima",
        ]
    } == {
        "wajib_lpj": "5",
        "belum_diserahkan": "1",
        "terlambat": "1",
        "diserahkan": "1",
        "perlu_perbaikan": "1",
        "diterima": "1",
    }


@pytest.mark.parametrize(("name", "word", "_value"), CASES)
def test_the_institution_page_names_the_lpj_state_in_the_same_words(
    grants, operator_client, name, word, _value
):
    grant = grants[name]
    page = operator_client.get(f"/lembaga/{grant.institution_id}/").content.decode()
    row = re.search(rf"{grant.program.name}</a>.*?</tr>", page, re.S).group(0)
    assert f">{word}</span>" in row
    for old in OLD_WORDS:
        assert old not in row
