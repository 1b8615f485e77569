"""Files as Excel writes them, built in the tests, and a check that nothing changed."""

import csv
import io

import pytest
from django.apps import apps
from openpyxl import Workbook

from institutions.importing.batches import Options, import_file
from tests.factories import ProgramFactory, UserFactory

HEADER = [
    "tahun",
    "jenis_lembaga",
    "nama_lembaga",
    "kode_desa",
    "nilai_bantuan",
]
# A real village of Kabupaten Boalemo (Paguyaman): Bongo Nol.
VILLAGE = "75.02.01.2004"


def csv_bytes(
    rows,
    header=HEADER,
    *,
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
    newline: str = "\r\n",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, *, text_columns=()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for column in text_columns:
        for cell in sheet[column]:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def snapshot() -> dict[str, int]:
    """The number of rows of every table the project has."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"institutions", "grants", "reports", "auth", "admin", "contenttypes"}
    }


def run(
    content: bytes,
    *,
    kind="penerima",
    user=None,
    dry_run=False,
    name="daftar.csv",
    **options,
):
    """Import bytes the way the command line does; return (report, batch)."""
    return import_file(
        io.BytesIO(content),
        file_name=name,
        kind=kind,
        options=Options(**options),
        user=user,
        dry_run=dry_run,
    )


def messages(report) -> str:
    return "\n".join(p.message for p in report.errors)


@pytest.fixture
def operator(db):
    return UserFactory(username="operator_impor", role="Operator")


@pytest.fixture
def program_2024(regions):
    return ProgramFactory(year=2024, name="Bantuan Sosial Lembaga 2024")
