"""The personal-data access log: every export, every page showing a NIK or an
account number whole, every NIK search; append-only; read-only in the admin.
And the NIK search itself: by POST, never in an address."""

import pytest
from django.test import Client
from django.urls import reverse

from common.access_log import log_data_access
from common.models import DataAccessLog
from institutions.models import BeneficiaryEnrollment
from tests.factories import (
    BeneficiaryFactory,
    GrantFactory,
    InstitutionFactory,
    UserFactory,
)
from tests.web.pages import page

pytestmark = pytest.mark.django_db

NIK = "7502014508900001"
NIK_MASKED = "7502********0001"
Action = DataAccessLog.Action


@pytest.fixture
def institution(db):
    return InstitutionFactory(name="Majelis Taklim Nurul Huda")


@pytest.fixture
def enrolled(institution):
    person = BeneficiaryFactory(nik=NIK, name="Siti Aminah")
    other = BeneficiaryFactory(nik="7502010101800002", name="Rahmat Hasan")
    for beneficiary in (person, other):
        BeneficiaryEnrollment.objects.create(
            beneficiary=beneficiary, institution=institution, year=2024
        )
    return person


def login(client, role: str):
    user = UserFactory(username=role.lower(), role=role)
    client.force_login(user)
    return user


# Exports -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("what", "query", "rows"),
    [
        ("lembaga", "?jenis=wksbm", 1),
        ("bantuan", "?status=proposed", 1),
        ("penerima-manfaat", "?tahun=2024", 2),
    ],
)
def test_every_export_writes_one_log_row(
    client, enrolled, institution, what, query, rows, fmt
):
    GrantFactory(institution=institution)
    user = login(client, "Pengamat")

    response = client.get(f"/impor/ekspor/{what}.{fmt}{query}")
    b"".join(response.streaming_content if response.streaming else response)

    assert response.status_code == 200
    [entry] = DataAccessLog.objects.all()
    assert (entry.user, entry.action, entry.filters, entry.rows) == (
        user,
        Action.EXPORT,
        query[1:],
        rows,
    )
    assert what in entry.what and fmt.upper() in entry.what
    assert entry.address == "127.0.0.1"


def test_an_export_refused_for_its_filters_is_not_logged(client, enrolled):
    login(client, "Pengamat")
    assert client.get("/impor/ekspor/penerima-manfaat.csv?tahun=abc").status_code == 400
    assert not DataAccessLog.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_report_export_is_logged(client, institution, fmt):
    GrantFactory(institution=institution)
    user = login(client, "Pengamat")

    response = client.get(f"/laporan/tahunan/?tahun=2024&format={fmt}")

    assert response.status_code == 200
    [entry] = DataAccessLog.objects.all()
    assert (entry.user, entry.action) == (user, Action.EXPORT)
    assert fmt.upper() in entry.what and "tahun=2024" in entry.filters
    assert entry.rows is not None


# Pages showing full values -----------------------------------------------------


def test_a_beneficiary_list_page_with_full_niks_writes_a_row_naming_page_and_filter(
    client, enrolled
):
    user = login(client, "Operator")

    response = client.get("/impor/penerima-manfaat/?tahun=2024&kategori=lansia")

    assert NIK in page(response)
    [entry] = DataAccessLog.objects.all()
    assert (entry.user, entry.action, entry.rows) == (user, Action.FULL_NIK_VIEW, 2)
    assert "halaman 1" in entry.what
    assert entry.filters == "tahun=2024&kategori=lansia"


def test_a_page_without_full_niks_is_not_logged(client, enrolled):
    login(client, "Pengamat")
    client.get("/impor/penerima-manfaat/")
    login(client, "Operator")
    client.get("/impor/penerima-manfaat/?tahun=1999")  # no rows, no NIK shown
    assert not DataAccessLog.objects.exists()


@pytest.mark.parametrize(("role", "logged"), [("Bendahara", 1), ("Pengamat", 0)])
def test_the_institution_page_logs_a_full_account_view(
    client, institution, role, logged
):
    user = login(client, role)

    client.get(f"/lembaga/{institution.pk}/")

    entries = list(DataAccessLog.objects.all())
    assert len(entries) == logged
    if logged:
        assert (entries[0].user, entries[0].action) == (user, Action.FULL_ACCOUNT_VIEW)
        assert "Majelis Taklim Nurul Huda" in entries[0].what


@pytest.mark.parametrize(("role", "logged"), [("Verifikator", 1), ("Operator", 0)])
def test_the_grant_page_logs_a_full_account_view(client, institution, role, logged):
    grant = GrantFactory(institution=institution, verified=True)
    login(client, role)

    client.get(f"/bantuan/{grant.pk}/")

    assert (
        DataAccessLog.objects.filter(action=Action.FULL_ACCOUNT_VIEW).count() == logged
    )


def test_the_admin_page_of_a_person_logs_a_full_nik_view(client, enrolled):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(user)

    response = client.get(
        reverse("admin:institutions_beneficiary_change", args=[enrolled.pk])
    )

    assert NIK in page(response)
    [entry] = DataAccessLog.objects.all()
    assert (entry.user, entry.action) == (user, Action.FULL_NIK_VIEW)
    assert "Siti Aminah" in entry.what


# NIK search by POST ----------------------------------------------------------------


def test_the_nik_search_by_post_finds_the_person_and_is_logged(client, enrolled):
    user = login(client, "Operator")

    response = client.post("/impor/penerima-manfaat/", {"nik": "7502 0145 0890 0001"})

    assert response.status_code == 200
    text = page(response)
    assert "Siti Aminah" in text and "Rahmat Hasan" not in text
    assert NIK in text  # an Operator sees it whole
    [entry] = DataAccessLog.objects.all()
    assert (entry.user, entry.action, entry.rows) == (user, Action.FULL_NIK_VIEW, 1)
    assert "Siti Aminah" in entry.what
    # The log names the person; it does not become a store of NIKs.
    assert NIK not in entry.filters and NIK_MASKED in entry.filters


