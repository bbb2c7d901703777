"""The second factor: a code from an authenticator app (TOTP, RFC 6238) after the password.

GB/T 22239-2019 level 3, 8.1.4.1 d) asks for two or more authentication techniques, one of them
cryptographic. Who must give the code:

* with `OTP_REQUIRED` on, every user whose role is in `OTP_REQUIRED_ROLES` (the reviewers and
  the three administrators by default) and every Django superuser: they enrol an app first;
* anyone who enabled it on their own account page.

Here: the policy, the services (enrol, verify, disable, reset: atomic, permission-checked,
audited), the middleware that keeps an unverified session on the verification pages, and the
API token authentication that refuses accounts which must give a code (a token has no second
factor). django-otp keeps the devices and their throttle (each wrong code doubles the wait).
"""

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import authentication, exceptions

from portal import events, permissions
from portal.models import AuditEntry, Role, User
from portal.services import audit_record

# Set at login for a user who has a confirmed device, so that the middleware knows without a
# query on every request that this session must be verified.
SESSION_ENROLLED = "portal_otp_enrolled"

# Pages an authenticated but unverified session may open.
ALLOWED_VIEWS = frozenset(
    {"portal:otp_enrol", "portal:otp_verify", "portal:logout", "set_language", "healthz"}
)


# Policy --------------------------------------------------------------------------------------


def required_by_policy(user: User) -> bool:
    """Must this account give a second factor whatever it chose (OTP_REQUIRED and its role)?"""
    if not settings.OTP_REQUIRED:
        return False
    return bool(user.is_superuser or user.role in settings.OTP_REQUIRED_ROLES)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def must_verify(user: User) -> bool:
    """Required by policy, or enabled by the user: every login then asks for a code."""
    return required_by_policy(user) or confirmed_device(user) is not None


def is_verified(user: Any) -> bool:
    """Has this session given a code (django-otp's OTPMiddleware sets `is_verified`)?"""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed in, in groups of four."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline <svg> markup (no script, no style attribute, no image
    request): segno draws it from our own otpauth:// URL."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


@checks.register(checks.Tags.security)
def check_required_roles(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    unknown = sorted(set(settings.OTP_REQUIRED_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        checks.Error(
            f"OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use role codes: {', '.join(Role.values)}.",
            id="portal.E101",
        )
    ]


# Services ------------------------------------------------------------------------------------


@transaction.atomic
def otp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The device the user is enrolling: the pending one (so reloading the page keeps the QR
    code), or a new one. Refused once a device is confirmed: a second device would need only the
    password, which is exactly what the second factor protects against."""
    permissions.require(user, "otp.enrol")
    if confirmed_device(user) is not None:
        raise ValidationError(_("Two-factor authentication is already enabled on this account."))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).select_for_update().first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def _check_code(*, user: User, token: str, confirmed: bool, purpose: str) -> TOTPDevice | str:
    """The device that accepts `token`, or the message saying why not. Failures are audited and
    counted by the device's throttle; both must commit, so this returns instead of raising."""
    device = (
        TOTPDevice.objects.devices_for_user(user, confirmed=confirmed).select_for_update().first()
    )
    if device is None:
        return _("There is no authenticator to check this code against. Enrol first.")
    allowed, details = device.verify_is_allowed()
    if allowed and device.verify_token(token):
        return device
    if allowed:
        message = _("This code is not right. Enter the 6-digit code your app shows now.")
        reason = "wrong code"
    else:
        # django-otp's throttle says until when it refuses (a datetime) when it does not allow.
        locked_until = cast(datetime, (details or {}).get("locked_until"))
        seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))
        message = _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {
            "seconds": seconds
        }
        reason = "throttled"
    audit_record(
        actor=user,
        event=events.AUTH_OTP_FAILED,
        target=user,
        outcome=AuditEntry.Outcome.FAILURE,
        reason=f"{purpose}: {reason}",
    )
    return message


def _accepted(result: TOTPDevice | str) -> TOTPDevice:
    if isinstance(result, str):
        raise ValidationError({"token": result})
    return result


def otp_enrol(*, user: User, token: str) -> TOTPDevice:
    """Confirm the pending device with a first code from the app: from now on every login of
    this account asks for a code."""
    permissions.require(user, "otp.enrol")
    if confirmed_device(user) is not None:
        raise ValidationError(_("Two-factor authentication is already enabled on this account."))
    device = _accepted(_check_code(user=user, token=token, confirmed=False, purpose="enrolment"))
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, event=events.AUTH_OTP_ENROLLED, target=user)
    return device


def otp_verify(*, user: User, token: str) -> TOTPDevice:
    """The code given after the password at login."""
    device = _accepted(_check_code(user=user, token=token, confirmed=True, purpose="login"))
    audit_record(actor=user, event=events.AUTH_OTP_VERIFIED, target=user)
    return device


def otp_disable(*, user: User, token: str) -> None:
    """Turn off a second factor the user enabled themselves, with a current code."""
    permissions.require(user, "otp.enrol")
    if required_by_policy(user):
        raise ValidationError(
            {"token": _("Your role must use two-factor authentication; it cannot be turned off.")}
        )
    _accepted(_check_code(user=user, token=token, confirmed=True, purpose="disable"))
    with transaction.atomic():
        TOTPDevice.objects.devices_for_user(user, confirmed=None).delete()
        audit_record(actor=user, event=events.AUTH_OTP_DISABLED, target=user)


@transaction.atomic
def otp_reset(*, actor: User, user: User, reason: str = "") -> int:
    """A security administrator removes a user's authenticators (a lost phone). The user enrols
    again at the next request if their role requires it; their current verification ends."""
    target = User.objects.select_for_update().get(pk=user.pk)
    permissions.require(actor, "otp.reset", target)
    deleted, _details = TOTPDevice.objects.devices_for_user(target, confirmed=None).delete()
    audit_record(
        actor=actor,
        event=events.AUTH_OTP_RESET,
        target=target,
        after={"devices_removed": deleted},
        reason=reason,
    )
    return deleted


# Sign-in (connected to user_logged_in in PortalConfig.ready) ----------------------------------


def remember_enrolment(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and confirmed_device(user) is not None:
        session[SESSION_ENROLLED] = True


# Enforcement ---------------------------------------------------------------------------------


def pending(request: HttpRequest) -> bool:
    """Is this session logged in with a password but still owes its code? (No query.)"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(user):
        return False
    return required_by_policy(user) or bool(getattr(request, "session", {}).get(SESSION_ENROLLED))


class OTPRequiredMiddleware:
    """Until the code is given, pages redirect to the enrolment or verification page and the API
    answers 403. Install after django_otp.middleware.OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not pending(request):
            return None
        user = cast(User, request.user)  # pending(): signed in
        match = request.resolver_match
        if (match is not None and match.view_name in ALLOWED_VIEWS) or request.path_info.startswith(
            settings.STATIC_URL
        ):
            return None
        has_device = confirmed_device(user) is not None
        if not has_device and not required_by_policy(user):
            # The user's devices were reset since this login: there is nothing left to verify.
            request.session.pop(SESSION_ENROLLED, None)
            return None
        if request.path_info.startswith(reverse("api-root")):
            return JsonResponse(
                {"detail": _("Give the code of your authenticator app on the web page first.")},
                status=403,
            )
        url = reverse("portal:otp_verify" if has_device else "portal:otp_enrol")
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refused to accounts that must give a second factor: a token
    alone would let them skip it. They use the API through their verified web session."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if must_verify(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "Tokens are not accepted for accounts with two-factor authentication; "
                    "use the API from a web session verified with your code."
                )
            )
        return user, token
