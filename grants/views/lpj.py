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
    """Record the LPJ a grantee handed in."""
    grant = scoped_grant(request, pk)
    returned = AccountabilityReport.objects.filter(
        grant=grant, status=AccountabilityReport.Status.NEEDS_REVISION
    ).first()
    form = LpjForm(request.POST or None, grant=grant, instance=returned)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_lpj(grant, by=request.user, **form.cleaned_data)
        except services.GrantError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("LPJ dicatat."))
            return redirect("grants:grant_detail", pk=grant.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "grants/lpj_form.html", {"form": form, "grant": grant}, status=status
    )


@require_POST
@permission_required("grants.verify_grant", raise_exception=True)
def lpj_review(request, pk: int):
    """Accept an LPJ or ask for a revision."""
    grant = scoped_grant(request, pk)
    report = get_object_or_404(AccountabilityReport, grant=grant)
    form = LpjReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_lpj(
                report,
                by=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
                expected_status=form.cleaned_data["expected_status"],
                expected_version=form.cleaned_data["expected_version"] or None,
            )
        except services.NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except services.GrantError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Pemeriksaan LPJ dicatat."))
    else:
        # The page comes back with the form and its errors; nothing is recorded.
        messages.error(request, _("Pilih keputusan pemeriksaan LPJ."))
        return render_grant(request, grant, {"review_lpj": form}, status=400)
    return redirect("grants:grant_detail", pk=grant.pk)
