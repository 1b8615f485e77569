"""Two people acting at once yield one transition (DESIGN.md, "Grant workflow").

SQLite ignores select_for_update(), so these run on PostgreSQL only. Each test
commits for real (transaction=True); serialized_rollback brings back the role
groups that the flush after a transactional test removes.
"""

import datetime
import re
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models.signals import pre_save

from grants import roles
from grants.models import AccountabilityReport, Disbursement, Grant, GrantEvent, Program
from grants.services import (
    MSG_BANK_CHANGED,
    CeilingExceeded,
    Finding,
    GrantError,
    InvalidTransition,
    NotEligible,
    OverDisbursement,
    PaymentBlocked,
    ProgramError,
    StaleGrant,
    approve_grant,
    confirm_bank_account,
    propose_grant,
    record_disbursement,
    record_lpj,
    record_nphd,
    review_lpj,
    save_program,
)
from institutions.models import Institution, InstitutionChange
from institutions.services import save_institution
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
    lpj_evidence,
)

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Status = Grant.Status
# Fixed dates in the past: paying on them is never "in the future".
YEAR = 2024
TODAY = datetime.date(YEAR, 4, 1)
DECREE_DATE = datetime.date(YEAR, 5, 2)
PAID_ON = datetime.date(YEAR, 6, 1)


WRITTEN = (Grant, Disbursement, AccountabilityReport, Institution, Program)


