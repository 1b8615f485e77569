"""Reading one spreadsheet cell the way Excel in an Indonesian office writes it:
numbers, amounts, dates and identity numbers (the words are in `words`).

Every parser takes the raw cell (a `str` from CSV; `str`, `int`, `float`,
`datetime` or `None` from XLSX) and returns the value to store, or raises
`CellError` with a message for the operator. They are pure and cheap; the
importers memoise the slow ones.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.masking import (
    ACCOUNT_SHOWN_AT_END,
    MASK,
    NIK_SHOWN_AT_END,
    NIK_SHOWN_AT_START,
    mask_account,
)
from common.money import parse_amount as parse_rupiah_text
from common.spreadsheet import FORMULA_PREFIXES
from common.text import normalize_name
from institutions.validators import validate_nik, validate_npwp, validate_phone

# Excel counts days from 30 December 1899 (with its 1900 leap-year bug).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Excel keeps 15 significant digits: a longer number typed into a cell has lost
# its last digits before we ever see it.
EXCEL_DIGITS = 15
YEAR_MIN, YEAR_MAX = 2000, 2060
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S")

MSG_REQUIRED = gettext_noop("Wajib diisi.")
MSG_TOO_LONG = gettext_noop("Terlalu panjang: paling banyak %(max)s karakter.")
MSG_YEAR = gettext_noop("Bukan tahun: tulis empat angka antara %(min)s dan %(max)s.")
MSG_AMOUNT = gettext_noop(
    "Nilai tidak dapat dibaca: tulis rupiah penuh, misalnya 10.000.000 atau Rp10.000.000."
)
MSG_AMOUNT_NOT_POSITIVE = gettext_noop("Nilai bantuan harus lebih dari nol.")
MSG_DATE = gettext_noop(
    "Tanggal tidak dapat dibaca: tulis dd/mm/yyyy, misalnya 05/03/2024."
)
MSG_DIGITS = gettext_noop("Hanya angka, tanpa huruf.")
MSG_NUMBER_LOST_DIGITS = gettext_noop(
    "Excel menyimpan nomor ini sebagai angka sehingga digit terakhirnya hilang; "
    "format kolom sebagai Teks lalu ketik ulang."
)
MSG_MASKED_NIK = gettext_noop(
    "NIK tersamar (%(mask)s) tidak dapat mengenali orang: isi NIK lengkap 16 angka."
)
MSG_VILLAGE_CODE = gettext_noop(
    "Kode desa tidak dapat dibaca: tulis kode Kemendagri, misalnya 75.02.01.2001."
)


# The masks of `common.masking` that an export gives a user who may not see
# these numbers whole: `*********6789`, `7502********0001` (a value too short
# to keep its ends is all stars).
_STARS = re.escape(MASK) + "+"
MASKED_ACCOUNT = re.compile(rf"{_STARS}(?:[0-9]{{{ACCOUNT_SHOWN_AT_END}}})?")
MASKED_NIK = re.compile(
    rf"(?:[0-9]{{{NIK_SHOWN_AT_START}}}{_STARS}[0-9]{{{NIK_SHOWN_AT_END}}})|{_STARS}"
)


class MaskedAccount(str):
    """An account number as a masked export shows it: it stands for the stored
    number it was made from, and is never stored itself (see `account_matches`)."""


def account_matches(masked: str, stored: str) -> bool:
    """Whether a masked account number was made from this stored one: the same
    length and the same last digits."""
    return bool(stored) and mask_account(stored) == masked


class CellError(Exception):
    """A cell cannot be read; `message` says why, in the operator's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def word_key(text: str) -> str:
    """`Karang-Taruna ` -> `karangtaruna`: letters and digits only."""
    return normalize_name(text).replace(" ", "")


