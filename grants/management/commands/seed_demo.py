import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grants.demo import seed_demo
from grants.services import GrantError


class Command(BaseCommand):
    help = (
        "Fill a development database with demo data (data demo fiktif) matching "
        "the office's published 2022-2024 figures, plus an open programme of the "
        "current year with grants at every step; running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. Never do this on a production database.",
        )

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this may be a production database: refusing to "
                "add demo data. Run with DEBUG=1, or pass --force if you are sure."
            )
        started = time.monotonic()
        try:
            result = seed_demo()
        except (GrantError, ValidationError) as exc:
            message = getattr(exc, "message", None) or "; ".join(exc.messages)
            raise CommandError(f"Demo data not written: {message}") from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            "Data demo (fiktif): institutions, people, amounts and document numbers "
            "are invented; only the yearly counts of aided institutions and the "
            "2024 WKSBM Bimtek (date, venue, speakers) follow the office's public "
            "figures."
        )
        self.stdout.write(
            f"Created: {result.regions.created} regions, {result.users} users, "
            f"{result.institutions} institutions, {result.programs} programmes, "
            f"{result.grants} grants, {result.lpjs} LPJs, "
            f"{result.lpj_reviews} LPJ reviews, {result.refunds} refunds, "
            f"{result.training_rows} training rows ({elapsed:.1f} s)."
        )
        if not result.created_anything:
            self.stdout.write("The demo data was already complete: nothing changed.")
        self.stdout.write("\nDemo logins (development only):")
        self.stdout.write(f"  {'username':<12} {'password':<24} role")
        for username, password, role in result.logins:
            self.stdout.write(f"  {username:<12} {password:<24} {role}")
