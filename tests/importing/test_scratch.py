"""The plan's scratch file: institutions planned by one row and found again by
later ones, whether they still wait for their batch or are in the file."""

import pytest
from django.contrib.auth.models import Permission

from grants.models import Grant
from imports import scratch
from institutions.models import Institution
from tests.factories import ProgramFactory, UserFactory

from .conftest import LAST_YEAR, THIS_YEAR, csv_bytes, messages, run

pytestmark = pytest.mark.django_db

HEADER = [
    "tahun", "jenis_lembaga", "nama_lembaga", "kode_desa", "nomor_register",
    "telepon", "nilai_bantuan", "status", "nomor_sk", "tanggal_salur",
]  # fmt: skip
VILLAGES = ["75.02.01.2004", "75.02.01.2005", "75.02.01.2006", "75.02.01.2007"]
GROUPS = 5


def name(n: int) -> str:
    return f"Majelis Taklim Nomor {n}"


def register(n: int) -> str:
    return f"REG/{n}" if n % 2 == 0 else ""


def rows() -> list[list[str]]:
    """Each group paid last year, then proposed this year: the second row finds
    the institution the first planned, by its registration number (even
    groups) or by its name and village (odd ones), and adds a telephone."""
    paid = [
        [
            str(LAST_YEAR),
            "WKSBM",
            name(n),
            VILLAGES[n % 4],
            register(n),
            "",
            "10.000.000",
            "disalurkan",
            "SK/1",
            f"01/06/{LAST_YEAR}",
        ]
        for n in range(GROUPS)
    ]
    proposed = [
        [
            str(THIS_YEAR),
            "WKSBM",
            name(n),
            VILLAGES[n % 4],
            register(n),
            "081234567890",
            "5.000.000",
            "",
            "",
            "",
        ]
        for n in range(GROUPS)
    ]
    return paid + proposed


@pytest.fixture
def historian(regions):
    user = UserFactory(username="arsip_scratch", role="Operator")
    user.user_permissions.add(
        Permission.objects.get(codename="import_historical_grant")
    )
    return user


@pytest.mark.parametrize("batch_rows", [1, 2, 3, GROUPS, 2000])
def test_planned_institutions_are_found_again_whatever_the_batch_size(
    historian, monkeypatch, batch_rows
):
    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    ProgramFactory(year=THIS_YEAR)
    monkeypatch.setattr(scratch, "INSTITUTION_BATCH", batch_rows)

    report, _ = run(csv_bytes(rows(), header=HEADER), user=historian)

    assert report.ok, messages(report)
    assert (report.rows_total, report.rows_new) == (2 * GROUPS, 2 * GROUPS)
    institutions = Institution.objects.order_by("name")
    assert [i.name for i in institutions] == [name(n) for n in range(GROUPS)]
    assert {i.phone for i in institutions} == {"081234567890"}
    assert [i.registration_number for i in institutions] == [
        register(n) for n in range(GROUPS)
    ]
    assert Grant.objects.count() == 2 * GROUPS
    # Every proposal was aided the year before in this very file; the warning
    # names the planned institution.
    aided = [w for w in report.warnings if str(LAST_YEAR) in w.message]
    assert sorted(w.value for w in aided) == [name(n) for n in range(GROUPS)]
