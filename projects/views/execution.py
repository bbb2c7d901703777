"""Pages of the execution: progress reports, the acceptance request, overdue projects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import ratelimits
from portal.types import AuthenticatedHttpRequest
from portal.uploads import received
from portal.views import form_errors_from, permission_required
from projects import selectors, services
from projects.forms import ReportForm


def _report(request: AuthenticatedHttpRequest, pk: int, *, final: bool) -> HttpResponse:
    application = selectors.application_get(
        user=request.user, pk=pk, code="project.application.report"
    )
    form = ReportForm(request.POST or None, application=application, final=final)
    if request.method == "POST" and form.is_valid():
        evidence = [received(f) for f in request.FILES.getlist("evidence")]
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
def progress_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _report(request, pk, final=False)


@login_required
@ratelimits.limit(ratelimits.UPLOAD)
def acceptance_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _report(request, pk, final=True)


@permission_required("project.application.review")
def overdue_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/overdue.html",
        {"overdue": selectors.overdue_projects(user=request.user)},
    )
