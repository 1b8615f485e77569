"""Write lists and empty templates as CSV or Excel, in the importer's columns.

Text that a spreadsheet would run as a formula is neutralised: prefixed with
`'` in CSV (the importer removes it again), written as a text cell in XLSX.
NIK and account columns are text-formatted in XLSX so that Excel keeps all
their digits; for a user who may not see them whole they are masked
(`7502********0001`, `*********6789`).
"""

import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from django.db.models import Max
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common import spreadsheet
from common.masking import mask_account, mask_nik
from institutions.access import can_see_full_account, can_see_full_nik

from .columns import ColumnSet
from .lists import COLUMN_SETS

TEMPLATE_TEXT_ROWS = 1000
HEADER_FONT = Font(bold=True)
# NIKs, account and phone numbers, village codes: text cells, never numbers.
TEXT_COLUMNS = frozenset(
    column.name
    for columns in COLUMN_SETS.values()
    for column in columns.columns
    if column.as_text
)


# Columns masked for a user who may not see them whole (UU PDP 27/2022).
NIK_COLUMN = "nik"
ACCOUNT_COLUMN = "nomor_rekening"


def masks_for(user) -> dict[str, Callable[[Any], str]]:
    """The masks `records_to_rows` applies for this user, by column name."""
    masks = {}
    if not can_see_full_nik(user):
        masks[NIK_COLUMN] = mask_nik
    if not can_see_full_account(user):
        masks[ACCOUNT_COLUMN] = mask_account
    return masks


def grants_for_export(queryset):
    """Grants with what their row needs, and their last payment as `tanggal_salur`."""
    return queryset.select_related(
        "program", "institution__village__district__regency"
    ).annotate(last_paid_on=Max("disbursements__paid_on"))


def records_to_rows(
    columns: ColumnSet,
    records: Iterable,
    masks: Mapping[str, Callable[[Any], str]] | None = None,
) -> Iterator[list]:
    """One row of values per record; `masks` maps a column name to the mask its
    values get (NIK and account numbers for a user who may not see them whole)."""
    getters = [
        (column.value_of, (masks or {}).get(column.name)) for column in columns.columns
    ]
    for record in records:
        yield [
            value_of(record) if mask is None else mask(value_of(record))
            for value_of, mask in getters
        ]


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def csv_lines(names: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """A list as CSV in the one dialect of the app's files (common.spreadsheet)."""
    return spreadsheet.csv_lines(
        names, ([_csv_value(value) for value in row] for row in rows)
    )


def _cell(sheet, value, *, as_text: bool) -> WriteOnlyCell:
    if isinstance(value, str) or (as_text and value not in (None, "")):
        cell = WriteOnlyCell(sheet, value=None)
        # Set as a string cell: openpyxl would take `=...` for a formula.
        cell.value = str(value)
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if as_text:
        cell.number_format = "@"
    elif isinstance(value, datetime.date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def write_xlsx(names: list[str], rows: Iterable[list], fileobj: BinaryIO) -> None:
    """Write rows to an XLSX workbook, streaming (openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Data"))
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 4)
    header = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = HEADER_FONT
        header.append(cell)
    sheet.append(header)
    text_columns = [name in TEXT_COLUMNS for name in names]
    for row in rows:
        sheet.append(
            [
                _cell(sheet, value, as_text=as_text)
                for value, as_text in zip(row, text_columns, strict=True)
            ]
        )
    workbook.save(fileobj)


def template_csv(columns: ColumnSet) -> bytes:
    return b"".join(csv_lines(columns.names, []))


def template_xlsx(columns: ColumnSet, *, note: str = "") -> bytes:
    """An empty list to fill in: the header, text-formatted NIK and account
    columns, and a sheet explaining every column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")
    for index, column in enumerate(columns.columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.name)
        header.font = HEADER_FONT
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 4)
        if column.as_text:
            # Excel keeps only 15 digits of a number; these must stay text.
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, TEMPLATE_TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet(_("Petunjuk"))
    guide.append([_("Kolom"), _("Wajib"), _("Contoh"), _("Keterangan")])
    for cell in guide[1]:
        cell.font = HEADER_FONT
    required = {
        name
        for need in columns.required
        for option in need.split("|")
        for name in option.split("+")
        if "|" not in need
    }
    for column in columns.columns:
        guide.append(
            [
                column.name,
                _("ya") if column.name in required else "",
                column.example,
                str(column.help or column.label),
            ]
        )
        guide.cell(row=guide.max_row, column=3).data_type = "s"
    guide.append([])
    if note:
        guide.append([note])
    guide.append(
        [
            _(
                "Lokasi: isi kode_desa, atau desa dan kecamatan (kabupaten boleh). "
                "Hanya lembar pertama yang dibaca."
            )
        ]
    )
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["C"].width = 28
    guide.column_dimensions["D"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
