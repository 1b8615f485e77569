"""Gunicorn settings for production: `make serve`, or
`gunicorn --config config/gunicorn.conf.py` from a service manager.

Read from the environment (or `.env`, as the Django settings are):
BANSOS_BIND, BANSOS_WEB_WORKERS, BANSOS_WEB_TIMEOUT, LOG_LEVEL; gunicorn itself
reads FORWARDED_ALLOW_IPS (the proxy allowed to say the request was HTTPS).

Before any worker starts, the master checks that the database has every
migration (`manage.py migrate --check`) and refuses to start otherwise: code
that expects a column the database lacks fails on every page, not at start.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
env = environ.Env()

# Workers (and the migration check) use the production settings unless told
# otherwise; `config/wsgi.py` has the same default.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")


def cores() -> int:
    """The CPUs this process may run on (a container may have fewer than the host)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    # Sync workers: one request each. 2 x cores + 1 keeps the CPUs busy while
    # some workers wait on PostgreSQL or on the disk.
    return 2 * cores() + 1


wsgi_app = "config.wsgi:application"
chdir = str(BASE_DIR)
proc_name = "bansos"


def given(name: str) -> bool:
    """Set and not empty (`.env.example` leaves some variables empty)."""
    return bool(os.environ.get(name, "").strip())


# Comma-separated: `127.0.0.1:8000`, `unix:/run/bansos/gunicorn.sock`, ...
bind = env.list("BANSOS_BIND") if given("BANSOS_BIND") else ["127.0.0.1:8000"]
workers = (
    env.int("BANSOS_WEB_WORKERS") if given("BANSOS_WEB_WORKERS") else default_workers()
)
worker_class = "sync"

# A worker silent this long is killed and replaced. Checking a 20 MB import or
# printing a long PDF report takes seconds, not minutes.
timeout = env.int("BANSOS_WEB_TIMEOUT") if given("BANSOS_WEB_TIMEOUT") else 120
# On restart or stop, a request in progress has this long to finish.
graceful_timeout = 30
# Behind a reverse proxy that keeps connections open (sync workers ignore it).
keepalive = 5
# Replace each worker after about a thousand requests: PDF and spreadsheet
# libraries hold on to memory. The jitter keeps them from restarting together.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files in memory, not on a disk that may stall (containers, VMs).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Both logs to standard output/error: journald or the container collects them.
accesslog = "-"
errorlog = "-"
loglevel = env.str("LOG_LEVEL").lower() if given("LOG_LEVEL") else "info"


MIGRATION_LINE = re.compile(r"^(\w+)\.(\w+)$")  # `migrate --plan`: app.name
EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|ImproperlyConfigured)\b.*:")


def check_migrations() -> str | None:
    """None when the database has every migration, or why the server must not start."""
    command = [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--check"]
    try:
        result = subprocess.run(
            [*command, "--plan", "--no-color"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return (
            "`manage.py migrate --check` did not answer within 120 s (database down?)."
        )
    if result.returncode == 0:
        return None
    if "Planned operations" in result.stdout:
        pending = [
            ".".join(match.groups())
            for line in result.stdout.splitlines()
            if (match := MIGRATION_LINE.match(line))
        ]
        settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
        listed = ", ".join(pending[:10]) + (
            f" and {len(pending) - 10} more" if len(pending) > 10 else ""
        )
        return (
            f"the database lacks {len(pending)} migration(s): {listed}.\n"
            "Back it up if it holds data (`manage.py backup DIR`), apply them with\n"
            f"  DJANGO_SETTINGS_MODULE={settings_module} "
            f"{sys.executable} manage.py migrate\n"
            "and start again."
        )
    lines = [line.strip() for line in (result.stderr or result.stdout).splitlines()]
    # The exception's own line says more than the traceback's last one.
    errors = [line for line in lines if EXCEPTION_LINE.match(line)]
    detail = (
        errors[-1]
        if errors
        else next(
            (line for line in reversed(lines) if line),
            f"exit status {result.returncode}",
        )
    )
    return f"could not check the migrations: {detail}"


def on_starting(server):
    """Runs in the master before it listens: refuse to start on a stale database."""
    problem = check_migrations()
    if problem:
        server.log.error("Bansos refuses to start: %s", problem)
        sys.exit(1)
