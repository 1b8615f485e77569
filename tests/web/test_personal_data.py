"""Personal data (UU PDP 27/2022): NIKs and account numbers whole only for the
roles that need them, masked for everyone else, on every page and export.

Full NIK: Operator, Verifikator. Full account number: Bendahara, Verifikator.
"""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from institutions.models import BeneficiaryEnrollment, Institution, InstitutionChange
from tests.factories import (
    BeneficiaryFactory,
    DisbursementFactory,
    GrantFactory,
    InstitutionFactory,
    UserFactory,
)
from tests.web.pages import page

pytestmark = pytest.mark.django_db

NIK = "7502014508900001"
NIK_MASKED = "7502********0001"
ACCOUNT = "5001234567"
ACCOUNT_MASKED = "******4567"
BONGO_NOL = "75.02.01.2004"

ROLES = ["Pengamat", "Operator", "Verifikator", "Bendahara", "Pimpinan"]
SEES_FULL_NIK = {"Operator", "Verifikator"}
SEES_FULL_ACCOUNT = {"Bendahara", "Verifikator"}


@pytest.fixture
def institution(db):
    return InstitutionFactory(
        name="Majelis Taklim Nurul Huda",
        account_number=ACCOUNT,
        account_holder="Majelis Taklim Nurul Huda",
    )


@pytest.fixture
def enrolled(institution):
    person = BeneficiaryFactory(nik=NIK, name="Siti Aminah")
    return BeneficiaryEnrollment.objects.create(
        beneficiary=person, institution=institution, year=2024
    )


def login(client, role: str, **extra):
    user = UserFactory(username=role.lower(), role=role, **extra)
    client.force_login(user)
    return user


def shown(text: str, full: str, masked: str, *, whole: bool) -> None:
    """The value is on the page whole, or only masked."""
    if whole:
        assert full in text
    else:
        assert full not in text
        assert masked in text


# Pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_institution_page_shows_the_account_number_by_role(
    client, institution, role
):
    login(client, role)

    text = page(client.get(f"/lembaga/{institution.pk}/"))

    shown(text, ACCOUNT, ACCOUNT_MASKED, whole=role in SEES_FULL_ACCOUNT)


@pytest.mark.parametrize("role", ROLES)
def test_the_grant_page_shows_the_verified_and_the_changed_account_by_role(
    client, institution, role
):
    grant = GrantFactory(institution=institution, approved=True)
    # A later change of the institution's account, waiting for confirmation.
    Institution.objects.filter(pk=institution.pk).update(account_number="5009876543")
    login(client, role)

    text = page(client.get(f"/bantuan/{grant.pk}/"))

    assert 'id="bank-change-pending"' in text
    whole = role in SEES_FULL_ACCOUNT
    shown(text, ACCOUNT, ACCOUNT_MASKED, whole=whole)
    shown(text, "5009876543", "******6543", whole=whole)


@pytest.mark.parametrize("role", ROLES)
def test_the_grant_page_shows_the_account_paid_into_by_role(client, institution, role):
    grant = GrantFactory(institution=institution, disbursed=True)
    DisbursementFactory(
        grant=grant,
        paid_to_bank_name="Bank SulutGo",
        paid_to_account_number="5001112223",
        paid_to_account_holder=institution.name,
    )
    login(client, role)

    text = page(client.get(f"/bantuan/{grant.pk}/"))

    shown(text, "5001112223", "******2223", whole=role in SEES_FULL_ACCOUNT)


@pytest.mark.parametrize("role", ROLES)
def test_the_beneficiary_list_shows_the_nik_by_role(client, enrolled, role):
    login(client, role)

    text = page(client.get("/impor/penerima-manfaat/"))

    assert "Siti Aminah" in text
    shown(text, NIK, NIK_MASKED, whole=role in SEES_FULL_NIK)


def test_a_superuser_sees_everything_whole(client, enrolled, institution):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert NIK in page(client.get("/impor/penerima-manfaat/"))
    assert ACCOUNT in page(client.get(f"/lembaga/{institution.pk}/"))


# The institution form ----------------------------------------------------------


@pytest.fixture
def nurul_huda(regions):
    return InstitutionFactory(
        name="Majelis Taklim Nurul Huda",
        village_id=BONGO_NOL,
        account_number=ACCOUNT,
        account_holder="Majelis Taklim Nurul Huda",
    )


