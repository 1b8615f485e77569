import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.masking import mask_nik
from common.models import TimeStampedModel, choices_check
from common.text import normalize_name
from common.uploads import generated_name

from .validators import validate_digits, validate_nik, validate_npwp, validate_phone

# Regions ------------------------------------------------------------------


class RegencyKind(models.TextChoices):
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")


class Regency(models.Model):
    Kind = RegencyKind

    code = models.CharField(_("kode Kemendagri"), max_length=5, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("kabupaten/kota")
        verbose_name_plural = _("kabupaten/kota")
        ordering = ["code"]
        constraints = [
            choices_check("kind", RegencyKind, "regency_kind_valid"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}\.[0-9]{2}$"),
                name="regency_code_dotted",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=8, primary_key=True)
    regency = models.ForeignKey(
        Regency,
        on_delete=models.PROTECT,
        related_name="districts",
        verbose_name=_("kabupaten/kota"),
    )
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"),
                name="district_code_dotted",
            ),
            models.CheckConstraint(
                condition=Q(code__startswith=F("regency_id")),
                name="district_code_within_regency",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VillageKind(models.TextChoices):
    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")


class Village(models.Model):
    Kind = VillageKind

    code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="villages",
        verbose_name=_("kecamatan"),
    )
    name = models.CharField(_("nama"), max_length=100)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    postal_code = models.CharField(_("kode pos"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("desa/kelurahan")
        verbose_name_plural = _("desa/kelurahan")
        ordering = ["code"]
        constraints = [
            choices_check("kind", VillageKind, "village_kind_valid"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"),
                name="village_code_dotted",
            ),
            models.CheckConstraint(
                condition=Q(code__startswith=F("district_id")),
                name="village_code_within_district",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def regency_code(self) -> str:
        return self.code[:5]


# Institutions ---------------------------------------------------------------


class InstitutionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def of_kind(self, kind: str):
        return self.filter(kind=kind)

    def in_regency(self, regency_code: str):
        return self.filter(village__district__regency_id=regency_code)

    def with_region(self):
        return self.select_related("village__district__regency")

    def visible_to(self, user):
        scope = regency_scope(user)
        if scope is None:
            return self
        return self.filter(village__district__regency_id__in=scope)


class InstitutionKind(models.TextChoices):
    WKSBM = "wksbm", _("WKSBM")
    KARANG_TARUNA = "karang_taruna", _("Karang Taruna")
    LKSA = "lksa", _("LKSA")


class WksbmType(models.TextChoices):
    MAJELIS_TAKLIM = "majelis_taklim", _("Majelis taklim")
    TAKMIRUL_MASJID = "takmirul_masjid", _("Takmirul masjid")
    RUKUN_DUKA = "rukun_duka", _("Rukun duka")
    PAGUYUBAN = "paguyuban", _("Paguyuban")
    KELOMPOK_ARISAN = "kelompok_arisan", _("Kelompok arisan")
    OTHER = "lainnya", _("Lainnya")


class Accreditation(models.TextChoices):
    A = "A", _("A (sangat baik)")
    B = "B", _("B (baik)")
    C = "C", _("C (cukup)")


class Institution(TimeStampedModel):
    Kind = InstitutionKind

    WksbmType = WksbmType

    Accreditation = Accreditation

    kind = models.CharField(_("jenis lembaga"), max_length=20, choices=Kind.choices)
    wksbm_type = models.CharField(
        _("jenis WKSBM"), max_length=20, choices=WksbmType.choices, blank=True
    )
    name = models.CharField(_("nama lembaga"), max_length=200)
    # Kept by save() so that the database can refuse the same institution twice.
    name_key = models.CharField(
        _("nama ternormalisasi"), max_length=200, editable=False
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("desa/kelurahan"),
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    leader_name = models.CharField(_("nama ketua"), max_length=150, blank=True)
    phone = models.CharField(
        _("telepon"), max_length=20, blank=True, validators=[validate_phone]
    )
    email = models.EmailField(_("surel"), blank=True)
    registration_number = models.CharField(
        _("nomor register"),
        max_length=100,
        blank=True,
        help_text=_("Nomor surat keterangan terdaftar atau SK pembentukan."),
    )
    registration_date = models.DateField(_("tanggal register"), null=True, blank=True)
    registration_issuer = models.CharField(
        _("penerbit register"), max_length=150, blank=True
    )
    npwp = models.CharField(
        _("NPWP"), max_length=16, blank=True, validators=[validate_npwp]
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    account_number = models.CharField(
        _("nomor rekening"), max_length=30, blank=True, validators=[validate_digits]
    )
    account_holder = models.CharField(_("nama rekening"), max_length=150, blank=True)
    permit_number = models.CharField(
        _("nomor izin operasional"), max_length=100, blank=True
    )
    permit_expires_on = models.DateField(
        _("izin operasional berlaku sampai"), null=True, blank=True
    )
    accreditation = models.CharField(
        _("akreditasi"), max_length=1, choices=Accreditation.choices, blank=True
    )
    accreditation_expires_on = models.DateField(
        _("akreditasi berlaku sampai"), null=True, blank=True
    )
    active = models.BooleanField(_("aktif"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("dibuat oleh impor"),
    )

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("lembaga")
        verbose_name_plural = _("lembaga")
        ordering = ["name"]
        permissions = [
            ("view_full_account", _("Dapat melihat nomor rekening lengkap")),
        ]
        constraints = [
            choices_check("kind", InstitutionKind, "institution_kind_valid"),
            models.CheckConstraint(
                condition=Q(wksbm_type="")
                | Q(kind="wksbm", wksbm_type__in=WksbmType.values),
                name="institution_wksbm_type_only_for_wksbm",
            ),
            models.CheckConstraint(
                condition=Q(accreditation="")
                | Q(kind="lksa", accreditation__in=Accreditation.values),
                name="institution_accreditation_only_for_lksa",
            ),
            models.CheckConstraint(
                condition=~Q(name_key=""),
                name="institution_name_not_blank",
                violation_error_message=_(
                    "Nama lembaga harus memuat huruf atau angka."
                ),
            ),
            models.CheckConstraint(
                condition=Q(npwp="") | Q(npwp__regex=r"^[0-9]{15,16}$"),
                name="institution_npwp_digits",
            ),
            models.CheckConstraint(
                condition=Q(account_number="") | Q(account_number__regex=r"^[0-9]+$"),
                name="institution_account_number_digits",
            ),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(kind="karang_taruna"),
                name="one_karang_taruna_per_village",
                violation_error_message=_(
                    "Desa/kelurahan ini sudah memiliki Karang Taruna."
                ),
            ),
            models.UniqueConstraint(
                fields=["kind", "name_key", "village"],
                name="unique_institution_name_per_village",
                violation_error_message=_(
                    "Lembaga sejenis dengan nama yang sama sudah ada di desa/kelurahan ini."
                ),
            ),
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~Q(registration_number=""),
                name="unique_registration_number",
                violation_error_message=_(
                    "Nomor register ini sudah dipakai lembaga lain."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "active"], name="institution_kind_active"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join(self.name.split())
        self.name_key = normalize_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("institutions:detail", args=[self.pk])

    def clean(self):
        # Unique checks compare name_key, which save() would only set later.
        self.name_key = normalize_name(self.name or "")
        super().clean()

    def validate_constraints(self, exclude=None):
        # name_key is never a form field, so forms exclude it; the name-per-village
        # rule must still be checked whenever the name is.
        if exclude and "name" not in exclude:
            exclude = set(exclude) - {"name_key"}
        self.name_key = normalize_name(self.name or "")
        super().validate_constraints(exclude=exclude)

    @property
    def regency_code(self) -> str:
        return self.village_id[:5]

    @property
    def bank_account(self) -> tuple[str, str, str]:
        return (self.bank_name, self.account_number, self.account_holder)

    @property
    def has_bank_account(self) -> bool:
        return bool(self.account_number and self.account_holder)


# Legal documents -----------------------------------------------------------


class DocumentKind(models.TextChoices):
    DEED = "akta", _("Akta atau SK pendirian")
    REGISTRATION = "sk_terdaftar", _("SK terdaftar")
    NPWP = "npwp", _("NPWP")
    BANK_BOOK = "buku_rekening", _("Halaman buku rekening")
    DOMICILE = "domisili", _("Surat keterangan domisili")


def document_upload_to(document: "InstitutionDocument", filename: str) -> str:
    return generated_name(f"lembaga/{document.institution_id}/dokumen", filename)


class InstitutionDocumentQuerySet(models.QuerySet):
    def latest_per_kind(self):
        """The newest document of each kind per institution: the one in force.

        An older scan of the same kind stays as history.
        """
        newer = InstitutionDocument.objects.filter(
            institution=models.OuterRef("institution"),
            kind=models.OuterRef("kind"),
            pk__gt=models.OuterRef("pk"),
        )
        return self.exclude(models.Exists(newer))


class InstitutionDocument(TimeStampedModel):
    """One legal document of an institution, with its scan.

    A new upload of the same kind replaces the old one in force; the old one is
    kept. Every kind is required before a proposal (see grants' eligibility).
    """

    Kind = DocumentKind
    REQUIRED_KINDS = tuple(DocumentKind)
    # A document in force ending within this many days is ending soon: so the
    # institution page, its list filter and Beranda's task all say.
    LAPSING_DAYS = 30

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("lembaga"),
    )
    kind = models.CharField(_("jenis dokumen"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("nomor dokumen"), max_length=100, blank=True)
    issued_on = models.DateField(_("tanggal dokumen"), null=True, blank=True)
    expires_on = models.DateField(
        _("berlaku sampai"),
        null=True,
        blank=True,
        help_text=_("Kosongkan bila dokumen berlaku tanpa batas waktu."),
    )
    file = models.FileField(_("pindaian"), upload_to=document_upload_to, max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )

    objects = InstitutionDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("dokumen lembaga")
        verbose_name_plural = _("dokumen lembaga")
        ordering = ["institution", "kind", "-pk"]
        constraints = [
            choices_check("kind", DocumentKind, "institution_document_kind_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=F("issued_on")),
                name="institution_document_expires_after_issue",
                violation_error_message=_(
                    "Tanggal berlaku sampai tidak boleh sebelum tanggal dokumen."
                ),
            ),
        ]
        indexes = [models.Index(fields=["institution", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()

    def expired(self, today) -> bool:
        return self.expires_on is not None and self.expires_on < today


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit rows are append-only.")

    def delete(self):
        raise TypeError("Audit rows are append-only.")


class AppendOnlyModel(models.Model):
    """An audit row: written once, never edited, never deleted (the database
    refuses it too, by trigger)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit rows are append-only.")


class IdentityField(models.TextChoices):
    """What identifies an institution and where its money goes."""

    NAME = "name", _("nama lembaga")
    REGISTRATION_NUMBER = "registration_number", _("nomor register")
    NPWP = "npwp", _("NPWP")
    BANK_NAME = "bank_name", _("bank")
    ACCOUNT_NUMBER = "account_number", _("nomor rekening")
    ACCOUNT_HOLDER = "account_holder", _("nama rekening")


BANK_FIELDS = (
    IdentityField.BANK_NAME,
    IdentityField.ACCOUNT_NUMBER,
    IdentityField.ACCOUNT_HOLDER,
)


class ChangeSource(models.TextChoices):
    FORM = "form", _("formulir")
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("impor")


class InstitutionChange(AppendOnlyModel):
    """One change of an institution's identity or bank details, old and new."""

    Field = IdentityField
    Source = ChangeSource

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="identity_changes",
        verbose_name=_("lembaga"),
    )
    field = models.CharField(_("data"), max_length=30, choices=IdentityField.choices)
    old_value = models.CharField(_("nilai lama"), max_length=255, blank=True)
    new_value = models.CharField(_("nilai baru"), max_length=255, blank=True)
    source = models.CharField(_("melalui"), max_length=10, choices=ChangeSource.choices)
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )
    changed_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("riwayat identitas dan rekening lembaga")
        verbose_name_plural = _("riwayat identitas dan rekening lembaga")
        ordering = ["institution", "-changed_at", "-pk"]
        constraints = [
            choices_check("field", IdentityField, "institution_change_field_valid"),
            choices_check("source", ChangeSource, "institution_change_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}: {self.field}"

    @property
    def is_bank_change(self) -> bool:
        return self.field in BANK_FIELDS


# Beneficiaries ----------------------------------------------------------------


class BeneficiaryCategory(models.TextChoices):
    ELDERLY = "lansia", _("Lanjut usia")
    POOR_STUDENT = "anak_sekolah", _("Anak sekolah dari keluarga miskin")
    DISABILITY = "disabilitas", _("Penyandang disabilitas")
    LKSA_CHILD = "anak_lksa", _("Anak asuh LKSA")
    OTHER = "lainnya", _("Lainnya")


class Beneficiary(TimeStampedModel):
    Category = BeneficiaryCategory

    nik = models.CharField(
        _("NIK"), max_length=16, unique=True, validators=[validate_nik]
    )
    name = models.CharField(_("nama"), max_length=150)
    category = models.CharField(_("kategori"), max_length=20, choices=Category.choices)
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="beneficiaries",
        verbose_name=_("desa/kelurahan"),
    )
    institutions = models.ManyToManyField(
        Institution,
        through="BeneficiaryEnrollment",
        related_name="beneficiaries",
        verbose_name=_("lembaga"),
    )

    class Meta:
        verbose_name = _("penerima manfaat")
        verbose_name_plural = _("penerima manfaat")
        ordering = ["name"]
        permissions = [("view_full_nik", _("Dapat melihat NIK lengkap"))]
        constraints = [
            choices_check(
                "category", BeneficiaryCategory, "beneficiary_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[1-9][0-9]{15}$"),
                name="beneficiary_nik_sixteen_digits",
            ),
        ]

    def __str__(self) -> str:
        # Shown where no one asks who is looking (admin lists, history rows).
        return f"{self.name} ({mask_nik(self.nik)})"


class BeneficiaryEnrollment(models.Model):
    """A person served by an institution in one year."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("penerima manfaat"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("lembaga"),
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("dibuat oleh impor"),
    )

    class Meta:
        verbose_name = _("keanggotaan penerima manfaat")
        verbose_name_plural = _("keanggotaan penerima manfaat")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "institution", "year"],
                name="unique_beneficiary_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="enrollment_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} - {self.institution} ({self.year})"


# Training events -------------------------------------------------------------


class TrainingEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = regency_scope(user)
        return self if scope is None else self.filter(regency_id__in=scope)


class TrainingKind(models.TextChoices):
    BIMTEK = "bimtek", _("Bimbingan teknis (Bimtek)")
    SOSIALISASI = "sosialisasi", _("Sosialisasi")
    PELATIHAN = "pelatihan", _("Pelatihan")


class TrainingEvent(TimeStampedModel):
    Kind = TrainingKind

    title = models.CharField(_("judul"), max_length=255)
    kind = models.CharField(
        _("jenis kegiatan"), max_length=20, choices=Kind.choices, default=Kind.BIMTEK
    )
    target_kind = models.CharField(
        _("jenis lembaga sasaran"),
        max_length=20,
        choices=InstitutionKind.choices,
        blank=True,
    )
    start_date = models.DateField(_("tanggal mulai"))
    end_date = models.DateField(_("tanggal selesai"))
    venue = models.CharField(_("tempat"), max_length=255)
    regency = models.ForeignKey(
        Regency,
        on_delete=models.PROTECT,
        related_name="training_events",
        verbose_name=_("kabupaten/kota"),
    )
    organiser = models.CharField(
        _("penyelenggara"), max_length=255, default="Dinas Sosial Provinsi Gorontalo"
    )
    notes = models.TextField(_("catatan"), blank=True)

    objects = TrainingEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("kegiatan Bimtek")
        verbose_name_plural = _("kegiatan Bimtek")
        ordering = ["-start_date"]
        constraints = [
            choices_check("kind", TrainingKind, "training_kind_valid"),
            models.CheckConstraint(
                condition=Q(target_kind="") | Q(target_kind__in=InstitutionKind.values),
                name="training_target_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="training_ends_after_start",
                violation_error_message=_(
                    "Tanggal selesai tidak boleh sebelum tanggal mulai."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def year(self) -> int:
        return self.start_date.year


class SpeakerRole(models.TextChoices):
    OPENER = "pembuka", _("Membuka kegiatan")
    OFFICIAL = "pendamping", _("Pejabat pendamping")
    SPEAKER = "narasumber", _("Narasumber")


class Speaker(models.Model):
    Role = SpeakerRole

    event = models.ForeignKey(
        TrainingEvent,
        on_delete=models.CASCADE,
        related_name="speakers",
        verbose_name=_("kegiatan"),
    )
    role = models.CharField(
        _("peran"), max_length=20, choices=Role.choices, default=Role.SPEAKER
    )
    name = models.CharField(_("nama"), max_length=150)
    position = models.CharField(_("jabatan"), max_length=255, blank=True)
    origin = models.CharField(_("instansi asal"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("narasumber dan pejabat")
        verbose_name_plural = _("narasumber dan pejabat")
        ordering = ["event", "order", "pk"]
        constraints = [
            choices_check("role", SpeakerRole, "speaker_role_valid"),
            models.UniqueConstraint(
                fields=["event", "name"], name="unique_speaker_per_event"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ParticipantRole(models.TextChoices):
    LEADER = "ketua", _("Ketua")
    SECRETARY = "sekretaris", _("Sekretaris")
    TREASURER = "bendahara", _("Bendahara")
    MEMBER = "anggota", _("Anggota")


# No 0/O or 1/I/L: a code is read off paper and typed in by hand.
VERIFICATION_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
VERIFICATION_CODE_LENGTH = 10


def new_verification_code() -> str:
    """A random certificate code: 31**10 (about 8 * 10**14) possibilities."""
    return "".join(
        secrets.choice(VERIFICATION_CODE_ALPHABET)
        for _position in range(VERIFICATION_CODE_LENGTH)
    )


class ParticipantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Participants whose institution lies in the user's regencies."""
        scope = regency_scope(user)
        if scope is None:
            return self
        return self.filter(institution__village__district__regency_id__in=scope)

    def with_region(self):
        return self.select_related("institution__village__district__regency")


class Participant(models.Model):
    Role = ParticipantRole

    event = models.ForeignKey(
        TrainingEvent,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("kegiatan"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="training_participations",
        verbose_name=_("lembaga"),
    )
    person_name = models.CharField(_("nama peserta"), max_length=150)
    role = models.CharField(
        _("jabatan di lembaga"),
        max_length=20,
        choices=Role.choices,
        default=Role.LEADER,
    )
    verification_code = models.CharField(
        _("kode verifikasi sertifikat"),
        max_length=VERIFICATION_CODE_LENGTH,
        unique=True,
        editable=False,
        default=new_verification_code,
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("peserta")
        verbose_name_plural = _("peserta")
        ordering = ["event", "institution__name", "person_name"]
        constraints = [
            choices_check("role", ParticipantRole, "participant_role_valid"),
            models.UniqueConstraint(
                fields=["event", "institution", "person_name"],
                name="unique_participant_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} ({self.institution})"

    def get_certificate_url(self) -> str:
        return reverse(
            "institutions:training_certificate", args=[self.event_id, self.pk]
        )


# Staff ------------------------------------------------------------------------


class StaffProfile(models.Model):
    """What part of the province a member of staff works on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("pengguna"),
    )
    regencies = models.ManyToManyField(
        Regency,
        blank=True,
        related_name="staff_profiles",
        verbose_name=_("wilayah kerja"),
        help_text=_(
            "Kosongkan untuk seluruh provinsi; isi untuk membatasi pengguna pada "
            "kabupaten/kota tertentu."
        ),
    )

    class Meta:
        verbose_name = _("profil petugas")
        verbose_name_plural = _("profil petugas")

    def __str__(self) -> str:
        return str(self.user)


def regency_scope(user) -> frozenset[str] | None:
    """The regency codes a user may see, or None for the whole province."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_regency_scope", False)
    if cached is not False:
        return cached
    codes = frozenset(
        Regency.objects.filter(staff_profiles__user=user).values_list("code", flat=True)
    )
    scope = codes or None
    user._regency_scope = scope
    return scope
