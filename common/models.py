"""Model building blocks every app uses."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def choices_check(field: str, choices: type[models.TextChoices], name: str):
    """A check constraint that holds a choices field to its choices."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=name
    )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        abstract = True
