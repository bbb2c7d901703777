"""Completeness, dashboards and their exports."""

import json
from pathlib import PurePosixPath
from typing import cast

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import formats, permissions, ratelimits, spreadsheets
from portal.models import Region
from portal.periods import Quarter, quarter_choices
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import permission_required
from reporting import events, selectors, services
from reporting.models import ExportJob
from reporting.views.common import OPENABLE_QUARTERS, period_of

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


def _progress_figures(row: selectors.TargetRow, figures: selectors.Figures) -> dict:
    """A target's figures as a card or a table row shows them (counts as integers, amounts in
    the unit of the table)."""
    unit = row.target.indicator.unit
    snapshot = row.snapshot
    return {
        "unit": figures.unit(unit),
        "target": figures.show(row.target.target_value, unit),
        "target_with_unit": figures.with_unit(row.target.target_value, unit),
        "actual": figures.show(snapshot.actual if snapshot else None, unit),
        "expected": figures.show(snapshot.expected if snapshot else None, unit),
        "projection": figures.show(snapshot.projection if snapshot else None, unit),
    }


def _pairs(row: selectors.TargetRow):
    unit = row.target.indicator.unit
    yield unit, row.target.target_value
    if row.snapshot is not None:
        for value in (row.snapshot.actual, row.snapshot.expected, row.snapshot.projection):
            yield unit, value


def _chart(row: selectors.TargetRow) -> dict:
    """A trend chart's data: raw numbers to draw, and the labels the page writes (periods,
    figures, the target line), so the chart reads like the page around it."""
    indicator = row.target.indicator
    labels = [formats.figure(value, indicator.unit) for _p, value in row.trend]
    periods = [formats.period_short(period) for period, _v in row.trend]
    colon, space = formats.colon(), "" if formats.chinese() else " "
    return {
        "periods": periods,
        "values": [value for _p, value in row.trend],
        "tooltips": [
            f"{period}\n{indicator.name}{colon}{label}{space}{indicator.unit}"
            for period, label in zip(periods, labels, strict=True)
        ],
        "target": float(row.target.target_value),
        "target_label": _("Target %(value)s")
        % {"value": formats.figure(row.target.target_value, indicator.unit)},
        "decimals": 0 if indicator.unit in formats.COUNTING_UNITS else 2,
        "name": indicator.name,
        "unit": indicator.unit,
    }


@permission_required("reporting.dashboard.view")
def dashboard(request: AuthenticatedHttpRequest, code: str | None = None) -> HttpResponse:
    region = _dashboard_region(request, code)
    data = selectors.dashboard(user=request.user, region=region, period=period_of(request) or None)
    charts = {row.target.pk: _chart(row) for row in data.targets}
    # The table view is one table: its amounts in one unit. A card shows its own.
    table = selectors.Figures(pair for row in data.targets for pair in _pairs(row))
    untargeted = selectors.Figures((v.indicator.unit, v.value) for v in data.untargeted)
    national = selectors.Figures(
        (target.indicator.unit, figure)
        for target, value in data.national
        for figure in (target.target_value, value.value if value else None)
    )
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
            "cards": {
                row.target.pk: _progress_figures(row, selectors.Figures(_pairs(row)))
                for row in data.targets
            },
            "table_rows": [(row, _progress_figures(row, table)) for row in data.targets],
            "untargeted": [
                (
                    v,
                    untargeted.unit(v.indicator.unit),
                    untargeted.show(v.value, v.indicator.unit),
                )
                for v in data.untargeted
            ],
            "national": [
                (
                    target,
                    national.unit(target.indicator.unit),
                    national.show(target.target_value, target.indicator.unit),
                    national.show(value.value if value else None, target.indicator.unit),
                )
                for target, value in data.national
            ],
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
    fallback = PurePosixPath(job.file.name or "dashboard.xlsx").name  # the stored name: ASCII
    return cast(
        FileResponse,
        spreadsheets.download(job.file.open("rb"), name=job.file_name, fallback=fallback),
    )
