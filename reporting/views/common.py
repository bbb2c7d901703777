"""What the reporting pages share."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from portal import uploads
from reporting.forms import (
    PeriodForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPENABLE_QUARTERS = 8


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    return uploads.protect(HttpResponse(content, content_type=XLSX), name=name)


def period_of(request: HttpRequest) -> str:
    form = PeriodForm(request.GET)
    return form.cleaned_data["period"] if form.is_valid() else ""


def problems_from(error: ValidationError) -> list:
    return getattr(error, "problems", None) or []
