"""Report queries: typed functions over the summary tables, one query per table.

Every function takes the user, so a regency-limited user only ever counts
their own area. They read the summaries as they are and never write: a
background task recounts them after each change (`reports.signals`), and each
report says when its figures were counted and whether a recount is pending.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from grants.models import Grant, LpjState, Program
from institutions.models import (
    District,
    Institution,
    Participant,
    Regency,
    TrainingEvent,
    regency_scope,
)

from .models import (
    AidSummary,
    InstitutionAidYears,
    LpjSummary,
    StatusSummary,
    SummaryState,
    range_mask,
)

KINDS = list(Institution.Kind)


@dataclass(frozen=True)
class Period:
    first: int
    last: int

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def label(self) -> str:
        return (
            str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        )


@dataclass
class Cell:
    institutions: int = 0
    grants: int = 0
    amount: int = 0
    share: float = 0.0
    kind: str = ""

    def add(self, other: "Cell") -> None:
        self.institutions += other.institutions
        self.grants += other.grants
        self.amount += other.amount


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    total: Cell = field(default_factory=Cell)


def _scoped(queryset, user, field_name: str = "regency_id"):
    """Limit to the user's regencies; `user=None` is the public, province-wide view."""
    scope = None if user is None else regency_scope(user)
    queryset = queryset.all()
    return (
        queryset if scope is None else queryset.filter(**{f"{field_name}__in": scope})
    )


def program_years() -> list[int]:
    return sorted(Program.objects.values_list("year", flat=True).distinct())


def default_period() -> Period:
    years = program_years()
    if not years:
        this_year = timezone.localdate().year
        return Period(this_year, this_year)
    return Period(years[0], years[-1])


@dataclass(frozen=True)
class Counted:
    """When a report's figures were counted, and whether a recount is pending."""

    # The oldest count among the years shown; None when none was ever counted.
    at: datetime.datetime | None = None
    pending: bool = False


def counted(years: Iterable[int] | None = None) -> Counted:
    """When these years (all years when None) were counted; pending while a
    year is marked stale, or has programmes but was never counted."""
    states = SummaryState.objects.all()
    programs = Program.objects.all()
    if years is not None:
        years = list(years)
        states, programs = (
            states.filter(year__in=years),
            programs.filter(year__in=years),
        )
    counted_at = {}
    pending = False
    for year, stale, refreshed_at in states.values_list(
        "year", "stale", "refreshed_at"
    ):
        pending = pending or stale or refreshed_at is None
        if refreshed_at is not None:
            counted_at[year] = refreshed_at
    if not pending:
        with_programs = set(programs.values_list("year", flat=True).distinct())
        pending = bool(with_programs - counted_at.keys())
    return Counted(min(counted_at.values(), default=None), pending)


