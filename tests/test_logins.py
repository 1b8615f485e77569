"""Logins and sessions: throttling (django-axes), the security log, passwords,
and how long a session lasts (config/session_limits.py, config/hashers.py)."""

import datetime
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from config.hashers import BansosArgon2PasswordHasher
from config.session_limits import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "rahasia-uji-123"
WRONG = "salah-sekali-999"
OFFICE = "10.20.30.40"  # one NAT address for a whole office
HOME = "192.0.2.77"


def at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str, url: str = "/masuk/"):
    return client.post(url, {"username": username, "password": password})


def fail(client: Client, username: str, times: int, url: str = "/masuk/"):
    return [log_in(client, username, WRONG, url).status_code for _ in range(times)]


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def operator():
    return UserFactory(username="operator1", role="Operator")


# Throttling ---------------------------------------------------------------------


def test_five_wrong_passwords_lock_that_username_at_that_address(operator):
    client = at(OFFICE)
    assert fail(client, "operator1", 4) == [200, 200, 200, 200]
    response = log_in(client, "operator1", WRONG)
    assert response.status_code == 429

    response = log_in(client, "operator1", PASSWORD)
    assert response.status_code == 429
    assert not is_logged_in(client)
    page = response.content.decode()
    assert '<html lang="id">' in page  # the site's layout
    assert "Terlalu banyak percobaan masuk" in page
    assert "Silakan coba lagi setelah pukul" in page
    assert "WITA" in page
    assert int(response["Retry-After"]) <= 15 * 60


def test_the_lockout_page_says_when_to_try_again(operator, clock):
    client = at(OFFICE)
    fail(client, "operator1", 5)
    retry_at = timezone.localtime(timezone.now() + datetime.timedelta(minutes=15))
    response = log_in(client, "operator1", PASSWORD)
    assert response.status_code == 429
    assert retry_at.strftime("%H:%M") in response.content.decode()


def test_the_lockout_page_does_not_tell_whether_the_username_exists(operator):
    pages = {}
    for username in ("operator1", "tidak-ada-orangnya"):
        client = at(OFFICE)
        fail(client, username, 5)
        response = log_in(client, username, PASSWORD)
        assert response.status_code == 429
        page = response.content.decode()
        assert username not in page
        pages[username] = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert pages["operator1"] == pages["tidak-ada-orangnya"]


