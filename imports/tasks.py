"""Background tasks of the imports: confirming a large list."""

from django_tasks import task

from .batches import confirm_queued


@task()
def confirm_in_background(batch_id: int) -> str:
    """Import a batch queued by `batches.queue_confirm`; return its final status."""
    return confirm_queued(batch_id).status
