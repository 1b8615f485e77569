import re

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    Beneficiary,
    BeneficiaryEnrollment,
    District,
    Institution,
    InstitutionDocument,
    Regency,
    TrainingEvent,
    Village,
)
from .queries import with_document_expired, with_lpj_overdue

# The empty choice of every filter select: no narrowing.
ALL = _("Semua")
YES_NO = [("1", _("Ya")), ("0", _("Tidak"))]
# "Documents lapsing": expired, or ending within InstitutionDocument.LAPSING_DAYS.
DOCUMENTS_LAPSING = "segera"

# What a filter accepts, so that garbage in the address becomes a form error
# (and a 400) rather than a query the database or Python cannot run: a year a
# date can hold (`1e5` or twenty digits would overflow the year lookup), a row
# id a bigint can hold, a search of reasonable length.
YEAR_MIN, YEAR_MAX = 1900, 2100
ID_MAX = 2**63 - 1
SEARCH_MAX_LENGTH = 100
# The longest Kemendagri code (a village: 75.02.01.2004).
REGION_CODE_MAX_LENGTH = 13


def plausible_region_code(value: str | None) -> bool:
    """Whether a region code from the address is worth looking up: PostgreSQL
    refuses a NUL character in a query, and no code is longer than a village's."""
    return not value or ("\x00" not in value and len(value) <= REGION_CODE_MAX_LENGTH)


def _regions(queryset, **lookup):
    """`queryset.filter(**lookup)`, or nothing when a value cannot be a code."""
    if not all(plausible_region_code(value) for value in lookup.values()):
        return queryset.none()
    return queryset.filter(**lookup)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number: `1e5` or `2024.5` is a form error, not a Decimal to look up.
    Pass `min_value` and `max_value`."""

    field_class = forms.IntegerField

    def get_max_validator(self):
        return None


class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    """Free text, at most SEARCH_MAX_LENGTH characters (NUL is refused by the field)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        super().__init__(*args, **kwargs)


def error_lines(form) -> list[str]:
    """A form's errors as lines "Label: message", for a page that shows them
    without the form (an export's or a report's 400)."""
    lines = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label or name}: " if field is not None else ""
        lines.extend(f"{label}{error}" for error in errors)
    return lines


class InvalidFiltersAre400:
    """For a FilterView: filters that do not validate answer 400, with the form
    showing why and no rows (django-filter's strict mode would answer 200).
    The template gets `filters_invalid` to say why the list is empty."""

    def render_to_response(self, context, **response_kwargs):
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_bound and not filterset.is_valid():
            response_kwargs.setdefault("status", 400)
            context["filters_invalid"] = True
        return super().render_to_response(context, **response_kwargs)


