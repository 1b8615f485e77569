"""Invalid list filters and report periods answer 400 on the page itself: in the
layout, the form saying what is wrong next to the field, and no rows or figures.
Filters that take several values are checkboxes, not a Ctrl-click multi-select."""

import copy
import re

import django_filters
import pytest
from django import forms

from grants import filters as grant_filters
from grants.models import Grant
from institutions import filters as institution_filters
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)
from tests.web.pages import page

pytestmark = pytest.mark.django_db

LAYOUT = '<header class="site-header">'
NAV = '<nav class="main-nav"'
VILLAGE = "75.02.01.2004"
NOT_A_WHOLE_NUMBER = "Masukkan keseluruhan angka bilangan."
NOT_A_CHOICE = "Masukkan pilihan yang valid."


@pytest.fixture
def listed(regions, committed):
    with committed():
        program = ProgramFactory(year=2024, name="Bantuan Sosial Lembaga 2024")
        for name, trait in [
            ("Lembaga Diusulkan", {}),
            ("Lembaga Disetujui", {"approved": True}),
            ("Lembaga Disalurkan", {"disbursed": True}),
        ]:
            GrantFactory(
                program=program,
                institution=InstitutionFactory(name=name, village_id=VILLAGE),
                **trait,
            )


@pytest.fixture
def staff(client, listed):
    client.force_login(UserFactory(username="galat_di_tempat", is_superuser=True))
    return client


def error_next_to(text: str, field: str, message: str) -> bool:
    """Whether `message` is shown after the input named `field` and before the
    input of another field: beside that field, not in a box somewhere else."""
    own = f'name="{field}"'
    start = text.find(own)
    if start < 0:
        return False
    found = text.find(message, start)
    return found > 0 and 'name="' not in text[start:found].replace(own, "")


# Lists -------------------------------------------------------------------------


LIST_ERRORS = [
    ("/lembaga/?kabupaten=75.99", "kabupaten", NOT_A_CHOICE),
    ("/lembaga/?q=" + "x" * 101, "q", "paling banyak 100 karakter"),
    ("/bantuan/?tahun=1e5", "tahun", NOT_A_WHOLE_NUMBER),
    ("/bantuan/?status=hilang", "status", "Masukkan pilihan yang valid."),
    ("/program/?tahun=abc", "tahun", NOT_A_WHOLE_NUMBER),
    ("/lpj/?tahun=abc", "tahun", NOT_A_WHOLE_NUMBER),
    ("/lpj/?keadaan=hilang", "keadaan", NOT_A_CHOICE),
    ("/bimtek/?tahun=abc", "tahun", NOT_A_WHOLE_NUMBER),
    ("/impor/penerima-manfaat/?tahun=abc", "tahun", NOT_A_WHOLE_NUMBER),
]


@pytest.mark.parametrize(("url", "field", "message"), LIST_ERRORS)
def test_an_invalid_list_filter_is_a_400_in_the_layout_with_the_error_beside_it(
    staff, url, field, message
):
    response = staff.get(url)

    assert response.status_code == 400
    text = page(response)
    assert LAYOUT in text and NAV in text
    assert "<h1>" in text
    assert error_next_to(text, field, message), message
    assert list(response.context["object_list"]) == []
    assert response.context["filters_invalid"] is True
    assert "Lembaga Diusulkan" not in text


def test_a_valid_list_filter_is_not_marked_invalid(staff):
    response = staff.get("/bantuan/?tahun=2024")

    assert response.status_code == 200
    assert "filters_invalid" not in response.context
    assert "Lembaga Diusulkan" in page(response)


# Reports -----------------------------------------------------------------------


REPORT_PAGES = {
    "/laporan/tahunan/": "Lembaga penerima bantuan per tahun",
    "/laporan/wilayah/": "Lembaga penerima bantuan per wilayah",
    "/laporan/lpj/": "Kepatuhan LPJ",
    "/laporan/bimtek/": "Bimtek dan peserta",
}


def assert_report_refused_in_place(response, heading: str) -> str:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    text = page(response)
    assert LAYOUT in text
    assert f"<h1>{heading}</h1>" in text
    assert "<legend>Periode</legend>" in text
    assert 'id="report-invalid"' in text
    assert "Tidak ada angka yang ditampilkan karena periode tidak valid." in text
    assert "<table" not in text
    assert "<svg" not in text
    # Not Django's bare 400 page any more.
    assert "Permintaan tidak valid" not in text
    return text


@pytest.mark.parametrize(("url", "heading"), REPORT_PAGES.items())
def test_a_bad_year_in_a_report_is_a_400_with_the_error_beside_dari(
    staff, url, heading
):
    text = assert_report_refused_in_place(staff.get(f"{url}?dari=abc"), heading)

    assert NAV in text
    assert error_next_to(text, "dari", NOT_A_WHOLE_NUMBER)
    # The year not asked for shows the default, not the first option.
    assert re.search(r'<option value="2024" selected>', text.split('name="sampai"')[1])
    assert 'aria-describedby="id_dari_error"' in text
    assert '<p class="error" id="id_dari_error">' in text


