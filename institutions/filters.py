import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Beneficiary,
    BeneficiaryEnrollment,
    District,
    Institution,
    Regency,
    TrainingEvent,
    Village,
)
from .queries import with_document_expired, with_lpj_overdue

YES_NO = [("", _("Semua")), ("1", _("Ya")), ("0", _("Tidak"))]


class RegionFilterMixin:
    """Lists districts and villages only inside the chosen regency/district."""

    def narrow_region_choices(self) -> None:
        regency = self.data.get("kabupaten")
        district = self.data.get("kecamatan")
        # Without the parent, accept just the value asked for (a link from a
        # report may name only a district).
        self.filters["kecamatan"].queryset = (
            District.objects.filter(regency_id=regency)
            if regency
            else District.objects.filter(pk=district or None)
        )
        village = self.data.get("desa")
        self.filters["desa"].queryset = (
            Village.objects.filter(district_id=district)
            if district
            else Village.objects.filter(pk=village or None)
        )


class InstitutionFilter(RegionFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Cari"),
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("nama, nomor register, NPWP")}
        ),
    )
    jenis = django_filters.ChoiceFilter(
        field_name="kind", label=_("Jenis"), choices=Institution.Kind.choices
    )
    kabupaten = django_filters.ModelChoiceFilter(
        field_name="village__district__regency",
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.all(),
        widget=forms.Select(
            attrs={
                "data-chain-child": "id_kecamatan",
                "data-chain-url": "/wilayah/kecamatan/",
            }
        ),
    )
    kecamatan = django_filters.ModelChoiceFilter(
        field_name="village__district",
        label=_("Kecamatan"),
        queryset=District.objects.none(),
        widget=forms.Select(
            attrs={"data-chain-child": "id_desa", "data-chain-url": "/wilayah/desa/"}
        ),
    )
    desa = django_filters.ModelChoiceFilter(
        field_name="village", label=_("Desa/kelurahan"), queryset=Village.objects.none()
    )
    aktif = django_filters.ChoiceFilter(
        label=_("Aktif"),
        choices=YES_NO[1:],
        method="filter_active",
        empty_label=_("Semua"),
    )
    dokumen_kedaluwarsa = django_filters.ChoiceFilter(
        label=_("Dokumen kedaluwarsa"),
        choices=YES_NO[1:],
        method="filter_document_expired",
        empty_label=_("Semua"),
    )
    lpj_terlambat = django_filters.ChoiceFilter(
        label=_("LPJ terlambat"),
        choices=YES_NO[1:],
        method="filter_lpj_overdue",
        empty_label=_("Semua"),
    )
    urut = django_filters.OrderingFilter(
        label=_("Urutkan"),
        fields=(
            ("name", "nama"),
            ("kind", "jenis"),
            ("village__name", "desa"),
            ("created_at", "dibuat"),
        ),
        field_labels={
            "name": _("Nama"),
            "kind": _("Jenis"),
            "village__name": _("Desa/kelurahan"),
            "created_at": _("Tanggal dicatat"),
        },
    )

    class Meta:
        model = Institution
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_region_choices()

    def search(self, queryset, name, value):
        digits = "".join(ch for ch in value if ch.isdigit())
        condition = Q(name__icontains=value) | Q(registration_number__icontains=value)
        if len(digits) >= 4:
            condition |= Q(npwp__contains=digits)
        return queryset.filter(condition)

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "1")

    def filter_document_expired(self, queryset, name, value):
        expired = with_document_expired(queryset)
        return (
            expired if value == "1" else queryset.exclude(pk__in=expired.values("pk"))
        )

    def filter_lpj_overdue(self, queryset, name, value):
        overdue = with_lpj_overdue(queryset)
        return (
            overdue if value == "1" else queryset.exclude(pk__in=overdue.values("pk"))
        )


class TrainingEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Cari"), field_name="title", lookup_expr="icontains"
    )
    tahun = django_filters.NumberFilter(field_name="start_date__year", label=_("Tahun"))
    kabupaten = django_filters.ModelChoiceFilter(
        field_name="regency", label=_("Kabupaten/kota"), queryset=Regency.objects.all()
    )
    jenis = django_filters.ChoiceFilter(
        field_name="kind", label=_("Jenis"), choices=TrainingEvent.Kind.choices
    )

    class Meta:
        model = TrainingEvent
        fields: list[str] = []


class EnrollmentFilter(django_filters.FilterSet):
    """Beneficiaries as enrolled with an institution in a year."""

    q = django_filters.CharFilter(
        label=_("Cari"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("nama, NIK")}),
    )
    lembaga = django_filters.NumberFilter(
        field_name="institution_id", label=_("Lembaga"), widget=forms.HiddenInput
    )
    tahun = django_filters.NumberFilter(field_name="year", label=_("Tahun"))
    kategori = django_filters.ChoiceFilter(
        field_name="beneficiary__category",
        label=_("Kategori"),
        choices=Beneficiary.Category.choices,
    )
    kabupaten = django_filters.ModelChoiceFilter(
        field_name="institution__village__district__regency",
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.all(),
    )

    class Meta:
        model = BeneficiaryEnrollment
        fields: list[str] = []

    def search(self, queryset, name, value):
        digits = "".join(ch for ch in value if ch.isdigit())
        condition = Q(beneficiary__name__icontains=value) | Q(
            institution__name__icontains=value
        )
        if len(digits) >= 4:
            condition |= Q(beneficiary__nik__startswith=digits)
        return queryset.filter(condition)
