"""Admin for programmes, grants, their audit trail, payments and LPJ.

A grant's status, its decree and its audit trail only change through the
workflow services (grants/services.py); the admin shows them read-only. A
grant added here or imported is proposed through `propose_grant`, the same
way as on screen.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from common.masking import mask_account
from common.money import rupiah
from institutions.access import can_see_full_account
from institutions.admin import InstitutionAdmin, ReadOnlyAdmin, regency_filter
from institutions.models import Institution

from .fields import RupiahField
from .models import (
    AccountabilityReport,
    Disbursement,
    EligibilityOverride,
    Grant,
    GrantEvent,
    LpjEvidence,
    LpjItemReview,
    LpjReminder,
    LpjRound,
    Program,
)
from .services import (
    MSG_ALREADY_IN_PROGRAM,
    MSG_NEEDS_OVERRIDE,
    CeilingCheckMixin,
    can_manage_programs,
    check_eligibility,
    propose_grant,
    save_program,
)

GRANT_REGENCY = "institution__village__district__regency"


class RupiahFieldsMixin:
    """Let money be typed as `10.000.000` or `Rp10.000.000`."""

    # Field name -> smallest amount allowed.
    rupiah_fields: dict[str, int] = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.rupiah_fields:
            return RupiahField(
                label=capfirst(db_field.verbose_name),
                help_text=db_field.help_text,
                min_value=self.rupiah_fields[db_field.name],
                initial=db_field.get_default() if db_field.has_default() else None,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    view_on_site = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Programmes -------------------------------------------------------------------


class ProgramAdminForm(CeilingCheckMixin, forms.ModelForm):
    pass


@admin.register(Program)
class ProgramAdmin(RupiahFieldsMixin, admin.ModelAdmin):
    form = ProgramAdminForm
    rupiah_fields = {"budget_ceiling": 1}
    list_display = [
        "name",
        "id",
        "year",
        "spending_type",
        "ceiling_display",
        "committed_display",
        "decree_number",
        "lpj_due_date",
    ]
    list_filter = ["year", "spending_type"]
    search_fields = ["name", "decree_number"]
    ordering = ["-year", "name"]
    list_per_page = 50
    readonly_fields = ["closed_at", "closed_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["year", "name", "spending_type", "budget_ceiling"]}),
        (
            _("Jenis lembaga yang dapat dibantu"),
            {"fields": ["covers_wksbm", "covers_karang_taruna", "covers_lksa"]},
        ),
        (
            _("SK Gubernur dan LPJ"),
            {"fields": ["decree_number", "decree_date", "lpj_due_date"]},
        ),
        (_("Daftar periksa dokumen"), {"fields": ["checklist"]}),
        (
            _("Pencatatan"),
            {"fields": ["closed_at", "closed_by", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_committed_total()

    # Programmes cover the whole province: regency-limited users only read them.
    def has_add_permission(self, request):
        return can_manage_programs(request.user, "add_program")

    def has_change_permission(self, request, obj=None):
        return can_manage_programs(request.user, "change_program")

    def save_model(self, request, obj, form, change):
        # The form checked the ceiling; the service checks it again under lock.
        save_program(obj, by=request.user, changed_fields=form.changed_data)

    def log_addition(self, request, obj, message):
        pass  # save_program has written the history row

    def log_change(self, request, obj, message):
        pass

    @admin.display(description=_("pagu"), ordering="budget_ceiling")
    def ceiling_display(self, obj: Program) -> str:
        return rupiah(obj.budget_ceiling)

    @admin.display(description=_("disetujui"), ordering="committed_total")
    def committed_display(self, obj: Program) -> str:
        return rupiah(obj.committed_total)


# Grants -----------------------------------------------------------------------


class GrantEventInline(ReadOnlyInline):
    model = GrantEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    verbose_name_plural = _("riwayat status")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class DisbursementInline(ReadOnlyInline):
    """Payments are recorded by the treasurer through `record_disbursement`,
    which also moves the grant to disbursed once it is paid in full."""

    model = Disbursement
    fields = ["paid_on", "amount_display", "transfer_reference", "recorded_by"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("recorded_by", "grant__institution", "grant__program")
        )

    @admin.display(description=_("jumlah"), ordering="amount")
    def amount_display(self, obj: Disbursement) -> str:
        return rupiah(obj.amount)


class GrantAdminForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        program = cleaned_data.get("program")
        institution = cleaned_data.get("institution")
        if self.instance.pk is None and program and institution:
            eligibility = check_eligibility(program, institution)
            for message in eligibility.errors:
                # The model's unique constraint already says this one.
                if message != gettext_now(MSG_ALREADY_IN_PROGRAM):
                    self.add_error(None, message)
            if eligibility.needs_override:
                for message in [*eligibility.blockers, gettext_now(MSG_NEEDS_OVERRIDE)]:
                    self.add_error(None, message)
        return cleaned_data


@admin.register(Grant)
class GrantAdmin(RupiahFieldsMixin, admin.ModelAdmin):
    form = GrantAdminForm
    rupiah_fields = {"amount": 1}
    list_display = [
        "institution",
        "program",
        "kind",
        "regency",
        "amount_display",
        "status",
        "decree_number",
    ]
    list_filter = [
        "status",
        "program__year",
        "institution__kind",
        regency_filter(GRANT_REGENCY),
    ]
    search_fields = [
        "institution__name",
        "institution__registration_number",
        "program__name",
        "decree_number",
        "nphd_number",
    ]
    search_help_text = _("Cari nama lembaga, nomor register, program, SK, atau NPHD.")
    autocomplete_fields = ["program", "institution"]
    list_select_related = ["program", GRANT_REGENCY]
    ordering = ["-program__year", "institution__name"]
    list_per_page = 50
    inlines = [DisbursementInline, GrantEventInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["program", "institution", "amount", "purpose"]})]
        account = (
            "verified_account_number"
            if can_see_full_account(request.user)
            else "verified_account_masked"
        )
        return [
            (
                None,
                {
                    "fields": [
                        "program",
                        "institution",
                        "amount_display",
                        "purpose",
                        "status",
                    ]
                },
            ),
            (
                _("Penetapan dan NPHD"),
                {
                    "fields": [
                        "decree_number",
                        "decree_date",
                        "nphd_number",
                        "nphd_date",
                    ]
                },
            ),
            (
                _("Verifikasi"),
                {
                    "fields": [
                        "checklist_display",
                        "proposed_by",
                        "content_changed_by",
                        "verified_by",
                        "verified_at",
                        "approved_by",
                        "approved_at",
                        "verified_bank_name",
                        account,
                        "verified_account_holder",
                        "bank_verified_at",
                        "created_at",
                        "updated_at",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Once proposed, everything about a grant is written by the workflow
        # services, each step with its audit row and its separation of duties:
        # the amount changes by resubmission or revision, the NPHD and the
        # account on the grant page.
        if obj is None:
            return []
        return [field.name for field in Grant._meta.fields] + [
            "amount_display",
            "checklist_display",
            "verified_account_masked",
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return super().has_add_permission(request) and request.user.has_perm(
            "grants.propose_grant"
        )

    def has_change_permission(self, request, obj=None):
        # The change page only shows the grant; it saves nothing.
        return False if obj is not None else super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        # The form has checked eligibility; propose_grant checks it again
        # under a lock, so a concurrent proposal for the same institution
        # fails here (as an error page) rather than slipping through.
        grant, warnings = propose_grant(
            program=obj.program,
            institution=obj.institution,
            amount=obj.amount,
            purpose=obj.purpose,
            by=request.user,
        )
        obj.pk = grant.pk
        obj.status = grant.status
        obj.proposed_by = grant.proposed_by
        obj.created_at = grant.created_at
        obj.updated_at = grant.updated_at
        obj._state.adding = False
        for warning in warnings:
            messages.warning(request, warning)

    @admin.display(description=_("jenis lembaga"), ordering="institution__kind")
    def kind(self, obj: Grant) -> str:
        return obj.institution.get_kind_display()

    @admin.display(description=_("kabupaten/kota"), ordering=GRANT_REGENCY)
    def regency(self, obj: Grant) -> str:
        return obj.institution.village.district.regency.name

    @admin.display(description=_("nilai bantuan"), ordering="amount")
    def amount_display(self, obj: Grant) -> str:
        return rupiah(obj.amount)

    @admin.display(description=_("nomor rekening terverifikasi"))
    def verified_account_masked(self, obj: Grant) -> str:
        return mask_account(obj.verified_account_number) or "-"

    @admin.display(description=_("hasil verifikasi dokumen"))
    def checklist_display(self, obj: Grant) -> str:
        if not obj.checklist_results:
            return "-"
        return format_html_join(
            "\n",
            "<div>{}: {} {}</div>",
            (
                (
                    item,
                    _("lengkap") if result.get("ok") else _("belum lengkap"),
                    result.get("note", ""),
                )
                for item, result in obj.checklist_results.items()
            ),
        )


@admin.register(GrantEvent)
class GrantEventAdmin(ReadOnlyAdmin):
    """The audit trail: written by the services, never edited or deleted."""

    list_display = [
        "created_at",
        "grant",
        "kind",
        "from_status",
        "to_status",
        "actor",
        "note",
    ]
    list_filter = [
        "kind",
        "to_status",
        "from_status",
        "grant__program__year",
        regency_filter(f"grant__{GRANT_REGENCY}"),
    ]
    search_fields = ["grant__institution__name", "note", "actor__username"]
    list_select_related = ["grant__institution", "grant__program", "actor"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    list_per_page = 100


@admin.register(Disbursement)
class DisbursementAdmin(ReadOnlyAdmin):
    """Payments are recorded through `record_disbursement`, which checks the
    account, the NPHD and the dates; a payment on record is never edited."""

    list_display = [
        "paid_on",
        "grant",
        "regency",
        "amount_display",
        "transfer_reference",
        "recorded_by",
    ]
    list_filter = ["grant__program__year", regency_filter(f"grant__{GRANT_REGENCY}")]
    search_fields = ["grant__institution__name", "transfer_reference"]
    list_select_related = [
        "grant__program",
        f"grant__{GRANT_REGENCY}",
        "recorded_by",
    ]
    fields = [
        "grant",
        "amount_display",
        "paid_on",
        "transfer_reference",
        "paid_to_bank_name",
        "paid_to_account_number",
        "paid_to_account_holder",
        "recorded_by",
        "created_at",
    ]
    readonly_fields = [*fields, "paid_to_account_masked"]
    date_hierarchy = "paid_on"
    ordering = ["-paid_on", "-pk"]
    list_per_page = 50

    def get_fields(self, request, obj=None):
        if can_see_full_account(request.user):
            return self.fields
        return [
            "paid_to_account_masked" if name == "paid_to_account_number" else name
            for name in self.fields
        ]

    @admin.display(description=_("jumlah"), ordering="amount")
    def amount_display(self, obj: Disbursement) -> str:
        return rupiah(obj.amount)

    @admin.display(description=_("nomor rekening tujuan"))
    def paid_to_account_masked(self, obj: Disbursement) -> str:
        return mask_account(obj.paid_to_account_number) or "-"

    @admin.display(description=_("kabupaten/kota"), ordering=f"grant__{GRANT_REGENCY}")
    def regency(self, obj: Disbursement) -> str:
        return obj.grant.institution.village.district.regency.name


@admin.register(AccountabilityReport)
class AccountabilityReportAdmin(RupiahFieldsMixin, admin.ModelAdmin):
    """LPJ are recorded, reviewed and refunded through the services, which
    move the grant on; here the documents and notes can be corrected."""

    rupiah_fields = {"amount_spent": 0, "refund_amount": 0}
    list_display = [
        "grant",
        "regency",
        "submitted_on",
        "status",
        "spent_display",
        "refund_display",
        "refunded_on",
        "documents_complete",
    ]
    list_filter = [
        "status",
        "grant__program__year",
        regency_filter(f"grant__{GRANT_REGENCY}"),
        "has_usage_report",
        "has_signed_statement",
        "has_receipts",
    ]
    search_fields = ["grant__institution__name", "refund_reference"]
    list_select_related = ["grant__program", f"grant__{GRANT_REGENCY}"]
    date_hierarchy = "submitted_on"
    ordering = ["-submitted_on", "-pk"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["grant", "status", "submitted_on"]}),
        (
            _("Dokumen"),
            {"fields": ["has_usage_report", "has_signed_statement", "has_receipts"]},
        ),
        (
            _("Penggunaan dan sisa dana"),
            {
                "fields": [
                    "amount_spent",
                    "refund_amount",
                    "refund_reference",
                    "refunded_on",
                ]
            },
        ),
        (
            _("Pemeriksaan"),
            {
                "fields": [
                    "note",
                    "recorded_by",
                    "reviewed_by",
                    "reviewed_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "grant",
            "status",
            "refund_reference",
            "refunded_on",
            "recorded_by",
            "reviewed_by",
            "reviewed_at",
            "created_at",
            "updated_at",
        ]
        # Once accepted, the refund owed has been settled on these amounts.
        if obj is not None and obj.status == AccountabilityReport.Status.ACCEPTED:
            readonly += ["amount_spent", "refund_amount"]
        return readonly

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kabupaten/kota"), ordering=f"grant__{GRANT_REGENCY}")
    def regency(self, obj: AccountabilityReport) -> str:
        return obj.grant.institution.village.district.regency.name

    @admin.display(description=_("dana terpakai"), ordering="amount_spent")
    def spent_display(self, obj: AccountabilityReport) -> str:
        return rupiah(obj.amount_spent)

    @admin.display(description=_("sisa dana disetor"), ordering="refund_amount")
    def refund_display(self, obj: AccountabilityReport) -> str:
        return rupiah(obj.refund_amount)

    @admin.display(description=_("dokumen lengkap"), boolean=True)
    def documents_complete(self, obj: AccountabilityReport) -> bool:
        return obj.has_usage_report and obj.has_signed_statement and obj.has_receipts


# The institution's page shows its grants; institutions knows nothing of grants.


class GrantInline(ReadOnlyInline):
    """The institution's grants at a glance; they are made through the workflow."""

    model = Grant
    fields = ["program", "amount_display", "status", "decree_number"]
    readonly_fields = fields
    show_change_link = True
    verbose_name = _("bantuan")
    verbose_name_plural = _("riwayat bantuan")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("program", "institution")
            .order_by("-program__year", "-pk")
        )

    @admin.display(description=_("nilai bantuan"), ordering="amount")
    def amount_display(self, obj: Grant) -> str:
        return rupiah(obj.amount)


