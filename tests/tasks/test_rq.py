"""The RQ backend: a report recount enqueued in Redis and run by an RQ worker.

Needs the Redis server at 127.0.0.1:6379 (CI starts it); skipped with the
reason elsewhere, failed instead under BANSOS_NO_SKIP=1.
"""

import pytest
from django.db import transaction

from reports.models import AidSummary, SummaryState
from tests.factories import GrantFactory, ProgramFactory

# Commits for real (the worker reads what the test wrote); serialized_rollback
# brings back the role groups and content types the flush afterwards removes.
pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A database number of its own, emptied afterwards: nothing else keeps data there.
REDIS_URL = "redis://127.0.0.1:6379/13"
YEAR = 2023


@pytest.fixture
def rq_backend(settings):
    """Tasks go to an RQ queue in Redis; returns the queue."""
    import django_rq
    import redis
    from django_tasks_rq import Job

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(
            f"needs Redis at 127.0.0.1:6379 ({error}); start it with "
            "`redis-server --daemonize yes`"
        )
    # The tasks' own queue ("default"), in that database.
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    connection.flushdb()
    try:
        yield django_rq.get_queue("default", job_class=Job)
    finally:
        connection.flushdb()


def test_a_committed_change_is_recounted_by_an_rq_worker(rq_backend):
    from django_tasks_rq import Job
    from rq import SimpleWorker

    with transaction.atomic():
        program = ProgramFactory(year=YEAR, budget_ceiling=10**10)
        GrantFactory(program=program, disbursed=True, amount=12_000_000)
    # Committed: the year is marked and its recount waits in Redis, once.
    assert SummaryState.objects.get(year=YEAR).stale
    assert rq_backend.count == 1
    assert not AidSummary.objects.filter(year=YEAR).exists()

    worker = SimpleWorker([rq_backend], connection=rq_backend.connection, job_class=Job)
    assert worker.work(burst=True)
    assert rq_backend.count == 0
    state = SummaryState.objects.get(year=YEAR)
    assert not state.stale and state.refreshed_at is not None
    summary = AidSummary.objects.get(year=YEAR)
    assert (summary.grants, summary.amount) == (1, 12_000_000)
    (job_id,) = rq_backend.finished_job_registry.get_job_ids()
    assert Job.fetch(job_id, connection=rq_backend.connection).return_value() is True
