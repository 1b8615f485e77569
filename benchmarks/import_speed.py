"""Measure the import against its reference points, one process per measurement.

Each phase runs in a fresh process, so that its peak memory (`ru_maxrss`) is
its own, and inside a transaction that is rolled back, so that the database
is left as it was. Before the rollback the deferred foreign-key checks are
forced (`SET CONSTRAINTS ALL IMMEDIATE`): a commit would run them, so the
time includes them.
"""

import csv
import datetime
import json
import resource
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone

from grants.models import Disbursement, Grant, GrantEvent, Program
from imports.batches import Options, import_file
from imports.models import ImportBatch
from institutions.models import Institution

from .samples import HEADER

PROGRAM_NAME = "Bantuan Sosial Lembaga (uji kecepatan) %(year)s"


class Rollback(Exception):
    pass


def bench_years() -> tuple[int, int, int]:
    """Two past years (historical rows) and this year (proposals), as the office has.

    The benchmark's programmes have names of their own, so other programmes
    of these years do not get in the way.
    """
    this_year = timezone.localdate().year
    return (this_year - 2, this_year - 1, this_year)


def bench_programs(years) -> dict[int, str]:
    return {year: PROGRAM_NAME % {"year": year} for year in years}


def _create_programs(years) -> None:
    # Historical rows take the programme's decree when the file has none.
    for year, name in bench_programs(years).items():
        Program.objects.create(
            year=year,
            name=name,
            budget_ceiling=10**15,
            decree_number=f"SK/BENCH/{year}",
            decree_date=datetime.date(year, 1, 2),
        )


def _create_importer():
    """A user who proposes and may import historical grants, as a mixed list needs."""
    user = get_user_model().objects.create(username="bench_import")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="grants",
            codename__in=["import_historical_grant", "propose_grant"],
        )
    )
    return user


def peak_mb() -> float:
    """This process's peak resident memory.

    Linux's `ru_maxrss` carries the parent's peak over fork and exec, so a
    phase would report the memory of the process that generated the file;
    `VmHWM` is the peak of this program's own memory.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _force_deferred_checks() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def run_phase(phase: str, path: Path, years: tuple[int, ...], sample: int) -> dict:
    """Run one measurement; return rows, seconds and peak memory."""
    result = {"phase": phase}
    try:
        with transaction.atomic():
            _create_programs(years)
            # Recorded as creator, proposer, actor and payer of every row.
            _importer[0] = _create_importer()
            started = time.perf_counter()
            result |= PHASES[phase](path, sample)
            _force_deferred_checks()
            result.setdefault("seconds", time.perf_counter() - started)
            raise Rollback
    except Rollback:
        pass
    finally:
        _importer[0] = None
    result["peak_mb"] = round(peak_mb(), 1)
    return result


_importer: list = [None]


def _ours(path: Path, dry_run: bool) -> dict:
    with open(path, "rb") as handle:
        report, batch = import_file(
            handle,
            file_name=path.name,
            kind="penerima",
            options=Options(),
            user=_importer[0],
            dry_run=dry_run,
            max_bytes=path.stat().st_size,
        )
    if batch is not None and batch.file:
        batch.file.delete(save=False)
    if not report.ok:
        raise RuntimeError("\n".join(report.summary_lines()[:20]))
    return {"rows": report.rows_total, "new": report.rows_new}


def _ours_dry(path: Path, sample: int) -> dict:
    return _ours(path, dry_run=True)


def _ours_real(path: Path, sample: int) -> dict:
    return _ours(path, dry_run=False)


def _copy(path: Path, sample: int) -> dict:
    """The same file through PostgreSQL's own COPY into a scratch table."""
    if connection.vendor != "postgresql":
        return {"rows": 0, "skipped": "COPY is PostgreSQL-only"}
    columns = ", ".join(f"{name} text" for name in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_import_scratch ({columns})")
        with (
            open(path, "rb") as handle,
            cursor.cursor.copy(
                "COPY bench_import_scratch FROM STDIN "
                "(FORMAT csv, HEADER true, DELIMITER ';', ENCODING 'UTF8')"
            ) as copy,
        ):
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                copy.write(chunk)
        cursor.execute("SELECT count(*) FROM bench_import_scratch")
        return {"rows": cursor.fetchone()[0]}


# The rows one import writes, by table, in the order they can be loaded.
WRITTEN = {
    "institutions_institution": "SELECT * FROM {t} WHERE import_batch_id = {b}",
    "grants_grant": "SELECT * FROM {t} WHERE import_batch_id = {b}",
    "grants_grantevent": (
        "SELECT e.* FROM {t} e JOIN grants_grant g ON g.id = e.grant_id "
        "WHERE g.import_batch_id = {b}"
    ),
    "grants_disbursement": (
        "SELECT d.* FROM {t} d JOIN grants_grant g ON g.id = d.grant_id "
        "WHERE g.import_batch_id = {b}"
    ),
}


def _floor(path: Path, sample: int) -> dict:
    """What PostgreSQL alone needs to store what our import stores: the same
    rows, already prepared, COPYed straight into the real tables (indexes,
    constraints and foreign-key checks, no Python)."""
    if connection.vendor != "postgresql":
        return {"rows": 0, "skipped": "COPY is PostgreSQL-only"}
    dumps = {}
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute("SAVEPOINT bench_floor")
        rows = _ours(path, dry_run=False)["rows"]
        batch = ImportBatch.objects.latest("pk")
        for table, query in WRITTEN.items():
            sql = query.format(t=table, b=batch.pk)
            with cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
                dumps[table] = b"".join(bytes(chunk) for chunk in copy)
        cursor.execute("ROLLBACK TO SAVEPOINT bench_floor")
        # The batch row the copied rows point at, then the rows themselves.
        batch.save(force_insert=True)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        for table, data in dumps.items():
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for start in range(0, len(data), 1 << 16):
                    copy.write(data[start : start + (1 << 16)])
        seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds}


