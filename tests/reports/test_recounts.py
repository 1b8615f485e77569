"""Report summaries are recounted by a background task after the commit; pages
only read them and say when they were counted."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.signals import task_enqueued

from grants.models import Grant
from grants.services import transition_grant
from institutions.models import Village
from reports import queries
from reports.models import SummaryState
from reports.summary import recount_if_stale
from reports.tasks import recount_year
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PENDING = "Penghitungan ulang sedang berjalan; angka akan diperbarui."
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.fixture
def enqueued():
    """The years whose recount was enqueued, in order."""
    years = []

    def record(sender, task_result, **kwargs):
        if task_result.task.func is recount_year.func:
            years.append(task_result.args[0])

    task_enqueued.connect(record)
    yield years
    task_enqueued.disconnect(record)


@pytest.fixture
def grants(regions, committed):
    """Two years of grants, counted."""
    village = Village.objects.get(code="75.02.01.2004")
    with committed():
        for year in (2022, 2023):
            program = ProgramFactory(year=year, budget_ceiling=10**10)
            GrantFactory(
                program=program, institution=InstitutionFactory(village=village)
            )
            GrantFactory(
                program=program,
                institution=InstitutionFactory(village=village),
                disbursed=True,
            )
    return Grant.objects.all()


def test_a_change_marks_nothing_until_its_transaction_commits(grants, committed):
    with committed() as callbacks:
        grant = grants.filter(status=Grant.Status.PROPOSED).first()
        grant.amount = 12_000_000
        grant.save()
        assert not SummaryState.objects.filter(stale=True).exists()
    assert len(callbacks) == 1
    assert not SummaryState.objects.get(year=grant.program.year).stale


def test_changes_in_one_transaction_enqueue_one_recount_per_year(
    grants, committed, enqueued
):
    with committed():
        for grant in grants.filter(program__year=2023):
            grant.amount += 500_000
            grant.save()
        grants.filter(program__year=2022).first().delete()
    assert sorted(enqueued) == [2022, 2023]


def test_a_service_transaction_that_rolls_back_enqueues_nothing(
    grants, committed, enqueued
):
    grant = grants.filter(status=Grant.Status.PROPOSED, program__year=2023).first()
    states = list(SummaryState.objects.values_list("year", "stale", "refreshed_at"))
    verifier = UserFactory(role="Verifikator")
    with (
        committed() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transition_grant(
            grant, to=Grant.Status.REJECTED, by=verifier, note="Berkas tidak lengkap"
        )
        raise RuntimeError("undone")
    assert callbacks == []
    assert enqueued == []
    assert list(SummaryState.objects.values_list("year", "stale", "refreshed_at")) == (
        states
    )
    grant.refresh_from_db()
    assert grant.status == Grant.Status.PROPOSED


def test_a_rolled_back_savepoint_drops_its_years_but_not_the_others(
    grants, committed, enqueued
):
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            grants.filter(program__year=2022).first().save()
            raise RuntimeError("undone")
        grants.filter(program__year=2023).first().save()
    assert enqueued == [2023]


def test_a_new_programme_year_is_counted_as_empty_not_left_pending(regions, committed):
    with committed():
        ProgramFactory(year=2025)
    counted = queries.counted([2025])
    assert not counted.pending
    assert counted.at is not None


def _pages(client):
    pengamat = UserFactory(role="Pengamat")
    client.force_login(pengamat)
    return [
        "/",
        "/laporan/tahunan/?dari=2022&sampai=2023",
        "/laporan/tahunan/?dari=2022&sampai=2023&format=csv",
        "/laporan/tahunan/?dari=2022&sampai=2023&format=print",
        "/laporan/wilayah/?tahun=2023",
        "/laporan/wilayah/?tahun=2023&kabupaten=75.02",
        "/laporan/lpj/?dari=2022&sampai=2023",
        "/laporan/bimtek/?dari=2022&sampai=2023",
    ]


def _writes(context, *, ignore=()) -> list[str]:
    return [
        query["sql"]
        for query in context.captured_queries
        if query["sql"].lstrip().upper().startswith(WRITES)
        and not any(table in query["sql"] for table in ignore)
    ]


def test_report_pages_never_write_even_when_a_year_is_stale(grants, client):
    SummaryState.objects.filter(year=2023).update(stale=True)
    for url in _pages(client):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200, url
        # The session's expiry moves with every request (SESSION_SAVE_EVERY_REQUEST)
        # and downloads are logged: neither is the report's doing.
        ignored = ['"django_session"', '"common_dataaccesslog"']
        assert _writes(context, ignore=ignored) == [], url
    assert SummaryState.objects.get(year=2023).stale


@pytest.mark.parametrize("query", ["", "?format=csv", "?format=csv&laporan=wilayah"])
def test_the_public_page_never_writes(grants, client, query):
    SummaryState.objects.filter(year=2023).update(stale=True)
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get(f"/transparansi/{query}").status_code == 200
    assert _writes(context) == []


def _counted_line(state: SummaryState) -> str:
    when = timezone.localtime(state.refreshed_at).strftime("%d/%m/%Y %H.%M")
    return f"Angka dihitung {when} WITA"


def test_the_page_says_pending_until_the_recount_runs_then_when_it_counted(
    grants, client, committed, settings
):
    client.force_login(UserFactory(role="Pengamat"))
    url = "/laporan/tahunan/?dari=2023&sampai=2023"
    # A worker that has not come round yet: the task waits in the queue.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    with committed():
        grant = grants.get(program__year=2023, status=Grant.Status.PROPOSED)
        grant.status = Grant.Status.REJECTED
        grant.save()
    html = client.get(url).content.decode()
    assert PENDING in html
    assert _counted_line(SummaryState.objects.get(year=2023)) in html

    (waiting,) = task_backends["default"].results
    assert waiting.args == [2023]
    assert recount_year.call(*waiting.args) is True
    html = client.get(url).content.decode()
    assert PENDING not in html
    assert _counted_line(SummaryState.objects.get(year=2023)) in html


def test_a_year_never_counted_is_pending_with_empty_figures(grants, client):
    SummaryState.objects.filter(year=2023).delete()
    client.force_login(UserFactory(role="Pengamat"))
    response = client.get("/laporan/tahunan/?dari=2023&sampai=2023")
    assert PENDING in response.content.decode()
    assert "Angka dihitung" not in response.content.decode()
    assert response.context["report"].counted == queries.Counted(None, True)


def test_a_second_recount_of_a_counted_year_does_nothing(grants):
    SummaryState.objects.filter(year=2023).update(stale=True)
    assert recount_if_stale(2023) is True
    counted_at = SummaryState.objects.get(year=2023).refreshed_at
    assert recount_if_stale(2023) is False
    assert SummaryState.objects.get(year=2023).refreshed_at == counted_at


def test_recount_reports_counts_stale_years_or_the_years_asked_for(grants):
    SummaryState.objects.filter(year=2022).update(stale=True)
    out = io.StringIO()
    call_command("recount_reports", stdout=out)
    assert "Recounted 2022" in out.getvalue()
    assert not SummaryState.objects.filter(stale=True).exists()
    call_command("recount_reports", stdout=out)
    assert "nothing to do" in out.getvalue()
    before = SummaryState.objects.get(year=2023).refreshed_at
    call_command("recount_reports", "--year", "2023", stdout=out)
    assert SummaryState.objects.get(year=2023).refreshed_at > before
