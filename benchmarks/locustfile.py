"""Staff at work, for locust: run by `python -m benchmarks.load_test`.

Each simulated user logs in once through the real login form (CSRF token and
all), then, with 0.5-2 s of thinking between pages, reads Beranda, the lists,
a grant's page, the reports and the transparency page, as the role it was
given may. The runner writes the logins and the demo's grant ids to a JSON file
named by BANSOS_LOAD_PLAN; each user takes the next login, so no two share one.

It refuses any host but this machine's loopback address (`check_host` in
benchmarks/load_test.py) before the first request.

Production settings are kept as they are. gunicorn is reached over plain HTTP
on 127.0.0.1, as nginx reaches it: every request says `X-Forwarded-Proto:
https`, as nginx would, and the client sends back the `Secure` cookies, which
a browser does only over HTTPS (to nginx).
"""

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

# locust puts only this file's folder on sys.path; the runner is one level up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load_test import (
    LOGIN_NAME,
    LOGIN_PATH,
    PLAN_VARIABLE,
    check_host,
)

# (path, the permission the page needs or None for any staff user); the
# path is also the name locust reports the page under.
LIST_PAGES = [
    ("/lembaga/", "institutions.view_institution"),
    ("/bantuan/", "grants.view_grant"),
    ("/program/", "grants.view_program"),
    ("/lpj/", "grants.view_accountabilityreport"),
    ("/bimtek/", "institutions.view_trainingevent"),
    ("/impor/penerima-manfaat/", "institutions.view_beneficiaryenrollment"),
]
REPORT_PAGES = [
    ("/laporan/", "grants.view_grant"),
    ("/laporan/tahunan/", "grants.view_grant"),
    ("/laporan/wilayah/", "grants.view_grant"),
    ("/laporan/lpj/", "grants.view_grant"),
    ("/laporan/bimtek/", "grants.view_grant"),
    ("/transparansi/", None),
]


def read_plan(path: str | None = None) -> dict:
    """The logins and grant ids the runner wrote (see benchmarks/load_test.py)."""
    path = path or os.environ.get(PLAN_VARIABLE)
    if not path:
        raise RuntimeError(
            f"{PLAN_VARIABLE} is not set: run the load test with "
            "`python -m benchmarks.load_test`, which prepares the users."
        )
    with open(path, encoding="utf-8") as plan_file:
        plan = json.load(plan_file)
    if not plan["logins"] or not plan["grant_ids"]:
        raise RuntimeError(f"{path}: the plan has no logins or no grant ids.")
    return plan


# Page times (ms), split by whether the request started before or after the
# last login finished: 20 Argon2 logins in the same second keep the server
# busy for a few seconds, and the first pages queue behind them.
page_times: list[tuple[float, float]] = []  # (started at, response time)
logins = {"expected": 0, "done": 0, "last_done_at": None}


@events.init.add_listener
def refuse_remote_hosts(environment, **kwargs):
    # An exception in an init listener makes locust exit before any request.
    check_host(environment.host)
    environment.bansos_plan = read_plan()
    environment.bansos_logins = itertools.cycle(environment.bansos_plan["logins"])
    logins["expected"] = environment.parsed_options.num_users or 1


@events.request.add_listener
def note_page_time(name, response_time, **kwargs):
    if not name.startswith("login"):
        page_times.append((time.time() - response_time / 1000, response_time))


@events.quitting.add_listener
def write_phases(environment, **kwargs):
    path = environment.bansos_plan.get("phases_path")
    if not path:
        return
    last_login = logins["last_done_at"] or float("inf")
    phases = {
        "during_logins": [ms for started, ms in page_times if started < last_login],
        "after_logins": [ms for started, ms in page_times if started >= last_login],
    }
    with open(path, "w", encoding="utf-8") as phases_file:
        json.dump(phases, phases_file)


class StaffUser(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        check_host(self.host)
        plan = self.environment.bansos_plan
        login = next(self.environment.bansos_logins)
        self.permissions = set(login["permissions"])
        self.grant_ids = plan["grant_ids"]
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.log_in(login["username"], login["password"])

    def get(self, path: str, name: str | None = None) -> None:
        self.client.get(path, name=name)
        self.keep_cookies_for_loopback()

    def keep_cookies_for_loopback(self) -> None:
        # Every answer sets the session cookie again, `Secure`; the client
        # would not send it back over plain HTTP. nginx is not there to take
        # HTTPS off, so the cookies are sent as nginx would receive them.
        for cookie in self.client.cookies:
            cookie.secure = False

    def log_in(self, username: str, password: str) -> None:
        self.get(LOGIN_PATH, name="login GET /masuk/")
        token = self.client.cookies.get("csrftoken")
        with self.client.post(
            LOGIN_PATH,
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token,
                "next": "/",
            },
            # Django checks the Referer of a form posted over HTTPS, as this
            # one is, as far as the app knows.
            headers={"Referer": f"https://{urlsplit(self.host).netloc}{LOGIN_PATH}"},
            name=LOGIN_NAME,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            logins["done"] += 1
            if logins["done"] >= logins["expected"]:
                logins["last_done_at"] = time.time()
            self.keep_cookies_for_loopback()
            if response.status_code != 302 or "sessionid" not in self.client.cookies:
                response.failure(
                    f"login of {username} failed: status {response.status_code}"
                )

    def visit(self, pages) -> None:
        allowed = [
            path
            for path, permission in pages
            if permission is None or permission in self.permissions
        ]
        if allowed:
            self.get(random.choice(allowed))

    @task(3)
    def home(self):
        self.get("/", name="/ (Beranda)")

    @task(6)
    def a_list(self):
        self.visit(LIST_PAGES)

    @task(4)
    def a_grant(self):
        if "grants.view_grant" in self.permissions:
            grant_id = random.choice(self.grant_ids)
            self.get(f"/bantuan/{grant_id}/", name="/bantuan/<id>/")

    @task(4)
    def a_report(self):
        self.visit(REPORT_PAGES)
