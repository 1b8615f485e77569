"""One uploaded list and what became of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.models import choices_check


class ImportKind(models.TextChoices):
    RECIPIENTS = "penerima", _("Daftar penerima bantuan")
    INSTITUTIONS = "lembaga", _("Daftar lembaga")
    BENEFICIARIES = "penerima_manfaat", _("Daftar penerima manfaat")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Menunggu konfirmasi")
    # Confirmed and being written by a background task (a large list).
    CONFIRMING = "confirming", _("Sedang disimpan")
    IMPORTED = "imported", _("Diimpor")
    REJECTED = "rejected", _("Ditolak")
    # The database refused the write (e.g. a conflict); nothing was kept.
    FAILED = "failed", _("Gagal")
    # Previewed but never confirmed; its file is deleted after the retention period.
    ABANDONED = "abandoned", _("Tidak dikonfirmasi")


def import_upload_to(batch: "ImportBatch", filename: str) -> str:
    # The stored name never comes from the user; the original is kept in file_name.
    return f"imports/{batch.sha256[:2]}/{batch.sha256}"


class ImportBatch(models.Model):
    """One uploaded list: the file, who brought it in, and what it did."""

    Kind = ImportKind
    Status = ImportStatus

    kind = models.CharField(_("jenis impor"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    # Empty once the retention period removed the file of an unconfirmed preview.
    file = models.FileField(
        _("berkas"), upload_to=import_upload_to, max_length=255, blank=True
    )
    file_name = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("ukuran (bita)"))
    options = models.JSONField(_("pilihan"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("baris"), default=0)
    rows_new = models.PositiveIntegerField(_("baru"), default=0)
    rows_updated = models.PositiveIntegerField(_("diperbarui"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("tidak berubah"), default=0)
    rows_rejected = models.PositiveIntegerField(_("ditolak"), default=0)
    warnings_count = models.PositiveIntegerField(_("peringatan"), default=0)
    report = models.JSONField(_("laporan"), default=dict, blank=True)
    # Why the batch was rejected, failed or abandoned, in the user's words.
    reason = models.TextField(_("alasan"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dikonfirmasi oleh"),
    )
    imported_at = models.DateTimeField(_("diimpor"), null=True, blank=True)

    class Meta:
        verbose_name = _("impor data")
        verbose_name_plural = _("impor data")
        ordering = ["-created_at", "-pk"]
        constraints = [
            choices_check("kind", ImportKind, "import_batch_kind_valid"),
            choices_check("status", ImportStatus, "import_batch_status_valid"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="import_batch_sha256_hex",
            ),
            models.CheckConstraint(
                condition=Q(status="imported", imported_at__isnull=False)
                | (~Q(status="imported") & Q(imported_at__isnull=True)),
                name="import_batch_imported_at_iff_imported",
            ),
        ]

    def __str__(self) -> str:
        return _("Impor #%(pk)s %(name)s") % {"pk": self.pk, "name": self.file_name}

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def can_confirm(self) -> bool:
        return self.status == self.Status.PREVIEWED

    @property
    def is_confirming(self) -> bool:
        return self.status == self.Status.CONFIRMING
