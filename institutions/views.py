from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from common.access_log import log_data_access
from common.models import DataAccessLog

from .access import StaffPermissionMixin, can_see_full_account, visible_regencies
from .audit import history, record_change
from .filters import (
    SEARCH_MAX_LENGTH,
    InstitutionFilter,
    InvalidFiltersAre400,
    TrainingEventFilter,
    plausible_region_code,
)
from .forms import (
    InstitutionForm,
    ParticipantForm,
    SpeakerFormSet,
    TrainingEventForm,
)
from .models import (
    District,
    Institution,
    InstitutionChange,
    Participant,
    TrainingEvent,
    Village,
)
from .services import save_institution


class InstitutionListView(StaffPermissionMixin, InvalidFiltersAre400, FilterView):
    permission_required = "institutions.view_institution"
    filterset_class = InstitutionFilter
    template_name = "institutions/institution_list.html"
    paginate_by = 25

    def get_queryset(self):
        return (
            Institution.objects.visible_to(self.request.user)
            .with_region()
            .order_by("name", "pk")
        )


class InstitutionDetailView(StaffPermissionMixin, DetailView):
    permission_required = "institutions.view_institution"
    template_name = "institutions/institution_detail.html"

    def get_queryset(self):
        return Institution.objects.visible_to(self.request.user).with_region()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        institution = self.object
        grants = list(
            institution.grants.select_related("program", "accountability_report")
            .with_disbursed_total()
            .order_by("-program__year")
        )
        context["grants"] = grants
        context["trainings"] = Participant.objects.filter(
            institution=institution
        ).select_related("event")
        context["history"] = history(institution)[:50]
        context["identity_changes"] = institution.identity_changes.select_related(
            "changed_by"
        )[:50]
        context["grant_events"] = (
            institution.grants.events()
            .select_related("actor", "grant__program")
            .order_by("-created_at")[:50]
        )
        shows_account = bool(institution.account_number) or any(
            change.field == InstitutionChange.Field.ACCOUNT_NUMBER
            for change in context["identity_changes"]
        )
        if shows_account and can_see_full_account(self.request.user):
            log_data_access(
                self.request,
                DataAccessLog.Action.FULL_ACCOUNT_VIEW,
                gettext_noop("Lembaga %(name)s (#%(pk)s)")
                % {"name": institution.name, "pk": institution.pk},
            )
        return context


class InstitutionFormMixin:
    model = Institution
    form_class = InstitutionForm
    template_name = "institutions/institution_form.html"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["regency"].queryset = visible_regencies(self.request.user)
        if not can_see_full_account(self.request.user):
            form.hide_account_number()
        return form


class InstitutionCreateView(StaffPermissionMixin, InstitutionFormMixin, CreateView):
    permission_required = "institutions.add_institution"

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        response = super().form_valid(form)
        record_change(self.request.user, self.object, created=True)
        messages.success(
            self.request, _("Lembaga %(name)s dicatat.") % {"name": self.object}
        )
        return response

    def get_success_url(self):
        return reverse("institutions:detail", args=[self.object.pk])


class InstitutionUpdateView(StaffPermissionMixin, InstitutionFormMixin, UpdateView):
    permission_required = "institutions.change_institution"

    def get_queryset(self):
        return Institution.objects.visible_to(self.request.user)

    def form_valid(self, form):
        # Identity and bank details are kept with their old values; a bank
        # change holds the payment of verified grants until it is confirmed.
        self.object = form.save(commit=False)
        changes = save_institution(self.object, by=self.request.user)
        response = redirect(self.get_success_url())
        if any(change.is_bank_change for change in changes):
            held = self.object.grants.bank_change_pending().count()
            if held:
                messages.warning(
                    self.request,
                    ngettext(
                        "Rekening berubah: %(count)s bantuan menunggu konfirmasi "
                        "Verifikator sebelum disalurkan.",
                        "Rekening berubah: %(count)s bantuan menunggu konfirmasi "
                        "Verifikator sebelum disalurkan.",
                        held,
                    )
                    % {"count": held},
                )
        changed = [
            str(form.fields[f].label)
            for f in form.changed_data
            if f not in ("regency", "district")
        ]
        if changed:
            record_change(
                self.request.user, self.object, created=False, changed_fields=changed
            )
        messages.success(self.request, _("Perubahan disimpan."))
        return response

    def get_success_url(self):
        return reverse("institutions:detail", args=[self.object.pk])


def _options(rows, placeholder: str) -> HttpResponse:
    html = format_html_join(
        "", '<option value="{}">{}</option>', ((row.code, row.name) for row in rows)
    )
    return HttpResponse(f'<option value="">{placeholder}</option>{html}')


def _parent(request) -> str | None:
    """The parent code asked for; one no region can have is like an unknown one."""
    parent = request.GET.get("parent")
    return parent if parent and plausible_region_code(parent) else None


