"""E-mail the LPJ reminders due today; run daily from cron."""

from django.core.management.base import BaseCommand

from grants.reminders import send_lpj_reminders


class Command(BaseCommand):
    help = (
        "Kirim pengingat LPJ yang jatuh waktu hari ini (sebelum batas dan saat "
        "terlambat); pengingat yang sudah terkirim tidak dikirim lagi."
    )

    def handle(self, *args, **options):
        summary = send_lpj_reminders()
        self.stdout.write(
            f"Pengingat LPJ: {summary.due} jatuh waktu, {summary.sent} terkirim, "
            f"{summary.already_sent} sudah terkirim sebelumnya, {summary.failed} "
            f"gagal, {summary.without_recipient} bantuan tanpa alamat surel."
        )
        if summary.failed:
            # The failed ones are tried again by the next run: not an error exit.
            self.stderr.write(
                self.style.WARNING(
                    f"{summary.failed} pengingat belum terkirim (server surel tidak "
                    "dapat dihubungi?); dicoba lagi pada jalannya perintah berikutnya."
                )
            )
            for error in summary.errors[:10]:
                self.stderr.write(self.style.WARNING(f"  {error}"))
