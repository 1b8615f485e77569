from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from common.backup import BackupError, media_root, read_verified, restore


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup`: the database (PostgreSQL: "
        "pg_restore --clean --if-exists --no-owner; SQLite: the online backup API) "
        "and MEDIA_ROOT, which is left holding exactly the backup's files. Every "
        "checksum of the manifest is verified before anything is touched. Stop the "
        "site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The backup folder (bansos-…).")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, directory, interactive, **options):
        try:
            backup = read_verified(Path(directory))
        except BackupError as error:
            raise CommandError(str(error)) from error

        manifest = backup.manifest
        rows = sum(manifest["tables"].values())
        database = connection.settings_dict["NAME"]
        self.stdout.write(
            f"Backup of {manifest['created_at']}: {backup.vendor} database "
            f"({len(manifest['tables'])} tables, {rows} rows), "
            f"{len(backup.media_files)} uploaded file(s); every checksum matches."
        )
        if interactive:
            answer = input(
                f"This replaces the {connection.vendor} database '{database}' and "
                f"every file in {media_root()} with this backup; what was saved "
                "or uploaded since is lost.\n"
                "Type 'yes' to continue, or 'no' to cancel: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")

        try:
            restored = restore(backup)
        except BackupError as error:
            raise CommandError(str(error)) from error

        self.stdout.write(
            f"Database '{database}' restored; {restored.copied} file(s) put back "
            f"and {restored.deleted} removed in {media_root()}."
        )
        if restored.differences:
            listed = ", ".join(
                f"{table} (backup {expected}, now {found})"
                for table, (expected, found) in restored.differences.items()
            )
            raise CommandError(
                f"Rows differ from the manifest after the restore: {listed}"
            )
        self.stdout.write(
            "Rows per table match the manifest. If this code is newer than the "
            "backup, run `manage.py migrate` before starting the site."
        )
