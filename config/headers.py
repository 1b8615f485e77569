"""Response headers that keep staff data out of caches and browser features off.

The Content-Security-Policy itself comes from django-csp (`CONTENT_SECURITY_POLICY`
in the settings); this middleware adds what it does not.
"""

from django.utils.cache import add_never_cache_headers

# The app uses none of these browser features; a page that is made to (an
# injected script) gets nothing.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class StaffPageHeadersMiddleware:
    """`Cache-Control: no-store` on every page and export a signed-in user gets
    (they carry NIKs, names and bank accounts; a shared office computer or a
    proxy must not keep them), and `Permissions-Policy` on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
