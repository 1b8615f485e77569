from imports.batches import Options
from imports.command import ImportCommand
from imports.models import ImportBatch


class Command(ImportCommand):
    help = (
        "Import a recipient list (CSV or XLSX, one row per grant): check every row, "
        "then write all of it in one transaction, or nothing. Exit status 0 when "
        "the file was imported (or would be, with --dry-run). New grants are "
        "proposals into this year's or next year's open programmes; historical rows "
        "(status disalurkan, past years only) need --user <name> of a user with the "
        "permission grants.import_historical_grant, and are refused without --user."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-programs",
            action="store_true",
            help=(
                'Create "Bantuan Sosial Lembaga <tahun>" for past years without a '
                "programme (this year's and next year's are made in the app); needs "
                "--user <name> with the permission grants.import_historical_grant."
            ),
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
        return kind, Options(create_programs=options["create_programs"])
