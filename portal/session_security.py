"""Session time limits and password expiry, enforced on the server (GB/T 22239-2019 8.1.4.1 b, a).

* SessionTimeoutMiddleware ends a session idle for SESSION_IDLE_TIMEOUT seconds, or open for
  SESSION_ABSOLUTE_LIFETIME seconds since its login whatever the activity. The times live in
  the session (server-side), so a client cannot stretch them; the session's expiry date in the
  database (SESSION_COOKIE_AGE) is only a backstop. It also keeps the UserSession index in step
  when the session key changes.
* PasswordExpiryMiddleware keeps a user whose password expired (or was set by an administrator)
  on the password change page until they choose a new one.
"""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import accounts, otp
from portal.passwords import password_expired

# Touching the session costs a write; within this many seconds the last activity is not moved.
ACTIVITY_GRANULARITY = 60


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class SessionTimeoutMiddleware:
    """Install after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request)
            if expired:
                return self._end(request, expired)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None:
            accounts.session_track(user=user, session=session)
        return response

    @staticmethod
    def _expired(request: HttpRequest) -> str:
        """Why the session must end ("idle" or "absolute"), or "" (and note the activity)."""
        session = request.session
        now = int(time.time())
        login_at = session.get(accounts.SESSION_LOGIN_AT)
        last = session.get(accounts.SESSION_LAST_ACTIVITY)
        if login_at is None or last is None:
            # A session from before these limits: its clocks start now.
            session[accounts.SESSION_LOGIN_AT] = login_at or now
            session[accounts.SESSION_LAST_ACTIVITY] = now
            return ""
        if settings.SESSION_ABSOLUTE_LIFETIME and now - login_at >= (
            settings.SESSION_ABSOLUTE_LIFETIME
        ):
            return "absolute"
        if settings.SESSION_IDLE_TIMEOUT and now - last >= settings.SESSION_IDLE_TIMEOUT:
            return "idle"
        if now - last >= min(ACTIVITY_GRANULARITY, settings.SESSION_IDLE_TIMEOUT // 10 or 1):
            session[accounts.SESSION_LAST_ACTIVITY] = now
        return ""

    @staticmethod
    def _end(request: HttpRequest, reason: str) -> HttpResponse:
        accounts.session_expire(request=request, reason=reason)
        request.user = AnonymousUser()
        if reason == "idle":
            message = _(
                "You were logged out after %(minutes)d minutes without activity. Log in again."
            ) % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
        else:
            message = _("Your session reached its limit of %(hours)d hours. Log in again.") % {
                "hours": settings.SESSION_ABSOLUTE_LIFETIME // 3600
            }
        if _is_api(request):
            return JsonResponse({"detail": message}, status=401)
        messages.warning(request, message)
        url = reverse(settings.LOGIN_URL)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


class PasswordExpiryMiddleware:
    """Install after the second-factor middleware (portal.otp): the code comes first, then the
    new password. Only the password change page, logout and the language switcher stay open."""

    allowed_views = frozenset(
        {"portal:password_change", "portal:password_change_done", "portal:logout", "set_language"}
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or otp.pending(request):
            return None
        match = request.resolver_match
        if (match is not None and match.view_name in self.allowed_views) or (
            request.path_info.startswith(settings.STATIC_URL)
        ):
            return None
        if not password_expired(user):
            return None
        if user.password_changed_at is None:
            message = _("Your password was set by an administrator. Choose your own to go on.")
        else:
            message = _(
                "Your password is more than %(days)d days old. Choose a new one to go on."
            ) % {"days": settings.PASSWORD_MAX_AGE_DAYS}
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        messages.warning(request, message)
        return redirect("portal:password_change")
