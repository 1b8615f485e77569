"""Optional two-factor login with a TOTP app (django-otp), for administrators and
Pimpinan.

- "Keamanan akun" (`/akun/keamanan/`): a superuser, a staff administrator or a
  member of Pimpinan turns TOTP on (QR code and secret, confirmed with a first
  code) or off (with a current code). Others get 403.
- Once it is on, the password alone is not enough: `OTPStepMiddleware` sends
  the user to `/masuk/kode/` and lets them reach nothing but that page and
  logout (the Django admin included) until a valid code is entered.
- `BANSOS_TOTP_REQUIRED`: those who may use TOTP but have not turned it on are
  sent to "Keamanan akun" before anything else.
- A wrong code is logged to `bansos.security` like a failed login; django-otp
  throttles the device (1, 2, 4, 8 ... seconds between tries after failures).

See "Two-factor login (TOTP)" in docs/deployment.md.
"""

import io
from base64 import b32encode
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from config.session_limits import _address, _username, security_log
from grants.roles import PIMPINAN

DEVICE_NAME = "Aplikasi autentikator"
# What the session knows about the user's second step, worked out at login
# (or at the first request of an older session), so that a request costs no
# query: whether they may use TOTP and whether they have a confirmed device.
SESSION_KEY = "bansos_otp"
# What a user who still owes a code (or, when required, an enrolment) may reach.
VERIFY_VIEWS = frozenset({"otp_verify", "logout", "admin:logout", "set_language"})
ENROL_VIEWS = VERIFY_VIEWS | {"account_security", "account_security_qr"}

CODE_REFUSED = _("Kode salah atau sudah dipakai. Periksa jam ponsel Anda.")
THROTTLED = _("Terlalu banyak kode salah. Tunggu %(seconds)s detik, lalu coba lagi.")


def may_use_totp(user) -> bool:
    """Superusers, staff administrators and Pimpinan may (or must) use TOTP."""
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser or user.is_staff or user.groups.filter(name=PIMPINAN).exists()
    )


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


def _remember(request, *, eligible: bool, device: bool) -> dict:
    state = {"eligible": eligible, "device": device}
    request.session[SESSION_KEY] = state
    return state


def _state(request) -> dict:
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict):  # a session from before TOTP existed
        user = request.user
        state = _remember(
            request,
            eligible=may_use_totp(user),
            device=confirmed_device(user) is not None,
        )
    return state


@receiver(user_logged_in, dispatch_uid="bansos_otp_state_at_login")
def remember_second_step(sender, request, user, **kwargs):
    # Worked out once, here, rather than at the first page after the login.
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(DEVICE_ID_SESSION_KEY, None)
        _remember(
            request,
            eligible=may_use_totp(user),
            device=confirmed_device(user) is not None,
        )


class OTPStepMiddleware:
    """After django_otp's OTPMiddleware and Django's LoginRequiredMiddleware:
    a signed-in user who has TOTP on but has not entered a code this session
    reaches only the code page and logout; with BANSOS_TOTP_REQUIRED, one who
    may use TOTP but has not turned it on reaches only "Keamanan akun"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        state = _state(request)
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if state["device"]:
            if view_name in VERIFY_VIEWS:
                return None
            return redirect(_with_next(reverse("otp_verify"), request))
        if state["eligible"] and getattr(settings, "BANSOS_TOTP_REQUIRED", False):
            if view_name in ENROL_VIEWS:
                return None
            messages.info(
                request,
                gettext(
                    "Aktifkan login dua langkah (TOTP) untuk akun Anda sebelum "
                    "melanjutkan."
                ),
            )
            return redirect("account_security")
        return None


def _with_next(url: str, request) -> str:
    if request.method == "GET":
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Kode dari aplikasi autentikator"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(CODE_REFUSED)
        return code


@transaction.atomic
def check_code(request, device: TOTPDevice, form: CodeForm, *, purpose: str) -> bool:
    """Verify the form's code against the device, throttled by django-otp; a
    refused code is a failed login in the security log."""
    # Locked, so that two tries at once can neither both use one code nor
    # slip past the throttle.
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until") or timezone.now()
        seconds = max(int((locked_until - timezone.now()).total_seconds()) + 1, 1)
        form.add_error("code", THROTTLED % {"seconds": seconds})
        _log_failure(request, purpose, "throttled")
        return False
    if device.verify_token(form.cleaned_data["code"]):
        return True
    form.add_error("code", CODE_REFUSED)
    _log_failure(request, purpose, "wrong code")
    return False


def _log_failure(request, purpose: str, reason: str) -> None:
    security_log.warning(
        "Failed login (TOTP %s, %s): username=%s address=%s time=%s",
        purpose,
        reason,
        _username(request.user.get_username()),
        _address(request),
        timezone.localtime().isoformat(timespec="seconds"),
    )


@login_required
def verify(request):
    """/masuk/kode/: the second step of a login with TOTP on."""
    device = confirmed_device(request.user)
    if device is None:
        # Deleted in the admin since this session began: the password suffices.
        _remember(request, eligible=may_use_totp(request.user), device=False)
        return redirect(_safe_next(request))
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and check_code(request, device, form, purpose="login")
    ):
        otp_login(request, device)
        security_log.info(
            "Login (TOTP code): username=%s address=%s",
            _username(request.user.get_username()),
            _address(request),
        )
        return redirect(_safe_next(request))
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _safe_next(request)},
    )


def _eligible_user(request):
    if not may_use_totp(request.user):
        raise PermissionDenied
    return request.user


@login_required
def account_security(request):
    """Keamanan akun: turn TOTP on (QR code, then a first code) or off."""
    user = _eligible_user(request)
    device = confirmed_device(user)
    pending = None if device else pending_device(user)
    required = getattr(settings, "BANSOS_TOTP_REQUIRED", False)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start" and device is None:
            if pending is None:
                TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
            return redirect("account_security")
        if action == "confirm" and pending is not None and form.is_valid():
            if check_code(request, pending, form, purpose="enrolment"):
                return _confirm(request, pending)
        elif action == "disable" and device and not required and form.is_valid():
            if check_code(request, device, form, purpose="disabling"):
                return _disable(request, device)
        elif action == "cancel" and pending is not None:
            pending.delete()
            return redirect("account_security")
    return render(
        request,
        "registration/account_security.html",
        {
            "device": device,
            "pending": pending,
            "secret": _spaced_secret(pending) if pending else "",
            "form": form,
            "required": required,
        },
    )


def _confirm(request, device: TOTPDevice):
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    _remember(request, eligible=True, device=True)
    security_log.info(
        "TOTP turned on: username=%s address=%s",
        _username(request.user.get_username()),
        _address(request),
    )
    messages.success(
        request,
        gettext("Login dua langkah aktif: setiap masuk kini meminta kode."),
    )
    return redirect("account_security")


def _disable(request, device: TOTPDevice):
    TOTPDevice.objects.devices_for_user(request.user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.user.otp_device = None
    _remember(request, eligible=True, device=False)
    security_log.info(
        "TOTP turned off: username=%s address=%s",
        _username(request.user.get_username()),
        _address(request),
    )
    messages.success(request, gettext("Login dua langkah dimatikan."))
    return redirect("account_security")


def _spaced_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def account_security_qr(request):
    """The QR code of the device being set up, as SVG (never cached)."""
    user = _eligible_user(request)
    device = pending_device(user)
    if device is None:
        raise PermissionDenied
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store, private"
    return response
