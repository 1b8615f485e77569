"""The admin's export buttons follow the export page's personal-data rules:
NIK and account numbers masked for staff who may not see them whole, and every
export logged."""

import csv
import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from import_export.forms import SelectableFieldsExportForm

from common.models import DataAccessLog
from imports.resources import InstitutionResource, ListCSV
from institutions.models import Institution
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "1234567896789"


def export_institutions(client) -> list[dict]:
    model_admin = admin.site._registry[Institution]
    data = {
        "format": str(model_admin.get_export_formats().index(ListCSV)),
        "resource": "0",
    }
    for name in InstitutionResource().get_export_order():
        field = SelectableFieldsExportForm.create_boolean_field_name(
            InstitutionResource, name
        )
        data[field] = "on"
    response = client.post(
        reverse("admin:institutions_institution_export") + "?kind__exact=wksbm", data
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def staff_client(client, *, role: str | None = None):
    user = UserFactory(is_staff=True, role=role)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="institutions", codename="view_institution"
        )
    )
    client.force_login(user)
    return user


@pytest.fixture
def institution():
    return InstitutionFactory(
        kind=Institution.Kind.WKSBM,
        account_number=ACCOUNT,
        account_holder="Majelis Taklim Nurul Iman",
    )


def test_staff_without_the_right_export_masked_accounts(client, institution):
    staff_client(client, role="Pimpinan")
    [row] = export_institutions(client)
    assert row["nomor_rekening"] == "*********6789"


def test_staff_with_the_right_export_whole_accounts(client, institution):
    staff_client(client, role="Bendahara")
    [row] = export_institutions(client)
    assert row["nomor_rekening"] == ACCOUNT


def test_an_admin_export_is_logged_with_its_filter_and_rows(client, institution):
    InstitutionFactory(kind=Institution.Kind.KARANG_TARUNA)
    user = staff_client(client, role="Pimpinan")
    export_institutions(client)
    [entry] = DataAccessLog.objects.all()
    assert entry.user == user
    assert entry.action == DataAccessLog.Action.EXPORT
    assert "kind__exact=wksbm" in entry.filters
    assert entry.rows == 1
