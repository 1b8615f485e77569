"""Institution pages of the staff workspace: list, filters, form, history, chained
selects. Who may open which page is in test_access.py."""

import datetime
import html
import json
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from grants.models import AccountabilityReport
from institutions.models import District, Institution, Regency, StaffProfile, Village
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REQUIRED = "Bidang ini tidak boleh kosong."
INVALID_CHOICE = (
    "Masukkan pilihan yang valid. Pilihan tersebut bukan salah satu dari pilihan "
    "yang tersedia."
)
SIMILAR_WARNING = "Lembaga dengan nama mirip sudah ada di desa/kelurahan ini:"
SIMILAR_CONFIRM = (
    "Ada lembaga sejenis dengan nama mirip di desa/kelurahan ini. "
    "Periksa daftar di atas; centang jika memang lembaga berbeda."
)
SAME_NAME = "Lembaga sejenis dengan nama yang sama sudah ada di desa/kelurahan ini."
SECOND_KARANG_TARUNA = "Desa/kelurahan ini sudah memiliki Karang Taruna."

# Boalemo (75.02): Paguyaman (75.02.01) and Wonosari (75.02.02);
# Kabupaten Gorontalo (75.01): Limboto (75.01.01).
BONGO_NOL = "75.02.01.2004"
BONGO_IV = "75.02.01.2005"
HARAPAN = "75.02.02.2001"
KAYUBULAN = "75.01.01.1001"


