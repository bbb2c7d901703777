"""Pages of statistics returns: list, open, detail, values, workbooks, transitions, history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import formats, permissions, ratelimits, uploads, workflow
from portal.periods import Quarter, quarter_choices
from portal.problems import Problem
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, paginate, permission_required
from reporting import events, exporters, selectors, services
from reporting.forms import (
    OpenReturnForm,
    ReasonForm,
    UploadForm,
    ValuesForm,
)
from reporting.models import ReturnForm, ReturnUpload, StatReturn
from reporting.selectors import ENTRY_METHODS, previous_values, return_label
from reporting.views.common import OPENABLE_QUARTERS, XLSX, period_of, problems_from, xlsx_response
from reporting.workflow import RETURN


def _problem_text(problem: Problem) -> str:
    """A problem as a message: a workbook's cell first (工作表!F7：…); the web form's and the
    stored figures' messages name their element themselves."""
    if problem.sheet:
        return f"{problem.where}{formats.colon()}{problem.message}"
    return problem.message


def _error_messages(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    problems = problems_from(error)
    for text in [_problem_text(p) for p in problems] if problems else error.messages:
        messages.error(request, text)


# Returns --------------------------------------------------------------------------------------


@permission_required("reporting.return.list")
def return_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    returns = selectors.return_list(
        user=user,
        period=period_of(request),
        region=request.GET.get("region", ""),
        status=request.GET.get("status", ""),
    )
    open_form = None
    if permissions.can(user, "reporting.region.report"):
        forms_qs = ReturnForm.objects.filter(is_active=True)
        form = forms_qs.first()
        last = Quarter.last_completed(timezone.localdate())
        open_form = OpenReturnForm(
            regions=selectors.reportable_regions(user=user, form=form) if form else [],
            forms_qs=forms_qs,
            periods=quarter_choices(last, OPENABLE_QUARTERS),
            initial={"form": form, "region": user.region, "period": str(last)},
        )
    return render(
        request,
        "reporting/return_list.html",
        {
            "page": paginate(request, returns),
            "open_form": open_form,
            "statuses": StatReturn.Status.choices,
            "period": period_of(request),
            "periods": selectors.return_periods(user=user),
        },
    )


@require_POST
@permission_required("reporting.region.report")
def return_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    forms_qs = ReturnForm.objects.filter(is_active=True)
    form_id = request.POST.get("form", "")
    chosen = (forms_qs.filter(pk=form_id).first() if form_id.isdigit() else None) or (
        forms_qs.first()
    )
    if chosen is None:
        raise Http404
    last = Quarter.last_completed(timezone.localdate())
    form = OpenReturnForm(
        request.POST,
        regions=selectors.reportable_regions(user=user, form=chosen),
        forms_qs=forms_qs,
        periods=quarter_choices(last, OPENABLE_QUARTERS),
    )
    if form.is_valid():
        try:
            stat_return = services.return_open(
                actor=user,
                form=form.cleaned_data["form"],
                region=form.cleaned_data["region"],
                period=form.cleaned_data["period"],
            )
        except ValidationError as error:
            _error_messages(request, error)
        else:
            return redirect("reporting:return_detail", pk=stat_return.pk)
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))  # ErrorList yields the messages
    return redirect("reporting:return_list")


def _value_rows(stat_return: StatReturn, *, version: StatReturn | None = None) -> list[dict]:
    elements = selectors.form_elements(stat_return.form)
    previous = previous_values(region=stat_return.region, period=stat_return.period)
    if version is not None and version.snapshot is not None:
        stored = {
            code: (cell.get("value"), cell.get("comment", ""))
            for code, cell in version.snapshot.items()
        }
    else:
        stored = {
            code: (v.value, v.comment) for code, v in selectors.current_values(stat_return).items()
        }
    return [
        {
            "code": e.code,
            "name": e.name,
            "unit": e.unit,
            "kind": e.get_kind_display(),
            "previous": previous.get(e.code),
            "value": stored.get(e.code, (None, ""))[0],
            "comment": stored.get(e.code, (None, ""))[1],
        }
        for e in elements
    ]


def _get_return(request: AuthenticatedHttpRequest, pk: int) -> StatReturn:
    return selectors.return_get(user=request.user, pk=pk)


@permission_required("reporting.return.list")
def return_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stat_return = _get_return(request, pk)
    versions = list(selectors.return_versions(stat_return))
    shown = stat_return
    wanted = request.GET.get("version")
    if wanted and wanted.isdigit():
        shown = next((v for v in versions if v.version == int(wanted)), stat_return)
    user = request.user
    available = {t.action for t in workflow.available(RETURN, user, stat_return)}
    actions = {
        "edit": permissions.can(user, "reporting.return.edit", stat_return),
        "submit": "submit" in available,
        "decide": {"approve", "send_back"} <= available,
        "correct": permissions.can(user, "reporting.return.correct", stat_return),
    }
    return render(
        request,
        "reporting/return_detail.html",
        {
            "r": stat_return,
            "shown": shown,
            "rows": _value_rows(stat_return, version=shown if shown.pk != stat_return.pk else None),
            "versions": versions,
            "uploads": stat_return.uploads.select_related("uploaded_by")[:10],
            "actions": actions,
            "upload_form": UploadForm(),
            "reason_form": ReasonForm(),
            "due": Quarter.parse(stat_return.period).due_date(stat_return.form.due_days),
            "title": return_label(stat_return),
            "history": workflow.history(stat_return),
        },
    )


