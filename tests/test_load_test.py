"""The load test's runner and locustfile (benchmarks/), without running a load."""

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.load_test import check_host, parse_args, percentile

ROOT = Path(__file__).resolve().parents[1]


def test_the_runner_defaults_to_twenty_users_for_a_minute_on_four_workers():
    args = parse_args([])

    assert (args.users, args.spawn_rate, args.run_time) == (20, 20, "60s")
    assert args.workers == 4
    assert args.database == "bansos_load"
    assert args.host == "127.0.0.1"


def test_the_runner_takes_users_time_workers_and_database():
    args = parse_args(
        ["--users", "5", "--run-time", "2m", "--workers", "2", "--database", "x_load"]
    )

    assert (args.users, args.run_time, args.workers, args.database) == (
        5,
        "2m",
        2,
        "x_load",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--host", "10.0.0.5"],
        ["--host", "bansos.dinsos.gorontaloprov.go.id"],
        ["--database", "postgres"],
        ["--database", "bansos; DROP DATABASE bansos"],
        ["--users", "0"],
        ["--run-time", "forever"],
    ],
)
def test_the_runner_refuses_other_hosts_and_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)

    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "host", ["http://127.0.0.1:8123", "http://localhost:8000", "http://[::1]:8000"]
)
def test_the_host_guard_accepts_this_machine(host):
    assert check_host(host) == host


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "https://bansos.dinsos.gorontaloprov.go.id",
        "http://10.20.30.40:8000",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1",
    ],
)
def test_the_host_guard_refuses_anything_else(host):
    with pytest.raises(ValueError):
        check_host(host)


def run_locust(*args: str) -> subprocess.CompletedProcess:
    # In a process of its own: locust patches the standard library with gevent.
    return subprocess.run(
        [str(Path(sys.executable).parent / "locust"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_locustfile_defines_the_staff_user():
    result = run_locust("-f", "benchmarks/locustfile.py", "--list")

    assert result.returncode == 0, result.stderr
    assert "StaffUser" in result.stdout


def test_the_locustfile_refuses_a_remote_host_before_any_request(tmp_path):
    result = run_locust(
        "-f",
        "benchmarks/locustfile.py",
        "--headless",
        "--host",
        "https://bansos.dinsos.gorontaloprov.go.id",
        "--users",
        "1",
        "--run-time",
        "1s",
    )

    assert result.returncode != 0
    assert "Refusing to load" in result.stderr


def test_percentiles_are_nearest_rank():
    times = [float(ms) for ms in range(1, 101)]  # 1 .. 100 ms

    assert percentile(times, 0.5) == 50
    assert percentile(times, 0.95) == 95
    assert percentile(list(reversed(times)), 0.99) == 99
    assert percentile([7.0], 0.95) == 7
