"""No query parameter, however odd, makes a list, report or export fail with a 500.

Garbage in a filter (a NUL character, which PostgreSQL refuses in a query; `1e5`
or twenty digits for a year; an unknown choice; a very long value) is a form
error answered with 400, or ignored where the page ignores unknown values; an
export with an invalid filter answers 400 instead of exporting every row.

Run on SQLite and on PostgreSQL (`DATABASE_URL=postgres://...`): NUL only
fails on PostgreSQL.
"""

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.models import Grant, Program
from institutions.models import Beneficiary, BeneficiaryEnrollment, Institution
from tests.factories import (
    BeneficiaryFactory,
    GrantFactory,
    ImportBatchFactory,
    InstitutionFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
)
from tests.web.pages import page

pytestmark = pytest.mark.django_db

VILLAGE = "75.02.01.2004"
PERIOD = ["tahun", "dari", "sampai", "format", "kabupaten"]
INSTITUTION_FILTERS = [
    "q",
    "jenis",
    "kabupaten",
    "kecamatan",
    "desa",
    "aktif",
    "dokumen_kedaluwarsa",
    "lpj_terlambat",
    "urut",
]
GRANT_FILTERS = [
    "q",
    "tahun",
    "dari",
    "sampai",
    "program",
    "status",
    "jenis",
    "kabupaten",
    "kecamatan",
    "rekening_berubah",
    "urut",
]
ENROLLMENT_FILTERS = ["q", "lembaga", "tahun", "kategori", "kabupaten"]

# Each page that reads its query string, with the parameters it knows.
PAGES = {
    "/lembaga/": [*INSTITUTION_FILTERS, "page"],
    "/bantuan/": [*GRANT_FILTERS, "page"],
    "/program/": ["tahun", "jenis_belanja", "q", "page"],
    "/lpj/": ["q", "tahun", "kabupaten", "keadaan", "page"],
    "/bimtek/": ["q", "tahun", "kabupaten", "jenis", "page"],
    "/impor/penerima-manfaat/": [*ENROLLMENT_FILTERS, "page"],
    "/impor/": ["page", "lembaga", "tahun"],
    "/impor/{batch}/baris/": ["aksi", "page"],
    "/bimtek/{event}/peserta/": ["cari"],
    "/laporan/tahunan/": PERIOD,
    "/laporan/wilayah/": PERIOD,
    "/laporan/lpj/": PERIOD,
    "/laporan/bimtek/": PERIOD,
    "/transparansi/": [*PERIOD, "laporan"],
    "/impor/ekspor/lembaga.csv": INSTITUTION_FILTERS,
    "/impor/ekspor/lembaga.xlsx": INSTITUTION_FILTERS,
    "/impor/ekspor/bantuan.csv": GRANT_FILTERS,
    "/impor/ekspor/penerima-manfaat.csv": ENROLLMENT_FILTERS,
    "/wilayah/kecamatan/": ["parent"],
    "/wilayah/desa/": ["parent"],
}

# Values the pages understand, so that garbage also meets valid neighbours.
KNOWN = {
    "jenis": [*Institution.Kind.values],
    "status": [*Grant.Status.values],
    "jenis_belanja": [*Program.SpendingType.values],
    "kategori": [*Beneficiary.Category.values],
    "kabupaten": ["75.01", "75.02", "75.71"],
    "kecamatan": ["75.02.01", "75.01.01"],
    "desa": [VILLAGE],
    "parent": ["75.02", "75.02.01"],
    "tahun": ["2024", "2025"],
    "dari": ["2022"],
    "sampai": ["2024"],
    "aktif": ["1", "0"],
    "urut": ["nama", "-nama", "tahun", "-nilai"],
    "keadaan": ["belum", "terlambat", "setor"],
    # No PDF: WeasyPrint would make each example take a second.
    "format": ["html", "csv", "xlsx", "print"],
    "laporan": ["wilayah"],
    "aksi": ["ditolak", "baru", "tidak-berubah"],
    "page": ["1", "2", "last"],
}
GARBAGE = [
    "",
    " ",
    "\x00",
    "75.02\x00",
    "1e5",
    "1E5",
    "-1",
    "0",
    "2024.0",
    "2024.5",
    "12345678901234567890",
    "9" * 40,
    "9" * 5000,
    "x" * 2000,
    "NaN",
    "inf",
    "-inf",
    "٢٠٢٤",  # Arabic-Indic digits: isdigit() says yes
    "²",
    "75.99",
    "%00",
    "null",
    "true",
    "' OR 1=1 --",
    "<script>",
]

