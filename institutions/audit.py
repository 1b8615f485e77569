"""Who changed a record and when, kept in Django's admin log for every channel
(browser forms, admin, imports) so that one timeline shows them all."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models


def record_change(
    user, obj: models.Model, *, created: bool, changed_fields: list[str] = ()
) -> LogEntry:
    """Write one history row for a created or changed object."""
    if created:
        message = [{"added": {}}]
    else:
        message = [{"changed": {"fields": list(changed_fields)}}]
    return LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=ADDITION if created else CHANGE,
        change_message=message,
        single_object=True,
    )


def history(obj: models.Model):
    """The history rows of one object, newest first."""
    return (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(
                obj, for_concrete_model=False
            ),
            object_id=str(obj.pk),
        )
        .select_related("user")
        .order_by("-action_time")
    )
