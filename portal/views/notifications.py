"""The inbox of notifications."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import selectors, services
from portal.types import AuthenticatedHttpRequest
from portal.views.common import paginate


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    notes = selectors.notification_list(user=request.user)
    return render(request, "portal/inbox.html", {"page": paginate(request, notes)})


@require_POST
@login_required
def inbox_mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    services.notification_mark_read(user=request.user, notification_ids=ids or None)
    return redirect("portal:inbox")
