from django.core.management.base import CommandError

from common.money import parse_amount
from imports.batches import Options
from imports.command import ImportCommand
from imports.models import ImportBatch


class Command(ImportCommand):
    help = (
        "Import a recipient list (CSV or XLSX, one row per grant): check every row, "
        "then write all of it in one transaction, or nothing. Exit status 0 when "
        "the file was imported (or would be, with --dry-run). New grants are "
        "proposals into this year's or next year's open programmes. Historical rows "
        "(status disalurkan, past years only) are the administrator's: allowed "
        "without --user, and with --user only for a user with the permission "
        "grants.import_historical_grant."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-programs",
            action="store_true",
            help=(
                'Create "Bantuan Sosial Lembaga <tahun>" for years without a '
                "programme, with the ceiling given by --ceiling; needs --user <name> "
                "of a user who may create programmes (Pimpinan)."
            ),
        )
        parser.add_argument(
            "--ceiling",
            action="append",
            default=[],
            metavar="YEAR=AMOUNT",
            help="The ceiling (whole Rupiah) of the programme to create for YEAR.",
        )
        parser.add_argument(
            "--institutions-only",
            action="store_true",
            help="The file is an institution list (no grant columns).",
        )

    def kind_and_options(self, options) -> tuple[str, Options]:
        kind = (
            ImportBatch.Kind.INSTITUTIONS
            if options["institutions_only"]
            else ImportBatch.Kind.RECIPIENTS
        )
        ceilings = {}
        for text in options["ceiling"]:
            year, _sep, amount = text.partition("=")
            value = parse_amount(amount)
            if not year.strip().isdigit() or value is None:
                raise CommandError(f"--ceiling wants YEAR=AMOUNT, not {text!r}")
            ceilings[year.strip()] = value
        return kind, Options(
            create_programs=options["create_programs"], program_ceilings=ceilings
        )
