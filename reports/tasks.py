"""Background tasks of the reports: recount a year's summaries after a change."""

from django_tasks import task

from .summary import recount_if_stale


@task()
def recount_year(year: int) -> bool:
    """Recount one year's summaries unless a recount since the change did it.

    Safe to run twice at once: the second waits for the first and then finds
    the year counted. Returns whether it recounted.
    """
    return recount_if_stale(year)
