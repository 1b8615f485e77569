"""Background tasks of the grants: the daily LPJ reminders."""

from django_tasks import task

from .reminders import send_lpj_reminders


@task()
def send_lpj_reminders_task() -> dict:
    """Send the LPJ reminders due today; enqueue it once a day.

    Safe to run twice: a reminder already recorded is not sent again.
    """
    return send_lpj_reminders().as_dict()
