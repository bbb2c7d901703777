"""Pages of the projects app. Thin: parse input, call a selector or a service, render."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions, ratelimits, uploads
from portal.services import audit_record
from portal.views import form_errors_from, paginate, permission_required
from projects import eligibility, exporters, selectors, services, workflow
from projects.forms import (
    ApplicationForm,
    ApproveForm,
    AssignForm,
    CallForm,
    CategoryForm,
    CriterionFormSet,
    KPIFormSet,
    LotFormSet,
    ReportForm,
    ScoreForm,
    StartForm,
    VerdictForm,
)
from projects.models import Application, Category

S = Application.Status


# Categories ----------------------------------------------------------------------------------


@permission_required("project.category.view")
def category_list(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/category_list.html", {"categories": selectors.category_list()})


@permission_required("project.category.view")
def category_detail(request: HttpRequest, code: int) -> HttpResponse:
    category = selectors.category_get(code=code)
    return render(request, "projects/category_detail.html", {"category": category})


@permission_required("project.category.edit")
def category_edit(request: HttpRequest, code: int) -> HttpResponse:
    category = selectors.category_get(code=code)
    initial = {
        "name": category.name,
        "tasks": category.tasks,
        "eligibility_text": category.eligibility_text,
        "period_months": category.period_months,
        "eligible_kinds": category.eligible_kinds,
        "subtypes": "\n".join(category.subtypes),
        "amount_min": category.amount_min,
        "amount_max": category.amount_max,
        "amount_source": category.amount_source,
    }
    kpi_initial = [
        {f: getattr(k, f) for f in ("code", "name", "unit", "comparator", "minimum", "source")}
        for k in category.kpis.all()
    ]
    criterion_initial = [
        {f: getattr(c, f) for f in ("code", "name", "guidance", "weight", "source")}
        for c in category.criteria.all()
    ]
    data = request.POST if request.method == "POST" else None
    form = CategoryForm(data, initial=initial)
    kpi_forms = KPIFormSet(data, initial=kpi_initial, prefix="kpi")
    criterion_forms = CriterionFormSet(data, initial=criterion_initial, prefix="criterion")
    if request.method == "POST" and all(f.is_valid() for f in (form, kpi_forms, criterion_forms)):
        kpis = [
            f.cleaned_data for f in kpi_forms if f.cleaned_data and not f.cleaned_data["DELETE"]
        ]
        criteria = [
            f.cleaned_data
            for f in criterion_forms
            if f.cleaned_data and not f.cleaned_data["DELETE"]
        ]
        for row in (*kpis, *criteria):
            row.pop("DELETE", None)
        try:
            services.category_update(
                actor=request.user,
                category=category,
                data=form.cleaned_data,
                kpis=kpis,
                criteria=criteria,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            for field in ("kpis", "criteria"):
                for message in getattr(error, "message_dict", {}).get(field, []):
                    form.add_error(None, message)
        else:
            messages.success(request, _("Saved. Calls opened from now on use this version."))
            return redirect("projects:category_detail", code=category.code)
    return render(
        request,
        "projects/category_edit.html",
        {
            "category": category,
            "form": form,
            "kpi_forms": kpi_forms,
            "criterion_forms": criterion_forms,
        },
    )


# Calls ---------------------------------------------------------------------------------------


@permission_required("project.call.view")
def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/call_list.html", {"calls": selectors.call_list()})


@permission_required("project.call.view")
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_get(pk=pk)
    lots = list(call.lots.all())
    budgets = {lot.pk: services.budget_summary(lot) for lot in lots}
    own = {}
    if request.user.organisation_id:
        own = {
            a.call_category_id: a
            for a in Application.objects.filter(
                call_category__call=call, lead_organisation_id=request.user.organisation_id
            )
        }
    rows = [{"lot": lot, "budget": budgets[lot.pk], "own": own.get(lot.pk)} for lot in lots]
    return render(request, "projects/call_detail.html", {"call": call, "rows": rows})


def _lot_inputs(lot_forms) -> list[services.LotInput]:
    categories = {c.pk: c for c in Category.objects.all()}
    return [
        services.LotInput(
            category=categories[f.cleaned_data["category"]],
            budget=f.cleaned_data["budget"],
            expected_projects=f.cleaned_data["expected_projects"],
            amount_min=f.cleaned_data.get("amount_min"),
            amount_max=f.cleaned_data.get("amount_max"),
        )
        for f in lot_forms
        if f.cleaned_data.get("include")
    ]


def _rows_intact(lot_forms, categories) -> bool:
    """Each category's row came back, in order. A truncated or tampered form (rows missing,
    added or swapped) is refused with a message, never a server error."""
    if not lot_forms.management_form.is_valid() or len(lot_forms.forms) != len(categories):
        return False
    return all(
        str(lot_form.data.get(lot_form.add_prefix("category"), "")) == str(category.pk)
        for lot_form, category in zip(lot_forms.forms, categories, strict=True)
    )


def _call_form(request: HttpRequest, call=None) -> HttpResponse:
    categories = list(Category.objects.all())
    existing = {lot.category_id: lot for lot in call.lots.all()} if call else {}
    lot_initial = []
    for category in categories:
        lot = existing.get(category.pk)
        lot_initial.append(
            {
                "category": category.pk,
                "include": lot is not None or call is None,
                "budget": lot.budget if lot else None,
                "expected_projects": lot.expected_projects if lot else None,
                "amount_min": lot.amount_min if lot else category.amount_min,
                "amount_max": lot.amount_max if lot else category.amount_max,
            }
        )
    initial = (
        {
            "year": call.year,
            "title": call.title,
            "description": call.description,
            "opens_at": call.opens_at,
            "closes_at": call.closes_at,
        }
        if call
        else {}
    )
    data = request.POST if request.method == "POST" else None
    form = CallForm(data, initial=initial)
    lot_forms = LotFormSet(data, initial=lot_initial, prefix="lot")
    if data is not None and not _rows_intact(lot_forms, categories):
        form.is_valid()
        form.add_error(
            None,
            _("The category rows of the form came back incomplete: reload the page and try again."),
        )
        lot_forms = LotFormSet(initial=lot_initial, prefix="lot")
    elif request.method == "POST" and form.is_valid() and lot_forms.is_valid():
        try:
            lots = _lot_inputs(lot_forms)
            if call is None:
                call = services.call_create(actor=request.user, data=form.cleaned_data, lots=lots)
            else:
                services.call_update(
                    actor=request.user, call=call, data=form.cleaned_data, lots=lots
                )
        except ValidationError as error:
            form_errors_from(form, error)
            for message in getattr(error, "message_dict", {}).get("lots", []):
                form.add_error(None, message)
        else:
            messages.success(request, _("The call is saved."))
            return redirect("projects:call_detail", pk=call.pk)
    rows = list(zip(categories, lot_forms, strict=True))
    return render(
        request,
        "projects/call_form.html",
        {"form": form, "lot_forms": lot_forms, "rows": rows, "call": call},
    )


@permission_required("project.call.manage")
def call_create(request: HttpRequest) -> HttpResponse:
    return _call_form(request)


@permission_required("project.call.manage")
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _call_form(request, selectors.call_get(pk=pk))


# Declaration ---------------------------------------------------------------------------------


@permission_required("project.application.list")
def application_list(request: HttpRequest) -> HttpResponse:
    filters = {
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


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@permission_required("project.application.create")
def application_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Before a draft exists: the category, its rules, and the eligibility check explained."""
    lot = selectors.lot_get(pk=pk)
    organisation = request.user.organisation
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
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
        context["budget"] = services.budget_summary(application.call_category)
        context["spread_warning"] = (
            application.score_spread is not None and application.score_spread >= SPREAD_WARNING
        )
        context["spread_threshold"] = SPREAD_WARNING
        context["may_reopen"] = workflow.allowed(user, application, "reopen_scoring")
    if workflow.allowed(user, application, "approve"):
        context["approve_form"] = ApproveForm(initial={"amount": application.requested_amount})
    if application.is_project and application.status != S.APPROVED:
        context["kpi_results"] = services.kpi_results(application)
    if workflow.allowed(user, application, "accept"):
        context["verdict_form"] = VerdictForm()
    return render(request, "projects/application_detail.html", context)


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


