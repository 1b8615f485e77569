from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from institutions.access import StaffPermissionMixin
from institutions.audit import history, record_change
from institutions.models import Institution

from . import services
from .filters import GrantFilter, LpjFilter, ProgramFilter
from .forms import (
    ApproveForm,
    BulkActionForm,
    DisburseForm,
    LpjForm,
    LpjReviewForm,
    ProgramForm,
    ProposeForm,
    ReasonForm,
    RefundForm,
    ResubmitForm,
    VerifyForm,
)
from .models import AccountabilityReport, Disbursement, Grant, Program

# Programmes ----------------------------------------------------------------


class ProgramListView(StaffPermissionMixin, FilterView):
    permission_required = "grants.view_program"
    filterset_class = ProgramFilter
    template_name = "grants/program_list.html"
    paginate_by = 25

    def get_queryset(self):
        committed = Q(grants__status__in=Grant.COMMITTED_STATUSES)
        return Program.objects.annotate(
            grant_count=Count("grants"),
            committed_total=Sum("grants__amount", filter=committed, default=0),
        ).order_by("-year", "name")


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
        # Totals against the ceiling always cover the whole province.
        # Two queries: summing amounts across the disbursement join would count a
        # grant paid in instalments once per instalment.
        totals = Grant.objects.filter(program=program).aggregate(
            committed=Sum(
                "amount", filter=Q(status__in=Grant.COMMITTED_STATUSES), default=0
            ),
        )
        totals["disbursed"] = Disbursement.objects.filter(
            grant__program=program
        ).aggregate(total=Sum("amount", default=0))["total"]
        context.update(
            status_rows=[
                (status, by_status.get(status.value, {"count": 0, "total": 0}))
                for status in Grant.Status
            ],
            committed_total=totals["committed"],
            disbursed_total=totals["disbursed"],
            room=program.budget_ceiling - totals["committed"],
            history=history(program)[:20],
        )
        return context


class ProgramFormMixin:
    model = Program
    form_class = ProgramForm
    template_name = "grants/program_form.html"

    def get_success_url(self):
        return reverse("grants:program_detail", args=[self.object.pk])


class ProgramCreateView(StaffPermissionMixin, ProgramFormMixin, CreateView):
    permission_required = "grants.add_program"

    def form_valid(self, form):
        response = super().form_valid(form)
        record_change(self.request.user, self.object, created=True)
        messages.success(self.request, _("Program dicatat."))
        return response


class ProgramUpdateView(StaffPermissionMixin, ProgramFormMixin, UpdateView):
    permission_required = "grants.change_program"

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.changed_data:
            record_change(
                self.request.user,
                self.object,
                created=False,
                changed_fields=[str(form.fields[f].label) for f in form.changed_data],
            )
        messages.success(self.request, _("Perubahan disimpan."))
        return response


# Grants --------------------------------------------------------------------


class GrantListView(StaffPermissionMixin, FilterView):
    permission_required = "grants.view_grant"
    filterset_class = GrantFilter
    template_name = "grants/grant_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            Grant.objects.visible_to(self.request.user)
            .select_related("program", "institution__village__district__regency")
            .order_by("-program__year", "institution__name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["bulk_actions"] = [
            (value, label)
            for value, label in BulkActionForm.ACTIONS
            if user.has_perm(f"grants.{value}_grant")
        ]
        return context


def _scoped_grant(request, pk: int) -> Grant:
    queryset = Grant.objects.visible_to(request.user).select_related(
        "program", "institution__village__district__regency", "proposed_by"
    )
    return get_object_or_404(queryset, pk=pk)


ACTION_FORMS = {
    "verify": VerifyForm,
    "return": ReasonForm,
    "reject": ReasonForm,
    "resubmit": ResubmitForm,
    "approve": ApproveForm,
    "disburse": DisburseForm,
    "refund": RefundForm,
}


def _action_form(action: str, grant: Grant, data=None):
    form_class = ACTION_FORMS[action]
    kwargs = {"prefix": action, "initial": {"expected_status": grant.status}}
    if action == "verify":
        kwargs["checklist"] = grant.program.checklist or []
    if action == "resubmit":
        kwargs["initial"].update(amount=grant.amount, purpose=grant.purpose)
    if action == "disburse":
        kwargs["initial"]["amount"] = grant.amount - grant.disbursed_amount()
    return form_class(data, **kwargs)


def _render_grant(request, grant: Grant, bound_forms: dict | None = None, status=200):
    actions = services.available_actions(grant, request.user)
    forms = {action: _action_form(action, grant) for action in actions}
    forms.update(bound_forms or {})
    context = {
        "grant": grant,
        "forms": forms,
        "events": grant.events.select_related("actor").order_by("created_at", "pk"),
        "disbursements": grant.disbursements.select_related("recorded_by"),
        "disbursed_total": grant.disbursed_amount(),
        "report": AccountabilityReport.objects.filter(grant=grant).first(),
        "is_own": grant.proposed_by_id == request.user.pk,
    }
    return render(request, "grants/grant_detail.html", context, status=status)


@permission_required("grants.view_grant", raise_exception=True)
def grant_detail(request, pk: int):
    return _render_grant(request, _scoped_grant(request, pk))


