"""The worklist of grants whose bank account changed after verification."""

import pytest

from grants import roles
from institutions.services import save_institution
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_grant_list_filters_grants_held_for_a_changed_account(client):
    verifier = UserFactory(role=roles.VERIFIKATOR)
    held = GrantFactory(approved=True)
    untouched = GrantFactory(approved=True)
    proposed = GrantFactory()  # no verified account yet: nothing to hold
    for grant in (held, proposed):
        grant.institution.account_number = "7770001112"
        save_institution(grant.institution, by=UserFactory(role=roles.OPERATOR))
    client.force_login(verifier)

    filtered = client.get("/bantuan/?rekening_berubah=on")
    everything = client.get("/bantuan/")

    assert filtered.status_code == 200
    assert list(filtered.context["object_list"]) == [held]
    assert set(everything.context["object_list"]) == {held, untouched, proposed}
