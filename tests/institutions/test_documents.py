"""An institution's legal documents: all five uploaded in one form, all or
nothing; each scan served, logged, only to those who may see the institution."""

import contextlib
import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from common.models import DataAccessLog
from grants import roles
from institutions.document_views import document_rows, document_state
from institutions.models import (
    Institution,
    InstitutionDocument,
    Regency,
    StaffProfile,
    Village,
)
from institutions.services import upload_documents
from tests.factories import (
    TINY_PDF,
    InstitutionDocumentFactory,
    InstitutionFactory,
    UserFactory,
)
from tests.web.pages import page

pytestmark = pytest.mark.django_db

Kind = InstitutionDocument.Kind
BOALEMO_VILLAGE = "75.02.01.2004"
GORONTALO_VILLAGE = "75.01.01.1001"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def scan(name: str = "scan.pdf", data: bytes = TINY_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored_files() -> list[str]:
    """Every file the (in-memory) storage holds under the documents' folder."""
    found = []

    def walk(folder: str) -> None:
        folders, files = default_storage.listdir(folder)
        found.extend(f"{folder}/{name}" for name in files)
        for sub in folders:
            walk(f"{folder}/{sub}")

    with contextlib.suppress(FileNotFoundError):
        walk("lembaga")
    return found


@pytest.fixture
def institution(regions):
    return InstitutionFactory(
        name="Majelis Taklim Al-Ikhlas",
        village=Village.objects.get(code=BOALEMO_VILLAGE),
        documents=False,
    )


def login(client, role: str, regency: str | None = None):
    user = UserFactory(role=role)
    if regency:
        StaffProfile.objects.create(user=user).regencies.add(
            Regency.objects.get(code=regency)
        )
    client.force_login(user)
    return user


def all_five(**overrides) -> dict:
    data = {}
    for index, kind in enumerate(InstitutionDocument.REQUIRED_KINDS):
        data[f"{kind.value}-number"] = f"{kind.value.upper()}/00{index}"
        data[f"{kind.value}-issued_on"] = "02/01/2024"
        data[f"{kind.value}-expires_on"] = "31/12/2029" if index % 2 else ""
        data[f"{kind.value}-scan"] = scan(f"{kind.value} Budi.pdf")
    data[f"{Kind.BANK_BOOK.value}-scan"] = scan("rekening.png", png())
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def url(institution: Institution) -> str:
    return f"/lembaga/{institution.pk}/dokumen/"


# Uploading ---------------------------------------------------------------------


def test_an_operator_uploads_all_five_documents_in_one_submit(client, institution):
    operator = login(client, roles.OPERATOR)
    before = set(stored_files())

    response = client.post(url(institution), all_five())

    assert response.status_code == 302
    assert response["Location"] == f"/lembaga/{institution.pk}/#dokumen"
    documents = {d.kind: d for d in institution.documents.all()}
    assert set(documents) == set(Kind.values)
    deed = documents[Kind.DEED]
    assert deed.number == "AKTA/000"
    assert deed.issued_on == datetime.date(2024, 1, 2)
    assert deed.expires_on is None
    assert documents[Kind.REGISTRATION].expires_on == datetime.date(2029, 12, 31)
    assert {d.uploaded_by for d in documents.values()} == {operator}
    assert documents[Kind.BANK_BOOK].file.name.endswith(".png")
    new_files = set(stored_files()) - before
    assert new_files == {d.file.name for d in documents.values()}
    assert not any("Budi" in name for name in new_files)


def test_each_file_input_is_labelled_with_its_document(client, institution):
    login(client, roles.OPERATOR)

    html = page(client.get(url(institution)))

    for kind in Kind:
        assert re.search(
            rf'<label for="id_{kind.value}-scan">Pindaian {re.escape(str(kind.label))}',
            html,
        ), kind
    assert 'enctype="multipart/form-data"' in html


def test_only_rows_with_a_scan_are_saved(client, institution):
    login(client, roles.OPERATOR)
    data = {
        f"{Kind.NPWP.value}-number": "0123",
        f"{Kind.NPWP.value}-scan": scan(),
    }

    response = client.post(url(institution), data)

    assert response.status_code == 302
    assert list(institution.documents.values_list("kind", flat=True)) == [Kind.NPWP]


def test_a_new_upload_replaces_the_document_in_force_and_keeps_the_old(
    client, institution
):
    login(client, roles.OPERATOR)
    old = InstitutionDocumentFactory(
        institution=institution, kind=Kind.NPWP, number="LAMA"
    )

    client.post(
        url(institution),
        {f"{Kind.NPWP.value}-number": "BARU", f"{Kind.NPWP.value}-scan": scan()},
    )

    in_force = InstitutionDocument.objects.filter(
        institution=institution
    ).latest_per_kind()
    assert [d.number for d in in_force] == ["BARU"]
    assert institution.documents.filter(pk=old.pk).exists()
    row = next(r for r in document_rows(institution) if r.kind == Kind.NPWP)
    assert row.current.number == "BARU"
    assert row.older == [old]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {f"{Kind.DOMICILE.value}-scan": scan("virus.pdf", b"MZ\x90\x00" * 40)},
            f"{Kind.DOMICILE.value}-scan",
            "bukan PDF, JPEG atau PNG",
        ),
        (
            {
                f"{Kind.REGISTRATION.value}-issued_on": "02/01/2024",
                f"{Kind.REGISTRATION.value}-expires_on": "01/01/2024",
            },
            f"{Kind.REGISTRATION.value}-expires_on",
            "Tanggal berlaku sampai tidak boleh sebelum tanggal dokumen.",
        ),
        (
            {f"{Kind.NPWP.value}-issued_on": "31/02/2024"},
            f"{Kind.NPWP.value}-issued_on",
            "Masukkan tanggal yang valid.",
        ),
        (
            {f"{Kind.NPWP.value}-scan": None},
            f"{Kind.NPWP.value}-scan",
            "Unggah pindaian NPWP, atau kosongkan nomor dan tanggalnya",
        ),
    ],
    ids=["disguised-file", "expires-before-issue", "bad-date", "number-without-scan"],
)
def test_one_invalid_row_stores_nothing_and_says_which(
    client, institution, overrides, field, message
):
    login(client, roles.OPERATOR)
    before = stored_files()

    response = client.post(url(institution), all_five(**overrides))

    assert response.status_code == 400
    errors = response.context["form"].rows
    row = next(r for r in errors if field.startswith(f"{r.kind.value}-"))
    assert message in " ".join(row.errors[field.split("-", 1)[1]])
    assert message in page(response)
    assert not InstitutionDocument.objects.exists()
    assert stored_files() == before


