"""Programme pages: list, detail, create and edit, close and reopen."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from institutions.access import StaffPermissionMixin
from institutions.audit import history
from institutions.filters import InvalidFiltersAre400

from .. import services
from ..filters import ProgramFilter
from ..forms import ProgramForm
from ..models import Disbursement, Grant, Program


class ProgramListView(StaffPermissionMixin, InvalidFiltersAre400, FilterView):
    permission_required = "grants.view_program"
    filterset_class = ProgramFilter
    template_name = "grants/program_list.html"
    paginate_by = 25

    def get_queryset(self):
        return (
            Program.objects.with_committed_total()
            .annotate(grant_count=Count("grants"))
            .order_by("-year", "name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = services.can_manage_programs(
            self.request.user, "add_program"
        )
        return context


class ProgramDetailView(StaffPermissionMixin, DetailView):
    permission_required = "grants.view_program"
    model = Program
    template_name = "grants/program_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.object
        grants = Grant.objects.filter(program=program).visible_to(self.request.user)
        by_status = {
            row["status"]: row
            for row in grants.values("status").annotate(
                count=Count("pk"), total=Sum("amount")
            )
        }
        # Totals against the ceiling always cover the whole province. Payments
        # are summed apart: joining them to grants would count a grant paid in
        # instalments once per instalment.
        committed = Grant.objects.filter(program=program).committed_total()
        context.update(
            status_rows=[
                (status, by_status.get(status.value, {"count": 0, "total": 0}))
                for status in Grant.Status
            ],
            committed_total=committed,
            disbursed_total=Disbursement.objects.filter(
                grant__program=program
            ).aggregate(total=Sum("amount", default=0))["total"],
            room=program.budget_ceiling - committed,
            can_manage=services.can_manage_programs(self.request.user),
            history=history(program)[:20],
        )
        return context


class ProgramFormMixin(StaffPermissionMixin):
    """Programmes cover the whole province: regency-limited users get 403."""

    model = Program
    form_class = ProgramForm
    template_name = "grants/program_form.html"
    success_message = ""

    def has_permission(self):
        return super().has_permission() and services.can_manage_programs(
            self.request.user, self.permission_required.split(".")[1]
        )

    def form_valid(self, form):
        try:
            self.object = services.save_program(
                form.instance,
                by=self.request.user,
                changed_fields=[str(form.fields[f].label) for f in form.changed_data],
            )
        except services.ProgramError as error:
            form.add_error(error.field, error.message)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(reverse("grants:program_detail", args=[self.object.pk]))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class ProgramCreateView(ProgramFormMixin, CreateView):
    permission_required = "grants.add_program"

    @property
    def success_message(self):
        return _("Program dicatat.")


class ProgramUpdateView(ProgramFormMixin, UpdateView):
    permission_required = "grants.change_program"

    @property
    def success_message(self):
        return _("Perubahan disimpan.")


@require_POST
@permission_required("grants.change_program", raise_exception=True)
def program_open_close(request, pk: int, action: str):
    """Close a programme to new proposals, or open it again."""
    program = get_object_or_404(Program, pk=pk)
    step = {"tutup": services.close_program, "buka": services.reopen_program}.get(
        action
    )
    if step is None:
        raise PermissionDenied
    try:
        step(program, by=request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except services.ProgramError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Program ditutup; usulan baru tidak diterima lagi.")
            if action == "tutup"
            else _("Program dibuka kembali untuk usulan."),
        )
    return redirect("grants:program_detail", pk=program.pk)
