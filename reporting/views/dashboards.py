"""Completeness, dashboards and their exports."""

import json

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal import permissions, ratelimits, uploads
from portal.models import Region
from portal.periods import Quarter, quarter_choices
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import permission_required
from reporting import events, selectors, services
from reporting.models import ExportJob
from reporting.views.common import OPENABLE_QUARTERS, XLSX, period_of

# Completeness and dashboards ------------------------------------------------------------------


@permission_required("reporting.completeness.view")
def completeness(request: AuthenticatedHttpRequest) -> HttpResponse:
    period = period_of(request) or str(Quarter.last_completed(timezone.localdate()))
    last = Quarter.last_completed(timezone.localdate())
    return render(
        request,
        "reporting/completeness.html",
        {
            "period": period,
            "periods": quarter_choices(last, OPENABLE_QUARTERS),
            "tables": selectors.completeness_for(user=request.user, period=period),
        },
    )


def _dashboard_region(request: AuthenticatedHttpRequest, code: str | None) -> Region:
    if code:
        return selectors.region_for_user(user=request.user, code=code)
    user = request.user
    if user.region is not None:
        return user.region
    region = Region.objects.filter(parent__isnull=True).order_by("path").first()
    if region is None:
        raise Http404
    return region


@permission_required("reporting.dashboard.view")
def dashboard(request: AuthenticatedHttpRequest, code: str | None = None) -> HttpResponse:
    region = _dashboard_region(request, code)
    data = selectors.dashboard(user=request.user, region=region, period=period_of(request) or None)
    charts = {
        row.target.pk: {
            "periods": [p for p, _v in row.trend],
            "values": [v for _p, v in row.trend],
            "target": float(row.target.target_value),
            "name": row.target.indicator.name,
            "unit": row.target.indicator.unit,
        }
        for row in data.targets
    }
    breadcrumbs: list[Region] = []
    parent = region.parent
    while parent is not None:
        breadcrumbs.insert(0, parent)
        parent = parent.parent
    return render(
        request,
        "reporting/dashboard.html",
        {
            "d": data,
            "charts": charts,
            "charts_json": json.dumps(charts, ensure_ascii=False),
            "table_view": request.GET.get("view") == "table",
            "breadcrumbs": breadcrumbs,
            "can_export": permissions.can(request.user, "reporting.export"),
        },
    )


@require_POST
@permission_required("reporting.export")
@ratelimits.limit(ratelimits.EXPORT)
def dashboard_export(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for_user(user=request.user, code=code)
    job = services.export_request(
        actor=request.user,
        kind="dashboard",
        params={"region": region.code, "period": request.POST.get("period", "")},
    )
    return redirect("reporting:export_detail", pk=job.pk)


def _job(request: AuthenticatedHttpRequest, pk: int) -> ExportJob:
    return selectors.export_job_get(user=request.user, pk=pk)


@permission_required("reporting.export")
def export_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = (
        "reporting/includes/export_status.html"
        if request.headers.get("HX-Request")
        else "reporting/export_detail.html"
    )
    return render(request, template, {"job": job})


@permission_required("reporting.export")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def export_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    audit_record(
        actor=request.user,
        event=events.EXPORT_DOWNLOAD,
        target=job,
        after={"name": job.file_name},
    )
    return uploads.file_response(job.file.open("rb"), name=job.file_name, content_type=XLSX)