# Text a URL can carry (a lone surrogate cannot be encoded at all).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def values_for(key: str):
    known = st.sampled_from(KNOWN.get(key, ["1"]))
    spoiled = st.builds(
        lambda value, tail: value + tail,
        known,
        st.sampled_from(["\x00", "\x00\x00", "9" * 20, " ", "e5", ".99"]),
    )
    garbage = st.sampled_from(GARBAGE)
    return st.one_of(known, garbage, garbage, spoiled, spoiled, numbers, any_text)


def params_for(keys: list[str]):
    """Lists of (key, value): a few valid filters, so that the garbage meets the
    paths they open, and one to three odd ones, of the page's keys or others.
    Keys repeat (the last one counts), in any order."""
    valid = st.sampled_from(keys).flatmap(
        lambda k: st.tuples(st.just(k), st.sampled_from(KNOWN.get(k, ["1"])))
    )
    key = st.one_of(st.sampled_from(keys), st.sampled_from(keys), any_text)
    odd = key.flatmap(lambda k: st.tuples(st.just(k), values_for(k)))
    return st.tuples(
        st.lists(valid, max_size=4), st.lists(odd, min_size=1, max_size=3)
    ).flatmap(lambda lists: st.permutations(lists[0] + lists[1]))


@pytest.fixture
def listed(regions):
    """A little of everything the pages list, so that filters have rows to meet."""
    program = ProgramFactory(year=2024, name="Bantuan Sosial Lembaga 2024")
    institution = InstitutionFactory(name="Majelis Taklim Uji", village_id=VILLAGE)
    youth = InstitutionFactory(karang_taruna=True, village_id="75.01.01.1001")
    GrantFactory(program=program, institution=institution, disbursed=True)
    GrantFactory(program=program, institution=youth)
    BeneficiaryEnrollment.objects.create(
        beneficiary=BeneficiaryFactory(village_id=VILLAGE),
        institution=institution,
        year=2024,
    )
    event = TrainingEventFactory(regency_id="75.02")
    return {"batch": ImportBatchFactory().pk, "event": event.pk}


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(username="fuzz", is_superuser=True, is_staff=True))
    return client


def fetch(client: Client, url: str, params: list[tuple[str, str]]):
    """GET the page, reading a streamed body to its end (an export's query runs
    while it streams). A savepoint keeps a failed query from spoiling the
    test's transaction on PostgreSQL."""
    with transaction.atomic():
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
        return response


FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("path", PAGES)
@FUZZ
@given(data=st.data())
def test_no_query_parameter_is_a_server_error(listed, staff, path, data):
    params = data.draw(params_for(PAGES[path]), label="params")
    url = path.format(**listed)

    response = fetch(staff, url, params)

    assert response.status_code in (200, 302, 400, 404), (
        response.status_code,
        params,
    )


# Each parameter of each page, in turn, with values that broke pages before,
# next to valid filters that open the paths where they did.
NASTY = ["\x00", "75.02\x00", "1e5", "12345678901234567890", "x" * 300]
SWEEP_CONTEXT = {
    "/lembaga/": [("kabupaten", "75.02"), ("kecamatan", "75.02.01")],
    "/impor/ekspor/lembaga.csv": [("kabupaten", "75.02"), ("kecamatan", "75.02.01")],
    "/bantuan/": [("kabupaten", "75.02"), ("tahun", "2024")],
    "/impor/ekspor/bantuan.csv": [("kabupaten", "75.02"), ("tahun", "2024")],
    "/laporan/wilayah/": [("tahun", "2024"), ("kabupaten", "75.02")],
    "/transparansi/": [("format", "csv"), ("laporan", "wilayah")],
}


@pytest.mark.parametrize("path", [p for p in PAGES if not p.endswith(".xlsx")])
def test_each_parameter_with_each_nasty_value(listed, staff, path):
    url = path.format(**listed)
    failures = []
    for key in PAGES[path]:
        context = [(k, v) for k, v in SWEEP_CONTEXT.get(path, []) if k != key]
        for value in NASTY:
            params = [*context, (key, value)]
            try:
                status = fetch(staff, url, params).status_code
            except Exception as error:  # listed with the others
                status = repr(error)[:200]
            if status not in (200, 302, 400, 404):
                failures.append((status, params))
    assert not failures


@FUZZ
@given(params=params_for([*PERIOD, "laporan"]))
def test_the_public_page_takes_any_parameter_without_a_server_error(params):
    response = fetch(Client(), "/transparansi/", params)
    assert response.status_code in (200, 400, 404), (response.status_code, params)


# The garbage that used to fail, each named ------------------------------------

