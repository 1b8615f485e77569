"""The report summaries read from the replica when there is one (config/db_router.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connections

from config.db_router import ReportsReplicaRouter
from grants.models import Grant
from reports.models import AidSummary, SummaryState

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def router():
    router = ReportsReplicaRouter()
    router.has_replica = True
    return router


def test_report_summaries_are_read_from_the_replica(router):
    assert router.db_for_read(AidSummary) == "replica"
    assert router.db_for_read(SummaryState) == "replica"


def test_everything_else_is_read_from_the_primary(router):
    assert router.db_for_read(Grant) == "default"
    assert router.db_for_read(User) == "default"


def test_every_write_goes_to_the_primary(router):
    assert router.db_for_write(AidSummary) == "default"
    assert router.db_for_write(Grant) == "default"


def test_a_read_inside_a_transaction_stays_on_the_primary(router, monkeypatch):
    # A recount reads back what it has just written: the replica lags.
    primary = connections["default"]
    monkeypatch.setattr(primary, "in_atomic_block", True)
    assert router.db_for_read(AidSummary) == "default"
    monkeypatch.setattr(primary, "in_atomic_block", False)
    assert router.db_for_read(AidSummary) == "replica"


def test_migrations_run_on_the_primary_only(router):
    assert router.allow_migrate("default", "reports")
    assert not router.allow_migrate("replica", "reports")
    assert not router.allow_migrate("replica", "grants")


def test_without_a_replica_everything_uses_the_primary(settings):
    router = ReportsReplicaRouter()

    assert "replica" not in settings.DATABASES
    assert not router.has_replica
    assert router.db_for_read(AidSummary) == "default"


def production_databases(**env) -> dict:
    """DATABASES and DATABASE_ROUTERS as config.settings.prod builds them from env."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
        and not key.startswith(("DATABASE_", "BANSOS_S3_"))
    }
    script = (
        "import json\n"
        "from config.settings import prod\n"
        "print(json.dumps({'databases': {alias: {'NAME': db['NAME'], "
        "'HOST': db.get('HOST'), 'TEST': db.get('TEST', {})} "
        "for alias, db in prod.DATABASES.items()}, "
        "'routers': prod.DATABASE_ROUTERS}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **clean,
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "bansos.example.go.id",
            "DATABASE_URL": "postgres://bansos@db1.internal:5432/bansos",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_add_the_replica_when_its_url_is_set():
    built = production_databases(
        DATABASE_REPLICA_URL="postgres://bansos@db2.internal:5432/bansos"
    )

    assert set(built["databases"]) == {"default", "replica"}
    assert built["databases"]["default"]["HOST"] == "db1.internal"
    assert built["databases"]["replica"]["HOST"] == "db2.internal"
    assert built["databases"]["replica"]["TEST"] == {"MIRROR": "default"}
    assert built["routers"] == ["config.db_router.ReportsReplicaRouter"]


def test_production_settings_have_one_database_without_a_replica():
    built = production_databases()

    assert set(built["databases"]) == {"default"}


def test_production_settings_refuse_s3_without_django_storages(tmp_path):
    # As if the optional extra were not installed, whether it is or not.
    script = "import sys; sys.modules['storages'] = None; import config.settings.prod"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "bansos.example.go.id",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "BANSOS_S3_BUCKET": "bansos-berkas",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "pip install -e '.[s3]'" in result.stderr
