"""The NPHD scan of a grant: served only to those who may see the grant, logged."""

import pytest
from django.core.files.base import ContentFile

from common.models import DataAccessLog
from grants import roles
from institutions.models import Regency, StaffProfile, Village
from tests.factories import TINY_PDF, GrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant(regions):
    grant = GrantFactory(
        approved=True,
        institution__village=Village.objects.get(code="75.02.01.2004"),
        institution__name="Karang Taruna Tunas Harapan",
    )
    grant.nphd_scan.save("scan.pdf", ContentFile(TINY_PDF))
    return grant


def url(grant) -> str:
    return f"/bantuan/{grant.pk}/nphd/berkas/"


def login(client, role, regency=None):
    user = UserFactory(role=role)
    if regency:
        StaffProfile.objects.create(user=user).regencies.add(
            Regency.objects.get(code=regency)
        )
    client.force_login(user)
    return user


def test_the_nphd_scan_is_served_and_logged(client, grant):
    user = login(client, roles.BENDAHARA)

    response = client.get(url(grant))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == TINY_PDF
    log = DataAccessLog.objects.get()
    assert log.user == user
    assert "Karang Taruna Tunas Harapan" in log.what


def test_a_user_of_another_regency_gets_404(client, grant):
    login(client, roles.VERIFIKATOR, regency="75.01")

    assert client.get(url(grant)).status_code == 404
    assert not DataAccessLog.objects.exists()


def test_a_grant_without_a_scan_answers_404(client, regions):
    login(client, roles.OPERATOR)

    assert client.get(url(GrantFactory(approved=True))).status_code == 404


def test_the_media_url_does_not_serve_the_nphd_scan(client, grant):
    login(client, roles.OPERATOR)

    assert client.get(f"/media/{grant.nphd_scan.name}").status_code == 404
