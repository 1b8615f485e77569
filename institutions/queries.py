"""Read-side queries for institutions."""

import datetime
from difflib import SequenceMatcher

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from common.text import normalize_name

from .models import Institution, InstitutionDocument, Village

SIMILARITY_THRESHOLD = 0.8


def similar_institutions(kind: str, name: str, village: Village) -> list[Institution]:
    """Institutions of a kind in a village whose name looks like this one."""
    key = normalize_name(name)
    candidates = Institution.objects.filter(kind=kind, village=village).only(
        "pk", "name", "name_key", "kind", "village"
    )
    return [
        institution
        for institution in candidates
        if key in institution.name_key
        or institution.name_key in key
        or SequenceMatcher(None, key, institution.name_key).ratio()
        >= SIMILARITY_THRESHOLD
    ]


def with_document_expired(
    queryset: QuerySet,
    today: datetime.date | None = None,
    *,
    within_days: int | None = None,
) -> QuerySet:
    """Institutions with a lapsed document: a legal document in force (the
    newest of its kind), the operating permit or the accreditation. With
    `within_days`, also those lapsing by then (a document is valid on its
    last day)."""
    today = today or timezone.localdate()
    cutoff = today
    if within_days is not None:
        cutoff = today + datetime.timedelta(days=within_days + 1)
    documents = InstitutionDocument.objects.latest_per_kind().filter(
        institution=OuterRef("pk"), expires_on__lt=cutoff
    )
    return queryset.filter(
        Q(permit_expires_on__lt=cutoff)
        | Q(accreditation_expires_on__lt=cutoff)
        | Exists(documents)
    )


def with_lpj_overdue(
    queryset: QuerySet, today: datetime.date | None = None
) -> QuerySet:
    """Institutions holding a disbursed grant whose LPJ is late."""
    # The grants app owns the relation (and the rule); it is reached through
    # the model's relation so that institutions does not import grants.
    grants = queryset.model._meta.get_field("grants").related_model.objects
    today = today or timezone.localdate()
    overdue = grants.overdue_lpj(today).filter(institution=OuterRef("pk"))
    return queryset.filter(Exists(overdue))