# A reviewer is warned when experts' totals differ by this many points or more.
SPREAD_WARNING = Decimal(20)


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.edit"
    )
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
    form = ApplicationForm(
        request.POST or None,
        initial=initial,
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
            "last_return": application.events.filter(action="return").order_by("-at").first()
            if application.status == S.RETURNED
            else None,
        },
    )


@login_required
def application_print(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    audit_record(actor=request.user, event="project.application.print", target=application)
    return render(
        request,
        "projects/application_print.html",
        {"application": application, "sections": services.NARRATIVE_SECTIONS},
    )


@require_POST
@login_required
@ratelimits.limit(ratelimits.UPLOAD)
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.edit"
    )
    uploads = request.FILES.getlist("files")
    if not uploads:
        messages.error(request, _("Choose a file to upload."))
    for upload in uploads:
        try:
            services.attachment_add(
                actor=request.user,
                application=application,
                name=upload.name,
                handle=upload.file,
                size=upload.size,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s uploaded.") % {"name": upload.name})
    return redirect("projects:application_edit", pk=application.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    audit_record(
        actor=request.user,
        event="project.attachment.download",
        target=attachment.application,
        after={"name": attachment.name},
    )
    return uploads.file_response(
        attachment.file.open("rb"), name=attachment.name, content_type=attachment.content_type
    )


@require_POST
@login_required
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("projects:application_edit", pk=attachment.application_id)


# Review --------------------------------------------------------------------------------------

ACTIONS = {
    "submit": lambda user, app, data: services.application_submit(actor=user, application=app),
    "pass": lambda user, app, data: services.application_pass(
        actor=user, application=app, reason=data.get("reason", "")
    ),
    "return": lambda user, app, data: services.application_return(
        actor=user, application=app, reason=data.get("reason", ""), days=data["days"]
    ),
    "reject": lambda user, app, data: services.application_reject(
        actor=user, application=app, reason=data.get("reason", "")
    ),
    "approve": lambda user, app, data: services.application_approve(
        actor=user, application=app, amount=data.get("amount"), reason=data.get("reason", "")
    ),
    "verdict": lambda user, app, data: services.acceptance_decide(
        actor=user,
        application=app,
        accepted=data.get("verdict") == "accept",
        reason=data.get("reason", ""),
    ),
}


@require_POST
@login_required
def application_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint for the transitions made with a button and an optional reason."""
    if action not in ACTIONS:
        raise PermissionDenied(action)
    application = selectors.application_get(user=request.user, pk=pk)
    data = {
        "reason": request.POST.get("reason", ""),
        "verdict": request.POST.get("verdict"),
        "days": _int(request.POST.get("days")) or services.REVISION_DAYS,
    }
    if action == "approve":
        form = ApproveForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect("projects:application_detail", pk=pk)
        data.update(amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"])
    try:
        ACTIONS[action](request.user, application, data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        application.refresh_from_db(fields=["status"])
        messages.success(
            request,
            _("Application %(number)s is now: %(status)s.")
            % {"number": application.number, "status": application.get_status_display()},
        )
    return redirect("projects:application_detail", pk=pk)


@permission_required("project.application.review")
def application_assign(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    candidates = services.expert_candidates(application)
    initial = {}
    if "propose" in request.GET:
        initial["experts"] = services.experts_propose(application=application)
    form = AssignForm(request.POST or None, initial=initial, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_assign(
                actor=request.user, application=application, experts=form.cleaned_data["experts"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Experts assigned; they have been notified."))
            return redirect("projects:application_detail", pk=pk)
    return render(
        request,
        "projects/application_assign.html",
        {
            "application": application,
            "form": form,
            "assignments": selectors.application_assignments(application),
        },
    )


# Execution -----------------------------------------------------------------------------------


def _report(request: HttpRequest, pk: int, *, final: bool) -> HttpResponse:
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.report"
    )
    form = ReportForm(request.POST or None, application=application, final=final)
    if request.method == "POST" and form.is_valid():
        evidence = [(f.name, f.file, f.size) for f in request.FILES.getlist("evidence")]
        try:
            services.progress_report_submit(
                actor=request.user,
                application=application,
                narrative=form.cleaned_data["narrative"],
                actuals=form.actuals(),
                final=final,
                evidence=evidence,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("Acceptance requested.") if final else _("Progress report filed."),
            )
            return redirect("projects:application_detail", pk=pk)
    return render(
        request,
        "projects/report_form.html",
        {"application": application, "form": form, "final": final},
    )


@login_required
@ratelimits.limit(ratelimits.UPLOAD)
def progress_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _report(request, pk, final=False)


@login_required
@ratelimits.limit(ratelimits.UPLOAD)
def acceptance_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _report(request, pk, final=True)


# Experts -------------------------------------------------------------------------------------


@permission_required("project.assignment.list")
def assignment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/assignment_list.html",
        {"page": paginate(request, selectors.assignment_list(user=request.user))},
    )


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    application = assignment.application
    context = {"assignment": assignment, "application": application}
    if permissions.can(request.user, "project.application.view", application):
        context["application"] = selectors.application_get(user=request.user, pk=application.pk)
    if permissions.can(request.user, "project.assignment.score", assignment):
        form = ScoreForm(request.POST or None, criteria=application.spec["criteria"])
        if request.method == "POST" and form.is_valid():
            try:
                services.score_submit(
                    actor=request.user, assignment=assignment, **form.services_input()
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, _("Score submitted. Thank you."))
                return redirect("projects:assignment_list")
        context["score_form"] = form
    return render(request, "projects/assignment_detail.html", context)


@require_POST
@login_required
def assignment_respond(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    try:
        if request.POST.get("answer") == "accept":
            services.assignment_accept(actor=request.user, assignment=assignment)
        else:
            services.assignment_decline(
                actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("projects:assignment_detail", pk=pk)


@require_POST
@permission_required("project.application.review")
def score_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    try:
        services.score_reopen(
            actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The score was sent back to the expert."))
    return redirect("projects:application_detail", pk=assignment.application_id)


# Ranking and follow-up -----------------------------------------------------------------------


@permission_required("project.ranking.view")
def ranking(request: HttpRequest) -> HttpResponse:
    lots = list(selectors.lots_for_ranking())
    chosen = _int(request.GET.get("lot"))
    lot = next((lot for lot in lots if lot.pk == chosen), lots[0] if lots else None)
    result = selectors.ranking(user=request.user, lot=lot) if lot else None
    return render(
        request,
        "projects/ranking.html",
        {"lots": lots, "lot": lot, "ranking": result, "spread_threshold": SPREAD_WARNING},
    )


@permission_required("project.ranking.view")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def ranking_export(request: HttpRequest, pk: int) -> HttpResponse:
    lot = selectors.lot_get(pk=pk)
    result = selectors.ranking(user=request.user, lot=lot)
    content = exporters.ranking_workbook(result)
    audit_record(
        actor=request.user,
        event="project.ranking.export",
        target=lot.call,
        after={"category": lot.code, "rows": len(result.applications)},
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return uploads.protect(response, name=f"ranking-{lot.call.year}-{lot.code}.xlsx")


@permission_required("project.application.review")
def overdue_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/overdue.html",
        {"overdue": selectors.overdue_projects(user=request.user)},
    )
