"""The import benchmark: `python -m benchmarks.bench_import --rows 100000`.

Run against a scratch PostgreSQL database (`DATABASE_URL`); every measurement
runs in a process of its own and is rolled back.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks import import_speed as bench  # noqa: E402
from benchmarks.samples import recipient_rows, write_csv  # noqa: E402
from institutions.models import Village  # noqa: E402

TARGET_ROWS_PER_SECOND = 15_000
TARGET_SHARE_OF_COPY = 0.25
TARGET_PEAK_MB = 300


class CommandError(Exception):
    pass


class Command:
    help = (
        "Measure the recipient import on generated rows against PostgreSQL COPY and "
        "django-import-export (nothing is kept: every run is rolled back)."
    )

    def write(self, text: str) -> None:
        print(text, flush=True)

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument(
            "--sample",
            type=int,
            default=5_000,
            help="Rows for django-import-export's row-by-row import (default 5000).",
        )
        parser.add_argument("--phase", choices=sorted(bench.PHASES), help="(internal)")
        parser.add_argument("--file", help="(internal) the generated CSV")
        parser.add_argument("--years", help="(internal) the programme years")

    def handle(self, *args, rows: int, sample: int, phase, file, years, **options):
        if phase:
            years = tuple(int(y) for y in years.split(","))
            result = bench.run_phase(phase, Path(file), years, sample)
            self.write(bench.encode(result))
            return
        if not Village.objects.exists():
            raise CommandError("No villages: run `manage.py load_regions` first.")
        years = bench.bench_years()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "daftar_penerima.csv"
            self.write(f"Generating {rows:,} rows ({years[0]}-{years[-1]}) ...")
            count = write_csv(
                path,
                recipient_rows(rows, years=years, programs=bench.bench_programs(years)),
            )
            size_mb = path.stat().st_size / 1_048_576
            self.write(
                f"{count:,} rows, {size_mb:.1f} MB CSV; database: "
                f"{connection.vendor} {settings.DATABASES['default']['NAME']}; "
                "importing as a user allowed to import historical grants"
            )
            results = {}
            bench.vacuum()
            for name in ("ours-dry", "ours", "copy", "floor", "import-export"):
                self.write(f"  running {name} ...")
                results[name] = self._child(name, path, years, sample)
                # Each run is rolled back; its dead rows must not slow the next.
                bench.vacuum()
        self._print(results, count)

    def _child(self, phase: str, path: Path, years, sample: int) -> dict:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_import",
                "--phase",
                phase,
                "--file",
                str(path),
                "--years",
                ",".join(map(str, years)),
                "--sample",
                str(sample),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise CommandError(f"{phase} failed:\n{completed.stderr[-3000:]}")
        return bench.decode(completed.stdout)

    def _print(self, results: dict, count: int) -> None:
        labels = {
            "ours-dry": "ours, dry run (preview)",
            "ours": "ours, import (one transaction)",
            "copy": "PostgreSQL COPY, scratch table",
            "floor": "COPY of what ours writes, real tables",
            "import-export": "django-import-export ModelResource",
        }
        rate = {}
        self.write("")
        self.write(f"{'':38} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
        for name, result in results.items():
            if result.get("skipped"):
                self.write(f"{labels[name]:38} {result['skipped']}")
                continue
            rate[name] = result["rows"] / result["seconds"]
            self.write(
                f"{labels[name]:38} {result['rows']:>8,} {result['seconds']:>8.2f} "
                f"{rate[name]:>9,.0f} {result['peak_mb']:>8.0f}"
            )
        self.write("")
        ours = rate["ours"]
        checks = [
            (
                f"import >= {TARGET_ROWS_PER_SECOND:,} rows/s",
                f"{ours:,.0f}",
                ours >= TARGET_ROWS_PER_SECOND,
            ),
            (
                f"peak memory <= {TARGET_PEAK_MB} MB",
                f"{max(results['ours']['peak_mb'], results['ours-dry']['peak_mb']):.0f}",
                max(results["ours"]["peak_mb"], results["ours-dry"]["peak_mb"])
                <= TARGET_PEAK_MB,
            ),
        ]
        if "copy" in rate:
            share = ours / rate["copy"]
            checks.insert(
                1,
                (
                    f"import >= {TARGET_SHARE_OF_COPY:.0%} of COPY",
                    f"{share:.1%}",
                    share >= TARGET_SHARE_OF_COPY,
                ),
            )
        if "floor" in rate:
            self.write(
                f"ours / COPY of what ours writes: {ours / rate['floor']:.0%} "
                "(the database's own share of the work)"
            )
        if "import-export" in rate:
            self.write(
                f"ours / django-import-export: {ours / rate['import-export']:.0f}x"
            )
        for label, value, ok in checks:
            self.write(f"{'OK  ' if ok else 'MISS'} {label}: {value}")


def main(argv=None) -> int:
    command = Command()
    parser = argparse.ArgumentParser(description=command.help)
    command.add_arguments(parser)
    try:
        command.handle(**vars(parser.parse_args(argv)))
    except CommandError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