def test_a_pengamats_nik_search_shows_the_nik_masked_and_is_logged_as_a_search(
    client, enrolled
):
    login(client, "Pengamat")

    response = client.post("/impor/penerima-manfaat/", {"nik": NIK})

    text = page(response)
    assert "Siti Aminah" in text and NIK not in text and NIK_MASKED in text
    assert DataAccessLog.objects.get().action == Action.NIK_SEARCH


def test_a_nik_search_for_an_unknown_nik_finds_nobody(client, enrolled):
    login(client, "Operator")

    response = client.post("/impor/penerima-manfaat/", {"nik": "7502019999990009"})

    assert response.status_code == 200
    assert "Tidak ada penerima manfaat dengan NIK ini." in page(response)
    assert DataAccessLog.objects.get().rows == 0


@pytest.mark.parametrize(
    "typed", ["", "750201450890", "75020145089000012", "7502x14508900001"]
)
def test_a_nik_search_needs_sixteen_digits(client, enrolled, typed):
    login(client, "Operator")

    response = client.post("/impor/penerima-manfaat/", {"nik": typed})

    assert response.status_code == 400
    assert "NIK harus 16 angka" in page(response)
    assert "Siti Aminah" not in page(response)
    assert not DataAccessLog.objects.exists()


def test_the_nik_search_needs_the_csrf_token(enrolled):
    client = Client(enforce_csrf_checks=True)
    login(client, "Operator")

    response = client.post("/impor/penerima-manfaat/", {"nik": NIK})

    assert response.status_code == 403
    assert not DataAccessLog.objects.exists()


def test_the_list_page_offers_the_nik_search_as_a_post_form_with_a_token(
    client, enrolled
):
    login(client, "Pengamat")
    text = page(client.get("/impor/penerima-manfaat/"))
    form = text.split('id="nik-search"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in form and 'name="nik"' in form
    assert 'method="post"' in text.split('id="nik-search"', 1)[0].rsplit("<form", 1)[1]


@pytest.mark.parametrize("q", [NIK, "7502 0145 0890", "750201", "Siti 750201"])
def test_a_nik_in_the_address_is_refused_and_not_repeated(client, enrolled, q):
    login(client, "Operator")

    response = client.get("/impor/penerima-manfaat/", {"q": q, "tahun": "2024"})

    assert response.status_code == 400
    text = page(response)
    assert 'formulir "Cari NIK"' in text
    digits = q.split()[-1]
    assert digits not in text  # not in a link, a field or the language switch
    assert "Siti Aminah" not in text
    assert "tahun=2024" in text  # the other filters survive in the links


def test_a_nik_hidden_among_repeated_searches_is_refused_too(client, enrolled):
    login(client, "Operator")

    response = client.get(f"/impor/penerima-manfaat/?q={NIK}&q=siti")

    assert response.status_code == 400
    assert NIK not in page(response)


def test_a_search_by_name_still_works_and_five_digits_pass(client, enrolled):
    login(client, "Pengamat")
    assert "Siti Aminah" in page(client.get("/impor/penerima-manfaat/?q=siti"))
    response = client.get("/impor/penerima-manfaat/?q=12345")
    assert response.status_code == 200


def test_an_export_with_a_nik_in_the_address_is_refused_without_repeating_it(
    client, enrolled
):
    login(client, "Operator")

    response = client.get(f"/impor/ekspor/penerima-manfaat.csv?q={NIK}&tahun=2024")

    assert response.status_code == 400
    text = page(response)
    assert NIK not in text and "tahun=2024" in text
    assert not DataAccessLog.objects.exists()


# Append-only, read-only ---------------------------------------------------------


@pytest.fixture
def entry(rf):
    request = rf.get("/")
    request.user = UserFactory(username="pengamat", role="Pengamat")
    return log_data_access(request, Action.EXPORT, "Ekspor lembaga (CSV)", rows=3)


def test_a_log_row_cannot_be_changed_or_deleted(entry):
    entry.what = "sesuatu yang lain"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    assert DataAccessLog.objects.get().what == "Ekspor lembaga (CSV)"


def test_an_anonymous_request_is_not_logged(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/transparansi/")
    request.user = AnonymousUser()
    assert log_data_access(request, Action.EXPORT, "Transparansi") is None
    assert not DataAccessLog.objects.exists()


def test_the_admin_lists_the_log_but_nobody_adds_changes_or_deletes(client, entry):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    changelist = reverse("admin:common_dataaccesslog_changelist")
    change = reverse("admin:common_dataaccesslog_change", args=[entry.pk])

    listed = client.get(changelist)
    assert listed.status_code == 200 and "Ekspor lembaga (CSV)" in page(listed)
    assert client.get(reverse("admin:common_dataaccesslog_add")).status_code == 403
    assert client.get(change).status_code == 200  # a read-only view
    assert client.post(change, {"what": "diubah"}).status_code == 403
    delete = reverse("admin:common_dataaccesslog_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.pk]}
    )
    assert bulk.status_code in (200, 302)
    assert DataAccessLog.objects.get().what == "Ekspor lembaga (CSV)"


def test_staff_without_the_right_do_not_see_the_log(client, entry):
    client.force_login(
        UserFactory(username="operator_staf", role="Operator", is_staff=True)
    )
    response = client.get(reverse("admin:common_dataaccesslog_changelist"))
    assert response.status_code == 403