@permission_required("reporting.return.list")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def return_template(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stat_return = _get_return(request, pk)
    content = exporters.return_template(
        stat_return=stat_return,
        elements=selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
        current={
            code: (v.value, v.comment) for code, v in selectors.current_values(stat_return).items()
        },
    )
    audit_record(actor=request.user, event=events.RETURN_TEMPLATE, target=stat_return)
    name, fallback = exporters.return_file_names(stat_return, template=True)
    return xlsx_response(content, name, fallback=fallback)


@permission_required("reporting.return.list")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def return_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stat_return = _get_return(request, pk)
    content = exporters.return_workbook(
        stat_return=stat_return,
        elements=selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
        current={
            code: (v.value, v.comment) for code, v in selectors.current_values(stat_return).items()
        },
    )
    audit_record(
        actor=request.user,
        event=events.RETURN_EXPORT,
        target=stat_return,
        after={"version": stat_return.version},
    )
    name, fallback = exporters.return_file_names(stat_return, template=False)
    return xlsx_response(content, name, fallback=fallback)


@require_POST
@permission_required("reporting.return.list")
@ratelimits.limit(ratelimits.UPLOAD)
def return_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stat_return = _get_return(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the filled workbook (.xlsx) to upload."))
        return redirect("reporting:return_detail", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        result = services.return_upload_check(
            actor=request.user,
            stat_return=stat_return,
            handle=upload,
            name=upload.name,
            size=upload.size,
        )
    except PermissionDenied:
        raise
    except ValidationError as error:
        _error_messages(request, error)
        return redirect("reporting:return_detail", pk=pk)
    return render(request, "reporting/upload_check.html", {"r": stat_return, "result": result})


@require_POST
@permission_required("reporting.return.list")
def upload_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = (
        ReturnUpload.objects.filter(pk=pk, stat_return__in=selectors.return_list(user=request.user))
        .select_related("stat_return")
        .first()
    )
    if upload is None:
        raise Http404
    try:
        result = services.return_upload_apply(actor=request.user, upload=upload)
    except ValidationError as error:
        problems = problems_from(error)
        if problems:
            messages.error(request, _("Nothing was stored: the workbook has problems."))
            return render(
                request,
                "reporting/upload_check.html",
                {
                    "r": upload.stat_return,
                    "result": services.CheckResult(problems=problems, upload=upload),
                },
            )
        _error_messages(request, error)
    else:
        messages.success(
            request,
            _("Stored: %(created)d new and %(changed)d changed values.")
            % {"created": result.created, "changed": result.changed},
        )
    return redirect("reporting:return_detail", pk=upload.stat_return_id)


@permission_required("reporting.return.list")
def upload_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    upload = ReturnUpload.objects.filter(
        pk=pk,
        stat_return__in=permissions.scope(
            request.user, "reporting.return.view", StatReturn.objects.all()
        ),
    ).first()
    if upload is None:
        raise Http404
    audit_record(
        actor=request.user,
        event=events.UPLOAD_DOWNLOAD,
        target=upload.stat_return,
        after={"upload": upload.pk, "name": upload.original_name},
    )
    return uploads.file_response(
        upload.file.open("rb"), name=upload.original_name, content_type=XLSX
    )


@permission_required("reporting.return.list")
def return_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stat_return = _get_return(request, pk)
    if not permissions.can(request.user, "reporting.return.edit", stat_return):
        raise PermissionDenied("reporting.return.edit")
    elements = selectors.form_elements(stat_return.form)
    initial = {
        code: (v.value, v.comment) for code, v in selectors.current_values(stat_return).items()
    }
    form = ValuesForm(
        request.POST if request.method == "POST" else None,
        elements=elements,
        initial_values=initial,
    )
    problems = []
    if request.method == "POST":
        entries = form.entries()
        if entries is not None:
            try:
                result = services.return_values_store(
                    actor=request.user, stat_return=stat_return, entries=entries
                )
            except ValidationError as error:
                problems = problems_from(error)
                if not problems:
                    form_errors_from(form, error)
            else:
                warnings = [p for p in result.problems if not p.is_blocking]
                for warning in warnings:
                    messages.warning(request, _problem_text(warning))
                messages.success(
                    request,
                    _("Saved: %(created)d new and %(changed)d changed values.")
                    % {"created": result.created, "changed": result.changed},
                )
                return redirect("reporting:return_detail", pk=pk)
    previous = previous_values(region=stat_return.region, period=stat_return.period)
    return render(
        request,
        "reporting/return_edit.html",
        {"r": stat_return, "form": form, "problems": problems, "previous": previous},
    )


ACTIONS = {
    "submit": lambda user, r, reason: services.return_submit(actor=user, stat_return=r),
    "approve": lambda user, r, reason: services.return_approve(actor=user, stat_return=r),
    "send_back": lambda user, r, reason: services.return_send_back(
        actor=user, stat_return=r, reason=reason
    ),
    "correct": lambda user, r, reason: services.return_correct(
        actor=user, stat_return=r, reason=reason
    ),
}


@require_POST
@permission_required("reporting.return.list")
def return_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    stat_return = _get_return(request, pk)
    try:
        result = ACTIONS[action](request.user, stat_return, request.POST.get("reason", ""))
    except ValidationError as error:
        _error_messages(request, error)
        return redirect("reporting:return_detail", pk=pk)
    messages.success(request, _("Done: %(name)s is %(status)s.") % {
        "name": return_label(result), "status": result.get_status_display()
    })  # fmt: skip
    return redirect("reporting:return_detail", pk=result.pk)


@permission_required("reporting.return.list")
def return_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    stat_return = _get_return(request, pk)
    history = selectors.value_history(stat_return)
    code = request.GET.get("code", "")
    if code:
        history = history.filter(element__code=code)
    return render(
        request,
        "reporting/return_history.html",
        {
            "r": stat_return,
            "page": paginate(request, history, per_page=100),
            "code": code,
            "entry_methods": ENTRY_METHODS,
        },
    )
