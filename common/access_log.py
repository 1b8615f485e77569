"""Writing the personal-data access log (see `DataAccessLog`)."""

import ipaddress

from .models import DataAccessLog

WHAT_MAX_LENGTH = 255


def _address(request) -> str | None:
    # django-axes has already chosen the client's address (behind the proxy
    # too, see BANSOS_CLIENT_IP_HEADER); without it, the socket's.
    candidate = getattr(request, "axes_ip_address", None) or request.META.get(
        "REMOTE_ADDR", ""
    )
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def log_data_access(
    request, action: str, what: str, filters: str = "", rows: int | None = None
) -> DataAccessLog | None:
    """Record that the user of `request` exported or saw personal data whole.

    Anonymous requests (the public transparency page) carry no personal data
    and are not logged.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return DataAccessLog.objects.create(
        user=user,
        action=action,
        what=str(what)[:WHAT_MAX_LENGTH],
        filters=filters,
        rows=rows,
        address=_address(request),
    )
