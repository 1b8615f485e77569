"""Admin for regions, institutions, beneficiaries, training events and staff."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .models import (
    Beneficiary,
    BeneficiaryEnrollment,
    District,
    Institution,
    InstitutionChange,
    Participant,
    Regency,
    Speaker,
    StaffProfile,
    TrainingEvent,
    Village,
)
from .services import save_institution


def regency_filter(path: str, title: str | None = None) -> type[admin.SimpleListFilter]:
    """A list filter by regency for a model that reaches Regency through `path`.

    A plain `list_filter` on the path would list every regency under a long
    lookup name; this one lists them by name under `?regency=75.01`.
    """

    class RegencyFilter(admin.SimpleListFilter):
        parameter_name = "regency"

        def lookups(self, request, model_admin):
            return list(Regency.objects.values_list("code", "name"))

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{path: self.value()})
            return queryset

    RegencyFilter.title = title or _("kabupaten/kota")
    return RegencyFilter


def year_filter(date_path: str) -> type[admin.SimpleListFilter]:
    """A list filter by the year of the date at `date_path`, newest first."""

    class YearFilter(admin.SimpleListFilter):
        title = _("tahun")
        parameter_name = "year"

        def lookups(self, request, model_admin):
            dates = model_admin.model._default_manager.dates(
                date_path, "year", order="DESC"
            )
            return [(str(day.year), str(day.year)) for day in dates]

        def queryset(self, request, queryset):
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{f"{date_path}__year": int(value)})
            return queryset

    return YearFilter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable and searchable, never edited here: regions (they come from the
    official Kemendagri list through `manage.py load_regions`) and audit rows
    (the database refuses their change anyway)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Regions ------------------------------------------------------------------


@admin.register(Regency)
class RegencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_per_page = 50


@admin.register(District)
class DistrictAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "regency"]
    list_filter = [regency_filter("regency")]
    search_fields = ["code", "name"]
    list_select_related = ["regency"]
    ordering = ["code"]
    list_per_page = 100


@admin.register(Village)
class VillageAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "district", "regency", "postal_code"]
    list_filter = ["kind", regency_filter("district__regency")]
    search_fields = ["code", "name", "district__name"]
    list_select_related = ["district__regency"]
    ordering = ["code"]
    list_per_page = 100

    @admin.display(description=_("kabupaten/kota"), ordering="district__regency")
    def regency(self, obj: Village) -> str:
        return obj.district.regency.name


# Institutions ---------------------------------------------------------------


@admin.register(InstitutionChange)
class InstitutionChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "changed_at",
        "institution",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "source",
    ]
    list_filter = ["field", "source"]
    search_fields = ["institution__name", "old_value", "new_value"]
    list_select_related = ["institution", "changed_by"]
    date_hierarchy = "changed_at"
    ordering = ["-changed_at", "-pk"]
    list_per_page = 100


class InstitutionAdminForm(forms.ModelForm):
    def validate_unique(self):
        super().validate_unique()
        # The form leaves out constraints on fields it does not show, and
        # name_key is never shown: without this a duplicate name would reach
        # the database as an IntegrityError instead of a form error.
        if any(name in self.errors for name in ("kind", "name", "village")):
            return
        for constraint in Institution._meta.constraints:
            if constraint.name == "unique_institution_name_per_village":
                try:
                    constraint.validate(Institution, self.instance)
                except ValidationError as error:
                    self.add_error(None, error)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    form = InstitutionAdminForm
    list_display = [
        "name",
        "id",
        "kind",
        "wksbm_type",
        "village",
        "district",
        "regency",
        "leader_name",
        "active",
    ]
    list_filter = [
        "kind",
        "wksbm_type",
        "active",
        regency_filter("village__district__regency"),
        "accreditation",
    ]
    search_fields = [
        "name",
        "registration_number",
        "leader_name",
        "village__name",
        "=village__code",
    ]
    search_help_text = _("Cari nama lembaga, nomor register, ketua, atau desa.")
    autocomplete_fields = ["village"]
    list_select_related = ["village__district__regency"]
    ordering = ["name"]
    list_per_page = 50
    readonly_fields = ["created_by", "created_at", "updated_at", "identity_history"]
    inlines: list = []
    fieldsets = [
        (
            None,
            {"fields": ["kind", "wksbm_type", "name", "village", "address", "active"]},
        ),
        (_("Pengurus dan kontak"), {"fields": ["leader_name", "phone", "email"]}),
        (
            _("Register dan pajak"),
            {
                "fields": [
                    "registration_number",
                    "registration_date",
                    "registration_issuer",
                    "npwp",
                ]
            },
        ),
        (
            _("Rekening bank"),
            {"fields": ["bank_name", "account_number", "account_holder"]},
        ),
        (
            _("Izin operasional dan akreditasi (LKSA)"),
            {
                "fields": [
                    "permit_number",
                    "permit_expires_on",
                    "accreditation",
                    "accreditation_expires_on",
                ],
            },
        ),
        (
            _("Pencatatan"),
            {
                "fields": [
                    "created_by",
                    "created_at",
                    "updated_at",
                    "identity_history",
                ]
            },
        ),
    ]

    @admin.display(description=_("kecamatan"), ordering="village__district__name")
    def district(self, obj: Institution) -> str:
        return obj.village.district.name

    @admin.display(description=_("riwayat identitas dan rekening"))
    def identity_history(self, obj: Institution) -> str:
        changes = obj.identity_changes.select_related("changed_by") if obj.pk else []
        return (
            format_html_join(
                "\n",
                "<div>{}: {} {} &rarr; {} ({})</div>",
                (
                    (
                        localtime(change.changed_at).strftime("%d/%m/%Y %H:%M"),
                        change.get_field_display(),
                        change.old_value or "-",
                        change.new_value or "-",
                        change.changed_by or "-",
                    )
                    for change in changes
                ),
            )
            or "-"
        )

    @admin.display(
        description=_("kabupaten/kota"), ordering="village__district__regency"
    )
    def regency(self, obj: Institution) -> str:
        return obj.village.district.regency.name

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        # Identity and bank details keep their old values, as on the workspace form.
        save_institution(obj, by=request.user, source=InstitutionChange.Source.ADMIN)


# Beneficiaries --------------------------------------------------------------


class EnrollmentInline(admin.TabularInline):
    model = BeneficiaryEnrollment
    fields = ["institution", "year"]
    autocomplete_fields = ["institution"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("institution")


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ["name", "nik", "category", "village", "regency"]
    list_filter = ["category", regency_filter("village__district__regency")]
    search_fields = ["name", "=nik"]
    search_help_text = _("Cari nama, atau NIK lengkap 16 angka.")
    autocomplete_fields = ["village"]
    list_select_related = ["village__district__regency"]
    ordering = ["name"]
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at"]
    inlines = [EnrollmentInline]

    @admin.display(
        description=_("kabupaten/kota"), ordering="village__district__regency"
    )
    def regency(self, obj: Beneficiary) -> str:
        return obj.village.district.regency.name


@admin.register(BeneficiaryEnrollment)
class BeneficiaryEnrollmentAdmin(admin.ModelAdmin):
    list_display = ["beneficiary", "institution", "year"]
    list_filter = [
        "year",
        "institution__kind",
        regency_filter("institution__village__district__regency"),
    ]
    search_fields = ["beneficiary__name", "=beneficiary__nik", "institution__name"]
    autocomplete_fields = ["beneficiary", "institution"]
    list_select_related = ["beneficiary", "institution"]
    ordering = ["-year", "beneficiary__name"]
    list_per_page = 50


# Training events --------------------------------------------------------------


class SpeakerInline(admin.TabularInline):
    model = Speaker
    fields = ["order", "role", "name", "position", "origin"]
    extra = 0


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["institution", "person_name", "role"]
    autocomplete_fields = ["institution"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("institution")


@admin.register(TrainingEvent)
class TrainingEventAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "target_kind",
        "start_date",
        "end_date",
        "venue",
        "regency",
        "participant_count",
    ]
    list_filter = [
        "kind",
        "target_kind",
        year_filter("start_date"),
        regency_filter("regency"),
    ]
    search_fields = ["title", "venue", "organiser"]
    autocomplete_fields = ["regency"]
    list_select_related = ["regency"]
    date_hierarchy = "start_date"
    ordering = ["-start_date", "title"]
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SpeakerInline, ParticipantInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(participant_total=Count("participants", distinct=True))
        )

    @admin.display(description=_("peserta"), ordering="participant_total")
    def participant_count(self, obj: TrainingEvent) -> int:
        return obj.participant_total


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "position", "origin", "event"]
    list_filter = ["role", "event__kind", year_filter("event__start_date")]
    search_fields = ["name", "position", "origin", "event__title"]
    autocomplete_fields = ["event"]
    list_select_related = ["event"]
    ordering = ["-event__start_date", "order", "name"]
    list_per_page = 50


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["person_name", "role", "institution", "institution_kind", "event"]
    list_filter = [
        "role",
        "event__kind",
        "institution__kind",
        year_filter("event__start_date"),
        regency_filter(
            "institution__village__district__regency", _("kabupaten/kota lembaga")
        ),
    ]
    search_fields = ["person_name", "institution__name", "event__title"]
    autocomplete_fields = ["event", "institution"]
    list_select_related = ["event", "institution"]
    ordering = ["-event__start_date", "institution__name", "person_name"]
    list_per_page = 50

    @admin.display(description=_("jenis lembaga"), ordering="institution__kind")
    def institution_kind(self, obj: Participant) -> str:
        return obj.institution.get_kind_display()


# Staff ------------------------------------------------------------------------


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "regency_list"]
    list_filter = [regency_filter("regencies", _("wilayah kerja"))]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["regencies"]
    list_select_related = ["user"]
    ordering = ["user__username"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("regencies")

    @admin.display(description=_("wilayah kerja"))
    def regency_list(self, obj: StaffProfile) -> str:
        names = [regency.name for regency in obj.regencies.all()]
        return ", ".join(names) or _("seluruh provinsi")