class SelectFilter(django_filters.ChoiceFilter):
    """A choice whose empty option reads "Semua", as on every filter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", ALL)
        super().__init__(*args, **kwargs)


class RegionFilter(django_filters.ModelChoiceFilter):
    """A regency, district or village: "Semua", then the names in alphabetical
    order (the codes' order means nothing to a reader)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", ALL)
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if queryset is None else queryset.order_by("name", "code")


def _descending(label) -> str:
    return gettext("%(field)s (menurun)") % {"field": label}


descending_label = lazy(_descending, str)


class SortFilter(django_filters.OrderingFilter):
    """Sorting in our words: django-filter has no Indonesian catalogue, and
    its "(descending)" would be fixed in one language when the class is made."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Urutan bawaan"))
        super().__init__(*args, **kwargs)

    def build_choices(self, fields, labels):
        downwards = {
            f"-{param}": descending_label(labels.get(field, pretty_name(param)))
            for field, param in fields.items()
        }
        return super().build_choices(fields, {**downwards, **labels})


class RegionFilterMixin:
    """Lists districts and villages only inside the chosen regency/district."""

    def narrow_region_choices(self) -> None:
        regency = self.data.get("kabupaten")
        district = self.data.get("kecamatan")
        # Without the parent, accept just the value asked for (a link from a
        # report may name only a district).
        self.filters["kecamatan"].queryset = (
            _regions(District.objects.all(), regency_id=regency)
            if regency
            else _regions(District.objects.all(), pk=district or None)
        )
        village = self.data.get("desa")
        self.filters["desa"].queryset = (
            _regions(Village.objects.all(), district_id=district)
            if district
            else _regions(Village.objects.all(), pk=village or None)
        )


class InstitutionFilter(RegionFilterMixin, django_filters.FilterSet):
    q = SearchFilter(
        label=_("Cari"),
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("nama, nomor register, NPWP")}
        ),
    )
    jenis = SelectFilter(
        field_name="kind", label=_("Jenis"), choices=Institution.Kind.choices
    )
    kabupaten = RegionFilter(
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
    kecamatan = RegionFilter(
        field_name="village__district",
        label=_("Kecamatan"),
        queryset=District.objects.none(),
        widget=forms.Select(
            attrs={"data-chain-child": "id_desa", "data-chain-url": "/wilayah/desa/"}
        ),
    )
    desa = RegionFilter(
        field_name="village", label=_("Desa/kelurahan"), queryset=Village.objects.none()
    )
    aktif = SelectFilter(
        label=_("Aktif"),
        choices=YES_NO,
        method="filter_active",
    )
    dokumen_kedaluwarsa = SelectFilter(
        label=_("Dokumen kedaluwarsa"),
        choices=[
            *YES_NO,
            # The label names InstitutionDocument.LAPSING_DAYS (lazy text cannot be
            # formatted when the class is built).
            (DOCUMENTS_LAPSING, _("Kedaluwarsa atau berakhir dalam 30 hari")),
        ],
        method="filter_document_expired",
    )
    lpj_terlambat = SelectFilter(
        label=_("LPJ terlambat"),
        choices=YES_NO,
        method="filter_lpj_overdue",
    )
    urut = SortFilter(
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
        if value == DOCUMENTS_LAPSING:
            return with_document_expired(
                queryset, within_days=InstitutionDocument.LAPSING_DAYS
            )
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
    q = SearchFilter(label=_("Cari"), field_name="title", lookup_expr="icontains")
    tahun = YearFilter(field_name="start_date__year", label=_("Tahun"))
    kabupaten = RegionFilter(
        field_name="regency", label=_("Kabupaten/kota"), queryset=Regency.objects.all()
    )
    jenis = SelectFilter(
        field_name="kind", label=_("Jenis"), choices=TrainingEvent.Kind.choices
    )

    class Meta:
        model = TrainingEvent
        fields: list[str] = []


# Six digits or more, possibly in groups (`7502 0145 0890 0001`): a NIK or most
# of one, which must not travel in an address (see NikSearchForm).
DIGIT_RUN = re.compile(r"[0-9](?:[ .\-]?[0-9]){5,}")
MSG_NIK_IN_ADDRESS = _(
    "Pencarian ini tidak menerima NIK atau 6 angka atau lebih. Cari NIK dengan "
    'formulir "Cari NIK" di halaman ini: NIK dikirim tanpa masuk ke alamat halaman.'
)


def has_digit_run(value: str | None) -> bool:
    return bool(value) and DIGIT_RUN.search(value) is not None


class EnrollmentFilterForm(forms.Form):
    """The beneficiary list's filters; a NIK in the search is refused and not
    shown again (the 400 page must not repeat it in a link or a field)."""

    def __init__(self, data=None, *args, **kwargs):
        searches = (
            data.getlist("q") if hasattr(data, "getlist") else [(data or {}).get("q")]
        )
        self.nik_in_search = any(has_digit_run(value) for value in searches)
        if self.nik_in_search:
            data = data.copy()
            data.pop("q")
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        if self.nik_in_search:
            self.add_error("q", MSG_NIK_IN_ADDRESS)
        return cleaned_data


class EnrollmentFilter(django_filters.FilterSet):
    """Beneficiaries as enrolled with an institution in a year. NIKs are not
    searched here but by POST (NikSearchForm)."""

    q = SearchFilter(
        label=_("Cari"),
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("nama penerima atau lembaga")}
        ),
    )
    lembaga = IntegerFilter(
        field_name="institution_id",
        label=_("Lembaga"),
        widget=forms.HiddenInput,
        min_value=1,
        max_value=ID_MAX,
    )
    tahun = YearFilter(field_name="year", label=_("Tahun"))
    kategori = SelectFilter(
        field_name="beneficiary__category",
        label=_("Kategori"),
        choices=Beneficiary.Category.choices,
    )
    kabupaten = RegionFilter(
        field_name="institution__village__district__regency",
        label=_("Kabupaten/kota"),
        queryset=Regency.objects.all(),
    )

    class Meta:
        model = BeneficiaryEnrollment
        fields: list[str] = []
        form = EnrollmentFilterForm

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(beneficiary__name__icontains=value)
            | Q(institution__name__icontains=value)
        )
