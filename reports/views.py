import functools

from django.contrib.auth.decorators import (
    login_not_required,
    login_required,
    permission_required,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_page
from django.views.decorators.vary import vary_on_cookie

from grants.models import LpjState, Program
from institutions.models import Regency, regency_scope

from . import queries, worklist
from .charts import Series, grouped_bars, horizontal_bars
from .exports import csv_response, pdf_response, xlsx_response
from .forms import PeriodForm

FORMATS = ("html", "csv", "xlsx", "pdf", "print")
PUBLIC_FORMATS = ("html", "csv")
PUBLIC_CACHE_SECONDS = 300

YEARLY_TITLE = gettext_lazy("Lembaga penerima bantuan per tahun")
REGION_TITLE = gettext_lazy("Lembaga penerima bantuan per wilayah")
LPJ_TITLE = gettext_lazy("Kepatuhan LPJ")
TRAINING_TITLE = gettext_lazy("Bimtek dan peserta")


@login_required
def home(request):
    """Beranda: the user's tasks, then this year's figures and two charts."""
    year = timezone.localdate().year
    latest_year = (
        Program.objects.order_by("-year").values_list("year", flat=True).first()
    )
    if latest_year and latest_year < year:
        year = latest_year
    period = queries.default_period()
    yearly = queries.yearly_report(request.user, period, range_totals=False)
    regions = queries.region_report(request.user, queries.Period(year, year))
    context = {
        "tasks": worklist.tasks_for(request.user),
        "figures": queries.year_figures(request.user, year),
        "year_chart": _year_chart(yearly),
        "region_chart": _region_chart(regions),
        "counted": queries.counted(),
    }
    return render(request, "reports/home.html", context)


@permission_required("grants.view_grant", raise_exception=True)
def index(request):
    return render(request, "reports/index.html")


def _year_chart(report: queries.YearlyReport):
    return grouped_bars(
        _("Lembaga dibantu per tahun"),
        [row.label for row in report.rows],
        [
            Series(kind.label, [row.cells[i].institutions for row in report.rows])
            for i, kind in enumerate(queries.KINDS)
        ],
    )


def _region_chart(report: queries.RegionReport):
    return horizontal_bars(
        _("Lembaga dibantu per wilayah"),
        [row.label for row in report.rows],
        [
            Series(kind.label, [row.cells[i].institutions for row in report.rows])
            for i, kind in enumerate(queries.KINDS)
        ],
    )


def _respond(request, fmt: str, *, template: str, context: dict, table, filename: str):
    """Answer one report in the format asked for, from the same figures."""
    if fmt == "csv":
        return csv_response(request, filename, *table())
    if fmt == "xlsx":
        return xlsx_response(request, filename, context["title"], *table())
    context["printed_on"] = timezone.localdate()
    if fmt == "pdf":
        return pdf_response(
            request, template.replace(".html", "_print.html"), context, filename
        )
    if fmt == "print":
        return render(request, template.replace(".html", "_print.html"), context)
    return render(request, template, context)


class BadReportRequest(Exception):
    """A period, format or regency the reports do not understand."""

    def __init__(self, form: PeriodForm):
        super().__init__()
        self.form = form


def _inputs(request, formats=FORMATS) -> tuple[str, queries.Period, PeriodForm]:
    """The format and period asked for, and the period control to show; or
    BadReportRequest with the form that says what is wrong."""
    form = PeriodForm(
        request.GET or None, default=queries.default_period(), formats=formats
    )
    if form.is_bound and not form.is_valid():
        raise BadReportRequest(form)
    period = form.period()
    return form.fmt, period, form.shown(period)


def report_view(template: str, title=None):
    """Answer 400 to parameters no report understands: the report's own page,
    in the layout, with the period control saying what is wrong and no figures.
    Whatever format was asked for, the answer is that page."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except BadReportRequest as bad:
                context = {"title": title, "form": bad.form, "invalid": True}
                return render(request, template, context, status=400)

        return wrapper

    return decorate


def _has_yearly_data(report: queries.YearlyReport) -> bool:
    return any(cell.grants for row in report.rows for cell in row.cells) or any(
        status["grants"]
        for _year, statuses in report.status_rows
        for status in statuses
    )


def yearly_table(report: queries.YearlyReport):
    columns = [
        "tahun",
        "jenis_lembaga",
        "jumlah_lembaga",
        "jumlah_bantuan",
        "total_nilai",
    ]
    rows = [
        [row.label, kind.label, cell.institutions, cell.grants, cell.amount]
        for row in report.rows
        for kind, cell in zip(queries.KINDS, row.cells, strict=True)
    ]
    rows += [
        [report.period.label, kind.label, cell.institutions, cell.grants, cell.amount]
        for kind, cell in zip(queries.KINDS, report.totals.cells, strict=True)
    ]
    return columns, rows


def _yearly(request, user, inputs, *, public: bool = False):
    fmt, period, form = inputs
    report = queries.yearly_report(user, period)
    context = {
        "title": str(YEARLY_TITLE),
        "report": report,
        "kinds": queries.KINDS,
        "form": form,
        "has_data": _has_yearly_data(report),
        "chart": _year_chart(report),
        "public": public,
    }
    return _respond(
        request,
        fmt,
        template="reports/yearly.html",
        context=context,
        table=lambda: yearly_table(report),
        filename=f"laporan-tahunan-{report.period.label}",
    )


@permission_required("grants.view_grant", raise_exception=True)
@report_view("reports/yearly.html", YEARLY_TITLE)
def yearly(request):
    """Per year: institutions aided, grants and amounts, and the range."""
    return _yearly(request, request.user, _inputs(request))


def region_table(report: queries.RegionReport):
    columns = [
        "kode_wilayah",
        "wilayah",
        "jenis_lembaga",
        "jumlah_lembaga",
        "jumlah_bantuan",
        "total_nilai",
        "persentase_nilai",
    ]
    rows = [
        [
            row.key,
            row.label,
            kind.label,
            cell.institutions,
            cell.grants,
            cell.amount,
            round(cell.share, 2),
        ]
        for row in report.rows
        for kind, cell in zip(queries.KINDS, row.cells, strict=True)
    ]
    return columns, rows


def _region(request, user, inputs, *, public: bool = False):
    fmt, period, form = inputs
    regency = None
    if form.regency:
        scope = None if user is None else regency_scope(user)
        regencies = Regency.objects.all()
        if scope is not None:
            regencies = regencies.filter(code__in=scope)
        regency = get_object_or_404(regencies, code=form.regency)
    report = queries.region_report(user, period, regency)
    context = {
        "title": str(REGION_TITLE),
        "report": report,
        "kinds": queries.KINDS,
        "form": form,
        "has_data": report.totals.total.grants > 0,
        "chart": _region_chart(report),
        "public": public,
    }
    suffix = f"-{regency.code}" if regency else ""
    return _respond(
        request,
        fmt,
        template="reports/region.html",
        context=context,
        table=lambda: region_table(report),
        filename=f"laporan-wilayah-{period.label}{suffix}",
    )


@permission_required("grants.view_grant", raise_exception=True)
@report_view("reports/region.html", REGION_TITLE)
def region(request):
    """Regency x kind for a year or range, drilling down to districts."""
    return _region(request, request.user, _inputs(request))


def lpj_table(report: queries.LpjReport):
    columns = [
        "kelompok",
        "nama",
        "wajib_lpj",
        "jatuh_tempo",
        *queries.LPJ_STATE_COLUMNS.values(),
        "wajib_setor",
        "nilai_wajib_setor",
    ]
    rows = [
        [
            group,
            row.label,
            row.aided,
            row.due,
            *row.state_counts,
            row.refund_due,
            row.refund_due_amount,
        ]
        for group, rows_ in (
            ("kabupaten", report.by_regency),
            ("program", report.by_program),
        )
        for row in rows_
    ]
    return columns, rows


@permission_required("grants.view_grant", raise_exception=True)
@report_view("reports/lpj.html", LPJ_TITLE)
def lpj(request):
    """LPJ compliance by regency and programme."""
    fmt, period, form = _inputs(request)
    report = queries.lpj_report(request.user, period)
    context = {
        "title": str(LPJ_TITLE),
        "report": report,
        "form": form,
        "has_data": report.totals.aided > 0,
        "chart": horizontal_bars(
            _("LPJ per kabupaten/kota"),
            [row.label for row in report.by_regency],
            [
                Series(state.label, [row.by_state[state] for row in report.by_regency])
                # Four fit the legend; not yet due is not yet a concern.
                for state in (
                    LpjState.ACCEPTED,
                    LpjState.SUBMITTED,
                    LpjState.NEEDS_REVISION,
                    LpjState.OVERDUE,
                )
            ],
        ),
    }
    return _respond(
        request,
        fmt,
        template="reports/lpj.html",
        context=context,
        table=lambda: lpj_table(report),
        filename=f"laporan-lpj-{period.label}",
    )


def training_table(report: queries.TrainingReport):
    columns = ["kelompok", "nama", "kegiatan", "peserta", "lembaga"]
    rows = [
        ["tahun", r["year"], r["events"], r["participants"], r["institutions"]]
        for r in report.by_year
    ]
    rows += [
        ["kabupaten", r["name"], r["events"], r["participants"], r["institutions"]]
        for r in report.by_regency
    ]
    rows += [
        ["jenis_lembaga", r["label"], "", r["participants"], r["institutions"]]
        for r in report.by_kind
    ]
    return columns, rows


@permission_required("grants.view_grant", raise_exception=True)
@report_view("reports/training.html", TRAINING_TITLE)
def training(request):
    """Training events and participants; aided institutions that attended."""
    fmt, period, form = _inputs(request)
    report = queries.training_report(request.user, period)
    context = {
        "title": str(TRAINING_TITLE),
        "report": report,
        "form": form,
        "has_data": bool(report.by_year),
        "chart": grouped_bars(
            _("Peserta Bimtek per tahun"),
            [str(r["year"]) for r in report.by_year],
            [Series(_("Peserta"), [r["participants"] for r in report.by_year])],
        ),
    }
    return _respond(
        request,
        fmt,
        template="reports/training.html",
        context=context,
        table=lambda: training_table(report),
        filename=f"laporan-bimtek-{period.label}",
    )


@login_not_required
@vary_on_cookie
@cache_page(PUBLIC_CACHE_SECONDS)
@report_view("reports/transparency.html")
def transparency(request):
    """Public page: province-wide aggregates, no personal data, no names."""
    inputs = _inputs(request, PUBLIC_FORMATS)
    fmt, period, form = inputs
    if fmt == "csv" and request.GET.get("laporan") == "wilayah":
        return _region(request, None, inputs, public=True)
    if fmt == "csv":
        return _yearly(request, None, inputs, public=True)
    yearly_report = queries.yearly_report(None, period)
    region_report = queries.region_report(None, period)
    context = {
        "yearly": yearly_report,
        "regions": region_report,
        "kinds": queries.KINDS,
        "form": form,
        "has_data": _has_yearly_data(yearly_report),
        "year_chart": _year_chart(yearly_report),
        "region_chart": _region_chart(region_report),
    }
    return render(request, "reports/transparency.html", context)
