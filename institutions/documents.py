"""The papers of a Bimtek: the attendance sheet and certificates as PDF, the
participant list as CSV and Excel."""

import io
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from common.spreadsheet import csv_lines

from .models import Participant


def render_pdf(request, template: str, context: dict) -> bytes:
    """An HTML template printed to PDF by WeasyPrint."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


def participant_columns() -> list[str]:
    return [
        _("No."),
        _("Nama peserta"),
        _("Jabatan di lembaga"),
        _("Lembaga"),
        _("Desa/kelurahan"),
        _("Kecamatan"),
        _("Kabupaten/kota"),
    ]


def participant_rows(participants: Iterable[Participant]) -> list[list]:
    """One row per participant, in the attendance sheet's order and numbering."""
    rows = []
    for number, participant in enumerate(participants, start=1):
        village = participant.institution.village
        rows.append(
            [
                number,
                participant.person_name,
                participant.get_role_display(),
                participant.institution.name,
                village.name,
                village.district.name,
                village.district.regency.name,
            ]
        )
    return rows


def csv_bytes(columns: list[str], rows: Iterable[list]) -> bytes:
    """The app's one CSV dialect: UTF-8 with BOM, `;`, CRLF, no formulas."""
    return b"".join(csv_lines(columns, rows))


def xlsx_bytes(title: str, columns: list[str], rows: Iterable[list]) -> bytes:
    """An Excel workbook of one sheet; text cells stay text, never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    # Excel refuses sheet names longer than 31 characters or with []:*?/\.
    sheet = workbook.create_sheet(
        "".join(c for c in title if c not in "[]:*?/\\")[:31] or _("Data")
    )
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=None if isinstance(value, str) else value)
            if isinstance(value, str):
                # Set as a string cell: openpyxl would take `=...` for a formula.
                cell.value = value
                cell.data_type = "s"
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
