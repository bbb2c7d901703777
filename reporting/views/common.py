"""What the reporting pages share."""

from typing import cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from portal import spreadsheets
from reporting.forms import (
    PeriodForm,
)

XLSX = spreadsheets.XLSX_TYPE
OPENABLE_QUARTERS = 8


def xlsx_response(content: bytes, name: str, *, fallback: str) -> HttpResponse:
    """A workbook as a download named `name` (Chinese), with the ASCII `fallback` name."""
    return cast(HttpResponse, spreadsheets.download(content, name=name, fallback=fallback))


def period_of(request: HttpRequest) -> str:
    form = PeriodForm(request.GET)
    return form.cleaned_data["period"] if form.is_valid() else ""


def problems_from(error: ValidationError) -> list:
    return getattr(error, "problems", None) or []
