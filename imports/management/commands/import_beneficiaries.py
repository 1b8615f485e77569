from django.core.management.base import CommandError
from django.db.models import Q

from imports.batches import Options
from imports.command import ImportCommand
from imports.models import ImportBatch
from institutions.models import Institution


class Command(ImportCommand):
    help = (
        "Import the beneficiaries (NIK, name, category, village) one institution "
        "serves in one year: all rows or none. Exit status 0 when the file was "
        "imported (or would be, with --dry-run)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--institution",
            required=True,
            help="The institution: its id or its registration number.",
        )
        parser.add_argument("--year", type=int, required=True)

    def kind_and_options(self, options) -> tuple[str, Options]:
        given = options["institution"].strip()
        condition = Q(registration_number=given)
        if given.isdigit():
            condition |= Q(pk=int(given))
        matches = list(Institution.objects.filter(condition)[:2])
        if len(matches) != 1:
            raise CommandError(f"Institution {given!r} not found (id or registration).")
        return ImportBatch.Kind.BENEFICIARIES, Options(
            institution_id=matches[0].pk, year=options["year"]
        )
