"""Grant pages: the worklist, one grant with its steps, proposals, bulk checks."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from common.access_log import log_data_access
from common.models import DataAccessLog
from institutions.access import StaffPermissionMixin, can_see_full_account
from institutions.filters import InvalidFiltersAre400
from institutions.models import Institution

from .. import services
from ..filters import GrantFilter
from ..forms import (
    ApproveForm,
    BulkActionForm,
    ConfirmBankForm,
    DisburseForm,
    EligibilityOverrideForm,
    LpjReviewForm,
    NphdForm,
    ProposeForm,
    ReasonForm,
    RefundForm,
    ResubmitForm,
    ReviseForm,
    VerifyForm,
    open_programs_for,
)
from ..models import AccountabilityReport, EligibilityOverride, Grant

# Grants --------------------------------------------------------------------


class GrantListView(StaffPermissionMixin, InvalidFiltersAre400, FilterView):
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


def scoped_grant(request, pk: int) -> Grant:
    queryset = Grant.objects.visible_to(request.user).select_related(
        "program",
        "institution__village__district__regency",
        "proposed_by",
        "content_changed_by",
        "verified_by",
        "approved_by",
    )
    return get_object_or_404(queryset, pk=pk)


ACTION_FORMS = {
    "verify": VerifyForm,
    "return": ReasonForm,
    "reject": ReasonForm,
    "resubmit": ResubmitForm,
    "revise": ReviseForm,
    "approve": ApproveForm,
    "nphd": NphdForm,
    "confirm_bank": ConfirmBankForm,
    "disburse": DisburseForm,
    "refund": RefundForm,
}


def _action_form(action: str, grant: Grant, data=None, files=None):
    """The form of one action, prefilled with what the step usually records.

    Dates are those of the day the step is taken (WITA), the decree is the
    programme's SK when it has one, and the payment is what is left to pay;
    results and decisions are never prefilled.
    """
    form_class = ACTION_FORMS[action]
    today = timezone.localdate()
    kwargs = {
        "prefix": action,
        "initial": {"expected_status": grant.status, "expected_version": grant.version},
    }
    if action == "verify":
        kwargs["checklist"] = grant.program.checklist or []
    if action in ("resubmit", "revise"):
        kwargs["initial"].update(amount=grant.amount, purpose=grant.purpose)
    if action == "approve":
        # The programme's SK Gubernur names its recipients: the usual decree.
        kwargs["initial"].update(
            decree_number=grant.program.decree_number,
            decree_date=grant.program.decree_date or today,
        )
    if action == "nphd":
        kwargs["initial"].update(
            number=grant.nphd_number, date=grant.nphd_date or today
        )
        kwargs["has_scan"] = bool(grant.nphd_scan)
    if action == "disburse":
        kwargs["initial"].update(
            amount=grant.amount - grant.disbursed_amount(), paid_on=today
        )
    return form_class(data, files, **kwargs)


def _steps(grant: Grant) -> list[tuple[str, object, object]]:
    """Who did each step of the grant and when, for the page."""
    return [
        (_("Diusulkan"), grant.proposed_by, grant.created_at),
        (_("Nilai/peruntukan terakhir diubah"), grant.content_changed_by, None),
        (_("Diverifikasi"), grant.verified_by, grant.verified_at),
        (_("Disetujui"), grant.approved_by, grant.approved_at),
    ]


def render_grant(request, grant: Grant, bound_forms: dict | None = None, status=200):
    """The grant page; `bound_forms` brings back a refused form with its errors.

    The actions, their labels and who may take them come from the service; the
    page opens the primary one and keeps the others behind a disclosure.
    """
    actions = services.grant_actions(grant, request.user)
    bound_forms = bound_forms or {}
    forms = [
        (a, bound_forms.get(a.name) or _action_form(a.name, grant))
        for a in actions
        if a.allowed
    ]
    report = AccountabilityReport.objects.filter(grant=grant).first()
    can_review_lpj = (
        report is not None
        and report.status == AccountabilityReport.Status.SUBMITTED
        and services.has_role_for(request.user, "review_lpj")
        and report.recorded_by_id != request.user.pk
    )
    disbursements = list(grant.disbursements.select_related("recorded_by"))
    _log_full_account_view(request, grant, disbursements)
    context = {
        "grant": grant,
        "forms": forms,
        "blocked": [a for a in actions if not a.allowed],
        "steps": _steps(grant),
        "events": grant.events.select_related("actor").order_by("created_at", "pk"),
        "disbursements": disbursements,
        "disbursed_total": grant.disbursed_amount(),
        "report": report,
        "can_review_lpj": can_review_lpj,
        "lpj_review_form": (
            bound_forms.get("review_lpj")
            or LpjReviewForm(
                report=report,
                initial={
                    "expected_status": report.status,
                    "expected_version": report.version,
                },
            )
        )
        if can_review_lpj
        else None,
        "is_own": grant.proposed_by_id == request.user.pk,
    }
    return render(request, "grants/grant_detail.html", context, status=status)


def _log_full_account_view(request, grant: Grant, disbursements) -> None:
    """A page showing an account number whole is logged (UU PDP 27/2022)."""
    shown = (
        grant.verified_account_number
        or (grant.bank_change_pending and grant.institution.account_number)
        or any(d.paid_to_account_number for d in disbursements)
    )
    if shown and can_see_full_account(request.user):
        log_data_access(
            request,
            DataAccessLog.Action.FULL_ACCOUNT_VIEW,
            gettext_noop("Bantuan %(year)s untuk %(name)s (#%(pk)s)")
            % {
                "year": grant.program.year,
                "name": grant.institution.name,
                "pk": grant.pk,
            },
        )


@permission_required("grants.view_grant", raise_exception=True)
def grant_detail(request, pk: int):
    return render_grant(request, scoped_grant(request, pk))


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
    if action in ("resubmit", "revise"):
        step = (
            services.resubmit_grant if action == "resubmit" else services.revise_grant
        )
        return step(
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
    if action == "nphd":
        return services.record_nphd(
            grant,
            by=user,
            number=data["number"],
            date=data["date"],
            scan=data.get("scan") or None,
            expected_status=expected,
        )
    if action == "confirm_bank":
        return services.confirm_bank_account(
            grant, by=user, note=data["note"], expected_status=expected
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
        refund_proof=data["refund_proof"],
        expected_status=expected,
    )


ACTION_DONE = {
    "verify": gettext_lazy("Bantuan diverifikasi."),
    "return": gettext_lazy("Usulan dikembalikan untuk diperbaiki."),
    "reject": gettext_lazy("Usulan ditolak."),
    "resubmit": gettext_lazy("Usulan diajukan kembali."),
    "revise": gettext_lazy("Revisi dicatat; bantuan kembali ke verifikasi."),
    "approve": gettext_lazy("Bantuan disetujui."),
    "nphd": gettext_lazy("NPHD dicatat."),
    "confirm_bank": gettext_lazy(
        "Rekening baru dikonfirmasi; penyaluran dapat dicatat."
    ),
    "disburse": gettext_lazy("Penyaluran dicatat."),
    "refund": gettext_lazy("Setoran sisa dana dicatat; bantuan selesai."),
}


@require_POST
def grant_action(request, pk: int, action: str):
    """Run one workflow action on one grant; the service decides, the view reports."""
    if action not in ACTION_FORMS:
        raise Http404
    if not request.user.has_perm("grants.view_grant"):
        raise PermissionDenied
    grant = scoped_grant(request, pk)
    # A form from a page that showed another status changes nothing.
    seen = request.POST.get(f"{action}-expected_status")
    seen_version = request.POST.get(f"{action}-expected_version")
    if (seen and seen != grant.status) or (
        seen_version and seen_version != grant.version
    ):
        messages.error(request, _(services.MSG_STALE))
        return redirect("grants:grant_detail", pk=grant.pk)
    # What the page would not offer this user is refused outright, with the
    # reason the page gives for it.
    offered = {a.name: a for a in services.grant_actions(grant, request.user)}
    if action not in offered or not offered[action].allowed:
        reasons = offered[action].reasons if action in offered else ()
        raise PermissionDenied(" ".join(reasons))
    form = _action_form(action, grant, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Periksa kembali isian yang ditandai."))
        return render_grant(request, grant, {action: form}, status=400)
    try:
        _perform(action, grant, form, request.user)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except services.StaleGrant as error:
        messages.error(request, error.message)
        return redirect("grants:grant_detail", pk=grant.pk)
    except services.GrantError as error:
        messages.error(request, error.message)
        grant.refresh_from_db()
        return render_grant(request, grant, {action: form}, status=409)
    messages.success(request, ACTION_DONE[action])
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
            messages.success(request, f"{grant.institution}: {ACTION_DONE[action]}")
    messages.info(
        request,
        _("%(done)s dari %(total)s bantuan berhasil diproses.")
        % {"done": done, "total": len(form.cleaned_data["grants"])},
    )
    return redirect(_safe_next(request))


def proposal_institution(request) -> Institution | None:
    """The institution a proposal page is for, among those the user may see."""
    institution_id = request.GET.get("lembaga") or request.POST.get("lembaga")
    if not institution_id or not str(institution_id).isdecimal():
        return None
    institutions = Institution.objects.visible_to(request.user).with_region()
    return get_object_or_404(institutions, pk=institution_id)


def render_propose(
    request,
    institution: Institution,
    *,
    form: ProposeForm | None = None,
    override_form: EligibilityOverrideForm | None = None,
    warnings: list[str] | None = None,
    status: int = 200,
):
    """The proposal page: what blocks the institution, who waived it, the form.

    A Pimpinan gets the form to grant an override; an Operator is told that
    one is needed and where to upload the documents.
    """
    user = request.user
    if form is None and user.has_perm("grants.propose_grant"):
        initial = {}
        if str(request.GET.get("program", "")).isdecimal():
            initial["program"] = request.GET["program"]
        form = ProposeForm(institution=institution, initial=initial)
    blockers = services.proposal_blockers(institution)
    can_override = user.has_perm("grants.add_eligibilityoverride")
    if blockers and can_override and override_form is None:
        override_form = EligibilityOverrideForm(institution=institution)
    overrides = (
        EligibilityOverride.objects.filter(
            institution=institution, program__in=open_programs_for(institution)
        )
        .select_related("program", "granted_by")
        .order_by("-program__year", "program__name")
    )
    return render(
        request,
        "grants/grant_propose.html",
        {
            "form": form,
            "institution": institution,
            "warnings": warnings or [],
            "blockers": blockers,
            "overrides": list(overrides) if blockers else [],
            "override_form": override_form if can_override else None,
        },
        status=status,
    )


def grant_propose(request):
    """Propose a grant for an institution, showing the eligibility warnings first."""
    user = request.user
    may_propose = user.has_perm("grants.propose_grant")
    # A Pimpinan comes here to waive blockers, not to propose.
    if not (may_propose or user.has_perm("grants.add_eligibilityoverride")):
        raise PermissionDenied
    institution = proposal_institution(request)
    if institution is None:
        messages.info(
            request, _("Pilih lembaga yang akan diusulkan dari daftar lembaga.")
        )
        return redirect("institutions:list")
    if request.method != "POST":
        return render_propose(request, institution)
    if not may_propose:
        raise PermissionDenied
    form = ProposeForm(request.POST, institution=institution)
    warnings: list[str] = []
    if form.is_valid():
        program = form.cleaned_data["program"]
        eligibility = services.check_eligibility(program, institution)
        warnings = eligibility.warnings
        if eligibility.errors:
            for error in eligibility.errors:
                form.add_error("program", error)
        elif eligibility.needs_override:
            form.add_error("program", _(services.MSG_NEEDS_OVERRIDE))
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
                    by=user,
                )
            except services.NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except services.GrantError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Usulan bantuan dicatat."))
                return redirect("grants:grant_detail", pk=grant.pk)
    return render_propose(
        request, institution, form=form, warnings=warnings, status=400
    )
