"""Pages for bringing lists in (upload, preview, confirm) and taking them out
(templates and the exports of the institution, grant and beneficiary lists)."""

import datetime
import tempfile
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from common.access_log import log_data_access
from common.masking import mask_nik
from common.models import DataAccessLog
from grants.filters import GrantFilter
from grants.models import Grant
from grants.services import can_manage_programs
from institutions.access import StaffPermissionMixin, can_see_full_nik
from institutions.filters import (
    EnrollmentFilter,
    InstitutionFilter,
    InvalidFiltersAre400,
    error_lines,
)
from institutions.forms import NikSearchForm
from institutions.models import BeneficiaryEnrollment, Institution, regency_scope

from . import batches, exports
from .batches import MSG_NOTHING_TO_DO, ImportRefused, confirm_batch, preview_upload
from .forms import ImportForm, RecheckForm, RowFilterForm
from .lists import COLUMN_SETS
from .models import ImportBatch
from .report import MAX_ROWS_LISTED, Report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
LISTED = 50
ROWS_PER_PAGE = 50


def _batches(user):
    """The batches a user may see: all of them, or their own when limited to regencies."""
    queryset = ImportBatch.objects.select_related("created_by", "imported_by")
    if regency_scope(user) is not None:
        queryset = queryset.filter(created_by=user)
    return queryset


@permission_required("imports.view_importbatch", raise_exception=True)
def import_index(request):
    """Upload a list and see its preview; the batches so far."""
    institutions = Institution.objects.visible_to(request.user)
    form = None
    report = None
    status = 200
    if request.user.has_perm("imports.add_importbatch"):
        form = ImportForm(
            request.POST or None,
            request.FILES or None,
            institutions=institutions,
            may_create_programs=_may_create_programs(request.user),
            initial={
                "institution": request.GET.get("lembaga", ""),
                "year": request.GET.get("tahun", ""),
            },
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report, batch = preview_upload(
                upload.file,
                file_name=upload.name,
                kind=form.cleaned_data["kind"],
                options=form.options(),
                user=request.user,
            )
            # Kept also with errors: its page shows them and offers a re-check.
            if batch is not None:
                return redirect(batch)
            if report.ok:
                messages.info(request, _(MSG_NOTHING_TO_DO))
            else:
                messages.error(
                    request, _("Berkas tidak dapat diimpor; tidak ada yang disimpan.")
                )
                status = 400
        else:
            status = 400
    # The reports (with their listed rows) are read one batch at a time, on its page.
    history = _batches(request.user).defer("report")
    page = Paginator(history, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/import_index.html",
        {
            "form": form,
            "report": report,
            "file_name": form.cleaned_data["file"].name if report else "",
            "page_obj": page,
            "batches": page.object_list,
            "templates": TEMPLATE_LINKS,
        },
        status=status,
    )


def _may_create_programs(user) -> bool:
    """Whether an import may create the programmes it needs (with typed ceilings)."""
    return can_manage_programs(user, "add_program")


def _batch_for(request, pk: int) -> ImportBatch:
    return get_object_or_404(_batches(request.user), pk=pk)


def _report_of(batch: ImportBatch) -> Report | None:
    return Report.from_json(batch.report) if batch.report else None


def _may_recheck(user, batch: ImportBatch) -> bool:
    return (
        batch.status in batches.RECHECKABLE
        and bool(batch.file)
        and user.has_perm("imports.add_importbatch")
    )


def _recheck_form(request, batch: ImportBatch, report: Report | None, data=None):
    return RecheckForm(
        data,
        batch=batch,
        new_programs=report.new_programs if report else [],
        institutions=Institution.objects.visible_to(request.user),
        may_create_programs=_may_create_programs(request.user),
    )


@permission_required("imports.view_importbatch", raise_exception=True)
def import_detail(request, pk: int):
    """One import: the preview awaiting confirmation, or what the import did."""
    return _detail(request, _batch_for(request, pk))


def _detail(request, batch: ImportBatch, recheck_form=None, status: int = 200):
    report = _report_of(batch)
    if recheck_form is None and _may_recheck(request.user, batch):
        recheck_form = _recheck_form(request, batch, report)
    shown = (
        [row for row in report.rows if row["action"] != "unchanged"] if report else []
    )
    context = {
        "batch": batch,
        "report": report,
        "rows": [_row_shown(row) for row in shown[:LISTED]],
        "rows_more": len(shown) > LISTED,
        "can_confirm": batch.can_confirm
        and request.user.has_perm("imports.add_importbatch"),
        "recheck_form": recheck_form,
        "listed": LISTED,
        "progress": batches.progress_of(batch) if batch.is_confirming else None,
    }
    if batch.status == ImportBatch.Status.IMPORTED:
        context["institutions"] = batch.institutions.select_related(
            "village__district__regency"
        ).order_by("name")[:LISTED]
        context["grants"] = batch.grants.select_related(
            "program", "institution"
        ).order_by("institution__name")[:LISTED]
        context["enrollments"] = batch.enrollments.select_related(
            "beneficiary", "institution"
        ).order_by("beneficiary__name")[:LISTED]
        context["created"] = {
            "institutions": batch.institutions.count(),
            "grants": batch.grants.count(),
            "enrollments": batch.enrollments.count(),
        }
    return render(request, "imports/import_detail.html", context, status=status)


@require_POST
@permission_required("imports.add_importbatch", raise_exception=True)
def import_recheck(request, pk: int):
    """Check the stored file again with other options; no new upload."""
    batch = _batch_for(request, pk)
    if not _may_recheck(request.user, batch):
        messages.error(
            request,
            _(batches.MSG_CANNOT_RECHECK)
            % {"status": batch.get_status_display().lower()},
        )
        return redirect(batch)
    form = _recheck_form(request, batch, _report_of(batch), request.POST)
    if not form.is_valid():
        return _detail(request, batch, recheck_form=form, status=400)
    try:
        report, batch = batches.recheck_batch(
            batch.pk, options=form.options(), user=request.user
        )
    except ImportRefused as refused:
        messages.error(request, refused.message)
        return redirect(batch)
    if report.ok:
        messages.success(request, _("Berkas diperiksa ulang dan lolos pemeriksaan."))
    else:
        messages.error(request, _("Berkas diperiksa ulang dan masih ada kesalahan."))
    return redirect(batch)


@permission_required("imports.view_importbatch", raise_exception=True)
def import_rows(request, pk: int):
    """The rows of an import's file, of one action or all, page by page."""
    batch = _batch_for(request, pk)
    report = _report_of(batch)
    form = RowFilterForm(request.GET)
    rows, counted, status = [], 0, 200
    if not form.is_valid():
        status = 400
    elif report is not None:
        rows = report.rows_of(form.action())
        counted = report.rows_counted(form.action())
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/import_rows.html",
        {
            "batch": batch,
            "report": report,
            "filter": SimpleNamespace(form=form),
            "page_obj": page,
            "rows": [_row_shown(row) for row in page.object_list],
            "listed": len(rows),
            "counted": counted,
            "cut": len(rows) < counted,
            "rows_listed_max": MAX_ROWS_LISTED,
        },
        status=status,
    )


