"""`make serve`: gunicorn with the production settings, static files by WhiteNoise.

These start real processes (manage.py, gunicorn) on a temporary SQLite database
and a temporary STATIC_ROOT; nothing is written into the project folder.
"""

import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CONF = ROOT / "config" / "gunicorn.conf.py"

# Whatever the calling shell has set must not leak into the production process.
LEAKY = {
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "SECURE_SSL_REDIRECT",
    "WEB_CONCURRENCY",
    "PORT",
    "FORWARDED_ALLOW_IPS",
    "GUNICORN_CMD_ARGS",
}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in LEAKY and not key.startswith("BANSOS_")
    }
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "serving-test-" + "s" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BANSOS_BIND": "127.0.0.1:0",  # the system picks a free port
        "BANSOS_WEB_WORKERS": "1",
        **extra,
    }


def gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    # No control socket: the default one is per user, shared with other servers.
    with log.open("w") as stderr:
        return subprocess.Popen(
            [str(GUNICORN), "--config", str(CONF), "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the master and its workers
            server.wait(timeout=5)


def wait_for_port(server: subprocess.Popen, log: Path, deadline: float) -> int:
    while time.monotonic() < deadline:
        text = log.read_text()
        if match := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text):
            return int(match.group(1))
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{text}")
        time.sleep(0.05)
    pytest.fail("gunicorn did not listen in time:\n" + log.read_text())


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # As the reverse proxy says it: the production settings redirect plain HTTP.
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **headers})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_gunicorn_serves_the_login_page_and_compressed_hashed_static_files(tmp_path):
    env = production_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    # What `make serve` expects done: migrate (by hand), collectstatic (by make).
    # Without the admin's 6.5 MB, whose Brotli compression takes most of the
    # time; `make serve` collects everything.
    steps = [
        subprocess.Popen(
            [*manage, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for args in (
            ["migrate", "--noinput"],
            ["collectstatic", "--noinput", "--ignore", "admin"],
        )
    ]
    for step in steps:
        output, _ = step.communicate(timeout=60)
        assert step.returncode == 0, output

    log = tmp_path / "gunicorn.log"
    server = gunicorn(env, log)
    try:
        # A bound on waiting, not a speed check: a server that never listens fails.
        port = wait_for_port(server, log, deadline=time.monotonic() + 60)

        page = get(port, "/masuk/")
        assert page.status == 200, page.body[:500]
        html = page.body.decode()
        # The page names the hashed copy, cacheable for ever.
        match = re.search(r'href="/static/(css/bansos\.[0-9a-f]{12}\.css)"', html)
        assert match, html

        hashed = match.group(1)
        collected = (tmp_path / "static" / hashed).read_bytes()
        css = get(port, f"/static/{hashed}", **{"Accept-Encoding": "gzip"})
        assert css.status == 200
        assert css.getheader("Content-Encoding") == "gzip"
        assert "immutable" in css.getheader("Cache-Control")
        assert gzip.decompress(css.body) == collected

        plain = get(port, f"/static/{hashed}")
        assert plain.status == 200
        assert plain.getheader("Content-Encoding") is None
        assert plain.body == collected
    finally:
        stop(server)
    assert server.returncode == 0, log.read_text()


def test_gunicorn_refuses_to_start_while_migrations_are_unapplied(tmp_path):
    log = tmp_path / "gunicorn.log"
    server = gunicorn(production_env(tmp_path), log)  # an empty database
    try:
        server.wait(timeout=30)
    finally:
        stop(server)
    text = log.read_text()
    assert server.returncode != 0, text
    assert "Bansos refuses to start: the database lacks" in text
    assert "contenttypes.0001_initial" in text
    assert "manage.py migrate" in text
    assert "Listening at" not in text
    # The check only looks: it applied nothing.
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        timeout=60,
    )
    assert check.returncode == 1


def test_gunicorn_refuses_to_start_when_the_settings_are_incomplete(tmp_path):
    log = tmp_path / "gunicorn.log"
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    server = gunicorn(env, log)
    try:
        server.wait(timeout=30)
    finally:
        stop(server)
    text = log.read_text()
    assert server.returncode != 0, text
    assert "could not check the migrations" in text
    assert "SECRET_KEY" in text


def gunicorn_settings(**env: str) -> dict:
    script = (
        "import json, runpy, sys;"
        f"c = runpy.run_path({str(CONF)!r});"
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'timeout', 'wsgi_app')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BANSOS_")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_gunicorn_settings_come_from_the_environment():
    # Empty, as `.env.example` leaves some variables, means the default.
    defaults = gunicorn_settings(BANSOS_WEB_WORKERS="", BANSOS_BIND="")
    cores = len(os.sched_getaffinity(0))
    assert defaults["workers"] == 2 * cores + 1
    assert defaults["bind"] == ["127.0.0.1:8000"]
    assert defaults["timeout"] == 120
    assert defaults["wsgi_app"] == "config.wsgi:application"

    chosen = gunicorn_settings(
        BANSOS_WEB_WORKERS="3",
        BANSOS_BIND="unix:/run/bansos/gunicorn.sock,127.0.0.1:9000",
        BANSOS_WEB_TIMEOUT="60",
    )
    assert chosen["workers"] == 3
    assert chosen["bind"] == ["unix:/run/bansos/gunicorn.sock", "127.0.0.1:9000"]
    assert chosen["timeout"] == 60
