"""Security headers: the Content-Security-Policy, no caching of staff pages and
exports, and the Permissions-Policy."""

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, regions):
    client.force_login(UserFactory(username="operator_header", role="Operator"))
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (
            part.split() for part in policy.split(";") if part.strip()
        )
    }


def test_every_page_has_a_policy_without_inline_scripts_or_foreign_sources(
    operator_client,
):
    for path in ("/", "/lembaga/", "/bantuan/", "/laporan/tahunan/", "/admin/"):
        policy = directives(operator_client.get(path))
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        for directive in ("script-src", "style-src"):
            assert "'unsafe-inline'" not in policy[directive]
            assert all(
                v == "'self'" or v.startswith("'nonce-") for v in policy[directive]
            )


def test_the_login_page_has_the_policy_too(client):
    assert directives(client.get("/masuk/"))["script-src"] == ["'self'"]


def test_the_print_view_styles_itself_with_the_nonce_of_its_policy(operator_client):
    response = operator_client.get("/laporan/tahunan/?format=print")
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    assert "onclick" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/", "/lembaga/", "/bantuan/", "/impor/", "/impor/ekspor/lembaga.csv"],
)
def test_staff_pages_and_exports_are_never_stored_by_a_cache(operator_client, path):
    response = operator_client.get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_the_public_page_may_be_cached(client, regions):
    response = client.get("/transparansi/")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_browser_features_the_app_does_not_use_are_switched_off(client):
    policy = client.get("/masuk/").headers["Permissions-Policy"]
    for feature in ("camera", "geolocation", "microphone", "payment"):
        assert f"{feature}=()" in policy
