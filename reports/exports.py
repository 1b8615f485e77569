"""CSV, Excel and PDF answers for the report pages."""

import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_noop

from common.access_log import log_data_access
from common.models import DataAccessLog
from common.spreadsheet import csv_lines


def _plain(value):
    # Translated labels are lazy objects; files need their text.
    return str(value) if isinstance(value, Promise) else value


def _log_export(request, filename: str, fmt: str, rows: int | None) -> None:
    # Reports hold no NIK or account number, but an export of one is still
    # data leaving the office: every export is logged the same way.
    log_data_access(
        request,
        DataAccessLog.Action.EXPORT,
        gettext_noop("Laporan %(name)s (%(format)s)")
        % {"name": filename, "format": fmt},
        filters=request.GET.urlencode(),
        rows=rows,
    )


def csv_response(
    request, filename: str, columns: list[str], rows: list[list]
) -> HttpResponse:
    """The report as a CSV that Excel in an Indonesian locale opens in columns."""
    _log_export(request, filename, "CSV", len(rows))
    content = b"".join(
        csv_lines(columns, ([_plain(value) for value in row] for row in rows))
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    request, filename: str, title: str, columns: list[str], rows: list[list]
) -> HttpResponse:
    _log_export(request, filename, "XLSX", len(rows))
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_plain(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Text stays text: a leading `=` must never become a formula.
                cell.data_type = "s"
                cell.number_format = "@"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 50)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    _log_export(request, filename, "PDF", None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response
