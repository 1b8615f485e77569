"""Admin for regions, institutions, beneficiaries, training events and staff."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from common.access_log import log_data_access
from common.masking import mask_account, mask_nik
from common.models import DataAccessLog

from .access import can_see_full_account, can_see_full_nik
from .forms import HiddenAccountNumberMixin
from .models import (
    Beneficiary,
    BeneficiaryEnrollment,
    District,
    Institution,
    InstitutionChange,
    InstitutionDocument,
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

    def get_list_display(self, request):
        return _masked_values(request, super().get_list_display(request))

    def get_search_fields(self, request):
        # A search by value would tell whether an account number is on record.
        fields = super().get_search_fields(request)
        if can_see_full_account(request.user):
            return fields
        return [name for name in fields if name not in MASKED_VALUES]

    def get_fields(self, request, obj=None):
        shown = MASKED_VALUES.values()
        fields = super().get_fields(request, obj)
        return _masked_values(request, [f for f in fields if f not in shown])

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *MASKED_VALUES.values()]

    @admin.display(description=_("nilai lama"))
    def old_value_shown(self, obj: InstitutionChange) -> str:
        return _change_value(obj, obj.old_value)

    @admin.display(description=_("nilai baru"))
    def new_value_shown(self, obj: InstitutionChange) -> str:
        return _change_value(obj, obj.new_value)


MASKED_VALUES = {"old_value": "old_value_shown", "new_value": "new_value_shown"}


def _masked_values(request, names) -> list:
    """The change values for a user who may not see account numbers whole."""
    if can_see_full_account(request.user):
        return list(names)
    return [MASKED_VALUES.get(name, name) for name in names]


def _change_value(change: InstitutionChange, value: str) -> str:
    if change.field == InstitutionChange.Field.ACCOUNT_NUMBER:
        return mask_account(value)
    return value


class InstitutionAdminForm(HiddenAccountNumberMixin, forms.ModelForm):
    # Set on the class by InstitutionAdmin.get_form for a user who may not see
    # account numbers whole.
    hides_account_number = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.hides_account_number and "account_number" in self.fields:
            self.hide_account_number()

    def clean_account_number(self) -> str:
        return self.account_number_or_kept(self.cleaned_data["account_number"])

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
    readonly_fields = [
        "created_by",
        "created_at",
        "updated_at",
        "identity_history",
        "account_number_masked",
        "identity_history_masked",
    ]
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_see_full_account(request.user):
            return fieldsets
        # Read-only pages show the mask; an editable form hides the number
        # itself (InstitutionAdminForm).
        swaps = {"identity_history": "identity_history_masked"}
        if obj is not None and not self.has_change_permission(request, obj):
            swaps["account_number"] = "account_number_masked"
        return [
            (name, {**options, "fields": [swaps.get(f, f) for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if can_see_full_account(request.user):
            return form
        return type(form.__name__, (form,), {"hides_account_number": True})

    @admin.display(description=_("kecamatan"), ordering="village__district__name")
    def district(self, obj: Institution) -> str:
        return obj.village.district.name

    @admin.display(description=_("nomor rekening"))
    def account_number_masked(self, obj: Institution) -> str:
        return mask_account(obj.account_number) or "-"

    @admin.display(description=_("riwayat identitas dan rekening"))
    def identity_history(self, obj: Institution) -> str:
        return _identity_history(obj, masked=False)

    @admin.display(description=_("riwayat identitas dan rekening"))
    def identity_history_masked(self, obj: Institution) -> str:
        return _identity_history(obj, masked=True)

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


def _identity_history(obj: Institution, *, masked: bool) -> str:
    changes = obj.identity_changes.select_related("changed_by") if obj.pk else []

    def shown(change: InstitutionChange, value: str) -> str:
        return (_change_value(change, value) if masked else value) or "-"

    return (
        format_html_join(
            "\n",
            "<div>{}: {} {} &rarr; {} ({})</div>",
            (
                (
                    localtime(change.changed_at).strftime("%d/%m/%Y %H:%M"),
                    change.get_field_display(),
                    shown(change, change.old_value),
                    shown(change, change.new_value),
                    change.changed_by or "-",
                )
                for change in changes
            ),
        )
        or "-"
    )


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
    readonly_fields = ["created_at", "updated_at", "nik_masked"]
    inlines = [EnrollmentInline]

    def get_list_display(self, request):
        names = super().get_list_display(request)
        if can_see_full_nik(request.user):
            return names
        return ["nik_masked" if name == "nik" else name for name in names]

    def get_search_fields(self, request):
        # A search by NIK would tell whether someone is on record.
        fields = super().get_search_fields(request)
        return fields if can_see_full_nik(request.user) else ["name"]

    def get_fields(self, request, obj=None):
        # Without the right to the full NIK, a recorded NIK is shown masked and
        # cannot be edited here; a new person still needs theirs typed in.
        fields = [
            name for name in super().get_fields(request, obj) if name != "nik_masked"
        ]
        if obj is None or can_see_full_nik(request.user):
            return fields
        return ["nik_masked" if name == "nik" else name for name in fields]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and can_see_full_nik(request.user):
            log_data_access(
                request,
                DataAccessLog.Action.FULL_NIK_VIEW,
                gettext_noop("Penerima manfaat %(name)s (#%(pk)s) di admin")
                % {"name": obj.name, "pk": obj.pk},
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description=_("NIK"), ordering="nik")
    def nik_masked(self, obj: Beneficiary) -> str:
        return mask_nik(obj.nik)

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

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if can_see_full_nik(request.user):
            return fields
        return [name for name in fields if name != "=beneficiary__nik"]


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


# Legal documents ---------------------------------------------------------------


@admin.register(InstitutionDocument)
class InstitutionDocumentAdmin(ReadOnlyAdmin):
    """Uploaded on the institution's page; the scan opens through its checked view,
    never from a /media/ address."""

    list_display = [
        "institution",
        "kind",
        "number",
        "issued_on",
        "expires_on",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["kind", regency_filter("institution__village__district__regency")]
    search_fields = ["institution__name", "number"]
    list_select_related = ["institution", "uploaded_by"]
    fields = [
        "institution",
        "kind",
        "number",
        "issued_on",
        "expires_on",
        "scan_link",
        "uploaded_by",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(institution__in=Institution.objects.visible_to(request.user))
        )

    @admin.display(description=_("pindaian"))
    def scan_link(self, obj: InstitutionDocument) -> str:
        url = reverse(
            "institutions:document_download", args=[obj.institution_id, obj.pk]
        )
        return format_html('<a href="{}">{}</a>', url, _("Lihat pindaian"))
