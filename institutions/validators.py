"""Validators for Indonesian identity numbers, backed by lokal-id."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from lokal import parse_nik, parse_npwp

DIGITS_ONLY = re.compile(r"\d+")


def validate_nik(value: str) -> None:
    """Reject a NIK whose structure cannot be a NIK (16 digits, province, date, serial)."""
    info = parse_nik(value)
    if not info.valid or info.nik != value:
        reasons = "; ".join(issue.message for issue in info.errors) or _(
            "NIK disimpan sebagai 16 digit tanpa pemisah."
        )
        raise ValidationError(
            _("NIK %(value)s tidak valid: %(reasons)s"),
            code="invalid_nik",
            params={"value": value, "reasons": reasons},
        )


def validate_npwp(value: str) -> None:
    """Reject an NPWP that is neither a 15-digit legacy nor a 16-digit number."""
    info = parse_npwp(value)
    if not info.valid or info.digits != value:
        reasons = "; ".join(issue.message for issue in info.errors) or _(
            "NPWP disimpan sebagai angka tanpa titik dan strip."
        )
        raise ValidationError(
            _("NPWP %(value)s tidak valid: %(reasons)s"),
            code="invalid_npwp",
            params={"value": value, "reasons": reasons},
        )


def validate_digits(value: str) -> None:
    """Reject account numbers and the like that hold anything but digits."""
    if not DIGITS_ONLY.fullmatch(value):
        raise ValidationError(
            _("Hanya angka, tanpa spasi atau tanda baca."), code="digits_only"
        )


def validate_phone(value: str) -> None:
    """Accept a phone number written with digits, spaces, dashes and a leading +."""
    digits = re.sub(r"[\s\-().]", "", value)
    if not re.fullmatch(r"\+?\d{8,15}", digits):
        raise ValidationError(
            _("Nomor telepon harus 8 sampai 15 angka, boleh diawali +."),
            code="invalid_phone",
        )
