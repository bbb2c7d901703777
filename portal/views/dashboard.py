"""The home page: each role's dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from portal import audit_display, selectors
from portal import home as home_panels
from portal.models import Organisation, Role
from portal.types import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {"role": user.role}
    if user.role == Role.APPLICANT:
        context["organisation"] = user.organisation
    elif user.role == Role.REVIEWER:
        context["pending_organisations"] = selectors.organisation_list(
            user=user, status=Organisation.Status.PENDING
        )[:10]
    elif user.role == Role.CITY_AGENCY:
        context["region"] = user.region
        context["organisation_count"] = selectors.organisation_list(user=user).count()
    elif user.role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}:
        counts = selectors.role_counts()
        context["role_counts"] = [(label, counts[code]) for code, label in Role.choices]
    elif user.role == Role.AUDIT_ADMIN:
        context["recent_entries"] = audit_display.rows(selectors.audit_list(user=user)[:10])
    context["notifications"] = selectors.notification_list(user=user)[:5]
    context["panels"] = home_panels.panels_for(user)
    return render(request, "portal/home.html", context)
