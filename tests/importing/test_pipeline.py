"""Read, plan, then write: the whole-list checks see only the planned rows, a
failed write leaves nothing but the failed attempt, and who may bring in what."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError

from grants import services
from grants.models import Disbursement, Grant, GrantEvent, Program
from imports import batches, writer
from imports.batches import Options, confirm_batch, preview_upload
from imports.models import ImportBatch
from institutions.models import Institution, Regency, StaffProfile
from tests.factories import ProgramFactory, UserFactory

from .conftest import LAST_YEAR, THIS_YEAR, csv_bytes, messages, snapshot

pytestmark = pytest.mark.django_db

HEADER = [
    "tahun", "jenis_lembaga", "nama_lembaga", "kode_desa", "nilai_bantuan",
    "status", "nomor_sk", "tanggal_salur",
]  # fmt: skip
# Villages of Kabupaten Boalemo (75.02) and of Kota Gorontalo (75.71).
BOALEMO = ["75.02.01.2004", "75.02.01.2005", "75.02.01.2006", "75.02.01.2007"]
KOTA = "75.71.01.1001"
AMOUNT = 10_000_000
ROWS = 7


def paid_rows(count: int, year: int = LAST_YEAR) -> list[list[str]]:
    return [
        [
            str(year),
            "WKSBM",
            f"Majelis Taklim Nomor {n}",
            BOALEMO[n % 4],
            "10.000.000",
            "disalurkan",
            "SK/1",
            f"01/06/{year}",
        ]
        for n in range(count)
    ]


def proposal_rows(count: int, village: str = BOALEMO[0]) -> list[list[str]]:
    return [
        [str(THIS_YEAR), "WKSBM", f"Paguyuban Nomor {n}", village, "5.000.000"]
        + [""] * 3
        for n in range(count)
    ]


def preview(content: bytes, user, **options):
    return preview_upload(
        io.BytesIO(content),
        file_name="daftar.csv",
        kind=options.pop("kind", "penerima"),
        options=Options(**options),
        user=user,
    )


@pytest.fixture
def historian(regions):
    user = UserFactory(username="arsip", role="Operator")
    user.user_permissions.add(
        Permission.objects.get(codename="import_historical_grant")
    )
    return user


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, ROWS - 1, ROWS, 5000])
def test_a_list_that_fills_the_ceiling_exactly_is_imported_whatever_the_chunk_size(
    historian, monkeypatch, chunk_rows
):
    program = ProgramFactory(
        year=LAST_YEAR, decree_number="SK/1", budget_ceiling=ROWS * AMOUNT
    )
    monkeypatch.setattr(writer, "CHUNK_ROWS", chunk_rows)
    report, batch = preview(csv_bytes(paid_rows(ROWS), header=HEADER), historian)
    assert report.ok, messages(report)
    batch, message = confirm_batch(batch.pk, user=historian)
    assert (batch.status, message) == (ImportBatch.Status.IMPORTED, "")
    assert Grant.objects.filter(program=program).committed_total() == ROWS * AMOUNT
    assert Disbursement.objects.count() == GrantEvent.objects.count() == ROWS


def test_one_rupiah_over_the_ceiling_is_refused_before_anything_is_written(historian):
    ProgramFactory(
        year=LAST_YEAR, decree_number="SK/1", budget_ceiling=ROWS * AMOUNT - 1
    )
    before = snapshot()
    report, batch = preview(csv_bytes(paid_rows(ROWS), header=HEADER), historian)
    assert "melampaui sisa pagu" in messages(report)
    assert batch.status == ImportBatch.Status.REJECTED
    before.pop("imports.ImportBatch")
    after = snapshot()
    after.pop("imports.ImportBatch")
    assert after == before


@pytest.mark.parametrize("failing_chunk", [1, 3])
def test_a_database_error_while_writing_marks_the_attempt_failed_and_keeps_nothing(
    historian, monkeypatch, failing_chunk
):
    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    monkeypatch.setattr(writer, "CHUNK_ROWS", 2)
    report, batch = preview(csv_bytes(paid_rows(ROWS), header=HEADER), historian)
    assert report.ok, messages(report)
    before = snapshot()
    calls = []
    original = writer.write_historical_grants

    def failing(grants, **kwargs):
        calls.append(len(grants))
        if len(calls) == failing_chunk:
            raise DatabaseError("could not serialize access")
        return original(grants, **kwargs)

    monkeypatch.setattr(writer, "write_historical_grants", failing)
    batch, message = confirm_batch(batch.pk, user=historian)
    assert message == batches.MSG_DATABASE_FAILED
    batch.refresh_from_db()
    assert (batch.status, batch.reason) == (
        ImportBatch.Status.FAILED,
        batches.MSG_DATABASE_FAILED,
    )
    assert snapshot() == before
    assert not Institution.objects.exists()


def test_a_database_error_on_confirm_is_a_message_on_the_page_not_a_500(
    client, historian, monkeypatch
):
    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    _report, batch = preview(csv_bytes(paid_rows(3), header=HEADER), historian)

    def broken(*args, **kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(writer, "write_historical_grants", broken)
    client.force_login(historian)
    response = client.post(f"/impor/{batch.pk}/konfirmasi/", follow=True)
    assert response.status_code == 200
    assert batches.MSG_DATABASE_FAILED in response.content.decode()
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert not Grant.objects.exists()


# Who may bring in what ---------------------------------------------------------------


def limited_operator():
    user = UserFactory(username="operator_boalemo", role="Operator")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.02")
    )
    return user


def manager():
    user = UserFactory(username="pimpinan", role="Pimpinan")
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["import_historical_grant", "add_importbatch"]
        )
    )
    return user


INSTITUTIONS = (
    csv_bytes(
        [["WKSBM", "Majelis Taklim Al Ikhlas", BOALEMO[0]]],
        header=["jenis_lembaga", "nama_lembaga", "kode_desa"],
    ),
    {"kind": "lembaga"},
)
PROPOSALS = (csv_bytes(proposal_rows(2), header=HEADER), {})
OTHER_REGENCY = (csv_bytes(proposal_rows(1, village=KOTA), header=HEADER), {})
HISTORICAL = (csv_bytes(paid_rows(2), header=HEADER), {})
NEW_PROGRAMME = (
    csv_bytes(paid_rows(2, year=LAST_YEAR - 1), header=HEADER),
    {"create_programs": True, "program_ceilings": {str(LAST_YEAR - 1): 20_000_000}},
)
LISTS = {
    "institutions": INSTITUTIONS,
    "proposals": PROPOSALS,
    "other regency": OTHER_REGENCY,
    "historical": HISTORICAL,
    "new programme": NEW_PROGRAMME,
}
USERS = {
    "operator": lambda: UserFactory(username="operator", role="Operator"),
    "limited operator": limited_operator,
    "historian": lambda: historian_user(),
    "manager": manager,
}
# Which list each user may bring in (the page); the rest are refused with an error.
ALLOWED = {
    "operator": {"institutions", "proposals", "other regency"},
    "limited operator": {"institutions", "proposals"},
    "historian": {"institutions", "proposals", "other regency", "historical"},
    "manager": {"historical", "new programme", "institutions"},
}


def historian_user():
    user = UserFactory(username="arsip", role="Operator")
    user.user_permissions.add(
        Permission.objects.get(codename="import_historical_grant")
    )
    return user


@pytest.mark.parametrize("user_name", sorted(USERS))
@pytest.mark.parametrize("list_name", sorted(LISTS))
def test_who_may_import_which_list(regions, user_name, list_name):
    ProgramFactory(year=THIS_YEAR)
    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    user = USERS[user_name]()
    content, options = LISTS[list_name]
    report, batch = preview(content, user, **dict(options))
    if list_name in ALLOWED[user_name]:
        assert report.ok, messages(report)
        batch, message = confirm_batch(batch.pk, user=user)
        assert (batch.status, message) == (ImportBatch.Status.IMPORTED, "")
    else:
        assert not report.ok
        assert batch.status == ImportBatch.Status.REJECTED


def test_a_new_grant_from_an_operators_list_starts_as_a_proposal(regions):
    ProgramFactory(year=THIS_YEAR)
    operator = UserFactory(username="operator", role="Operator")
    _report, batch = preview(PROPOSALS[0], operator)
    confirm_batch(batch.pk, user=operator)
    assert set(Grant.objects.values_list("status", "proposed_by")) == {
        (Grant.Status.PROPOSED, operator.pk)
    }


def test_a_historical_row_by_an_operator_names_the_missing_permission(regions):
    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    operator = UserFactory(username="operator", role="Operator")
    report, _batch = preview(HISTORICAL[0], operator)
    assert services.MSG_HISTORICAL_NOT_ALLOWED in messages(report)


def test_a_programme_is_never_created_with_a_ceiling_from_the_file(regions):
    user = manager()
    content, options = NEW_PROGRAMME
    _report, batch = preview(content, user, **dict(options))
    confirm_batch(batch.pk, user=user)
    program = Program.objects.get(year=LAST_YEAR - 1)
    # The file pays 2 x Rp10.000.000; the typed ceiling stands.
    assert program.budget_ceiling == 20_000_000


def test_without_temporary_space_the_file_is_refused_with_a_message(
    historian, settings, tmp_path
):
    settings.BANSOS_IMPORT_SCRATCH_DIR = str(tmp_path / "missing")
    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    report, batch = preview(csv_bytes(paid_rows(2), header=HEADER), historian)
    assert "ruang kerja sementara" in messages(report)
    assert batch.status == ImportBatch.Status.REJECTED
    assert not Grant.objects.exists()


def test_the_scratch_file_is_gone_once_the_import_ends(historian, monkeypatch):
    from imports import scratch

    ProgramFactory(year=LAST_YEAR, decree_number="SK/1")
    folders = []
    original = scratch.Scratch.__init__

    def keep(self):
        original(self)
        folders.append(self._folder.name)

    monkeypatch.setattr(scratch.Scratch, "__init__", keep)
    _report, batch = preview(csv_bytes(paid_rows(3), header=HEADER), historian)
    confirm_batch(batch.pk, user=historian)
    assert len(folders) == 2  # the preview and the confirmation
    assert not any(Path(folder).exists() for folder in folders)
