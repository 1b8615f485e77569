"""LPJ pages: the list, recording a report, reviewing it."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from institutions.access import StaffPermissionMixin
from institutions.filters import InvalidFiltersAre400

from .. import services
from ..filters import LpjFilter
from ..forms import LpjForm, LpjReviewForm
from ..models import AccountabilityReport, Grant
from .workflow import render_grant, scoped_grant


class LpjListView(StaffPermissionMixin, InvalidFiltersAre400, FilterView):
    permission_required = "grants.view_accountabilityreport"
    filterset_class = LpjFilter
    template_name = "grants/lpj_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            Grant.objects.visible_to(self.request.user)
            .aided()
            .select_related(
                "program",
                "institution__village__district__regency",
                "accountability_report",
            )
            .order_by("program__lpj_due_date", "institution__name", "pk")
        )


@permission_required("grants.add_accountabilityreport", raise_exception=True)
def lpj_record(request, pk: int):
    """Record the LPJ a grantee handed in, with its evidence, or its correction."""
    grant = scoped_grant(request, pk)
    returned = AccountabilityReport.objects.filter(
        grant=grant, status=AccountabilityReport.Status.NEEDS_REVISION
    ).first()
    form = LpjForm(
        request.POST or None,
        request.FILES or None,
        required_kinds=services.kinds_to_upload(returned),
        returned=returned,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_lpj(grant, by=request.user, **form.service_arguments())
        except services.GrantError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("LPJ dicatat."))
            return redirect("grants:grant_detail", pk=grant.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "grant": grant,
        "returned": returned,
        "disbursed_total": services.disbursed_total(grant),
    }
    return render(request, "grants/lpj_form.html", context, status=status)


@require_POST
@permission_required("grants.verify_grant", raise_exception=True)
def lpj_review(request, pk: int):
    """Record the finding on each evidence item: accepted, or back for a fix."""
    grant = scoped_grant(request, pk)
    report = get_object_or_404(AccountabilityReport, grant=grant)
    # Whatever the form says: the page never offers it to the LPJ's recorder.
    if report.recorded_by_id is not None and report.recorded_by_id == request.user.pk:
        raise PermissionDenied(_(services.MSG_OWN_LPJ))
    form = LpjReviewForm(request.POST, report=report)
    if not form.is_valid():
        # The page comes back with the form and its errors; nothing is recorded.
        messages.error(request, _("Periksa kembali isian yang ditandai."))
        return render_grant(request, grant, {"review_lpj": form}, status=400)
    try:
        report = services.review_lpj(
            report,
            by=request.user,
            items=form.findings(),
            note=form.cleaned_data["note"],
            expected_status=form.cleaned_data["expected_status"],
            expected_version=form.cleaned_data["expected_version"] or None,
        )
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except services.LpjNotBalanced as error:
        form.add_error(None, error.message)
        return render_grant(request, grant, {"review_lpj": form}, status=400)
    except services.GrantError as error:
        messages.error(request, error.message)
    else:
        if report.status == AccountabilityReport.Status.ACCEPTED:
            messages.success(request, _("LPJ diterima."))
        else:
            messages.success(
                request, _("LPJ dikembalikan kepada Operator untuk diperbaiki.")
            )
    return redirect("grants:grant_detail", pk=grant.pk)
