from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.backup import MANIFEST, BackupError, create, prune


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump --format=custom; SQLite: the "
        "online backup API) and the uploaded files (MEDIA_ROOT) into a new folder "
        "DIR/bansos-YYYYMMDD-HHMMSS with a manifest (rows per table, sha256 per "
        "file). Safe while the site runs. Prints the folder's path last."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to put the backup folder.")
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            metavar="N",
            help="Afterwards, delete all but the N newest backups in DIRECTORY "
            "(default 0: delete none).",
        )

    def handle(self, *args, directory, keep, **options):
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more.")
        parent = Path(directory)
        try:
            folder = create(parent)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for old in prune(folder.parent, keep):
            self.stderr.write(f"Deleted the older backup {old}")
        if options["verbosity"] >= 2:
            self.stderr.write((folder / MANIFEST).read_text())
        self.stdout.write(str(folder))