@login_required
def district_options(request):
    """`<option>`s of the districts of a regency, for the chained selects."""
    rows = District.objects.filter(regency_id=_parent(request))
    return _options(rows, "---------")


@login_required
def village_options(request):
    """`<option>`s of the villages of a district, for the chained selects."""
    rows = Village.objects.filter(district_id=_parent(request))
    return _options(rows, "---------")


class TrainingEventListView(StaffPermissionMixin, InvalidFiltersAre400, FilterView):
    permission_required = "institutions.view_trainingevent"
    filterset_class = TrainingEventFilter
    template_name = "institutions/trainingevent_list.html"
    paginate_by = 25

    def get_queryset(self):
        return (
            TrainingEvent.objects.visible_to(self.request.user)
            .select_related("regency")
            .order_by("-start_date", "pk")
        )


class TrainingEventDetailView(StaffPermissionMixin, DetailView):
    permission_required = "institutions.view_trainingevent"
    template_name = "institutions/trainingevent_detail.html"

    def get_queryset(self):
        participants = Participant.objects.select_related(
            "institution__village__district__regency"
        )
        return (
            TrainingEvent.objects.visible_to(self.request.user)
            .select_related("regency")
            .prefetch_related(
                "speakers", Prefetch("participants", queryset=participants)
            )
        )


def _training_events(user):
    return TrainingEvent.objects.visible_to(user).select_related("regency")


def _save_training_event(request, event: TrainingEvent | None):
    form = TrainingEventForm(request.POST or None, instance=event)
    form.fields["regency"].queryset = visible_regencies(request.user)
    speakers = SpeakerFormSet(request.POST or None, instance=event, prefix="speakers")
    if request.method == "POST" and form.is_valid() and speakers.is_valid():
        with transaction.atomic():
            created = event is None
            event = form.save()
            speakers.instance = event
            speakers.save()
            changed = [str(form.fields[f].label) for f in form.changed_data]
            if speakers.has_changed():
                changed.append(str(_("Pejabat dan narasumber")))
            record_change(request.user, event, created=created, changed_fields=changed)
        messages.success(request, _("Kegiatan disimpan."))
        return redirect("institutions:training_detail", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "institutions/trainingevent_form.html",
        {"form": form, "speakers": speakers, "object": event},
        status=status,
    )


@permission_required("institutions.add_trainingevent", raise_exception=True)
def training_create(request):
    """Record a Bimtek: dates, venue, officials and speakers."""
    return _save_training_event(request, None)


@permission_required("institutions.change_trainingevent", raise_exception=True)
def training_update(request, pk: int):
    return _save_training_event(
        request, get_object_or_404(_training_events(request.user), pk=pk)
    )


PARTICIPANT_SEARCH_LIMIT = 20


@permission_required("institutions.add_participant", raise_exception=True)
def training_participants(request, pk: int):
    """Find institutions by name and add their people as participants."""
    event = get_object_or_404(_training_events(request.user), pk=pk)
    institutions = Institution.objects.visible_to(request.user).with_region()
    form = ParticipantForm(request.POST or None, event=event, institutions=institutions)
    if request.method == "POST":
        if "remove" in request.POST:
            if not request.user.has_perm("institutions.delete_participant"):
                raise PermissionDenied
            removed, _count = event.participants.filter(
                pk=request.POST.get("remove")
            ).delete()
            if removed:
                record_change(
                    request.user,
                    event,
                    created=False,
                    changed_fields=[str(_("Peserta"))],
                )
            return redirect("institutions:training_participants", pk=event.pk)
        if form.is_valid():
            form.save()
            record_change(
                request.user, event, created=False, changed_fields=[str(_("Peserta"))]
            )
            messages.success(
                request,
                _("%(name)s ditambahkan sebagai peserta.")
                % {"name": form.instance.person_name},
            )
            return redirect(
                f"{reverse('institutions:training_participants', args=[event.pk])}"
                f"?cari={request.GET.get('cari', '')}"
            )
    query = request.GET.get("cari", "").strip()
    found = []
    # A search no name can match (a NUL, which PostgreSQL refuses) finds nothing.
    bad_search = "\x00" in query or len(query) > SEARCH_MAX_LENGTH
    if bad_search:
        query = ""
    if len(query) >= 3:
        candidates = institutions.filter(name__icontains=query)
        if event.target_kind:
            candidates = candidates.filter(kind=event.target_kind)
        found = list(candidates.order_by("name")[:PARTICIPANT_SEARCH_LIMIT])
    return render(
        request,
        "institutions/trainingevent_participants.html",
        {
            "event": event,
            "form": form,
            "query": query,
            "found": found,
            "participants": event.participants.select_related(
                "institution__village__district__regency"
            ),
            "roles": Participant.Role.choices,
        },
        status=400 if request.method == "POST" or bad_search else 200,
    )
