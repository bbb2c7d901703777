"""The audit log: search, and export as .csv or .xlsx (itself audited)."""

import csv
import tempfile
from typing import cast

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import (
    audit_display,
    errors,
    events,
    formats,
    ratelimits,
    selectors,
    services,
    spreadsheets,
)
from portal.forms import AuditFilterForm
from portal.spreadsheets import csv_cell
from portal.types import AuthenticatedHttpRequest
from portal.views.common import paginate, permission_required


@require_GET
@permission_required("audit.view")
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Search the audit log; export what the search found as .csv or .xlsx (audited)."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A search that cannot be read finds nothing (and exports nothing), never everything.
        return render(request, "portal/audit_list.html", {"form": form, "page": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    entries = selectors.audit_list(user=request.user, **filters)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        if ratelimits.over_limit(request, ratelimits.EXPORT, method=None):
            return errors.too_many(request)
        return _audit_csv(request, entries) if fmt == "csv" else _audit_xlsx(request, entries)
    page = paginate(request, entries)
    return render(
        request,
        "portal/audit_list.html",
        {"form": form, "page": page, "rows": audit_display.rows(page)},
    )


def _audit_xlsx(request: AuthenticatedHttpRequest, entries) -> FileResponse:
    """The rows found, as .xlsx written to a temporary file (on disk past a few MB), then
    streamed; openpyxl's write-only mode keeps memory bounded however long the log."""
    from portal import exporters

    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        rows = exporters.audit_export(entries.iterator(chunk_size=2000), handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    services.audit_record(
        actor=request.user,
        event=events.AUDIT_EXPORT,
        reason=request.GET.urlencode(),
        after={"format": "xlsx", "rows": rows},
    )
    name, fallback = exporters.audit_export_file_names()
    return cast(FileResponse, spreadsheets.download(handle, name=name, fallback=fallback))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _audit_csv(request: AuthenticatedHttpRequest, entries) -> StreamingHttpResponse:
    services.audit_record(
        actor=request.user,
        event=events.AUDIT_EXPORT,
        reason=request.GET.urlencode(),
        after={"format": "csv"},
    )
    writer = csv.writer(_Echo())
    header = [
        _("time"),
        _("user"),
        _("IP address"),
        _("event"),
        _("outcome"),
        _("object"),
        _("reason"),
        _("before"),
        _("after"),
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel and WPS then read UTF-8
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                csv_cell(value)  # = + - @ tab CR would run in a spreadsheet: defused
                for value in (
                    timezone.localtime(entry.at).isoformat(),
                    entry.actor_label,
                    entry.ip,
                    entry.event,
                    entry.outcome,
                    entry.target_label,
                    entry.reason,
                    entry.before,
                    entry.after,
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = spreadsheets.attachment_header(
        spreadsheets.file_name(_("Audit log"), formats.day(timezone.localdate()), suffix="csv"),
        fallback="audit-log.csv",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