def _perform(action: str, grant: Grant, form, user):
    data = form.cleaned_data
    expected = data["expected_status"]
    if action == "verify":
        return services.verify_grant(
            grant,
            by=user,
            checklist=form.checklist_results(),
            note=data["note"],
            expected_status=expected,
        )
    if action == "return":
        return services.return_grant(
            grant, by=user, note=data["note"], expected_status=expected
        )
    if action == "reject":
        return services.reject_grant(
            grant, by=user, reason=data["note"], expected_status=expected
        )
    if action == "resubmit":
        return services.resubmit_grant(
            grant,
            by=user,
            amount=data["amount"],
            purpose=data["purpose"],
            note=data["note"],
            expected_status=expected,
        )
    if action == "approve":
        return services.approve_grant(
            grant,
            by=user,
            decree_number=data["decree_number"],
            decree_date=data["decree_date"],
            note=data["note"],
            expected_status=expected,
        )
    if action == "disburse":
        return services.record_disbursement(
            grant,
            by=user,
            paid_on=data["paid_on"],
            amount=data["amount"],
            transfer_reference=data["transfer_reference"],
            expected_status=expected,
        )
    return services.record_refund(
        grant,
        by=user,
        refunded_on=data["refunded_on"],
        refund_reference=data["refund_reference"],
        expected_status=expected,
    )


ACTION_DONE = {
    "verify": "Bantuan diverifikasi.",
    "return": "Usulan dikembalikan untuk diperbaiki.",
    "reject": "Usulan ditolak.",
    "resubmit": "Usulan diajukan kembali.",
    "approve": "Bantuan disetujui.",
    "disburse": "Penyaluran dicatat.",
    "refund": "Setoran sisa dana dicatat; bantuan selesai.",
}


@require_POST
def grant_action(request, pk: int, action: str):
    """Run one workflow action on one grant; the service decides, the view reports."""
    if action not in ACTION_FORMS:
        raise Http404
    grant = _scoped_grant(request, pk)
    if not request.user.has_perm("grants.view_grant"):
        raise PermissionDenied
    form = _action_form(action, grant, request.POST)
    if not form.is_valid():
        messages.error(request, _("Periksa kembali isian yang ditandai."))
        return _render_grant(request, grant, {action: form}, status=400)
    try:
        _perform(action, grant, form, request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except services.GrantError as error:
        messages.error(request, error.message)
        grant.refresh_from_db()
        if isinstance(error, services.StaleGrant):
            return redirect("grants:grant_detail", pk=grant.pk)
        return _render_grant(request, grant, {action: form}, status=409)
    messages.success(request, _(ACTION_DONE[action]))
    return redirect("grants:grant_detail", pk=grant.pk)


def _safe_next(request) -> str:
    """Back to the filtered list the bulk form came from, never another site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("grants:grant_list")


@require_POST
def grant_bulk(request):
    """Verify or approve several grants, each through the same service."""
    queryset = Grant.objects.visible_to(request.user).select_related(
        "program", "institution"
    )
    form = BulkActionForm(request.POST, queryset=queryset)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(_safe_next(request))
    action = form.cleaned_data["action"]
    if not request.user.has_perm(f"grants.{action}_grant"):
        raise PermissionDenied
    done = 0
    for grant in form.cleaned_data["grants"]:
        try:
            if action == "verify":
                checklist = {
                    item: {"ok": True} for item in grant.program.checklist or []
                }
                services.verify_grant(
                    grant,
                    by=request.user,
                    checklist=checklist,
                    note=_("Verifikasi massal."),
                    expected_status=Grant.Status.PROPOSED,
                )
            else:
                services.approve_grant(
                    grant,
                    by=request.user,
                    decree_number=form.cleaned_data["decree_number"],
                    decree_date=form.cleaned_data["decree_date"],
                    expected_status=Grant.Status.VERIFIED,
                )
        except services.GrantError as error:
            messages.error(request, f"{grant.institution}: {error.message}")
        else:
            done += 1
            messages.success(request, f"{grant.institution}: {_(ACTION_DONE[action])}")
    messages.info(
        request,
        _("%(done)s dari %(total)s bantuan berhasil diproses.")
        % {"done": done, "total": len(form.cleaned_data["grants"])},
    )
    return redirect(_safe_next(request))


@permission_required("grants.propose_grant", raise_exception=True)
def grant_propose(request):
    """Propose a grant for an institution, showing the eligibility warnings first."""
    institution_id = request.GET.get("lembaga") or request.POST.get("lembaga")
    institutions = Institution.objects.visible_to(request.user).with_region()
    if not institution_id or not str(institution_id).isdigit():
        messages.info(
            request, _("Pilih lembaga yang akan diusulkan dari daftar lembaga.")
        )
        return redirect("institutions:list")
    institution = get_object_or_404(institutions, pk=institution_id)
    form = ProposeForm(request.POST or None, institution=institution)
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        program = form.cleaned_data["program"]
        eligibility = services.check_eligibility(program, institution)
        warnings = eligibility.warnings
        if not eligibility.ok:
            for error in eligibility.errors:
                form.add_error("program", error)
        elif warnings and not form.cleaned_data["accept_warnings"]:
            form.add_error(
                "accept_warnings",
                _("Centang untuk tetap mengusulkan meskipun ada peringatan."),
            )
        else:
            try:
                grant, _warnings = services.propose_grant(
                    program=program,
                    institution=institution,
                    amount=form.cleaned_data["amount"],
                    purpose=form.cleaned_data["purpose"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except services.NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except services.GrantError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Usulan bantuan dicatat."))
                return redirect("grants:grant_detail", pk=grant.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "grants/grant_propose.html",
        {"form": form, "institution": institution, "warnings": warnings},
        status=status,
    )


# LPJ ------------------------------------------------------------------------


class LpjListView(StaffPermissionMixin, FilterView):
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
    grant = _scoped_grant(request, pk)
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
    grant = _scoped_grant(request, pk)
    report = get_object_or_404(AccountabilityReport, grant=grant)
    form = LpjReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_lpj(
                report,
                by=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except services.GrantError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Pemeriksaan LPJ dicatat."))
    else:
        messages.error(request, _("Pilih keputusan pemeriksaan LPJ."))
    return redirect("grants:grant_detail", pk=grant.pk)