def test_the_cool_off_ends_after_15_minutes(operator, clock):
    client = at(OFFICE)
    fail(client, "operator1", 5)

    clock.advance(minutes=14, seconds=50)
    # Trying while locked out is refused and does not extend the lockout.
    assert log_in(client, "operator1", PASSWORD).status_code == 429

    clock.advance(seconds=20)
    response = log_in(client, "operator1", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_colleague_at_the_same_address_is_not_locked(operator):
    colleague = UserFactory(username="verifikator1", role="Verifikator")
    fail(at(OFFICE), "operator1", 5)

    client = at(OFFICE)
    response = log_in(client, colleague.username, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_same_user_from_another_address_is_not_locked(operator):
    fail(at(OFFICE), "operator1", 5)

    client = at(HOME)
    assert log_in(client, "operator1", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_a_success_resets_the_count(operator):
    client = at(OFFICE)
    fail(client, "operator1", 4)
    assert log_in(client, "operator1", PASSWORD).status_code == 302
    client.post("/keluar/")

    # Four more mistakes are not five in a row.
    assert fail(client, "operator1", 4) == [200, 200, 200, 200]
    assert log_in(client, "operator1", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too():
    UserFactory(username="admin1", is_staff=True, is_superuser=True)
    client = at(OFFICE)
    url = "/admin/login/?next=/admin/"
    assert fail(client, "admin1", 4, url) == [200, 200, 200, 200]
    assert log_in(client, "admin1", WRONG, url).status_code == 429

    response = log_in(client, "admin1", PASSWORD, url)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk" in response.content.decode()
    assert not is_logged_in(client)


def test_failures_at_the_admin_and_the_login_page_count_together(operator):
    client = at(OFFICE)
    fail(client, "operator1", 3, "/admin/login/")
    fail(client, "operator1", 2)
    assert log_in(client, "operator1", PASSWORD).status_code == 429


def test_force_login_and_client_login_still_work(operator):
    client = at(OFFICE)
    client.force_login(operator)
    assert client.get("/").status_code == 200

    other = at(OFFICE)
    assert other.login(username="operator1", password=PASSWORD)
    assert other.get("/").status_code == 200


# The client's address -------------------------------------------------------------


def test_the_address_is_remote_addr_by_default(rf, settings):
    settings.BANSOS_CLIENT_IP_HEADER = ""
    request = rf.post("/masuk/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == OFFICE


def test_behind_nginx_the_address_is_the_one_the_proxy_added(rf, settings):
    settings.BANSOS_CLIENT_IP_HEADER = "X-Forwarded-For"
    # The client forged the first entry; nginx appended the real one.
    request = rf.post(
        "/masuk/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {HOME}"
    )
    assert client_ip(request) == HOME
    settings.BANSOS_CLIENT_IP_HEADER = "X-Real-IP"
    request = rf.post("/masuk/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=HOME)
    assert client_ip(request) == HOME
    # A missing or mangled header falls back to the proxy's own address.
    request = rf.post("/masuk/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="nonsense")
    assert client_ip(request) == "127.0.0.1"


def test_behind_nginx_each_client_is_throttled_separately(operator, settings):
    settings.BANSOS_CLIENT_IP_HEADER = "X-Real-IP"
    proxy = "127.0.0.1"
    office = Client(REMOTE_ADDR=proxy, HTTP_X_REAL_IP=OFFICE)
    fail(office, "operator1", 5)
    assert log_in(office, "operator1", PASSWORD).status_code == 429

    home = Client(REMOTE_ADDR=proxy, HTTP_X_REAL_IP=HOME)
    assert log_in(home, "operator1", PASSWORD).status_code == 302


# The security log ---------------------------------------------------------------


def test_failed_logins_are_logged_without_the_password(operator, caplog):
    caplog.set_level(logging.INFO)
    fail(at(OFFICE), "operator1", 2)

    failures = [
        record
        for record in caplog.records
        if record.name == "bansos.security" and "Failed login" in record.getMessage()
    ]
    assert len(failures) == 2
    assert all(record.levelno == logging.WARNING for record in failures)
    message = failures[0].getMessage()
    assert "username='operator1'" in message
    assert f"address={OFFICE}" in message
    assert f"time={timezone.localdate().isoformat()}T" in message
    assert not any(WRONG in record.getMessage() for record in caplog.records)
    assert WRONG not in caplog.text


def test_lockouts_are_logged(operator, caplog):
    caplog.set_level(logging.INFO)
    fail(at(OFFICE), "operator1", 5)
    lockouts = [
        record
        for record in caplog.records
        if record.name == "bansos.security" and "locked out" in record.getMessage()
    ]
    assert len(lockouts) == 1
    assert lockouts[0].levelno == logging.WARNING
    assert "username='operator1'" in lockouts[0].getMessage()
    assert OFFICE in lockouts[0].getMessage()
    assert WRONG not in caplog.text


def test_a_username_cannot_forge_a_log_line(caplog):
    caplog.set_level(logging.INFO)
    log_in(at(OFFICE), "x\nFailed login: username='admin'", WRONG)
    lines = [line for line in caplog.text.splitlines() if "Failed login" in line]
    assert len(lines) == 1


def test_the_security_log_reaches_the_console():
    loggers = settings.LOGGING["loggers"]
    assert logging.getLogger("bansos.security").getEffectiveLevel() <= logging.WARNING
    assert loggers["bansos.security"].get("propagate", True)
    assert "console" in settings.LOGGING["root"]["handlers"]


# Passwords ----------------------------------------------------------------------


def test_argon2_comes_first_and_pbkdf2_still_verifies():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "config.hashers.BansosArgon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS
    hasher = BansosArgon2PasswordHasher()
    assert hasher.time_cost >= 2
    assert hasher.memory_cost >= 19 * 1024


def test_an_old_pbkdf2_password_is_rehashed_with_argon2_at_login(settings):
    from config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = UserFactory(username="lama")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    client = at(OFFICE)
    assert log_in(client, "lama", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert "m=65536,t=3,p=2" in user.password
    assert check_password(PASSWORD, user.password)


def test_validators_refuse_a_nine_character_password():
    user = UserFactory.build(username="operator9")
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password("Kx7#pq2Lm", user)
    assert "password_too_short" in {error.code for error in refused.value.error_list}
    password_validation.validate_password("Kx7#pq2Lmz", user)


def test_the_password_change_page_refuses_a_nine_character_password(operator):
    client = at(OFFICE)
    client.force_login(operator)
    response = client.post(
        "/akun/sandi/",
        {
            "old_password": PASSWORD,
            "new_password1": "Kx7#pq2Lm",
            "new_password2": "Kx7#pq2Lm",
        },
    )
    assert response.status_code == 200
    # Django's own Indonesian message.
    assert "setidaknya 10 karakter" in response.content.decode()


# Sessions -----------------------------------------------------------------------


def test_the_idle_timeout_comes_from_the_setting():
    assert settings.SESSION_COOKIE_AGE == settings.BANSOS_SESSION_IDLE_MINUTES * 60
    assert settings.BANSOS_SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_expires_after_the_idle_minutes(operator, clock):
    client = at(OFFICE)
    assert log_in(client, "operator1", PASSWORD).status_code == 302
    assert client.session.get_expiry_age() == 30 * 60
    # The cookie ends with the browser; the server forgets it when idle.
    assert not client.cookies[settings.SESSION_COOKIE_NAME]["max-age"]

    clock.advance(minutes=29)
    assert client.get("/").status_code == 200  # and that request extends it
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200

    clock.advance(minutes=31)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")


def test_the_session_ends_after_12_hours_even_when_active(operator, clock):
    client = at(OFFICE)
    assert log_in(client, "operator1", PASSWORD).status_code == 302
    for _ in range(24):  # a request every 29 minutes: never idle
        clock.advance(minutes=29)
        assert client.get("/lembaga/").status_code == 200
    clock.advance(minutes=24)  # 12 hours since logging in

    response = client.get("/lembaga/")
    assert response.status_code == 302
    assert response["Location"] == "/masuk/?next=/lembaga/"
    assert not is_logged_in(client)
    page = client.get(response["Location"]).content.decode()
    assert "Silakan masuk kembali" in page


def test_a_form_sent_after_the_lifetime_goes_to_the_login_page(
    operator, clock, settings
):
    settings.SESSION_COOKIE_AGE = 24 * 3600  # so idleness cannot end it first
    client = at(OFFICE)
    client.force_login(operator)
    clock.advance(hours=12)
    response = client.post("/lembaga/baru/", {"name": "x"})
    assert response.status_code == 302
    assert response["Location"] == "/masuk/"


def test_the_lifetime_counts_from_the_latest_login(operator, clock):
    client = at(OFFICE)
    log_in(client, "operator1", PASSWORD)
    clock.advance(hours=6)
    log_in(at(OFFICE), "operator1", PASSWORD)  # another browser: its own clock
    clock.advance(hours=6, minutes=1)
    assert client.get("/").status_code == 302


def test_a_shorter_lifetime_from_the_setting_is_kept(operator, clock, settings):
    settings.BANSOS_SESSION_MAX_HOURS = 2
    settings.SESSION_COOKIE_AGE = 24 * 3600
    client = at(OFFICE)
    client.force_login(operator)
    clock.advance(hours=1, minutes=59)
    assert client.get("/").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/").status_code == 302


def test_the_lifetime_cannot_exceed_12_hours_even_if_set_higher(
    operator, clock, settings
):
    settings.BANSOS_SESSION_MAX_HOURS = 48
    settings.SESSION_COOKIE_AGE = 48 * 3600  # so idleness cannot end it first
    client = at(OFFICE)
    client.force_login(operator)
    clock.advance(hours=11, minutes=59)
    assert client.get("/").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/").status_code == 302


def test_the_max_hours_setting_is_clamped_to_12():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config.settings import base; "
            "print(base.BANSOS_SESSION_MAX_HOURS, base.BANSOS_SESSION_IDLE_MINUTES)",
        ],
        cwd=ROOT,
        env={
            **env,
            "BANSOS_SESSION_MAX_HOURS": "48",
            "BANSOS_SESSION_IDLE_MINUTES": "45",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["12.0", "45"]


def test_extending_a_session_is_one_query(operator, django_assert_num_queries):
    client = at(OFFICE)
    client.force_login(operator)
    session = client.session
    session["seen"] = True
    with django_assert_num_queries(1):
        session.save()


def test_a_session_ended_elsewhere_is_not_brought_back(operator):
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.models import Session

    client = at(OFFICE)
    client.force_login(operator)
    session = client.session
    Session.objects.filter(session_key=session.session_key).delete()
    with pytest.raises(UpdateError):
        session.save()
    assert not Session.objects.exists()
