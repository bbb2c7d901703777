"""Per-request context that services read without being handed the request."""

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from portal import events

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def client_ip_from(request: HttpRequest) -> str | None:
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def current_client_ip() -> str | None:
    """The IP address of the request being served, if any (None in tasks and commands)."""
    return _client_ip.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip_from(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


class PortalLanguageMiddleware:
    """Simplified Chinese unless the user chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a provincial portal
    speaks Chinese by default, whatever the machine's locale, and English only on request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class UploadSizeMiddleware:
    """A multipart request whose declared length exceeds UPLOAD_MAX_REQUEST_MB is answered 413
    before anything reads its body (Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out; each
    file's own limit is checked later, in portal/uploads.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit_mb = settings.UPLOAD_MAX_REQUEST_MB
            if length > limit_mb * 1_048_576:
                from portal.errors import too_large

                return too_large(request, limit_mb=limit_mb)
        return self.get_response(request)


class DeniedAuditMiddleware:
    """Every refusal of a signed-in user (HTTP 403 from a page, the API, the admin or the CSRF
    check) is one audit row with outcome "denied", the method and path, and the permission code
    that refused when a view raised PermissionDenied (GB/T 22239-2019 8.1.4.3 a: important
    security events are audited).

    Anonymous requests write nothing: pages send them to the login page (302) and the API
    refuses them before they are anyone, so a crawler cannot fill the log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            user = getattr(request, "user", None)  # the API's user, once DRF authenticated it
            if user is not None and user.is_authenticated:
                self._record(request, user)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from django.core.exceptions import PermissionDenied

        if isinstance(exception, PermissionDenied):
            # The permission code, e.g. "audit.view": our own marker on the request.
            request._denied_by = str(exception)[:100]  # type: ignore[attr-defined]

    @staticmethod
    def _record(request: HttpRequest, user) -> None:
        from portal.models import AuditEntry
        from portal.services import audit_record

        after = {"method": request.method, "path": request.get_full_path()[:500]}
        if getattr(request, "_denied_by", ""):
            after["permission"] = request._denied_by  # type: ignore[attr-defined]
        audit_record(
            actor=user,
            event=events.ACCESS_DENIED,
            outcome=AuditEntry.Outcome.DENIED,
            reason=f"{request.method} {request.path}"[:500],
            after=after,
            ip=client_ip_from(request),
        )
