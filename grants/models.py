import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.uploads import generated_name
from institutions.models import (
    AppendOnlyModel,
    Institution,
    TimeStampedModel,
    choices_check,
    regency_scope,
)


def nphd_upload_to(grant: "Grant", filename: str) -> str:
    return generated_name(f"bantuan/{grant.pk}/nphd", filename)


def lpj_upload_to(evidence: "LpjEvidence", filename: str) -> str:
    return generated_name(f"bantuan/{evidence.report.grant_id}/lpj", filename)


def refund_upload_to(report: "AccountabilityReport", filename: str) -> str:
    return generated_name(f"bantuan/{report.grant_id}/setoran", filename)


def default_checklist() -> list[str]:
    return list(settings.BANSOS_DEFAULT_CHECKLIST)


def default_lpj_due_date(year: int) -> datetime.date:
    """LPJ falls due on a fixed day of January after the programme's year."""
    return datetime.date(year + 1, 1, settings.BANSOS_LPJ_DUE_DAY)


class SpendingType(models.TextChoices):
    HIBAH = "hibah", _("Hibah")
    BANSOS = "bansos", _("Bantuan sosial")


class ProgramQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def open_for_proposals(self, today: datetime.date):
        """Open programmes of this year or next: the only ones that take proposals."""
        return self.open().filter(year__in=(today.year, today.year + 1))

    def with_committed_total(self):
        """Annotate what approved and aided grants take of each ceiling."""
        committed = (
            Grant.objects.committed()
            .filter(program=models.OuterRef("pk"))
            .order_by()
            .values("program")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            committed_total=models.functions.Coalesce(
                models.Subquery(committed), models.Value(0)
            )
        )