def _distinct_over_range(user, period: Period, group: str | None = None) -> dict:
    """Distinct aided institutions over the period, by kind (and a region field)."""
    fields = ["kind"] + ([group] if group else [])
    if period.first == period.last:
        # Within one year the per-district counts add up: no need for the year masks.
        rows = (
            _scoped(AidSummary.objects, user)
            .filter(year=period.first)
            .values(*fields)
            .annotate(count=Sum("institutions"))
            .order_by()
        )
        return {tuple(row[f] for f in fields): row["count"] for row in rows}
    rows = (
        _scoped(InstitutionAidYears.objects, user)
        .annotate(hit=F("years_mask").bitand(range_mask(period.first, period.last)))
        .filter(hit__gt=0)
        .values(*fields)
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {tuple(row[f] for f in fields): row["count"] for row in rows}


@dataclass
class YearlyReport:
    period: Period
    rows: list[Row]
    totals: Row
    status_rows: list[tuple]
    statuses: list
    counted: Counted


def yearly_report(user, period: Period, *, range_totals: bool = True) -> YearlyReport:
    """Per year and kind: institutions aided (distinct), grants, amount; and the range."""
    sums = (
        _scoped(AidSummary.objects, user)
        .filter(year__in=period.years)
        .values("year", "kind")
        .annotate(
            institutions=Sum("institutions"), grants=Sum("grants"), amount=Sum("amount")
        )
        .order_by()
    )
    table = {(r["year"], r["kind"]): r for r in sums}
    rows = []
    totals = Row(key=period.label, label=period.label, cells=[Cell() for _ in KINDS])
    for year in period.years:
        cells = [
            Cell(
                institutions=table.get((year, kind.value), {}).get("institutions", 0),
                grants=table.get((year, kind.value), {}).get("grants", 0),
                amount=table.get((year, kind.value), {}).get("amount", 0),
            )
            for kind in KINDS
        ]
        row = Row(key=str(year), label=str(year), cells=cells)
        for cell, total in zip(cells, totals.cells, strict=True):
            row.total.add(cell)
            total.grants += cell.grants
            total.amount += cell.amount
        rows.append(row)
    distinct = _distinct_over_range(user, period) if range_totals else {}
    for kind, total in zip(KINDS, totals.cells, strict=True):
        total.institutions = distinct.get((kind.value,), 0)
        totals.total.add(total)
    status_sums = (
        _scoped(StatusSummary.objects, user)
        .filter(year__in=period.years)
        .values("year", "status")
        .annotate(grants=Sum("grants"), amount=Sum("amount"))
        .order_by()
    )
    by_status = {(r["year"], r["status"]): r for r in status_sums}
    statuses = list(Grant.Status)
    status_rows = [
        (
            year,
            [
                by_status.get((year, s.value), {"grants": 0, "amount": 0})
                for s in statuses
            ],
        )
        for year in period.years
    ]
    return YearlyReport(
        period, rows, totals, status_rows, statuses, counted(period.years)
    )


@dataclass
class RegionReport:
    period: Period
    regency: Regency | None
    rows: list[Row]
    totals: Row
    counted: Counted


def region_report(user, period: Period, regency: Regency | None = None) -> RegionReport:
    """Regency (or, inside one regency, district) x kind over a period."""
    if regency is None:
        group, regions = "regency_id", _scoped(Regency.objects, user, "code")
    else:
        group, regions = "district_id", District.objects.filter(regency=regency)
    summaries = _scoped(AidSummary.objects, user).filter(year__in=period.years)
    if regency is not None:
        summaries = summaries.filter(regency=regency)
    sums = {
        (r[group], r["kind"]): r
        for r in summaries.values(group, "kind")
        .annotate(grants=Sum("grants"), amount=Sum("amount"))
        .order_by()
    }
    distinct = _distinct_over_range(user, period, group)
    grand_total = sum(r["amount"] for r in sums.values()) or 0
    totals = Row(key="total", label="", cells=[Cell() for _ in KINDS])
    rows = []
    for region in regions.order_by("code"):
        cells = []
        for kind, total in zip(KINDS, totals.cells, strict=True):
            found = sums.get((region.code, kind.value), {})
            cell = Cell(
                kind=kind.value,
                institutions=distinct.get((kind.value, region.code), 0),
                grants=found.get("grants", 0),
                amount=found.get("amount", 0),
            )
            total.add(cell)
            cells.append(cell)
        row = Row(key=region.code, label=region.name, cells=cells)
        for cell in cells:
            row.total.add(cell)
        row.total.share = row.total.amount / grand_total * 100 if grand_total else 0.0
        for cell in cells:
            cell.share = cell.amount / grand_total * 100 if grand_total else 0.0
        rows.append(row)
    for total in totals.cells:
        totals.total.add(total)
        total.share = total.amount / grand_total * 100 if grand_total else 0.0
    totals.total.share = 100.0 if grand_total else 0.0
    return RegionReport(period, regency, rows, totals, counted(period.years))


# The LPJ report's CSV column for each LPJ state, in LpjState's order.
LPJ_STATE_COLUMNS = {
    LpjState.NOT_SUBMITTED: "belum_diserahkan",
    LpjState.OVERDUE: "terlambat",
    LpjState.SUBMITTED: "diserahkan",
    LpjState.NEEDS_REVISION: "perlu_perbaikan",
    LpjState.ACCEPTED: "diterima",
}


@dataclass
class LpjRow:
    key: str
    label: str
    aided: int = 0
    due: int = 0
    not_submitted: int = 0
    # Handed in, whatever the review said; `in_review` awaits the review.
    submitted: int = 0
    in_review: int = 0
    accepted: int = 0
    overdue: int = 0
    refund_due: int = 0
    refund_due_amount: int = 0

    def add(self, row: dict, overdue: bool) -> None:
        self.aided += row["aided"]
        self.not_submitted += row["not_submitted"]
        self.submitted += row["submitted"]
        self.in_review += row["in_review"]
        self.accepted += row["accepted"]
        self.refund_due += row["refund_due"]
        self.refund_due_amount += row["refund_due_amount"] or 0
        if overdue:
            self.due += row["aided"]
            self.overdue += row["not_submitted"]

    @property
    def by_state(self) -> dict[LpjState, int]:
        """The aided grants by LPJ state; they add up to `aided`."""
        return {
            LpjState.NOT_SUBMITTED: self.not_submitted - self.overdue,
            LpjState.OVERDUE: self.overdue,
            LpjState.SUBMITTED: self.in_review,
            LpjState.NEEDS_REVISION: self.submitted - self.in_review - self.accepted,
            LpjState.ACCEPTED: self.accepted,
        }

    @property
    def state_counts(self) -> list[int]:
        """`by_state` in LpjState's order: the report's columns."""
        counts = self.by_state
        return [counts[state] for state in LpjState]


@dataclass
class LpjReport:
    period: Period
    by_regency: list[LpjRow]
    by_program: list[LpjRow]
    totals: LpjRow
    counted: Counted
    states: list[LpjState] = field(default_factory=lambda: list(LpjState))


def lpj_report(user, period: Period) -> LpjReport:
    """LPJ due, submitted, accepted, overdue and refunds outstanding."""
    today = timezone.localdate()
    programs = {p.pk: p for p in Program.objects.filter(year__in=period.years)}
    rows = (
        _scoped(LpjSummary.objects, user)
        .filter(year__in=period.years)
        .values("program_id", "regency_id")
        .annotate(
            aided=Sum("aided"),
            not_submitted=Sum("not_submitted"),
            submitted=Sum("submitted"),
            in_review=Sum("in_review"),
            accepted=Sum("accepted"),
            refund_due=Sum("refund_due"),
            refund_due_amount=Sum("refund_due_amount"),
        )
        .order_by()
    )
    regencies = {
        r.code: LpjRow(r.code, r.name) for r in _scoped(Regency.objects, user, "code")
    }
    by_program = {
        pk: LpjRow(str(pk), str(program))
        for pk, program in sorted(programs.items(), key=lambda item: item[1].year)
    }
    totals = LpjRow("total", "")
    for row in rows:
        program = programs.get(row["program_id"])
        if program is None:
            continue
        overdue = program.lpj_due_date < today
        regencies[row["regency_id"]].add(row, overdue)
        by_program[program.pk].add(row, overdue)
        totals.add(row, overdue)
    return LpjReport(
        period,
        list(regencies.values()),
        list(by_program.values()),
        totals,
        counted(period.years),
    )


@dataclass
class TrainingReport:
    period: Period
    by_year: list[dict]
    by_regency: list[dict]
    by_kind: list[dict]
    aided_attending: int
    aided_total: int
    counted: Counted


def training_report(user, period: Period) -> TrainingReport:
    """Training events and participants by year, regency and kind."""
    events = _scoped(TrainingEvent.objects, user).filter(
        start_date__year__gte=period.first, start_date__year__lte=period.last
    )
    participants = Participant.objects.filter(event__in=events)
    by_year = list(
        participants.values(year=F("event__start_date__year"))
        .annotate(
            events=Count("event", distinct=True),
            participants=Count("pk"),
            institutions=Count("institution", distinct=True),
        )
        .order_by("year")
    )
    by_regency = list(
        participants.values(code=F("event__regency_id"), name=F("event__regency__name"))
        .annotate(
            events=Count("event", distinct=True),
            participants=Count("pk"),
            institutions=Count("institution", distinct=True),
        )
        .order_by("code")
    )
    kind_rows = {
        r["kind"]: r
        for r in participants.values(kind=F("institution__kind"))
        .annotate(
            participants=Count("pk"), institutions=Count("institution", distinct=True)
        )
        .order_by()
    }
    by_kind = [
        {
            "label": kind.label,
            "participants": kind_rows.get(kind.value, {}).get("participants", 0),
            "institutions": kind_rows.get(kind.value, {}).get("institutions", 0),
        }
        for kind in KINDS
    ]
    aided = (
        _scoped(InstitutionAidYears.objects, user)
        .annotate(hit=F("years_mask").bitand(range_mask(period.first, period.last)))
        .filter(hit__gt=0)
    )
    counts = aided.aggregate(
        total=Count("pk"),
        attending=Count(
            "pk",
            filter=Q(
                institution_id__in=participants.values("institution_id"),
            ),
        ),
    )
    return TrainingReport(
        period,
        by_year,
        by_regency,
        by_kind,
        counts["attending"],
        counts["total"],
        counted(period.years),
    )


# Dashboard ------------------------------------------------------------------


def year_figures(user, year: int) -> dict:
    """One year's ceiling, approved and disbursed totals and aided institutions."""
    ceiling = (
        Program.objects.filter(year=year).aggregate(total=Sum("budget_ceiling"))[
            "total"
        ]
        or 0
    )
    statuses = {
        r["status"]: r["amount"]
        for r in _scoped(StatusSummary.objects, user)
        .filter(year=year)
        .values("status")
        .annotate(amount=Sum("amount"))
        .order_by()
    }
    aided = {
        r["kind"]: r["institutions"]
        for r in _scoped(AidSummary.objects, user)
        .filter(year=year)
        .values("kind")
        .annotate(institutions=Sum("institutions"))
        .order_by()
    }
    return {
        "year": year,
        "ceiling": ceiling,
        "approved": sum(statuses.get(s, 0) for s in Grant.COMMITTED_STATUSES),
        "disbursed": sum(statuses.get(s, 0) for s in Grant.AIDED_STATUSES),
        "aided": [(kind.label, aided.get(kind.value, 0)) for kind in KINDS],
    }
