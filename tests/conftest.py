import contextlib
import datetime
import os

import axes.handlers.proxy
import pytest
from django.db import connection
from django.utils import timezone

# CI sets this: a test that would skip for want of a tool (PostgreSQL, Chromium)
# fails instead, so nothing is skipped silently.
STRICT = os.environ.get("BANSOS_NO_SKIP") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # An expected failure (xfail) also reports as skipped; it is not a missing tool.
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"BANSOS_NO_SKIP=1 forbids skipping: {reason}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgresql") and connection.vendor != "postgresql":
            item.add_marker(
                pytest.mark.skip(
                    reason="needs PostgreSQL (row locks); set DATABASE_URL=postgres://..."
                )
            )


@pytest.fixture
def regions(db):
    """The province's official regions, as `make run` loads them."""
    from institutions.regions import load_regions

    load_regions("75")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what waits for the commit (report recounts,
    e-mails) at the end of the block, as a real commit would; a test's own
    transaction never commits."""

    @contextlib.contextmanager
    def commit():
        # The report changes noted before the block wait for the test's commit,
        # which never comes; those made inside get a callback of their own.
        connection._report_changes = None
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    return commit


@pytest.fixture
def clock(monkeypatch):
    """Stops time, and moves it forward, for Django, the sessions and axes alike."""
    start = timezone.now()
    offset = datetime.timedelta()

    def fake_now():
        return start + offset

    class Clock:
        def advance(self, **delta):
            nonlocal offset
            offset += datetime.timedelta(**delta)

    monkeypatch.setattr(timezone, "now", fake_now)
    # axes imported `now` by name before the patch.
    monkeypatch.setattr(axes.handlers.proxy, "now", fake_now)
    return Clock()


@pytest.fixture
def fresh_storage(settings):
    """An empty in-memory storage for the test: the suite's own outlives each
    test, and grant and institution ids (so the stored paths) repeat."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
