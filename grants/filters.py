import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.filters import (
    ALL,
    RegionFilter,
    SearchFilter,
    SelectFilter,
    SortFilter,
    YearFilter,
)
from institutions.models import District, Institution, Regency

from .models import Grant, LpjState, LpjStatus, Program


class GrantFilter(django_filters.FilterSet):
    q = SearchFilter(
        label=_("Cari"),
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("nama lembaga")}
        ),
    )
    tahun = YearFilter(field_name="program__year", label=_("Tahun"))
    dari = YearFilter(
        field_name="program__year", lookup_expr="gte", widget=forms.HiddenInput
    )
    sampai = YearFilter(
        field_name="program__year", lookup_expr="lte", widget=forms.HiddenInput
    )
    program = django_filters.ModelChoiceFilter(
        label=_("Program"),
        queryset=Program.objects.order_by("-year", "name"),
        empty_label=ALL,
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=Grant.Status.choices,
        # Checkboxes: a multi-select needs Ctrl-click and hides what is ticked.
        widget=forms.CheckboxSelectMultiple,
    )
    jenis = SelectFilter(
        field_name="institution__kind",
        label=_("Jenis"),
        choices=Institution.Kind.choices,
    )
    kabupaten = RegionFilter(
        field_name="institution__village__district__regency",
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.all(),
    )
    kecamatan = RegionFilter(
        field_name="institution__village__district",
        label=_("Kecamatan"),
        queryset=District.objects.all(),
        widget=forms.HiddenInput,
    )
    rekening_berubah = django_filters.BooleanFilter(
        label=_("Rekening berubah, menunggu konfirmasi"),
        method="bank_changed",
        widget=forms.CheckboxInput,
    )
    urut = SortFilter(
        label=_("Urutkan"),
        fields=(
            ("institution__name", "lembaga"),
            ("program__year", "tahun"),
            ("amount", "nilai"),
            ("status", "status"),
            ("updated_at", "diubah"),
        ),
        field_labels={
            "institution__name": _("Lembaga"),
            "program__year": _("Tahun"),
            "amount": _("Nilai"),
            "status": _("Status"),
            "updated_at": _("Terakhir diubah"),
        },
    )

    class Meta:
        model = Grant
        fields: list[str] = []

    def bank_changed(self, queryset, name, value):
        return queryset.bank_change_pending() if value else queryset

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(institution__name__icontains=value)
            | Q(institution__registration_number__icontains=value)
        )


class LpjFilter(django_filters.FilterSet):
    REFUND_DUE = "setor"
    STATES = [*LpjState.choices, (REFUND_DUE, Grant.Status.REFUND_DUE.label)]

    q = SearchFilter(
        label=_("Cari"), field_name="institution__name", lookup_expr="icontains"
    )
    tahun = YearFilter(field_name="program__year", label=_("Tahun"))
    kabupaten = RegionFilter(
        field_name="institution__village__district__regency",
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.all(),
    )
    keadaan = SelectFilter(
        label=_("Keadaan LPJ"), choices=STATES, method="filter_state"
    )

    class Meta:
        model = Grant
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        # The same states as LpjState.of, for the database.
        today = timezone.localdate()
        no_report = Q(
            status__in=Grant.AIDED_STATUSES, accountability_report__isnull=True
        )
        conditions = {
            LpjState.NOT_SUBMITTED: no_report & Q(program__lpj_due_date__gte=today),
            LpjState.OVERDUE: no_report & Q(program__lpj_due_date__lt=today),
            LpjState.SUBMITTED: Q(accountability_report__status=LpjStatus.SUBMITTED),
            LpjState.NEEDS_REVISION: Q(
                accountability_report__status=LpjStatus.NEEDS_REVISION
            ),
            LpjState.ACCEPTED: Q(accountability_report__status=LpjStatus.ACCEPTED),
            self.REFUND_DUE: Q(status=Grant.Status.REFUND_DUE),
        }
        return queryset.filter(conditions[value])


class ProgramFilter(django_filters.FilterSet):
    tahun = YearFilter(field_name="year", label=_("Tahun"))
    jenis_belanja = SelectFilter(
        field_name="spending_type",
        label=_("Jenis belanja"),
        choices=Program.SpendingType.choices,
    )
    q = SearchFilter(field_name="name", lookup_expr="icontains", label=_("Cari"))

    class Meta:
        model = Program
        fields: list[str] = []