@pytest.mark.parametrize(("url", "heading"), REPORT_PAGES.items())
def test_a_backwards_range_in_a_report_is_shown_beside_sampai(staff, url, heading):
    text = assert_report_refused_in_place(
        staff.get(f"{url}?dari=2024&sampai=2022"), heading
    )

    assert error_next_to(text, "sampai", "Tahun awal tidak boleh setelah tahun akhir.")


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ("tahun=1e5", f"Tahun: {NOT_A_WHOLE_NUMBER}"),
        ("tahun=2024&dari=2022", "tidak keduanya"),
        ("format=docx", "Format: Format unduhan tidak dikenal."),
    ],
)
def test_what_the_control_does_not_show_is_explained_inside_it(staff, query, line):
    text = assert_report_refused_in_place(
        staff.get(f"/laporan/tahunan/?{query}"), REPORT_PAGES["/laporan/tahunan/"]
    )

    box = re.search(r"<fieldset class=\"period\">(.*?)</fieldset>", text, re.S)
    assert line in box.group(1)


def test_a_bad_regency_code_in_the_region_report_is_a_400_in_place(staff):
    text = assert_report_refused_in_place(
        staff.get("/laporan/wilayah/?kabupaten=%00"), REPORT_PAGES["/laporan/wilayah/"]
    )

    assert "Kabupaten/kota:" in text
    assert 'name="kabupaten"' not in text  # the NUL is not sent back


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf", "print"])
def test_an_export_with_a_bad_period_answers_the_page_with_the_error(staff, fmt):
    response = staff.get(f"/laporan/tahunan/?dari=2024&sampai=2022&format={fmt}")

    assert_report_refused_in_place(response, REPORT_PAGES["/laporan/tahunan/"])


# The public page ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dari=abc", NOT_A_WHOLE_NUMBER),
        ("format=pdf", "Format unduhan tidak dikenal."),
        ("format=csv&tahun=abc", f"Tahun: {NOT_A_WHOLE_NUMBER}"),
    ],
)
def test_the_public_page_refuses_bad_parameters_in_its_own_layout(
    client, listed, query, message
):
    response = client.get(f"/transparansi/?{query}")

    text = assert_report_refused_in_place(
        response, "Transparansi bantuan sosial lembaga"
    )
    assert NAV not in text  # logged out
    assert message in text


def test_a_refused_public_page_is_not_cached(client, listed):
    assert client.get("/transparansi/?dari=abc").status_code == 400
    assert client.get("/transparansi/?dari=2024").status_code == 200
    assert client.get("/transparansi/?dari=abc").status_code == 400


# Checkboxes --------------------------------------------------------------------


def test_the_status_filter_is_a_group_of_checkboxes(staff):
    text = staff.get("/bantuan/?status=approved").content.decode()

    assert '<select name="status"' not in text
    assert "multiple" not in re.sub(r"<select name=\"(?!status)[^>]*>", "", text)
    boxes = re.findall(
        r'<input type="checkbox" name="status" value="(\w+)"[^>]*>', text
    )
    assert boxes == list(Grant.Status.values)
    assert re.search(
        r'<input type="checkbox" name="status" value="approved"[^>]*checked', text
    )


def test_two_ticked_statuses_list_the_grants_of_either(staff):
    response = staff.get("/bantuan/?status=proposed&status=approved")

    assert response.status_code == 200
    text = page(response)
    assert "Lembaga Diusulkan" in text
    assert "Lembaga Disetujui" in text
    assert "Lembaga Disalurkan" not in text
    assert {grant.status for grant in response.context["object_list"]} == {
        "proposed",
        "approved",
    }


@pytest.mark.parametrize(
    "filterset",
    [
        grant_filters.GrantFilter,
        grant_filters.LpjFilter,
        grant_filters.ProgramFilter,
        institution_filters.InstitutionFilter,
        institution_filters.TrainingEventFilter,
        institution_filters.EnrollmentFilter,
    ],
)
def test_no_filter_is_a_multi_select(filterset):
    for name, declared in filterset.base_filters.items():
        # A copy: `.field` is built once and kept, and the class's own filters
        # must not keep a field built with their placeholder querysets.
        widget = copy.deepcopy(declared).field.widget
        if isinstance(declared, django_filters.MultipleChoiceFilter):
            assert isinstance(widget, forms.CheckboxSelectMultiple), name
        assert not (
            isinstance(widget, forms.SelectMultiple)
            and not isinstance(widget, forms.CheckboxSelectMultiple)
        ), name


@pytest.mark.parametrize("name", ["dari", "sampai", "tahun"])
def test_a_year_of_thousands_of_digits_is_a_form_error_not_a_crash(staff, name):
    # int() refuses more than 4,300 digits with a ValueError.
    response = staff.get(f"/laporan/tahunan/?{name}={'9' * 5000}")

    assert_report_refused_in_place(response, REPORT_PAGES["/laporan/tahunan/"])
