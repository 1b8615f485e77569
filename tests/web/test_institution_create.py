"""A new institution in one form: its record, its region started for the user,
and the scans of its legal documents, saved together or not at all."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from institutions.models import Institution, InstitutionDocument
from tests.factories import TINY_PDF, UserFactory
from tests.web.test_institution_views import (
    BONGO_NOL,
    form_data,
    limited_to,
    select_options,
    text,
)

pytestmark = pytest.mark.django_db


def scan(content: bytes = TINY_PDF, name: str = "dokumen.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def operator_client(client, regions):
    client.force_login(UserFactory(username="operator", role="Operator"))
    return client


def selected(response, name: str) -> list[str]:
    match = re.search(rf'<select name="{name}".*?</select>', text(response), re.S)
    chosen = re.findall(r'<option value="([^"]*)" selected>', match.group(0))
    return [value for value in chosen if value]


def test_a_user_of_one_regency_starts_with_it_and_its_districts(client, regions):
    client.force_login(limited_to(UserFactory(role="Operator"), "75.02"))

    response = client.get("/lembaga/baru/")

    assert selected(response, "regency") == ["75.02"]
    districts = select_options(response, "district")
    assert districts and all(code.startswith("75.02.") for code in districts)


def test_a_user_of_several_regencies_chooses_one(client, regions):
    client.force_login(limited_to(UserFactory(role="Operator"), "75.02", "75.04"))

    response = client.get("/lembaga/baru/")

    assert selected(response, "regency") == []
    assert select_options(response, "district") == []


def test_the_account_holder_follows_the_name_only_on_a_new_institution(
    operator_client,
):
    new = text(operator_client.get("/lembaga/baru/"))
    assert re.search(
        r'<input [^>]*name="account_holder"[^>]*data-copy-from="id_name"', new
    )

    operator_client.post("/lembaga/baru/", form_data())
    institution = Institution.objects.get()
    edit = text(operator_client.get(f"/lembaga/{institution.pk}/ubah/"))
    assert "data-copy-from" not in edit


def test_the_form_offers_a_scan_for_each_required_document(operator_client):
    content = text(operator_client.get("/lembaga/baru/"))

    assert 'enctype="multipart/form-data"' in content
    for kind in InstitutionDocument.REQUIRED_KINDS:
        assert f">Pindaian {kind.label}:</label>" in content


def test_an_institution_is_recorded_with_the_scans_given(
    fresh_storage, operator_client
):
    data = form_data(
        **{
            "akta-scan": scan(),
            "npwp-scan": scan(),
            "npwp-number": "01.234.567.8-901.000",
        }
    )

    response = operator_client.post("/lembaga/baru/", data)

    institution = Institution.objects.get()
    assert response.status_code == 302
    assert response.url == f"/lembaga/{institution.pk}/"
    documents = {d.kind: d for d in institution.documents.all()}
    assert set(documents) == {"akta", "npwp"}
    assert documents["npwp"].number == "01.234.567.8-901.000"
    assert documents["akta"].uploaded_by.username == "operator"
    with documents["akta"].file.open("rb") as stored:
        assert stored.read() == TINY_PDF


def test_an_institution_without_scans_is_recorded_all_the_same(operator_client):
    response = operator_client.post("/lembaga/baru/", form_data())

    assert response.status_code == 302
    assert not Institution.objects.get().documents.exists()


def test_a_refused_form_without_files_asks_for_none_again(operator_client):
    response = operator_client.post("/lembaga/baru/", form_data(name=""))

    assert response.status_code == 200
    assert 'id="files-dropped"' not in text(response)


def test_a_disguised_scan_refuses_the_whole_form_and_stores_nothing(
    fresh_storage, operator_client
):
    data = form_data(
        **{
            "akta-scan": scan(),
            "domisili-scan": scan(b"<html>bukan pindaian</html>", name="surat.pdf"),
        }
    )

    response = operator_client.post("/lembaga/baru/", data)

    assert response.status_code == 200
    assert re.search(
        r'id="id_domisili-scan_error">Berkas surat.pdf bukan PDF, JPEG atau PNG',
        text(response),
    )
    assert not Institution.objects.exists()
    assert not InstitutionDocument.objects.exists()
    # The valid scan is not kept either: the page asks for the files again.
    assert 'id="files-dropped"' in text(response)


def test_a_document_number_without_its_scan_is_refused(operator_client):
    data = form_data(**{"sk_terdaftar-number": "460/DINSOS/77/2024"})

    response = operator_client.post("/lembaga/baru/", data)

    assert response.status_code == 200
    assert 'id="id_sk_terdaftar-scan_error"' in text(response)
    assert not Institution.objects.exists()


def test_the_village_still_chosen_when_a_scan_is_refused(
    fresh_storage, operator_client
):
    data = form_data(**{"akta-scan": scan(b"not a scan")})

    response = operator_client.post("/lembaga/baru/", data)

    assert selected(response, "village") == [BONGO_NOL]


def test_save_and_propose_opens_the_proposal_for_the_new_institution(
    operator_client,
):
    assert "Lanjut ke usulan bantuan" in text(operator_client.get("/lembaga/baru/"))

    response = operator_client.post("/lembaga/baru/", form_data(usulkan="1"))

    institution = Institution.objects.get()
    assert response.status_code == 302
    assert response.url == f"/bantuan/usul/?lembaga={institution.pk}"


def test_save_and_propose_is_offered_only_to_who_may_propose(client, regions):
    clerk = UserFactory(username="juru")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="institutions",
            codename__in=["view_institution", "add_institution"],
        )
    )
    client.force_login(clerk)

    assert "Lanjut ke usulan bantuan" not in text(client.get("/lembaga/baru/"))
    response = client.post("/lembaga/baru/", form_data(usulkan="1"))

    institution = Institution.objects.get()
    assert response.url == f"/lembaga/{institution.pk}/"


def test_a_wksbm_type_alone_says_the_institution_is_a_wksbm(operator_client):
    response = operator_client.post("/lembaga/baru/", form_data(kind=""))

    assert response.status_code == 302
    institution = Institution.objects.get()
    assert (institution.kind, institution.wksbm_type) == ("wksbm", "majelis_taklim")
    # The page's script does the same as the user chooses.
    page = text(operator_client.get("/lembaga/baru/"))
    assert re.search(
        r'<select name="wksbm_type"[^>]*data-implies="id_kind"'
        r'[^>]*data-implies-value="wksbm"',
        page,
    )


def test_without_a_kind_or_a_wksbm_type_the_form_asks_for_the_kind(operator_client):
    response = operator_client.post("/lembaga/baru/", form_data(kind="", wksbm_type=""))

    assert response.status_code == 200
    assert "Pilih jenis lembaga." in text(response)
    assert not Institution.objects.exists()


def test_another_kind_chosen_with_a_wksbm_type_keeps_the_kind_chosen(operator_client):
    operator_client.post(
        "/lembaga/baru/",
        form_data(kind="karang_taruna", name="Karang Taruna Tunas Harapan"),
    )

    institution = Institution.objects.get()
    assert (institution.kind, institution.wksbm_type) == ("karang_taruna", "")
