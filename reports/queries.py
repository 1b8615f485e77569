"""Aggregate queries for the dashboard and reports: one query per table."""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from grants.models import Grant, Program
from institutions.models import Institution

KINDS = Institution.Kind


def work_queues(user) -> dict[str, int]:
    """How many grants wait in each queue, within the user's area."""
    today = timezone.localdate()
    grants = Grant.objects.visible_to(user)
    counts = grants.aggregate(
        proposed=Count("pk", filter=Q(status=Grant.Status.PROPOSED)),
        needs_revision=Count("pk", filter=Q(status=Grant.Status.NEEDS_REVISION)),
        verified=Count("pk", filter=Q(status=Grant.Status.VERIFIED)),
        approved=Count("pk", filter=Q(status=Grant.Status.APPROVED)),
        refund_due=Count("pk", filter=Q(status=Grant.Status.REFUND_DUE)),
    )
    counts["lpj_overdue"] = grants.overdue_lpj(today).count()
    counts["lpj_submitted"] = grants.filter(
        accountability_report__status="submitted"
    ).count()
    return counts


def year_figures(user, year: int) -> dict:
    """One year's ceiling, approved and disbursed totals and aided institutions."""
    ceiling = (
        Program.objects.filter(year=year).aggregate(total=Sum("budget_ceiling"))[
            "total"
        ]
        or 0
    )
    grants = Grant.objects.visible_to(user).for_year(year)
    totals = grants.aggregate(
        approved=Sum(
            "amount", filter=Q(status__in=Grant.COMMITTED_STATUSES), default=0
        ),
        disbursed=Sum("disbursements__amount", default=0),
    )
    aided = {
        row["institution__kind"]: row["count"]
        for row in grants.aided()
        .values("institution__kind")
        .annotate(count=Count("institution", distinct=True))
        .order_by()
    }
    return {
        "year": year,
        "ceiling": ceiling,
        "approved": totals["approved"],
        "disbursed": totals["disbursed"],
        "aided": [(kind.label, aided.get(kind.value, 0)) for kind in KINDS],
    }


def yearly_summary(user, years: list[int]) -> list[dict]:
    """Institutions aided (distinct), grants and amount per year and kind."""
    rows = (
        Grant.objects.visible_to(user)
        .aided()
        .filter(program__year__in=years)
        .values("program__year", "institution__kind")
        .annotate(
            institutions=Count("institution", distinct=True),
            grants=Count("pk"),
            total=Sum("amount"),
        )
        .order_by()
    )
    table = {(r["program__year"], r["institution__kind"]): r for r in rows}
    empty = {"institutions": 0, "grants": 0, "total": 0}
    return [
        {
            "year": year,
            "cells": [table.get((year, kind.value), empty) for kind in KINDS],
        }
        for year in years
    ]


def distinct_over_range(user, years: list[int]) -> list[int]:
    """Distinct institutions aided over a range of years, per kind."""
    rows = (
        Grant.objects.visible_to(user)
        .aided()
        .filter(program__year__in=years)
        .values("institution__kind")
        .annotate(institutions=Count("institution", distinct=True))
        .order_by()
    )
    found = {r["institution__kind"]: r["institutions"] for r in rows}
    return [found.get(kind.value, 0) for kind in KINDS]
