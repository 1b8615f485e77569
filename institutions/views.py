from django.contrib import messages
from django.contrib.auth.decorators import (
    login_not_required,
    login_required,
    permission_required,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
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
from .documents import (
    csv_bytes,
    participant_columns,
    participant_rows,
    render_pdf,
    xlsx_bytes,
)
from .filters import (
    SEARCH_MAX_LENGTH,
    InstitutionFilter,
    InvalidFiltersAre400,
    TrainingEventFilter,
    plausible_region_code,
)
from .forms import (
    CertificateCodeForm,
    InstitutionDocumentsForm,
    InstitutionForm,
    ParticipantChangeForm,
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
from .services import save_institution, upload_documents


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
        regencies = visible_regencies(self.request.user)
        form.fields["regency"].queryset = regencies
        form.preselect_regency(list(regencies[:2]))
        if not can_see_full_account(self.request.user):
            form.hide_account_number()
        return form


# The name of the create form's "save, then propose a grant" button.
PROPOSE_NEXT = "usulkan"


class InstitutionCreateView(StaffPermissionMixin, InstitutionFormMixin, CreateView):
    """A new institution, with the scans of its legal documents if at hand.

    The institution and its documents are saved together or not at all.
    """

    permission_required = "institutions.add_institution"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("documents", self.documents_form())
        # A browser never sends a chosen file twice: a refused form loses them.
        context["files_dropped"] = self.request.method == "POST" and bool(
            self.request.FILES
        )
        return context

    def documents_form(self) -> InstitutionDocumentsForm | None:
        """The document rows, for whoever may upload documents."""
        if not self.request.user.has_perm("institutions.add_institutiondocument"):
            return None
        if self.request.method == "POST":
            return InstitutionDocumentsForm(self.request.POST, self.request.FILES)
        return InstitutionDocumentsForm()

    def post(self, request, *args, **kwargs):
        self.object = None
        form, documents = self.get_form(), self.documents_form()
        # Every row is checked (no short cut), so each shows its own errors.
        checked = [form.is_valid(), *(row.is_valid() for row in documents or ())]
        if not all(checked):
            return self.render_to_response(
                self.get_context_data(form=form, documents=documents)
            )
        try:
            with transaction.atomic():
                form.instance.created_by = request.user
                self.object = form.save()
                record_change(request.user, self.object, created=True)
                rows = documents.cleaned_rows() if documents else []
                if rows:
                    upload_documents(self.object, rows, by=request.user)
        except ValidationError as error:
            self.object = None
            form.instance.pk = None
            form.add_error(None, error.messages)
            return self.render_to_response(
                self.get_context_data(form=form, documents=documents)
            )
        messages.success(
            request, _("Lembaga %(name)s dicatat.") % {"name": self.object}
        )
        if PROPOSE_NEXT in request.POST and request.user.has_perm(
            "grants.propose_grant"
        ):
            # Most institutions are recorded for the proposal at hand.
            proposal = reverse("grants:grant_propose")
            return redirect(f"{proposal}?lembaga={self.object.pk}")
        return redirect(self.get_success_url())

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
    return _options(rows.order_by("name", "code"), "---------")


@login_required
def village_options(request):
    """`<option>`s of the villages of a district, for the chained selects."""
    rows = Village.objects.filter(district_id=_parent(request))
    return _options(rows.order_by("name", "code"), "---------")


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
        # A regency-limited user sees only the participants of their regencies.
        participants = Participant.objects.visible_to(self.request.user).with_region()
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
            participant = _visible_participant(
                request.user, event, request.POST.get("remove")
            )
            participant.delete()
            record_change(
                request.user, event, created=False, changed_fields=[str(_("Peserta"))]
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
            "participants": event.participants.visible_to(request.user).with_region(),
            "roles": Participant.Role.choices,
        },
        status=400 if request.method == "POST" or bad_search else 200,
    )


def _visible_participant(user, event: TrainingEvent, pk) -> Participant:
    """A participant of the event in the user's regencies, or 404."""
    if not str(pk or "").isdigit():
        raise Http404
    return get_object_or_404(
        event.participants.visible_to(user).with_region(), pk=int(pk)
    )


@permission_required("institutions.change_participant", raise_exception=True)
def training_participant_update(request, pk: int, participant_pk: int):
    """Correct a participant's name or role."""
    event = get_object_or_404(_training_events(request.user), pk=pk)
    participant = _visible_participant(request.user, event, participant_pk)
    form = ParticipantChangeForm(request.POST or None, instance=participant)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_change(
            request.user, event, created=False, changed_fields=[str(_("Peserta"))]
        )
        messages.success(request, _("Data peserta disimpan."))
        return redirect("institutions:training_participants", pk=event.pk)
    return render(
        request,
        "institutions/trainingevent_participant_form.html",
        {"event": event, "participant": participant, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _participants_for(request, event: TrainingEvent) -> list[Participant]:
    return list(event.participants.visible_to(request.user).with_region())


def _file_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if content_type == "application/pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _log_participants_export(request, event, fmt: str, rows: int) -> None:
    # Names of people leave the office: logged like every other export.
    log_data_access(
        request,
        DataAccessLog.Action.EXPORT,
        gettext_noop("Peserta Bimtek %(title)s (#%(pk)s, %(format)s)")
        % {"title": event.title, "pk": event.pk, "format": fmt},
        filters=request.GET.urlencode(),
        rows=rows,
    )


def _log_certificate(request, participant: Participant) -> None:
    log_data_access(
        request,
        DataAccessLog.Action.EXPORT,
        gettext_noop("Sertifikat %(name)s (peserta #%(pk)s, Bimtek #%(event)s)")
        % {
            "name": participant.person_name,
            "pk": participant.pk,
            "event": participant.event_id,
        },
        rows=1,
    )


@permission_required("institutions.view_trainingevent", raise_exception=True)
def training_attendance_sheet(request, pk: int):
    """The attendance sheet (daftar hadir) to print and sign, as a PDF."""
    event = get_object_or_404(
        _training_events(request.user).prefetch_related("speakers"), pk=pk
    )
    participants = _participants_for(request, event)
    _log_participants_export(request, event, "PDF", len(participants))
    pdf = render_pdf(
        request,
        "institutions/trainingevent_attendance.html",
        {"event": event, "participants": participants},
    )
    return _file_response(pdf, "application/pdf", f"daftar-hadir-{event.pk}.pdf")


PARTICIPANT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@permission_required("institutions.view_trainingevent", raise_exception=True)
def training_participants_export(request, pk: int, fmt: str):
    """The participants as CSV or Excel, in the attendance sheet's columns."""
    event = get_object_or_404(_training_events(request.user), pk=pk)
    participants = _participants_for(request, event)
    _log_participants_export(request, event, fmt.upper(), len(participants))
    columns, rows = participant_columns(), participant_rows(participants)
    if fmt == "csv":
        content = csv_bytes(columns, rows)
    else:
        content = xlsx_bytes(_("Peserta"), columns, rows)
    return _file_response(
        content, PARTICIPANT_FORMATS[fmt], f"peserta-bimtek-{event.pk}.{fmt}"
    )


@permission_required("institutions.view_trainingevent", raise_exception=True)
def training_certificate(request, pk: int, participant_pk: int):
    """A participant's certificate with the code that the public page confirms."""
    event = get_object_or_404(_training_events(request.user), pk=pk)
    participant = _visible_participant(request.user, event, participant_pk)
    _log_certificate(request, participant)
    verification_url = request.build_absolute_uri(
        f"{reverse('institutions:certificate_verification')}"
        f"?kode={participant.verification_code}"
    )
    pdf = render_pdf(
        request,
        "institutions/trainingevent_certificate.html",
        {
            "event": event,
            "participant": participant,
            "verification_url": verification_url,
        },
    )
    return _file_response(
        pdf, "application/pdf", f"sertifikat-{event.pk}-{participant.pk}.pdf"
    )


# Public, and not rate-limited: a code is 10 random characters out of 31
# (about 8 * 10**14 possibilities), so guessing one is hopeless, and a valid
# code shows only what the certificate itself already says.
@login_not_required
def certificate_verification(request):
    """Anyone checks a certificate's code: name, event and date, nothing more."""
    form = CertificateCodeForm(request.GET or None)
    participant = None
    if form.is_valid():
        participant = (
            Participant.objects.select_related("event")
            .filter(verification_code=form.cleaned_data["kode"])
            .first()
        )
    return render(
        request,
        "institutions/certificate_verification.html",
        {"form": form, "participant": participant},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
