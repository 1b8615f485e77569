"""Optional two-factor login with a TOTP app (config/otp.py)."""

import logging

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.otp import CODE_REFUSED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "rahasia-uji-123"


def code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or that many 30-second steps later:
    a code once accepted is never accepted again)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, steps_ahead)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code(device, steps_ahead=step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in right)


def password_login(client: Client, user, url: str = "/masuk/"):
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step failed"
    return response


@pytest.fixture
def pimpinan():
    return UserFactory(username="pimpinan1", role="Pimpinan")


@pytest.fixture
def device(pimpinan):
    return TOTPDevice.objects.create(user=pimpinan, name="ponsel", confirmed=True)


# Turning it on and off -------------------------------------------------------------


def test_an_administrator_turns_totp_on_with_a_first_code_from_the_app():
    admin = UserFactory(username="admin1", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    page = client.get("/akun/keamanan/")
    assert page.status_code == 200
    assert "Belum aktif" in page.content.decode()
    assert client.post("/akun/keamanan/", {"action": "start"}).status_code == 302

    pending = TOTPDevice.objects.get(user=admin)
    assert not pending.confirmed
    page = client.get("/akun/keamanan/").content.decode()
    secret = page.split('<code class="wrap-anywhere">')[1].split("</code>")[0]
    assert secret.replace(" ", "") in pending.config_url
    qr = client.get("/akun/keamanan/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]

    response = client.post(
        "/akun/keamanan/", {"action": "confirm", "code": code(pending)}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed
    # The code just entered counts for this session: no second prompt.
    assert client.get("/bantuan/").status_code == 200


def test_a_wrong_first_code_leaves_totp_off(pimpinan):
    client = Client()
    client.force_login(pimpinan)
    client.post("/akun/keamanan/", {"action": "start"})
    pending = TOTPDevice.objects.get(user=pimpinan)

    page = client.post(
        "/akun/keamanan/", {"action": "confirm", "code": wrong_code(pending)}
    )

    assert str(CODE_REFUSED) in page.content.decode()
    pending.refresh_from_db()
    assert not pending.confirmed
    client.logout()
    password_login(client, pimpinan)
    assert client.get("/").status_code == 200


def test_turning_totp_off_needs_a_current_code(pimpinan, device, clock):
    client = Client()
    password_login(client, pimpinan)
    client.post("/masuk/kode/", {"code": code(device)})

    refused = client.post(
        "/akun/keamanan/", {"action": "disable", "code": wrong_code(device)}
    )
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    clock.advance(seconds=2)  # past the throttle of the wrong code
    client.post(
        "/akun/keamanan/", {"action": "disable", "code": code(device, steps_ahead=1)}
    )
    assert not TOTPDevice.objects.filter(user=pimpinan).exists()
    client.logout()
    password_login(client, pimpinan)
    assert client.get("/").status_code == 200


def test_the_password_page_links_to_the_security_page_for_those_who_may_use_it(
    pimpinan,
):
    operator = UserFactory(role="Operator")
    for user, shown in ((pimpinan, True), (operator, False)):
        client = Client()
        password_login(client, user)
        page = client.get("/akun/sandi/").content.decode()
        assert ('href="/akun/keamanan/"' in page) is shown, user.username


@pytest.mark.parametrize("role", ["Operator", "Pengamat"])
def test_other_roles_do_not_get_the_security_page(role):
    client = Client()
    client.force_login(UserFactory(role=role))

    assert client.get("/akun/keamanan/").status_code == 403
    assert client.post("/akun/keamanan/", {"action": "start"}).status_code == 403
    assert client.get("/akun/keamanan/qr.svg").status_code == 403
    assert not TOTPDevice.objects.exists()


# The second step ------------------------------------------------------------------


def test_after_the_password_only_the_code_page_and_logout_are_reachable(
    pimpinan, device
):
    client = Client()
    password_login(client, pimpinan)

    for path in ("/", "/bantuan/", "/laporan/", "/akun/keamanan/", "/akun/sandi/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/masuk/kode/?next="), path
    assert client.get("/masuk/kode/").status_code == 200

    response = client.post("/masuk/kode/", {"code": code(device), "next": "/bantuan/"})
    assert response.status_code == 302
    assert response["Location"] == "/bantuan/"
    assert client.get("/bantuan/").status_code == 200


def test_logout_is_reachable_before_the_code(pimpinan, device):
    client = Client()
    password_login(client, pimpinan)

    client.post("/keluar/")

    assert "_auth_user_id" not in client.session


def test_the_django_admin_also_waits_for_the_code():
    admin = UserFactory(username="admin2", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="ponsel", confirmed=True)
    client = Client()
    password_login(client, admin, url="/admin/login/")

    response = client.get("/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/kode/")

    client.post("/masuk/kode/", {"code": code(device)})
    assert client.get("/admin/auth/user/").status_code == 200


def test_a_wrong_code_is_refused_logged_and_throttled(pimpinan, device, clock, caplog):
    caplog.set_level(logging.INFO, logger="bansos.security")
    client = Client(REMOTE_ADDR="10.20.30.40")
    password_login(client, pimpinan)

    page = client.post("/masuk/kode/", {"code": wrong_code(device)})

    assert page.status_code == 200
    assert str(CODE_REFUSED) in page.content.decode()
    failures = [
        record.getMessage()
        for record in caplog.records
        if record.name == "bansos.security" and "Failed login" in record.getMessage()
    ]
    assert len(failures) == 1
    assert "username='pimpinan1'" in failures[0]
    assert "address=10.20.30.40" in failures[0]
    # django-otp's throttle: even the right code waits after a wrong one.
    throttled = client.post("/masuk/kode/", {"code": code(device)})
    assert "Terlalu banyak kode salah" in throttled.content.decode()
    assert client.get("/").status_code == 302

    clock.advance(seconds=3)
    client.post("/masuk/kode/", {"code": code(device)})
    assert client.get("/").status_code == 200


def test_a_used_code_is_not_accepted_again(pimpinan, device):
    first, second = Client(), Client()
    password_login(first, pimpinan)
    password_login(second, pimpinan)
    used = code(device)
    first.post("/masuk/kode/", {"code": used})

    page = second.post("/masuk/kode/", {"code": used})

    assert str(CODE_REFUSED) in page.content.decode()
    assert second.get("/").status_code == 302


def test_a_device_deleted_in_the_admin_no_longer_asks_for_a_code(pimpinan, device):
    client = Client()
    password_login(client, pimpinan)
    assert client.get("/").status_code == 302

    device.delete()

    assert client.get("/masuk/kode/").status_code == 302
    assert client.get("/").status_code == 200


def test_without_totp_the_password_is_enough(pimpinan):
    client = Client()
    password_login(client, pimpinan)

    assert client.get("/").status_code == 200


# BANSOS_TOTP_REQUIRED ---------------------------------------------------------------


def test_required_totp_sends_pimpinan_without_a_device_to_turn_it_on(
    settings, pimpinan
):
    settings.BANSOS_TOTP_REQUIRED = True
    client = Client()
    password_login(client, pimpinan)

    response = client.get("/bantuan/")
    assert response.status_code == 302
    assert response["Location"] == "/akun/keamanan/"
    assert client.get("/akun/keamanan/").status_code == 200

    client.post("/akun/keamanan/", {"action": "start"})
    pending = TOTPDevice.objects.get(user=pimpinan)
    client.post("/akun/keamanan/", {"action": "confirm", "code": code(pending)})
    assert client.get("/bantuan/").status_code == 200


def test_required_totp_cannot_be_turned_off(settings, pimpinan, device):
    settings.BANSOS_TOTP_REQUIRED = True
    client = Client()
    password_login(client, pimpinan)
    client.post("/masuk/kode/", {"code": code(device)})

    client.post(
        "/akun/keamanan/", {"action": "disable", "code": code(device, steps_ahead=1)}
    )

    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_required_totp_leaves_other_roles_alone(settings):
    settings.BANSOS_TOTP_REQUIRED = True
    operator = UserFactory(role="Operator")
    client = Client()
    password_login(client, operator)

    assert client.get("/bantuan/").status_code == 200


@pytest.mark.parametrize(
    ("role", "shown"), [("Pimpinan", True), ("Operator", False), ("Pengamat", False)]
)
def test_the_menu_offers_account_security_only_to_who_may_use_it(role, shown):
    user = UserFactory(role=role)
    client = Client()
    password_login(client, user)
    page = client.get("/").content.decode()
    assert ('href="/akun/keamanan/"' in page) is shown
