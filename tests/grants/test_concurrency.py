"""Two people acting at once yield one transition (DESIGN.md, "Grant workflow").

SQLite ignores select_for_update(), so these run on PostgreSQL only. Each test
commits for real (transaction=True); serialized_rollback brings back the role
groups that the flush after a transactional test removes.
"""

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models.signals import pre_save

from grants import roles
from grants.models import Disbursement, Grant, GrantEvent
from grants.services import (
    CeilingExceeded,
    InvalidTransition,
    NotEligible,
    OverDisbursement,
    StaleGrant,
    approve_grant,
    propose_grant,
    record_disbursement,
)
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Status = Grant.Status
DECREE_DATE = datetime.date(2024, 5, 2)


def pause_before_writing(**kwargs) -> None:
    if threading.current_thread() is not threading.main_thread():
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def slow_writes():
    """Hold each writer between its checks and its write, so that without row
    locks both racers would pass their checks before either one writes."""
    for model in (Grant, Disbursement):
        pre_save.connect(pause_before_writing, sender=model, dispatch_uid="race")
    yield
    for model in (Grant, Disbursement):
        pre_save.disconnect(sender=model, dispatch_uid="race")


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released together; return each result or error."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, action))
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def successes(results: list[object]) -> list[object]:
    return [r for r in results if not isinstance(r, Exception)]


def failures(results: list[object]) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]


def approving(grant: Grant, by, decree_number: str) -> Callable[[], Grant]:
    return lambda: approve_grant(
        grant,
        by=by,
        decree_number=decree_number,
        decree_date=DECREE_DATE,
        expected_status=Status.VERIFIED,
    )


def test_two_heads_approving_one_grant_at_once_approve_it_once():
    grant = GrantFactory(verified=True)
    first, second = UserFactory(role=roles.PIMPINAN), UserFactory(role=roles.PIMPINAN)

    results = race(
        approving(grant, first, "SK/SATU"), approving(grant, second, "SK/DUA")
    )

    assert len(successes(results)) == 1, results
    [error] = failures(results)
    assert isinstance(error, StaleGrant | InvalidTransition), error
    grant.refresh_from_db()
    assert grant.status == Status.APPROVED
    events = GrantEvent.objects.filter(grant=grant)
    assert [e.to_status for e in events] == [Status.APPROVED]
    winner = successes(results)[0]
    assert grant.decree_number == winner.decree_number
    assert events.get().actor_id in {first.pk, second.pk}


def test_two_approvals_racing_for_the_last_room_under_the_ceiling_pass_once():
    program = ProgramFactory(budget_ceiling=100_000_000)
    GrantFactory(program=program, amount=80_000_000, approved=True)
    grants = [
        GrantFactory(program=program, amount=15_000_000, verified=True)
        for _ in range(2)
    ]
    first, second = UserFactory(role=roles.PIMPINAN), UserFactory(role=roles.PIMPINAN)

    results = race(
        approving(grants[0], first, "SK/SATU"), approving(grants[1], second, "SK/DUA")
    )

    assert len(successes(results)) == 1, results
    [error] = failures(results)
    assert isinstance(error, CeilingExceeded), error
    assert "Rp5.000.000" in error.message
    statuses = sorted(
        Grant.objects.filter(pk__in=[g.pk for g in grants]).values_list(
            "status", flat=True
        )
    )
    assert statuses == [Status.APPROVED, Status.VERIFIED]
    committed = sum(
        Grant.objects.committed()
        .filter(program=program)
        .values_list("amount", flat=True)
    )
    assert committed == 95_000_000
    assert GrantEvent.objects.filter(to_status=Status.APPROVED).count() == 1


def test_two_payments_racing_for_the_rest_of_a_grant_pay_it_once():
    grant = GrantFactory(approved=True, amount=10_000_000)
    first, second = UserFactory(role=roles.BENDAHARA), UserFactory(role=roles.BENDAHARA)

    def paying(by, reference: str) -> Callable[[], Disbursement]:
        return lambda: record_disbursement(
            grant,
            by=by,
            paid_on=datetime.date(2024, 6, 1),
            amount=6_000_000,
            transfer_reference=reference,
        )

    results = race(paying(first, "TRF-1"), paying(second, "TRF-2"))

    assert len(successes(results)) == 1, results
    [error] = failures(results)
    assert isinstance(error, OverDisbursement), error
    assert grant.disbursed_amount() == 6_000_000
    assert Grant.objects.get(pk=grant.pk).status == Status.APPROVED


def test_two_operators_proposing_one_institution_at_once_record_it_once():
    program = ProgramFactory()
    institution = InstitutionFactory()
    first, second = UserFactory(role=roles.OPERATOR), UserFactory(role=roles.OPERATOR)

    def proposing(by) -> Callable[[], tuple[Grant, list[str]]]:
        return lambda: propose_grant(
            program=program,
            institution=institution,
            amount=10_000_000,
            by=by,
            today=datetime.date(2024, 4, 1),
        )

    results = race(proposing(first), proposing(second))

    assert len(successes(results)) == 1, results
    [error] = failures(results)
    assert isinstance(error, NotEligible), error
    assert Grant.objects.filter(program=program, institution=institution).count() == 1
    assert GrantEvent.objects.filter(to_status=Status.PROPOSED).count() == 1
