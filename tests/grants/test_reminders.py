"""LPJ reminders: before and after the due date, each once, never lost to a
mail server that is down, counted in WITA dates."""

import datetime
import io
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from grants import roles
from grants.models import AccountabilityReport, Grant, LpjReminder, LpjState
from grants.reminders import moment, send_lpj_reminders
from grants.tasks import send_lpj_reminders_task
from reports.worklist import tasks_for
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 1, 5)


@pytest.fixture
def operator():
    return UserFactory(role=roles.OPERATOR, email="operator@dinsos.example")


def owing(due: datetime.date, operator=None, email="lembaga@example.org", **kw):
    """A disbursed grant without an LPJ, due on `due`."""
    return GrantFactory(
        program=ProgramFactory(year=due.year - 1, lpj_due_date=due),
        institution=InstitutionFactory(email=email, name=kw.pop("name", "Majelis Uji")),
        disbursed=True,
        amount=15_000_000,
        proposed_by=operator,
        **kw,
    )


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (TODAY + datetime.timedelta(days=15), None),
        (TODAY + datetime.timedelta(days=14), ("sebelum-14", 14)),
        (TODAY + datetime.timedelta(days=4), ("sebelum-14", 4)),
        (TODAY + datetime.timedelta(days=3), ("sebelum-3", 3)),
        (TODAY, ("sebelum-3", 0)),
        (TODAY - datetime.timedelta(days=1), ("terlambat-1", 1)),
        (TODAY - datetime.timedelta(days=13), ("terlambat-1", 13)),
        (TODAY - datetime.timedelta(days=14), ("terlambat-14", 14)),
        (TODAY - datetime.timedelta(days=400), ("terlambat-30", 400)),
    ],
)
def test_the_reminder_due_on_a_day(due, expected):
    assert moment(due, TODAY) == expected


def test_reminders_go_to_the_institution_and_the_operator_once(operator):
    grant = owing(TODAY + datetime.timedelta(days=3), operator, name="Majelis Nurul")

    first = send_lpj_reminders(TODAY)
    second = send_lpj_reminders(TODAY)

    assert (first.sent, second.sent, second.already_sent) == (2, 0, 2)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "lembaga@example.org",
        "operator@dinsos.example",
    ]
    message = mail.outbox[0]
    assert message.subject == "Pengingat LPJ Majelis Nurul: batas 08/01/2026"
    assert "Rp15.000.000" in message.body
    assert "paling lambat 08/01/2026, 3 hari lagi" in message.body
    assert grant.program.name in message.body
    reminders = LpjReminder.objects.filter(grant=grant)
    assert {(r.kind, r.attempts, r.sent_at is not None) for r in reminders} == {
        ("sebelum-3", 1, True)
    }


def test_each_moment_is_sent_once_as_the_days_pass(operator):
    owing(TODAY + datetime.timedelta(days=14), operator, email="")

    for day in range(0, 45):
        send_lpj_reminders(TODAY + datetime.timedelta(days=day))

    kinds = list(
        LpjReminder.objects.order_by("created_at", "pk").values_list("kind", flat=True)
    )
    assert kinds == [
        "sebelum-14",
        "sebelum-3",
        "terlambat-1",
        "terlambat-14",
        "terlambat-30",
    ]
    assert len(mail.outbox) == 5
    overdue = [m for m in mail.outbox if "terlambat" in m.subject]
    assert "sudah terlambat 14 hari" in overdue[1].body


def test_no_reminder_for_an_lpj_handed_in_or_a_grant_not_disbursed(operator):
    handed_in = owing(TODAY, operator)
    AccountabilityReport.objects.create(grant=handed_in, submitted_on=TODAY)
    owing(TODAY, operator, status=Grant.Status.APPROVED)
    owing(TODAY - datetime.timedelta(days=10), operator, status=Grant.Status.CLOSED)

    summary = send_lpj_reminders(TODAY)

    assert (summary.due, summary.sent) == (0, 0)
    assert mail.outbox == []


def test_a_grant_without_any_address_is_counted(operator):
    owing(TODAY, operator=None, email="")

    summary = send_lpj_reminders(TODAY)

    assert summary.without_recipient == 1
    assert not LpjReminder.objects.exists()


def test_a_reminder_recorded_by_another_run_is_not_sent_again(operator):
    grant = owing(TODAY, operator, email="")
    LpjReminder.objects.create(
        grant=grant,
        kind="sebelum-3",
        recipient="operator@dinsos.example",
        due_date=TODAY,
        sent_at=timezone.now(),
        attempts=1,
    )

    summary = send_lpj_reminders(TODAY)

    assert (summary.sent, summary.already_sent) == (0, 1)
    assert mail.outbox == []


