"""The 400, 403, 404 and 500 pages: in the site layout, in Indonesian, in English
with the language switch (the cookie; the browser's Accept-Language is not
followed, see config/middleware.py). The 500 page needs no database."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation

from config.outage import server_error
from tests.factories import UserFactory
from tests.web.pages import page

LAYOUT = '<header class="site-header">'
NAV = '<nav class="main-nav"'


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def pengamat_client(db, client):
    client.force_login(UserFactory(username="pengamat_galat", role="Pengamat"))
    return client


# 404 ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_address_is_a_404_in_the_site_layout(pengamat_client):
    response = pengamat_client.get("/tidak-ada/")

    assert response.status_code == 404
    text = page(response)
    assert '<html lang="id">' in text
    assert LAYOUT in text and NAV in text
    assert "<h1>Halaman tidak ditemukan</h1>" in text
    assert "/tidak-ada/" in text
    assert 'href="/"' in text


@pytest.mark.django_db
def test_a_record_out_of_reach_is_the_same_404_page(pengamat_client):
    response = pengamat_client.get("/lembaga/987654/")

    assert response.status_code == 404
    assert "<h1>Halaman tidak ditemukan</h1>" in page(response)


@pytest.mark.django_db
def test_an_unknown_address_is_a_404_without_a_login(client):
    response = client.get("/tidak-ada/")

    assert response.status_code == 404
    text = page(response)
    assert "<h1>Halaman tidak ditemukan</h1>" in text
    assert NAV not in text


@pytest.mark.django_db
def test_the_404_page_in_english(pengamat_client):
    text = page(english(pengamat_client).get("/tidak-ada/"))

    assert '<html lang="en">' in text
    assert "<h1>Page not found</h1>" in text
    assert "Back to Home" in text


@pytest.mark.django_db
def test_an_english_browser_alone_still_gets_the_indonesian_page(pengamat_client):
    text = page(pengamat_client.get("/tidak-ada/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "<h1>Halaman tidak ditemukan</h1>" in text


# 400 ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_request_is_a_400_in_the_site_layout(client):
    # Django's own 400 (here a Host header not allowed) renders without a request.
    response = client.get("/masuk/", HTTP_HOST="bukan-kami.example")

    assert response.status_code == 400
    text = page(response)
    assert LAYOUT in text
    assert "<h1>Permintaan tidak valid</h1>" in text
    assert "Alamat atau isian yang dikirim tidak dapat diproses." in text


@pytest.mark.django_db
def test_the_400_page_in_english(client):
    text = page(english(client).get("/masuk/", HTTP_HOST="bukan-kami.example"))

    assert '<html lang="en">' in text
    assert "<h1>Bad request</h1>" in text


@pytest.mark.django_db
def test_an_invalid_filter_is_a_400_with_the_list_and_its_error(pengamat_client):
    response = pengamat_client.get("/bimtek/?tahun=1e5")

    assert response.status_code == 400
    text = page(response)
    assert NAV in text
    assert "Masukkan keseluruhan angka bilangan." in text


@pytest.mark.django_db
def test_an_invalid_export_in_english(pengamat_client):
    response = english(pengamat_client).get("/impor/ekspor/lembaga.csv?jenis=x")

    assert response.status_code == 400
    text = page(response)
    assert "<h1>Bad request</h1>" in text
    assert "Invalid export filter; nothing was exported." in text
    assert "Back to the previous page" in text


# 403 ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_page_is_a_403_in_the_site_layout(pengamat_client):
    response = pengamat_client.get("/program/baru/")

    assert response.status_code == 403
    text = page(response)
    assert LAYOUT in text and NAV in text
    assert "<h1>Akses ditolak</h1>" in text


@pytest.mark.django_db
def test_the_403_page_in_english(pengamat_client):
    text = page(english(pengamat_client).get("/program/baru/"))

    assert "<h1>Access denied</h1>" in text


# 500 ---------------------------------------------------------------------------


def _broken_home(monkeypatch):
    def boom(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("reports.worklist.tasks_for", boom)


@pytest.mark.django_db
def test_a_server_error_is_a_500_in_the_site_layout(monkeypatch):
    _broken_home(monkeypatch)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="operator_galat", role="Operator"))

    response = client.get("/")

    assert response.status_code == 500
    text = page(response)
    assert '<html lang="id">' in text
    assert LAYOUT in text
    assert "<h1>Terjadi kesalahan</h1>" in text
    assert "a bug" not in text
    # Rendered without a request: no user, so no menu to build from the database.
    assert NAV not in text


@pytest.mark.django_db
def test_the_500_page_in_english(monkeypatch):
    _broken_home(monkeypatch)
    client = english(Client(raise_request_exception=False))
    client.force_login(UserFactory(username="operator_galat", role="Operator"))

    text = page(client.get("/"))

    assert '<html lang="en">' in text
    assert "<h1>Something went wrong</h1>" in text


def test_the_500_page_renders_without_the_database():
    # No django_db mark: any query here fails the test.
    with translation.override("id"):
        response = server_error(RequestFactory().get("/lembaga/"))

    assert response.status_code == 500
    assert "<h1>Terjadi kesalahan</h1>" in response.content.decode()
