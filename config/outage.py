"""A database outage answers 503 with a page that needs no database.

While PostgreSQL cannot be reached (restarting, network gone, too many
connections), every page would otherwise fail with a 500. This answers 503 with
`Retry-After` instead, and the next request tries the database again: Django
opens a new connection when the last one failed (`close_old_connections` at the
start of each request), so service comes back without a restart.

The database is reached in three places while handling a request:
- in the view and its template: `process_exception`;
- when the middleware asks who the user is (the session and the user are
  loaded from the database): `__call__`, before the middleware that asks;
- anywhere else, in middleware (saving the session): Django turns the error
  into a 500, and `server_error` (handler500) answers 503 for it too.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)


def is_database_down(error: BaseException | None) -> bool:
    """Whether an error, or the error it was raised from, is a database outage."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, DATABASE_DOWN):
            return True
        error, seen = error.__cause__, seen + 1
    return False


def database_unavailable(request, error: BaseException | None = None) -> HttpResponse:
    """The 503 page, from the template alone: no context processors, so no user,
    session or anything else that would need the database."""
    if error is not None:
        logger.error(
            "Database unavailable, answering 503 to %s %s: %s",
            request.method,
            request.path,
            error,
        )
    try:
        # The language switch on the page posts a form; the token is a cookie.
        context = {"csrf_token": get_token(request)}
    except DATABASE_DOWN:  # CSRF_USE_SESSIONS keeps it in the session
        context = {}
    response = HttpResponse(loader.render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseOutageMiddleware:
    """Place it right after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Who the user is, asked here first: the middleware after this one
        # (login required, session lifetime) asks it of every request, and an
        # error there would only reach handler500.
        try:
            request.user.is_authenticated  # noqa: B018 (loads session and user)
        except DATABASE_DOWN as error:
            return database_unavailable(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            return database_unavailable(request, exception)
        return None


def server_error(request, template_name: str = "500.html"):
    """handler500: the 503 page for a database outage met outside a view, else
    Django's 500 page (templates/500.html, rendered without a request)."""
    error = sys.exc_info()[1]
    if is_database_down(error):
        return database_unavailable(request, error)
    return defaults.server_error(request, template_name=template_name)