ACTION_LABELS = {
    "new": gettext_noop("Baru"),
    "updated": gettext_noop("Diperbarui"),
    "unchanged": gettext_noop("Tidak berubah"),
    "rejected": gettext_noop("Ditolak"),
}
ACTION_BADGES = {"new": "accepted", "updated": "approved", "rejected": "rejected"}


def _row_shown(row: dict) -> dict:
    """A listed row (see `planning.RowListing`) in the words of the page."""
    values = row.get("values", {})
    places = [values.get(name) for name in ("desa", "kecamatan", "kabupaten")]
    status = values.get("status", "")
    if status in Grant.Status.values:
        status = Grant.Status(status).label
    return {
        "row": row["row"],
        "action": row["action"],
        "action_label": _(ACTION_LABELS[row["action"]]),
        "badge": ACTION_BADGES.get(row["action"], ""),
        "institution": values.get("nama_lembaga", ""),
        "place": ", ".join(p for p in places if p) or values.get("kode_desa", ""),
        "year": values.get("tahun", ""),
        "program": values.get("program", ""),
        "amount": values.get("nilai_bantuan", ""),
        "amount_is_money": isinstance(values.get("nilai_bantuan"), int),
        "status": status,
        "nik": values.get("nik", ""),
        "name": values.get("nama", ""),
        "errors": row.get("errors", []),
    }


