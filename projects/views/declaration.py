"""Pages of the declaration: the list, a draft started, edited and printed, its attachments."""

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions, ratelimits, uploads
from portal.models import Organisation
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.uploads import received
from portal.views import form_errors_from, paginate, permission_required
from projects import eligibility, events, selectors, services, workflow
from projects.forms import ApplicationForm, ApproveForm, StartForm, VerdictForm
from projects.models import Application, Category
from projects.views.common import SPREAD_WARNING, S, _int


@permission_required("project.application.list")
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters: dict[str, Any] = {
        "call": _int(request.GET.get("call")),
        "category": _int(request.GET.get("category")),
        "status": request.GET.get("status", ""),
        "search": request.GET.get("q", "").strip(),
    }
    applications = selectors.application_list(user=request.user, **filters)
    return render(
        request,
        "projects/application_list.html",
        {
            "page": paginate(request, applications),
            "filters": filters,
            "statuses": S.choices,
            "calls": selectors.call_choices(),
            "categories": Category.objects.all(),
            "open_lots": selectors.open_lots()
            if permissions.can(request.user, "project.application.create")
            else [],
        },
    )


@permission_required("project.application.create")
def application_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Before a draft exists: the category, its rules, and the eligibility check explained."""
    lot = selectors.lot_get(pk=pk)
    # project.application.create: the applicant of a verified organisation (permissions.py).
    organisation = cast(Organisation, request.user.organisation)
    findings = eligibility.check(organisation=organisation, lot=lot)
    data = request.POST if request.method == "POST" else None  # an empty POST is still a POST
    form = StartForm(data, subtypes=lot.spec.get("subtypes") or [])
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                actor=request.user, lot=lot, subtype=form.cleaned_data.get("subtype", "")
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request, _("Draft %(number)s created.") % {"number": application.number}
            )
            return redirect("projects:application_edit", pk=application.pk)
    return render(
        request,
        "projects/application_start.html",
        {"lot": lot, "findings": findings, "form": form},
    )


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    user = request.user
    context = {
        "application": application,
        "history": selectors.application_history(application),
        "transitions": workflow.available(user, application),
        "revision_days": services.REVISION_DAYS,
        "reports": selectors.application_reports(application),
        "sections": [
            (label, (application.narrative or {}).get(key, ""))
            for key, label in services.NARRATIVE_SECTIONS
        ],
    }
    if application.is_editable and permissions.can(user, "project.application.edit", application):
        findings, problems = services.application_check(application)
        context.update(findings=findings, problems=problems)
    if permissions.can(user, "project.application.scores", application):
        context["assignments"] = selectors.application_assignments(application)
        context["budget"] = selectors.budget_summary(application.call_category)
        context["spread_warning"] = (
            application.score_spread is not None and application.score_spread >= SPREAD_WARNING
        )
        context["spread_threshold"] = SPREAD_WARNING
        context["may_reopen"] = workflow.allowed(user, application, "reopen_scoring")
    if workflow.allowed(user, application, "approve"):
        context["approve_form"] = ApproveForm(initial={"amount": application.requested_amount})
    if application.is_project and application.status != S.APPROVED:
        context["kpi_results"] = selectors.kpi_results(application)
    if workflow.allowed(user, application, "accept"):
        context["verdict_form"] = VerdictForm()
    return render(request, "projects/application_detail.html", context)


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _application_initial(application: Application) -> dict:
    """The draft as saved, in the fields of ApplicationForm."""
    initial = {
        "title": application.title,
        "summary": application.summary,
        "subtype": application.subtype,
        "period_months": application.period_months,
        "requested_amount": application.requested_amount,
        "contact_name": application.contact_name,
        "contact_phone": application.contact_phone,
        "joint_organisations": list(application.joint_organisations.all()),
        "patents": "\n".join(p.number for p in application.patents.all()),
    }
    for key, _label in services.NARRATIVE_SECTIONS:
        initial[f"narrative_{key}"] = (application.narrative or {}).get(key, "")
    for kpi in application.kpis.all():
        initial[f"kpi_{kpi.code}_committed"] = _plain(kpi.committed)
        initial[f"kpi_{kpi.code}_baseline"] = _plain(kpi.baseline)
    return initial


@login_required
def application_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.edit"
    )
    form = ApplicationForm(
        request.POST or None,
        initial=_application_initial(application),
        application=application,
        sections=services.NARRATIVE_SECTIONS,
    )
    submitting = "submit" in request.POST
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                actor=request.user, application=application, **form.services_input()
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if not submitting:
                messages.success(request, _("Draft saved."))
                return redirect("projects:application_edit", pk=application.pk)
            try:
                services.application_submit(actor=request.user, application=application)
            except ValidationError as error:
                messages.error(
                    request,
                    _("Not submitted: %(count)d problems to fix. The draft is saved.")
                    % {"count": len(error.messages)},
                )
                return redirect("projects:application_edit", pk=application.pk)
            messages.success(
                request, _("Application %(number)s submitted.") % {"number": application.number}
            )
            return redirect("projects:application_detail", pk=application.pk)
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.edit"
    )
    findings, problems = services.application_check(application)
    return render(
        request,
        "projects/application_form.html",
        {
            "application": application,
            "form": form,
            "findings": findings,
            "problems": problems,
            "blocking": [f for f in findings if not f.passed],
            "last_return": application.history.filter(action="return").order_by("-at").first()
            if application.status == S.RETURNED
            else None,
        },
    )


@login_required
def application_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    audit_record(actor=request.user, event=events.APPLICATION_PRINT, target=application)
    return render(
        request,
        "projects/application_print.html",
        {"application": application, "sections": services.NARRATIVE_SECTIONS},
    )


@require_POST
@login_required
@ratelimits.limit(ratelimits.UPLOAD)
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.edit"
    )
    uploads = request.FILES.getlist("files")
    if not uploads:
        messages.error(request, _("Choose a file to upload."))
    for upload in uploads:
        name, handle, size = received(upload)
        try:
            services.attachment_add(
                actor=request.user, application=application, name=name, handle=handle, size=size
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("“%(name)s” uploaded.") % {"name": upload.name})
    return redirect("projects:application_edit", pk=application.pk)


@login_required
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    audit_record(
        actor=request.user,
        event=events.ATTACHMENT_DOWNLOAD,
        target=attachment.application,
        after={"name": attachment.name},
    )
    return uploads.file_response(
        attachment.file.open("rb"), name=attachment.name, content_type=attachment.content_type
    )


@require_POST
@login_required
def attachment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("projects:application_edit", pk=attachment.application_id)