def _import_export(path: Path, sample: int) -> dict:
    """django-import-export's default ModelResource, row by row, on a sample."""
    import tablib
    from import_export.resources import modelresource_factory

    from imports.words import parse_kind
    from institutions.models import Institution

    fields = [
        "id",
        "kind",
        "wksbm_type",
        "name",
        "village",
        "address",
        "leader_name",
        "phone",
        "bank_name",
        "account_number",
        "account_holder",
        "registration_number",
    ]
    dataset = tablib.Dataset(headers=fields)
    seen = set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if len(dataset) == sample:
                break
            kind, wksbm_type = parse_kind(row["jenis_lembaga"])
            key = (row["nama_lembaga"].lower(), row["kode_desa"] or row["desa"])
            if not row["kode_desa"] or key in seen:
                continue  # the default resource knows villages only by code
            seen.add(key)
            dataset.append(
                [
                    "",
                    kind,
                    wksbm_type or "",
                    row["nama_lembaga"],
                    row["kode_desa"],
                    row["alamat"],
                    row["ketua"],
                    row["telepon"],
                    row["bank"],
                    row["nomor_rekening"],
                    row["nama_rekening"],
                    row["nomor_register"],
                ]
            )
    resource = modelresource_factory(Institution)()
    started = time.perf_counter()
    result = resource.import_data(dataset, dry_run=False, raise_errors=True)
    return {
        "rows": len(dataset),
        "new": result.totals.get("new", 0),
        "prepare_seconds": round(time.perf_counter() - started, 3),
    }


PHASES = {
    "ours-dry": _ours_dry,
    "ours": _ours_real,
    "copy": _copy,
    "floor": _floor,
    "import-export": _import_export,
}


def vacuum() -> None:
    """Reclaim what rolled-back runs left in the tables, so that runs compare."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (
            Institution,
            Grant,
            GrantEvent,
            Disbursement,
            Program,
            ImportBatch,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def encode(result: dict) -> str:
    return "BENCH " + json.dumps(result)


def decode(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise ValueError(output[-2000:])
