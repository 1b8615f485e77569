"""The import benchmark: `python -m benchmarks.bench_import --rows 100000,1000000`.

Run against a scratch PostgreSQL database (`DATABASE_URL`); every measurement
runs in a process of its own (so its peak memory is its own) and is rolled
back. For each size it prints ours (the dry run and the import), the database
floor (a COPY of exactly the rows ours wrote, into the real tables) and
django-import-export (its default ModelResource, on a sample), then the
targets.
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

# Ours against the database's own floor, at 100,000 rows and more.
TARGET_SHARE_OF_FLOOR = 0.75
TARGET_PEAK_MB = 300
PHASES = ("ours-dry", "ours", "copy", "floor", "import-export")
LABELS = {
    "ours-dry": "ours, dry run (preview)",
    "ours": "ours, import (one transaction)",
    "copy": "PostgreSQL COPY of the CSV, scratch table",
    "floor": "floor: COPY of what ours wrote, real tables",
    "import-export": "django-import-export ModelResource",
}


class BenchError(Exception):
    pass


def sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a list of row counts: {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("row counts must be positive")
    return values


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    result.add_argument(
        "--rows",
        type=sizes,
        default=[100_000],
        help="Row counts to measure, comma-separated (default 100000).",
    )
    result.add_argument(
        "--sample",
        type=int,
        default=5_000,
        help="Rows for django-import-export's row-by-row import (default 5000).",
    )
    result.add_argument("--phase", choices=sorted(bench.PHASES), help="(internal)")
    result.add_argument("--file", help="(internal) the generated CSV")
    result.add_argument("--years", help="(internal) the programme years")
    return result


def say(text: str = "") -> None:
    print(text, flush=True)


def child(phase: str, path: Path, years, sample: int) -> dict:
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
        raise BenchError(f"{phase} failed:\n{completed.stderr[-3000:]}")
    return bench.decode(completed.stdout)


def measure(rows: int, sample: int) -> dict:
    years = bench.bench_years()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "daftar_penerima.csv"
        say(f"Generating {rows:,} rows ({years[0]}-{years[-1]}) ...")
        count = write_csv(
            path,
            recipient_rows(rows, years=years, programs=bench.bench_programs(years)),
        )
        size_mb = path.stat().st_size / 1_048_576
        say(
            f"{count:,} rows, {size_mb:.1f} MB CSV; database: "
            f"{connection.vendor} {settings.DATABASES['default']['NAME']}; "
            "importing as a user allowed to import historical grants"
        )
        results = {}
        bench.vacuum()
        for name in PHASES:
            say(f"  running {name} ...")
            results[name] = child(name, path, years, sample)
            # Each run is rolled back; its dead rows must not slow the next.
            bench.vacuum()
    return results


def table(results: dict) -> dict[str, float]:
    rate = {}
    say()
    say(f"{'':44} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    for name, result in results.items():
        if result.get("skipped"):
            say(f"{LABELS[name]:44} {result['skipped']}")
            continue
        rate[name] = result["rows"] / result["seconds"]
        say(
            f"{LABELS[name]:44} {result['rows']:>9,} {result['seconds']:>8.2f} "
            f"{rate[name]:>9,.0f} {result['peak_mb']:>8.0f}"
        )
    say()
    return rate


def targets(rows: int, results: dict, rate: dict) -> list[tuple[str, str, bool]]:
    checks = []
    if "floor" in rate:
        share = rate["ours"] / rate["floor"]
        checks.append(
            (
                f"{rows:,} rows: ours >= {TARGET_SHARE_OF_FLOOR:.0%} of the floor",
                f"{share:.0%}",
                share >= TARGET_SHARE_OF_FLOOR,
            )
        )
    peak = max(results["ours"]["peak_mb"], results["ours-dry"]["peak_mb"])
    checks.append(
        (
            f"{rows:,} rows: peak memory <= {TARGET_PEAK_MB} MB",
            f"{peak:.0f} MB",
            peak <= TARGET_PEAK_MB,
        )
    )
    if "import-export" in rate:
        say(f"ours / django-import-export: {rate['ours'] / rate['import-export']:.0f}x")
    return checks


def main(argv=None) -> int:
    options = parser().parse_args(argv)
    if options.phase:
        years = tuple(int(y) for y in options.years.split(","))
        result = bench.run_phase(
            options.phase, Path(options.file), years, options.sample
        )
        say(bench.encode(result))
        return 0
    if not Village.objects.exists():
        print("No villages: run `manage.py load_regions` first.", file=sys.stderr)
        return 1
    checks = []
    try:
        for rows in options.rows:
            results = measure(rows, options.sample)
            rate = table(results)
            checks += targets(rows, results, rate)
            say()
    except BenchError as error:
        print(error, file=sys.stderr)
        return 1
    say("Targets:")
    for label, value, ok in checks:
        say(f"{'OK  ' if ok else 'MISS'} {label}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