KNOWN_FAILURES = [
    # PostgreSQL: "PostgreSQL text fields cannot contain NUL (0x00) bytes".
    ("/lembaga/?kabupaten=%00", 400),
    ("/lembaga/?kecamatan=%00", 400),
    ("/lembaga/?desa=%00", 400),
    ("/lembaga/?kabupaten=75.02&kecamatan=%00", 400),
    ("/lembaga/?kecamatan=75.02.01&desa=%00", 400),
    ("/wilayah/kecamatan/?parent=%00", 200),
    ("/wilayah/desa/?parent=%00", 200),
    ("/laporan/wilayah/?kabupaten=%00", 400),
    ("/transparansi/?format=csv&laporan=wilayah&kabupaten=%00", 400),
    # A year the date lookup cannot build (ValueError, OverflowError).
    ("/bimtek/?tahun=1e5", 400),
    ("/bimtek/?tahun=12345678901234567890", 400),
    # SQLite: "Python int too large to convert to SQLite INTEGER".
    ("/impor/penerima-manfaat/?lembaga=12345678901234567890", 400),
    # PostgreSQL again: the participant search of a Bimtek.
    ("/bimtek/{event}/peserta/?cari=abc%00", 400),
    # A superscript two passed str.isdigit(), then int() refused it.
    ("/bantuan/usul/?lembaga=%C2%B2", 302),
]


@pytest.mark.parametrize(("url", "status"), KNOWN_FAILURES)
def test_garbage_that_used_to_fail_is_refused(listed, staff, url, status):
    assert fetch(staff, url.format(**listed), []).status_code == status


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/bimtek/?tahun=1e5", "tahun", "Masukkan keseluruhan angka bilangan."),
        (
            "/bimtek/?tahun=12345678901234567890",
            "tahun",
            "Pastikan nilai ini lebih kecil dari atau sama dengan 2100.",
        ),
        ("/bantuan/?tahun=1e5", "tahun", "Masukkan keseluruhan angka bilangan."),
        ("/lembaga/?kabupaten=75.99", "kabupaten", "Masukkan pilihan yang valid."),
        ("/lembaga/?q=" + "x" * 101, "q", "paling banyak 100 karakter"),
    ],
)
def test_an_invalid_filter_is_shown_as_its_field_error(
    listed, staff, url, field, message
):
    response = staff.get(url)
    errors = response.context["filter"].form.errors[field]
    assert any(message in error for error in errors), errors
    assert message in page(response)
    assert list(response.context["object_list"]) == []


def test_an_invalid_filter_of_a_list_answers_400(listed, staff):
    assert staff.get("/lembaga/?kabupaten=75.99").status_code == 400
    assert staff.get("/bimtek/?tahun=abc").status_code == 400
    assert staff.get("/impor/penerima-manfaat/?tahun=abc").status_code == 400
    assert staff.get("/bantuan/?tahun=abc").status_code == 400
    assert staff.get("/program/?tahun=abc").status_code == 400
    assert staff.get("/lpj/?tahun=abc").status_code == 400
    # Valid and unknown parameters are still fine.
    assert staff.get("/lembaga/?kabupaten=75.02&page=1&foo=bar").status_code == 200


# Exports -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/impor/ekspor/lembaga.csv?kabupaten=75.99",
        "/impor/ekspor/lembaga.xlsx?kabupaten=%00",
        "/impor/ekspor/bantuan.csv?tahun=1e5",
        "/impor/ekspor/bantuan.xlsx?status=hilang",
        "/impor/ekspor/penerima-manfaat.csv?lembaga=abc",
    ],
)
def test_an_export_with_an_invalid_filter_exports_nothing(listed, staff, url):
    response = staff.get(url)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    text = page(response)
    assert "Saringan ekspor tidak valid; tidak ada yang diekspor." in text
    assert '<nav class="main-nav"' in text  # the site layout


def test_an_invalid_export_says_which_filter_and_links_back(listed, staff):
    response = staff.get("/impor/ekspor/lembaga.csv?kabupaten=75.99&jenis=wksbm")
    text = page(response)
    assert "Kabupaten/kota: Masukkan pilihan yang valid." in text
    assert (
        'href="/lembaga/?kabupaten=75.99&amp;jenis=wksbm"' in response.content.decode()
    )


def test_an_export_with_valid_filters_still_exports_only_those_rows(listed, staff):
    response = staff.get("/impor/ekspor/lembaga.csv?kabupaten=75.01")
    content = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "Karang Taruna" in content
    assert "Majelis Taklim Uji" not in content


def test_a_bad_report_parameter_is_explained_in_the_site_layout(listed, staff):
    response = staff.get("/laporan/tahunan/?tahun=1e5")
    assert response.status_code == 400
    text = page(response)
    assert "Tidak ada angka yang ditampilkan karena periode tidak valid." in text
    assert "Tahun: Masukkan keseluruhan angka bilangan." in text
    assert '<nav class="main-nav"' in text
