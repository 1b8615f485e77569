"""Keep the report summary tables in step with the grants, one year at a time."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from grants.models import Grant

from .models import (
    AidSummary,
    InstitutionAidYears,
    LpjSummary,
    StatusSummary,
    SummaryState,
    year_bit,
)

_REGION = {
    "kind": F("institution__kind"),
    "district_code": F("institution__village__district_id"),
}


def mark_stale(years: Iterable[int]) -> None:
    """Note that these years' figures changed; reports say so until a recount."""
    for year in set(years):
        if SummaryState.objects.filter(year=year).update(stale=True):
            continue
        try:
            with transaction.atomic():
                SummaryState.objects.create(year=year, stale=True)
        except IntegrityError:
            SummaryState.objects.filter(year=year).update(stale=True)


def stale_years(years: Iterable[int] | None = None) -> list[int]:
    """Years whose summaries need a recount: marked stale, or never counted."""
    if years is None:
        from grants.models import Program

        years = Program.objects.values_list("year", flat=True).distinct()
    years = sorted(set(years))
    fresh = set(
        SummaryState.objects.filter(year__in=years, stale=False).values_list(
            "year", flat=True
        )
    )
    return [year for year in years if year not in fresh]


def ensure_fresh(years: Iterable[int] | None = None) -> list[int]:
    """Recount any stale year among these (all years when None); return them."""
    years = stale_years(years)
    for year in years:
        refresh_year(year)
    return years


def _locked_state(year: int) -> SummaryState:
    # The state row is the lock: two recounts of one year run one after the other.
    state, _created = SummaryState.objects.select_for_update().get_or_create(year=year)
    return state


@transaction.atomic
def refresh_year(year: int) -> None:
    """Recount one year's summaries from the grants."""
    _recount(year, _locked_state(year))


@transaction.atomic
def recount_if_stale(year: int) -> bool:
    """Recount one year unless it was counted since it was last marked stale."""
    state = _locked_state(year)
    if not state.stale and state.refreshed_at is not None:
        return False
    _recount(year, state)
    return True


def _recount(year: int, state: SummaryState) -> None:
    grants = Grant.objects.filter(program__year=year).order_by()
    StatusSummary.objects.filter(year=year).delete()
    StatusSummary.objects.bulk_create(
        StatusSummary(
            year=year,
            kind=row["kind"],
            district_id=row["district_code"],
            regency_id=row["district_code"][:5],
            status=row["status"],
            grants=row["grants"],
            amount=row["amount"],
        )
        for row in grants.values("status", **_REGION).annotate(
            grants=Count("pk"), amount=Sum("amount")
        )
    )
    aided = grants.aided()
    AidSummary.objects.filter(year=year).delete()
    AidSummary.objects.bulk_create(
        AidSummary(
            year=year,
            kind=row["kind"],
            district_id=row["district_code"],
            regency_id=row["district_code"][:5],
            institutions=row["institutions"],
            grants=row["grants"],
            amount=row["amount"],
        )
        for row in aided.values(**_REGION).annotate(
            institutions=Count("institution", distinct=True),
            grants=Count("pk"),
            amount=Sum("amount"),
        )
    )
    _refresh_lpj(year, aided)
    _refresh_year_bits(year, aided)
    state.stale = False
    state.refreshed_at = timezone.now()
    state.save(update_fields=["stale", "refreshed_at"])


def _refresh_lpj(year: int, aided) -> None:
    LpjSummary.objects.filter(year=year).delete()
    report = "accountability_report"
    LpjSummary.objects.bulk_create(
        LpjSummary(
            year=year,
            program_id=row["program_code"],
            district_id=row["district_code"],
            regency_id=row["district_code"][:5],
            aided=row["aided"],
            not_submitted=row["not_submitted"],
            submitted=row["submitted"],
            accepted=row["accepted"],
            in_review=row["in_review"],
            refund_due=row["refund_due"],
            refund_due_amount=row["refund_due_amount"] or 0,
        )
        for row in aided.values(
            program_code=F("program_id"),
            district_code=F("institution__village__district_id"),
        ).annotate(
            aided=Count("pk"),
            not_submitted=Count("pk", filter=Q(**{f"{report}__isnull": True})),
            submitted=Count(f"{report}"),
            accepted=Count(f"{report}", filter=Q(**{f"{report}__status": "accepted"})),
            in_review=Count(
                f"{report}", filter=Q(**{f"{report}__status": "submitted"})
            ),
            refund_due=Count("pk", filter=Q(status=Grant.Status.REFUND_DUE)),
            refund_due_amount=Sum(
                f"{report}__refund_amount", filter=Q(status=Grant.Status.REFUND_DUE)
            ),
        )
    )


def _refresh_year_bits(year: int, aided) -> None:
    bit = year_bit(year)
    # Institutions aided in this year that have no row yet.
    missing = (
        aided.exclude(
            institution__in=InstitutionAidYears.objects.values("institution_id")
        )
        .values(**_REGION, institution_code=F("institution_id"))
        .distinct()
    )
    InstitutionAidYears.objects.bulk_create(
        InstitutionAidYears(
            institution_id=row["institution_code"],
            kind=row["kind"],
            district_id=row["district_code"],
            regency_id=row["district_code"][:5],
            years_mask=0,
        )
        for row in missing
    )
    aided_ids = aided.values("institution_id")
    rows = InstitutionAidYears.objects.all()
    # Rows already holding the bit are left alone: rewriting them is the slow part.
    rows.annotate(has_bit=F("years_mask").bitand(bit)).filter(
        has_bit=0, institution_id__in=aided_ids
    ).update(years_mask=F("years_mask").bitor(bit))
    rows.annotate(has_bit=F("years_mask").bitand(bit)).filter(has_bit__gt=0).exclude(
        institution_id__in=aided_ids
    ).update(years_mask=F("years_mask") - bit)


def refresh_institution_regions(institution_ids: Iterable[int]) -> None:
    """Copy institutions' current kind and district into their year rows."""
    from institutions.models import Institution

    for institution in Institution.objects.filter(pk__in=list(institution_ids)).only(
        "pk", "kind", "village_id"
    ):
        InstitutionAidYears.objects.filter(institution_id=institution.pk).update(
            kind=institution.kind,
            district_id=institution.village_id[:8],
            regency_id=institution.village_id[:5],
        )
