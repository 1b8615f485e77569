"""An institution's legal documents: the upload of their scans, and each scan
served only to those who may see the institution."""

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.uploads import logged_file_response

from .forms import InstitutionDocumentsForm
from .models import DocumentKind, Institution, InstitutionDocument
from .services import upload_documents


@dataclass
class DocumentRow:
    """One required kind on the institution page: the scan in force and history."""

    kind: DocumentKind
    current: InstitutionDocument | None = None
    older: list[InstitutionDocument] = field(default_factory=list)
    state: str = "missing"

    STATES = {
        "valid": (gettext_noop("Berlaku"), "accepted"),
        "expiring": (gettext_noop("Berakhir dalam 30 hari"), "submitted"),
        "expired": (gettext_noop("Kedaluwarsa"), "warn"),
        "missing": (gettext_noop("Belum ada"), "warn"),
    }

    @property
    def state_label(self) -> str:
        return _(self.STATES[self.state][0])

    @property
    def badge(self) -> str:
        return self.STATES[self.state][1]


def document_state(document: InstitutionDocument | None, today: datetime.date) -> str:
    if document is None:
        return "missing"
    if document.expired(today):
        return "expired"
    if document.expires_on is not None and document.expires_on <= today + (
        datetime.timedelta(days=InstitutionDocument.LAPSING_DAYS)
    ):
        return "expiring"
    return "valid"


def document_rows(
    institution: Institution, today: datetime.date | None = None
) -> list[DocumentRow]:
    """A row per required kind, newest scan first, in one query."""
    today = today or timezone.localdate()
    rows = {kind: DocumentRow(kind) for kind in InstitutionDocument.REQUIRED_KINDS}
    documents = (
        InstitutionDocument.objects.filter(institution=institution)
        .select_related("uploaded_by")
        .order_by("kind", "-pk")
    )
    for document in documents:
        row = rows.get(DocumentKind(document.kind))
        if row is None:
            continue
        if row.current is None:
            row.current = document
        else:
            row.older.append(document)
    for row in rows.values():
        row.state = document_state(row.current, today)
    return list(rows.values())


def _institution(request, pk: int) -> Institution:
    # Another regency's institution does not exist for a regency-limited user.
    return get_object_or_404(
        Institution.objects.visible_to(request.user).with_region(), pk=pk
    )


@permission_required("institutions.add_institutiondocument", raise_exception=True)
def document_upload(request, pk: int):
    """Upload the institution's document scans, every kind in one form."""
    institution = _institution(request, pk)
    if request.method == "POST":
        form = InstitutionDocumentsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                documents = upload_documents(
                    institution, form.cleaned_rows(), by=request.user
                )
            except ValidationError as error:
                form.non_field_errors().extend(error.messages)
            else:
                messages.success(
                    request,
                    _("%(count)s dokumen lembaga disimpan.")
                    % {"count": len(documents)},
                )
                return redirect(
                    reverse("institutions:detail", args=[institution.pk]) + "#dokumen"
                )
        status = 400
    else:
        form = InstitutionDocumentsForm()
        status = 200
    return render(
        request,
        "institutions/institution_documents_form.html",
        {
            "institution": institution,
            "form": form,
            "rows": zip(form, document_rows(institution), strict=True),
        },
        status=status,
    )


@permission_required("institutions.view_institutiondocument", raise_exception=True)
def document_download(request, pk: int, doc_pk: int):
    """Serve one document scan, logged, to a user who may see the institution."""
    institution = _institution(request, pk)
    document = get_object_or_404(
        InstitutionDocument.objects.filter(institution=institution), pk=doc_pk
    )
    return logged_file_response(
        request,
        document.file,
        download_name=f"{document.kind}-lembaga-{institution.pk}-{document.pk}",
        what=gettext_noop(
            "Pindaian %(kind)s lembaga %(name)s (#%(pk)s, dokumen #%(doc)s)"
        )
        % {
            "kind": document.kind,
            "name": institution.name,
            "pk": institution.pk,
            "doc": document.pk,
        },
    )
