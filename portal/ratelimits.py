"""Rate limits on the requests an attacker or a runaway script would repeat (GB/T 22239-2019
8.1.4.4 c, resource control): logins and registrations per client address, uploads and exports
per user.

Counted by django-ratelimit in the shared cache (settings.CACHES: Redis in production). The
rates are settings (RATELIMIT_LOGIN, …) read at each request. Over the rate a page gets a 429
page and the API a 429 in its error shape, each with a message saying to wait.
"""

import ipaddress
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from rest_framework.exceptions import Throttled
from rest_framework.request import Request

from portal.errors import too_many

LOGIN, REGISTER, UPLOAD, EXPORT = "login", "register", "upload", "export"
RATES = {
    LOGIN: "RATELIMIT_LOGIN",
    REGISTER: "RATELIMIT_REGISTER",
    UPLOAD: "RATELIMIT_UPLOAD",
    EXPORT: "RATELIMIT_EXPORT",
}
# Per client address before login, per user after (an anonymous request counts by address).
KEYS = {LOGIN: "ip", REGISTER: "ip", UPLOAD: "user_or_ip", EXPORT: "user_or_ip"}


def client_ip(request: HttpRequest) -> str:
    """The address logins and registrations are counted by (settings.RATELIMIT_IP_META_KEY).

    Behind the trusted proxy (TRUST_X_FORWARDED_FOR) it is the last X-Forwarded-For entry, the
    one the proxy itself appended: the earlier ones come from the client and could be varied to
    dodge the limit. Anything that is not an address counts as 0.0.0.0 (one shared counter).
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 - a counter key, not an address to bind


def _rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, RATES[group.removeprefix("portal.")])


def over_limit(request: HttpRequest, group: str, *, method=("POST",)) -> bool:
    """Count this request in `group` and say whether it is over the group's rate."""
    return is_ratelimited(
        request=request,
        group=f"portal.{group}",
        key=KEYS[group],
        rate=_rate,
        method=ALL if method is None else list(method),
        increment=True,
    )


def limit(group: str, *, method=("POST",)) -> Callable:
    """Decorate a page view (or a DRF view method with `api_limit`): over the rate, 429.
    `method` lists the HTTP methods counted (None: every method)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if over_limit(request, group, method=method):
                return too_many(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_limit(group: str, *, method=("POST",)) -> Callable:
    """Decorate a DRF view method (`def create(self, request, …)`): over the rate, DRF's 429."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(self, request: Request, *args, **kwargs):
            if over_limit(request, group, method=method):
                raise Throttled(
                    detail=_("Too many requests in a short time: wait a minute and try again.")
                )
            return view(self, request, *args, **kwargs)

        return wrapped

    return decorator
