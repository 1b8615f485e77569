"""All or nothing: nothing is written before every row is checked, and a write
that fails undoes every chunk written before it."""

import threading

import pytest
from django.db import connection

from grants.models import Disbursement, Grant, GrantEvent
from imports import writer
from imports.batches import (
    ImportRefused,
    Options,
    confirm_batch,
    preview_upload,
)
from imports.matching import InstitutionIndex
from imports.models import ImportBatch
from institutions.models import Institution
from tests.factories import InstitutionFactory, ProgramFactory, UserFactory

from .conftest import (
    HEADER,
    LAST_YEAR,
    THIS_YEAR,
    VILLAGE,
    csv_bytes,
    messages,
    run,
    snapshot,
)

VILLAGES = ["75.02.01.2004", "75.02.01.2005", "75.02.01.2006", "75.02.01.2007"]


def rows(count: int) -> list[list[str]]:
    return [
        [
            str(THIS_YEAR),
            "WKSBM",
            f"Majelis Taklim Nomor {n}",
            VILLAGES[n % 4],
            "10.000.000",
        ]
        for n in range(count)
    ]


@pytest.mark.django_db
def test_an_error_in_the_last_row_leaves_nothing_behind(program, operator, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_ROWS", 3)
    content = csv_bytes(
        [*rows(10), [str(THIS_YEAR), "WKSBM", "Terakhir", VILLAGE, "nol"]]
    )
    before = snapshot()
    report, batch = run(content, user=operator)
    assert batch is None
    assert report.errors[0].row == 12
    assert snapshot() == before


@pytest.mark.django_db
def test_historical_rows_go_through_the_grant_service_and_proposals_in_chunks(
    program, last_years_program, historian, monkeypatch
):
    """New institutions written in chunks, their grants of last year by
    `write_historical_grants`, this year's as proposals."""
    monkeypatch.setattr(writer, "CHUNK_ROWS", 3)
    paid = ["disalurkan", f"01/06/{LAST_YEAR}"]
    content = csv_bytes(
        [[LAST_YEAR, *r[1:], *paid] for r in rows(7)] + [[*r, "", ""] for r in rows(7)],
        header=[*HEADER, "status", "tanggal_salur"],
    )
    report, batch = run(content, user=historian)
    assert report.ok, messages(report)
    assert Institution.objects.filter(import_batch=batch).count() == 7
    by_status = {
        status: set(
            Grant.objects.filter(import_batch=batch, status=status).values_list(
                "institution__name",
                "program__year",
                "proposed_by",
                "content_changed_by",
            )
        )
        for status in (Grant.Status.DISBURSED, Grant.Status.PROPOSED)
    }
    names = {f"Majelis Taklim Nomor {n}" for n in range(7)}
    assert by_status[Grant.Status.DISBURSED] == {
        (name, LAST_YEAR, None, None) for name in names
    }
    assert by_status[Grant.Status.PROPOSED] == {
        (name, THIS_YEAR, historian.pk, historian.pk) for name in names
    }
    assert Disbursement.objects.filter(grant__import_batch=batch).count() == 7
    assert set(
        GrantEvent.objects.filter(grant__import_batch=batch).values_list(
            "to_status", "actor"
        )
    ) == {(Grant.Status.DISBURSED, historian.pk), (Grant.Status.PROPOSED, historian.pk)}
    assert GrantEvent.objects.filter(grant__import_batch=batch).count() == 14


@pytest.mark.django_db
def test_a_refused_historical_row_after_many_good_rows_leaves_nothing_behind(
    program, last_years_program, operator, monkeypatch
):
    monkeypatch.setattr(writer, "CHUNK_ROWS", 3)
    last = [LAST_YEAR, "WKSBM", "Lama", VILLAGE, "1.000.000", "disalurkan"]
    content = csv_bytes(
        [[*r, "", ""] for r in rows(10)] + [[*last, f"01/06/{LAST_YEAR}"]],
        header=[*HEADER, "status", "tanggal_salur"],
    )
    before = snapshot()
    report, batch = run(content, user=operator)
    assert batch is None
    assert [(e.row, e.column) for e in report.errors] == [(12, "status")]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_conflict_met_while_writing_undoes_everything(program, operator, monkeypatch):
    """Someone else recorded the same institution after the rows were checked."""
    InstitutionFactory(name="Majelis Taklim Nomor 7", village_id=VILLAGES[3])
    original = InstitutionIndex.__init__

    def unaware(self, scratch, **kwargs):
        original(self, scratch, **kwargs)
        self.by_key.clear()
        self.known.clear()

    monkeypatch.setattr(InstitutionIndex, "__init__", unaware)
    monkeypatch.setattr(writer, "CHUNK_ROWS", 3)
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

    ProgramFactory()
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
