from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone

from grants.models import Program
from institutions.models import Institution

from . import queries


@login_required
def home(request):
    """Beranda: this year's figures and the user's work queues."""
    year = timezone.localdate().year
    latest_year = (
        Program.objects.order_by("-year").values_list("year", flat=True).first()
    )
    if latest_year and latest_year < year:
        year = latest_year
    context = {
        "queues": queries.work_queues(request.user),
        "figures": queries.year_figures(request.user, year),
    }
    return render(request, "reports/home.html", context)


@permission_required("grants.view_grant", raise_exception=True)
def index(request):
    """Laporan: institutions aided per year and kind."""
    years = sorted(Program.objects.values_list("year", flat=True).distinct())
    context = {
        "kinds": Institution.Kind.labels,
        "rows": queries.yearly_summary(request.user, years),
        "distinct": queries.distinct_over_range(request.user, years),
        "years": years,
    }
    return render(request, "reports/index.html", context)
