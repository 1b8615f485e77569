"""All or nothing, also when rows are already on their way to the database."""

import threading

import pytest
from django.db import connection

from grants.models import Grant
from institutions.importing import streaming
from institutions.importing.batches import (
    ImportRefused,
    Options,
    confirm_batch,
    preview_upload,
)
from institutions.importing.matching import InstitutionIndex
from institutions.models import ImportBatch, Institution
from tests.factories import InstitutionFactory, ProgramFactory, UserFactory

from .conftest import VILLAGE, csv_bytes, run, snapshot

VILLAGES = ["75.02.01.2004", "75.02.01.2005", "75.02.01.2006", "75.02.01.2007"]


def rows(count: int) -> list[list[str]]:
    return [
        ["2024", "WKSBM", f"Majelis Taklim Nomor {n}", VILLAGES[n % 4], "10.000.000"]
        for n in range(count)
    ]


@pytest.mark.django_db
def test_an_error_after_rows_were_streamed_leaves_nothing_behind(
    program_2024, operator, monkeypatch
):
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 3)
    content = csv_bytes([*rows(10), ["2024", "WKSBM", "Terakhir", VILLAGE, "nol"]])
    before = snapshot()
    report, batch = run(content, user=operator)
    assert batch is None
    assert report.errors[0].row == 12
    assert snapshot() == before


@pytest.mark.django_db
def test_a_conflict_met_while_writing_undoes_everything(
    program_2024, operator, monkeypatch
):
    """Someone else recorded the same institution after the rows were checked."""
    InstitutionFactory(name="Majelis Taklim Nomor 7", village_id=VILLAGES[3])
    original = InstitutionIndex.__init__

    def unaware(self):
        original(self)
        self.by_key.clear()
        self.known.clear()

    monkeypatch.setattr(InstitutionIndex, "__init__", unaware)
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 3)
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        run(csv_bytes(rows(10)), user=operator)
    assert "pengguna lain" in caught.value.message
    assert snapshot() == before


@pytest.mark.postgresql
# Commits for real; serialized_rollback brings back the roles the flush removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirmations_at_once_import_once(regions):
    import io

    ProgramFactory(year=2024)
    user = UserFactory(username="operator_cepat", role="Operator")
    _report, batch = preview_upload(
        io.BytesIO(csv_bytes(rows(50))),
        file_name="daftar.csv",
        kind="penerima",
        options=Options(),
        user=user,
    )
    outcomes = []

    def confirm():
        try:
            outcomes.append(confirm_batch(batch.pk, user=user)[1])
        except ImportRefused as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == ""
    assert "tidak dapat dikonfirmasi lagi" in sorted(outcomes)[1]
    assert Grant.objects.count() == 50
    assert Institution.objects.count() == 50
    assert ImportBatch.objects.get().status == ImportBatch.Status.IMPORTED
