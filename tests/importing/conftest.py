"""Files as Excel writes them, built in the tests, and a check that nothing changed."""

import csv
import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.utils import timezone
from openpyxl import Workbook

from imports.batches import Options, import_file
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
# Proposals go into this year's programmes; historical grants are of past years.
THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1


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
        in {
            "institutions",
            "grants",
            "imports",
            "reports",
            "auth",
            "admin",
            "contenttypes",
        }
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
def historian(db):
    """An operator to whom the administrator gave the historical import."""
    user = UserFactory(username="operator_arsip", role="Operator")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="grants", codename="import_historical_grant"
        )
    )
    return user


@pytest.fixture
def manager(historian):
    """A Pimpinan (who may create programmes) also allowed the historical import."""
    user = UserFactory(username="pimpinan_impor", role="Pimpinan")
    user.user_permissions.add(*historian.user_permissions.all())
    return user


@pytest.fixture
def program(regions):
    """This year's programme, open for proposals."""
    return ProgramFactory(year=THIS_YEAR, name=f"Bantuan Sosial Lembaga {THIS_YEAR}")


@pytest.fixture
def last_years_program(regions):
    """Last year's programme, with its decree, for historical grants."""
    return ProgramFactory(
        year=LAST_YEAR,
        name=f"Bantuan Sosial Lembaga {LAST_YEAR}",
        decree_number=f"188.44/KEP/{LAST_YEAR}",
        decree_date=datetime.date(LAST_YEAR, 2, 1),
    )
