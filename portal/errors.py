"""Error answers that say what happened and nothing about the code: no traceback, no exception
text, no settings (GB/T 22239-2019 8.1.4.4: error messages must not disclose system details).

The API gets JSON in the portal's error shape, the pages a plain page. The 500 page renders
without the request (context processors may be what failed), as Django's own handler does.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def refusal(request: HttpRequest, *, status: int, template: str, message: str) -> HttpResponse:
    """A refusal with a clear message: JSON {"detail": message} on the API, else a page."""
    if _is_api(request) or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=status)
    body = loader.get_template(template).render({"message": message})
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a malformed request (too many files, a broken multipart body, a bad host)."""
    return refusal(
        request,
        status=400,
        template="400.html",
        message=_("The portal could not understand this request."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the error is logged by Django; the answer says only that it happened."""
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def too_large(request: HttpRequest, *, limit_mb: int) -> HttpResponse:
    return refusal(
        request,
        status=413,
        template="413.html",
        message=_(
            "The files sent together are larger than %(limit)d MB, the most one upload may "
            "carry. Send fewer or smaller files at a time."
        )
        % {"limit": limit_mb},
    )


def too_many(request: HttpRequest) -> HttpResponse:
    return refusal(
        request,
        status=429,
        template="429.html",
        message=_("Too many requests in a short time: wait a minute and try again."),
    )
