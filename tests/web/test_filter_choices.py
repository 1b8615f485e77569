"""The filter selects of the lists: "Semua" for no choice, regions by name."""

import html
import re

import pytest
from django.utils import translation

from institutions.models import District, Village
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SELECT = re.compile(r'<select name="(\w+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"[^>]*>(.*?)</option>', re.S)

# Each list page and its single-choice filters.
FILTER_PAGES = {
    "/lembaga/": {
        "jenis",
        "kabupaten",
        "kecamatan",
        "desa",
        "aktif",
        "dokumen_kedaluwarsa",
        "lpj_terlambat",
        "urut",
    },
    "/bantuan/": {"program", "jenis", "kabupaten", "urut"},
    "/program/": {"jenis_belanja"},
    "/lpj/": {"kabupaten", "keadaan"},
    "/bimtek/": {"kabupaten", "jenis"},
    "/impor/penerima-manfaat/": {"kategori", "kabupaten"},
}
REGENCIES_BY_NAME = [
    "Kabupaten Boalemo",
    "Kabupaten Bone Bolango",
    "Kabupaten Gorontalo",
    "Kabupaten Gorontalo Utara",
    "Kabupaten Pohuwato",
    "Kota Gorontalo",
]


@pytest.fixture
def operator_client(client, regions):
    client.force_login(UserFactory(role="Operator"))
    return client


def selects(response) -> dict[str, list[tuple[str, str]]]:
    """Each `<select>` of the page: its options as (value, text)."""
    assert response.status_code == 200
    return {
        name: [
            (value, html.unescape(text).strip())
            for value, text in OPTION.findall(options)
        ]
        for name, options in SELECT.findall(response.content.decode())
    }


def names(options: list[tuple[str, str]]) -> list[str]:
    return [text for value, text in options if value]


@pytest.mark.parametrize("url", FILTER_PAGES)
def test_every_filter_select_offers_semua_first(operator_client, url):
    shown = selects(operator_client.get(url))

    assert FILTER_PAGES[url] <= shown.keys()
    for name in FILTER_PAGES[url]:
        empty = "Urutan bawaan" if name == "urut" else "Semua"
        assert shown[name][0] == ("", empty), name
        assert "---------" not in dict(shown[name]).values(), name


@pytest.mark.parametrize("url", ["/lembaga/", "/bantuan/", "/lpj/", "/bimtek/"])
def test_regencies_are_listed_by_name(operator_client, url):
    shown = selects(operator_client.get(url))

    assert names(shown["kabupaten"]) == REGENCIES_BY_NAME


def test_districts_and_villages_of_the_chosen_region_are_listed_by_name(
    operator_client,
):
    shown = selects(operator_client.get("/lembaga/?kabupaten=75.02&kecamatan=75.02.01"))

    districts = names(shown["kecamatan"])
    assert districts == [
        "Botumoito",
        "Dulupi",
        "Mananggu",
        "Paguyaman",
        "Paguyaman Pantai",
        "Tilamuta",
        "Wonosari",
    ]
    villages = names(shown["desa"])
    assert villages == sorted(villages)
    assert len(villages) == Village.objects.filter(district_id="75.02.01").count()
    # Not the code order, which starts with Bongo Nol (75.02.01.2004).
    assert villages[:3] == ["Balate Jaya", "Batu Kramat", "Bongo IV"]


@pytest.mark.parametrize(
    ("url", "model", "parent"),
    [
        ("/wilayah/kecamatan/?parent=75.02", District, {"regency_id": "75.02"}),
        ("/wilayah/desa/?parent=75.02.01", Village, {"district_id": "75.02.01"}),
    ],
)
def test_the_chained_select_options_come_by_name(operator_client, url, model, parent):
    response = operator_client.get(url)

    listed = [html.unescape(text) for value, text in OPTION.findall(response.text)]
    assert listed[1:] == sorted(
        model.objects.filter(**parent).values_list("name", flat=True)
    )
    assert listed[1:] != list(
        model.objects.filter(**parent).order_by("code").values_list("name", flat=True)
    )


def test_the_sort_choices_say_descending_in_indonesian(operator_client):
    shown = selects(operator_client.get("/bantuan/"))

    assert ("-lembaga", "Lembaga (menurun)") in shown["urut"]
    assert not any("descending" in text for _value, text in shown["urut"])


def test_the_sort_choices_follow_the_language_of_the_page(operator_client):
    # The override puts back the language the requests leave active.
    with translation.override("id"):
        operator_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        shown = selects(operator_client.get("/bantuan/"))

    # A label made once, with the class, would stay in the language of that moment.
    labels = dict(shown["urut"])
    assert labels["lembaga"] == "Institutions"
    assert labels["-lembaga"].startswith("Institutions ")