def edit_data(institution, **changes) -> dict:
    data = {
        "kind": "wksbm",
        "wksbm_type": "majelis_taklim",
        "name": institution.name,
        "regency": "75.02",
        "district": "75.02.01",
        "village": BONGO_NOL,
        "address": "",
        "leader_name": institution.leader_name,
        "phone": "",
        "email": "",
        "registration_number": institution.registration_number,
        "registration_date": "",
        "registration_issuer": "",
        "npwp": institution.npwp,
        "bank_name": institution.bank_name,
        "account_number": "",
        "account_holder": institution.account_holder,
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_edit_form_never_puts_the_account_number_in_an_operators_page(
    client, nurul_huda
):
    login(client, "Operator")

    text = page(client.get(f"/lembaga/{nurul_huda.pk}/ubah/"))

    assert ACCOUNT not in text
    assert f'placeholder="{ACCOUNT_MASKED}"' in text
    assert 'name="account_number" value=' not in text


def test_an_operator_saving_with_an_empty_account_field_keeps_the_number(
    client, nurul_huda
):
    login(client, "Operator")

    response = client.post(
        f"/lembaga/{nurul_huda.pk}/ubah/",
        edit_data(nurul_huda, address="Jl. Baru No. 1"),
    )

    assert response.status_code == 302
    nurul_huda.refresh_from_db()
    assert (nurul_huda.address, nurul_huda.account_number) == (
        "Jl. Baru No. 1",
        ACCOUNT,
    )
    assert not InstitutionChange.objects.exists()
    [entry] = LogEntry.objects.filter(object_id=str(nurul_huda.pk))
    assert "Nomor rekening" not in entry.get_change_message()


def test_an_operator_typing_a_new_account_number_changes_it_as_a_bank_change(
    client, nurul_huda
):
    login(client, "Operator")

    response = client.post(
        f"/lembaga/{nurul_huda.pk}/ubah/",
        edit_data(nurul_huda, account_number="5009-876-543"),
    )

    assert response.status_code == 302
    nurul_huda.refresh_from_db()
    assert nurul_huda.account_number == "5009876543"
    change = InstitutionChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == (
        "account_number",
        ACCOUNT,
        "5009876543",
    )


def test_the_edit_form_shows_the_account_number_to_a_superuser(client, nurul_huda):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert f'value="{ACCOUNT}"' in page(client.get(f"/lembaga/{nurul_huda.pk}/ubah/"))


# Admin ---------------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.mark.parametrize("role", ["Pengamat", "Bendahara", "Operator"])
def test_the_admin_beneficiary_list_masks_niks_for_staff_without_the_right(
    client, enrolled, role
):
    login(client, role, is_staff=True)
    beneficiary = enrolled.beneficiary

    changelist = page(client.get(admin_url(type(beneficiary), "changelist")))
    change = page(client.get(admin_url(type(beneficiary), "change", beneficiary.pk)))

    assert "Siti Aminah" in changelist
    for text in (changelist, change):
        shown(text, NIK, NIK_MASKED, whole=role in SEES_FULL_NIK)


@pytest.mark.parametrize("role", ["Pengamat", "Bendahara", "Operator"])
def test_the_admin_institution_and_payment_pages_mask_accounts_by_role(
    client, institution, role
):
    grant = GrantFactory(institution=institution, disbursed=True)
    payment = DisbursementFactory(grant=grant, paid_to_account_number=ACCOUNT)
    login(client, role, is_staff=True)

    pages = [
        admin_url(Institution, "change", institution.pk),
        admin_url(type(grant), "change", grant.pk),
        admin_url(type(payment), "change", payment.pk),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        shown(page(response), ACCOUNT, ACCOUNT_MASKED, whole=role in SEES_FULL_ACCOUNT)


def test_the_admin_institution_form_keeps_the_account_of_an_operator(
    client, institution
):
    login(client, "Operator", is_staff=True)
    url = admin_url(Institution, "change", institution.pk)

    text = page(client.get(url))

    assert ACCOUNT not in text and f'placeholder="{ACCOUNT_MASKED}"' in text


def test_beneficiaries_are_named_with_a_masked_nik_wherever_no_one_asks(enrolled):
    assert str(enrolled.beneficiary) == f"Siti Aminah ({NIK_MASKED})"


# Exports -------------------------------------------------------------------------


def download(client, what: str, fmt: str, query: str = "") -> bytes:
    response = client.get(f"/impor/ekspor/{what}.{fmt}{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content if response.streaming else response)


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


READ = {"csv": csv_rows, "xlsx": xlsx_rows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", ["Pengamat", "Operator", "Bendahara"])
def test_the_beneficiary_export_masks_niks_by_role(client, enrolled, role, fmt):
    login(client, role)

    content = download(client, "penerima-manfaat", fmt)

    [row] = READ[fmt](content)
    if role in SEES_FULL_NIK:
        assert row["nik"] == NIK
    else:
        assert row["nik"] == NIK_MASKED
        assert NIK.encode() not in content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("what", ["lembaga", "bantuan"])
@pytest.mark.parametrize("role", ["Pengamat", "Operator", "Bendahara"])
def test_institution_and_grant_exports_mask_accounts_by_role(
    client, institution, role, what, fmt
):
    GrantFactory(institution=institution)
    login(client, role)

    content = download(client, what, fmt)

    [row] = READ[fmt](content)
    if role in SEES_FULL_ACCOUNT:
        assert row["nomor_rekening"] == ACCOUNT
    else:
        assert row["nomor_rekening"] == ACCOUNT_MASKED
        assert ACCOUNT.encode() not in content


@pytest.mark.parametrize("role", ["Pengamat", "Bendahara", "Operator"])
def test_an_admin_search_by_nik_is_only_for_staff_who_see_niks(client, enrolled, role):
    login(client, role, is_staff=True)

    response = client.get(
        admin_url(type(enrolled.beneficiary), "changelist"), {"q": NIK}
    )

    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert found == ([enrolled.beneficiary] if role in SEES_FULL_NIK else [])


# Import preview --------------------------------------------------------------------


@pytest.fixture
def previewed(client, regions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    institution = InstitutionFactory(registration_number="REG/7", village_id=BONGO_NOL)
    operator = UserFactory(username="pengunggah", role="Operator")
    client.force_login(operator)
    content = f"nik;nama;kategori;kode_desa\r\n{NIK};Siti Aminah;lansia;{BONGO_NOL}\r\n"
    response = client.post(
        "/impor/",
        {
            "kind": "penerima_manfaat",
            "file": SimpleUploadedFile("pm.csv", content.encode()),
            "institution": institution.registration_number,
            "year": "2024",
        },
    )
    assert response.status_code == 302
    client.logout()
    return response.url


@pytest.mark.parametrize("role", ["Pengamat", "Operator"])
def test_the_import_preview_rows_show_the_files_niks_by_role(client, previewed, role):
    login(client, role)

    for url in (previewed, previewed + "baris/"):
        text = page(client.get(url))
        assert "Siti Aminah" in text, url
        shown(text, NIK, NIK_MASKED, whole=role in SEES_FULL_NIK)