def test_a_mail_server_that_is_down_delays_the_reminders(operator, settings):
    grant = owing(timezone.localdate() - datetime.timedelta(days=1), operator)
    # Nobody listens on port 1: the connection is refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 5
    out, err = io.StringIO(), io.StringIO()

    call_command("send_lpj_reminders", stdout=out, stderr=err)  # exits normally

    assert "0 terkirim" in out.getvalue() and "2 gagal" in out.getvalue()
    assert "2 pengingat belum terkirim" in err.getvalue()
    reminders = LpjReminder.objects.filter(grant=grant)
    assert [(r.sent_at, r.attempts) for r in reminders] == [(None, 1), (None, 1)]
    assert all(r.last_error for r in reminders)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("send_lpj_reminders", stdout=out, stderr=io.StringIO())

    assert "2 terkirim" in out.getvalue()
    assert len(mail.outbox) == 2
    assert all("terlambat 1 hari" in m.body for m in mail.outbox)
    reminders = LpjReminder.objects.filter(grant=grant)
    assert {(r.attempts, r.last_error) for r in reminders} == {(2, "")}
    assert all(r.sent_at for r in reminders)


def test_the_scheduled_task_sends_the_reminders(operator):
    owing(timezone.localdate() + datetime.timedelta(days=2), operator, email="")

    result = send_lpj_reminders_task.enqueue()

    assert result.return_value["sent"] == 1
    assert len(mail.outbox) == 1


def _set_time(clock, when: datetime.datetime) -> None:
    clock.advance(seconds=(when - timezone.now()).total_seconds())


def test_an_lpj_is_overdue_from_the_next_day_in_wita(clock, operator):
    due = datetime.date(2026, 1, 10)
    grant = owing(due, operator)
    # 23:30 WITA on the due date: still on time.
    _set_time(clock, datetime.datetime(2026, 1, 10, 15, 30, tzinfo=datetime.UTC))

    assert timezone.localdate() == due
    assert LpjState.of(grant, timezone.localdate()) == LpjState.NOT_SUBMITTED
    assert not Grant.objects.overdue_lpj(timezone.localdate()).exists()
    send_lpj_reminders()
    assert {r.kind for r in LpjReminder.objects.all()} == {"sebelum-3"}

    # 00:30 WITA on the next day, though still 10 January in UTC: overdue.
    _set_time(clock, datetime.datetime(2026, 1, 10, 16, 30, tzinfo=datetime.UTC))

    assert timezone.localdate() == datetime.date(2026, 1, 11)
    assert LpjState.of(grant, timezone.localdate()) == LpjState.OVERDUE
    assert list(Grant.objects.overdue_lpj(timezone.localdate())) == [grant]
    send_lpj_reminders()
    assert {r.kind for r in LpjReminder.objects.all()} == {"sebelum-3", "terlambat-1"}


def test_every_grant_reminded_is_on_the_operators_task_list(operator):
    owing(timezone.localdate() + datetime.timedelta(days=3), operator, name="Segera")
    owing(timezone.localdate() - datetime.timedelta(days=1), operator, name="Telat")

    send_lpj_reminders()
    tasks = {task.label: task.count for task in tasks_for(operator)}

    reminded = LpjReminder.objects.values("grant").distinct().count()
    assert reminded == 2
    assert tasks["LPJ terlambat, belum dicatat"] == 1
    assert tasks["LPJ belum dicatat, belum jatuh tempo"] == 1


class SlowBackend(BaseEmailBackend):
    """A mail server that takes its time, so two runs overlap while sending."""

    sent: list[str] = []

    def send_messages(self, messages):
        time.sleep(0.3)
        SlowBackend.sent.extend(m.to[0] for m in messages)
        return len(messages)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_each_reminder_once(settings, operator):
    # SQLite ignores the row locks: PostgreSQL only, committing for real.
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    SlowBackend.sent = []
    owing(TODAY + datetime.timedelta(days=3), operator)
    barrier = threading.Barrier(2)
    summaries = []

    def run():
        try:
            barrier.wait(timeout=10)
            summaries.append(send_lpj_reminders(TODAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(SlowBackend.sent) == [
        "lembaga@example.org",
        "operator@dinsos.example",
    ]
    assert sum(s.sent for s in summaries) == 2
    assert LpjReminder.objects.filter(sent_at__isnull=False).count() == 2
