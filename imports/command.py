"""What `import_recipients` and `import_beneficiaries` share: open the file, show
progress on a terminal, print the preview report, exit non-zero when nothing
was (or would be) imported."""

import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from .batches import MSG_NOTHING_TO_DO, ImportRefused, Options, import_file

BAR_WIDTH = 30


class ImportCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and report only; write nothing.",
        )
        parser.add_argument(
            "--user",
            help=(
                "Username recorded as the importer; their regencies and permissions "
                "apply (without --user: all regencies, no permissions)."
            ),
        )
        parser.add_argument(
            "--max-mb",
            type=float,
            help="Largest file accepted, in MB (default: BANSOS_IMPORT_MAX_BYTES).",
        )

    def kind_and_options(self, options) -> tuple[str, Options]:
        raise NotImplementedError

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}")
        kind, import_options = self.kind_and_options(options)
        max_bytes = (
            int(options["max_mb"] * 1_048_576)
            if options["max_mb"]
            else settings.BANSOS_IMPORT_MAX_BYTES
        )
        progress = self._progress if self.stderr.isatty() else None
        self._started = time.perf_counter()
        with open(path, "rb") as handle:
            try:
                report, batch = import_file(
                    handle,
                    file_name=path.name,
                    kind=kind,
                    options=import_options,
                    user=user,
                    dry_run=options["dry_run"],
                    progress=progress,
                    max_bytes=max_bytes,
                )
            except ImportRefused as refused:
                raise CommandError(refused.message) from None
        if progress is not None:
            self.stderr.write("")
        for line in report.summary_lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                _("Berkas tidak diimpor: %(count)s kesalahan; tidak ada yang disimpan.")
                % {"count": report.errors_total},
                returncode=1,
            )
        if options["dry_run"]:
            self.stdout.write(
                _("Uji coba: berkas dapat diimpor; tidak ada yang disimpan.")
            )
        elif batch is None:
            self.stdout.write(_(MSG_NOTHING_TO_DO))
        else:
            self.stdout.write(
                _("Diimpor sebagai impor #%(batch)s dalam %(seconds).1f detik.")
                % {"batch": batch.pk, "seconds": time.perf_counter() - self._started}
            )

    def _progress(self, rows: int, fraction: float) -> None:
        done = int(BAR_WIDTH * fraction)
        rate = rows / max(time.perf_counter() - self._started, 1e-6)
        self.stderr.write(
            f"\r[{'#' * done}{'.' * (BAR_WIDTH - done)}] {fraction:4.0%} "
            f"{rows:,} baris, {rate:,.0f} baris/detik",
            ending="",
        )
        self.stderr.flush()
