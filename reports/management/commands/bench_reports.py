"""Benchmark the report pages at national scale on PostgreSQL.

Loads institutions and grants with COPY, recounts the summaries, then times
each report page and format through Django's test client. Run it on a
database of its own: it adds rows (and removes them unless --keep).
"""

import datetime
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grants.models import Grant, Program
from institutions.models import Village
from reports.summary import ensure_fresh, mark_stale

BENCH_PREFIX = "Bench"
PAGES = [
    ("trivial page (reference)", "/akun/sandi/"),
    ("beranda", "/"),
    ("per tahun", "/laporan/tahunan/?dari={first}&sampai={last}"),
    ("per tahun CSV", "/laporan/tahunan/?dari={first}&sampai={last}&format=csv"),
    ("per wilayah", "/laporan/wilayah/?dari={first}&sampai={last}"),
    ("per wilayah CSV", "/laporan/wilayah/?dari={first}&sampai={last}&format=csv"),
    ("wilayah > kecamatan", "/laporan/wilayah/?tahun={last}&kabupaten=75.02"),
    ("LPJ", "/laporan/lpj/?dari={first}&sampai={last}"),
    ("LPJ CSV", "/laporan/lpj/?dari={first}&sampai={last}&format=csv"),
    ("Bimtek", "/laporan/bimtek/?dari={first}&sampai={last}"),
    ("Bimtek CSV", "/laporan/bimtek/?dari={first}&sampai={last}&format=csv"),
    ("per tahun XLSX", "/laporan/tahunan/?dari={first}&sampai={last}&format=xlsx"),
    ("per tahun PDF", "/laporan/tahunan/?dari={first}&sampai={last}&format=pdf"),
]
PUBLIC = ("transparansi (cached)", "/transparansi/?dari={first}&sampai={last}")


