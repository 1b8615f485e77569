"""While the database cannot be reached, pages answer 503 with Retry-After (a page
that needs no database), and work again as soon as it is back, without a
restart (config/outage.py)."""

import contextlib
import socket

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import translation

from config.outage import RETRY_AFTER_SECONDS, database_unavailable
from tests.factories import UserFactory
from tests.web.pages import page

UNAVAILABLE = "<h1>Layanan sementara tidak tersedia</h1>"


@contextlib.contextmanager
def database_down(error=OperationalError):
    """Every query fails as when the server is gone (SQLite cannot lose its
    in-memory database for real; PostgreSQL can, see the last test)."""

    def refuse(*args, **kwargs):
        raise error("connection refused (simulated)")

    connection.cursor = refuse
    try:
        yield
    finally:
        del connection.cursor


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-cache" in response["Cache-Control"]
    text = page(response)
    assert '<header class="site-header">' in text
    assert UNAVAILABLE in text


@pytest.fixture
def staff(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="pengamat_padam", role="Pengamat"))
    return client


@pytest.mark.django_db
def test_loading_the_session_and_user_during_an_outage_is_a_503(staff):
    assert staff.get("/lembaga/").status_code == 200

    with database_down():
        response = staff.get("/lembaga/")

    assert_unavailable(response)
    assert staff.get("/lembaga/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_view_meeting_an_outage_is_a_503(error):
    cache.clear()
    anonymous = Client(raise_request_exception=False)

    with database_down(error):
        response = anonymous.get("/transparansi/")

    assert_unavailable(response)
    assert anonymous.get("/transparansi/").status_code == 200


@pytest.mark.django_db
def test_an_outage_met_in_other_middleware_is_a_503_too(staff, monkeypatch):
    # Outside a view, Django turns the error into a 500; handler500 sees why.
    def refuse(self, request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(
        "config.middleware.ChosenLanguageMiddleware.process_request", refuse
    )

    assert_unavailable(staff.get("/lembaga/"))


@pytest.mark.django_db
def test_the_login_page_still_opens_during_an_outage():
    with database_down():
        response = Client(raise_request_exception=False).get("/masuk/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_503_page_in_english(staff):
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with database_down():
        text = page(staff.get("/lembaga/"))

    assert '<html lang="en">' in text
    assert "<h1>Service temporarily unavailable</h1>" in text


def test_the_503_page_renders_without_the_database():
    # No django_db mark: any query here fails the test.
    with translation.override("id"):
        response = database_unavailable(RequestFactory().get("/lembaga/"))

    assert_unavailable(response)
    # The language switch still posts (its token is a cookie, not the session).
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


@contextlib.contextmanager
def closed_port():
    """A local port nothing listens on (held, so nothing else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_going_away_is_a_503_and_coming_back_needs_no_restart():
    # Commits for real: an outage cannot happen inside the test's transaction.
    staff = Client(raise_request_exception=False)
    staff.force_login(UserFactory(username="pengamat_pg", role="Pengamat"))
    anonymous = Client(raise_request_exception=False)
    cache.clear()
    assert staff.get("/lembaga/").status_code == 200

    port = connection.settings_dict["PORT"]
    with closed_port() as closed:
        connection.settings_dict["PORT"] = closed
        connection.close()
        try:
            with pytest.raises(OperationalError):
                connection.ensure_connection()
            logged_in = staff.get("/lembaga/")
            public = anonymous.get("/transparansi/")
            login_page = anonymous.get("/masuk/")
        finally:
            connection.settings_dict["PORT"] = port
            connection.close()

    assert_unavailable(logged_in)
    assert_unavailable(public)
    assert login_page.status_code == 200
    # Back: the next request connects again, in the same process.
    assert staff.get("/lembaga/").status_code == 200
    assert anonymous.get("/transparansi/").status_code == 200
