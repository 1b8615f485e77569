"""Scans are judged by their content, never by their name, and stored under a
name the uploader did not choose."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from common.uploads import (
    JPEG,
    PDF,
    PNG,
    ScanField,
    file_response,
    generated_name,
    sniff,
    validate_upload,
)
from institutions.demo import demo_pdf
from institutions.models import InstitutionDocument
from tests.factories import InstitutionDocumentFactory

GENERATED = re.compile(r"^lembaga/\d+/dokumen/[0-9a-f]{32}\.(pdf|jpg|png)$")


def weasyprint_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Akta pendirian</p>").write_pdf()


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# What is accepted -----------------------------------------------------------------


def test_a_pdf_written_by_weasyprint_is_a_pdf():
    assert validate_upload(upload("akta.pdf", weasyprint_pdf())) == PDF


def test_a_hand_written_pdf_is_a_pdf():
    assert validate_upload(upload("domisili.pdf", demo_pdf())) == PDF


@pytest.mark.parametrize(("fmt", "kind"), [("PNG", PNG), ("JPEG", JPEG)])
def test_real_images_are_accepted_whatever_they_are_called(fmt, kind):
    # The name and the browser's type say PDF; the content decides.
    assert validate_upload(upload("scan.pdf", image_bytes(fmt))) == kind


# What is refused -------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML_PAGE = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("program.pdf", EXE, "application/pdf"),
        ("foto.png", HTML_PAGE, "image/png"),
        ("foto.png", b"\x89PNG\r\n\x1a\n" + b"bukan gambar" * 20, "image/png"),
        ("foto.jpg", b"\xff\xd8\xff\xe0" + b"sampah" * 20, "image/jpeg"),
        ("akta.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "application/pdf"),
        ("akta.pdf", b"%%EOF bukan PDF", "application/pdf"),
    ],
    ids=[
        "exe-as-pdf",
        "html-as-png",
        "png-header-garbage",
        "jpeg-header-garbage",
        "pdf-without-eof",
        "eof-without-header",
    ],
)
def test_disguised_files_are_refused_by_their_content(name, data, content_type):
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload(name, data, content_type))

    assert caught.value.code == "wrong_type"
    assert "bukan PDF, JPEG atau PNG" in " ".join(caught.value.messages)
    assert sniff(data) is None


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload("kosong.pdf", b""))

    assert caught.value.code == "empty"
    assert caught.value.messages == ["Berkas kosong.pdf kosong; berkas tidak disimpan."]


def test_a_file_over_the_limit_is_refused_with_both_sizes(settings):
    settings.BANSOS_UPLOAD_MAX_BYTES = 1024 * 1024
    data = demo_pdf()
    big = data[:-6] + b" " * (1024 * 1024) + data[-6:]
    assert sniff(big) == PDF

    with pytest.raises(ValidationError) as caught:
        validate_upload(upload("besar.pdf", big))

    assert caught.value.code == "too_large"
    assert caught.value.messages == [
        "Berkas besar.pdf berukuran 1,0 MB, melebihi batas 1,0 MB; berkas tidak "
        "disimpan."
    ]
    # Just under the limit passes.
    settings.BANSOS_UPLOAD_MAX_BYTES = len(big)
    assert validate_upload(upload("besar.pdf", big)) == PDF


def test_the_scan_field_reports_the_limit_in_its_help_text(settings):
    settings.BANSOS_UPLOAD_MAX_BYTES = 5 * 1024 * 1024

    assert str(ScanField().help_text) == "PDF, JPEG atau PNG, paling besar 5,0 MB."


# Names -----------------------------------------------------------------------------


def test_the_scan_field_renames_a_file_to_its_real_type():
    field = ScanField()

    cleaned = field.clean(upload("../../etc/Akta Budi Santoso.pdf", image_bytes("PNG")))

    assert cleaned.name == "scan.png"


@pytest.mark.parametrize(
    ("filename", "extension"),
    [("scan.pdf", "pdf"), ("scan.JPEG", "jpg"), ("x.png", "png"), ("a.exe", "bin")],
)
def test_generated_names_keep_only_a_known_extension(filename, extension):
    name = generated_name("lembaga/7/dokumen", filename)

    assert re.fullmatch(rf"lembaga/7/dokumen/[0-9a-f]{{32}}\.{extension}", name)
    assert generated_name("lembaga/7/dokumen", filename) != name


@pytest.mark.django_db
def test_a_stored_scan_carries_no_part_of_the_uploaded_name():
    cleaned = ScanField().clean(upload("KTP Budi Santoso 7501.pdf", demo_pdf()))
    document = InstitutionDocumentFactory(file=cleaned)

    assert GENERATED.match(document.file.name)
    assert "Budi" not in document.file.name
    assert document.file.storage.exists(document.file.name)


@pytest.mark.django_db
def test_a_served_scan_says_its_type_and_is_not_cached():
    document = InstitutionDocumentFactory(
        file=ScanField().clean(upload("foto.png", image_bytes("PNG")))
    )

    response = file_response(document.file, download_name="akta-lembaga 1")

    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="akta-lembaga_1.png"' in response["Content-Disposition"]
    assert (
        b"".join(response.streaming_content)
        == document.file.storage.open(document.file.name).read()
    )
    assert InstitutionDocument.objects.count() == 1