def test_an_empty_submit_asks_for_at_least_one_scan(client, institution):
    login(client, roles.OPERATOR)

    response = client.post(url(institution), {})

    assert response.status_code == 400
    assert "Unggah paling sedikit satu pindaian dokumen." in page(response)
    assert not InstitutionDocument.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_stored(
    client, institution, settings
):
    settings.BANSOS_UPLOAD_MAX_BYTES = len(TINY_PDF) - 1
    login(client, roles.OPERATOR)
    before = stored_files()

    response = client.post(url(institution), all_five())

    assert response.status_code == 400
    assert "melebihi batas" in page(response)
    assert not InstitutionDocument.objects.exists()
    assert stored_files() == before


@pytest.mark.parametrize("role", [roles.VERIFIKATOR, roles.PENGAMAT, roles.PIMPINAN])
def test_only_an_operator_uploads(client, institution, role):
    login(client, role)

    assert client.get(url(institution)).status_code == 403
    assert client.post(url(institution), all_five()).status_code == 403
    assert not InstitutionDocument.objects.exists()


def test_an_operator_of_another_regency_cannot_find_the_upload_page(
    client, institution
):
    login(client, roles.OPERATOR, regency="75.01")

    assert client.get(url(institution)).status_code == 404
    assert client.post(url(institution), all_five()).status_code == 404
    assert not InstitutionDocument.objects.exists()


# Downloading --------------------------------------------------------------------


@pytest.fixture
def document(institution):
    return InstitutionDocumentFactory(
        institution=institution, kind=Kind.NPWP, number="01.234"
    )


def download_url(document: InstitutionDocument) -> str:
    return f"/lembaga/{document.institution_id}/dokumen/{document.pk}/berkas/"


