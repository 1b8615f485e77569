from django.core.management.base import BaseCommand

from imports.retention import purge, retention_days


class Command(BaseCommand):
    help = (
        "Previews not confirmed within BANSOS_IMPORT_RETENTION_DAYS days become "
        "abandoned and lose their file; rejected and failed attempts that old lose "
        "their file too. Imported lists keep theirs. Run it daily (cron)."
    )

    def handle(self, *args, **options):
        purged = purge()
        self.stdout.write(
            f"{purged.abandoned} unconfirmed preview(s) older than {retention_days()} "
            f"day(s) abandoned, their files deleted; {purged.files_deleted} file(s) "
            "of rejected or failed imports deleted."
        )
