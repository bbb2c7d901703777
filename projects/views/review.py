"""Pages of the review: transitions by button, expert assignment and scoring, the ranking."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions, ratelimits, spreadsheets, workflow
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, paginate, permission_required
from projects import events, exporters, selectors, services
from projects.forms import ApproveForm, AssignForm, ScoreForm
from projects.views.common import SPREAD_WARNING, _int
from projects.workflow import ASSIGNMENT

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
def application_act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
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
                    messages.error(request, str(message))  # ErrorList yields the messages
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
def application_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    candidates = selectors.expert_candidates(application)
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


# Experts --------------------------------------------------------------------------------------


@permission_required("project.assignment.list")
def assignment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/assignment_list.html",
        {"page": paginate(request, selectors.assignment_list(user=request.user))},
    )


@login_required
def assignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    application = assignment.application
    context: dict[str, Any] = {"assignment": assignment, "application": application}
    if permissions.can(request.user, "project.application.view", application):
        context["application"] = selectors.application_get(user=request.user, pk=application.pk)
    if workflow.allowed(ASSIGNMENT, request.user, assignment, "submit"):
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
def assignment_respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def score_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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


# Ranking --------------------------------------------------------------------------------------


@permission_required("project.ranking.view")
def ranking(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def ranking_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lot = selectors.lot_get(pk=pk)
    result = selectors.ranking(user=request.user, lot=lot)
    content = exporters.ranking_workbook(result)
    audit_record(
        actor=request.user,
        event=events.RANKING_EXPORT,
        target=lot.call,
        after={"category": lot.code, "rows": len(result.applications)},
    )
    name, fallback = exporters.ranking_file_names(lot)
    return cast(HttpResponse, spreadsheets.download(content, name=name, fallback=fallback))
