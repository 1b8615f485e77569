"""Uploaded evidence: what a scan may be, where it is kept, how it is served.

Every scan (institution documents, the NPHD, LPJ evidence, refund proofs) is
checked by its content, never by its name or the browser's content type: a
PDF, a JPEG or a PNG, no larger than `BANSOS_UPLOAD_MAX_BYTES`. It is stored
through Django's default storage (private MEDIA_ROOT, or S3 by settings) under
a generated name, and only ever served by `file_response`, from a view that has
first checked that the user may see the record it belongs to. MEDIA_URL is not
routed anywhere.

Only Django is used here: `common` imports no app.
"""

import io
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.functional import lazy
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .access_log import log_data_access
from .models import DataAccessLog

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
JPEG = FileType("jpg", "image/jpeg", "JPEG")
PNG = FileType("png", "image/png", "PNG")
ACCEPTED = (PDF, JPEG, PNG)
# How each type begins.
_MAGIC = {PDF: b"%PDF-", JPEG: b"\xff\xd8\xff", PNG: b"\x89PNG\r\n\x1a\n"}
# For <input accept=…>: a hint to the browser, never a check.
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

MSG_WRONG_TYPE = _(
    "Berkas %(name)s bukan PDF, JPEG atau PNG. Unggah pindaian dalam salah satu "
    "format itu; berkas tidak disimpan."
)
MSG_TOO_LARGE = _(
    "Berkas %(name)s berukuran %(size)s MB, melebihi batas %(limit)s MB; berkas "
    "tidak disimpan."
)
MSG_EMPTY = _("Berkas %(name)s kosong; berkas tidak disimpan.")


def max_upload_bytes() -> int:
    return int(getattr(settings, "BANSOS_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def _read_all(file) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _is_pdf(data: bytes) -> bool:
    # A PDF starts with its version header and ends with an end-of-file marker
    # (allowing the trailing bytes some writers add after it).
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _image_format(data: bytes) -> str | None:
    # Imported here: Pillow comes with WeasyPrint, and only uploads need it.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def sniff(data: bytes) -> FileType | None:
    """The accepted type this content really is, or None."""
    if _is_pdf(data):
        return PDF
    if data.startswith(_MAGIC[JPEG]) and _image_format(data) == "JPEG":
        return JPEG
    if data.startswith(_MAGIC[PNG]) and _image_format(data) == "PNG":
        return PNG
    return None


def validate_upload(file: UploadedFile) -> FileType:
    """The file's real type; ValidationError (in the user's language) otherwise."""
    name = get_valid_filename(PurePosixPath(file.name or "berkas").name) or "berkas"
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            MSG_TOO_LARGE,
            code="too_large",
            params={
                "name": name,
                "size": _megabytes(file.size),
                "limit": _megabytes(limit),
            },
        )
    data = _read_all(file)
    if not data:
        raise ValidationError(MSG_EMPTY, code="empty", params={"name": name})
    if len(data) > limit:
        raise ValidationError(
            MSG_TOO_LARGE,
            code="too_large",
            params={
                "name": name,
                "size": _megabytes(len(data)),
                "limit": _megabytes(limit),
            },
        )
    kind = sniff(data)
    if kind is None:
        raise ValidationError(MSG_WRONG_TYPE, code="wrong_type", params={"name": name})
    return kind


def generated_name(folder: str, filename: str) -> str:
    """A fresh name under `folder`, keeping only the real type's extension.

    The user's file name never reaches the storage: it may carry a path, a
    misleading extension or personal data.
    """
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    extension = {"jpeg": "jpg"}.get(suffix, suffix)
    if extension not in {kind.extension for kind in ACCEPTED}:
        extension = "bin"
    return f"{folder}/{uuid.uuid4().hex}.{extension}"


def file_response(field: FieldFile, *, download_name: str) -> FileResponse:
    """Serve a stored scan to a user already allowed to see it.

    The content type comes from the content; the browser is told not to guess
    and not to cache it, and may show a PDF or an image inline.
    """
    if not field:
        raise Http404
    try:
        handle = field.storage.open(field.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    # The content was checked when it was stored; its first bytes say which type.
    head = handle.read(16)
    handle.seek(0)
    kind = next(
        (kind for kind, magic in _MAGIC.items() if head.startswith(magic)), None
    )
    content_type = kind.content_type if kind else "application/octet-stream"
    extension = kind.extension if kind else "bin"
    stem = get_valid_filename(download_name) or "berkas"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=kind is None,
        filename=f"{stem}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def logged_file_response(
    request, field: FieldFile, *, download_name: str, what: str
) -> FileResponse:
    """`file_response`, with the download (one file) in the data access log."""
    response = file_response(field, download_name=download_name)
    log_data_access(request, DataAccessLog.Action.EXPORT, what, rows=1)
    return response


def _scan_help_text_now() -> str:
    # Lazy: form classes are built once, the language is the request's.
    return gettext("PDF, JPEG atau PNG, paling besar %(limit)s MB.") % {
        "limit": _megabytes(max_upload_bytes())
    }


_scan_help_text = lazy(_scan_help_text_now, str)


class ScanField(forms.FileField):
    """A form field for one scan: checked by content, renamed to its real type.

    After cleaning, the file's name is `scan.<real extension>`: the model's
    `upload_to` (with `generated_name`) then stores it under a fresh name.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE})
        )
        kwargs.setdefault("help_text", _scan_help_text())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if isinstance(file, UploadedFile):
            kind = validate_upload(file)
            file.name = f"scan.{kind.extension}"
        return file
