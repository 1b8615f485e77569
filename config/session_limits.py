"""Logins and sessions: throttling, the lockout page, the security log and the
session lifetime.

- Failed logins are throttled by django-axes per username *and* address
  together (settings `AXES_*`): a whole office behind one NAT address is never
  locked out by one person's mistakes.
- Every failed login and every lockout is logged to `bansos.security`
  (username tried, address, time; never the password).
- The password hasher is in config/hashers.py.
- A session ends after `BANSOS_SESSION_IDLE_MINUTES` without a request (Django's
  own session expiry, extended by every request) and, whatever the activity,
  `BANSOS_SESSION_MAX_HOURS` after logging in (at most 12 hours;
  `SessionLifetimeMiddleware`). This module is also the SESSION_ENGINE
  (`SessionStore`): the database sessions, extended in one statement.

Settings name the callables here by dotted path; see "Logins and sessions" in
docs/deployment.md.
"""

import ipaddress
import logging
import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router
from django.db.models import Max
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext

security_log = logging.getLogger("bansos.security")

# The longest a login may last, whatever BANSOS_SESSION_MAX_HOURS says.
MAX_SESSION_HOURS = 12
# Where the login time is kept in the session (seconds since the epoch).
LOGIN_TIME_KEY = "bansos_login_at"


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes's check, first in AUTHENTICATION_BACKENDS: refuses a login
    while that username is locked out at that address.

    Every login form (ours and the admin's) passes the request to
    `authenticate()`. Code that calls it without one (the test client's
    `login()`, a shell) has no address to throttle, so it is left to the next
    backend instead of failing with axes's AxesBackendRequestParameterRequired.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(
            request, username=username, password=password, **kwargs
        )


def client_ip(request) -> str | None:
    """The client's address for throttling and the log (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR unless BANSOS_CLIENT_IP_HEADER names a header that the proxy in
    front (nginx) sets itself, e.g. `X-Real-IP` (`proxy_set_header X-Real-IP
    $remote_addr;`) or `X-Forwarded-For` (`$proxy_add_x_forwarded_for`). Of a
    list only the last address counts: the one our proxy added; any earlier
    ones came from the client and may be forged.
    """
    header = getattr(settings, "BANSOS_CLIENT_IP_HEADER", "")
    if header:
        key = "HTTP_" + header.upper().replace("-", "_")
        candidate = request.META.get(key, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")


def _address(request) -> str:
    if request is None:
        return "-"
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(
        request
    )
    return address or "-"


def _username(value) -> str:
    # %r quotes it: a username with a line break cannot forge a log line.
    return repr(str(value or "")[:150])


@receiver(user_login_failed, dispatch_uid="bansos_log_failed_login")
def log_failed_login(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` with stars;
    # only the username is logged anyway.
    security_log.warning(
        "Failed login: username=%s address=%s time=%s path=%s",
        _username(credentials.get("username")),
        _address(request),
        timezone.localtime().isoformat(timespec="seconds"),
        repr(getattr(request, "path", "-")),
    )


@receiver(user_locked_out, dispatch_uid="bansos_log_lockout")
def log_lockout(sender, request, username, ip_address, **kwargs):
    security_log.warning(
        "Login locked out: username=%s address=%s time=%s (%s failures, cool-off %s)",
        _username(username),
        ip_address or "-",
        timezone.localtime().isoformat(timespec="seconds"),
        settings.AXES_FAILURE_LIMIT,
        get_cool_off(request),
    )


@receiver(user_logged_in, dispatch_uid="bansos_record_login_time")
def record_login_time(sender, request, user, **kwargs):
    """The absolute session lifetime counts from here."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LOGIN_TIME_KEY] = timezone.now().timestamp()
    if getattr(request, "method", None) == "POST":
        security_log.info(
            "Login: username=%s address=%s",
            _username(user.get_username()),
            _address(request),
        )


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, in the
    site's layout, saying when to try again. It reads the same for a username
    that exists and one that does not."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    username = get_client_username(request, credentials)
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last_failure or getattr(request, "axes_attempt_time", now)) + cool_off
    retry_at = max(retry_at, now)
    wait_seconds = max(math.ceil((retry_at - now).total_seconds()), 1)
    response = render(
        request,
        "registration/locked_out.html",
        {
            "retry_at": retry_at,
            "wait_minutes": math.ceil(wait_seconds / 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(wait_seconds)
    return response


def max_session_seconds() -> float:
    hours = float(getattr(settings, "BANSOS_SESSION_MAX_HOURS", MAX_SESSION_HOURS))
    return min(max(hours, 0), MAX_SESSION_HOURS) * 3600


class SessionLifetimeMiddleware:
    """Logs a user out once BANSOS_SESSION_MAX_HOURS (at most 12) have passed
    since they logged in, however active they have been, and sends them to
    the login page with a message. Goes after the authentication and message
    middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            logged_in_at = request.session.get(LOGIN_TIME_KEY)
            if not isinstance(logged_in_at, (int, float)):
                # A session from before this limit existed: it counts from now.
                request.session[LOGIN_TIME_KEY] = now
            elif now - logged_in_at >= max_session_seconds():
                return self._end_session(request)
        return self.get_response(request)

    def _end_session(self, request):
        username = request.user.get_username()
        logout(request)
        security_log.info(
            "Session ended after the maximum lifetime: username=%s address=%s",
            _username(username),
            _address(request),
        )
        hours = max_session_seconds() / 3600
        messages.warning(
            request,
            gettext(
                "Sesi Anda berakhir karena sudah %(hours)s jam sejak masuk. "
                "Silakan masuk kembali."
            )
            % {"hours": f"{hours:g}"},
        )
        # Only a page can be come back to; a form's data is gone with the session.
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return redirect(settings.LOGIN_URL)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions (SESSION_ENGINE = "config.session_limits"),
    except that saving an existing session is one UPDATE.

    With SESSION_SAVE_EVERY_REQUEST every request of a logged-in user saves its
    session; Django wraps that UPDATE in a transaction (a savepoint and its
    release inside another transaction), which only matters for the INSERT of
    a new session. A session deleted meanwhile (logged out elsewhere) still
    raises UpdateError, as Django's does."""

    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        updated = (
            self.model._default_manager.using(using)
            .filter(session_key=obj.session_key)
            .update(session_data=obj.session_data, expire_date=obj.expire_date)
        )
        if not updated:
            raise UpdateError
