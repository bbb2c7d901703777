"""Accounts: registration, the password change, and lockouts after failed logins
(portal/accounts.py)."""

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import accounts, events, services
from portal.forms import LockoutReleaseForm, RegistrationForm
from portal.models import Organisation
from portal.types import AuthenticatedHttpRequest
from portal.views.common import form_error_messages, form_errors_from, permission_required


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = "/password/done/"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            actor=self.request.user, event=events.AUTH_PASSWORD_CHANGE, target=self.request.user
        )
        return response


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.organisation_register(
                username=data["username"],
                password=data["password1"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                organisation_name=data["organisation_name"],
                credit_code=data["credit_code"],
                kind=data["kind"],
                region=data["region"],
                address=data["address"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Registered. The IP bureau will verify %(name)s before it can submit anything.")
                % {"name": cast(Organisation, user.organisation).name},  # registered with it
            )
            return redirect("portal:my_organisation")
    return render(request, "portal/register.html", {"form": form})


# Lockouts after failed logins (portal/accounts.py) --------------------------------------------


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """What django-axes answers a locked login (AXES_LOCKOUT_CALLABLE): the login page with one
    message, whether the user name exists and whether the password was right."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    message = _(
        "Too many failed logins. Logging in is blocked for %(minutes)d minutes; the security "
        "administrator can unblock it sooner."
    ) % {"minutes": settings.AXES_COOLOFF_TIME.total_seconds() // 60}
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@permission_required("lockout.manage")
def lockout_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/lockout_list.html",
        {"lockouts": accounts.lockout_list(user=request.user), "form": LockoutReleaseForm()},
    )


@require_POST
@permission_required("lockout.manage")
def lockout_release(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = LockoutReleaseForm(request.POST)
    if form.is_valid():
        try:
            accounts.lockout_release(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(value)s is unlocked.") % {"value": form.cleaned_data["value"]}
            )
    else:
        form_error_messages(request, form)
    return redirect("portal:lockout_list")
