"""Load test: 20 staff users on the production setup, reported as locust sees it.

    .venv/bin/python -m benchmarks.load_test [--users 20] [--run-time 60s] [--workers 4]

Creates a fresh PostgreSQL database (default `bansos_load` at 127.0.0.1:5432,
user postgres; it must not exist yet), migrates it, loads the regions and the
demo data, adds staff logins of every role until there are `--users` of them,
collects the static files, starts gunicorn with the production settings on a
free port of 127.0.0.1, runs locust headless (benchmarks/locustfile.py), prints
requests/s, the median, 95th and 99th percentiles overall and per page, the
login times and every error, then stops gunicorn and drops the database, also
when something failed or the run was interrupted.

The pages are also summed up without the login requests, and split by whether
they were asked for before the last of the (simultaneous) logins ended: each
login hashes its password with Argon2 (about 170 ms of both cores), so twenty
at once hold the server for a few seconds.

Exit status: 0 when the target was met (no errors, page p95 under 300 ms), 1
when it was not, 2 when the run could not be made.
"""

import argparse
import csv
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TARGET_P95_MS = 300
PHASES_FILE = "phases.json"
# The demo's own logins (grants/demo.py) come first; more are added per role.
LOAD_USERNAME = "beban{:02d}"
# Shared with benchmarks/locustfile.py, which imports them (this module does
# not import locust: that would patch the standard library with gevent's).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PLAN_VARIABLE = "BANSOS_LOAD_PLAN"
LOGIN_PATH = "/masuk/"
LOGIN_NAME = "login POST /masuk/"


