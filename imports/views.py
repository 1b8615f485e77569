"""Pages for bringing lists in (upload, preview, confirm) and taking them out
(templates and the exports of the institution, grant and beneficiary lists)."""

import datetime
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from grants.filters import GrantFilter
from grants.models import Grant
from grants.services import may_import_historical
from institutions.access import StaffPermissionMixin
from institutions.filters import EnrollmentFilter, InstitutionFilter
from institutions.models import BeneficiaryEnrollment, Institution, regency_scope

from . import exports
from .batches import (
    MSG_NOTHING_TO_DO,
    ImportRefused,
    Options,
    confirm_batch,
    preview_upload,
)
from .forms import ImportForm
from .lists import COLUMN_SETS
from .models import ImportBatch
from .report import Report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
LISTED = 50


def _batches(user):
    """The batches a user may see: all of them, or their own when limited to regencies."""
    batches = ImportBatch.objects.select_related("created_by", "imported_by")
    if regency_scope(user) is not None:
        batches = batches.filter(created_by=user)
    return batches


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
            may_create_programs=may_import_historical(request.user),
            initial={
                "institution": request.GET.get("lembaga", ""),
                "year": request.GET.get("tahun", ""),
            },
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            institution = data.get("institution_obj")
            options = Options(
                create_programs=data.get("create_programs", False),
                institution_id=institution.pk if institution else None,
                year=data.get("year"),
            )
            upload = data["file"]
            report, batch = preview_upload(
                upload.file,
                file_name=upload.name,
                kind=data["kind"],
                options=options,
                user=request.user,
            )
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
    page = Paginator(_batches(request.user), 25).get_page(request.GET.get("page"))
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


def _batch_for(request, pk: int) -> ImportBatch:
    return get_object_or_404(_batches(request.user), pk=pk)


@permission_required("imports.view_importbatch", raise_exception=True)
def import_detail(request, pk: int):
    """One import: the preview awaiting confirmation, or what the import did."""
    batch = _batch_for(request, pk)
    context = {
        "batch": batch,
        "report": Report.from_json(batch.report) if batch.report else None,
        "can_confirm": batch.can_confirm
        and request.user.has_perm("imports.add_importbatch"),
        "listed": LISTED,
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
    return render(request, "imports/import_detail.html", context)


@require_POST
@permission_required("imports.add_importbatch", raise_exception=True)
def import_confirm(request, pk: int):
    """Write a previewed list, all of it or nothing."""
    batch = _batch_for(request, pk)
    try:
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
    ImportBatch.Kind.RECIPIENTS: "Satu baris untuk satu bantuan: lembaga, tahun dan nilainya.",
    ImportBatch.Kind.INSTITUTIONS: "Satu baris untuk satu lembaga.",
    ImportBatch.Kind.BENEFICIARIES: (
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
    return InstitutionFilter(request.GET, queryset=queryset, request=request).qs


def _grant_records(request):
    queryset = exports.grants_for_export(
        Grant.objects.visible_to(request.user).order_by(
            "-program__year", "institution__name", "pk"
        )
    )
    return GrantFilter(request.GET, queryset=queryset, request=request).qs


def _enrollment_records(request):
    return EnrollmentFilter(
        request.GET, queryset=_enrollments(request.user), request=request
    ).qs


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


def export(request, what: str, fmt: str):
    """The list as its filters show it, in the columns the importer reads."""
    if what not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    permission, kind, records_of = EXPORTS[what]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    columns = COLUMN_SETS[kind]
    rows = exports.records_to_rows(
        columns, records_of(request).iterator(chunk_size=2000)
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


class BeneficiaryListView(StaffPermissionMixin, FilterView):
    """People served by institutions, per year, as imported."""

    permission_required = "institutions.view_beneficiaryenrollment"
    filterset_class = EnrollmentFilter
    template_name = "imports/import_beneficiaries.html"
    paginate_by = 50

    def get_queryset(self):
        return _enrollments(self.request.user)
