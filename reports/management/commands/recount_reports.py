"""Recount the report summaries now, in this process (for administrators and cron)."""

import time

from django.core.management.base import BaseCommand

from reports.summary import ensure_fresh, refresh_year


class Command(BaseCommand):
    help = (
        "Recount the report summaries now: every year marked stale or never "
        "counted, or the years given with --year (whatever their state)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help="Recount this year even if it is counted (repeatable).",
        )

    def handle(self, *args, years: list[int] | None, **options):
        started = time.monotonic()
        if years:
            for year in sorted(set(years)):
                refresh_year(year)
            recounted = sorted(set(years))
        else:
            recounted = ensure_fresh()
        elapsed = time.monotonic() - started
        if recounted:
            listed = ", ".join(str(year) for year in recounted)
            self.stdout.write(f"Recounted {listed} ({elapsed:.1f} s).")
        else:
            self.stdout.write("Every year was counted already: nothing to do.")