class Program(TimeStampedModel):
    SpendingType = SpendingType

    year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    name = models.CharField(_("nama program"), max_length=200)
    spending_type = models.CharField(
        _("jenis belanja"),
        max_length=10,
        choices=SpendingType.choices,
        default=SpendingType.HIBAH,
    )
    covers_wksbm = models.BooleanField(_("untuk WKSBM"), default=True)
    covers_karang_taruna = models.BooleanField(_("untuk Karang Taruna"), default=True)
    covers_lksa = models.BooleanField(_("untuk LKSA"), default=True)
    budget_ceiling = models.BigIntegerField(
        _("pagu anggaran (Rp)"), help_text=_("Dalam rupiah penuh, tanpa sen.")
    )
    decree_number = models.CharField(_("nomor SK Gubernur"), max_length=100, blank=True)
    decree_date = models.DateField(_("tanggal SK Gubernur"), null=True, blank=True)
    lpj_due_date = models.DateField(
        _("batas LPJ"),
        blank=True,
        help_text=_("Kosongkan untuk memakai 10 Januari tahun berikutnya."),
    )
    checklist = models.JSONField(
        _("daftar periksa dokumen"), default=default_checklist, blank=True
    )
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditutup oleh"),
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program bantuan")
        verbose_name_plural = _("program bantuan")
        ordering = ["-year", "name"]
        constraints = [
            choices_check("spending_type", SpendingType, "program_spending_type_valid"),
            models.CheckConstraint(
                # Reports keep aided years as bits of a 64-bit integer from 2000.
                condition=Q(year__gte=2000, year__lte=2060),
                name="program_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(budget_ceiling__gt=0),
                name="program_budget_ceiling_positive",
                violation_error_message=_("Pagu anggaran harus lebih dari nol."),
            ),
            models.CheckConstraint(
                condition=Q(covers_wksbm=True)
                | Q(covers_karang_taruna=True)
                | Q(covers_lksa=True),
                name="program_covers_some_kind",
                violation_error_message=_("Pilih paling sedikit satu jenis lembaga."),
            ),
            models.CheckConstraint(
                condition=Q(lpj_due_date__year__gt=F("year")),
                name="program_lpj_due_after_year",
                violation_error_message=_(
                    "Batas LPJ harus jatuh setelah tahun anggaran berakhir."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_by__isnull=True)
                | Q(closed_at__isnull=False),
                name="program_closed_by_only_when_closed",
            ),
            models.UniqueConstraint(
                fields=["year", "name"],
                name="unique_program_name_per_year",
                violation_error_message=_(
                    "Program dengan tahun dan nama ini sudah ada."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def save(self, *args, **kwargs):
        if self.lpj_due_date is None and self.year:
            self.lpj_due_date = default_lpj_due_date(self.year)
        super().save(*args, **kwargs)

    def clean(self):
        if self.lpj_due_date is None and self.year:
            self.lpj_due_date = default_lpj_due_date(self.year)
        super().clean()

    def get_absolute_url(self) -> str:
        return reverse("grants:program_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_hibah(self) -> bool:
        return self.spending_type == SpendingType.HIBAH

    @property
    def eligible_kinds(self) -> list[str]:
        flags = {
            Institution.Kind.WKSBM: self.covers_wksbm,
            Institution.Kind.KARANG_TARUNA: self.covers_karang_taruna,
            Institution.Kind.LKSA: self.covers_lksa,
        }
        return [kind for kind, covered in flags.items() if covered]

    def covers(self, kind: str) -> bool:
        return kind in self.eligible_kinds


class GrantQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(program__year=year)

    def with_status(self, *statuses: str):
        return self.filter(status__in=statuses)

    def aided(self):
        """Grants whose money reached the institution."""
        return self.filter(status__in=Grant.AIDED_STATUSES)

    def committed(self):
        """Grants that count against the programme's budget ceiling."""
        return self.filter(status__in=Grant.COMMITTED_STATUSES)

    def committed_total(self) -> int:
        """What these grants take of a budget ceiling: approved and aided amounts."""
        return self.committed().aggregate(total=Sum("amount", default=0))["total"]

    @staticmethod
    def bank_change_pending_condition() -> Q:
        """The condition of `bank_change_pending`, for filters and filtered counts."""
        return Q(status__in=Grant.BANK_CHECKED_STATUSES) & (
            ~Q(verified_bank_name=F("institution__bank_name"))
            | ~Q(verified_account_number=F("institution__account_number"))
            | ~Q(verified_account_holder=F("institution__account_holder"))
        )

    def bank_change_pending(self):
        """Grants still to be paid whose institution's account is not the verified one."""
        return self.filter(self.bank_change_pending_condition())

    def in_regency(self, regency_code: str):
        return self.filter(institution__village__district__regency_id=regency_code)

    def visible_to(self, user):
        scope = regency_scope(user)
        if scope is None:
            return self
        return self.filter(institution__village__district__regency_id__in=scope)

    def overdue_lpj(self, today: datetime.date):
        """Disbursed grants whose LPJ is past due and not handed in."""
        return self.filter(
            status=GrantStatus.DISBURSED,
            program__lpj_due_date__lt=today,
            accountability_report__isnull=True,
        )

    def events(self):
        """The audit rows of these grants (e.g. `institution.grants.events()`)."""
        return GrantEvent.objects.filter(grant__in=self)

    def with_disbursed_total(self):
        return self.annotate(
            disbursed_total=models.functions.Coalesce(
                Sum("disbursements__amount"), models.Value(0)
            )
        )


class GrantStatus(models.TextChoices):
    PROPOSED = "proposed", _("Diusulkan")
    NEEDS_REVISION = "needs_revision", _("Perlu perbaikan")
    VERIFIED = "verified", _("Terverifikasi")
    APPROVED = "approved", _("Disetujui")
    DISBURSED = "disbursed", _("Disalurkan")
    REFUND_DUE = "refund_due", _("Wajib setor kembali")
    CLOSED = "closed", _("Selesai")
    REJECTED = "rejected", _("Ditolak")


class Grant(TimeStampedModel):
    Status = GrantStatus

    # The grant workflow (docs/workflow.md); only transition_grant changes a status.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PROPOSED: frozenset(
            {Status.VERIFIED, Status.NEEDS_REVISION, Status.REJECTED}
        ),
        Status.NEEDS_REVISION: frozenset({Status.PROPOSED, Status.REJECTED}),
        Status.VERIFIED: frozenset(
            {Status.APPROVED, Status.NEEDS_REVISION, Status.REJECTED}
        ),
        # A revision after approval sends the grant back to verification.
        Status.APPROVED: frozenset({Status.DISBURSED, Status.PROPOSED}),
        Status.DISBURSED: frozenset({Status.CLOSED, Status.REFUND_DUE}),
        Status.REFUND_DUE: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
        Status.REJECTED: frozenset(),
    }
    AIDED_STATUSES = (Status.DISBURSED, Status.REFUND_DUE, Status.CLOSED)
    COMMITTED_STATUSES = (Status.APPROVED, *AIDED_STATUSES)
    # Verified and not yet paid in full: payment goes to the verified account.
    BANK_CHECKED_STATUSES = (Status.VERIFIED, Status.APPROVED)

    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("program"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("lembaga"),
    )
    amount = models.BigIntegerField(
        _("nilai bantuan (Rp)"), help_text=_("Dalam rupiah penuh, tanpa sen.")
    )
    purpose = models.TextField(_("peruntukan"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    checklist_results = models.JSONField(
        _("hasil verifikasi dokumen"), default=dict, blank=True
    )
    decree_number = models.CharField(
        _("nomor SK penetapan"), max_length=100, blank=True
    )
    decree_date = models.DateField(_("tanggal SK penetapan"), null=True, blank=True)
    nphd_number = models.CharField(_("nomor NPHD"), max_length=100, blank=True)
    nphd_date = models.DateField(_("tanggal NPHD"), null=True, blank=True)
    nphd_scan = models.FileField(
        _("pindaian NPHD"), upload_to=nphd_upload_to, blank=True, max_length=255
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_grants",
        verbose_name=_("diusulkan oleh"),
    )
    # The Pimpinan's exception this proposal was made under, if any.
    eligibility_override = models.OneToOneField(
        "EligibilityOverride",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant",
        verbose_name=_("pengecualian kelayakan"),
    )
    # Who did each step, for the separation of duties: whoever last set the
    # amount or purpose may not check it, the verifier may not approve it,
    # the approver may not pay it.
    content_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nilai/peruntukan terakhir diubah oleh"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diverifikasi oleh"),
    )
    verified_at = models.DateTimeField(_("waktu verifikasi"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disetujui oleh"),
    )
    approved_at = models.DateTimeField(_("waktu persetujuan"), null=True, blank=True)
    # The account a checker verified: money goes there and nowhere else.
    verified_bank_name = models.CharField(
        _("bank terverifikasi"), max_length=100, blank=True, default="", db_default=""
    )
    verified_account_number = models.CharField(
        _("nomor rekening terverifikasi"),
        max_length=30,
        blank=True,
        default="",
        db_default="",
    )
    verified_account_holder = models.CharField(
        _("nama rekening terverifikasi"),
        max_length=150,
        blank=True,
        default="",
        db_default="",
    )
    bank_verified_at = models.DateTimeField(
        _("waktu rekening diverifikasi"), null=True, blank=True
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("dibuat oleh impor"),
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("bantuan")
        verbose_name_plural = _("bantuan")
        ordering = ["-created_at", "-pk"]
        constraints = [
            choices_check("status", GrantStatus, "grant_status_valid"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="grant_amount_positive",
                violation_error_message=_("Nilai bantuan harus lebih dari nol."),
            ),
            models.UniqueConstraint(
                fields=["program", "institution"],
                name="unique_grant_per_program_institution",
                violation_error_message=_(
                    "Lembaga ini sudah tercatat dalam program tersebut."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=["approved", "disbursed", "refund_due", "closed"]
                )
                | ~Q(decree_number=""),
                name="grant_approved_has_decree",
                violation_error_message=_(
                    "Bantuan yang disetujui harus memiliki nomor SK penetapan."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="grant_status"),
        ]
        permissions = [
            ("propose_grant", _("Dapat mengusulkan bantuan")),
            ("verify_grant", _("Dapat memverifikasi bantuan")),
            ("approve_grant", _("Dapat menyetujui bantuan")),
            ("disburse_grant", _("Dapat mencatat penyaluran bantuan")),
            ("record_nphd", _("Dapat mencatat NPHD")),
            (
                "import_historical_grant",
                _("Dapat mengimpor bantuan lama yang sudah disalurkan"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} - {self.program}"

    def get_absolute_url(self) -> str:
        return reverse("grants:grant_detail", args=[self.pk])

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_aided(self) -> bool:
        return self.status in self.AIDED_STATUSES

    def disbursed_amount(self) -> int:
        return self.disbursements.aggregate(total=Sum("amount"))["total"] or 0

    @property
    def version(self) -> str:
        """Changes whenever the grant is saved: what an action form carries."""
        return self.updated_at.isoformat() if self.updated_at else ""

    @property
    def verified_account(self) -> tuple[str, str, str]:
        return (
            self.verified_bank_name,
            self.verified_account_number,
            self.verified_account_holder,
        )

    @property
    def bank_change_pending(self) -> bool:
        """The institution's account is no longer the one a checker verified."""
        return (
            self.status in self.BANK_CHECKED_STATUSES
            and self.verified_account != self.institution.bank_account
        )


class GrantEventKind(models.TextChoices):
    STATUS = "status", _("Perubahan status")
    NPHD = "nphd", _("NPHD dicatat")
    BANK_CHANGED = "bank_changed", _("Rekening lembaga berubah")
    BANK_CONFIRMED = "bank_confirmed", _("Rekening baru dikonfirmasi")


class GrantEvent(AppendOnlyModel):
    """One recorded step of a grant: never edited, never deleted.

    A status change has its `from_status` and `to_status`; the other steps
    (NPHD, bank account changed or confirmed) keep the status as it was.
    """

    Kind = GrantEventKind

    grant = models.ForeignKey(
        Grant,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("bantuan"),
    )
    from_status = models.CharField(
        _("dari status"), max_length=20, choices=GrantStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("ke status"), max_length=20, choices=GrantStatus.choices
    )
    kind = models.CharField(
        _("jenis catatan"),
        max_length=20,
        choices=GrantEventKind.choices,
        default=GrantEventKind.STATUS,
        db_default=GrantEventKind.STATUS,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant_events",
        verbose_name=_("oleh"),
    )
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("riwayat status bantuan")
        verbose_name_plural = _("riwayat status bantuan")
        ordering = ["grant", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status="") | Q(from_status__in=GrantStatus.values),
                name="grant_event_from_status_valid",
            ),
            choices_check("to_status", GrantStatus, "grant_event_to_status_valid"),
            choices_check("kind", GrantEventKind, "grant_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.from_status or '-'} -> {self.to_status}"


class Disbursement(models.Model):
    grant = models.ForeignKey(
        Grant,
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=_("bantuan"),
    )
    paid_on = models.DateField(_("tanggal salur"))
    amount = models.BigIntegerField(_("jumlah (Rp)"))
    transfer_reference = models.CharField(
        _("nomor bukti transfer"), max_length=100, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    # The verified account the money went to, as it was on the day.
    paid_to_bank_name = models.CharField(
        _("bank tujuan"), max_length=100, blank=True, default="", db_default=""
    )
    paid_to_account_number = models.CharField(
        _("nomor rekening tujuan"), max_length=30, blank=True, default="", db_default=""
    )
    paid_to_account_holder = models.CharField(
        _("nama rekening tujuan"), max_length=150, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("penyaluran")
        verbose_name_plural = _("penyaluran")
        ordering = ["grant", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="disbursement_amount_positive",
                violation_error_message=_("Jumlah penyaluran harus lebih dari nol."),
            ),
            models.UniqueConstraint(
                fields=["transfer_reference"],
                condition=~Q(transfer_reference=""),
                name="unique_transfer_reference",
                violation_error_message=_("Nomor bukti transfer ini sudah tercatat."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} - {self.paid_on:%d/%m/%Y}"


class LpjStatus(models.TextChoices):
    """Where a recorded LPJ is in its review (LpjState reuses these labels)."""

    SUBMITTED = "submitted", _("Diserahkan")
    NEEDS_REVISION = "needs_revision", _("Perlu perbaikan")
    ACCEPTED = "accepted", _("Diterima")


class LpjState(models.TextChoices):
    """Where a paid grant's LPJ stands, in the words every page, filter and
    report uses. The values are those of the LPJ list's `keadaan` filter, which
    links and bookmarks carry (hence `diperiksa` for "Diserahkan")."""

    NOT_SUBMITTED = "belum", _("Belum diserahkan")
    OVERDUE = "terlambat", _("Terlambat")
    SUBMITTED = "diperiksa", LpjStatus.SUBMITTED.label
    NEEDS_REVISION = "perbaikan", LpjStatus.NEEDS_REVISION.label
    ACCEPTED = "diterima", LpjStatus.ACCEPTED.label

    @classmethod
    def of(cls, grant: "Grant", today: datetime.date) -> "LpjState | None":
        """The grant's LPJ state; None while the grant is unpaid and owes none."""
        if not grant.is_aided:
            return None
        try:
            report = grant.accountability_report
        except ObjectDoesNotExist:
            overdue = grant.program.lpj_due_date < today
            return cls.OVERDUE if overdue else cls.NOT_SUBMITTED
        return {
            LpjStatus.SUBMITTED: cls.SUBMITTED,
            LpjStatus.NEEDS_REVISION: cls.NEEDS_REVISION,
            LpjStatus.ACCEPTED: cls.ACCEPTED,
        }[report.status]


class AccountabilityReport(TimeStampedModel):
    """The grantee's LPJ: how the money was used, and any refund owed."""

    Status = LpjStatus

    grant = models.OneToOneField(
        Grant,
        on_delete=models.PROTECT,
        related_name="accountability_report",
        verbose_name=_("bantuan"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_on = models.DateField(_("tanggal diserahkan"))
    amount_spent = models.BigIntegerField(_("dana terpakai (Rp)"), default=0)
    refund_amount = models.BigIntegerField(_("sisa dana disetor (Rp)"), default=0)
    refund_reference = models.CharField(
        _("nomor bukti setor"), max_length=100, blank=True
    )
    refunded_on = models.DateField(_("tanggal setor"), null=True, blank=True)
    refund_proof = models.FileField(
        _("bukti setor"), upload_to=refund_upload_to, blank=True, max_length=255
    )
    # The submission round in force (LpjRound.number); 0 for an LPJ recorded
    # before evidence was kept.
    round = models.PositiveSmallIntegerField(_("putaran"), default=0)
    has_usage_report = models.BooleanField(_("laporan penggunaan dana"), default=False)
    has_signed_statement = models.BooleanField(_("SPTJ ditandatangani"), default=False)
    has_receipts = models.BooleanField(_("bukti pengeluaran"), default=False)
    note = models.TextField(_("catatan"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diperiksa oleh"),
    )
    reviewed_at = models.DateTimeField(_("waktu diperiksa"), null=True, blank=True)

    class Meta:
        verbose_name = _("LPJ")
        verbose_name_plural = _("LPJ")
        ordering = ["-submitted_on"]
        constraints = [
            choices_check("status", LpjStatus, "lpj_status_valid"),
            models.CheckConstraint(
                condition=Q(amount_spent__gte=0) & Q(refund_amount__gte=0),
                name="lpj_amounts_not_negative",
                violation_error_message=_("Jumlah tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(refunded_on__isnull=True) | ~Q(refund_reference=""),
                name="lpj_refund_has_reference",
                violation_error_message=_(
                    "Setoran kembali harus disertai nomor bukti setor."
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("LPJ %(grant)s") % {"grant": self.grant}

    @property
    def version(self) -> str:
        """Changes whenever the report is saved: what a reviewer's form carries."""
        return self.updated_at.isoformat() if self.updated_at else ""

    def clean(self):
        super().clean()
        if self.grant_id and self.amount_spent + self.refund_amount > self.grant.amount:
            raise ValidationError(
                _("Dana terpakai dan sisa dana melebihi nilai bantuan.")
            )


class LpjEvidenceKind(models.TextChoices):
    USAGE_REPORT = "penggunaan", _("Laporan penggunaan dana")
    SIGNED_STATEMENT = "sptj", _("SPTJ ditandatangani")
    RECEIPTS = "kuitansi", _("Bukti pengeluaran (kuitansi)")
    PHOTOS = "foto", _("Foto kegiatan")


class LpjEvidence(models.Model):
    """One evidence file of an LPJ, uploaded in a submission round.

    Files are never replaced: a corrected item is a new file in a later round.
    The item's evidence in force is its files of its latest round.
    """

    Kind = LpjEvidenceKind
    # What an LPJ of a hibah or bansos consists of (Permendagri 32/2011 as
    # amended, art. 19 and 38): the report on the use of the money, the signed
    # statement of responsibility and the receipts. Activity photos support it:
    # reviewed when brought, never required.
    REQUIRED_KINDS = (
        LpjEvidenceKind.USAGE_REPORT,
        LpjEvidenceKind.SIGNED_STATEMENT,
        LpjEvidenceKind.RECEIPTS,
    )

    report = models.ForeignKey(
        "AccountabilityReport",
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("LPJ"),
    )
    kind = models.CharField(_("jenis bukti"), max_length=20, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("putaran"))
    file = models.FileField(_("berkas"), upload_to=lpj_upload_to, max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )
    uploaded_at = models.DateTimeField(_("waktu unggah"), auto_now_add=True)

    class Meta:
        verbose_name = _("bukti LPJ")
        verbose_name_plural = _("bukti LPJ")
        ordering = ["report", "kind", "round", "pk"]
        constraints = [
            choices_check("kind", LpjEvidenceKind, "lpj_evidence_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.round})"


class LpjRound(models.Model):
    """One submission of an LPJ and its review: every round is kept."""

    report = models.ForeignKey(
        "AccountabilityReport",
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("LPJ"),
    )
    number = models.PositiveSmallIntegerField(_("putaran"))
    submitted_on = models.DateField(_("tanggal diserahkan"))
    amount_spent = models.BigIntegerField(_("dana terpakai (Rp)"))
    refund_amount = models.BigIntegerField(_("sisa dana disetor (Rp)"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    submitted_at = models.DateTimeField(_("waktu dicatat"), auto_now_add=True)
    accepted = models.BooleanField(_("diterima"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diperiksa oleh"),
    )
    reviewed_at = models.DateTimeField(_("waktu diperiksa"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("putaran LPJ")
        verbose_name_plural = _("putaran LPJ")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="unique_lpj_round_number"
            ),
            models.CheckConstraint(
                condition=Q(amount_spent__gte=0) & Q(refund_amount__gte=0),
                name="lpj_round_amounts_not_negative",
                violation_error_message=_("Jumlah tidak boleh negatif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.number}"


class LpjItemReview(models.Model):
    """The verifier's finding on one evidence item in one round."""

    round = models.ForeignKey(
        LpjRound,
        on_delete=models.CASCADE,
        related_name="item_reviews",
        verbose_name=_("putaran"),
    )
    kind = models.CharField(
        _("jenis bukti"), max_length=20, choices=LpjEvidenceKind.choices
    )
    in_order = models.BooleanField(_("sesuai"))
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("pemeriksaan bukti LPJ")
        verbose_name_plural = _("pemeriksaan bukti LPJ")
        ordering = ["round", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "kind"], name="unique_lpj_item_review"
            ),
            choices_check("kind", LpjEvidenceKind, "lpj_item_review_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.get_kind_display()}"


class EligibilityOverride(models.Model):
    """A Pimpinan's decision to let an institution be proposed in a programme
    despite missing or expired documents or an overdue LPJ, with the reason.

    Shown on the grant proposed under it.
    """

    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        related_name="eligibility_overrides",
        verbose_name=_("program"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="eligibility_overrides",
        verbose_name=_("lembaga"),
    )
    reason = models.TextField(_("alasan"))
    problems = models.JSONField(
        _("kendala yang dikecualikan"), default=list, blank=True
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diberikan oleh"),
    )
    granted_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("pengecualian kelayakan")
        verbose_name_plural = _("pengecualian kelayakan")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "institution"],
                name="unique_eligibility_override",
                violation_error_message=_(
                    "Lembaga ini sudah mendapat pengecualian dalam program ini."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="eligibility_override_has_reason",
                violation_error_message=_("Alasan pengecualian wajib diisi."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} / {self.program}"


class LpjReminder(models.Model):
    """One reminder sent (or due to be sent) about a grant's LPJ.

    `kind` names the moment (e.g. `sebelum-14`, `terlambat-1`); a reminder is
    recorded once per grant, moment and recipient, so none is sent twice. A
    row without `sent_at` failed to go out and is tried again on the next run.
    """

    grant = models.ForeignKey(
        Grant,
        on_delete=models.PROTECT,
        related_name="lpj_reminders",
        verbose_name=_("bantuan"),
    )
    kind = models.CharField(_("jenis pengingat"), max_length=30)
    recipient = models.EmailField(_("penerima"))
    due_date = models.DateField(_("batas LPJ"))
    created_at = models.DateTimeField(_("waktu dibuat"), auto_now_add=True)
    sent_at = models.DateTimeField(_("waktu terkirim"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)

    class Meta:
        verbose_name = _("pengingat LPJ")
        verbose_name_plural = _("pengingat LPJ")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "kind", "recipient"], name="unique_lpj_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.kind} {self.recipient}"