def check_host(host: str | None) -> str:
    """Return the host URL if it is this machine's loopback address; refuse others.

    The load test logs in with real passwords and is meant for a throwaway copy
    of the demo, never a real server.
    """
    if not host:
        raise ValueError("No host: pass --host http://127.0.0.1:PORT.")
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(
            f"Refusing to load {host!r}: this load test only runs against "
            "127.0.0.1 or localhost (a throwaway demo server)."
        )
    return host


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load_test",
        description="Load-test the production setup with locust on a fresh "
        "PostgreSQL database holding the demo data.",
    )
    parser.add_argument(
        "--database",
        default="bansos_load",
        help="name of the database to create and drop afterwards; it must not "
        "exist yet (default bansos_load)",
    )
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server, without a database name "
        "(default postgres://postgres@127.0.0.1:5432)",
    )
    parser.add_argument("--users", type=int, default=20, help="simulated staff")
    parser.add_argument(
        "--spawn-rate", type=float, default=20, help="users started per second"
    )
    parser.add_argument(
        "--run-time", default="60s", help="how long, locust style: 60s, 5m"
    )
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn worker processes"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address gunicorn listens on (127.0.0.1 or localhost)",
    )
    parser.add_argument(
        "--csv-dir",
        type=Path,
        help="keep locust's CSV files and gunicorn's log in this folder",
    )
    # Internal: run inside the Django environment by the runner itself.
    parser.add_argument("--write-plan", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not DATABASE_NAME.match(args.database):
        parser.error(f"--database {args.database!r}: use lowercase letters, _, digits")
    if args.database in ("postgres", "template0", "template1"):
        parser.error(f"--database {args.database!r} is PostgreSQL's own")
    if args.users < 1 or args.workers < 1 or args.spawn_rate <= 0:
        parser.error("--users, --workers and --spawn-rate must be positive")
    if not re.fullmatch(r"\d+[smh]?", args.run_time):
        parser.error(f"--run-time {args.run_time!r}: e.g. 60s, 5m, 1h")
    try:
        check_host(f"http://{args.host}")
    except ValueError as exc:
        parser.error(str(exc))
    return args


def write_plan(path: Path, users: int, phases_path: Path | None = None) -> None:
    """Create the missing load-test logins and write who logs in and what to read.

    Runs inside Django (production settings, the load-test database).
    """
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from grants import roles
    from grants.demo import DEMO_USERS, demo_password
    from grants.models import Grant

    logins = [(username, demo_password(username)) for username, *_ in DEMO_USERS]
    groups = [Group.objects.get(name=role) for role in roles.ROLES]
    for number in range(1, users - len(logins) + 1):
        username, password = LOAD_USERNAME.format(number), secrets.token_urlsafe(16)
        user = User(username=username, first_name="Beban", last_name=f"{number}")
        user.set_password(password)
        user.save()
        user.groups.add(groups[(number - 1) % len(groups)])
        logins.append((username, password))
    plan = {
        "logins": [
            {
                "username": username,
                "password": password,
                "permissions": sorted(
                    User.objects.get(username=username).get_all_permissions()
                ),
            }
            for username, password in logins[:users]
        ],
        "grant_ids": list(
            Grant.objects.order_by("pk").values_list("pk", flat=True)[:200]
        ),
        "phases_path": str(phases_path) if phases_path else None,
    }
    path.write_text(json.dumps(plan), encoding="utf-8")
    path.chmod(0o600)


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class RunFailed(Exception):
    pass


@dataclass
class Row:
    name: str
    count: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    maximum: float

    @classmethod
    def from_csv(cls, row: dict) -> "Row":
        def number(key):
            value = row[key]
            return float(value) if value not in ("", "N/A") else 0.0

        return cls(
            name=row["Name"] if row["Type"] != "" else "(all)",
            count=int(row["Request Count"]),
            failures=int(row["Failure Count"]),
            per_second=number("Requests/s"),
            p50=number("50%"),
            p95=number("95%"),
            p99=number("99%"),
            maximum=number("Max Response Time"),
        )


def read_stats(prefix: Path) -> tuple[Row, list[Row], list[dict]]:
    """The overall row, one row per page and the failures, from locust's CSV."""
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as stats_file:
        rows = list(csv.DictReader(stats_file))
    pages = [Row.from_csv(row) for row in rows if row["Name"] != "Aggregated"]
    overall = [Row.from_csv(row) for row in rows if row["Name"] == "Aggregated"]
    if not overall:
        raise RunFailed(f"{prefix}_stats.csv has no Aggregated row")
    with open(f"{prefix}_failures.csv", newline="", encoding="utf-8") as failures:
        errors = list(csv.DictReader(failures))
    return overall[0], pages, errors


def percentile(times: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 for p95) of response times."""
    ordered = sorted(times)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def read_phases(path: Path) -> dict[str, list[float]]:
    """Page times (ms, login requests left out) by when the page was asked for."""
    if not path.exists():
        raise RunFailed(f"locust wrote no {path.name}")
    phases = json.loads(path.read_text(encoding="utf-8"))
    phases["all"] = phases["during_logins"] + phases["after_logins"]
    return phases


def summary(times: list[float]) -> str:
    if not times:
        return "0 requests"
    return (
        f"{len(times)} requests, p50 {percentile(times, 0.5):.0f} ms, "
        f"p95 {percentile(times, 0.95):.0f} ms, p99 {percentile(times, 0.99):.0f} ms"
    )


def report(
    overall: Row, pages: list[Row], errors: list[dict], phases: dict, args
) -> bool:
    """Print the figures; return whether the target was met.

    The target (0 errors, p95 under 300 ms) holds for all requests, logins
    included, and for the pages alone; the login requests, dominated by the
    Argon2 hash by design, are also reported apart.
    """
    print(
        f"\n{args.users} users (spawn rate {args.spawn_rate:g}/s), {args.run_time}, "
        f"{args.workers} gunicorn workers, {os.cpu_count()} CPUs"
    )
    print(
        f"{'page':<28} {'requests':>8} {'errors':>6} {'req/s':>6} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}  (ms)"
    )
    for row in [*sorted(pages, key=lambda row: row.name), overall]:
        print(
            f"{row.name:<28} {row.count:>8} {row.failures:>6} "
            f"{row.per_second:>6.1f} {row.p50:>6.0f} {row.p95:>6.0f} "
            f"{row.p99:>6.0f} {row.maximum:>6.0f}"
        )
    for error in errors:
        print(
            f"ERROR x{error['Occurrences']}: {error['Method']} {error['Name']}: "
            f"{error['Error']}"
        )
    login = next((row for row in pages if row.name == LOGIN_NAME), None)
    if login:
        print(
            f"\nLogins: {login.count}, median {login.p50:.0f} ms, "
            f"p95 {login.p95:.0f} ms, slowest {login.maximum:.0f} ms"
        )
    print(
        f"All requests: {overall.per_second:.1f} requests/s, "
        f"p50 {overall.p50:.0f} ms, p95 {overall.p95:.0f} ms, "
        f"p99 {overall.p99:.0f} ms, {overall.failures} errors of {overall.count}"
    )
    print(f"Pages: {summary(phases['all'])}")
    print(
        f"  asked for before the last login ended: {summary(phases['during_logins'])}"
    )
    print(f"  asked for once all had logged in:      {summary(phases['after_logins'])}")
    met = (
        overall.failures == 0
        and overall.p95 < TARGET_P95_MS
        and bool(phases["all"])
        and percentile(phases["all"], 0.95) < TARGET_P95_MS
    )
    print(
        f"Target (0 errors, p95 under {TARGET_P95_MS} ms, of all requests and "
        f"of the pages alone): {'met' if met else 'NOT met'}"
    )
    return met


class LoadTest:
    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.database_created = False
        self.server: subprocess.Popen | None = None
        self.port = free_port(args.host)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "DATABASE_URL": f"{args.postgres.rstrip('/')}/{args.database}",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": args.host,
            # gunicorn is reached without nginx, over plain HTTP on loopback.
            "SECURE_SSL_REDIRECT": "0",
            "BANSOS_BIND": f"{args.host}:{self.port}",
            "BANSOS_WEB_WORKERS": str(args.workers),
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DEBUG", None)
        self.server_log = workdir / "gunicorn.log"

    # -- database ---------------------------------------------------------
    def _admin_connection(self):
        import psycopg

        return psycopg.connect(
            f"{self.args.postgres.rstrip('/')}/postgres", autocommit=True
        )

    def create_database(self) -> None:
        from psycopg import sql

        with self._admin_connection() as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.args.database]
            ).fetchone()
            if exists:
                raise RunFailed(
                    f"database {self.args.database} already exists: drop it "
                    "(`dropdb`) or pass another --database; the load test only "
                    "drops a database it created"
                )
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.args.database))
            )
        self.database_created = True

    def drop_database(self) -> None:
        from psycopg import sql

        with self._admin_connection() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.args.database)
                )
            )
        self.database_created = False

    # -- steps ------------------------------------------------------------
    def manage(self, *command: str) -> None:
        self.run([sys.executable, "manage.py", *command], " ".join(command))

    def run(self, command: list[str], what: str) -> None:
        print(f"- {what}", flush=True)
        result = subprocess.run(
            command, cwd=BASE_DIR, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise RunFailed(f"{what} failed:\n{result.stdout}{result.stderr}")

    def prepare(self) -> Path:
        self.create_database()
        self.manage("migrate", "--noinput")
        self.manage("load_regions")
        # The database is a throwaway copy, hence --force with DEBUG off.
        self.manage("seed_demo", "--force")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        plan = self.workdir / "plan.json"
        self.run(
            [
                sys.executable,
                "-m",
                "benchmarks.load_test",
                "--users",
                str(self.args.users),
                "--write-plan",
                str(plan),
            ],
            f"{self.args.users} staff logins",
        )
        return plan

    def start_server(self) -> str:
        url = f"http://{self.args.host}:{self.port}"
        print(f"- gunicorn, {self.args.workers} workers, at {url}", flush=True)
        with open(self.server_log, "wb") as log:
            self.server = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RunFailed(f"gunicorn exited:\n{self.server_log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/masuk/", timeout=5) as response:
                    if response.status == 200:
                        return url
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RunFailed("gunicorn did not answer within 90 s")

    def run_locust(self, url: str, plan: Path) -> Path:
        prefix = self.workdir / "locust"
        print(
            f"- locust: {self.args.users} users for {self.args.run_time} "
            f"(load average before: {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        result = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(BASE_DIR / "benchmarks" / "locustfile.py"),
                "--headless",
                "--host",
                url,
                "--users",
                str(self.args.users),
                "--spawn-rate",
                str(self.args.spawn_rate),
                "--run-time",
                self.args.run_time,
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=BASE_DIR,
            env={**os.environ, PLAN_VARIABLE: str(plan)},
            capture_output=True,
            text=True,
        )
        # Other programs busy on this machine slow every figure down.
        print(f"- load average after: {os.getloadavg()[0]:.1f}", flush=True)
        # Locust exits 1 when a request failed; only missing figures are fatal.
        if not Path(f"{prefix}_stats.csv").exists():
            raise RunFailed(f"locust failed:\n{result.stdout}{result.stderr}")
        return prefix

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()

    def keep_files(self) -> None:
        target = self.args.csv_dir
        target.mkdir(parents=True, exist_ok=True)
        for path in [*self.workdir.glob("locust_*.csv"), self.workdir / PHASES_FILE]:
            if path.exists():
                shutil.copy(path, target / path.name)
        if self.server_log.exists():
            shutil.copy(self.server_log, target / self.server_log.name)

    def __call__(self) -> bool:
        try:
            plan = self.prepare()
            url = self.start_server()
            prefix = self.run_locust(url, plan)
            overall, pages, errors = read_stats(prefix)
            phases = read_phases(self.workdir / PHASES_FILE)
            return report(overall, pages, errors, phases, self.args)
        finally:
            self.stop_server()
            if self.args.csv_dir:
                self.keep_files()
            if self.database_created:
                self.drop_database()


def _stop_on_sigterm(signum, frame):
    # SystemExit runs the clean-up in LoadTest's `finally`.
    raise SystemExit(2)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.write_plan:
        write_plan(args.write_plan, args.users, args.write_plan.with_name(PHASES_FILE))
        return 0
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="bansos-load-"))
    try:
        return 0 if LoadTest(args, workdir)() else 1
    except RunFailed as exc:
        print(f"Load test not run: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