def pause_before_writing(**kwargs) -> None:
    if threading.current_thread() is not threading.main_thread():
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def slow_writes():
    """Hold each writer between its checks and its write, so that without row
    locks both racers would pass their checks before either one writes."""
    for model in WRITTEN:
        pre_save.connect(pause_before_writing, sender=model, dispatch_uid="race")
    yield
    for model in WRITTEN:
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
    grant = GrantFactory(program=ProgramFactory(year=YEAR), verified=True)
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
    program = ProgramFactory(year=YEAR, budget_ceiling=100_000_000)
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
    grant = GrantFactory(
        program=ProgramFactory(year=YEAR), approved=True, amount=10_000_000
    )
    first, second = UserFactory(role=roles.BENDAHARA), UserFactory(role=roles.BENDAHARA)

    def paying(by, reference: str) -> Callable[[], Disbursement]:
        return lambda: record_disbursement(
            grant,
            by=by,
            paid_on=PAID_ON,
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
    program = ProgramFactory(year=YEAR)
    institution = InstitutionFactory()
    first, second = UserFactory(role=roles.OPERATOR), UserFactory(role=roles.OPERATOR)

    def proposing(by) -> Callable[[], tuple[Grant, list[str]]]:
        return lambda: propose_grant(
            program=program,
            institution=institution,
            amount=10_000_000,
            by=by,
            today=TODAY,
        )

    results = race(proposing(first), proposing(second))

    assert len(successes(results)) == 1, results
    [error] = failures(results)
    assert isinstance(error, NotEligible), error
    assert Grant.objects.filter(program=program, institution=institution).count() == 1
    assert GrantEvent.objects.filter(to_status=Status.PROPOSED).count() == 1


def after(delay: float, action: Callable[[], object]) -> Callable[[], object]:
    """The action, started a little later: the other racer is then mid-way."""

    def delayed() -> object:
        time.sleep(delay)
        return action()

    return delayed


def in_order(first: str, actions: dict[str, Callable[[], object]]) -> list[object]:
    """Race the two actions, giving `first` a head start; results by name order."""
    names = list(actions)
    return race(
        *(
            actions[name] if name == first else after(0.1, actions[name])
            for name in names
        )
    )


def test_two_treasurers_paying_a_whole_grant_at_once_pay_it_once():
    grant = GrantFactory(
        program=ProgramFactory(year=YEAR), approved=True, amount=10_000_000
    )
    first, second = UserFactory(role=roles.BENDAHARA), UserFactory(role=roles.BENDAHARA)

    def paying(by, reference: str) -> Callable[[], Disbursement]:
        return lambda: record_disbursement(
            grant,
            by=by,
            paid_on=PAID_ON,
            amount=10_000_000,
            transfer_reference=reference,
            expected_status=Status.APPROVED,
        )

    results = race(paying(first, "TRF-1"), paying(second, "TRF-2"))

    assert len(successes(results)) == 1, results
    [error] = failures(results)
    assert isinstance(error, StaleGrant | InvalidTransition | OverDisbursement), error
    assert Disbursement.objects.filter(grant=grant).count() == 1
    assert Grant.objects.get(pk=grant.pk).status == Status.DISBURSED
    events = GrantEvent.objects.filter(grant=grant)
    assert [e.to_status for e in events] == [Status.DISBURSED]


def changing_the_account(institution: Institution, by) -> Callable[[], object]:
    def change() -> object:
        edited = Institution.objects.get(pk=institution.pk)
        edited.account_number = "9990001112"
        return save_institution(edited, by=by)

    return change


@pytest.mark.parametrize("first", ["approval", "bank_change"])
def test_an_approval_racing_a_bank_change_never_lets_money_reach_the_new_account_unchecked(
    first,
):
    grant = GrantFactory(program=ProgramFactory(year=YEAR), verified=True)
    verified_account = grant.verified_account
    head, operator = UserFactory(role=roles.PIMPINAN), UserFactory(role=roles.OPERATOR)
    treasurer = UserFactory(role=roles.BENDAHARA)

    results = in_order(
        first,
        {
            "approval": approving(grant, head, "SK/SATU"),
            "bank_change": changing_the_account(grant.institution, operator),
        },
    )

    assert failures(results) == [], results
    grant.refresh_from_db()
    assert grant.status == Status.APPROVED
    assert grant.verified_account == verified_account
    assert grant.bank_change_pending
    assert grant.events.filter(kind=GrantEvent.Kind.BANK_CHANGED).count() == 1
    record_nphd(grant, by=operator, number="NPHD/1", date=DECREE_DATE)
    with pytest.raises(PaymentBlocked, match=f"^{re.escape(MSG_BANK_CHANGED)}$"):
        record_disbursement(grant, by=treasurer, paid_on=PAID_ON, amount=grant.amount)
    assert not Disbursement.objects.exists()

    confirm_bank_account(grant, by=UserFactory(role=roles.VERIFIKATOR), note="Sah")
    payment = record_disbursement(
        grant, by=treasurer, paid_on=PAID_ON, amount=grant.amount
    )
    assert payment.paid_to_account_number == "9990001112"


@pytest.mark.parametrize("first", ["payment", "bank_change"])
def test_a_payment_racing_a_bank_change_pays_only_the_account_verified_at_the_time(
    first,
):
    grant = GrantFactory(program=ProgramFactory(year=YEAR), approved=True)
    old_account = grant.verified_account
    treasurer, operator = (
        UserFactory(role=roles.BENDAHARA),
        UserFactory(role=roles.OPERATOR),
    )

    paid, changed = in_order(
        first,
        {
            "payment": lambda: record_disbursement(
                grant, by=treasurer, paid_on=PAID_ON, amount=grant.amount
            ),
            "bank_change": changing_the_account(grant.institution, operator),
        },
    )

    assert not isinstance(changed, Exception), changed
    change = InstitutionChange.objects.get(field="account_number")
    if isinstance(paid, Exception):
        # The change came first: payment waits for a Verifikator's confirmation.
        assert isinstance(paid, PaymentBlocked), paid
        assert paid.message == MSG_BANK_CHANGED
        assert not Disbursement.objects.exists()
        assert Grant.objects.get(pk=grant.pk).status == Status.APPROVED
    else:
        # The payment came first, to the account the institution still had.
        payment = Disbursement.objects.get()
        assert (
            payment.paid_to_bank_name,
            payment.paid_to_account_number,
            payment.paid_to_account_holder,
        ) == old_account
        assert change.changed_at > payment.created_at
        assert Grant.objects.get(pk=grant.pk).status == Status.DISBURSED


@pytest.mark.parametrize("first", ["approval", "ceiling"])
def test_a_ceiling_cut_racing_an_approval_never_leaves_more_committed_than_the_ceiling(
    first,
):
    program = ProgramFactory(year=YEAR, budget_ceiling=100_000_000)
    GrantFactory(program=program, amount=80_000_000, approved=True)
    grant = GrantFactory(program=program, amount=15_000_000, verified=True)
    approver, planner = (
        UserFactory(role=roles.PIMPINAN),
        UserFactory(role=roles.PIMPINAN),
    )

    def cutting_the_ceiling() -> Program:
        edited = Program.objects.get(pk=program.pk)
        edited.budget_ceiling = 85_000_000
        return save_program(edited, by=planner, changed_fields=["budget_ceiling"])

    approval, cut = in_order(
        first,
        {
            "approval": approving(grant, approver, "SK/SATU"),
            "ceiling": cutting_the_ceiling,
        },
    )

    assert len(successes([approval, cut])) == 1, (approval, cut)
    program.refresh_from_db()
    assert (
        Grant.objects.filter(program=program).committed_total()
        <= program.budget_ceiling
    )
    if isinstance(cut, Exception):
        assert isinstance(cut, ProgramError), cut
        assert "Rp85.000.000" in cut.message and "Rp95.000.000" in cut.message
        assert program.budget_ceiling == 100_000_000
        assert Grant.objects.get(pk=grant.pk).status == Status.APPROVED
    else:
        assert isinstance(approval, CeilingExceeded), approval
        assert program.budget_ceiling == 85_000_000
        assert Grant.objects.get(pk=grant.pk).status == Status.VERIFIED


LpjStatus = AccountabilityReport.Status


@pytest.mark.parametrize("first", ["record", "review"])
@pytest.mark.parametrize("review", ["accept", "send_back"])
def test_recording_and_reviewing_an_lpj_at_once_do_not_deadlock(first, review):
    grant = GrantFactory(program=ProgramFactory(year=YEAR), disbursed=True)
    operator, verifier = (
        UserFactory(role=roles.OPERATOR),
        UserFactory(role=roles.VERIFIKATOR),
    )
    # Accepting races a corrected LPJ for one sent back; sending back races a
    # second LPJ for one already handed in.
    report = AccountabilityReport.objects.create(
        grant=grant,
        status=LpjStatus.NEEDS_REVISION if review == "accept" else LpjStatus.SUBMITTED,
        submitted_on=datetime.date(YEAR + 1, 1, 6),
        amount_spent=grant.amount,
        recorded_by=UserFactory(role=roles.OPERATOR),
    )

    recorded, reviewed = in_order(
        first,
        {
            "record": lambda: record_lpj(
                grant,
                by=operator,
                submitted_on=datetime.date(YEAR + 1, 1, 8),
                amount_spent=grant.amount,
                evidence=lpj_evidence(),
            ),
            "review": lambda: review_lpj(
                report,
                by=verifier,
                items={
                    kind: Finding(
                        in_order=review == "accept" or kind != "kuitansi",
                        note="" if review == "accept" else "Kuitansi kurang",
                    )
                    for kind in ("penggunaan", "sptj", "kuitansi", "foto")
                },
                expected_status=LpjStatus.SUBMITTED,
            ),
        },
    )

    # A refusal is a rule speaking (GrantError), never a deadlock or a lock timeout.
    for result in (recorded, reviewed):
        assert not isinstance(result, Exception) or isinstance(result, GrantError), (
            result
        )
    assert successes([recorded, reviewed]), (recorded, reviewed)
    report.refresh_from_db()
    grant.refresh_from_db()
    if report.status == LpjStatus.ACCEPTED:
        assert grant.status == Status.CLOSED
        assert [e.to_status for e in grant.events.all()] == [Status.CLOSED]
    else:
        assert grant.status == Status.DISBURSED
        assert not grant.events.exists()