@require_POST
@permission_required("imports.add_importbatch", raise_exception=True)
def import_confirm(request, pk: int):
    """Write a previewed list, all of it or nothing; a large one in the background."""
    batch = _batch_for(request, pk)
    try:
        if batches.confirms_in_background(batch):
            batch, queued = batches.queue_confirm(batch.pk, user=request.user)
            if queued:
                messages.info(
                    request,
                    _(
                        "Impor #%(pk)s sedang disimpan di latar belakang; halaman "
                        "ini menunjukkan kemajuannya dan hasilnya."
                    )
                    % {"pk": batch.pk},
                )
            return redirect(batch)
        batch, problem = confirm_batch(batch.pk, user=request.user)
    except ImportRefused as refused:
        messages.error(request, refused.message)
        return redirect(batch)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(
            request,
            _("Impor #%(pk)s selesai: %(new)s baris baru, %(updated)s diperbarui.")
            % {"pk": batch.pk, "new": batch.rows_new, "updated": batch.rows_updated},
        )
    return redirect(batch)


@permission_required("imports.add_importbatch", raise_exception=True)
def import_file(request, pk: int):
    """The uploaded file itself, as it was received."""
    batch = _batch_for(request, pk)
    if not batch.file:
        raise Http404
    return FileResponse(
        batch.file.open("rb"), as_attachment=True, filename=batch.file_name
    )


# Templates and exports -----------------------------------------------------------

TEMPLATE_NAMES = {
    ImportBatch.Kind.RECIPIENTS: "templat-penerima-bantuan",
    ImportBatch.Kind.INSTITUTIONS: "templat-lembaga",
    ImportBatch.Kind.BENEFICIARIES: "templat-penerima-manfaat",
}
TEMPLATE_NOTES = {
    ImportBatch.Kind.RECIPIENTS: gettext_noop(
        "Satu baris untuk satu bantuan: lembaga, tahun dan nilainya."
    ),
    ImportBatch.Kind.INSTITUTIONS: gettext_noop("Satu baris untuk satu lembaga."),
    ImportBatch.Kind.BENEFICIARIES: gettext_noop(
        "Satu baris untuk satu penerima manfaat; lembaga dan tahun dipilih saat impor."
    ),
}
TEMPLATE_LINKS = [
    (kind, label, TEMPLATE_NAMES[kind]) for kind, label in ImportBatch.Kind.choices
]


@permission_required("imports.view_importbatch", raise_exception=True)
def import_template(request, kind: str, fmt: str):
    """An empty list to fill in, with the columns the importer reads."""
    if kind not in COLUMN_SETS or fmt not in ("csv", "xlsx"):
        raise Http404
    columns = COLUMN_SETS[kind]
    name = f"{TEMPLATE_NAMES[kind]}.{fmt}"
    if fmt == "csv":
        content, content_type = exports.template_csv(columns), CSV
    else:
        content = exports.template_xlsx(columns, note=_(TEMPLATE_NOTES[kind]))
        content_type = XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _institution_records(request):
    queryset = (
        Institution.objects.visible_to(request.user)
        .select_related("village__district__regency")
        .order_by("name", "pk")
    )
    return _valid(InstitutionFilter(request.GET, queryset=queryset, request=request))


def _grant_records(request):
    queryset = exports.grants_for_export(
        Grant.objects.visible_to(request.user).order_by(
            "-program__year", "institution__name", "pk"
        )
    )
    return _valid(GrantFilter(request.GET, queryset=queryset, request=request))


def _enrollment_records(request):
    return _valid(
        EnrollmentFilter(
            request.GET, queryset=_enrollments(request.user), request=request
        )
    )


class InvalidExportFilter(Exception):
    def __init__(self, filterset):
        super().__init__()
        self.filterset = filterset


def _valid(filterset):
    """The rows the filters keep. An invalid filter is refused: django-filter
    would leave it out of `qs` and export every row."""
    if not filterset.is_valid():
        raise InvalidExportFilter(filterset)
    return filterset.qs


def _enrollments(user):
    return (
        BeneficiaryEnrollment.objects.filter(
            institution__in=Institution.objects.visible_to(user)
        )
        .select_related("beneficiary__village__district__regency", "institution")
        .order_by("-year", "institution__name", "beneficiary__name", "pk")
    )


