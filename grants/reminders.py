"""E-mail reminders of LPJs not yet handed in, before and after their due date.

Each reminder is recorded (`LpjReminder`, unique per grant, moment and
recipient) before it is sent, so no reminder goes out twice, also when two runs
overlap. A reminder the mail server did not take stays unsent, with the error,
and is tried again by the next run while its moment lasts.
"""

import datetime
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from common.money import rupiah

from .models import Grant, LpjReminder
from .services.lpj import disbursed_total

logger = logging.getLogger(__name__)

BEFORE = "sebelum"
OVERDUE = "terlambat"


@dataclass
class ReminderSummary:
    """What one run did, for the command's output and the task's result."""

    due: int = 0
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    without_recipient: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "due": self.due,
            "sent": self.sent,
            "already_sent": self.already_sent,
            "failed": self.failed,
            "without_recipient": self.without_recipient,
            "errors": self.errors,
        }


def moment(due: datetime.date, today: datetime.date) -> tuple[str, int] | None:
    """The reminder due today for an LPJ due on `due`: (kind, days), or None.

    Before the due date, the nearest of BANSOS_LPJ_REMINDER_DAYS_BEFORE that
    has been reached (a run missed for a week sends one reminder, not two);
    after it, the furthest of BANSOS_LPJ_REMINDER_DAYS_OVERDUE reached.
    """
    days_left = (due - today).days
    if days_left >= 0:
        reached = [
            n for n in settings.BANSOS_LPJ_REMINDER_DAYS_BEFORE if days_left <= n
        ]
        return (f"{BEFORE}-{min(reached)}", days_left) if reached else None
    late = -days_left
    reached = [m for m in settings.BANSOS_LPJ_REMINDER_DAYS_OVERDUE if late >= m]
    return (f"{OVERDUE}-{max(reached)}", late) if reached else None


def recipients(grant: Grant) -> list[str]:
    """The institution's address and the responsible operator's, once each."""
    found = [grant.institution.email, getattr(grant.proposed_by, "email", "")]
    unique: list[str] = []
    for address in found:
        address = (address or "").strip()
        if address and address.lower() not in {a.lower() for a in unique}:
            unique.append(address)
    return unique


def owing(today: datetime.date):
    """Disbursed grants without an LPJ whose due date is near or past."""
    horizon = today + datetime.timedelta(
        days=max(settings.BANSOS_LPJ_REMINDER_DAYS_BEFORE, default=0)
    )
    return (
        Grant.objects.filter(
            status=Grant.Status.DISBURSED,
            accountability_report__isnull=True,
            program__lpj_due_date__lte=horizon,
        )
        .select_related("program", "institution", "proposed_by")
        .order_by("program__lpj_due_date", "pk")
    )


def _message(grant: Grant, kind: str, days: int) -> tuple[str, str]:
    due = grant.program.lpj_due_date
    context = {
        "grant": grant,
        "institution": grant.institution.name,
        "program": grant.program.name,
        "year": grant.program.year,
        "amount": rupiah(disbursed_total(grant)),
        "due_date": due.strftime("%d/%m/%Y"),
        "days": days,
    }
    overdue = kind.startswith(OVERDUE)
    template = "lpj_reminder_overdue" if overdue else "lpj_reminder_before"
    body = render_to_string(f"grants/email/{template}.txt", context)
    subject = render_to_string(f"grants/email/{template}_subject.txt", context)
    return " ".join(subject.split()), body


def _send(reminder_pk: int, subject: str, body: str, summary: ReminderSummary):
    """Send one recorded reminder unless it went out or another run has it."""
    with transaction.atomic():
        reminder = (
            LpjReminder.objects.select_for_update(skip_locked=True)
            .filter(pk=reminder_pk, sent_at__isnull=True)
            .first()
        )
        if reminder is None:
            summary.already_sent += 1
            return
        reminder.attempts += 1
        try:
            send_mail(
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                [reminder.recipient],
                fail_silently=False,
            )
        except (smtplib.SMTPException, OSError) as error:
            reminder.last_error = f"{type(error).__name__}: {error}"[:1000]
            reminder.save(update_fields=["attempts", "last_error"])
            summary.failed += 1
            summary.errors.append(f"{reminder.recipient}: {reminder.last_error}")
            logger.warning(
                "LPJ reminder %s for grant %s to %s not sent: %s",
                reminder.kind,
                reminder.grant_id,
                reminder.recipient,
                reminder.last_error,
            )
            return
        reminder.sent_at = timezone.now()
        reminder.last_error = ""
        reminder.save(update_fields=["attempts", "last_error", "sent_at"])
        summary.sent += 1


def send_lpj_reminders(today: datetime.date | None = None) -> ReminderSummary:
    """E-mail the reminders due today (WITA) that were not sent yet."""
    today = today or timezone.localdate()
    summary = ReminderSummary()
    with translation.override(settings.LANGUAGE_CODE):
        for grant in owing(today):
            due_now = moment(grant.program.lpj_due_date, today)
            if due_now is None:
                continue
            kind, days = due_now
            addresses = recipients(grant)
            if not addresses:
                summary.without_recipient += 1
                continue
            subject, body = _message(grant, kind, days)
            for address in addresses:
                summary.due += 1
                reminder, _created = LpjReminder.objects.get_or_create(
                    grant=grant,
                    kind=kind,
                    recipient=address,
                    defaults={"due_date": grant.program.lpj_due_date},
                )
                if reminder.sent_at is not None:
                    summary.already_sent += 1
                    continue
                _send(reminder.pk, subject, body, summary)
    return summary
