"""Two recounts of one year at once: one counts, the other waits and skips.

SQLite ignores select_for_update(), so this runs on PostgreSQL only; it
commits for real (transaction=True), and serialized_rollback brings back the
role groups the flush afterwards removes.
"""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from reports import summary
from reports.models import AidSummary, StatusSummary, SummaryState
from reports.tasks import recount_year
from tests.factories import GrantFactory, ProgramFactory

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

YEAR = 2024


def test_two_recounts_of_a_year_at_once_count_it_once(monkeypatch):
    program = ProgramFactory(year=YEAR, budget_ceiling=10**10)
    for _ in range(3):
        GrantFactory(program=program, disbursed=True, amount=10_000_000)
    SummaryState.objects.filter(year=YEAR).update(stale=True)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    # Hold each recount inside its transaction, after it took the lock.
    recount = summary._recount

    def slow_recount(year, state):
        threading.Event().wait(0.3)
        recount(year, state)

    monkeypatch.setattr(summary, "_recount", slow_recount)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = recount_year.call(YEAR)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a recount hung"
    assert sorted(map(repr, results)) == ["False", "True"], results
    assert not SummaryState.objects.get(year=YEAR).stale
    # Counted once: a second count on top would have doubled the rows.
    for summary_model in (AidSummary, StatusSummary):
        total = summary_model.objects.filter(year=YEAR).aggregate(n=Sum("grants"))
        assert total["n"] == 3
