"""Pages of the exchange: the mappings, an import checked then confirmed, exports, the mapping
editor and the runs. Thin: parse input, call a selector or a service, render."""

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exchange import events, selectors, services
from exchange.forms import (
    EXPORT_PARAMS,
    ExportForm,
    ImportForm,
    MappingForm,
    choices_text,
    column_formset,
    columns_from,
)
from exchange.models import Mapping, Run
from exchange.targets import TARGETS, Target
from portal import dates, formats, ratelimits, spreadsheets, uploads, workflow
from portal.models import Qualification
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import form_error_messages, form_errors_from, paginate, permission_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}

# The parameters each export target takes, offered as a small form beside its links. A target
# may declare its own (`params`); the export itself takes any of EXPORT_PARAMS from the query.
TARGET_PARAMS: dict[str, tuple[str, ...]] = {
    "qualifications": ("kind",),
    "registration_batch": ("organisation",),
    "classified_statistics": ("period",),
    "transfer_licence_records": ("since", "until"),
    "pledges": ("since", "until"),
    "contracts": ("since", "until"),
    "product_filings": ("since", "until"),
}


def exchange_required(view: Callable) -> Callable:
    """Login, then: who may view the exchange, or a university exporting its own batch."""

    @wraps(view)
    @login_required
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs):
        user = request.user
        if not (selectors.may(user, "exchange.view") or selectors.may(user, "exchange.batch")):
            raise PermissionDenied("exchange.view")
        return view(request, *args, **kwargs)

    return wrapped


def export_params(target: Target, *, chooses_organisation: bool) -> tuple[str, ...]:
    declared = getattr(target, "params", None)
    if declared is None:
        declared = TARGET_PARAMS.get(target.name, ())
    return tuple(
        name
        for name in declared
        if name in EXPORT_PARAMS and (chooses_organisation or name != "organisation")
    )