admin.site.unregister(Institution)


@admin.register(Institution)
class InstitutionWithGrantsAdmin(InstitutionAdmin):
    inlines = [*InstitutionAdmin.inlines, GrantInline]


@admin.register(EligibilityOverride)
class EligibilityOverrideAdmin(ReadOnlyAdmin):
    """Granted by a Pimpinan on the proposal page; here only read, never removed."""

    list_display = ["institution", "program", "granted_by", "granted_at"]
    list_filter = [
        "program__year",
        regency_filter("institution__village__district__regency"),
    ]
    search_fields = ["institution__name", "reason"]
    list_select_related = ["institution", "program", "granted_by"]
    fields = [
        "program",
        "institution",
        "reason",
        "problems_list",
        "granted_by",
        "granted_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("kendala yang dikecualikan"))
    def problems_list(self, obj: EligibilityOverride) -> str:
        return format_html_join("", "<p>{}</p>", ((p,) for p in obj.problems or []))


# LPJ rounds, evidence and reminders ----------------------------------------------
# Written by the LPJ services and `send_lpj_reminders`; here only read. Files are
# opened through the grant page's download links, which check the user's scope.


class LpjItemReviewInline(ReadOnlyInline):
    model = LpjItemReview
    fields = ["kind", "in_order", "note"]


@admin.register(LpjRound)
class LpjRoundAdmin(ReadOnlyAdmin):
    list_display = [
        "report",
        "number",
        "submitted_on",
        "amount_spent",
        "refund_amount",
        "accepted",
        "reviewed_by",
    ]
    list_filter = ["accepted", "report__grant__program__year"]
    search_fields = ["report__grant__institution__name"]
    list_select_related = ["report__grant__institution", "report__grant__program"]
    fields = [
        "report",
        "number",
        "submitted_on",
        "amount_spent",
        "refund_amount",
        "submitted_by",
        "submitted_at",
        "accepted",
        "reviewed_by",
        "reviewed_at",
        "note",
    ]
    readonly_fields = fields
    inlines = [LpjItemReviewInline]


@admin.register(LpjEvidence)
class LpjEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["report", "kind", "round", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "round"]
    search_fields = ["report__grant__institution__name"]
    list_select_related = ["report__grant__institution", "report__grant__program"]
    # The stored name only: the file itself is served by the grant page's link.
    fields = ["report", "kind", "round", "stored_name", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("berkas"))
    def stored_name(self, obj: LpjEvidence) -> str:
        return obj.file.name


@admin.register(LpjReminder)
class LpjReminderAdmin(ReadOnlyAdmin):
    list_display = [
        "grant",
        "kind",
        "recipient",
        "due_date",
        "sent_at",
        "attempts",
    ]
    list_filter = ["kind", "due_date"]
    search_fields = ["grant__institution__name", "recipient"]
    list_select_related = ["grant__institution", "grant__program"]
    fields = [
        "grant",
        "kind",
        "recipient",
        "due_date",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
    ]
    readonly_fields = fields