class Command(BaseCommand):
    help = "Load a national-scale data set with COPY and time every report page."

    def add_arguments(self, parser):
        parser.add_argument("--grants", type=int, default=1_000_000)
        parser.add_argument("--institutions", type=int, default=200_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--first-year", type=int, default=2015)
        parser.add_argument("--requests", type=int, default=20)
        parser.add_argument(
            "--keep", action="store_true", help="Leave the generated rows in place."
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Time the pages on rows already loaded.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_reports needs PostgreSQL: set DATABASE_URL=postgres://..."
            )
        if not Village.objects.exists():
            raise CommandError("Load the regions first: manage.py load_regions")
        first = options["first_year"]
        last = first + options["years"] - 1
        rng = random.Random(2024)
        if not options["reuse"]:
            self.remove_bench_rows(first, last)
            self.load(rng, options, first, last)
        started = time.perf_counter()
        mark_stale(range(first, last + 1))
        ensure_fresh()
        self.stdout.write(
            f"summaries recounted in {time.perf_counter() - started:.1f} s"
        )
        self.time_pages(options["requests"], first, last)
        if not options["keep"]:
            self.remove_bench_rows(first, last)

    def load(self, rng: random.Random, options: dict, first: int, last: int) -> None:
        villages = list(Village.objects.values_list("code", flat=True))
        now = datetime.datetime.now(datetime.UTC)
        started = time.perf_counter()
        with transaction.atomic():
            programs = [
                Program.objects.create(
                    year=year,
                    name=f"{BENCH_PREFIX} Bantuan Sosial Lembaga {year}",
                    budget_ceiling=10**15,
                )
                for year in range(first, last + 1)
            ]
            first_id = self.copy_institutions(
                rng, villages, options["institutions"], now
            )
            grants = self.copy_grants(
                rng, programs, first_id, options["institutions"], options["grants"], now
            )
            self.copy_reports(rng, grants, programs, now)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"loaded {options['institutions']:,} institutions and {options['grants']:,} "
            f"grants over {len(programs)} years with COPY in {elapsed:.1f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def copy_institutions(self, rng, villages, count, now) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('institutions_institution', 'id'))"
            )
            first_id = cursor.fetchone()[0] + 1
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('institutions_institution', 'id'), %s)",
                [first_id + count],
            )
        # One Karang Taruna per village at most; a few hundred LKSA; WKSBM the rest.
        karang_taruna = dict(zip(range(len(villages)), villages, strict=True))
        columns = (
            "id, kind, wksbm_type, name, name_key, village_id, address, leader_name, "
            "phone, email, registration_number, registration_issuer, npwp, bank_name, "
            "account_number, account_holder, permit_number, accreditation, active, "
            "created_at, updated_at"
        )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY institutions_institution ({columns}) FROM STDIN"
            ) as copy,
        ):
            for index in range(count):
                pk = first_id + index
                if index in karang_taruna:
                    kind, subtype, village = "karang_taruna", "", karang_taruna[index]
                elif index % 400 == 0:
                    kind, subtype, village = "lksa", "", rng.choice(villages)
                else:
                    kind, subtype, village = (
                        "wksbm",
                        "majelis_taklim",
                        rng.choice(villages),
                    )
                name = f"{BENCH_PREFIX} Lembaga {pk}"
                copy.write_row(
                    (pk, kind, subtype, name, name.lower(), village, "", "", "", "", "",
                     "", "", "", "", "", "", "", True, now, now)
                )  # fmt: skip
        return first_id

    def copy_grants(self, rng, programs, first_id, institutions, count, now) -> list:
        per_program = count // len(programs)
        statuses = [
            ("disbursed", 40), ("closed", 35), ("refund_due", 3), ("approved", 6),
            ("verified", 4), ("proposed", 6), ("needs_revision", 2), ("rejected", 4),
        ]  # fmt: skip
        population = [s for s, weight in statuses for _ in range(weight)]
        aided = []
        columns = (
            "program_id, institution_id, amount, purpose, status, checklist_results, "
            "decree_number, nphd_number, created_at, updated_at"
        )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY grants_grant ({columns}) FROM STDIN") as copy,
        ):
            for program in programs:
                chosen = rng.sample(range(institutions), min(per_program, institutions))
                for offset in chosen:
                    status = rng.choice(population)
                    decree = "" if status in ("proposed", "verified", "needs_revision",
                                              "rejected") else "SK/BENCH"  # fmt: skip
                    copy.write_row(
                        (program.pk, first_id + offset, rng.randrange(10, 101) * 500_000,
                         "", status, "{}", decree, "", now, now)
                    )  # fmt: skip
                    if status in Grant.AIDED_STATUSES:
                        aided.append((program.pk, first_id + offset, status))
        return aided

    def copy_reports(self, rng, aided, programs, now) -> None:
        ids = {
            (program_id, institution_id): pk
            for pk, program_id, institution_id in Grant.objects.filter(
                program__in=programs
            ).values_list("pk", "program_id", "institution_id")
        }
        columns = (
            "grant_id, status, submitted_on, amount_spent, refund_amount, "
            "refund_reference, has_usage_report, has_signed_statement, has_receipts, "
            "note, created_at, updated_at"
        )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY grants_accountabilityreport ({columns}) FROM STDIN"
            ) as copy,
        ):
            for program_id, institution_id, status in aided:
                if status == "disbursed" and rng.random() < 0.5:
                    continue
                lpj_status = "accepted" if status != "disbursed" else "submitted"
                refund = 500_000 if status == "refund_due" else 0
                copy.write_row(
                    (ids[(program_id, institution_id)], lpj_status, now.date(), 0, refund,
                     "", True, True, True, "", now, now)
                )  # fmt: skip

    def time_pages(self, requests: int, first: int, last: int) -> None:
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
        user, _created = User.objects.get_or_create(username="bench-pengamat")
        user.groups.add(Group.objects.get(name="Pengamat"))
        client.force_login(user)
        self.stdout.write(
            f"\n{'page':<26} {'median ms':>10} {'p95 ms':>10} {'queries':>8}   "
            f"({requests} requests each, {Grant.objects.count():,} grants in the database)"
        )
        for label, url in PAGES:
            self.report(label, client, url.format(first=first, last=last), requests)
        anonymous = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
        cache.clear()
        anonymous.get(PUBLIC[1].format(first=first, last=last))  # fills the cache
        self.report(
            PUBLIC[0], anonymous, PUBLIC[1].format(first=first, last=last), requests
        )

    def report(self, label: str, client: Client, url: str, requests: int) -> None:
        client.get(url)  # warm up: templates and what Django caches per process
        timings = []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        self.stdout.write(
            f"{label:<26} {statistics.median(timings):>10.1f} {p95:>10.1f} "
            f"{len(queries):>8}"
        )

    def remove_bench_rows(self, first: int, last: int) -> None:
        programs = Program.objects.filter(name__startswith=BENCH_PREFIX)
        if not programs.exists():
            return
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            ids = list(programs.values_list("pk", flat=True))
            cursor.execute(
                "DELETE FROM grants_accountabilityreport WHERE grant_id IN "
                "(SELECT id FROM grants_grant WHERE program_id = ANY(%s))",
                [ids],
            )
            cursor.execute("DELETE FROM grants_grant WHERE program_id = ANY(%s)", [ids])
            cursor.execute(
                "DELETE FROM reports_institutionaidyears WHERE institution_id IN "
                "(SELECT id FROM institutions_institution WHERE name LIKE %s)",
                [f"{BENCH_PREFIX} Lembaga %"],
            )
            cursor.execute(
                "DELETE FROM institutions_institution WHERE name LIKE %s",
                [f"{BENCH_PREFIX} Lembaga %"],
            )
            programs.delete()
        mark_stale(range(first, last + 1))
        ensure_fresh()
        self.stdout.write(
            f"bench rows removed in {time.perf_counter() - started:.1f} s"
        )