def summary_items(summary: dict) -> list[tuple[str, object]]:
    """A run's summary as (label, value) pairs, known counts first, in a fixed order."""
    labels = {
        "created": _("created"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "skipped": _("skipped"),
        "exported": _("exported"),
    }
    return [(labels[key], formats.count(summary[key])) for key in labels if key in summary]


@exchange_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The active mappings, imports then exports, each with what the user may do with it."""
    user = request.user
    may_manage = selectors.may(user, "exchange.mapping.manage")
    may_view = selectors.may(user, "exchange.view")
    groups: dict[str, list[dict]] = {value: [] for value in Mapping.Direction.values}
    for mapping in selectors.mapping_list(user=user):
        target = TARGETS.get(mapping.target)
        usable = selectors.may_use(user, mapping)
        exports = usable and target is not None and target.rows is not None
        groups.setdefault(mapping.direction, []).append(
            {
                "mapping": mapping,
                "target": target,
                "can_import": usable
                and mapping.direction == Mapping.Direction.IMPORT
                and target is not None
                and target.check is not None,
                # An import's export is its round trip: the mapping's own parameters apply.
                "export_form": ExportForm(
                    params=export_params(target, chooses_organisation=may_view)
                    if mapping.direction == Mapping.Direction.EXPORT and target is not None
                    else (),
                    auto_id=f"id_{mapping.code}_%s",
                )
                if exports
                else None,
            }
        )
    return render(
        request,
        "exchange/index.html",
        {
            "imports": groups[Mapping.Direction.IMPORT],
            "exports": groups[Mapping.Direction.EXPORT],
            "can_manage": may_manage,
            "can_view_runs": may_view,
        },
    )


# Imports -------------------------------------------------------------------------------------


@exchange_required
@ratelimits.limit(ratelimits.UPLOAD)
def import_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload, then read the dry run: every problem at its cell and what would change; the
    confirm button only when nothing blocks."""
    mapping = selectors.mapping_get(user=request.user, pk=pk)
    target = TARGETS.get(mapping.target)
    if mapping.direction != Mapping.Direction.IMPORT or target is None or target.check is None:
        raise Http404
    if not selectors.may_use(request.user, mapping):
        raise PermissionDenied(target.permission)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_check(
                actor=request.user,
                mapping=mapping,
                handle=upload,
                name=upload.name,
                size=upload.size,
            )
        except ValidationError as error:
            form_errors_from(form, error)
    return render(
        request,
        "exchange/import.html",
        {
            "mapping": mapping,
            "target": target,
            "form": form,
            "result": result,
            "summary": summary_items(result.plan.summary()) if result and result.plan else [],
            "blocking": [p for p in result.problems if p.is_blocking] if result else [],
            "unmatched": [p for p in result.problems if p.code == "unknown"] if result else [],
        },
    )


@require_POST
@exchange_required
def run_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(user=request.user, pk=pk)
    if not run.file:  # an export's run: nothing to import
        raise Http404
    try:
        result = services.import_apply(actor=request.user, run=run)
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
        if run.mapping.is_active:
            return redirect("exchange:import", pk=run.mapping_id)
        return redirect("exchange:index")
    summary = result.run.summary
    messages.success(
        request,
        _(
            "Imported %(name)s: %(created)d created, %(updated)d updated, %(unchanged)d "
            "unchanged, %(skipped)d skipped."
        )
        % {
            "name": run.original_name,
            "created": summary.get("created", 0),
            "updated": summary.get("updated", 0),
            "unchanged": summary.get("unchanged", 0),
            "skipped": summary.get("skipped", 0),
        },
    )
    return redirect(f"{reverse('exchange:run_list')}?mapping={run.mapping.code}")


# Exports -------------------------------------------------------------------------------------


def ascii_filename(name: str, fmt: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return safe if safe.endswith(f".{fmt}") else f"export.{fmt}"


@exchange_required
@ratelimits.limit(ratelimits.EXPORT, method=None)
def export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The mapping's rows as .xlsx or .csv; parameters from the query (only known ones), over
    the mapping's own fixed ones."""
    user = request.user
    mapping = selectors.mapping_get(user=user, pk=pk)
    target = TARGETS.get(mapping.target)
    if target is None or target.rows is None:
        raise Http404
    if not selectors.may_use(user, mapping):
        raise PermissionDenied(target.permission)
    form = ExportForm(request.GET)
    if not form.is_valid():
        form_error_messages(request, form)
        return redirect("exchange:index")
    params = {k: v for k, v in (mapping.params or {}).items() if k in EXPORT_PARAMS}
    params |= form.params()
    if not selectors.may(user, "exchange.view"):
        # A university exports its own pool's batch (the target scopes it): it chooses no other.
        params.pop("organisation", None)
    fmt = form.cleaned_data["fmt"]
    try:
        content, name, _count = services.export(actor=user, mapping=mapping, params=params, fmt=fmt)
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
        return redirect("exchange:index")
    # Named for people (存量专利登记批次（…）-2025年7月15日.xlsx), the content as the platform
    # prescribes it; the ASCII name (the mapping's code) for clients that read only that.
    title = spreadsheets.file_name(mapping.name, formats.day(timezone.localdate()), suffix=fmt)
    return cast(
        HttpResponse,
        spreadsheets.download(
            content,
            name=title,
            fallback=ascii_filename(name, fmt),
            content_type=CONTENT_TYPES[fmt],
        ),
    )


# Mappings ------------------------------------------------------------------------------------


def _normal(columns: list[dict]) -> list[dict]:
    """Columns without the keys that say nothing, to tell a real change from a re-save."""
    return [{k: v for k, v in c.items() if v not in (None, "", False, {}, [])} for c in columns]


@permission_required("exchange.mapping.manage")
def mapping_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a mapping. A change to a version some run used makes the next version
    (the service decides); the page says so before and after."""
    mapping = selectors.mapping_get(user=request.user, pk=pk) if pk else None
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"direction": Mapping.Direction.IMPORT, "header_row": 0}
    if mapping is not None:
        initial = {
            "name": mapping.name,
            "target": mapping.target,
            "direction": mapping.direction,
            "sheet": mapping.sheet,
            "header_row": mapping.header_row,
            "source": mapping.source,
            "params": choices_text(mapping.params),
        }
    elif request.GET.get("target") in TARGETS:
        initial["target"] = request.GET["target"]
    form = MappingForm(data, initial=initial, new=mapping is None)
    target = (data.get("target") if data else None) or initial.get("target", "")
    columns = column_formset(data, target=target, columns=mapping.columns if mapping else None)
    if data is not None and not columns.management_form.is_valid():
        # Django's own refusal names its hidden fields: say it as a user can act on it.
        columns = column_formset(None, target=target, columns=mapping.columns if mapping else None)
        form.add_error(
            None, _("The table of columns did not arrive whole: reload the page and try again.")
        )
    in_use = mapping is not None and mapping.runs.exists()
    if request.method == "POST" and form.is_valid() and columns.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        values["columns"] = _normal(columns_from(columns))
        unchanged = mapping is not None and all(
            (_normal(getattr(mapping, k)) if k == "columns" else getattr(mapping, k)) == v
            for k, v in values.items()
        )
        if unchanged and mapping is not None:
            messages.info(
                request, _("Nothing changed: version %(v)d stays.") % {"v": mapping.version}
            )
            return redirect("exchange:index")
        try:
            saved = services.mapping_save(
                actor=request.user,
                data=values,
                mapping=mapping,
                code=form.cleaned_data.get("code", ""),
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if mapping is not None and saved.pk != mapping.pk:
                messages.success(
                    request,
                    _(
                        "Saved as version %(new)d of %(name)s: runs made with version %(old)d "
                        "keep it."
                    )
                    % {"new": saved.version, "name": saved.name, "old": mapping.version},
                )
            else:
                messages.success(
                    request,
                    _("Saved %(name)s (version %(v)d).") % {"name": saved.name, "v": saved.version},
                )
            return redirect("exchange:index")
    return render(
        request,
        "exchange/mapping_form.html",
        {"mapping": mapping, "form": form, "columns": columns, "in_use": in_use},
    )


# Runs ----------------------------------------------------------------------------------------


def param_items(params: dict, organisations: dict[int, str]) -> list[tuple[str, str]]:
    """An export's parameters as a run recorded them, as (label, value) the page shows: a
    period, a date, a kind or an organisation by its name, never the stored code."""
    labels = ExportForm().fields
    items = []
    for name in EXPORT_PARAMS:
        value = params.get(name)
        if value in (None, ""):
            continue
        if name == "period":
            text = formats.period(str(value))
        elif name in {"since", "until"}:
            try:
                text = formats.day(dates.read_date(value))
            except ValueError:
                text = str(value)
        elif name == "kind":
            text = formats.label(Qualification.Kind, value)
        else:
            text = organisations.get(value, formats.MISSING)
        items.append((capfirst(str(labels[name].label)), text))
    return items


@permission_required("exchange.view")
def run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    code = request.GET.get("mapping", "")
    page = paginate(request, selectors.run_list(user=request.user, code=code))
    history = workflow.histories(page)
    chosen = [(run.summary.get("params") or {}).get("organisation") for run in page]
    organisations = selectors.organisation_names(pk for pk in chosen if isinstance(pk, int))
    rows = [
        {
            "run": run,
            "summary": summary_items({k: v for k, v in run.summary.items() if k != "params"}),
            "params": param_items(run.summary.get("params") or {}, organisations),
            "problems": len(run.problems),
            "blocking": sum(1 for p in run.problems if p.get("importance") == "blocking"),
            "history": history.get(run.pk, []),
        }
        for run in page
    ]
    return render(
        request,
        "exchange/run_list.html",
        {
            "page": page,
            "rows": rows,
            "code": code,
            "mapping_name": selectors.mapping_name(user=request.user, code=code) if code else "",
            "can_download": selectors.may(request.user, "exchange.run"),
        },
    )


@permission_required("exchange.run")
def run_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The file a reviewer uploaded, as it was checked; each download is audited."""
    run: Run = selectors.run_get(user=request.user, pk=pk)
    if not run.file:
        raise Http404
    audit_record(
        actor=request.user,
        event=events.DOWNLOAD,
        target=run,
        after={"mapping": run.mapping.code, "name": run.original_name},
    )
    kind = uploads.kind_of_stored(run.file)
    return uploads.file_response(
        run.file.open("rb"),
        name=run.original_name or kind_name(kind),
        content_type=kind.content_type if kind else "application/octet-stream",
    )


def kind_name(kind) -> str:
    return f"exchange{kind.suffix if kind else ''}"
