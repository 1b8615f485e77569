"""Model building blocks every app uses, and the personal-data access log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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


class DataAccessAction(models.TextChoices):
    EXPORT = "export", _("ekspor")
    FULL_NIK_VIEW = "full_nik_view", _("melihat NIK lengkap")
    FULL_ACCOUNT_VIEW = "full_account_view", _("melihat nomor rekening lengkap")
    NIK_SEARCH = "nik_search", _("pencarian NIK")


class DataAccessLog(models.Model):
    """Who took personal data out or saw it whole, and when (UU PDP 27/2022).

    Append-only: written once by `common.access_log.log_data_access`, never
    changed; the admin shows it read-only.
    """

    Action = DataAccessAction

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("pengguna"),
    )
    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices)
    what = models.CharField(_("data"), max_length=255)
    filters = models.TextField(_("saringan"), blank=True)
    rows = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("log akses data pribadi")
        verbose_name_plural = _("log akses data pribadi")
        ordering = ["-at", "-pk"]
        constraints = [
            choices_check("action", DataAccessAction, "data_access_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_action_display()}: {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Data access log rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Data access log rows are append-only.")