@pytest.mark.parametrize(
    "role", [roles.OPERATOR, roles.VERIFIKATOR, roles.PIMPINAN, roles.BENDAHARA]
)
def test_staff_download_the_scan_and_each_download_is_logged(client, document, role):
    user = login(client, role)

    response = client.get(download_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == TINY_PDF
    log = DataAccessLog.objects.get()
    assert log.user == user
    assert log.action == DataAccessLog.Action.EXPORT
    assert "Majelis Taklim Al-Ikhlas" in log.what
    assert f"dokumen #{document.pk}" in log.what


def test_a_pengamat_gets_no_scan(client, document):
    login(client, roles.PENGAMAT)

    assert client.get(download_url(document)).status_code == 403
    assert not DataAccessLog.objects.exists()


def test_a_user_of_another_regency_gets_404(client, document):
    login(client, roles.VERIFIKATOR, regency="75.01")

    assert client.get(download_url(document)).status_code == 404
    assert not DataAccessLog.objects.exists()


def test_a_user_of_the_regency_gets_the_scan(client, document):
    login(client, roles.VERIFIKATOR, regency="75.02")

    assert client.get(download_url(document)).status_code == 200


def test_a_document_is_not_reachable_through_another_institution(
    client, document, regions
):
    login(client, roles.OPERATOR)
    other = InstitutionFactory(village=Village.objects.get(code=GORONTALO_VILLAGE))

    response = client.get(f"/lembaga/{other.pk}/dokumen/{document.pk}/berkas/")

    assert response.status_code == 404


def test_the_media_url_does_not_serve_a_stored_scan(client, document):
    login(client, roles.OPERATOR)
    assert default_storage.exists(document.file.name)

    assert client.get(f"/media/{document.file.name}").status_code == 404
    assert client.get(document.file.url).status_code == 404


# The institution page ----------------------------------------------------------


def test_document_states_as_of_today():
    today = datetime.date(2026, 11, 30)

    def state(expires_on):
        return document_state(InstitutionDocument(expires_on=expires_on), today)

    assert document_state(None, today) == "missing"
    assert state(None) == "valid"
    assert state(datetime.date(2026, 11, 29)) == "expired"
    assert state(today) == "expiring"
    assert state(datetime.date(2026, 12, 30)) == "expiring"
    assert state(datetime.date(2026, 12, 31)) == "valid"


def test_latest_per_kind_keeps_the_newest_of_each_kind_per_institution(regions):
    first, second = (
        InstitutionFactory(documents=False),
        InstitutionFactory(documents=False),
    )
    old = InstitutionDocumentFactory(institution=first, kind=Kind.NPWP)
    new = InstitutionDocumentFactory(institution=first, kind=Kind.NPWP)
    deed = InstitutionDocumentFactory(institution=first, kind=Kind.DEED)
    other = InstitutionDocumentFactory(institution=second, kind=Kind.NPWP)

    latest = set(InstitutionDocument.objects.latest_per_kind())

    assert latest == {new, deed, other}
    assert old not in latest


def test_the_institution_page_lists_each_kind_with_its_state(client, institution):
    today = timezone.localdate()
    login(client, roles.VERIFIKATOR)
    expired = InstitutionDocumentFactory(
        institution=institution,
        kind=Kind.DOMICILE,
        expires_on=today - datetime.timedelta(days=1),
    )
    InstitutionDocumentFactory(
        institution=institution,
        kind=Kind.REGISTRATION,
        number="SK/9",
        expires_on=today + datetime.timedelta(days=10),
    )
    old = InstitutionDocumentFactory(institution=institution, kind=Kind.NPWP)
    InstitutionDocumentFactory(institution=institution, kind=Kind.NPWP, number="NPWP2")

    html = page(client.get(f"/lembaga/{institution.pk}/"))

    section = html.split('id="institution-documents"', 1)[1].split("</table>", 1)[0]
    rows = dict(re.findall(r'<tr data-kind="(\w+)">(.*?)</tr>', section, re.S))
    assert "Kedaluwarsa" in rows[Kind.DOMICILE]
    assert download_url(expired) in rows[Kind.DOMICILE]
    assert "Berakhir dalam 30 hari" in rows[Kind.REGISTRATION]
    assert "Belum ada" in rows[Kind.DEED]
    assert "Berlaku" in rows[Kind.NPWP]
    assert "<details>" in rows[Kind.NPWP] and download_url(old) in rows[Kind.NPWP]
    # A Verifikator reads the documents but does not upload them.
    assert f"/lembaga/{institution.pk}/dokumen/" + '"' not in html


def test_a_pengamat_sees_no_document_section(client, institution):
    login(client, roles.PENGAMAT)

    html = page(client.get(f"/lembaga/{institution.pk}/"))

    assert "Dokumen lembaga" not in html


def test_the_service_checks_every_row_before_writing_any_file(institution):
    operator = UserFactory(role=roles.OPERATOR)
    before = stored_files()
    rows = [
        {"kind": Kind.DEED, "number": "A/1", "file": scan()},
        {
            "kind": Kind.NPWP,
            "issued_on": datetime.date(2024, 5, 1),
            "expires_on": datetime.date(2024, 4, 30),
            "file": scan(),
        },
    ]

    with pytest.raises(ValidationError):
        upload_documents(institution, rows, by=operator)

    assert not InstitutionDocument.objects.exists()
    assert stored_files() == before
