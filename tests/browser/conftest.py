"""Browser tests: pytest-playwright drives Debian's Chromium against the live server.

Playwright's sync API marks its asyncio loop as running in the main thread from
the moment it starts until the session ends. Two things in Django notice:

- the ORM refuses to run (SynchronousOnlyOperation) unless
  DJANGO_ALLOW_ASYNC_UNSAFE is set;
- `django.db.connections` keeps its connections in asgiref's Local, which
  switches to a context-variable store while a loop runs, so the test would get
  a second, fresh connection (on PostgreSQL a second session) without the
  snapshot that serialized_rollback restores, so the role groups vanish after
  the first browser test whenever another test had opened the database first.

So the browser tests run last (no other test sees the loop), the variable is
set only while they run (`manage.py check --deploy`, run as a subprocess by
another test, refuses it), and Django's own connections are handed over to
the loop's store.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def _is_browser_test(item: pytest.Item) -> bool:
    return item.path.is_relative_to(HERE)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # A conftest's collection hook sees the whole session's items, not only ours.
    # trylast: after pytest-django has put the transactional tests after the others.
    ours = [item for item in items if _is_browser_test(item)]
    items[:] = [item for item in items if not _is_browser_test(item)] + ours
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(
            reason=f"Chromium not found at {CHROMIUM}; apt-get install chromium"
        )
        for item in ours:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Called for every item of the session; the last browser test's protocol
    # also tears down the session fixtures, Playwright's loop included.
    if not _is_browser_test(item):
        yield
        return
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(_REPORTS, {})[report.when] = report


@pytest.fixture(scope="session", autouse=True)
def _django_connections_survive_playwright(request, django_db_setup, live_server):
    """Start Playwright, then give its loop the test database's own connections."""
    # Autouse session fixtures come first, so no loop runs yet: these are the
    # thread's connections, the ones setup_databases() prepared and the live
    # server shares.
    originals = {alias: connections[alias] for alias in connections}
    request.getfixturevalue("playwright")
    for alias, connection in originals.items():
        connections[alias] = connection
    yield
    # The browser is closed by now; the live server stops after this. Its request
    # threads are daemons that nobody joins: one still finishing a keep-alive
    # connection would close the shared SQLite connection after the server has
    # made it private again, and die with a DatabaseError in the thread.
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=5)
    # Still inside the loop's store: Playwright stops after this fixture.
    for alias in originals:
        del connections[alias]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's build, not Playwright's download: the machines have no internet,
    # and background networking would only time out against it.
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """Lets tests write `page.goto("/masuk/")`."""
    return live_server.url


@pytest.fixture
def page(page):
    # Fail in seconds rather than Playwright's 30 s: every page here is local.
    page.set_default_timeout(10_000)
    return page


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, page):
    """Keep what the browser showed when a test failed, without any CLI flag."""
    yield
    reports = request.node.stash.get(_REPORTS, {})
    if not any(report.failed for report in reports.values()):
        return
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    path = request.config.rootpath / "test-artifacts" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        # A crashed or closed page must not hide the test's own failure.
        print(f"could not save a screenshot to {path}: {error}")