EXPORTS = {
    "lembaga": (
        "institutions.view_institution",
        ImportBatch.Kind.INSTITUTIONS,
        _institution_records,
    ),
    "bantuan": ("grants.view_grant", ImportBatch.Kind.RECIPIENTS, _grant_records),
    "penerima-manfaat": (
        "institutions.view_beneficiaryenrollment",
        ImportBatch.Kind.BENEFICIARIES,
        _enrollment_records,
    ),
}
EXPORTED_LISTS = {
    "lembaga": "institutions:list",
    "bantuan": "grants:grant_list",
    "penerima-manfaat": "imports:beneficiary_list",
}


def _forget_refused_nik(request, form) -> None:
    """After the beneficiary filters refused a NIK in the search (see
    EnrollmentFilterForm), drop it from the request too: nothing on the 400 page
    (links, the language switch's return address) may repeat it."""
    if getattr(form, "nik_in_search", False):
        request.GET = form.data
        request.META["QUERY_STRING"] = form.data.urlencode()


def export(request, what: str, fmt: str):
    """The list as its filters show it, in the columns the importer reads; NIKs
    and account numbers masked for whoever may not see them whole. Every
    export is logged."""
    if what not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    permission, kind, records_of = EXPORTS[what]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    columns = COLUMN_SETS[kind]
    try:
        records = records_of(request)
    except InvalidExportFilter as invalid:
        _forget_refused_nik(request, invalid.filterset.form)
        return render(
            request,
            "400.html",
            {
                "message": _("Saringan ekspor tidak valid; tidak ada yang diekspor."),
                "problems": error_lines(invalid.filterset.form),
                "back_url": f"{reverse(EXPORTED_LISTS[what])}?{request.GET.urlencode()}",
            },
            status=400,
        )
    log_data_access(
        request,
        DataAccessLog.Action.EXPORT,
        gettext_noop("Ekspor %(list)s (%(format)s)")
        % {"list": what, "format": fmt.upper()},
        filters=request.GET.urlencode(),
        rows=records.count(),
    )
    rows = exports.records_to_rows(
        columns, records.iterator(chunk_size=2000), exports.masks_for(request.user)
    )
    name = f"{what}-{datetime.date.today():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(columns.names, rows), content_type=CSV
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    # FileResponse closes the spool once the download is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1_048_576)  # noqa: SIM115
    exports.write_xlsx(columns.names, rows, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)


class BeneficiaryListView(StaffPermissionMixin, InvalidFiltersAre400, FilterView):
    """People served by institutions, per year, as imported.

    The filters come by GET; a NIK comes by POST (NikSearchForm), so that it
    never lands in an address, and its matches are answered directly.
    """

    permission_required = "institutions.view_beneficiaryenrollment"
    filterset_class = EnrollmentFilter
    template_name = "imports/import_beneficiaries.html"
    paginate_by = 50
    nik_form = None

    def get_queryset(self):
        return _enrollments(self.request.user)

    def post(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.nik_form = NikSearchForm(request.POST)
        if not self.nik_form.is_valid():
            self.object_list = self.get_queryset().none()
            return self.render_to_response(self.get_context_data(), status=400)
        nik = self.nik_form.cleaned_data["nik"]
        self.object_list = self.get_queryset().filter(beneficiary__nik=nik)
        names = sorted({e.beneficiary.name for e in self.object_list})
        log_data_access(
            request,
            DataAccessLog.Action.FULL_NIK_VIEW
            if can_see_full_nik(request.user)
            else DataAccessLog.Action.NIK_SEARCH,
            gettext_noop("Pencarian NIK di daftar penerima manfaat: %(found)s")
            % {"found": ", ".join(names) or "-"},
            filters=f"NIK {mask_nik(nik)}",
            rows=len(self.object_list),
        )
        # Shown once with the results, then gone from the page.
        self.nik_form = NikSearchForm()
        return self.render_to_response(
            self.get_context_data(nik_searched=mask_nik(nik))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nik_form"] = self.nik_form or NikSearchForm()
        _forget_refused_nik(self.request, self.filterset.form)
        page = context.get("page_obj")
        shown = page.object_list if page is not None else context["object_list"]
        if (
            self.request.method == "GET"
            and can_see_full_nik(self.request.user)
            and len(shown)
        ):
            log_data_access(
                self.request,
                DataAccessLog.Action.FULL_NIK_VIEW,
                gettext_noop("Daftar penerima manfaat, halaman %(page)s")
                % {"page": page.number if page is not None else 1},
                filters=self.request.GET.urlencode(),
                rows=len(shown),
            )
        return context