def text(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    """The institution names in the list's table, in order."""
    return [
        html.unescape(name)
        for name in re.findall(
            r'<td><a href="/lembaga/\d+/">(.*?)</a></td>', text(response)
        )
    ]


def field_error(response, field: str) -> list[str]:
    """The error messages shown under one form field."""
    return [
        html.unescape(message)
        for message in re.findall(
            rf'<p class="error" id="id_{field}_error">(.*?)</p>', text(response)
        )
    ]


def select_options(response, name: str) -> list[str]:
    """The non-empty option values of a select element."""
    match = re.search(rf'<select name="{name}".*?</select>', text(response), re.S)
    assert match, f"no select named {name}"
    return [v for v in re.findall(r'<option value="([^"]*)"', match.group(0)) if v]


def village(code: str) -> Village:
    return Village.objects.get(code=code)


def limited_to(user, *codes: str):
    profile = StaffProfile.objects.create(user=user)
    profile.regencies.add(*Regency.objects.filter(code__in=codes))
    return user


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", first_name="Rahmawati", role="Operator")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def form_data(**changes) -> dict:
    """A complete, valid institution form as a browser posts it."""
    data = {
        "kind": "wksbm",
        "wksbm_type": "majelis_taklim",
        "name": "Majelis Taklim Nurul Huda",
        "regency": "75.02",
        "district": "75.02.01",
        "village": BONGO_NOL,
        "address": "Jl. Trans Sulawesi No. 5",
        "leader_name": "Hj. Salma Ismail",
        "phone": "0812-4455-6677",
        "email": "nurulhuda@example.org",
        "registration_number": "460/DINSOS/77/2024",
        "registration_date": "13/02/2024",
        "registration_issuer": "Dinas Sosial Kabupaten Boalemo",
        "npwp": "012345678901000",
        "bank_name": "Bank SulutGo",
        "account_number": "0123456789",
        "account_holder": "Majelis Taklim Nurul Huda",
        "permit_number": "",
        "permit_expires_on": "",
        "accreditation": "",
        "accreditation_expires_on": "",
        "active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# List: filters, search, sorting, paging --------------------------------------


@pytest.fixture
def listing(regions):
    """Institutions that each filter tells apart."""
    today = datetime.date.today()
    yesterday = today - datetime.timedelta(days=1)
    past_program = ProgramFactory(
        year=today.year - 2, lpj_due_date=datetime.date(today.year - 1, 1, 10)
    )
    future_program = ProgramFactory(
        year=today.year, lpj_due_date=datetime.date(today.year + 1, 1, 10)
    )
    made = {
        "ikhlas": InstitutionFactory(
            name="Majelis Taklim Al Ikhlas",
            village=village(BONGO_NOL),
            registration_number="460/DINSOS/12/2023",
            npwp="012345678901000",
        ),
        "bongo_iv": InstitutionFactory(
            name="Rukun Duka Bongo Empat",
            wksbm_type=Institution.WksbmType.RUKUN_DUKA,
            village=village(BONGO_IV),
        ),
        "karang_taruna": InstitutionFactory(
            karang_taruna=True, name="Karang Taruna Harapan", village=village(HARAPAN)
        ),
        "permit_expired": InstitutionFactory(
            lksa=True,
            name="LKSA Kasih Ibu",
            village=village(KAYUBULAN),
            permit_expires_on=yesterday,
        ),
        "accreditation_expired": InstitutionFactory(
            lksa=True,
            name="LKSA Harapan Bangsa",
            village=village(KAYUBULAN),
            accreditation_expires_on=yesterday,
        ),
        "inactive": InstitutionFactory(
            name="Paguyuban Limboto Lama",
            wksbm_type=Institution.WksbmType.PAGUYUBAN,
            village=village(KAYUBULAN),
            active=False,
        ),
        "lpj_overdue": InstitutionFactory(
            name="Takmirul Masjid Al Huda", village=village(BONGO_NOL)
        ),
        "lpj_handed_in": InstitutionFactory(
            name="Takmirul Masjid At Taqwa", village=village(BONGO_NOL)
        ),
        "lpj_not_yet_due": InstitutionFactory(
            name="Takmirul Masjid Nurul Iman", village=village(BONGO_NOL)
        ),
        "approved_only": InstitutionFactory(
            name="Kelompok Arisan Melati", village=village(BONGO_NOL)
        ),
    }
    GrantFactory(program=past_program, institution=made["lpj_overdue"], disbursed=True)
    handed_in = GrantFactory(
        program=past_program, institution=made["lpj_handed_in"], disbursed=True
    )
    AccountabilityReport.objects.create(
        grant=handed_in, submitted_on=yesterday, amount_spent=handed_in.amount
    )
    GrantFactory(
        program=future_program, institution=made["lpj_not_yet_due"], disbursed=True
    )
    GrantFactory(program=past_program, institution=made["approved_only"], approved=True)
    return {key: institution.name for key, institution in made.items()}


LIST_FILTERS = [
    ("jenis=karang_taruna", {"karang_taruna"}),
    ("jenis=lksa", {"permit_expired", "accreditation_expired"}),
    ("kabupaten=75.01", {"permit_expired", "accreditation_expired", "inactive"}),
    ("kabupaten=75.02&kecamatan=75.02.02", {"karang_taruna"}),
    (
        f"kabupaten=75.02&kecamatan=75.02.01&desa={BONGO_NOL}",
        {"ikhlas", "lpj_overdue", "lpj_handed_in", "lpj_not_yet_due", "approved_only"},
    ),
    (f"kabupaten=75.02&kecamatan=75.02.01&desa={BONGO_IV}", {"bongo_iv"}),
    ("aktif=0", {"inactive"}),
    ("dokumen_kedaluwarsa=1", {"permit_expired", "accreditation_expired"}),
    ("lpj_terlambat=1", {"lpj_overdue"}),
    ("q=al+ikhlas", {"ikhlas"}),
    ("q=DINSOS/12/2023", {"ikhlas"}),
    ("q=01.234.567.8-901.000", {"ikhlas"}),
    ("q=5678901", {"ikhlas"}),
    ("jenis=wksbm&kabupaten=75.01", {"inactive"}),
]


@pytest.mark.parametrize(
    ("query", "expected"), LIST_FILTERS, ids=[q for q, _ in LIST_FILTERS]
)
def test_each_list_filter_narrows_the_institutions_shown(
    operator_client, listing, query, expected
):
    response = operator_client.get(f"/lembaga/?{query}")

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(listing[key] for key in expected)


@pytest.mark.parametrize(
    ("query", "left_out"),
    [
        ("aktif=1", {"inactive"}),
        ("dokumen_kedaluwarsa=0", {"permit_expired", "accreditation_expired"}),
        ("lpj_terlambat=0", {"lpj_overdue"}),
    ],
)
def test_a_yes_no_filter_set_to_no_leaves_out_exactly_the_yes_rows(
    operator_client, listing, query, left_out
):
    response = operator_client.get(f"/lembaga/?{query}")

    assert sorted(listed(response)) == sorted(
        name for key, name in listing.items() if key not in left_out
    )


def test_without_filters_the_list_shows_every_institution(operator_client, listing):
    response = operator_client.get("/lembaga/")

    assert sorted(listed(response)) == sorted(listing.values())
    assert "10 data" in text(response)


def test_the_list_sorts_by_name_both_ways(operator_client, regions):
    for name in (
        "Majelis Taklim Cahaya",
        "Majelis Taklim Annur",
        "Majelis Taklim Baitul",
    ):
        InstitutionFactory(name=name, village=village(BONGO_NOL))
    ascending = [
        "Majelis Taklim Annur",
        "Majelis Taklim Baitul",
        "Majelis Taklim Cahaya",
    ]

    assert listed(operator_client.get("/lembaga/?urut=nama")) == ascending
    assert listed(operator_client.get("/lembaga/?urut=-nama")) == ascending[::-1]


def test_the_list_shows_25_rows_a_page_and_the_rest_on_page_two(
    operator_client, regions
):
    for number in range(30):
        InstitutionFactory(name=f"Rukun Duka {number:02d}", village=village(BONGO_NOL))

    first = operator_client.get("/lembaga/")
    second = operator_client.get("/lembaga/?page=2")

    assert len(listed(first)) == 25
    assert "Halaman 1 dari 2" in text(first)
    assert 'rel="next"' in text(first)
    assert listed(second) == [f"Rukun Duka {n:02d}" for n in range(25, 30)]
    assert "Halaman 2 dari 2" in text(second)
    assert operator_client.get("/lembaga/?page=3").status_code == 404


def test_the_list_pages_keep_the_filter(operator_client, regions):
    for number in range(27):
        InstitutionFactory(name=f"Rukun Duka {number:02d}", village=village(BONGO_NOL))
    InstitutionFactory(karang_taruna=True, village=village(HARAPAN))

    response = operator_client.get("/lembaga/?jenis=wksbm")

    assert "jenis=wksbm&amp;page=2" in text(response)
    assert len(listed(operator_client.get("/lembaga/?jenis=wksbm&page=2"))) == 2


def test_a_regency_limited_user_lists_only_institutions_of_their_regencies(
    client, regions
):
    in_boalemo = InstitutionFactory(
        name="Majelis Taklim Boalemo", village=village(BONGO_NOL)
    )
    in_gorontalo = InstitutionFactory(
        name="Majelis Taklim Limboto", village=village(KAYUBULAN)
    )
    in_pohuwato = InstitutionFactory(
        name="Majelis Taklim Marisa",
        village=Village.objects.filter(district__regency_id="75.04").first(),
    )
    user = limited_to(UserFactory(role="Verifikator"), "75.01", "75.02")
    client.force_login(user)

    assert sorted(listed(client.get("/lembaga/"))) == sorted(
        [in_boalemo.name, in_gorontalo.name]
    )
    assert client.get(f"/lembaga/{in_gorontalo.pk}/").status_code == 200
    assert client.get(f"/lembaga/{in_pohuwato.pk}/").status_code == 404
    # A filter cannot widen the scope.
    assert listed(client.get("/lembaga/?kabupaten=75.04")) == []


def _add_institutions(count: int) -> None:
    villages = list(Village.objects.filter(district__regency_id="75.02")[:count])
    start = Institution.objects.count()
    for number in range(start, start + count):
        InstitutionFactory(
            name=f"Lembaga Hitung {number:03d}",
            village=villages[number % len(villages)],
        )


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/lembaga/?urut=desa")
    assert response.status_code == 200
    return len(queries)


def test_the_list_needs_the_same_few_queries_for_5_or_40_rows(operator_client, regions):
    _add_institutions(5)
    few = _list_queries(operator_client)
    _add_institutions(35)
    many = _list_queries(operator_client)

    assert few == many
    assert many <= 12


# Creating ---------------------------------------------------------------------


def test_a_valid_institution_is_created_with_its_author_and_history(
    operator_client, operator, regions
):
    response = operator_client.post(
        "/lembaga/baru/", form_data(account_number="0123 4567-89")
    )

    institution = Institution.objects.get()
    assert response.status_code == 302
    assert response.url == f"/lembaga/{institution.pk}/"
    assert institution.created_by == operator
    assert institution.village_id == BONGO_NOL
    assert institution.registration_date == datetime.date(2024, 2, 13)
    assert institution.npwp == "012345678901000"
    assert institution.account_number == "0123456789"
    entry = LogEntry.objects.get(object_id=str(institution.pk))
    assert (entry.user, entry.action_flag) == (operator, ADDITION)
    page = text(operator_client.get(response.url))
    assert "Lembaga Majelis Taklim Nurul Huda dicatat." in page
    history = page.split("Riwayat perubahan", 1)[1]
    assert "Rahmawati: Ditambahkan." in history


def test_a_dotted_legacy_npwp_is_stored_as_digits(operator_client, regions):
    response = operator_client.post(
        "/lembaga/baru/", form_data(npwp="01.234.567.8-901.000")
    )

    assert field_error(response, "npwp") == []
    assert Institution.objects.get().npwp == "012345678901000"


BAD_INPUT = [
    pytest.param({"name": ""}, "name", REQUIRED, id="missing-name"),
    pytest.param(
        {"district": "75.01.01"},
        "district",
        "Kecamatan tidak berada di kabupaten/kota ini.",
        id="district-elsewhere",
    ),
    pytest.param(
        {"village": HARAPAN},
        "village",
        "Desa/kelurahan tidak berada di kecamatan ini.",
        id="village-elsewhere",
    ),
    pytest.param(
        {"npwp": "12.345"},
        "npwp",
        "NPWP 12345 tidak valid: NPWP harus 15 digit (format lama) atau 16 digit.",
        id="npwp",
    ),
    pytest.param(
        {"phone": "0812-abc"},
        "phone",
        "Nomor telepon harus 8 sampai 15 angka, boleh diawali +.",
        id="phone",
    ),
    pytest.param(
        {"registration_date": "02/13/2024"},
        "registration_date",
        "Masukkan tanggal yang valid.",
        id="month-first-date",
    ),
    pytest.param({"wksbm_type": ""}, "wksbm_type", "Pilih jenis WKSBM.", id="wksbm"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
def test_bad_input_shows_the_field_error_and_keeps_what_was_typed(
    operator_client, regions, changes, field, message
):
    data = form_data(**changes)

    response = operator_client.post("/lembaga/baru/", data)

    assert response.status_code == 200
    assert not Institution.objects.exists()
    assert field_error(response, field) == [message]
    page = text(response)
    assert "Periksa kembali isian yang ditandai." in page
    for typed in ("name", "leader_name", "phone", "npwp", "address", "email"):
        if data[typed]:
            assert f'name="{typed}" value="{escape(data[typed])}"' in page, typed


def test_the_region_selects_keep_the_chosen_regency_district_and_village(
    operator_client, regions
):
    response = operator_client.post("/lembaga/baru/", form_data(name=""))

    page = text(response)
    assert '<option value="75.02" selected>' in page
    assert '<option value="75.02.01" selected>' in page
    assert f'<option value="{BONGO_NOL}" selected>' in page
    # The later selects list only the children of what was chosen.
    assert (
        len(select_options(response, "district"))
        == District.objects.filter(regency_id="75.02").count()
    )
    assert (
        len(select_options(response, "village"))
        == Village.objects.filter(district_id="75.02.01").count()
    )


def test_a_district_outside_the_regency_is_named_as_such(operator_client, regions):
    response = operator_client.post("/lembaga/baru/", form_data(district="75.01.01"))

    assert field_error(response, "district") == [
        "Kecamatan tidak berada di kabupaten/kota ini."
    ]


@pytest.fixture
def al_ikhlas(regions):
    return InstitutionFactory(
        name="Majelis Taklim Al Ikhlas", village=village(BONGO_NOL)
    )


@pytest.mark.parametrize(
    "name",
    [
        "Majelis Taklim Al-Ikhlas Desa Bongo Nol",
        "Majlis Taklim Al Ikhlas",
        "MAJELIS TAKLIM AL-IKHLAS",
    ],
)
def test_a_similar_name_in_the_same_village_needs_confirmation(
    operator_client, al_ikhlas, name
):
    response = operator_client.post("/lembaga/baru/", form_data(name=name))

    assert response.status_code == 200
    assert Institution.objects.count() == 1
    page = text(response)
    assert SIMILAR_WARNING in page
    warning = page.split(SIMILAR_WARNING, 1)[1].split("</div>", 1)[0]
    assert f'<a href="/lembaga/{al_ikhlas.pk}/"' in warning
    assert "Majelis Taklim Al Ikhlas</a>" in warning
    assert field_error(response, "confirm_similar") == [SIMILAR_CONFIRM]
    assert f'name="name" value="{name}"' in page


@pytest.mark.parametrize(
    "name", ["Majelis Taklim Al-Ikhlas Desa Bongo Nol", "Majlis Taklim Al Ikhlas"]
)
def test_a_similar_name_is_created_once_confirmed(operator_client, al_ikhlas, name):
    response = operator_client.post(
        "/lembaga/baru/", form_data(name=name, confirm_similar="on")
    )

    assert response.status_code == 302
    assert Institution.objects.filter(name=name).exists()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(
            {"regency": "75.02", "district": "75.02.01", "village": BONGO_IV},
            id="other-village",
        ),
        pytest.param(
            {"kind": "lksa", "wksbm_type": "", "name": "Majelis Taklim Al Ikhlas"},
            id="other-kind",
        ),
    ],
)
def test_a_like_name_in_another_village_or_of_another_kind_is_not_questioned(
    operator_client, al_ikhlas, changes
):
    data = form_data(**{"name": "Majelis Taklim Al-Ikhlas", **changes})

    response = operator_client.post("/lembaga/baru/", data)

    assert response.status_code == 302
    assert Institution.objects.count() == 2


def test_the_same_normalised_name_is_refused_even_when_confirmed(
    operator_client, al_ikhlas
):
    response = operator_client.post(
        "/lembaga/baru/",
        form_data(name="MAJELIS TAKLIM AL-IKHLAS", confirm_similar="on"),
    )

    assert response.status_code == 200
    assert SAME_NAME in html.unescape(text(response))
    assert Institution.objects.count() == 1


def test_a_second_karang_taruna_in_a_village_is_refused(operator_client, regions):
    InstitutionFactory(
        karang_taruna=True, name="Karang Taruna Bina Remaja", village=village(BONGO_NOL)
    )
    data = form_data(
        kind="karang_taruna", wksbm_type="", name="Karang Taruna Tunas Muda"
    )

    response = operator_client.post("/lembaga/baru/", data)

    assert response.status_code == 200
    assert SECOND_KARANG_TARUNA in html.unescape(text(response))
    assert Institution.objects.count() == 1
    elsewhere = {**data, "village": BONGO_IV}
    assert operator_client.post("/lembaga/baru/", elsewhere).status_code == 302


def test_the_regency_select_offers_only_the_users_regencies(client, regions):
    user = limited_to(UserFactory(role="Operator"), "75.02", "75.04")
    client.force_login(user)

    assert select_options(client.get("/lembaga/baru/"), "regency") == ["75.02", "75.04"]


def test_every_regency_is_offered_to_a_user_without_a_limit(operator_client, regions):
    options = select_options(operator_client.get("/lembaga/baru/"), "regency")

    assert options == list(Regency.objects.values_list("code", flat=True))
    assert len(options) == 6


def test_a_regency_limited_operator_cannot_record_an_institution_elsewhere(
    client, regions
):
    client.force_login(limited_to(UserFactory(role="Operator"), "75.02"))
    data = form_data(regency="75.01", district="75.01.01", village=KAYUBULAN)

    response = client.post("/lembaga/baru/", data)

    assert response.status_code == 200
    assert field_error(response, "regency") == [INVALID_CHOICE]
    assert not Institution.objects.exists()


# Editing ----------------------------------------------------------------------


@pytest.fixture
def nurul_huda(operator_client, regions):
    operator_client.post("/lembaga/baru/", form_data())
    return Institution.objects.get()


def test_an_edit_records_which_fields_changed(operator_client, operator, nurul_huda):
    data = form_data(phone="0852-1111-2222", leader_name="Ibu Nurain Mohi")

    response = operator_client.post(f"/lembaga/{nurul_huda.pk}/ubah/", data)

    assert response.status_code == 302
    assert response.url == f"/lembaga/{nurul_huda.pk}/"
    nurul_huda.refresh_from_db()
    assert (nurul_huda.phone, nurul_huda.leader_name) == (
        "0852-1111-2222",
        "Ibu Nurain Mohi",
    )
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.user == operator
    assert entry.object_id == str(nurul_huda.pk)
    assert json.loads(entry.change_message) == [
        {"changed": {"fields": ["Nama ketua", "Telepon"]}}
    ]


def test_saving_an_unchanged_institution_writes_no_history(operator_client, nurul_huda):
    response = operator_client.post(f"/lembaga/{nurul_huda.pk}/ubah/", form_data())

    assert response.status_code == 302
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


def test_the_edit_form_shows_the_stored_values(operator_client, nurul_huda):
    page = text(operator_client.get(f"/lembaga/{nurul_huda.pk}/ubah/"))

    assert 'name="registration_date" value="13/02/2024"' in page
    assert 'name="npwp" value="012345678901000"' in page
    assert '<option value="75.02.01" selected>' in page
    assert f'<option value="{BONGO_NOL}" selected>' in page
    assert 'name="confirm_similar"' not in page


def test_the_history_names_changed_fields_by_their_labels(operator_client, nurul_huda):
    operator_client.post(
        f"/lembaga/{nurul_huda.pk}/ubah/", form_data(phone="0852-1111-2222")
    )

    page = text(operator_client.get(f"/lembaga/{nurul_huda.pk}/"))

    assert "Rahmawati: Telepon berubah." in page


# Chained selects --------------------------------------------------------------


def option_values(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)">', text(response))


def test_the_district_options_are_exactly_the_regencys_districts(
    operator_client, regions
):
    response = operator_client.get("/wilayah/kecamatan/?parent=75.02")

    values = option_values(response)
    assert values[0] == ""
    assert values[1:] == list(
        District.objects.filter(regency_id="75.02")
        .order_by("name")
        .values_list("code", flat=True)
    )
    assert len(values[1:]) == 7
    assert '<option value="75.02.04">Tilamuta</option>' in text(response)


def test_the_village_options_are_exactly_the_districts_villages(
    operator_client, regions
):
    response = operator_client.get("/wilayah/desa/?parent=75.02.01")

    values = option_values(response)
    assert values[1:] == list(
        Village.objects.filter(district_id="75.02.01")
        .order_by("name")
        .values_list("code", flat=True)
    )
    assert (
        len(values[1:]) == Village.objects.filter(code__startswith="75.02.01.").count()
    )
    assert f'<option value="{BONGO_NOL}">Bongo Nol</option>' in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/wilayah/kecamatan/?parent=99.99",
        "/wilayah/kecamatan/",
        "/wilayah/desa/?parent=75.02.99",
        "/wilayah/desa/?parent=",
    ],
)
def test_an_unknown_parent_gives_only_the_empty_option(operator_client, regions, url):
    response = operator_client.get(url)

    assert response.status_code == 200
    assert option_values(response) == [""]


def test_a_district_alone_filters_the_list(client, regions):
    client.force_login(UserFactory(username="pengamat_kec", role="Pengamat"))
    here = InstitutionFactory(village=Village.objects.get(code="75.02.01.2004"))
    InstitutionFactory(village=Village.objects.get(code="75.71.01.1001"))
    response = client.get("/lembaga/?kecamatan=75.02.01")
    assert [i.pk for i in response.context["object_list"]] == [here.pk]