def plain(value) -> str:
    """The cell as text: trimmed, and without the guard `neutralise` added."""
    if value is None:
        return ""
    if value.__class__ is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.datetime):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        value = str(value)
    text = value.strip()
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text[:1] == "'" and text[1:2] and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def bounded(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise CellError(_(MSG_TOO_LONG) % {"max": max_length})
    return text


def parse_year(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    else:
        text = plain(value)
        if not text:
            return None
        if not re.fullmatch(r"\d{4}", text):
            raise CellError(_(MSG_YEAR) % {"min": YEAR_MIN, "max": YEAR_MAX})
        year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise CellError(_(MSG_YEAR) % {"min": YEAR_MIN, "max": YEAR_MAX})
    return year


def parse_amount(value) -> int:
    """A whole-Rupiah amount above zero: `Rp 10.000.000`, `10.000.000,00`, 10000000."""
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_(MSG_AMOUNT))
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        amount = value
    else:
        text = plain(value)
        if not text:
            raise CellError(_(MSG_REQUIRED))
        if text.startswith("-") or text.lower().startswith("rp-"):
            raise CellError(_(MSG_AMOUNT_NOT_POSITIVE))
        # Excel's `Rp10.000.000` often comes with a non-breaking space.
        parsed = parse_rupiah_text(text.replace("\xa0", " "))
        if parsed is None:
            raise CellError(_(MSG_AMOUNT))
        amount = parsed
    if amount <= 0:
        raise CellError(_(MSG_AMOUNT_NOT_POSITIVE))
    return amount


def parse_date(value) -> datetime.date | None:
    """`dd/mm/yyyy`, ISO, or an Excel date (a date cell or a day serial number)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_(MSG_DATE))
    text = plain(value)
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_(MSG_DATE))


def _digits_text(value) -> str:
    """Text of a number-like cell, without separators or Excel's text apostrophe."""
    return re.sub(r"[\s.\-]", "", plain(value)).removeprefix("'")


def _number_text(value) -> str:
    """Digits typed into a number cell, refused when Excel has cut them."""
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_(MSG_DIGITS))
        value = int(value)
    text = str(value)
    if len(text) > EXCEL_DIGITS:
        raise CellError(_(MSG_NUMBER_LOST_DIGITS))
    return text


def parse_account_number(value) -> str:
    """Digits; or a masked number (`MaskedAccount`), which the planner accepts
    only as "unchanged" for an institution whose stored number it matches."""
    if value.__class__ is str and value.isdigit():
        return bounded(value, 30)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    text = _digits_text(value)
    if MASKED_ACCOUNT.fullmatch(text):
        return MaskedAccount(text)
    if text and not text.isdigit():
        raise CellError(_(MSG_DIGITS))
    return bounded(text, 30)


def parse_phone(value) -> str:
    if (
        value.__class__ is str
        and 8 <= len(value) <= 15
        and value.isascii()
        and value.isdigit()
    ):
        return value  # plain digits, as most cells are: valid as they stand
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = _number_text(value)
        # A number cell drops the leading 0 of `0812...`.
        if text.startswith("8"):
            text = "0" + text
    else:
        text = plain(value).removeprefix("'")
    if not text:
        return ""
    try:
        validate_phone(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return bounded(text, 20)


def parse_npwp(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = _number_text(value)
    else:
        text = _digits_text(value)
    if not text:
        return ""
    try:
        validate_npwp(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return text


def parse_nik(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # 16 digits never survive a number cell.
        raise CellError(_(MSG_NUMBER_LOST_DIGITS))
    text = _digits_text(value)
    if not text:
        raise CellError(_(MSG_REQUIRED))
    if MASKED_NIK.fullmatch(text):
        raise CellError(_(MSG_MASKED_NIK) % {"mask": text})
    try:
        validate_nik(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return text


def parse_village_code(value) -> str:
    """`75.02.01.2001` or `7502012001` -> `75.02.01.2001`; empty stays empty."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = _number_text(value)
    text = re.sub(r"\s", "", plain(value))
    if not text:
        return ""
    digits = text.replace(".", "")
    if not re.fullmatch(r"\d{10}", digits) or (
        "." in text and not re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", text)
    ):
        raise CellError(_(MSG_VILLAGE_CODE))
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def parse_email(value) -> str:
    text = plain(value)
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return bounded(text, 254)


def header_key(text) -> str:
    """`Nama Lembaga`, `nama_lembaga`, `NAMA LEMBAGA` -> `namalembaga`."""
    text = unicodedata.normalize("NFKD", plain(text)).lower()
    return re.sub(r"[^0-9a-z]", "", text)
