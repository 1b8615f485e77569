"""Summary tables behind the reports.

Reports at national scale cannot count a million grants per request, so they
read these tables, which `reports.summary` rebuilds one year at a time when
a year has been marked stale. An institution sits in exactly one district,
so distinct institutions per district add up to regencies and the province;
over a range of years they do not, hence the per-institution year mask.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models import GrantStatus
from institutions.models import District, Institution, InstitutionKind, Regency


class SummaryState(models.Model):
    year = models.PositiveSmallIntegerField(_("tahun"), primary_key=True)
    stale = models.BooleanField(_("perlu dihitung ulang"), default=True)
    refreshed_at = models.DateTimeField(_("dihitung"), null=True, blank=True)

    class Meta:
        verbose_name = _("status ringkasan")
        verbose_name_plural = _("status ringkasan")

    def __str__(self) -> str:
        return str(self.year)


class StatusSummary(models.Model):
    """Grants of one year, kind, district and status."""

    year = models.PositiveSmallIntegerField(_("tahun"))
    kind = models.CharField(
        _("jenis lembaga"), max_length=20, choices=InstitutionKind.choices
    )
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=GrantStatus.choices)
    grants = models.PositiveIntegerField(_("bantuan"))
    amount = models.BigIntegerField(_("nilai"))

    class Meta:
        verbose_name = _("ringkasan status")
        verbose_name_plural = _("ringkasan status")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind", "district", "status"],
                name="unique_status_summary_cell",
            ),
        ]
        indexes = [models.Index(fields=["year", "regency"], name="status_summary_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.district_id} {self.status}"


class AidSummary(models.Model):
    """Aided (disbursed, refund due or closed) grants of one year, kind and district."""

    year = models.PositiveSmallIntegerField(_("tahun"))
    kind = models.CharField(
        _("jenis lembaga"), max_length=20, choices=InstitutionKind.choices
    )
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    institutions = models.PositiveIntegerField(_("lembaga"))
    grants = models.PositiveIntegerField(_("bantuan"))
    amount = models.BigIntegerField(_("nilai"))

    class Meta:
        verbose_name = _("ringkasan bantuan tersalur")
        verbose_name_plural = _("ringkasan bantuan tersalur")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind", "district"], name="unique_aid_summary_cell"
            ),
            models.CheckConstraint(
                condition=Q(institutions__lte=models.F("grants")),
                name="aid_summary_institutions_not_above_grants",
            ),
        ]
        indexes = [models.Index(fields=["year", "regency"], name="aid_summary_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.district_id}"


class LpjSummary(models.Model):
    """Accountability of aided grants of one programme and district."""

    year = models.PositiveSmallIntegerField(_("tahun"))
    program = models.ForeignKey(
        "grants.Program", on_delete=models.CASCADE, related_name="+"
    )
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    aided = models.PositiveIntegerField(_("wajib LPJ"))
    not_submitted = models.PositiveIntegerField(_("belum diserahkan"))
    submitted = models.PositiveIntegerField(_("diserahkan"))
    accepted = models.PositiveIntegerField(_("diterima"))
    in_review = models.PositiveIntegerField(_("menunggu pemeriksaan"), default=0)
    refund_due = models.PositiveIntegerField(_("wajib setor kembali"))
    refund_due_amount = models.BigIntegerField(_("nilai wajib setor"))

    class Meta:
        verbose_name = _("ringkasan LPJ")
        verbose_name_plural = _("ringkasan LPJ")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "district"], name="unique_lpj_summary_cell"
            ),
        ]
        indexes = [models.Index(fields=["year", "regency"], name="lpj_summary_year")]

    def __str__(self) -> str:
        return f"{self.program_id} {self.district_id}"


class InstitutionAidYears(models.Model):
    """The years in which an institution was aided, as bits (bit n = year 2000 + n)."""

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    kind = models.CharField(
        _("jenis lembaga"), max_length=20, choices=InstitutionKind.choices
    )
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    years_mask = models.BigIntegerField(_("tahun dibantu"), default=0)

    class Meta:
        verbose_name = _("tahun lembaga dibantu")
        verbose_name_plural = _("tahun lembaga dibantu")
        indexes = [
            models.Index(fields=["kind", "regency"], name="aid_years_kind_regency")
        ]

    def __str__(self) -> str:
        return str(self.institution_id)


BASE_YEAR = 2000


def year_bit(year: int) -> int:
    return 1 << (year - BASE_YEAR)


def range_mask(first: int, last: int) -> int:
    mask = 0
    for year in range(first, last + 1):
        mask |= year_bit(year)
    return mask
